from django.urls import path
from rest_framework.routers import DefaultRouter

from dealreg.api import DealViewSet
from dealreg.crm_api import CrmAccountViewSet, CrmImportViewSet, CrmOpportunityViewSet
from dealreg.leads_api import LeadViewSet, RoutingRuleViewSet
from dealreg.named_accounts_api import DealRulesView, NamedAccountViewSet
from ecosystem.notifications.api import NotificationViewSet
from mdf.api import AllocationViewSet, FundRequestViewSet, FundViewSet
from mdf.api_claims import ClaimViewSet
from mdf.incentives_api import (
    IncentiveCalculateView,
    IncentiveEarningViewSet,
    IncentiveProgramViewSet,
    IncentiveStatementViewSet,
)
from onboarding.application_api import ApplicationViewSet, IdealPartnerProfileView
from onboarding.checklists_api import (
    ChecklistTaskViewSet,
    ChecklistTemplateViewSet,
    ChecklistViewSet,
)
from onboarding.contracts_api import AgreementTemplateViewSet, ContractViewSet
from onboarding.screening_api import (
    ComplianceReviewViewSet,
    RestrictedPartyListViewSet,
    ScreeningHitViewSet,
    ScreeningRunViewSet,
)
from onboarding.sequences_api import (
    PartnerSequenceStartView,
    PartnerSequenceView,
    SurveyInvitationViewSet,
    SurveyResultsView,
    WelcomeStepViewSet,
)
from onboarding.training_api import CertificationViewSet, CourseViewSet, EnrolmentViewSet
from partners import commitment_api, tier_engine_api
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
router.register("deals", DealViewSet, basename="deal")
router.register("named-accounts", NamedAccountViewSet, basename="named-account")
router.register("crm/accounts", CrmAccountViewSet, basename="crm-account")
router.register("crm/opportunities", CrmOpportunityViewSet, basename="crm-opportunity")
router.register("crm/imports", CrmImportViewSet, basename="crm-import")
router.register("leads", LeadViewSet, basename="lead")
router.register("routing-rules", RoutingRuleViewSet, basename="routing-rule")
router.register("applications", ApplicationViewSet, basename="application")
router.register("courses", CourseViewSet, basename="course")
router.register("enrolments", EnrolmentViewSet, basename="enrolment")
router.register("certifications", CertificationViewSet, basename="certification")
router.register("agreement-templates", AgreementTemplateViewSet, basename="agreement-template")
router.register("contracts", ContractViewSet, basename="contract")
router.register("checklist-templates", ChecklistTemplateViewSet, basename="checklist-template")
router.register("checklists", ChecklistViewSet, basename="checklist")
router.register("checklist-tasks", ChecklistTaskViewSet, basename="checklist-task")
router.register(
    "restricted-party-lists", RestrictedPartyListViewSet, basename="restricted-party-list"
)
router.register("screening-runs", ScreeningRunViewSet, basename="screening-run")
router.register("screening-hits", ScreeningHitViewSet, basename="screening-hit")
router.register("compliance-reviews", ComplianceReviewViewSet, basename="compliance-review")
router.register("welcome-steps", WelcomeStepViewSet, basename="welcome-step")
router.register("survey-invitations", SurveyInvitationViewSet, basename="survey-invitation")
router.register("mdf/funds", FundViewSet, basename="mdf-fund")
router.register("mdf/allocations", AllocationViewSet, basename="mdf-allocation")
router.register("mdf/requests", FundRequestViewSet, basename="mdf-request")
router.register("mdf/claims", ClaimViewSet, basename="mdf-claim")
router.register("incentives/programs", IncentiveProgramViewSet, basename="incentive-program")
router.register("incentives/earnings", IncentiveEarningViewSet, basename="incentive-earning")
router.register("incentives/statements", IncentiveStatementViewSet, basename="incentive-statement")

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
    path(
        "partners/<int:pk>/commitments/",
        commitment_api.PartnerCommitmentsView.as_view(),
        name="partner-commitments",
    ),
    path(
        "partners/<int:pk>/commitments/attest/",
        commitment_api.PartnerCommitmentAttestView.as_view(),
        name="partner-commitments-attest",
    ),
    path("deal-rules/", DealRulesView.as_view(), name="deal-rules"),
    path(
        "incentives/calculate/",
        IncentiveCalculateView.as_view(),
        name="incentive-calculate",
    ),
    path(
        "partners/<int:pk>/welcome-sequence/",
        PartnerSequenceView.as_view(),
        name="partner-welcome-sequence",
    ),
    path(
        "partners/<int:pk>/welcome-sequence/start/",
        PartnerSequenceStartView.as_view(),
        name="partner-welcome-sequence-start",
    ),
    path("survey-results/", SurveyResultsView.as_view(), name="survey-results"),
    path(
        "ideal-partner-profile/",
        IdealPartnerProfileView.as_view(),
        name="ideal-partner-profile",
    ),
    *router.urls,
]
