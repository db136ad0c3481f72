"""Another tenant's ids, and for partner users another partner's ids, are plain 404s on
every portal page and action that takes an id, and change nothing."""

import datetime
from decimal import Decimal

import pytest
from django.urls import resolve, reverse

from dealreg.models import (
    CrmAccount,
    CrmImport,
    Deal,
    DealAppeal,
    DealMessage,
    DealParticipant,
    Lead,
    NamedAccount,
    ProtectionExtension,
    RoutingRule,
    VendorHelpRequest,
)
from ecosystem.api.models import ApiToken
from ecosystem.notifications.models import Notification
from ecosystem.tenancy.models import Invitation, Membership
from ecosystem.tenancy.roles import Role, has_capability
from mdf.models import AccrualRun, Allocation, Claim, Fund, FundRequest, PayoutBatch, ProofFile
from partners.models import CommitmentAttestation, Specialisation, Tier, TierRequirement
from tests.dealreg.factories import (
    DealFactory,
    LeadFactory,
    NamedAccountFactory,
    RoutingRuleFactory,
    isolation_deals,
)
from tests.mdf import page_builders as mdf_builders
from tests.onboarding.factories import submit as submit_application
from tests.partners.factories import PartnerOrganisationFactory, TierFactory


def incentive_world(tenant, other_tenant, other_partner, foreign_partner, deals) -> dict:
    """Another program's incentive program, rule and statement; another partner's
    statement in this program (lines written directly: isolation, not arithmetic)."""
    import datetime

    from mdf.models import Earning, IncentiveProgram, IncentiveRule, Statement

    objects = {}
    for prefix, owner, deal in (
        ("foreign", foreign_partner, deals["foreign_deal"]),
        ("other_partners", other_partner, deals["other_partner_deal"]),
    ):
        program = IncentiveProgram.objects.create(
            tenant=owner.tenant, name=f"{prefix} rebate", kind="rebate", currency="USD",
            start_date=datetime.date(2025, 1, 1),
        )  # fmt: skip
        rule = IncentiveRule.objects.create(tenant=owner.tenant, program=program, percent=5)
        statement = Statement.objects.create(
            tenant=owner.tenant, partner=owner, period_start=datetime.date(2025, 4, 1),
            period_end=datetime.date(2025, 6, 30), currency="USD",
        )  # fmt: skip
        Earning.objects.create(
            tenant=owner.tenant, partner=owner, program=program, rule=rule, deal=deal,
            statement=statement, kind="earning", amount=100, base_amount=2000, currency="USD",
            period_start=statement.period_start, period_end=statement.period_end,
            source_event_id=1, source_event_name="deal.won", trace={"sentence": "Theirs"},
        )  # fmt: skip
        objects.update(
            {
                f"{prefix}_incentive_program": program,
                f"{prefix}_incentive_rule": rule,
                f"{prefix}_statement": statement,
            }
        )
    return objects


