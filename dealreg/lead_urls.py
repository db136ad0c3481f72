"""Lead pages, mounted at /leads/ (namespace "leads")."""

from django.urls import path

from . import lead_views

app_name = "leads"
urlpatterns = [
    path("", lead_views.lead_list, name="list"),
    path("new/", lead_views.lead_create, name="create"),
    path("import/", lead_views.lead_import, name="import"),
    path("inbox/", lead_views.inbox, name="inbox"),
    path("report/", lead_views.report, name="report"),
    path("rules/", lead_views.rules, name="rules"),
    path("rules/new/", lead_views.rule_create, name="rule_create"),
    path("rules/<int:pk>/edit/", lead_views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", lead_views.rule_delete, name="rule_delete"),
    path("<int:pk>/", lead_views.lead_detail, name="detail"),
    path("<int:pk>/route/", lead_views.lead_route, name="route"),
    path("<int:pk>/override/", lead_views.lead_override, name="override"),
    path("<int:pk>/withdraw/", lead_views.lead_withdraw, name="withdraw"),
    path("<int:pk>/lost/", lead_views.lead_lost, name="lost"),
    path("<int:pk>/accept/", lead_views.lead_accept, name="accept"),
    path("<int:pk>/decline/", lead_views.lead_decline, name="decline"),
    path("<int:pk>/convert/", lead_views.lead_convert, name="convert"),
]
