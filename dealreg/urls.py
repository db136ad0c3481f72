from django.urls import path

app_name = "deals"
urlpatterns: list = []

# Reviewers: the review queue, the rules of engagement and the named accounts.
from . import review_views  # noqa: E402

urlpatterns += [
    path("review/", review_views.review_queue, name="review"),
    path("review/bulk/", review_views.review_bulk, name="review_bulk"),
    path("review/<int:pk>/decide/", review_views.review_decide, name="review_decide"),
    path("review/<int:pk>/assign/", review_views.review_assign, name="review_assign"),
    path("rules/", review_views.rules_page, name="rules"),
    path("rules/edit/", review_views.rules_edit, name="rules_edit"),
    path("named-accounts/", review_views.named_accounts, name="named_accounts"),
    path(
        "named-accounts/upload/",
        review_views.named_accounts_upload,
        name="named_accounts_upload",
    ),
    path(
        "named-accounts/<int:pk>/remove/",
        review_views.named_account_remove,
        name="named_account_remove",
    ),
]

# Partners and staff: the list, registration and the deal page with its actions.
from . import views  # noqa: E402

urlpatterns += [
    path("", views.deal_list, name="list"),
    path("new/", views.deal_register, name="register"),
    path("duplicate-check/", views.duplicate_check, name="duplicate_check"),
    path("<int:pk>/", views.deal_detail, name="detail"),
    path("<int:pk>/approve/", views.deal_approve, name="approve"),
    path("<int:pk>/reject/", views.deal_reject, name="reject"),
    path("<int:pk>/close/", views.deal_close, name="close"),
    path("<int:pk>/edit/", views.deal_edit, name="edit"),
    path("<int:pk>/reopen/", views.deal_reopen, name="reopen"),
    path("<int:pk>/refund/", views.deal_refund, name="refund"),
    path("<int:pk>/participants/", views.participant_add, name="participant_add"),
    path(
        "<int:pk>/participants/<int:participant_pk>/decide/",
        views.participant_decide,
        name="participant_decide",
    ),
    path("<int:pk>/join/", views.deal_join, name="join"),
    path("<int:pk>/appeal/", views.deal_appeal, name="appeal"),
    path("<int:pk>/appeal/decide/", views.appeal_decide, name="appeal_decide"),
    path("<int:pk>/extension/", views.extension_request, name="extension"),
    path("<int:pk>/extension/decide/", views.extension_decide, name="extension_decide"),
    path("<int:pk>/messages/", views.message_post, name="message"),
    path("<int:pk>/messages/<int:message_pk>/file", views.message_file, name="file"),
    path("<int:pk>/help/", views.help_request, name="help"),
    path("<int:pk>/help/<int:request_pk>/", views.help_update, name="help_update"),
]
