"""Registration through the service: hard rules, auto-approval and its reasons, duplicates,
named accounts, the state machine."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dealreg import services
from dealreg.duplicates import find_duplicates
from dealreg.models import Deal, DealMatch, DealStatus, RulesOfEngagement
from dealreg.rules import rules_for, update_rules
from ecosystem.errors import Conflict, NotAllowed, ValidationFailed
from ecosystem.outbox.models import OutboxEvent
from ecosystem.scheduling.models import DueWork
from partners.models import PartnerStatus
from tests.dealreg.factories import CrmOpportunityFactory, DealFactory, NamedAccountFactory
from tests.partners.factories import TierFactory


def register(actor, data):
    data = dict(data)
    data["amount"] = Decimal(str(data["amount"]))
    return services.register_deal(tenant=actor.tenant, actor=actor, data=data)


def test_a_clean_registration_is_approved_by_rules_with_the_rules_as_reason(
    partner_sales, deal_data
):
    deal = register(partner_sales, deal_data())
    assert deal.status == DealStatus.APPROVED
    assert deal.decision == {"by": "rules", "reason": deal.decision_reason}
    assert "partner is active" in deal.decision_reason
    assert "no possible duplicate" in deal.decision_reason
    rules = rules_for(deal.tenant)
    expected = deal.decided_at + datetime.timedelta(days=rules.protection_days)
    assert deal.protection_expires_at == expected
    names = list(OutboxEvent.objects.for_tenant(deal.tenant).values_list("name", flat=True))
    assert "deal.registered" in names and "deal.approved" in names
    kinds = set(
        DueWork.objects.for_tenant(deal.tenant)
        .filter(key=str(deal.pk))
        .values_list("kind", flat=True)
    )
    assert kinds == {"dealreg.protection_expiry", "dealreg.protection_warning"}
    assert deal.participants.get().role == "sourced"


def test_normalised_keys_are_stored(partner_sales, deal_data):
    deal = register(
        partner_sales,
        deal_data(
            customer_name="The  Initech, Inc.", customer_domain="https://www.INITECH.com/about"
        ),
    )
    assert deal.domain_key == "initech.com"
    assert deal.name_key == "initech"


def test_second_partner_on_the_same_customer_waits_for_review_with_reasons(
    partner_sales, other_partner_admin, deal_data
):
    first = register(partner_sales, deal_data())
    second = register(
        other_partner_admin, deal_data(customer_name="INITECH", customer_domain="www.initech.com")
    )
    assert first.status == DealStatus.APPROVED
    assert second.status == DealStatus.PENDING_REVIEW
    assert second.decision is None
    assert any("possible duplicate" in reason for reason in second.review_reasons)
    match = DealMatch.objects.for_tenant(second.tenant).get(deal=second)
    assert match.matched_deal_id == first.pk and match.score >= Decimal("0.8")
    assert any("initech.com" in reason for reason in match.reasons)
    assert any("another partner" in reason for reason in match.reasons)
    assert (
        DueWork.objects.for_tenant(second.tenant)
        .filter(kind="dealreg.review_escalation", key=str(second.pk))
        .exists()
    )


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ({"auto_approve": False}, "auto-approval is switched off"),
        ({"auto_approve_max_amount": Decimal("10000")}, "is above 10,000.00"),
    ],
)
def test_auto_approval_rules_explain_why_not(partner_sales, admin, deal_data, setup, expected):
    update_rules(tenant=partner_sales.tenant, actor=admin, data=setup)
    deal = register(partner_sales, deal_data())
    assert deal.status == DealStatus.PENDING_REVIEW
    assert any(expected in reason for reason in deal.review_reasons), deal.review_reasons


def test_minimum_tier_rule(partner_sales, partner, admin, deal_data):
    silver = TierFactory(tenant=partner.tenant, name="Silver", rank=2)
    TierFactory(tenant=partner.tenant, name="Registered", rank=1)
    update_rules(tenant=partner.tenant, actor=admin, data={"auto_approve_min_tier": silver})
    deal = register(partner_sales, deal_data())
    assert deal.review_reasons == ["tier none is below Silver"]
    partner.tier = silver
    partner.save()
    partner_sales.partner_organisation.refresh_from_db()
    assert (
        register(
            partner_sales, deal_data(customer_name="Hooli", customer_domain="hooli.com")
        ).status
        == "approved"
    )


def test_inactive_partner_goes_to_review_and_suspended_cannot_register(
    partner_sales, partner, deal_data
):
    partner.status = PartnerStatus.ONBOARDING
    partner.save()
    partner_sales.partner_organisation.refresh_from_db()
    deal = register(partner_sales, deal_data())
    assert deal.review_reasons == ["partner is onboarding, not active"]
    partner.status = PartnerStatus.SUSPENDED
    partner.save()
    partner_sales.partner_organisation.refresh_from_db()
    with pytest.raises(ValidationFailed) as error:
        register(partner_sales, deal_data(customer_name="Hooli"))
    assert error.value.field == "partner"


def test_named_account_is_routed_to_review(partner_sales, deal_data):
    NamedAccountFactory(
        tenant=partner_sales.tenant, name="Initech Corporation", domain="initech.com"
    )
    deal = register(partner_sales, deal_data())
    assert deal.status == DealStatus.PENDING_REVIEW
    assert deal.review_reasons == [
        "“Initech Corporation” is a named account reserved for direct sales"
    ]


def test_vendor_pipeline_opportunity_is_a_duplicate(partner_sales, deal_data):
    opportunity = CrmOpportunityFactory(
        tenant=partner_sales.tenant,
        customer_name="Initech",
        customer_domain="initech.com",
        customer_country="US",
    )
    deal = register(partner_sales, deal_data())
    assert deal.status == DealStatus.PENDING_REVIEW
    match = deal.matches.get()
    assert match.kind == "opportunity" and match.matched_opportunity == opportunity
    assert any("vendor's open pipeline" in reason for reason in match.reasons)
    # The partner learns the vendor is on it, not the opportunity's name or stage.
    assert not any("Discovery" in reason or "Initech" in reason for reason in match.reasons)
    staff_view = find_duplicates(
        tenant=deal.tenant, identity=deal.identity, exclude_deal_id=deal.pk
    )
    assert any("(Discovery)" in reason for reason in staff_view[0].reasons)


@pytest.mark.parametrize(
    ("rules", "data", "field"),
    [
        ({"allowed_countries": ["US", "CA"]}, {"customer_country": "FR"}, "customer_country"),
        ({"restrict_to_partner_territory": True}, {"customer_country": "JP"}, "customer_country"),
        ({"minimum_amount": Decimal("50000")}, {"amount": "49999.99"}, "amount"),
    ],
)
def test_hard_rules_refuse_with_the_field(partner_sales, admin, deal_data, rules, data, field):
    update_rules(tenant=partner_sales.tenant, actor=admin, data=rules)
    with pytest.raises(ValidationFailed) as error:
        register(partner_sales, deal_data(**data))
    assert field in error.value.as_dict()
    assert not Deal.objects.for_tenant(partner_sales.tenant).exists()


def test_minimum_amount_exactly_met_is_accepted(partner_sales, admin, deal_data):
    update_rules(
        tenant=partner_sales.tenant, actor=admin, data={"minimum_amount": Decimal("50000")}
    )
    assert register(partner_sales, deal_data(amount="50000.00")).status == DealStatus.APPROVED


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"expected_close_date": datetime.date(2020, 1, 1)}, "expected_close_date"),
        ({"customer_domain": "not a domain"}, "customer_domain"),
        ({"customer_name": "!!!"}, "customer_name"),
        ({"amount": "-1"}, "amount"),
        ({"stage": "bogus"}, "stage"),
    ],
)
def test_bad_input_names_the_field(partner_sales, deal_data, data, field):
    with pytest.raises(ValidationFailed) as error:
        register(partner_sales, deal_data(**data))
    assert field in error.value.as_dict()


def test_partner_cannot_register_for_another_partner(partner_sales, other_partner, deal_data):
    with pytest.raises(ValidationFailed) as error:
        register(partner_sales, deal_data(partner=other_partner.pk))
    assert error.value.field == "partner"


def test_staff_register_on_behalf_and_must_name_the_partner(channel_manager, partner, deal_data):
    with pytest.raises(ValidationFailed):
        register(channel_manager, deal_data())
    deal = register(channel_manager, deal_data(partner=partner.pk))
    assert deal.partner == partner and deal.registered_by == channel_manager.user


# --- state machine --------------------------------------------------------------------------


def test_transition_table():
    assert services.can_transition("pending_review", "approved", "review")
    assert services.can_transition("pending_review", "approved", "rules")
    assert services.can_transition("approved", "won", "close")
    assert services.can_transition("rejected", "approved", "appeal")
    assert not services.can_transition("rejected", "approved", "review")
    assert not services.can_transition("won", "lost", "close")
    assert not services.can_transition("pending_review", "won", "close")
    assert not services.can_transition("expired", "approved", "review")


def test_illegal_transitions_are_conflicts(channel_manager, partner, tenant):
    rejected = DealFactory(tenant=tenant, partner=partner, status=DealStatus.REJECTED)
    with pytest.raises(Conflict):
        services.approve_deal(tenant=tenant, actor=channel_manager, deal_id=rejected.pk)
    pending = DealFactory(tenant=tenant, partner=partner)
    with pytest.raises(Conflict):
        services.close_deal(tenant=tenant, actor=channel_manager, deal_id=pending.pk, outcome="won")
    won = DealFactory(tenant=tenant, partner=partner, status=DealStatus.WON)
    with pytest.raises(Conflict):
        services.reject_deal(tenant=tenant, actor=channel_manager, deal_id=won.pk, reason="x")
    rejected.refresh_from_db()
    assert rejected.status == DealStatus.REJECTED


def test_reject_needs_a_reason_and_only_reviewers_decide(
    channel_manager, partner_admin, tenant, partner
):
    deal = DealFactory(tenant=tenant, partner=partner)
    with pytest.raises(ValidationFailed):
        services.reject_deal(tenant=tenant, actor=channel_manager, deal_id=deal.pk, reason="  ")
    with pytest.raises(NotAllowed):
        services.approve_deal(tenant=tenant, actor=partner_admin, deal_id=deal.pk)
    rejected = services.reject_deal(
        tenant=tenant, actor=channel_manager, deal_id=deal.pk, reason="Not enough detail"
    )
    assert rejected.decision == {"by": "user", "reason": "Not enough detail"}


def test_first_in_wins_approving_a_later_duplicate_is_refused(
    partner_sales, other_partner_admin, channel_manager, deal_data
):
    first = register(partner_sales, deal_data())
    second = register(other_partner_admin, deal_data())
    with pytest.raises(Conflict) as error:
        services.approve_deal(tenant=first.tenant, actor=channel_manager, deal_id=second.pk)
    assert f"#{first.pk}" in error.value.message
    # Once the first is lost, the second can be approved.
    services.close_deal(
        tenant=first.tenant, actor=channel_manager, deal_id=first.pk, outcome="lost"
    )
    approved = services.approve_deal(tenant=first.tenant, actor=channel_manager, deal_id=second.pk)
    assert approved.status == DealStatus.APPROVED and approved.decision["by"] == "user"


def test_close_won_records_amount_and_emits_for_participants(
    partner_sales, channel_manager, deal_data
):
    deal = register(partner_sales, deal_data())
    closed = services.close_deal(
        tenant=deal.tenant,
        actor=channel_manager,
        deal_id=deal.pk,
        outcome="won",
        amount=Decimal("51000"),
    )
    assert closed.final_amount == Decimal("51000.00") and closed.closed_on == timezone.localdate()
    event = OutboxEvent.objects.for_tenant(deal.tenant).get(name="deal.won")
    assert event.payload["partner_id"] == deal.partner_id
    assert event.payload["participant_ids"] == [deal.partner_id]
    assert (
        not DueWork.objects.for_tenant(deal.tenant)
        .filter(key=str(deal.pk), cancelled_at__isnull=True, done_at__isnull=True)
        .exists()
    )


def test_partner_may_close_lost_but_not_won(partner_sales, deal_data):
    deal = register(partner_sales, deal_data())
    with pytest.raises(NotAllowed):
        services.close_deal(tenant=deal.tenant, actor=partner_sales, deal_id=deal.pk, outcome="won")
    assert (
        services.close_deal(
            tenant=deal.tenant, actor=partner_sales, deal_id=deal.pk, outcome="lost"
        ).status
        == "lost"
    )


def test_update_refuses_customer_changes(partner_sales, deal_data):
    deal = register(partner_sales, deal_data())
    with pytest.raises(ValidationFailed) as error:
        services.update_deal(
            tenant=deal.tenant,
            actor=partner_sales,
            deal_id=deal.pk,
            data={"customer_name": "Other"},
        )
    assert "register a new deal" in error.value.as_dict()["customer_name"][0]
    updated = services.update_deal(
        tenant=deal.tenant, actor=partner_sales, deal_id=deal.pk, data={"stage": "proposal"}
    )
    assert updated.stage == "proposal"
    assert updated.events.filter(kind="updated").exists()


def test_rules_are_created_with_defaults(tenant):
    rules = rules_for(tenant)
    assert rules.protection_days == 90 and rules.review_sla_hours == 48
    assert RulesOfEngagement.objects.for_tenant(tenant).count() == 1
