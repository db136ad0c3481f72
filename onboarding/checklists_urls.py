"""Onboarding checklist pages, mounted at /onboarding/ (namespace "checklists")."""

from django.urls import path

from . import checklists_views

app_name = "checklists"
urlpatterns = [
    path("", checklists_views.overview, name="overview"),
    path("start/", checklists_views.start, name="start"),
    path("templates/", checklists_views.template_list, name="templates"),
    path("templates/new/", checklists_views.template_create, name="template_create"),
    path("templates/<int:pk>/", checklists_views.template_edit, name="template_edit"),
    path("<int:pk>/", checklists_views.detail, name="detail"),
    path("tasks/<int:pk>/upload/", checklists_views.upload, name="upload"),
    path("tasks/<int:pk>/form/", checklists_views.submit_form, name="submit_form"),
    path("tasks/<int:pk>/confirm/", checklists_views.confirm, name="confirm"),
    path("tasks/<int:pk>/waive/", checklists_views.waive, name="waive"),
    path("tasks/<int:pk>/reopen/", checklists_views.reopen, name="reopen"),
    path("tasks/<int:pk>/file/", checklists_views.task_file, name="file"),
]