@pytest.fixture
def world(
    tenant,
    other_tenant,
    partner,
    other_partner,
    other_partner_admin,
    make_member,
    invite,
    token_for,
):
    foreign_admin = make_member(other_tenant, Role.ADMIN, email="admin@globex.example")
    # Listed in its tenant's locator, so only the tenant check keeps it off this host's.
    foreign_partner = PartnerOrganisationFactory(
        tenant=other_tenant, name="Globex Reseller", is_listed=True, listed_fields=["logo"]
    )
    foreign_token, _ = token_for(foreign_admin)
    foreign_tier = TierFactory(tenant=other_tenant, name="Globex Gold", rank=3)
    deals = isolation_deals(
        tenant=tenant, partner=partner, other_partner=other_partner, foreign_partner=foreign_partner
    )
    return {
        **deals,
        **_mdf_objects(
            tenant=tenant,
            other_tenant=other_tenant,
            other_partner=other_partner,
            other_partner_admin=other_partner_admin,
            foreign_partner=foreign_partner,
            foreign_admin=foreign_admin,
            make_member=make_member,
        ),
        **_foreign_mdf(other_tenant, foreign_partner),
        "foreign_tier": foreign_tier,
        "foreign_requirement": TierRequirement.objects.create(
            tenant=other_tenant, tier=foreign_tier, metric="active_people", threshold=3
        ),
        "foreign_notification": Notification.objects.create(
            tenant=other_tenant, recipient=foreign_admin.user, kind="test", title="Private"
        ),
        "partner": partner,
        "other_partner": other_partner,
        "other_partner_member": other_partner_admin,
        "other_partner_invitation": invite(
            other_partner_admin, "new@contoso.example", "partner_sales", other_partner
        ),
        "foreign_partner": foreign_partner,
        "foreign_partner_member": make_member(
            other_tenant, Role.PARTNER_SALES, foreign_partner, email="rep@globex-reseller.example"
        ),
        "foreign_partner_invitation": invite(
            foreign_admin, "new@globex-reseller.example", "partner_sales", foreign_partner
        ),
        "foreign_staff_member": make_member(other_tenant, Role.FINANCE, email="cfo@globex.example"),
        "foreign_staff_invitation": invite(foreign_admin, "new@globex.example", "executive"),
        "foreign_token": foreign_token,
        "foreign_specialisation": Specialisation.objects.create(
            tenant=other_tenant, name="Globex speciality"
        ),
        "foreign_lead": LeadFactory(
            tenant=other_tenant,
            company_name="Globex lead",
            status="offered",
            partner=foreign_partner,
        ),
        "foreign_routing_rule": RoutingRuleFactory(tenant=other_tenant, name="Globex rule"),
        "other_partners_lead": LeadFactory(
            tenant=tenant, company_name="Contoso lead", status="accepted", partner=other_partner
        ),
        "foreign_review_deal": DealFactory(tenant=other_tenant, title="Globex review"),
        "foreign_named_account": NamedAccountFactory(tenant=other_tenant, name="Globex direct"),
        "foreign_application": submit_application(other_tenant, email="applicant@globex.example"),
        **incentive_world(tenant, other_tenant, other_partner, foreign_partner, deals),
        "foreign_crm_import": CrmImport.objects.create(
            tenant=other_tenant,
            kind="accounts",
            file_name="theirs.csv",
            rows=[{"row": 2, "action": "create", "external_id": "X", "name": "Hijacked"}],
        ),
    }


def _mdf_objects(
    *, tenant, other_tenant, other_partner, other_partner_admin, foreign_partner, foreign_admin,
    make_member,
):  # fmt: skip
    """Another partner's and another program's MDF request waiting for review, and claim
    (with its proof) waiting for review."""
    staff = make_member(tenant, Role.ADMIN, email="mdf-admin@acme.example")
    foreign_partner_admin = make_member(
        other_tenant, Role.PARTNER_ADMIN, foreign_partner, email="boss@globex-reseller.example"
    )
    objects = {}
    for prefix, the_tenant, reviewer, member, organisation in (
        ("other_partner", tenant, staff, other_partner_admin, other_partner),
        ("foreign", other_tenant, foreign_admin, foreign_partner_admin, foreign_partner),
    ):
        fund = mdf_builders.fund(the_tenant, reviewer)
        allocation = mdf_builders.allocate(the_tenant, reviewer, fund, organisation)
        claim = mdf_builders.claimed(the_tenant, member, reviewer, allocation)
        objects[f"{prefix}_fund_request"] = mdf_builders.submitted(the_tenant, member, allocation)
        objects[f"{prefix}_claimed_request"] = claim.request
        objects[f"{prefix}_claim"] = claim
        objects[f"{prefix}_proof"] = claim.proofs.get()
    return objects


def _assert_mdf_unchanged(world):
    for prefix in ("other_partner", "foreign"):
        request = FundRequest.objects.across_tenants().get(pk=world[f"{prefix}_fund_request"].pk)
        assert (request.status, request.title, request.decision_reason) == (
            "submitted",
            "Cloud security webinar",
            "",
        )
        claim = Claim.objects.across_tenants().get(pk=world[f"{prefix}_claim"].pk)
        assert (claim.status, claim.decision_reason, str(claim.claimed_amount)) == (
            "submitted",
            "",
            "3000.00",
        )
    assert ProofFile.objects.across_tenants().count() == 2
    # These two, and another program's approved claim (_foreign_mdf).
    assert Claim.objects.across_tenants().count() == 3


