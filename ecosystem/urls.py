"""URLs served on a tenant's host."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ecosystem.api.views import healthz
from onboarding import training_views

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("ecosystem.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api_docs"),
    path("accounts/", include("allauth.urls")),
    path("", include("ecosystem.portal.urls")),
    path("partners/", include("partners.urls")),
    path("partners/", include("onboarding.offboarding_urls")),
    path("", include("partners.tier_urls")),
    path("locator/", include("partners.locator_urls")),
    path("deals/", include("dealreg.urls")),
    path("leads/", include("dealreg.lead_urls")),
    path("crm/", include("dealreg.crm_urls")),
    path("", include("onboarding.application_urls")),
    path("training/", include("onboarding.training_urls")),
    # Public: anyone holding a certificate's code can check it (no sign-in).
    path(
        "certificates/verify/<str:code>/",
        training_views.certificate_verify,
        name="certificate_verify",
    ),
    path("agreements/", include("onboarding.contracts_urls")),
    path("onboarding/", include("onboarding.checklists_urls")),
    path("compliance/", include("onboarding.screening_urls")),
    path("welcome/", include("onboarding.sequences_urls")),
    path("surveys/", include("onboarding.surveys_urls")),
    path("mdf/", include("mdf.urls")),
    path("mdf/", include("mdf.finance_urls")),
    path("incentives/", include("mdf.incentives_urls")),
]
