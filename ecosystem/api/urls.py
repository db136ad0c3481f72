from rest_framework.routers import DefaultRouter

from partners.api import PartnerViewSet

from .views import ApiTokenViewSet

router = DefaultRouter(trailing_slash=True)
router.register("partners", PartnerViewSet, basename="partner")
router.register("tokens", ApiTokenViewSet, basename="token")

urlpatterns = router.urls
