"""MDF portal pages, mounted at /mdf/. These paths are fixed: notifications link to
/mdf/, /mdf/requests/<id>/, /mdf/claims/<id>/ and /mdf/payouts/ (finance's page)."""

from django.urls import path

from . import views

app_name = "mdf"

urlpatterns = [
    path("", views.home, name="home"),
    path("review/", views.review_queue, name="review"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/edit/", views.request_edit, name="request_edit"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path("requests/<int:pk>/claim/", views.claim_new, name="claim_new"),
    path("claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("claims/<int:pk>/edit/", views.claim_edit, name="claim_edit"),
    path("claims/<int:pk>/decide/", views.claim_decide, name="claim_decide"),
    path("claims/<int:pk>/proofs/add/", views.proof_add, name="proof_add"),
    path("claims/<int:pk>/proofs/<int:proof_pk>/", views.proof_download, name="proof_download"),
]
