from django.urls import path

from . import application_views as views

app_name = "applications"
urlpatterns = [
    path("apply/", views.apply, name="apply"),
    path("apply/submitted/", views.submitted, name="submitted"),
    path("apply/status/", views.mine, name="mine"),
    path("applications/", views.queue, name="queue"),
    path("applications/profile/", views.profile, name="profile"),
    path("applications/<int:pk>/", views.detail, name="detail"),
    path("applications/<int:pk>/decide/", views.decide, name="decide"),
]
