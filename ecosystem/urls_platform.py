"""URLs served on the bare base domain: sign in, pick a program, operator admin."""

from django.contrib import admin
from django.urls import include, path

from ecosystem.api.views import healthz
from ecosystem.portal import platform_views

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", platform_views.choose_tenant, name="platform_home"),
]
