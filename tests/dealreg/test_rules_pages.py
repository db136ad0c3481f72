"""The rules of engagement: readable by every member (/deals/rules/, API deal-rules/),
changed only by staff holding deals.rules (/deals/rules/edit/, PATCH), errors per field."""

from decimal import Decimal

import pytest
from django.utils.html import escape

from dealreg.models import RulesOfEngagement
from dealreg.rules import rules_for, update_rules
from ecosystem.audit.models import AuditEntry
from ecosystem.tenancy.roles import Role
from tests.partners.factories import TierFactory

PAGE = "/deals/rules/"
EDIT = "/deals/rules/edit/"
API = "/api/v1/deal-rules/"


def form_body(rules, **changes):
    """The edit form as the browser posts it, from the current rules."""
    body = {
        "protection_days": rules.protection_days,
        "extension_days": rules.extension_days,
        "max_extensions": rules.max_extensions,
        "review_sla_hours": rules.review_sla_hours,
        "duplicate_threshold": str(rules.duplicate_threshold),
        "minimum_amount": str(rules.minimum_amount),
        "allowed_countries": [str(code) for code in rules.allowed_countries],
        "auto_approve_max_amount": "",
        "auto_approve_min_tier": "",
        "escalation_contact": "",
        "lead_offer_hours": rules.lead_offer_hours,
        "guidance": rules.guidance,
    }
    if rules.auto_approve:
        body["auto_approve"] = "on"
    if rules.restrict_to_partner_territory:
        body["restrict_to_partner_territory"] = "on"
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


@pytest.fixture
def strict_rules(tenant, admin, partner):
    partner.countries_served = ["FR"]
    partner.save()
    gold = TierFactory(tenant=tenant, name="Gold", rank=3)
    return update_rules(
        tenant=tenant,
        actor=admin,
        data={
            "protection_days": 120,
            "extension_days": 45,
            "max_extensions": 1,
            "review_sla_hours": 24,
            "minimum_amount": Decimal("10000"),
            "allowed_countries": ["US", "DE"],
            "restrict_to_partner_territory": True,
            "auto_approve_max_amount": Decimal("50000"),
            "auto_approve_min_tier": gold,
            "lead_offer_hours": 36,
            "guidance": "Register before the first meeting.\n\nQuestions: partners@acme.example",
        },
    )


def test_partners_read_the_rules_in_plain_sentences(strict_rules, partner_sales, portal_client):
    response = portal_client(partner_sales).get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    for sentence in (
        "protects your deal for 120 days",
        "one extension of 45 days is allowed per deal",
        "First in wins",
        "named accounts, reserved for our direct sales team",
        "Registrations are open for customers in: Germany, United States of America.",
        "only customers in the countries your organisation is authorised to serve",
        "Yours: France, United Kingdom.",
        "The minimum deal size is 10,000.00 USD",
        "your tier is Gold or higher",
        "the deal is worth at most 50,000.00 USD",
        "a similarity of 0.80 or more",
        "decided within 24 hours",
        "you can appeal once",
        "A different reviewer decides the appeal.",
        "within 36 hours",
        "Register before the first meeting.",
        "partners@acme.example",
    ):
        assert escape(sentence) in page, sentence
    assert EDIT not in page  # no edit link for partners


def test_default_rules_read_well_too(tenant, partner_sales, portal_client):
    page = portal_client(partner_sales).get(PAGE).content.decode()
    assert "protects your deal for 90 days" in page
    assert "up to 2 extensions of 30 days each" in page
    assert "open for customers in any country" in page
    assert "There is no minimum deal size." in page
    assert "A registration is approved at once when all of these hold" in page
    update_rules(tenant=tenant, actor=None, data={"auto_approve": False, "max_extensions": 0})
    page = portal_client(partner_sales).get(PAGE).content.decode()
    assert "Every registration is reviewed by a channel manager." in page
    assert "Protection cannot be extended" in page


@pytest.mark.parametrize("role", [Role.PARTNER_ADMIN, Role.PARTNER_SALES, Role.FINANCE])
def test_only_rule_keepers_may_edit(role, tenant, partner, make_member, portal_client):
    member = make_member(tenant, role, partner if role.startswith("partner") else None)
    client = portal_client(member)
    assert client.get(PAGE).status_code == 200
    assert client.get(EDIT).status_code == 403
    rules = rules_for(tenant)
    assert client.post(EDIT, form_body(rules, protection_days=1)).status_code == 403
    assert RulesOfEngagement.objects.for_tenant(tenant).get().protection_days == 90


