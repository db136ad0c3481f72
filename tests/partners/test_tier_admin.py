"""Tier configuration services: every rule, the audit entry and the `tier.rules_changed`
event on each write."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ecosystem.audit.models import AuditEntry
from ecosystem.errors import Conflict, NotFound, ValidationFailed
from ecosystem.outbox.models import OutboxEvent
from partners import services as partner_services
from partners import tier_admin, tier_selectors
from partners.metrics import Unit, metric, unregister
from partners.models import Tier, TierOverride, TierProgram, TierRequirement
from tests.partners.factories import PartnerOrganisationFactory, TierFactory

pytestmark = pytest.mark.django_db


def events(tenant):
    return list(
        OutboxEvent.objects.for_tenant(tenant)
        .filter(name="tier.rules_changed")
        .order_by("id")
        .values_list("payload", flat=True)
    )


def actions(tenant):
    entries = AuditEntry.objects.for_tenant(tenant).order_by("id")
    return list(entries.values_list("action", flat=True))


def field_of(error) -> set[str]:
    return set(error.value.as_dict())


@pytest.fixture
def gold(tenant, admin):
    return tier_admin.create_tier(tenant=tenant, actor=admin.user, data={"name": "Gold", "rank": 3})


@pytest.fixture
def parametrised_metric():
    @metric("course_certifications", label="Certifications of a course", unit=Unit.COUNT,
            parameter_label="Course")  # fmt: skip
    def compute(*, tenant, partner_ids, since, parameter):
        return {}

    yield "course_certifications"
    unregister("course_certifications")


class TestCreateTier:
    def test_creates_with_benefits_audit_and_event(self, tenant, admin):
        tier = tier_admin.create_tier(
            tenant=tenant,
            actor=admin.user,
            data={
                "name": " Platinum ",
                "rank": "4",
                "discount_percent": "30",
                "mdf_accrual_percent": Decimal("5.5"),
                "lead_priority_weight": "2",
                "has_named_contact": True,
                "benefits_text": "Executive sponsor.",
            },
        )
        tier.refresh_from_db()
        assert (tier.name, tier.rank, tier.discount_percent) == ("Platinum", 4, Decimal("30.00"))
        assert tier.mdf_accrual_percent == Decimal("5.50")
        assert tier.has_named_contact and tier.requirement_mode == "all"
        assert actions(tenant) == ["tier.created"]
        entry = AuditEntry.objects.for_tenant(tenant).get()
        assert entry.changes["discount_percent"] == "30.00"
        assert entry.actor == admin.user
        assert events(tenant) == [{"change": "tier.created", "tier_id": tier.pk}]

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"rank": 1}, "name"),
            ({"name": "X"}, "rank"),
            ({"name": "  ", "rank": 1}, "name"),
            ({"name": "x" * 81, "rank": 1}, "name"),
            ({"name": "X", "rank": -1}, "rank"),
            ({"name": "X", "rank": "two"}, "rank"),
            ({"name": "X", "rank": 40000}, "rank"),
            ({"name": "X", "rank": 1, "discount_percent": "100.01"}, "discount_percent"),
            ({"name": "X", "rank": 1, "discount_percent": "-1"}, "discount_percent"),
            ({"name": "X", "rank": 1, "discount_percent": "abc"}, "discount_percent"),
            ({"name": "X", "rank": 1, "discount_percent": "NaN"}, "discount_percent"),
            ({"name": "X", "rank": 1, "discount_percent": "1.234"}, "discount_percent"),
            ({"name": "X", "rank": 1, "mdf_accrual_percent": "101"}, "mdf_accrual_percent"),
            ({"name": "X", "rank": 1, "lead_priority_weight": "-0.5"}, "lead_priority_weight"),
            ({"name": "X", "rank": 1, "lead_priority_weight": "99999"}, "lead_priority_weight"),
            ({"name": "X", "rank": 1, "has_named_contact": "maybe"}, "has_named_contact"),
            ({"name": "X", "rank": 1, "requirement_mode": "some"}, "requirement_mode"),
            (
                {"name": "X", "rank": 1, "requirement_mode": "at_least", "required_count": 1},
                "required_count",
            ),
            ({"name": "X", "rank": 1, "colour": "gold"}, "colour"),
        ],
    )
    def test_invalid_input_names_the_field(self, tenant, admin, data, field):
        with pytest.raises(ValidationFailed) as error:
            tier_admin.create_tier(tenant=tenant, actor=admin.user, data=data)
        assert field_of(error) == {field}
        assert not Tier.objects.for_tenant(tenant).exists()
        assert events(tenant) == []

    def test_percent_bounds_are_inclusive(self, tenant, admin):
        tier = tier_admin.create_tier(
            tenant=tenant,
            actor=admin.user,
            data={"name": "X", "rank": 1, "discount_percent": "100", "mdf_accrual_percent": 0},
        )
        assert tier.discount_percent == Decimal("100")

    @pytest.mark.parametrize(
        ("data", "field"),
        [({"name": "gold", "rank": 9}, "name"), ({"name": "Gilt", "rank": 3}, "rank")],
    )
    def test_duplicate_name_or_rank_is_a_conflict_naming_the_field(
        self, tenant, admin, gold, data, field
    ):
        with pytest.raises(Conflict) as error:
            tier_admin.create_tier(tenant=tenant, actor=admin.user, data=data)
        assert field_of(error) == {field}

    def test_other_tenants_names_and_ranks_are_free(self, tenant, other_tenant, admin, gold):
        TierFactory(tenant=other_tenant, name="Silver", rank=2)
        tier_admin.create_tier(tenant=tenant, actor=admin.user, data={"name": "Silver", "rank": 2})

    def test_old_partners_services_entry_point_delegates(self, tenant, admin):
        tier = partner_services.create_tier(
            tenant=tenant, actor=admin.user, name="Registered", rank=1, description="Entry"
        )
        assert tier.description == "Entry"
        assert events(tenant) and actions(tenant) == ["tier.created"]


class TestUpdateTier:
    def test_changes_are_audited_as_a_diff(self, tenant, admin, gold):
        tier_admin.update_tier(
            tenant=tenant, actor=admin.user, tier_id=gold.pk, data={"discount_percent": "20"}
        )
        entry = AuditEntry.objects.for_tenant(tenant).get(action="tier.updated")
        assert entry.changes == {"discount_percent": ["0.00", "20.00"]}
        assert len(events(tenant)) == 2

    def test_no_change_writes_nothing(self, tenant, admin, gold):
        tier_admin.update_tier(tenant=tenant, actor=admin.user, tier_id=gold.pk, data={"rank": 3})
        assert actions(tenant) == ["tier.created"]
        assert len(events(tenant)) == 1

    def test_rank_taken_by_another_tier(self, tenant, admin, gold):
        silver = TierFactory(tenant=tenant, name="Silver", rank=2)
        with pytest.raises(Conflict) as error:
            tier_admin.update_tier(
                tenant=tenant, actor=admin.user, tier_id=silver.pk, data={"rank": 3}
            )
        assert field_of(error) == {"rank"}
        assert "Gold" in error.value.message

    def test_at_least_needs_a_count_within_the_requirements(self, tenant, admin, gold):
        for metric_code in ("active_people", "specialisations"):
            tier_admin.add_requirement(
                tenant=tenant,
                actor=admin.user,
                tier_id=gold.pk,
                data={"metric": metric_code, "threshold": 1},
            )
        for count in (None, 0, 3):
            with pytest.raises(ValidationFailed) as error:
                tier_admin.update_tier(
                    tenant=tenant,
                    actor=admin.user,
                    tier_id=gold.pk,
                    data={"requirement_mode": "at_least", "required_count": count},
                )
            assert field_of(error) == {"required_count"}
        tier = tier_admin.update_tier(
            tenant=tenant,
            actor=admin.user,
            tier_id=gold.pk,
            data={"requirement_mode": "at_least", "required_count": 2},
        )
        assert tier.required_count == 2
        tier = tier_admin.update_tier(
            tenant=tenant, actor=admin.user, tier_id=gold.pk, data={"requirement_mode": "all"}
        )
        assert tier.required_count is None

    def test_another_tenants_tier_is_not_found(self, other_tenant, admin, tenant):
        foreign = TierFactory(tenant=other_tenant, name="Gold", rank=3)
        with pytest.raises(NotFound):
            tier_admin.update_tier(
                tenant=tenant, actor=admin.user, tier_id=foreign.pk, data={"name": "Mine"}
            )
        foreign.refresh_from_db()
        assert foreign.name == "Gold"


class TestDeleteTier:
    def test_deletes_an_unused_tier(self, tenant, admin, gold):
        tier_admin.delete_tier(tenant=tenant, actor=admin.user, tier_id=gold.pk)
        assert not Tier.objects.for_tenant(tenant).exists()
        assert "tier.deleted" in actions(tenant)
        assert events(tenant)[-1] == {"change": "tier.deleted", "tier_id": gold.pk}

    @pytest.mark.parametrize("relation", ["tier", "qualified_tier"])
    def test_refused_while_partners_are_at_it(self, tenant, admin, gold, relation):
        PartnerOrganisationFactory(tenant=tenant, **{relation: gold})
        with pytest.raises(Conflict) as error:
            tier_admin.delete_tier(tenant=tenant, actor=admin.user, tier_id=gold.pk)
        assert "Move them to another tier" in error.value.message
        assert Tier.objects.for_tenant(tenant).filter(pk=gold.pk).exists()

    def test_refused_while_an_active_override_targets_it(self, tenant, admin, gold, partner):
        TierOverride.objects.create(
            tenant=tenant,
            partner=partner,
            tier=gold,
            reason="Strategic",
            expires_on=date.today() + timedelta(days=30),
        )
        with pytest.raises(Conflict) as error:
            tier_admin.delete_tier(tenant=tenant, actor=admin.user, tier_id=gold.pk)
        assert "End those overrides" in error.value.message


class TestRequirements:
    def test_add_update_remove_with_audit_and_events(self, tenant, admin, gold):
        requirement = tier_admin.add_requirement(
            tenant=tenant,
            actor=admin.user,
            tier_id=gold.pk,
            data={"metric": "active_people", "comparator": "gte", "threshold": "3"},
        )
        assert requirement.threshold == Decimal("3.00") and requirement.window_days is None
        tier_admin.update_requirement(
            tenant=tenant, actor=admin.user, requirement_id=requirement.pk, data={"threshold": 5}
        )
        requirement.refresh_from_db()
        assert requirement.threshold == Decimal("5")
        tier_admin.remove_requirement(
            tenant=tenant, actor=admin.user, requirement_id=requirement.pk
        )
        assert not TierRequirement.objects.for_tenant(tenant).exists()
        assert actions(tenant)[1:] == [
            "tier.requirement_added",
            "tier.requirement_updated",
            "tier.requirement_removed",
        ]
        assert [event["change"] for event in events(tenant)] == [
            "tier.created",
            "requirement.added",
            "requirement.updated",
            "requirement.removed",
        ]

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"threshold": 1}, "metric"),
            ({"metric": "active_people"}, "threshold"),
            ({"metric": "no_such_metric", "threshold": 1}, "metric"),
            ({"metric": "active_people", "threshold": 1, "comparator": ">="}, "comparator"),
            ({"metric": "active_people", "threshold": "-1"}, "threshold"),
            ({"metric": "active_people", "threshold": "lots"}, "threshold"),
            ({"metric": "active_people", "threshold": "1e30"}, "threshold"),
            ({"metric": "active_people", "threshold": 1, "window_days": 30}, "window_days"),
            ({"metric": "active_people", "threshold": 1, "parameter": "x"}, "parameter"),
            ({"metric": "active_people", "threshold": 1, "tier": 4}, "tier"),
        ],
    )
    def test_invalid_requirement_names_the_field(self, tenant, admin, gold, data, field):
        with pytest.raises(ValidationFailed) as error:
            tier_admin.add_requirement(tenant=tenant, actor=admin.user, tier_id=gold.pk, data=data)
        assert field_of(error) == {field}
        assert not TierRequirement.objects.for_tenant(tenant).exists()

    @pytest.mark.parametrize(
        ("window_days", "valid"), [(0, False), (1, True), (3650, True), (3651, False)]
    )
    def test_window_bounds(self, tenant, admin, gold, window_days, valid, parametrised_metric):
        data = {
            "metric": parametrised_metric,
            "threshold": 1,
            "window_days": window_days,
            "parameter": "course-7",
        }
        if valid:
            tier_admin.add_requirement(tenant=tenant, actor=admin.user, tier_id=gold.pk, data=data)
        else:
            with pytest.raises(ValidationFailed) as error:
                tier_admin.add_requirement(
                    tenant=tenant, actor=admin.user, tier_id=gold.pk, data=data
                )
            assert field_of(error) == {"window_days"}

    def test_parameter_required_when_the_metric_has_one(
        self, tenant, admin, gold, parametrised_metric
    ):
        with pytest.raises(ValidationFailed) as error:
            tier_admin.add_requirement(
                tenant=tenant,
                actor=admin.user,
                tier_id=gold.pk,
                data={"metric": parametrised_metric, "threshold": 1},
            )
        assert field_of(error) == {"parameter"}
        assert "Course" in error.value.message

    def test_update_validates_the_combination(self, tenant, admin, gold, parametrised_metric):
        requirement = tier_admin.add_requirement(
            tenant=tenant,
            actor=admin.user,
            tier_id=gold.pk,
            data={
                "metric": parametrised_metric,
                "threshold": 1,
                "parameter": "c",
                "window_days": 90,
            },
        )
        with pytest.raises(ValidationFailed) as error:
            tier_admin.update_requirement(
                tenant=tenant,
                actor=admin.user,
                requirement_id=requirement.pk,
                data={"metric": "active_people"},
            )
        assert field_of(error) == {"window_days"}

    def test_removing_below_at_least_n_is_a_conflict(self, tenant, admin, gold):
        first, _second = (
            tier_admin.add_requirement(
                tenant=tenant,
                actor=admin.user,
                tier_id=gold.pk,
                data={"metric": code, "threshold": 1},
            )
            for code in ("active_people", "specialisations")
        )
        tier_admin.update_tier(
            tenant=tenant,
            actor=admin.user,
            tier_id=gold.pk,
            data={"requirement_mode": "at_least", "required_count": 2},
        )
        with pytest.raises(Conflict) as error:
            tier_admin.remove_requirement(tenant=tenant, actor=admin.user, requirement_id=first.pk)
        assert field_of(error) == {"required_count"}
        assert TierRequirement.objects.for_tenant(tenant).count() == 2

    def test_another_tenants_requirement_is_not_found(self, tenant, other_tenant, admin):
        foreign_tier = TierFactory(tenant=other_tenant)
        foreign = TierRequirement.objects.create(
            tenant=other_tenant, tier=foreign_tier, metric="active_people", threshold=1
        )
        with pytest.raises(NotFound):
            tier_admin.update_requirement(
                tenant=tenant, actor=admin.user, requirement_id=foreign.pk, data={"threshold": 9}
            )
        with pytest.raises(NotFound):
            tier_admin.remove_requirement(
                tenant=tenant, actor=admin.user, requirement_id=foreign.pk
            )
        with pytest.raises(NotFound):
            tier_admin.add_requirement(
                tenant=tenant,
                actor=admin.user,
                tier_id=foreign_tier.pk,
                data={"metric": "active_people", "threshold": 1},
            )
        foreign.refresh_from_db()
        assert foreign.threshold == 1


class TestProgram:
    def test_creates_then_updates_settings(self, tenant, admin):
        review = timezone.localdate() + timedelta(days=30)
        program = tier_admin.update_program(
            tenant=tenant,
            actor=admin.user,
            data={"grace_period_days": "60", "next_review_on": review.isoformat()},
        )
        assert (program.grace_period_days, program.next_review_on) == (60, review)
        program = tier_admin.update_program(
            tenant=tenant, actor=admin.user, data={"next_review_on": None}
        )
        assert program.next_review_on is None
        assert TierProgram.objects.for_tenant(tenant).count() == 1
        assert actions(tenant) == ["tier.program_updated", "tier.program_updated"]
        assert [event["change"] for event in events(tenant)] == ["program.updated"] * 2

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"grace_period_days": -1}, "grace_period_days"),
            ({"grace_period_days": 731}, "grace_period_days"),
            ({"grace_period_days": "soon"}, "grace_period_days"),
            ({"next_review_on": "2020-01-01"}, "next_review_on"),
            ({"next_review_on": "2026-02-30"}, "next_review_on"),
            ({"next_review_on": "tomorrow"}, "next_review_on"),
            ({"review": "x"}, "review"),
        ],
    )
    def test_invalid_settings_name_the_field(self, tenant, admin, data, field):
        with pytest.raises(ValidationFailed) as error:
            tier_admin.update_program(tenant=tenant, actor=admin.user, data=data)
        assert field_of(error) == {field}

    def test_today_is_a_valid_review_date_and_zero_grace(self, tenant, admin):
        program = tier_admin.update_program(
            tenant=tenant,
            actor=admin.user,
            data={"grace_period_days": 0, "next_review_on": timezone.localdate()},
        )
        assert program.grace_period_days == 0


class TestPlainWords:
    def test_requirement_descriptions(self, tenant, admin, gold, parametrised_metric):
        people = tier_admin.add_requirement(
            tenant=tenant, actor=admin.user, tier_id=gold.pk,
            data={"metric": "active_people", "threshold": 3},
        )  # fmt: skip
        course = tier_admin.add_requirement(
            tenant=tenant, actor=admin.user, tier_id=gold.pk,
            data={"metric": parametrised_metric, "threshold": "2", "comparator": "gt",
                  "parameter": "Zero trust", "window_days": 365},
        )  # fmt: skip
        assert (
            tier_selectors.describe_requirement(people)
            == "People with portal access ≥ 3 (all time)"
        )
        assert (
            tier_selectors.describe_requirement(course)
            == "Certifications of a course (Zero trust) > 2 (last 1 year)"
        )
