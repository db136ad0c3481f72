from django.urls import path

from . import offboarding_views as views

app_name = "offboarding"
urlpatterns = [
    path("<int:pk>/offboarding/", views.partner, name="partner"),
    path("<int:pk>/offboarding/reactivate/", views.reactivate, name="reactivate"),
]
