"""Welcome-sequence pages, mounted at /welcome/ (namespace "sequences")."""

from django.urls import path

from . import sequences_views

app_name = "sequences"
urlpatterns = [
    path("", sequences_views.overview, name="overview"),
    path("steps/", sequences_views.step_list, name="steps"),
    path("steps/new/", sequences_views.step_create, name="step_create"),
    path("steps/<int:pk>/", sequences_views.step_edit, name="step_edit"),
    path("co-selling-guide/", sequences_views.settings, name="settings"),
    path("partners/<int:pk>/", sequences_views.timeline, name="timeline"),
    path("partners/<int:pk>/start/", sequences_views.start, name="start"),
    path("messages/<int:pk>/", sequences_views.message, name="message"),
]