def _foreign_mdf(other_tenant, foreign_partner) -> dict:
    """Another program's fund, an approved claim on it and a payout batch (rows written
    directly: only their ids matter here)."""
    day = datetime.date(2026, 10, 1)
    fund = Fund.objects.for_tenant(other_tenant).create(
        tenant=other_tenant, name="Globex MDF", currency="USD", amount=Decimal("1000.00"),
        start_date=day, end_date=day, accrues=True,
    )  # fmt: skip
    allocation = Allocation.objects.for_tenant(other_tenant).create(
        tenant=other_tenant, fund=fund, partner=foreign_partner, source="manual"
    )
    request = FundRequest.objects.for_tenant(other_tenant).create(
        tenant=other_tenant, allocation=allocation, activity_type="event", title="Globex event",
        start_date=day, end_date=day, requested_amount=Decimal("100.00"),
        approved_amount=Decimal("100.00"), status="approved",
    )  # fmt: skip
    claim = Claim.objects.for_tenant(other_tenant).create(
        tenant=other_tenant, request=request, claimed_amount=Decimal("100.00"),
        approved_amount=Decimal("100.00"), currency="USD", status="approved",
    )  # fmt: skip
    batch = PayoutBatch.objects.for_tenant(other_tenant).create(
        tenant=other_tenant, reference="GLOBEX-1", method="check", paid_on=day
    )
    return {"foreign_budget": fund, "foreign_payable_claim": claim, "foreign_batch": batch}


# (method, url name, objects whose ids make the URL)
ANOTHER_TENANTS_IDS = [
    ("get", "partners:detail", ["foreign_partner"]),
    ("get", "partners:edit", ["foreign_partner"]),
    ("post", "partners:edit", ["foreign_partner"]),
    ("post", "partners:invite", ["foreign_partner"]),
    ("post", "partners:invitation_revoke", ["partner", "foreign_partner_invitation"]),
    ("post", "partners:invitation_revoke", ["foreign_partner", "foreign_partner_invitation"]),
    ("post", "partners:member_deactivate", ["partner", "foreign_partner_member"]),
    ("post", "partners:member_deactivate", ["foreign_partner", "foreign_partner_member"]),
    ("post", "team_invitation_revoke", ["foreign_staff_invitation"]),
    ("post", "team_member_deactivate", ["foreign_staff_member"]),
    ("post", "api_token_revoke", ["foreign_token"]),
    ("get", "settings_tier_edit", ["foreign_tier"]),
    ("post", "settings_tier_edit", ["foreign_tier"]),
    ("post", "settings_tier_delete", ["foreign_tier"]),
    ("get", "settings_requirement_add", ["foreign_tier"]),
    ("post", "settings_requirement_add", ["foreign_tier"]),
    ("get", "settings_requirement_edit", ["foreign_requirement"]),
    ("post", "settings_requirement_edit", ["foreign_requirement"]),
    ("post", "settings_requirement_remove", ["foreign_requirement"]),
    ("post", "notification_read", ["foreign_notification"]),
    ("post", "partners:status_change", ["foreign_partner"]),
    ("get", "partners:logo", ["foreign_partner"]),
    ("post", "partners:specialisation_rename", ["foreign_specialisation"]),
    ("post", "partners:specialisation_delete", ["foreign_specialisation"]),
    ("get", "locator:detail", ["foreign_partner"]),
    ("get", "locator:logo", ["foreign_partner"]),
    ("post", "deals:review_decide", ["foreign_review_deal"]),
    ("get", "applications:detail", ["foreign_application"]),
    ("get", "offboarding:partner", ["foreign_partner"]),
    ("post", "offboarding:partner", ["foreign_partner"]),
    ("post", "offboarding:reactivate", ["foreign_partner"]),
    ("post", "applications:decide", ["foreign_application"]),
    ("post", "deals:review_assign", ["foreign_review_deal"]),
    ("post", "deals:named_account_remove", ["foreign_named_account"]),
    ("get", "crm:import_detail", ["foreign_crm_import"]),
    ("post", "crm:import_apply", ["foreign_crm_import"]),
    ("post", "crm:import_discard", ["foreign_crm_import"]),
    ("post", "partners:commitment_attest", ["foreign_partner"]),
    ("get", "leads:detail", ["foreign_lead"]),
    ("post", "leads:route", ["foreign_lead"]),
    ("post", "leads:override", ["foreign_lead"]),
    ("post", "leads:withdraw", ["foreign_lead"]),
    ("post", "leads:lost", ["foreign_lead"]),
    ("post", "leads:accept", ["foreign_lead"]),
    ("post", "leads:decline", ["foreign_lead"]),
    ("post", "leads:convert", ["foreign_lead"]),
    ("get", "leads:rule_edit", ["foreign_routing_rule"]),
    ("post", "leads:rule_edit", ["foreign_routing_rule"]),
    ("post", "leads:rule_delete", ["foreign_routing_rule"]),
    ("get", "mdf_finance:fund_detail", ["foreign_budget"]),
    ("post", "mdf_finance:fund_allocate", ["foreign_budget"]),
    ("post", "mdf_finance:fund_allocate_by_tier", ["foreign_budget"]),
    ("post", "mdf_finance:fund_run_accrual", ["foreign_budget"]),
    ("get", "mdf_finance:fund_accrual_csv", ["foreign_budget"]),
    ("post", "mdf_finance:payouts_pay_claim", ["foreign_payable_claim"]),
    ("get", "mdf_finance:batch_csv", ["foreign_batch"]),
]

