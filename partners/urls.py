from django.urls import path

from . import commitment_views, simulator_views, views

app_name = "partners"
urlpatterns = [
    path("", views.partner_list, name="list"),
    path("new/", views.partner_create, name="create"),
    path("mine/", views.my_organisation, name="mine"),
    path("export.csv", views.partner_export, name="export"),
    path("directory/", views.partner_directory, name="directory"),
    path("specialisations/", views.specialisation_list, name="specialisations"),
    path(
        "specialisations/<int:pk>/rename/",
        views.specialisation_rename,
        name="specialisation_rename",
    ),
    path(
        "specialisations/<int:pk>/delete/",
        views.specialisation_delete,
        name="specialisation_delete",
    ),
    path("<int:pk>/status/", views.partner_status_change, name="status_change"),
    path("<int:pk>/logo", views.partner_logo, name="logo"),
    path("<int:pk>/", views.partner_detail, name="detail"),
    path("<int:pk>/edit/", views.partner_edit, name="edit"),
    path(
        "<int:pk>/commitments/attest/",
        commitment_views.commitment_attest,
        name="commitment_attest",
    ),
    path("<int:pk>/invitations/", views.member_invite, name="invite"),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "<int:pk>/members/<int:membership_pk>/deactivate/",
        views.member_deactivate,
        name="member_deactivate",
    ),
]

# The what-if tier simulator
urlpatterns += [
    path("tiers/simulator/", simulator_views.simulator, name="simulator"),
    path("tiers/simulator/<int:pk>/", simulator_views.simulator_draft, name="simulator_draft"),
    path(
        "tiers/simulator/<int:pk>/publish/",
        simulator_views.simulator_publish,
        name="simulator_publish",
    ),
    path(
        "tiers/simulator/<int:pk>/discard/",
        simulator_views.simulator_discard,
        name="simulator_discard",
    ),
]
