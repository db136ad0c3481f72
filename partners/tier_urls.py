"""Tier program pages, mounted at the site root: /tiers/, /tiers/health/ and
/settings/tiers/…"""

from django.urls import path

from . import commitment_views, tier_views

urlpatterns = [
    path("tiers/", tier_views.program_tiers, name="program_tiers"),
    path("tiers/health/", commitment_views.tier_health, name="tier_health"),
    path("settings/tiers/", tier_views.settings_tiers, name="settings_tiers"),
    path("settings/tiers/new/", tier_views.tier_create, name="settings_tier_create"),
    path("settings/tiers/program/", tier_views.program_update, name="settings_tier_program"),
    path("settings/tiers/<int:pk>/edit/", tier_views.tier_edit, name="settings_tier_edit"),
    path("settings/tiers/<int:pk>/delete/", tier_views.tier_delete, name="settings_tier_delete"),
    path(
        "settings/tiers/<int:pk>/requirements/new/",
        tier_views.requirement_add,
        name="settings_requirement_add",
    ),
    path(
        "settings/tiers/requirements/<int:pk>/edit/",
        tier_views.requirement_edit,
        name="settings_requirement_edit",
    ),
    path(
        "settings/tiers/requirements/<int:pk>/remove/",
        tier_views.requirement_remove,
        name="settings_requirement_remove",
    ),
]