@pytest.mark.parametrize("actor", ["admin", "channel_manager"])
def test_staff_change_the_rules(actor, tenant, request, portal_client):
    member = request.getfixturevalue(actor)
    gold = TierFactory(tenant=tenant, name="Gold", rank=3)
    client = portal_client(member)
    page = client.get(EDIT)
    assert page.status_code == 200 and 'name="allowed_countries"' in page.content.decode()
    response = client.post(
        EDIT,
        form_body(
            rules_for(tenant),
            protection_days=60,
            allowed_countries=["DE", "AT"],
            auto_approve_min_tier=gold.pk,
            auto_approve_max_amount="25000",
            escalation_contact=member.pk,
            guidance="  Be kind.  ",
        ),
    )
    assert response.status_code == 302 and response["Location"] == PAGE
    rules = RulesOfEngagement.objects.for_tenant(tenant).get()
    assert rules.protection_days == 60
    assert sorted(str(code) for code in rules.allowed_countries) == ["AT", "DE"]
    assert rules.auto_approve_min_tier == gold
    assert rules.auto_approve_max_amount == Decimal("25000")
    assert rules.escalation_contact == member
    assert rules.guidance == "Be kind."
    entry = AuditEntry.objects.for_tenant(tenant).get(action="deal_rules.updated")
    assert entry.actor == member.user
    assert entry.changes["protection_days"] == [90, 60]


def test_invalid_rules_are_shown_per_field(tenant, admin, portal_client):
    response = portal_client(admin).post(
        EDIT,
        form_body(
            rules_for(tenant),
            protection_days=0,
            duplicate_threshold="0.1",
            extension_days="soon",
        ),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "extension_days" in errors  # the form: not a number
    # A valid shape, but outside the rules' limits: the service says so per field.
    response = portal_client(admin).post(
        EDIT, form_body(rules_for(tenant), protection_days=0, duplicate_threshold="0.1")
    )
    errors = response.context["form"].errors
    assert set(errors) == {"protection_days", "duplicate_threshold"}
    assert "greater than or equal to 1" in errors["protection_days"][0]
    assert "field-invalid" in response.content.decode()
    assert RulesOfEngagement.objects.for_tenant(tenant).get().protection_days == 90


def test_tiers_and_contacts_are_the_tenants_own(
    tenant, other_tenant, admin, partner_admin, make_member, portal_client
):
    foreign_tier = TierFactory(tenant=other_tenant)
    foreign_admin = make_member(other_tenant, Role.ADMIN)
    client = portal_client(admin)
    for field, value in (
        ("auto_approve_min_tier", foreign_tier.pk),
        ("escalation_contact", foreign_admin.pk),
        ("escalation_contact", partner_admin.pk),  # not staff
    ):
        response = client.post(EDIT, form_body(rules_for(tenant), **{field: value}))
        assert response.status_code == 400
        assert field in response.context["form"].errors
    rules = RulesOfEngagement.objects.for_tenant(tenant).get()
    assert rules.auto_approve_min_tier is None and rules.escalation_contact is None
    page = client.get(EDIT).content.decode()
    assert foreign_tier.name not in page and foreign_admin.user.email not in page


# --- API -----------------------------------------------------------------------------------


def test_everyone_reads_the_rules_over_the_api(tenant, admin, partner_sales, api_client):
    staff = api_client(admin).get(API)
    assert staff.status_code == 200
    assert staff.json()["protection_days"] == 90 and "escalation_contact" in staff.json()
    partner = api_client(partner_sales).get(API)
    assert partner.status_code == 200
    assert partner.json()["allowed_countries"] == []
    assert "escalation_contact" not in partner.json()


def test_only_rule_keepers_patch_the_rules(tenant, partner_admin, api_client):
    response = api_client(partner_admin).patch(API, {"protection_days": 1}, format="json")
    assert response.status_code == 403
    assert rules_for(tenant).protection_days == 90


def test_patching_the_rules(tenant, other_tenant, channel_manager, api_client):
    gold = TierFactory(tenant=tenant, name="Gold", rank=3)
    client = api_client(channel_manager)
    response = client.patch(
        API,
        {
            "protection_days": 120,
            "allowed_countries": ["DE", "US", "DE"],
            "auto_approve_min_tier": gold.pk,
            "escalation_contact": channel_manager.pk,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["protection_days"] == 120
    assert body["allowed_countries"] == ["DE", "US"]
    assert body["auto_approve_min_tier"] == gold.pk
    assert body["escalation_contact"] == channel_manager.pk

    invalid = client.patch(API, {"protection_days": 0, "duplicate_threshold": "0.1"}, format="json")
    assert invalid.status_code == 400
    assert set(invalid.json()) == {"protection_days", "duplicate_threshold"}
    foreign = client.patch(
        API, {"auto_approve_min_tier": TierFactory(tenant=other_tenant).pk}, format="json"
    )
    assert foreign.status_code == 400 and "auto_approve_min_tier" in foreign.json()
    assert client.patch(API, {"allowed_countries": ["XX"]}, format="json").status_code == 400
    assert client.patch(API, {"nonsense": 1}, format="json").status_code == 200  # ignored
    assert rules_for(tenant).protection_days == 120
