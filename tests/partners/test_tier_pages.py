"""Tier pages: /tiers/ for every member, /settings/tiers/ and its forms for tier managers."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ecosystem.audit.models import AuditEntry
from ecosystem.outbox.models import OutboxEvent
from partners.models import Tier, TierProgram, TierRequirement
from tests.partners.factories import PartnerOrganisationFactory, TierFactory

pytestmark = pytest.mark.django_db

TIER_FORM = {
    "name": "Gold",
    "rank": "3",
    "description": "Certified practice.",
    "discount_percent": "20",
    "mdf_accrual_percent": "3",
    "lead_priority_weight": "1.5",
    "has_named_contact": "on",
    "benefits_text": "Quarterly business reviews.",
    "requirement_mode": "all",
    "required_count": "",
}


@pytest.fixture
def ladder(tenant):
    """4 tiers × 3 requirements."""
    tiers = []
    for rank, name in enumerate(["Registered", "Silver", "Gold", "Platinum"], start=1):
        tier = TierFactory(tenant=tenant, name=name, rank=rank, discount_percent=rank * 10)
        for threshold in (1, 2, 3):
            TierRequirement.objects.create(
                tenant=tenant, tier=tier, metric="active_people", threshold=threshold * rank
            )
        tiers.append(tier)
    return tiers


def rules_changed(tenant) -> int:
    return OutboxEvent.objects.for_tenant(tenant).filter(name="tier.rules_changed").count()


class TestProgramTiersPage:
    def test_partner_sees_benefits_requirements_and_own_tier(
        self, partner, partner_sales, portal_client, ladder, django_assert_max_num_queries
    ):
        partner.tier = ladder[1]
        partner.save()
        client = portal_client(partner_sales)
        client.get(reverse("program_tiers"))
        # Framework (tenant, RLS setting twice, session, user, membership), tiers, requirements,
        # the unread count: the same for any number of tiers.
        with django_assert_max_num_queries(9):
            response = client.get(reverse("program_tiers"))
        body = response.content.decode()
        assert response.status_code == 200
        for name in ("Registered", "Silver", "Gold", "Platinum"):
            assert name in body
        assert "People with portal access ≥ 6 (all time)" in body
        assert "Your tier" in body and body.count("tier-card-current") == 1
        assert "Manage tiers" not in body
        assert "style=" not in body

    def test_tier_managers_get_a_link_to_settings(self, channel_manager, portal_client, ladder):
        body = portal_client(channel_manager).get(reverse("program_tiers")).content.decode()
        assert reverse("settings_tiers") in body

    def test_empty_program(self, partner_sales, portal_client):
        body = portal_client(partner_sales).get(reverse("program_tiers")).content.decode()
        assert "No tiers yet" in body


class TestSettingsPage:
    def test_lists_tiers_with_requirements_in_plain_words(
        self, tenant, admin, portal_client, ladder, django_assert_max_num_queries
    ):
        PartnerOrganisationFactory(tenant=tenant, tier=ladder[0])
        PartnerOrganisationFactory(tenant=tenant, tier=ladder[0])
        client = portal_client(admin)
        client.get(reverse("settings_tiers"))
        # As /tiers/ plus the program settings.
        with django_assert_max_num_queries(10):
            response = client.get(reverse("settings_tiers"))
        body = response.content.decode()
        assert response.status_code == 200
        assert body.count("tier-card") >= 4
        assert "People with portal access ≥ 12 (all time)" in body
        assert "2 partners" in body
        assert "Grace period before a demotion" in body
        assert 'aria-current="page">Tiers<' in body

    def test_channel_manager_sees_only_the_tiers_tab(self, channel_manager, portal_client):
        body = portal_client(channel_manager).get(reverse("settings_tiers")).content.decode()
        assert reverse("settings_tiers") in body
        assert reverse("settings_branding") not in body

    def test_create_tier(self, tenant, admin, portal_client):
        client = portal_client(admin)
        form = client.get(reverse("settings_tier_create"))
        assert form.context["form"].initial["rank"] == 1
        response = client.post(reverse("settings_tier_create"), TIER_FORM)
        assert response.status_code == 302
        tier = Tier.objects.for_tenant(tenant).get()
        assert (tier.name, str(tier.discount_percent), tier.has_named_contact) == (
            "Gold",
            "20.00",
            True,
        )
        assert rules_changed(tenant) == 1
        assert AuditEntry.objects.for_tenant(tenant).filter(action="tier.created").exists()

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"name": ""}, "name"),
            ({"discount_percent": "120"}, "discount_percent"),
            ({"mdf_accrual_percent": "-1"}, "mdf_accrual_percent"),
            ({"requirement_mode": "at_least", "required_count": "1"}, "required_count"),
            ({"rank": "abc"}, "rank"),
        ],
    )
    def test_create_shows_errors_next_to_the_field(
        self, tenant, admin, portal_client, change, field
    ):
        response = portal_client(admin).post(
            reverse("settings_tier_create"), {**TIER_FORM, **change}
        )
        assert response.status_code == 200
        assert field in response.context["form"].errors
        assert not Tier.objects.for_tenant(tenant).exists()

    def test_duplicate_rank_shown_on_the_rank_field(self, tenant, admin, portal_client, ladder):
        response = portal_client(admin).post(
            reverse("settings_tier_create"), {**TIER_FORM, "name": "Gilt"}
        )
        assert "Gold" in response.context["form"].errors["rank"][0]

    def test_edit_tier(self, tenant, admin, portal_client, ladder):
        gold = ladder[2]
        client = portal_client(admin)
        assert client.get(reverse("settings_tier_edit", args=[gold.pk])).status_code == 200
        response = client.post(
            reverse("settings_tier_edit", args=[gold.pk]),
            {**TIER_FORM, "requirement_mode": "at_least", "required_count": "2"},
        )
        assert response.status_code == 302
        gold.refresh_from_db()
        assert gold.required_count == 2 and gold.discount_percent == 20

    def test_delete_refused_with_a_message_while_partners_hold_it(
        self, tenant, admin, portal_client, ladder
    ):
        PartnerOrganisationFactory(tenant=tenant, tier=ladder[0])
        client = portal_client(admin)
        response = client.post(reverse("settings_tier_delete", args=[ladder[0].pk]), follow=True)
        assert "Move them to another tier" in response.content.decode()
        client.post(reverse("settings_tier_delete", args=[ladder[3].pk]))
        assert list(Tier.objects.for_tenant(tenant).values_list("name", flat=True)) == [
            "Registered",
            "Silver",
            "Gold",
        ]

    def test_requirement_add_edit_remove_without_javascript(
        self, tenant, admin, portal_client, ladder
    ):
        gold = ladder[2]
        client = portal_client(admin)
        url = reverse("settings_requirement_add", args=[gold.pk])
        assert client.get(url).status_code == 200
        response = client.post(
            url, {"metric": "specialisations", "comparator": "gte", "threshold": "2"}
        )
        assert response.status_code == 302
        requirement = gold.requirements.get(metric="specialisations")
        edit = reverse("settings_requirement_edit", args=[requirement.pk])
        page = client.get(edit)
        assert "Recognised specialisations ≥ 2 (all time)" in page.content.decode()
        response = client.post(
            edit, {"metric": "specialisations", "comparator": "gt", "threshold": "4"}
        )
        assert response.status_code == 302
        requirement.refresh_from_db()
        assert (requirement.comparator, requirement.threshold) == ("gt", 4)
        client.post(reverse("settings_requirement_remove", args=[requirement.pk]))
        assert not gold.requirements.filter(pk=requirement.pk).exists()
        assert rules_changed(tenant) == 3

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"metric": "nope", "threshold": "1"}, "metric"),
            ({"metric": "active_people", "threshold": "-1"}, "threshold"),
            ({"metric": "active_people", "threshold": "1", "window_days": "30"}, "window_days"),
            ({"metric": "active_people", "threshold": "1", "window_days": "4000"}, "window_days"),
            ({"metric": "active_people", "threshold": "1", "parameter": "x"}, "parameter"),
        ],
    )
    def test_requirement_errors_are_shown_on_the_form(
        self, tenant, admin, portal_client, ladder, data, field
    ):
        response = portal_client(admin).post(
            reverse("settings_requirement_add", args=[ladder[0].pk]), {"comparator": "gte", **data}
        )
        assert response.status_code == 200
        assert field in response.context["form"].errors
        assert TierRequirement.objects.for_tenant(tenant).count() == 12

    def test_removing_below_at_least_n_shows_what_to_do(self, tenant, admin, portal_client, ladder):
        gold = ladder[2]
        gold.requirement_mode, gold.required_count = "at_least", 3
        gold.save()
        response = portal_client(admin).post(
            reverse("settings_requirement_remove", args=[gold.requirements.first().pk]),
            follow=True,
        )
        assert "switch the tier to “all requirements”" in response.content.decode()
        assert gold.requirements.count() == 3

    def test_program_settings(self, tenant, admin, portal_client):
        client = portal_client(admin)
        review = timezone.localdate() + timedelta(days=14)
        response = client.post(
            reverse("settings_tier_program"),
            {"grace_period_days": "45", "next_review_on": review.isoformat()},
        )
        assert response.status_code == 302
        program = TierProgram.objects.for_tenant(tenant).get()
        assert (program.grace_period_days, program.next_review_on) == (45, review)
        past = timezone.localdate() - timedelta(days=1)
        response = client.post(
            reverse("settings_tier_program"),
            {"grace_period_days": "45", "next_review_on": past.isoformat()},
        )
        assert response.status_code == 200
        assert "next_review_on" in response.context["program_form"].errors
        response = client.post(reverse("settings_tier_program"), {"grace_period_days": "999"})
        assert "grace_period_days" in response.context["program_form"].errors

    @pytest.mark.parametrize("role", ["finance", "partner_admin"])
    def test_writes_are_refused_to_other_roles(
        self, tenant, partner, role, make_member, portal_client, ladder
    ):
        member = make_member(tenant, role, partner if role.startswith("partner_") else None)
        client = portal_client(member)
        gold = ladder[2]
        requirement = gold.requirements.first()
        for url, data in [
            (reverse("settings_tier_create"), TIER_FORM),
            (reverse("settings_tier_edit", args=[gold.pk]), TIER_FORM),
            (reverse("settings_tier_delete", args=[gold.pk]), {}),
            (reverse("settings_requirement_add", args=[gold.pk]), {}),
            (reverse("settings_requirement_edit", args=[requirement.pk]), {}),
            (reverse("settings_requirement_remove", args=[requirement.pk]), {}),
            (reverse("settings_tier_program"), {"grace_period_days": "1"}),
        ]:
            assert client.post(url, data).status_code == 403, url
        assert Tier.objects.for_tenant(tenant).count() == 4
        assert not OutboxEvent.objects.for_tenant(tenant).filter(name="tier.rules_changed").exists()

    def test_action_urls_refuse_get(self, admin, portal_client, ladder):
        client = portal_client(admin)
        requirement = ladder[0].requirements.first()
        for url in (
            reverse("settings_tier_delete", args=[ladder[0].pk]),
            reverse("settings_requirement_remove", args=[requirement.pk]),
            reverse("settings_tier_program"),
        ):
            assert client.get(url).status_code == 405
