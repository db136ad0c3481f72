"""A new route without an isolation case fails here.

Every named route of the tenant host is enumerated from the URL resolver. Routes that take
an object id must have a cross-tenant (and cross-partner) case in one of the isolation
tables; routes without ids must be listed below, saying they expose no object by id.
"""

from django.urls import URLPattern, URLResolver, get_resolver

from tests.portal.test_isolation import ANOTHER_TENANTS_IDS
from tests.security.test_api_isolation import COVERED_API_ROUTES
from tests.security.test_checklist_isolation import COVERED_CHECKLIST_ROUTES
from tests.security.test_contract_isolation import COVERED_CONTRACT_ROUTES
from tests.security.test_screening_isolation import COVERED_SCREENING_ROUTES
from tests.security.test_sequences_isolation import COVERED_SEQUENCE_ROUTES
from tests.security.test_training_isolation import COVERED_TRAINING_ROUTES

THIRD_PARTY_MODULES = ("allauth.", "drf_spectacular.", "django.contrib.")

ROUTES_WITHOUT_IDS = {
    "healthz",
    "api-root",
    "home",
    "theme_css",
    "tenant_logo",
    "team",
    "team_invite",
    "settings",
    "settings_branding",
    "settings_security",
    "audit_log",
    "api_tokens",
    "partners:list",
    "applications:apply",
    "applications:submitted",
    "applications:mine",
    "applications:queue",
    "applications:profile",
    "application-list",
    "ideal-partner-profile",
    "partners:create",
    "partners:mine",
    "partners:export",
    "partners:directory",
    "partners:specialisations",
    "locator:list",
    "specialisation-list",
    "partner-list",
    "token-list",
    "tier-simulate",
    "partners:simulator",
    "tier-publish",
    "notifications",
    "notifications_read_all",
    "notification-list",
    "notification-read-all",
    "program_tiers",
    "settings_tiers",
    "settings_tier_create",
    "settings_tier_program",
    "tier-list",
    "tier-program",
    "deal-list",
    "deal-bulk",
    "deal-duplicate-check",
    "lead-list",
    "lead-import-file",
    "lead-report",
    "routing-rule-list",
    "leads:list",
    "leads:create",
    "leads:import",
    "leads:inbox",
    "leads:report",
    "leads:rules",
    "leads:rule_create",
    "deals:review",
    "deals:review_bulk",
    "deals:rules",
    "deals:rules_edit",
    "deals:named_accounts",
    "deals:named_accounts_upload",
    "deals:list",
    "deals:register",
    "deals:duplicate_check",
    "named-account-list",
    "deal-rules",
    "tier_health",
    "crm:accounts",
    "crm:opportunities",
    "crm:imports",
    "crm:import",
    "crm-account-list",
    "crm-opportunity-list",
    "crm-import-list",
    "training:my_learning",
    "training:certificates",
    "training:courses",
    "training:course_create",
    "training:paths",
    "training:path_create",
    "training:report",
    "course-list",
    "enrolment-list",
    "certification-list",
    "contracts:list",
    "contracts:issue",
    "contracts:templates",
    "contracts:template_create",
    "contracts:template_preview",
    "agreement-template-list",
    "contract-list",
    "checklists:overview",
    "checklists:start",
    "checklists:templates",
    "checklists:template_create",
    "checklist-template-list",
    "checklist-list",
    "screening:reviews",
    "screening:lists",
    "screening:settings",
    "restricted-party-list-list",
    "screening-run-list",
    "screening-hit-list",
    "compliance-review-list",
    "sequences:overview",
    "sequences:steps",
    "sequences:step_create",
    "sequences:settings",
    "surveys:results",
    "surveys:mine",
    "welcome-step-list",
    "survey-invitation-list",
    "survey-results",
    "mdf:home",
    "mdf:review",
    "mdf:request_new",
    "mdf_finance:funds",
    "mdf_finance:fund_create",
    "mdf_finance:payouts",
    "mdf_finance:payouts_pay_batch",
    "mdf_finance:payable_csv",
    "mdf_finance:roi",
    "mdf_finance:settings",
    "mdf-fund-list",
    "mdf-allocation-list",
    "mdf-request-list",
    "mdf-claim-list",
    "mdf-claim-pay-batch",
    "incentives:statements",
    "incentives:statements_pay",
    "incentives:statements_export",
    "incentives:programs",
    "incentives:program_create",
    "incentives:calculator",
    "incentive-program-list",
    "incentive-earning-list",
    "incentive-statement-list",
    "incentive-statement-pay-batch",
    "incentive-calculate",
}
# Covered elsewhere: the token is a secret, not an id; tests/accounts/test_invitations.py
# shows another tenant's invitation link is 404 on this tenant's host.
SPECIAL = {
    "invitation_accept",
    # Another tenant's or another person's simulator draft is a 404 on each of these:
    # tests/partners/test_simulator_page.py::test_simulator_roles_and_isolation
    "partners:simulator_draft",
    "partners:simulator_publish",
    "partners:simulator_discard",
}


def walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            module = getattr(entry.callback, "__module__", "")
            if module.startswith(THIRD_PARTY_MODULES):
                continue
            parameters = set(entry.pattern.regex.groupindex)
            if "format" in parameters:
                continue  # DRF's .json suffix variants of the same routes
            yield f"{namespace}{entry.name}", parameters


def test_every_tenant_route_has_an_isolation_case():
    routes = dict(walk(get_resolver("ecosystem.urls").url_patterns))
    covered = (
        {name for _, name, _ in ANOTHER_TENANTS_IDS}
        | COVERED_API_ROUTES
        | COVERED_TRAINING_ROUTES
        | COVERED_CONTRACT_ROUTES
        | COVERED_CHECKLIST_ROUTES
        | COVERED_SCREENING_ROUTES
        | COVERED_SEQUENCE_ROUTES
        | SPECIAL
    )
    missing = [
        name
        for name, converters in routes.items()
        if (name not in covered if converters else name not in ROUTES_WITHOUT_IDS)
    ]
    assert missing == [], f"Add isolation cases for: {missing}"
    stale = (ROUTES_WITHOUT_IDS | covered) - set(routes)
    assert stale == set(), f"Cases for routes that no longer exist: {stale}"
