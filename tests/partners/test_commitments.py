"""Tier health both ways: what a tier commits the vendor to, checked per partner."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ecosystem.audit.models import AuditEntry
from ecosystem.errors import NotAllowed, ValidationFailed
from ecosystem.notifications.models import Notification
from ecosystem.outbox.models import OutboxEvent
from ecosystem.outbox.services import dispatch_pending
from ecosystem.scheduling.models import DueWork
from ecosystem.scheduling.services import process_due
from ecosystem.tenancy import services as tenancy_services
from ecosystem.tenancy.roles import Role
from partners import commitment_selectors, commitments, services, tiers
from partners.commitment_services import attest_commitment, evaluate_commitments
from partners.commitments import Verdict, commitment, unregister_check
from partners.models import (
    CommitmentAttestation,
    CommitmentStatus,
    PartnerCommitment,
    PartnerOrganisation,
    PartnerStatus,
)
from tests.partners.factories import PartnerOrganisationFactory, TierFactory

MET, NOT_MET, UNVERIFIED = (
    CommitmentStatus.MET,
    CommitmentStatus.NOT_MET,
    CommitmentStatus.UNVERIFIED,
)


@pytest.fixture
def registered(tenant):
    """A tier that promises nothing the platform tracks."""
    return TierFactory(tenant=tenant, name="Registered", rank=1)


@pytest.fixture
def gold(tenant):
    """A tier that promises every tracked benefit."""
    return TierFactory(
        tenant=tenant,
        name="Gold",
        rank=3,
        discount_percent=Decimal("20"),
        mdf_accrual_percent=Decimal("3"),
        lead_priority_weight=Decimal("1.5"),
        has_named_contact=True,
    )


@pytest.fixture
def gold_partner(tenant, gold, partner):
    PartnerOrganisation.objects.for_tenant(tenant).filter(pk=partner.pk).update(tier=gold)
    return reload(partner)


def reload(partner):
    return (
        PartnerOrganisation.objects.for_tenant(partner.tenant)
        .select_related("tier")
        .get(pk=partner.pk)
    )


def assign_manager(partner, membership):
    PartnerOrganisation.objects.for_tenant(partner.tenant).filter(pk=partner.pk).update(
        channel_manager=membership
    )


def stored(partner) -> dict[str, PartnerCommitment]:
    rows = PartnerCommitment.objects.for_tenant(partner.tenant).filter(partner=partner)
    return {row.benefit: row for row in rows}


def attest(tenant, actor, partner, value="20", on=None, note="Price book 2026, line 14"):
    return attest_commitment(
        tenant=tenant,
        actor=actor.user,
        partner_id=partner.pk,
        benefit="discount",
        value=value,
        note=note,
        attested_on=on,
    )


# --- The registry ------------------------------------------------------------------------------


@pytest.mark.django_db
class TestRegistry:
    def test_what_a_tier_promises(self, gold, registered):
        assert [item.code for item in commitments.promised_by(gold)] == [
            "discount",
            "mdf_allocation",
            "lead_priority",
            "named_contact",
        ]
        assert commitments.promised_by(registered) == []
        assert commitments.promised_by(None) == []

    def test_benefits_without_a_check_yet_are_unverified_with_their_text(
        self, tenant, gold_partner
    ):
        evaluate_commitments(tenant=tenant)
        rows = stored(gold_partner)
        assert rows["mdf_allocation"].status == UNVERIFIED
        assert rows["mdf_allocation"].detail == "Unverified — measured once MDF is in use."

    def test_only_promised_benefits_are_tracked(self, tenant, gold, partner):
        modest = TierFactory(tenant=tenant, name="Silver", rank=2, discount_percent=Decimal("10"))
        PartnerOrganisation.objects.for_tenant(tenant).filter(pk=partner.pk).update(tier=modest)
        evaluate_commitments(tenant=tenant)
        assert set(stored(partner)) == {"discount"}

    def test_an_app_registers_its_check_later_under_the_declared_code(self, tenant, gold_partner):
        calls = []

        @commitment("mdf_allocation")
        def mdf_allocation(*, tenant, partners):
            calls.append([p.pk for p in partners])
            return {p.pk: Verdict(MET, "Accruing 5% of revenue") for p in partners}

        try:
            evaluate_commitments(tenant=tenant)
            row = stored(gold_partner)["mdf_allocation"]
            assert (row.status, row.detail) == (MET, "Accruing 5% of revenue")
            assert calls == [[gold_partner.pk]]  # one call for every partner at once
            assert commitments.get_commitment("mdf_allocation").label == "MDF allocation"
        finally:
            unregister_check("mdf_allocation")
        assert commitments.get_commitment("mdf_allocation").check is None
        evaluate_commitments(tenant=tenant)
        assert stored(gold_partner)["mdf_allocation"].status == UNVERIFIED

    def test_a_check_that_forgets_a_partner_leaves_it_unverified(self, tenant, gold_partner):
        @commitment("mdf_allocation")
        def mdf_allocation(*, tenant, partners):
            return {}

        try:
            evaluate_commitments(tenant=tenant)
        finally:
            unregister_check("mdf_allocation")
        assert stored(gold_partner)["mdf_allocation"].status == UNVERIFIED

    def test_a_new_benefit_needs_a_label_and_a_test_of_the_tier(self):
        with pytest.raises(ValueError, match="not declared"):
            commitment("free_lunch")(lambda *, tenant, partners: {})
        assert commitments.get_commitment("free_lunch") is None


# --- named_contact -----------------------------------------------------------------------------


@pytest.mark.django_db
class TestNamedContact:
    def test_no_channel_manager_is_not_met(self, tenant, gold_partner):
        evaluate_commitments(tenant=tenant)
        row = stored(gold_partner)["named_contact"]
        assert (row.status, row.detail) == (NOT_MET, "No channel manager assigned.")

    def test_an_active_staff_manager_is_met(self, tenant, gold_partner, make_member):
        manager = make_member(tenant, Role.CHANNEL_MANAGER, full_name="Priya Raman")
        assign_manager(gold_partner, manager)
        evaluate_commitments(tenant=tenant)
        row = stored(gold_partner)["named_contact"]
        assert (row.status, row.detail) == (MET, "Priya Raman is the named channel manager.")

    def test_a_deactivated_manager_is_not_met(self, tenant, gold_partner, make_member):
        manager = make_member(tenant, Role.CHANNEL_MANAGER, full_name="Priya Raman")
        manager.is_active = False
        manager.save()
        assign_manager(gold_partner, manager)
        evaluate_commitments(tenant=tenant)
        row = stored(gold_partner)["named_contact"]
        assert (row.status, row.detail) == (NOT_MET, "Channel manager Priya Raman is deactivated.")

    def test_a_tier_without_a_named_contact_promises_none(self, tenant, registered, partner):
        PartnerOrganisation.objects.for_tenant(tenant).filter(pk=partner.pk).update(tier=registered)
        evaluate_commitments(tenant=tenant)
        assert stored(partner) == {}


# --- discount (attested) -----------------------------------------------------------------------


@pytest.mark.django_db
class TestDiscount:
    def test_without_an_attestation_it_is_unverified_and_says_what_to_do(
        self, tenant, gold_partner
    ):
        evaluate_commitments(tenant=tenant)
        row = stored(gold_partner)["discount"]
        assert row.status == UNVERIFIED
        assert "Nobody has confirmed the 20% discount yet" in row.detail
        assert "record an attestation" in row.detail

    def test_an_attestation_of_the_tiers_percentage_is_met(self, tenant, gold_partner, admin):
        attestation = attest(tenant, admin, gold_partner)
        assert attestation.value == Decimal("20.00")
        row = stored(gold_partner)["discount"]
        assert row.status == MET
        assert row.detail.startswith("20% discount confirmed on")

    def test_another_percentage_is_unverified(self, tenant, gold_partner, admin):
        attest(tenant, admin, gold_partner, value="15")
        row = stored(gold_partner)["discount"]
        assert row.status == UNVERIFIED
        assert "confirmed a 15% discount, but Gold promises 20%" in row.detail

    def test_the_latest_attestation_decides(self, tenant, gold_partner, admin):
        today = timezone.localdate()
        attest(tenant, admin, gold_partner, value="20", on=today - timedelta(days=10))
        attest(tenant, admin, gold_partner, value="15", on=today - timedelta(days=1))
        assert stored(gold_partner)["discount"].status == UNVERIFIED

    def test_a_raised_discount_needs_a_new_attestation(self, tenant, gold, gold_partner, admin):
        attest(tenant, admin, gold_partner)
        gold.discount_percent = Decimal("25")
        gold.save()
        evaluate_commitments(tenant=tenant)
        assert "promises 25%" in stored(gold_partner)["discount"].detail

    @pytest.mark.parametrize(("days_later", "status"), [(364, MET), (365, MET), (366, UNVERIFIED)])
    def test_an_attestation_lasts_a_year(self, tenant, gold_partner, admin, days_later, status):
        attested_at = datetime(2026, 3, 2, 12, tzinfo=UTC)
        with time_machine.travel(attested_at, tick=False):
            attest(tenant, admin, gold_partner)
        with time_machine.travel(attested_at + timedelta(days=days_later), tick=False):
            evaluate_commitments(tenant=tenant)
        row = stored(gold_partner)["discount"]
        assert row.status == status
        if status == UNVERIFIED:
            assert "last confirmed on 2 March 2026" in row.detail
            assert "record a new attestation" in row.detail


# --- attest_commitment -------------------------------------------------------------------------


@pytest.mark.django_db
class TestAttestation:
    def test_is_audited(self, tenant, gold_partner, admin):
        attest(tenant, admin, gold_partner)
        entry = AuditEntry.objects.for_tenant(tenant).get(action="partner.commitment_attested")
        assert entry.actor == admin.user
        assert entry.object_id == str(gold_partner.pk)
        assert entry.changes["value"] == "20.00"
        assert entry.changes["note"] == "Price book 2026, line 14"

    @pytest.mark.parametrize("role", [Role.FINANCE, Role.EXECUTIVE, Role.PARTNER_ADMIN])
    def test_only_staff_who_manage_tiers_may_attest(self, tenant, gold_partner, make_member, role):
        actor = make_member(tenant, role, gold_partner if role == Role.PARTNER_ADMIN else None)
        with pytest.raises(NotAllowed):
            attest(tenant, actor, gold_partner)
        assert not CommitmentAttestation.objects.for_tenant(tenant).exists()

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"benefit": "named_contact"}, "benefit"),
            ({"benefit": "nonsense"}, "benefit"),
            ({"value": "120"}, "value"),
            ({"value": "-1"}, "value"),
            ({"value": "lots"}, "value"),
            ({"note": "  "}, "note"),
            ({"attested_on": "tomorrow"}, "attested_on"),
        ],
    )
    def test_validation_names_the_field(self, tenant, gold_partner, admin, changes, field):
        arguments = {
            "benefit": "discount",
            "value": "20",
            "note": "Price book",
            "attested_on": None,
        } | changes
        if arguments["attested_on"] == "tomorrow":
            arguments["attested_on"] = timezone.localdate() + timedelta(days=1)
        with pytest.raises(ValidationFailed) as error:
            attest_commitment(
                tenant=tenant, actor=admin.user, partner_id=gold_partner.pk, **arguments
            )
        assert field in error.value.as_dict()

    def test_nothing_to_attest_when_the_tier_promises_no_discount(
        self, tenant, registered, partner, admin
    ):
        PartnerOrganisation.objects.for_tenant(tenant).filter(pk=partner.pk).update(tier=registered)
        with pytest.raises(ValidationFailed) as error:
            attest(tenant, admin, partner)
        assert "benefit" in error.value.as_dict()

    def test_another_tenants_partner_is_not_found(self, tenant, other_tenant, gold, admin):
        from ecosystem.errors import NotFound

        foreign = PartnerOrganisationFactory(tenant=other_tenant)
        with pytest.raises(NotFound):
            attest(tenant, admin, foreign)


# --- evaluate_commitments ----------------------------------------------------------------------


@pytest.mark.django_db
class TestEvaluation:
    def test_since_is_when_the_current_status_began(self, tenant, gold_partner, admin):
        with time_machine.travel("2026-01-10 09:00Z", tick=False):
            evaluate_commitments(tenant=tenant)
        with time_machine.travel("2026-01-20 09:00Z", tick=False):
            evaluate_commitments(tenant=tenant)
        row = stored(gold_partner)["named_contact"]
        assert row.since.date() == date(2026, 1, 10)
        assert row.checked_at.date() == date(2026, 1, 20)
        assign_manager(gold_partner, admin)
        with time_machine.travel("2026-01-25 09:00Z", tick=False):
            evaluate_commitments(tenant=tenant)
        row = stored(gold_partner)["named_contact"]
        assert (row.status, row.since.date()) == (MET, date(2026, 1, 25))

    def test_rows_go_when_the_tier_no_longer_promises_them(self, tenant, gold_partner, registered):
        evaluate_commitments(tenant=tenant)
        assert len(stored(gold_partner)) == 4
        PartnerOrganisation.objects.for_tenant(tenant).filter(pk=gold_partner.pk).update(
            tier=registered
        )
        evaluate_commitments(tenant=tenant, partner_ids=[gold_partner.pk])
        assert stored(gold_partner) == {}

    @pytest.mark.parametrize("status", [PartnerStatus.SUSPENDED, PartnerStatus.OFFBOARDED])
    def test_suspended_and_offboarded_partners_are_owed_nothing(self, tenant, gold_partner, status):
        evaluate_commitments(tenant=tenant)
        PartnerOrganisation.objects.for_tenant(tenant).filter(pk=gold_partner.pk).update(
            status=status
        )
        evaluate_commitments(tenant=tenant)
        assert stored(gold_partner) == {}

    def test_each_row_records_the_promising_tier(self, tenant, gold, gold_partner):
        evaluate_commitments(tenant=tenant)
        assert {row.tier_id for row in stored(gold_partner).values()} == {gold.pk}

    def test_tenants_are_evaluated_separately(self, tenant, other_tenant, gold):
        foreign_gold = TierFactory(tenant=other_tenant, has_named_contact=True)
        foreign = PartnerOrganisationFactory(tenant=other_tenant, tier=foreign_gold)
        evaluate_commitments(tenant=tenant)
        assert not PartnerCommitment.objects.for_tenant(other_tenant).exists()
        evaluate_commitments(tenant=other_tenant)
        assert set(stored(foreign)) == {"named_contact"}

    def test_becoming_not_met_is_audited_and_announced_once(
        self,
        tenant,
        gold_partner,
        partner_admin,
        channel_manager,
        django_capture_on_commit_callbacks,
    ):
        from django.core import mail

        with django_capture_on_commit_callbacks(execute=True):
            summary = evaluate_commitments(tenant=tenant)
        assert summary.became_not_met == 1
        audit = AuditEntry.objects.for_tenant(tenant).get(action="partner.commitment_not_met")
        assert audit.object_id == str(gold_partner.pk)
        assert audit.changes == {
            "benefit": "named_contact",
            "detail": "No channel manager assigned.",
        }
        event = OutboxEvent.objects.for_tenant(tenant).get(name="partner.commitment_unmet")
        assert event.payload["commitments"][0]["benefit"] == "named_contact"
        with django_capture_on_commit_callbacks(execute=True):
            dispatch_pending()
        notifications = Notification.objects.for_tenant(tenant)
        # No named manager: every channel manager of the program hears, with the partner.
        assert {n.recipient.email for n in notifications} == {
            partner_admin.user.email,
            channel_manager.user.email,
        }
        first = notifications.first()
        assert "“Named channel manager” is not being delivered" in first.title
        assert "No channel manager assigned." in first.body
        assert first.url.endswith(f"/partners/{gold_partner.pk}/#commitments")
        assert {m.to[0] for m in mail.outbox} >= {partner_admin.user.email}

        # Still not met tomorrow: nobody is told again.
        evaluate_commitments(tenant=tenant)
        dispatch_pending()
        assert notifications.count() == 2
        assert (
            AuditEntry.objects.for_tenant(tenant)
            .filter(action="partner.commitment_not_met")
            .count()
            == 1
        )

    def test_several_at_once_make_one_notification(
        self, tenant, gold_partner, partner_admin, channel_manager
    ):
        @commitment("lead_priority")
        def lead_priority(*, tenant, partners):
            return {p.pk: Verdict(NOT_MET, "Routed without weight") for p in partners}

        try:
            evaluate_commitments(tenant=tenant)
        finally:
            unregister_check("lead_priority")
        dispatch_pending()
        notification = Notification.objects.for_tenant(tenant).get(recipient=partner_admin.user)
        assert notification.title == ("Northwind Systems: 2 tier benefits are not being delivered")
        assert notification.body.splitlines() == [
            "Lead priority: Routed without weight",
            "Named channel manager: No channel manager assigned.",
        ]

    def test_met_and_unverified_are_not_announced(self, tenant, gold_partner, admin):
        assign_manager(gold_partner, admin)
        summary = evaluate_commitments(tenant=tenant)
        assert summary.became_not_met == 0
        assert summary.counts == {MET: 1, UNVERIFIED: 3}
        assert (
            not OutboxEvent.objects.for_tenant(tenant)
            .filter(name="partner.commitment_unmet")
            .exists()
        )

    def test_query_count_does_not_grow_with_partners(self, tenant, gold, make_member):
        manager = make_member(tenant, Role.CHANNEL_MANAGER)
        attester = make_member(tenant, Role.ADMIN)

        def fresh_program(n):
            PartnerOrganisation.objects.for_tenant(tenant).delete()
            made = PartnerOrganisationFactory.create_batch(n, tenant=tenant, tier=gold)
            for partner in made[::2]:
                assign_manager(partner, manager)
            attest(tenant, attester, made[0])
            PartnerCommitment.objects.for_tenant(tenant).delete()

        def queries():
            with CaptureQueriesContext(connection) as captured:
                evaluate_commitments(tenant=tenant)
            return len(captured)

        fresh_program(5)
        first_small, steady_small = queries(), queries()
        fresh_program(50)
        first_large, steady_large = queries(), queries()
        assert first_large == first_small
        assert steady_large == steady_small
        assert first_small <= 12

    def test_one_partner_is_a_handful_of_queries(
        self, tenant, gold_partner, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(10):
            evaluate_commitments(tenant=tenant, partner_ids=[gold_partner.pk])


# --- Triggers ----------------------------------------------------------------------------------


@pytest.mark.django_db
class TestTriggers:
    def test_the_nightly_evaluation_checks_commitments(self, tenant, gold_partner):
        tiers.schedule_nightly_evaluation(tenant=tenant)
        work = DueWork.objects.for_tenant(tenant).get(kind="partners.tier_nightly_evaluation")
        process_due(now=work.due_at)
        assert set(stored(gold_partner)) >= {"named_contact"}

    def test_a_tier_change_checks_the_new_tiers_commitments(self, tenant, gold, partner):
        # Gold is open (no requirements) and the highest: the partner moves up to it.
        tiers.evaluate_partners(tenant=tenant)
        assert reload(partner).tier == gold
        assert stored(partner) == {}
        dispatch_pending()
        assert len(stored(partner)) == 4

    def test_a_rule_change_reevaluation_checks_everyone(self, tenant, gold, gold_partner):
        from ecosystem.outbox.services import emit

        emit(tenant=tenant, name="tier.rules_changed")
        dispatch_pending()
        process_due(now=timezone.now() + timedelta(minutes=1))
        assert len(stored(gold_partner)) == 4

    def test_assigning_a_channel_manager_meets_the_commitment_at_once(
        self, tenant, gold_partner, admin, channel_manager
    ):
        evaluate_commitments(tenant=tenant)
        services.update_partner(
            tenant=tenant,
            actor=admin.user,
            partner_id=gold_partner.pk,
            data={"channel_manager": channel_manager.pk},
        )
        assert stored(gold_partner)["named_contact"].status == MET

    def test_a_partner_created_at_a_tier_is_checked_at_once(self, tenant, gold, admin):
        created = services.create_partner(
            tenant=tenant,
            actor=admin.user,
            data={
                "name": "Fresh Co",
                "partner_type": "var",
                "country": "GB",
                "status": PartnerStatus.ACTIVE,
                "tier": gold.pk,
            },
        )
        assert stored(created)["named_contact"].status == NOT_MET

    def test_a_status_change_drops_the_commitments(self, tenant, gold_partner, admin):
        evaluate_commitments(tenant=tenant)
        services.change_partner_status(
            tenant=tenant,
            actor=admin.user,
            partner_id=gold_partner.pk,
            to_status=PartnerStatus.SUSPENDED,
            reason="Agreement lapsed",
        )
        assert stored(gold_partner) == {}

    def test_a_managers_departure_breaks_the_named_contact(
        self, tenant, gold_partner, admin, channel_manager
    ):
        assign_manager(gold_partner, channel_manager)
        evaluate_commitments(tenant=tenant)
        assert stored(gold_partner)["named_contact"].status == MET
        tenancy_services.deactivate_membership(
            tenant=tenant, actor=admin.user, membership_id=channel_manager.pk
        )
        dispatch_pending()
        row = stored(gold_partner)["named_contact"]
        assert row.status == NOT_MET
        assert "is deactivated" in row.detail


# --- Pages -------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestPartnerPages:
    def test_staff_see_the_commitments_and_an_attest_form(
        self, tenant, gold_partner, admin, portal_client
    ):
        evaluate_commitments(tenant=tenant)
        response = portal_client(admin).get(reverse("partners:detail", args=[gold_partner.pk]))
        assert response.status_code == 200
        html = response.content.decode()
        assert "What the vendor commits to" in html
        assert "No channel manager assigned." in html
        assert "measured once MDF is in use" in html
        assert reverse("partners:commitment_attest", args=[gold_partner.pk]) in html
        assert 'value="20.00"' in html

    @pytest.mark.parametrize("role", ["finance", "partner_admin", "partner_sales"])
    def test_others_see_the_commitments_without_the_form(
        self, tenant, gold_partner, make_member, portal_client, role
    ):
        evaluate_commitments(tenant=tenant)
        member = make_member(tenant, Role(role), gold_partner if "partner" in role else None)
        html = (
            portal_client(member)
            .get(reverse("partners:detail", args=[gold_partner.pk]))
            .content.decode()
        )
        assert "What the vendor commits to" in html
        assert "No channel manager assigned." in html
        assert reverse("partners:commitment_attest", args=[gold_partner.pk]) not in html

    def test_the_partners_home_shows_them(self, tenant, gold_partner, partner_sales, portal_client):
        evaluate_commitments(tenant=tenant)
        html = portal_client(partner_sales).get(reverse("home")).content.decode()
        assert "What the vendor commits to" in html
        assert "Named channel manager" in html

    def test_a_benefit_not_checked_yet_shows_as_unverified(self, tenant, gold_partner):
        lines = commitment_selectors.commitments_for(tenant=tenant, partner=gold_partner)
        assert [line.status for line in lines] == [UNVERIFIED] * 4
        assert lines[0].detail == "Not checked yet; checked every night."

    def test_staff_attest_on_the_page(self, tenant, gold_partner, admin, portal_client):
        url = reverse("partners:commitment_attest", args=[gold_partner.pk])
        client = portal_client(admin)
        response = client.post(
            url,
            {
                "benefit": "discount",
                "value": "20",
                "attested_on": timezone.localdate().isoformat(),
                "note": "Price book 2026",
            },
        )
        assert response.status_code == 302
        assert response["Location"].endswith(f"/partners/{gold_partner.pk}/#commitments")
        assert stored(gold_partner)["discount"].status == MET
        page = client.get(response["Location"]).content.decode()
        assert "Attestation recorded for Discount." in page
        assert "Price book 2026" in page  # the last attestation, for staff

    def test_a_refused_attestation_says_why(self, tenant, gold_partner, admin, portal_client):
        url = reverse("partners:commitment_attest", args=[gold_partner.pk])
        client = portal_client(admin)
        response = client.post(
            url,
            {"benefit": "discount", "value": "20", "attested_on": "2020-01-01", "note": ""},
            follow=True,
        )
        assert "Where it is configured: This field is required." in response.content.decode()
        assert not CommitmentAttestation.objects.for_tenant(tenant).exists()

    @pytest.mark.parametrize(
        ("role", "expected"),
        [
            ("admin", 302),
            ("channel_manager", 302),
            ("finance", 403),
            ("executive", 403),
            ("partner_admin", 403),
        ],
    )
    def test_attest_action_by_role(
        self, tenant, gold_partner, make_member, portal_client, role, expected
    ):
        member = make_member(tenant, Role(role), gold_partner if "partner" in role else None)
        response = portal_client(member).post(
            reverse("partners:commitment_attest", args=[gold_partner.pk]),
            {
                "benefit": "discount",
                "value": "20",
                "attested_on": timezone.localdate().isoformat(),
                "note": "Price book",
            },
        )
        assert response.status_code == expected
        assert CommitmentAttestation.objects.for_tenant(tenant).exists() is (expected == 302)

    def test_attest_refuses_get(self, gold_partner, admin, portal_client):
        url = reverse("partners:commitment_attest", args=[gold_partner.pk])
        assert portal_client(admin).get(url).status_code == 405


@pytest.fixture
def program(tenant, gold, registered, make_member):
    """Three Gold partners: one without a manager (not met), two with (met), no discount
    attested (unverified); and one Registered partner, owed nothing."""
    manager = make_member(tenant, Role.CHANNEL_MANAGER, full_name="Priya Raman")
    lonely = PartnerOrganisationFactory(tenant=tenant, name="Lonely Ltd", tier=gold)
    looked_after = [
        PartnerOrganisationFactory(tenant=tenant, name=name, tier=gold, channel_manager=manager)
        for name in ("Cared For Inc", "Minded Co")
    ]
    PartnerOrganisationFactory(tenant=tenant, name="Small Fry", tier=registered)
    evaluate_commitments(tenant=tenant)
    return lonely, looked_after


@pytest.mark.django_db
class TestTierHealthPage:
    def test_totals_per_benefit(self, tenant, program):
        totals = {
            t["benefit"]: t["counts"] for t in commitment_selectors.commitment_totals(tenant=tenant)
        }
        assert totals["named_contact"] == {MET: 2, NOT_MET: 1, UNVERIFIED: 0}
        assert totals["discount"] == {MET: 0, NOT_MET: 0, UNVERIFIED: 3}

    def test_page_lists_partners_owed_something_not_met_first(
        self, tenant, program, admin, portal_client
    ):
        assert reverse("tier_health") == "/tiers/health/"
        response = portal_client(admin).get(reverse("tier_health"))
        assert response.status_code == 200
        names = [partner.name for partner in response.context["page"].object_list]
        assert names == ["Lonely Ltd", "Cared For Inc", "Minded Co"]
        html = response.content.decode()
        assert "No channel manager assigned." in html
        assert "Small Fry" not in html

    @pytest.mark.parametrize(
        ("query", "names"),
        [
            ({"status": "not_met"}, ["Lonely Ltd"]),
            ({"benefit": "named_contact"}, ["Lonely Ltd"]),
            (
                {"benefit": "discount", "status": "unverified"},
                ["Lonely Ltd", "Cared For Inc", "Minded Co"],
            ),
            ({"q": "mind"}, ["Minded Co"]),
            ({"status": "met"}, []),
            ({"tier": "nonsense"}, []),
        ],
    )
    def test_filters(self, program, admin, portal_client, query, names):
        response = portal_client(admin).get(reverse("tier_health"), query)
        assert [p.name for p in response.context["page"].object_list] == names

    def test_only_the_filtered_commitments_are_shown(self, program, admin, portal_client):
        response = portal_client(admin).get(reverse("tier_health"), {"benefit": "discount"})
        for partner in response.context["page"].object_list:
            assert {c.benefit for c in partner.unmet_commitments} == {"discount"}

    @pytest.mark.parametrize(
        ("role", "expected"),
        [
            ("admin", 200),
            ("channel_manager", 200),
            ("finance", 200),
            ("executive", 200),
            ("marketing_manager", 200),
            ("partner_admin", 403),
            ("partner_sales", 403),
        ],
    )
    def test_staff_only(self, tenant, partner, make_member, portal_client, role, expected):
        member = make_member(tenant, Role(role), partner if "partner" in role else None)
        assert portal_client(member).get(reverse("tier_health")).status_code == expected

    def test_anonymous_people_sign_in_first(self, tenant, portal_client):
        response = portal_client(tenant=tenant).get(reverse("tier_health"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    def test_query_count_is_bounded(
        self, tenant, gold, admin, portal_client, django_assert_max_num_queries
    ):
        PartnerOrganisationFactory.create_batch(30, tenant=tenant, tier=gold)
        evaluate_commitments(tenant=tenant)
        client = portal_client(admin)
        client.get(reverse("tier_health"))  # warm the session
        with django_assert_max_num_queries(14):
            response = client.get(reverse("tier_health"))
        assert len(response.context["page"].object_list) == 25
        assert response.context["page"].paginator.num_pages == 2

    def test_the_tier_settings_link_to_it(self, admin, portal_client):
        html = portal_client(admin).get(reverse("settings_tiers")).content.decode()
        assert reverse("tier_health") in html


# --- API ---------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestApi:
    def path(self, partner, suffix=""):
        return f"/api/v1/partners/{partner.pk}/commitments/{suffix}"

    def test_a_partner_reads_its_own(self, tenant, gold_partner, partner_sales, api_client):
        evaluate_commitments(tenant=tenant)
        response = api_client(partner_sales).get(self.path(gold_partner))
        assert response.status_code == 200
        by_code = {item["benefit"]: item for item in response.json()}
        assert list(by_code) == ["discount", "mdf_allocation", "lead_priority", "named_contact"]
        named = by_code["named_contact"]
        assert named["status"] == "not_met"
        assert named["detail"] == "No channel manager assigned."
        assert named["tier"]["name"] == "Gold"
        assert named["since"] is not None
        assert by_code["discount"]["is_attestable"] is True

    def test_a_partner_cannot_read_anothers(
        self, tenant, gold_partner, other_partner, partner_sales, api_client
    ):
        response = api_client(partner_sales).get(self.path(other_partner))
        assert response.status_code == 404

    def test_staff_read_any(self, tenant, gold_partner, other_partner, admin, api_client):
        client = api_client(admin)
        assert client.get(self.path(gold_partner)).status_code == 200
        assert client.get(self.path(other_partner)).json() == []  # untiered: owed nothing

    def test_staff_attest(self, tenant, gold_partner, channel_manager, api_client):
        response = api_client(channel_manager).post(
            self.path(gold_partner, "attest/"),
            {"benefit": "discount", "value": "20", "note": "Price book 2026"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["attestation"]["value"] == "20.00"
        assert body["attestation"]["attested_by"] == channel_manager.user.email
        assert body["attestation"]["attested_on"] == timezone.localdate().isoformat()
        discount = next(c for c in body["commitments"] if c["benefit"] == "discount")
        assert discount["status"] == "met"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"benefit": "discount", "value": "20", "note": ""}, "note"),
            ({"benefit": "named_contact", "value": "1", "note": "x"}, "benefit"),
            ({"benefit": "discount", "value": "101", "note": "x"}, "value"),
            ({"benefit": "discount", "note": "x"}, "value"),
        ],
    )
    def test_attest_validation(self, gold_partner, admin, api_client, body, field):
        response = api_client(admin).post(self.path(gold_partner, "attest/"), body, format="json")
        assert response.status_code == 400
        assert field in str(response.json())

    @pytest.mark.parametrize("role", ["finance", "executive", "partner_admin"])
    def test_attest_needs_tiers_manage(self, tenant, gold_partner, make_member, api_client, role):
        member = make_member(tenant, Role(role), gold_partner if "partner" in role else None)
        response = api_client(member).post(
            self.path(gold_partner, "attest/"),
            {"benefit": "discount", "value": "20", "note": "x"},
            format="json",
        )
        assert response.status_code == 403
        assert not CommitmentAttestation.objects.for_tenant(tenant).exists()

    def test_in_the_schema(self, tenant):
        from django.test import Client

        schema = Client(HTTP_HOST="acme.localhost").get("/api/schema/?format=json").json()
        assert "/api/v1/partners/{id}/commitments/" in schema["paths"]
        assert "/api/v1/partners/{id}/commitments/attest/" in schema["paths"]


# --- The demo program --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_program_shows_commitments_met_and_not():
    from io import StringIO

    from django.core.management import call_command

    from ecosystem.tenancy.models import Tenant

    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    tenant = Tenant.objects.get(slug="acme")
    rows = PartnerCommitment.objects.for_tenant(tenant).select_related("partner")
    statuses = {(row.partner.name, row.benefit): row.status for row in rows}
    assert statuses[("Northwind Systems", "discount")] == MET
    assert statuses[("Northwind Systems", "named_contact")] == MET
    assert ("named_contact", NOT_MET) in {(row.benefit, row.status) for row in rows}
    attestation = CommitmentAttestation.objects.for_tenant(tenant).get()
    assert attestation.partner.name == "Northwind Systems"
    assert attestation.value == Decimal("20.00")