INCENTIVE_ROUTES = [
    ("get", "incentives:statement"),
    ("get", "incentives:statement_pdf"),
    ("get", "incentives:statement_csv"),
    ("post", "incentives:statement_approve"),
]
ANOTHER_TENANTS_IDS += [(method, name, ["foreign_statement"]) for method, name in INCENTIVE_ROUTES]
ANOTHER_TENANTS_IDS += [
    ("get", "incentives:program", ["foreign_incentive_program"]),
    ("post", "incentives:program", ["foreign_incentive_program"]),
    ("post", "incentives:rule_add", ["foreign_incentive_program"]),
    ("get", "incentives:rule_edit", ["foreign_incentive_rule"]),
    ("post", "incentives:rule_edit", ["foreign_incentive_rule"]),
    ("get", "incentives:deal_calculator", ["foreign_deal"]),
]

DEAL_ROUTES = [
    ("get", "deals:detail"),
    ("post", "deals:approve"),
    ("post", "deals:reject"),
    ("post", "deals:close"),
    ("post", "deals:edit"),
    ("post", "deals:participant_add"),
    ("post", "deals:appeal"),
    ("post", "deals:appeal_decide"),
    ("post", "deals:extension"),
    ("post", "deals:extension_decide"),
    ("post", "deals:message"),
    ("post", "deals:help"),
    ("post", "deals:reopen"),
    ("post", "deals:refund"),
]
# Deal pages: another program's deal and its parts, and (below) another partner's deal.
ANOTHER_TENANTS_IDS += [(method, name, ["foreign_deal"]) for method, name in DEAL_ROUTES] + [
    # Asking to join is allowed on another partner's deal, never on another program's.
    ("post", "deals:join", ["foreign_deal"]),
    ("post", "deals:participant_decide", ["foreign_deal", "foreign_deal_participant"]),
    ("post", "deals:participant_decide", ["deal", "foreign_deal_participant"]),
    ("get", "deals:file", ["foreign_deal", "foreign_deal_message"]),
    ("get", "deals:file", ["deal", "foreign_deal_message"]),
    ("post", "deals:help_update", ["foreign_deal", "foreign_deal_help"]),
    ("post", "deals:help_update", ["deal", "foreign_deal_help"]),
]

MDF_ROUTES = [
    ("get", "mdf:request_detail", "fund_request"),
    ("get", "mdf:request_edit", "fund_request"),
    ("post", "mdf:request_edit", "fund_request"),
    ("post", "mdf:request_decide", "fund_request"),
    ("get", "mdf:claim_new", "claimed_request"),
    ("post", "mdf:claim_new", "claimed_request"),
    ("get", "mdf:claim_detail", "claim"),
    ("get", "mdf:claim_edit", "claim"),
    ("post", "mdf:claim_edit", "claim"),
    ("post", "mdf:claim_decide", "claim"),
    ("post", "mdf:proof_add", "claim"),
]
ANOTHER_TENANTS_IDS += [(method, name, [f"foreign_{key}"]) for method, name, key in MDF_ROUTES] + [
    ("get", "mdf:proof_download", ["foreign_claim", "foreign_proof"]),
    ("get", "mdf:proof_download", ["other_partner_claim", "foreign_proof"]),
]

