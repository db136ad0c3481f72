from django.urls import path
from rest_framework.routers import DefaultRouter

from ecosystem.notifications.api import NotificationViewSet
from partners import tier_engine_api
from partners.api import PartnerViewSet, SpecialisationViewSet
from partners.tier_api import TierProgramView, TierRequirementViewSet, TierViewSet

from .views import ApiTokenViewSet

router = DefaultRouter(trailing_slash=True)
router.register("partners", PartnerViewSet, basename="partner")
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("specialisations", SpecialisationViewSet, basename="specialisation")
router.register("tiers", TierViewSet, basename="tier")
router.register("tier-requirements", TierRequirementViewSet, basename="tier-requirement")
router.register("notifications", NotificationViewSet, basename="notification")

# Explicit paths come before the router, so tiers/simulate/ is not read as a tier id.
urlpatterns = [
    path("tiers/simulate/", tier_engine_api.TierSimulateView.as_view(), name="tier-simulate"),
    path("tiers/publish/", tier_engine_api.TierPublishView.as_view(), name="tier-publish"),
    path("tier-program/", TierProgramView.as_view(), name="tier-program"),
    path(
        "partners/<int:pk>/tier-progress/",
        tier_engine_api.TierProgressView.as_view(),
        name="partner-tier-progress",
    ),
    path(
        "partners/<int:pk>/tier-history/",
        tier_engine_api.TierHistoryView.as_view(),
        name="partner-tier-history",
    ),
    path(
        "partners/<int:pk>/tier-override/",
        tier_engine_api.TierOverrideView.as_view(),
        name="partner-tier-override",
    ),
    *router.urls,
]
