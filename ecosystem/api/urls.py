from django.urls import path
from rest_framework.routers import DefaultRouter

from partners.api import PartnerViewSet

from .views import ApiTokenViewSet

router = DefaultRouter(trailing_slash=True)
router.register("partners", PartnerViewSet, basename="partner")
router.register("tokens", ApiTokenViewSet, basename="token")

urlpatterns = router.urls

# --- Tier engine (before the router, so tiers/simulate/ is not read as a tier id)
from partners import tier_engine_api  # noqa: E402

urlpatterns = [
    path("tiers/simulate/", tier_engine_api.TierSimulateView.as_view(), name="tier-simulate"),
    path("tiers/publish/", tier_engine_api.TierPublishView.as_view(), name="tier-publish"),
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
    *urlpatterns,
]