ANOTHER_PARTNERS_IDS = [
    ("get", "partners:detail", ["other_partner"]),
    ("post", "offboarding:partner", ["other_partner"]),
    ("get", "partners:edit", ["other_partner"]),
    ("post", "partners:edit", ["other_partner"]),
    ("post", "partners:invite", ["other_partner"]),
    ("post", "partners:invitation_revoke", ["partner", "other_partner_invitation"]),
    ("post", "partners:invitation_revoke", ["other_partner", "other_partner_invitation"]),
    ("post", "partners:member_deactivate", ["partner", "other_partner_member"]),
    ("post", "partners:member_deactivate", ["other_partner", "other_partner_member"]),
    ("post", "partners:status_change", ["other_partner"]),
    ("get", "partners:logo", ["other_partner"]),
    ("post", "partners:commitment_attest", ["other_partner"]),
    ("get", "leads:detail", ["other_partners_lead"]),
    ("post", "leads:accept", ["other_partners_lead"]),
    ("post", "leads:decline", ["other_partners_lead"]),
    ("post", "leads:convert", ["other_partners_lead"]),
    ("post", "leads:lost", ["other_partners_lead"]),
]

ANOTHER_PARTNERS_IDS += [
    (method, name, [f"other_partner_{key}"]) for method, name, key in MDF_ROUTES
] + [
    ("get", "mdf:proof_download", ["other_partner_claim", "other_partner_proof"]),
]

ANOTHER_PARTNERS_IDS += [
    (method, name, ["other_partners_statement"]) for method, name in INCENTIVE_ROUTES
] + [("get", "incentives:deal_calculator", ["other_partner_deal"])]

ANOTHER_PARTNERS_IDS += [(method, name, ["other_partner_deal"]) for method, name in DEAL_ROUTES] + [
    ("post", "deals:participant_decide", ["other_partner_deal", "other_partner_deal_participant"]),
    ("get", "deals:file", ["other_partner_deal", "other_partner_deal_message"]),
    ("get", "deals:file", ["deal", "other_partner_deal_message"]),
    ("post", "deals:help_update", ["other_partner_deal", "other_partner_deal_help"]),
]

