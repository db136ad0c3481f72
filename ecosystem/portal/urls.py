from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("theme.css", views.theme_css, name="theme_css"),
    path("branding/logo", views.tenant_logo, name="tenant_logo"),
    path("invitations/<str:token>/", views.accept_invitation, name="invitation_accept"),
]
