"""Lead routing through the services: eligibility, the score and its stored breakdown,
offers, answers, SLA pullbacks, overrides, conversion and imports."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dealreg import lead_import, lead_selectors, leads, routing, routing_rules
from dealreg.models import Deal, DealStatus, Lead, LeadOffer, LeadStatus
from dealreg.rules import update_rules
from ecosystem.audit.models import AuditEntry
from ecosystem.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from ecosystem.notifications.models import Notification
from ecosystem.outbox.models import OutboxEvent
from ecosystem.scheduling.models import DueWork
from ecosystem.scheduling.services import process_due
from ecosystem.tenancy.roles import Role
from partners.models import PartnerSpecialisation, PartnerStatus, PartnerType
from tests.dealreg.factories import DealFactory, RoutingRuleFactory
from tests.partners.factories import PartnerOrganisationFactory, SpecialisationFactory, TierFactory

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def make_partner(tenant):
    def make(name, **fields):
        return PartnerOrganisationFactory(tenant=tenant, name=name, **fields)

    return make


@pytest.fixture
def new_lead(tenant, admin):
    def make(route=True, **data):
        body = {"company_name": "Initech", "country": "GB", "interest": "Cloud backup"}
        body.update(data)
        return leads.create_lead(tenant=tenant, actor=admin, data=body, route=route)

    return make


def offers_of(lead):
    return list(LeadOffer.objects.for_tenant(lead.tenant).filter(lead=lead).order_by("id"))


def reload(lead):
    return Lead.objects.for_tenant(lead.tenant).get(pk=lead.pk)


# --- choosing and scoring -----------------------------------------------------------------


def test_offers_the_best_partner_and_stores_the_breakdown(
    clock, tenant, make_partner, make_member, new_lead
):
    local = make_partner("Local Ltd", country="GB")
    far = make_partner("Faraway Inc", country="US")
    seller = make_member(tenant, Role.PARTNER_SALES, local, email="rep@local.example")
    make_member(tenant, Role.PARTNER_MARKETING, local, email="mkt@local.example")

    lead = new_lead()

    lead = reload(lead)
    assert lead.status == LeadStatus.OFFERED and lead.partner == local
    (offer,) = offers_of(lead)
    assert offer.rank == 1 and not offer.is_override
    assert offer.expires_at == NOW + datetime.timedelta(hours=48)
    breakdown = offer.breakdown
    components = {item["key"]: item for item in breakdown["components"]}
    assert set(components) == {"win_rate", "load", "proximity", "recency", "tier"}
    for item in components.values():
        assert {"raw", "normalised", "weight", "contribution", "detail", "label"} <= set(item)
    assert components["proximity"]["normalised"] == 1.0
    assert components["win_rate"]["normalised"] == 0.5  # no closed deals: (0 + 1) / (0 + 2)
    assert components["load"]["raw"] == {"open_leads": 0, "capacity": 10}
    assert components["tier"]["kind"] == "multiplier"
    assert sum(item["contribution"] for item in components.values()) == pytest.approx(
        float(offer.score), abs=0.0002
    )
    assert [row["partner_name"] for row in breakdown["candidates"]] == ["Local Ltd", "Faraway Inc"]
    assert breakdown["candidates"][1]["components"]["proximity"]["normalised"] == 0.0
    assert breakdown["rule"] is None and "No routing rule" in breakdown["rule_note"]
    assert "has room (0 of 10 open leads)" in breakdown["eligibility"]
    # Told, scheduled, recorded.
    event = OutboxEvent.objects.for_tenant(tenant).get(name="lead.offered")
    assert event.payload["partner_id"] == local.pk and event.payload["offer_id"] == offer.pk
    told = Notification.objects.for_tenant(tenant).filter(kind="lead.offered")
    assert [n.recipient for n in told] == [seller.user]  # not marketing, not other partners
    work = DueWork.objects.for_tenant(tenant).get(kind="dealreg.lead_offer_expiry")
    assert work.key == str(offer.pk) and work.due_at == offer.expires_at
    assert far.lead_offers.count() == 0


def test_tier_weight_multiplies_the_score(clock, tenant, make_partner, new_lead):
    gold = TierFactory(tenant=tenant, name="Gold", rank=3, lead_priority_weight=Decimal("2"))
    make_partner("Alpha", country="GB")
    zeta = make_partner("Zeta", country="GB", tier=gold)

    lead = reload(new_lead())

    assert lead.partner == zeta
    (offer,) = offers_of(lead)
    tier = next(c for c in offer.breakdown["components"] if c["key"] == "tier")
    base = sum(c["contribution"] for c in offer.breakdown["components"] if c["key"] != "tier")
    assert tier["raw"] == 2.0 and tier["contribution"] == pytest.approx(base, abs=0.0002)
    assert offer.breakdown["tier"] == {"id": gold.pk, "name": "Gold", "rank": 3}


def test_win_rate_and_rotation_order_the_partners(clock, tenant, make_partner, new_lead):
    winner = make_partner("Winner", country="GB")
    loser = make_partner("Loser", country="GB")
    closed = timezone.localdate() - datetime.timedelta(days=30)
    for _ in range(3):
        DealFactory(tenant=tenant, partner=winner, status=DealStatus.WON, closed_on=closed)
        DealFactory(tenant=tenant, partner=loser, status=DealStatus.LOST, closed_on=closed)
    # Outside the 365-day window: not counted.
    DealFactory(
        tenant=tenant,
        partner=loser,
        status=DealStatus.WON,
        closed_on=timezone.localdate() - datetime.timedelta(days=400),
    )

    first = reload(new_lead(company_name="First"))
    assert first.partner == winner
    win_rate = offers_of(first)[0].breakdown["components"][0]
    assert win_rate["raw"] == {"won": 3, "lost": 0} and win_rate["normalised"] == 0.8

    # Right after, the winner has one open lead and was just offered one: rotation and
    # capacity now favour the other partner only when the win rate gap is small.
    ranking = routing.rank_partners(tenant=tenant, lead=first)
    by_name = {c.partner.name: c for c in ranking.candidates}
    recency = {c.key: c for c in by_name["Winner"].components}["recency"]
    assert recency.normalised == 0 and recency.raw == 0
    assert {c.key: c for c in by_name["Loser"].components}["recency"].normalised == 1


def test_rotation_spreads_leads_between_equal_partners(clock, tenant, make_partner, new_lead):
    make_partner("Alpha", country="GB")
    make_partner("Beta", country="GB")
    first = reload(new_lead(company_name="One"))
    second = reload(new_lead(company_name="Two"))
    assert {first.partner.name, second.partner.name} == {"Alpha", "Beta"}


# --- eligibility -----------------------------------------------------------------------------


def test_inactive_and_full_partners_are_not_eligible(clock, tenant, make_partner, new_lead):
    make_partner("Suspended", country="GB", status=PartnerStatus.SUSPENDED)
    full = make_partner("Full", country="GB", capacity=1)
    spare = make_partner("Spare", country="US", capacity=5)
    Lead.objects.create(
        tenant=tenant, company_name="Held", country="GB", status="accepted", partner=full
    )

    lead = reload(new_lead())

    assert lead.partner == spare
    excluded = offers_of(lead)[0].breakdown["excluded"]
    assert excluded == [
        {"reason": "capacity", "label": "at capacity", "count": 1, "partners": ["Full"]}
    ]


def test_the_first_matching_rule_decides_eligibility(clock, tenant, make_partner, new_lead):
    silver = TierFactory(tenant=tenant, name="Silver", rank=2)
    gold = TierFactory(tenant=tenant, name="Gold", rank=3)
    security = SpecialisationFactory(tenant=tenant, name="Zero trust")
    # Would match too, but a lower priority comes first.
    RoutingRuleFactory(tenant=tenant, name="Catch-all", priority=50)
    rule = RoutingRuleFactory(
        tenant=tenant,
        name="German security",
        priority=10,
        lead_countries=["DE"],
        interest_contains="security",
        partner_countries=["DE", "AT"],
        partner_regions=["emea"],
        partner_types=[PartnerType.MSSP, PartnerType.MSP],
        specialisation=security,
        minimum_tier=silver,
    )
    wrong_country = make_partner("Wrong country", country="FR", partner_type="mssp", tier=gold)
    wrong_type = make_partner("Wrong type", country="DE", partner_type="var", tier=gold)
    low_tier = make_partner("Low tier", country="DE", partner_type="mssp", tier=None)
    no_skill = make_partner("No skill", country="DE", partner_type="mssp", tier=gold)
    serves_at = make_partner(
        "Serves Austria",
        country="CH",
        countries_served=["AT"],
        partner_type="msp",
        tier=silver,
    )
    for partner in (wrong_country, wrong_type, low_tier, serves_at):
        PartnerSpecialisation.objects.create(
            tenant=tenant, partner=partner, specialisation=security
        )
    del no_skill

    lead = reload(new_lead(country="DE", interest="Network SECURITY review"))

    assert lead.partner == serves_at
    offer = offers_of(lead)[0]
    assert offer.breakdown["rule"] == {"id": rule.pk, "name": "German security"}
    assert offer.breakdown["eligibility"][:6] == [
        "active",
        "covers AT",
        "serves region emea",
        "type Managed service provider",
        "holds “Zero trust”",
        "tier Silver ≥ Silver",
    ]
    reasons = {item["reason"]: item["partners"] for item in offer.breakdown["excluded"]}
    assert reasons == {
        "country": ["Wrong country"],
        "partner_type": ["Wrong type"],
        "tier": ["Low tier"],
        "specialisation": ["No skill"],
    }
    # The same lead with another interest falls to the catch-all: everyone is eligible.
    other = reload(new_lead(country="DE", interest="Backup"))
    assert offers_of(other)[0].breakdown["rule"]["name"] == "Catch-all"
    assert offers_of(other)[0].breakdown["eligible_count"] == 5


def test_certification_requirement_is_noted_not_applied(clock, tenant, make_partner, new_lead):
    RoutingRuleFactory(tenant=tenant, required_certification="SEC-201")
    make_partner("Anyone", country="GB")
    lead = reload(new_lead())
    assert lead.status == LeadStatus.OFFERED
    assert "SEC-201" in offers_of(lead)[0].breakdown["certification_note"]


def test_no_eligible_partner_leaves_the_lead_new_with_a_note(clock, tenant, make_partner, new_lead):
    RoutingRuleFactory(tenant=tenant, name="Only MSPs", partner_types=["msp"])
    make_partner("A reseller", country="GB", partner_type="var")

    lead = reload(new_lead())

    assert lead.status == LeadStatus.NEW and lead.partner is None
    note = lead_selectors.routing_note(tenant=tenant, lead=lead)
    assert "No partner is eligible" in note and "1 not one of the rule's partner types" in note
    assert "Only MSPs" in note


def test_route_again_after_a_partner_joins(clock, tenant, admin, make_partner, new_lead):
    lead = new_lead()
    assert reload(lead).status == LeadStatus.NEW
    assert "No partner is active" in lead_selectors.routing_note(tenant=tenant, lead=lead)
    partner = make_partner("Newcomer", country="GB")
    offer = leads.route_lead(tenant=tenant, actor=admin, lead_id=lead.pk)
    assert offer.partner == partner and reload(lead).status == LeadStatus.OFFERED
    with pytest.raises(Conflict):
        leads.route_lead(tenant=tenant, actor=admin, lead_id=lead.pk)


# --- answers ---------------------------------------------------------------------------------


@pytest.fixture
def three_partners(tenant, make_partner, make_member):
    """Three partners the lead reaches in a known order (proximity, then win rate), each with
    a seller."""
    first = make_partner("First", country="GB")
    second = make_partner("Second", country="IE")
    third = make_partner("Third", country="US")
    sellers = [
        make_member(tenant, Role.PARTNER_SALES, partner, email=f"rep@{partner.name.lower()}.ex")
        for partner in (first, second, third)
    ]
    return [first, second, third], sellers


def test_accept_makes_the_lead_the_partners(clock, tenant, admin, three_partners, new_lead):
    (first, *_), (seller, *_) = three_partners
    lead = new_lead()
    clock.shift(datetime.timedelta(hours=3))

    leads.accept_offer(tenant=tenant, actor=seller, lead_id=lead.pk)

    lead = reload(lead)
    assert lead.status == LeadStatus.ACCEPTED and lead.partner == first
    (offer,) = offers_of(lead)
    assert offer.status == "accepted" and offer.responded_by == seller.user
    assert not DueWork.objects.for_tenant(tenant).filter(
        kind="dealreg.lead_offer_expiry", done_at__isnull=True, cancelled_at__isnull=True
    )
    event = OutboxEvent.objects.for_tenant(tenant).get(name="lead.accepted")
    assert event.payload["hours_to_accept"] == 3.0
    assert Notification.objects.for_tenant(tenant).filter(
        recipient=admin.user, kind="lead.accepted"
    )
    with pytest.raises(Conflict):
        leads.accept_offer(tenant=tenant, actor=seller, lead_id=lead.pk)


def test_other_partners_and_staff_cannot_answer(
    clock, tenant, admin, three_partners, new_lead, make_member
):
    (first, _, _), (_, other_seller, _) = three_partners
    marketing = make_member(tenant, Role.PARTNER_MARKETING, first, email="mkt@first.ex")
    lead = new_lead()
    with pytest.raises(NotFound):
        leads.accept_offer(tenant=tenant, actor=other_seller, lead_id=lead.pk)
    with pytest.raises(NotFound):
        leads.decline_offer(tenant=tenant, actor=other_seller, lead_id=lead.pk, reason="x")
    with pytest.raises(NotAllowed):
        leads.accept_offer(tenant=tenant, actor=marketing, lead_id=lead.pk)
    with pytest.raises(NotAllowed):
        leads.accept_offer(tenant=tenant, actor=admin, lead_id=lead.pk)
    assert reload(lead).status == LeadStatus.OFFERED


def test_decline_needs_a_reason_and_goes_to_the_next_partner(
    clock, tenant, three_partners, new_lead
):
    (first, second, _), (seller, *_) = three_partners
    lead = new_lead()
    with pytest.raises(ValidationFailed):
        leads.decline_offer(tenant=tenant, actor=seller, lead_id=lead.pk, reason="  ")

    leads.decline_offer(tenant=tenant, actor=seller, lead_id=lead.pk, reason="No capacity in Q2")

    lead = reload(lead)
    assert lead.status == LeadStatus.OFFERED and lead.partner == second
    declined, offered = offers_of(lead)
    assert (declined.partner, declined.status, declined.reason) == (
        first,
        "declined",
        "No capacity in Q2",
    )
    # The ranking is computed afresh: First, just offered a lead, lost its rotation points
    # and is still ranked, marked as having declined.
    rows = {row["partner_name"]: row for row in offered.breakdown["candidates"]}
    assert offered.rank == rows["Second"]["rank"] == 1
    assert rows["First"]["previous_offer"] == "declined" and rows["First"]["rank"] == 2
    assert OutboxEvent.objects.for_tenant(tenant).filter(name="lead.declined").count() == 1
    assert OutboxEvent.objects.for_tenant(tenant).filter(name="lead.offered").count() == 2


def test_everyone_declining_marks_the_lead_declined_and_tells_the_creator(
    clock, tenant, admin, three_partners, new_lead
):
    _, sellers = three_partners
    lead = new_lead()
    for seller in sellers:
        leads.decline_offer(tenant=tenant, actor=seller, lead_id=lead.pk, reason="Not for us")

    lead = reload(lead)
    assert lead.status == LeadStatus.DECLINED and lead.partner is None
    assert [o.status for o in offers_of(lead)] == ["declined"] * 3
    told = Notification.objects.for_tenant(tenant).get(recipient=admin.user, kind="lead.unrouted")
    assert "No partner took" in told.title
    assert "declined it or let the offer expire" in lead_selectors.routing_note(
        tenant=tenant, lead=lead
    )


def test_no_answer_in_time_goes_to_the_next_partner(clock, tenant, admin, three_partners, new_lead):
    (_, second, _), (first_seller, *_) = three_partners
    update_rules(tenant=tenant, actor=admin, data={"lead_offer_hours": 24})
    lead = new_lead()

    clock.shift(datetime.timedelta(hours=23))
    assert process_due() == 0
    clock.shift(datetime.timedelta(hours=1))
    assert process_due() == 1

    lead = reload(lead)
    assert lead.partner == second and lead.status == LeadStatus.OFFERED
    expired, offered = offers_of(lead)
    assert expired.status == "expired" and "24 hours" in expired.reason
    assert offered.expires_at == timezone.now() + datetime.timedelta(hours=24)
    assert AuditEntry.objects.for_tenant(tenant).filter(action="lead.sla_pullback").count() == 1
    assert Notification.objects.for_tenant(tenant).filter(
        recipient=first_seller.user, kind="lead.offer_expired"
    )
    # Too late to accept the expired offer.
    with pytest.raises(NotFound):
        leads.accept_offer(tenant=tenant, actor=first_seller, lead_id=lead.pk)
    # Running the work again changes nothing.
    assert leads.expire_offer(tenant=tenant, offer_id=expired.pk) is None

    # Nobody answers: the chain runs out.
    clock.shift(datetime.timedelta(hours=24))
    process_due()
    clock.shift(datetime.timedelta(hours=24))
    process_due()
    lead = reload(lead)
    assert lead.status == LeadStatus.DECLINED
    assert [o.status for o in offers_of(lead)] == ["expired"] * 3
    assert Notification.objects.for_tenant(tenant).filter(
        recipient=admin.user, kind="lead.unrouted"
    )


def test_an_offer_past_its_expiry_cannot_be_accepted(clock, tenant, three_partners, new_lead):
    _, (seller, *_) = three_partners
    lead = new_lead()
    clock.shift(datetime.timedelta(hours=48, seconds=1))
    with pytest.raises(Conflict):
        leads.accept_offer(tenant=tenant, actor=seller, lead_id=lead.pk)


# --- staff -----------------------------------------------------------------------------------


def test_override_offers_a_partner_of_staffs_choosing(
    clock, tenant, admin, three_partners, new_lead
):
    (first, _, third), _ = three_partners
    RoutingRuleFactory(tenant=tenant, partner_countries=["GB", "IE"])
    lead = new_lead()
    assert reload(lead).partner == first

    offer = leads.override_route(
        tenant=tenant, actor=admin, lead_id=lead.pk, partner_id=third.pk, reason="Key account"
    )

    lead = reload(lead)
    assert lead.partner == third and lead.status == LeadStatus.OFFERED
    withdrawn, _ = offers_of(lead)
    assert withdrawn.status == "withdrawn" and "Key account" in withdrawn.reason
    assert offer.is_override and offer.rank == 0
    override = offer.breakdown["override"]
    assert override["reason"] == "Key account" and override["by"] == admin.user.email
    assert override["eligible"] is False
    assert override["failed"] == ["not in the rule's partner countries"]
    assert override["system_choice"]["partner_name"] == "Second"
    assert {c["key"] for c in offer.breakdown["components"]} >= {"win_rate", "tier"}
    with pytest.raises(Conflict):
        leads.override_route(tenant=tenant, actor=admin, lead_id=lead.pk, partner_id=third.pk)


def test_override_refuses_inactive_and_foreign_partners(
    clock, tenant, other_tenant, admin, make_partner, new_lead
):
    make_partner("Active", country="GB")
    suspended = make_partner("Suspended", status=PartnerStatus.SUSPENDED)
    foreign = PartnerOrganisationFactory(tenant=other_tenant)
    lead = new_lead()
    for partner in (suspended, foreign):
        with pytest.raises(ValidationFailed):
            leads.override_route(tenant=tenant, actor=admin, lead_id=lead.pk, partner_id=partner.pk)


def test_only_lead_managers_route_and_override(clock, tenant, make_member, make_partner, new_lead):
    partner = make_partner("Anyone", country="GB")
    lead = new_lead(route=False)
    finance = make_member(tenant, Role.FINANCE)
    with pytest.raises(NotAllowed):
        leads.route_lead(tenant=tenant, actor=finance, lead_id=lead.pk)
    with pytest.raises(NotAllowed):
        leads.override_route(tenant=tenant, actor=finance, lead_id=lead.pk, partner_id=partner.pk)
    with pytest.raises(NotAllowed):
        leads.create_lead(tenant=tenant, actor=finance, data={"company_name": "X", "country": "GB"})


def test_withdraw_and_lose(clock, tenant, admin, three_partners, new_lead):
    (_, second, _), (_, seller, _) = three_partners
    lead = new_lead()
    leads.withdraw_offer(tenant=tenant, actor=admin, lead_id=lead.pk, reason="Duplicate")
    assert reload(lead).status == LeadStatus.NEW
    assert offers_of(lead)[0].status == "withdrawn"
    # Routing again skips the partner it was withdrawn from.
    assert leads.route_lead(tenant=tenant, actor=admin, lead_id=lead.pk).partner == second
    leads.accept_offer(tenant=tenant, actor=seller, lead_id=lead.pk)
    leads.mark_lost(tenant=tenant, actor=seller, lead_id=lead.pk, reason="Went with a rival")
    lead = reload(lead)
    assert (lead.status, lead.lost_reason, lead.partner) == ("lost", "Went with a rival", second)
    with pytest.raises(Conflict):
        leads.mark_lost(tenant=tenant, actor=admin, lead_id=lead.pk, reason="again")


# --- conversion ------------------------------------------------------------------------------


def test_convert_registers_a_deal_from_the_lead(clock, tenant, three_partners, new_lead):
    (first, *_), (seller, *_) = three_partners
    lead = new_lead(
        company_domain="initech.com",
        contact_name="Peter Gibbons",
        contact_email="peter@initech.com",
        products=["Backup"],
    )
    with pytest.raises(Conflict):
        leads.convert_to_deal(tenant=tenant, actor=seller, lead_id=lead.pk)
    leads.accept_offer(tenant=tenant, actor=seller, lead_id=lead.pk)

    deal = leads.convert_to_deal(tenant=tenant, actor=seller, lead_id=lead.pk)

    lead = reload(lead)
    assert lead.status == LeadStatus.CONVERTED and lead.deal == deal
    assert deal.partner == first and deal.registered_by == seller.user
    assert (deal.customer_name, deal.customer_domain, str(deal.customer_country)) == (
        "Initech",
        "initech.com",
        "GB",
    )
    assert deal.amount == 0 and deal.currency == tenant.default_currency
    assert deal.expected_close_date == timezone.localdate() + datetime.timedelta(days=90)
    assert deal.products == ["Backup"] and "Peter Gibbons" in deal.notes
    assert OutboxEvent.objects.for_tenant(tenant).filter(name="lead.converted").count() == 1
    assert Deal.objects.for_tenant(tenant).count() == 1
    with pytest.raises(Conflict):
        leads.convert_to_deal(tenant=tenant, actor=seller, lead_id=lead.pk)


def test_convert_uses_the_estimate(clock, tenant, three_partners, new_lead):
    _, (seller, *_) = three_partners
    lead = new_lead(estimated_amount="12500.00", currency="eur")
    leads.accept_offer(tenant=tenant, actor=seller, lead_id=lead.pk)
    deal = leads.convert_to_deal(tenant=tenant, actor=seller, lead_id=lead.pk)
    assert (deal.amount, deal.currency) == (Decimal("12500.00"), "EUR")


# --- bounded queries -------------------------------------------------------------------------


def _routing_queries(tenant, admin, count):
    for number in range(count):
        PartnerOrganisationFactory(
            tenant=tenant,
            name=f"Bulk partner {count}-{number}",
            country="GB",
            countries_served=["IE"],
            regions=["emea"],
        )
    lead = leads.create_lead(
        tenant=tenant, actor=admin, data={"company_name": "X", "country": "GB"}, route=False
    )
    with CaptureQueriesContext(connection) as captured:
        leads.route_lead(tenant=tenant, actor=admin, lead_id=lead.pk)
    return len(captured)


def test_routing_takes_the_same_queries_for_5_or_50_partners(tenant, other_tenant, make_member):
    small = _routing_queries(tenant, make_member(tenant, Role.ADMIN), 5)
    large = _routing_queries(other_tenant, make_member(other_tenant, Role.ADMIN), 50)
    assert small == large
    assert large <= 25  # savepoints included


# --- import ----------------------------------------------------------------------------------


def upload(text: str, name="leads.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_import_is_all_or_nothing(clock, tenant, admin, make_partner):
    make_partner("Anyone", country="GB", capacity=50)
    bad = upload(
        "Company Name;Country;Contact Email;Estimated Amount\n"
        "Initech;GB;peter@initech.com;1000\n"
        ";DE;;\n"
        "Globex;Atlantis;not-an-email;12,5\n"
    )
    result = lead_import.import_leads(tenant=tenant, actor=admin, uploaded_file=bad)
    assert not result.is_valid and result.total_rows == 3
    assert {(e["row"], e["field"]) for e in result.errors} == {
        (3, "company_name"),
        (4, "country"),
        (4, "contact_email"),
        (4, "estimated_amount"),
    }
    assert not Lead.objects.for_tenant(tenant).exists()

    good = upload(
        "company_name,country,interest,products,estimated_amount,currency\n"
        "Initech,GB,Backup,Backup;Archive,1000,EUR\n"
        "\n"
        "Globex,Germany,,,,\n"
    )
    dry = lead_import.import_leads(tenant=tenant, actor=admin, uploaded_file=good, dry_run=True)
    assert dry.is_valid and dry.total_rows == 2 and not Lead.objects.for_tenant(tenant).exists()
    result = lead_import.import_leads(tenant=tenant, actor=admin, uploaded_file=good)
    assert result.is_valid and result.offered == 2
    rows = {lead.company_name: lead for lead in Lead.objects.for_tenant(tenant)}
    assert rows["Initech"].products == ["Backup", "Archive"]
    assert (rows["Initech"].estimated_amount, rows["Initech"].currency) == (Decimal("1000"), "EUR")
    assert str(rows["Globex"].country) == "DE" and rows["Globex"].source == "import"
    assert {lead.status for lead in rows.values()} == {"offered"}


def test_import_refuses_a_file_without_the_required_columns(tenant, admin):
    with pytest.raises(ValidationFailed) as refused:
        lead_import.import_leads(
            tenant=tenant, actor=admin, uploaded_file=upload("name,land\nA,B\n")
        )
    assert "company_name, country" in refused.value.message


# --- rules -----------------------------------------------------------------------------------


def test_rules_are_checked_and_audited(tenant, other_tenant, admin):
    foreign_tier = TierFactory(tenant=other_tenant)
    with pytest.raises(ValidationFailed) as refused:
        routing_rules.create_rule(
            tenant=tenant,
            actor=admin,
            data={
                "name": "Bad",
                "partner_regions": ["mars"],
                "partner_types": ["pirate"],
                "minimum_tier": foreign_tier.pk,
            },
        )
    assert set(refused.value.errors) == {"partner_regions", "partner_types", "minimum_tier"}
    rule = routing_rules.create_rule(
        tenant=tenant,
        actor=admin,
        data={"name": " EMEA  MSPs ", "lead_countries": ["de", "fr"], "partner_types": ["msp"]},
    )
    assert rule.name == "EMEA MSPs" and [str(c) for c in rule.lead_countries] == ["DE", "FR"]
    routing_rules.update_rule(
        tenant=tenant, actor=admin, rule_id=rule.pk, data={"is_active": False}
    )
    routing_rules.delete_rule(tenant=tenant, actor=admin, rule_id=rule.pk)
    actions = set(
        AuditEntry.objects.for_tenant(tenant)
        .filter(action__startswith="routing_rule.")
        .values_list("action", flat=True)
    )
    assert actions == {"routing_rule.created", "routing_rule.updated", "routing_rule.deleted"}


def test_region_of_countries():
    assert [routing.region_of(code) for code in ("US", "BR", "DE", "ZA", "JP", "AU", "")] == [
        "na",
        "latam",
        "emea",
        "emea",
        "apac",
        "apac",
        "emea",
    ]