MDF_CLAIM_DATA = {"claimed_amount": "1", "results": "Hijacked"}
POST_DATA = {
    "mdf:request_decide": {"action": "reject", "reason": "Hijacked"},
    "mdf:request_edit": {
        "activity_type": "event",
        "title": "Hijacked",
        "start_date": "2030-01-01",
        "end_date": "2030-01-01",
        "requested_amount": "1",
    },
    "mdf:claim_new": MDF_CLAIM_DATA,
    "mdf:claim_edit": MDF_CLAIM_DATA,
    "mdf:claim_decide": {"action": "reject", "reason": "Hijacked"},
    "leads:decline": {"reason": "Hijacked"},
    "leads:lost": {"reason": "Hijacked"},
    "leads:withdraw": {"reason": "Hijacked"},
    "leads:override": {"reason": "Hijacked"},
    "leads:rule_edit": {"name": "Hijacked", "priority": 1},
    "deals:approve": {"reason": "Hijacked"},
    "deals:reject": {"reason": "Hijacked"},
    "deals:close": {"outcome": "lost"},
    "deals:edit": {"stage": "commit", "amount": "1", "expected_close_date": "2099-01-01"},
    "deals:participant_decide": {"accept": "1"},
    "deals:join": {"note": "Hijacked"},
    "deals:appeal": {"note": "Hijacked"},
    "deals:appeal_decide": {"outcome": "reversed", "reason": "Hijacked"},
    "deals:extension": {"reason": "Hijacked"},
    "deals:extension_decide": {"approve": "1", "reason": "Hijacked"},
    "deals:message": {"body": "Hijacked"},
    "deals:help": {"kind": "sales_engineer", "note": "Hijacked"},
    "deals:help_update": {"status": "done"},
    "deals:reopen": {"reason": "Hijacked"},
    "deals:refund": {"amount": "1", "reason": "Hijacked"},
    "incentives:program": {"name": "Hijacked", "currency": "USD", "start_date": "2025-01-01"},
    "incentives:rule_add": {"percent": "99"},
    "incentives:rule_edit": {"percent": "99"},
    "partners:edit": {
        "name": "Hijacked",
        "website": "",
        "country": "GB",
        "partner_type": "var",
        "status": "active",
    },
    "partners:invite": {"email": "intruder@example.com", "role": "partner_admin"},
    "partners:status_change": {"status": "suspended", "reason": "Hijacked"},
    "partners:specialisation_rename": {"name": "Hijacked"},
    "deals:review_decide": {"action": "reject", "reason": "Hijacked"},
    "applications:decide": {"action": "reject", "reason": "Hijacked"},
    "offboarding:partner": {"reason": "Hijacked", "work_handling": "release"},
    "offboarding:reactivate": {"reason": "Hijacked", "to_status": "active"},
    "deals:review_assign": {"reviewer": ""},
    "partners:commitment_attest": {
        "benefit": "discount",
        "value": "20",
        "attested_on": "2020-01-01",
        "note": "Hijacked",
    },
    "settings_tier_edit": {
        "name": "Hijacked",
        "rank": 9,
        "discount_percent": "0",
        "mdf_accrual_percent": "0",
        "lead_priority_weight": "1",
        "requirement_mode": "all",
    },
    "settings_requirement_add": {"metric": "specialisations", "comparator": "gte", "threshold": 1},
    "settings_requirement_edit": {"metric": "active_people", "comparator": "gte", "threshold": 99},
    "mdf_finance:fund_allocate": {"partner": "1", "amount": "10"},
    "mdf_finance:payouts_pay_claim": {"reference": "Hijacked", "method": "check"},
}


def _expected(member, url) -> int:
    """404 for a role that may use the page at all; a role that may not is refused (403)
    before any object is looked up, so nothing about the id leaks either way."""
    capability = getattr(resolve(url).func, "required_capability", None)
    if capability is None:  # public pages (the locator): nothing to refuse, only 404
        return 404
    return 404 if has_capability(member.role, capability) else 403


def _assert_deals_unchanged(world):
    for key in ("foreign_deal", "other_partner_deal"):
        deal = Deal.objects.across_tenants().get(pk=world[key].pk)
        assert (deal.status, deal.stage, deal.extensions_granted) == (
            "approved",
            "qualification",
            0,
        )
        participant = DealParticipant.objects.across_tenants().get(
            pk=world[f"{key}_participant"].pk
        )
        assert participant.status == "requested"
    assert not DealParticipant.objects.across_tenants().filter(note="Hijacked").exists()
    assert not DealMessage.objects.across_tenants().filter(body="Hijacked").exists()
    assert not DealAppeal.objects.across_tenants().exists()
    assert not ProtectionExtension.objects.across_tenants().exists()
    assert set(VendorHelpRequest.objects.across_tenants().values_list("status", flat=True)) == {
        "open"
    }
    assert VendorHelpRequest.objects.across_tenants().count() == 2


