"""Survey pages, mounted at /surveys/ (namespace "surveys")."""

from django.urls import path

from . import sequences_views

app_name = "surveys"
urlpatterns = [
    path("", sequences_views.survey_results, name="results"),
    path("mine/", sequences_views.my_surveys, name="mine"),
    path("<int:pk>/", sequences_views.survey_answer, name="answer"),
]
