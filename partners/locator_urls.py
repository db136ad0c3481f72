from django.urls import path

from . import locator

app_name = "locator"
urlpatterns = [
    path("", locator.locator, name="list"),
    path("<int:pk>/", locator.locator_detail, name="detail"),
    path("<int:pk>/logo", locator.locator_logo, name="logo"),
]