def _assert_nothing_changed(world):
    _assert_deals_unchanged(world)
    _assert_mdf_unchanged(world)
    world["foreign_application"].refresh_from_db()
    assert world["foreign_application"].status == "submitted"
    for key in ("foreign_partner", "other_partner"):
        world[key].refresh_from_db()
        assert world[key].name != "Hijacked"
        assert world[key].status == "active"
    assert (
        Specialisation.objects.across_tenants()
        .filter(pk=world["foreign_specialisation"].pk, name="Globex speciality")
        .exists()
    )
    for key in (
        "other_partner_invitation",
        "foreign_partner_invitation",
        "foreign_staff_invitation",
    ):
        assert Invitation.objects.across_tenants().get(pk=world[key].pk).revoked_at is None
    for key in ("other_partner_member", "foreign_partner_member", "foreign_staff_member"):
        assert Membership.objects.across_tenants().get(pk=world[key].pk).is_active
    assert ApiToken.objects.across_tenants().get(pk=world["foreign_token"].pk).revoked_at is None
    assert not Invitation.objects.across_tenants().filter(email="intruder@example.com").exists()
    tier = Tier.objects.across_tenants().get(pk=world["foreign_tier"].pk)
    assert tier.name == "Globex Gold"
    requirements = TierRequirement.objects.across_tenants().filter(tier=tier)
    assert [r.threshold for r in requirements] == [3]
    notification = Notification.objects.across_tenants().get(pk=world["foreign_notification"].pk)
    assert notification.read_at is None
    review_deal = Deal.objects.across_tenants().get(pk=world["foreign_review_deal"].pk)
    assert (review_deal.status, review_deal.decision_reason) == ("pending_review", "")
    assert NamedAccount.objects.across_tenants().filter(name="Globex direct").exists()
    crm_import = CrmImport.objects.across_tenants().get(pk=world["foreign_crm_import"].pk)
    assert crm_import.status == "previewed"
    assert not CrmAccount.objects.across_tenants().exists()
    assert not CommitmentAttestation.objects.across_tenants().exists()
    for key, status in (("foreign_lead", "offered"), ("other_partners_lead", "accepted")):
        lead = Lead.objects.across_tenants().get(pk=world[key].pk)
        assert (lead.status, lead.partner_id, lead.deal_id, lead.lost_reason) == (
            status,
            world[key].partner_id,
            None,
            "",
        )
        assert not lead.offers.exists()
    assert RoutingRule.objects.across_tenants().get(pk=world["foreign_routing_rule"].pk).name == (
        "Globex rule"
    )
    payable = Claim.objects.across_tenants().get(pk=world["foreign_payable_claim"].pk)
    assert payable.status == "approved"
    assert Allocation.objects.across_tenants().filter(fund=world["foreign_budget"]).count() == 1
    assert not AccrualRun.objects.across_tenants().exists()
    _assert_incentives_unchanged(world)


def _assert_incentives_unchanged(world):
    from mdf.models import Earning, IncentiveProgram, IncentiveRule, Statement

    assert set(Statement.objects.across_tenants().values_list("status", flat=True)) == {"draft"}
    assert not IncentiveProgram.objects.across_tenants().filter(name="Hijacked").exists()
    assert set(IncentiveRule.objects.across_tenants().values_list("percent", flat=True)) == {5}
    assert Earning.objects.across_tenants().count() == 2


@pytest.mark.parametrize("actor", ["admin", "channel_manager", "partner_admin"])
@pytest.mark.parametrize(("method", "name", "keys"), ANOTHER_TENANTS_IDS)
def test_another_tenants_ids_are_not_found(
    actor, method, name, keys, world, request, portal_client
):
    member = request.getfixturevalue(actor)
    url = reverse(name, args=[world[key].pk for key in keys])
    client = portal_client(member)
    response = client.get(url) if method == "get" else client.post(url, POST_DATA.get(name, {}))
    assert response.status_code == _expected(member, url)
    _assert_nothing_changed(world)


@pytest.mark.parametrize("actor", ["partner_admin", "partner_sales"])
@pytest.mark.parametrize(("method", "name", "keys"), ANOTHER_PARTNERS_IDS)
def test_another_partners_ids_are_not_found(
    actor, method, name, keys, world, request, portal_client
):
    member = request.getfixturevalue(actor)
    url = reverse(name, args=[world[key].pk for key in keys])
    client = portal_client(member)
    response = client.get(url) if method == "get" else client.post(url, POST_DATA.get(name, {}))
    assert response.status_code == _expected(member, url)
    _assert_nothing_changed(world)


@pytest.mark.parametrize(
    "keys",
    [["partner", "other_partner_invitation"], ["partner", "other_partner_member"]],
    ids=["invitation", "membership"],
)
def test_staff_cannot_reach_one_partners_people_through_another(keys, admin, world, portal_client):
    name = (
        "partners:invitation_revoke"
        if keys[1].endswith("invitation")
        else "partners:member_deactivate"
    )
    response = portal_client(admin).post(reverse(name, args=[world[key].pk for key in keys]))
    assert response.status_code == 404
    _assert_nothing_changed(world)
