"""The tier engine: rule evaluation, movement, overrides, triggers, simulation, progress."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ecosystem.outbox.services import dispatch_pending, emit
from ecosystem.scheduling.models import DueWork
from ecosystem.scheduling.services import process_due
from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import Role
from partners import tiers
from partners.metrics import Unit, metric, unregister
from partners.models import (
    PartnerOrganisation,
    RequirementMode,
    TierChange,
    TierProgram,
    TierRequirement,
)
from tests.partners.factories import PartnerOrganisationFactory, TierFactory

NOW = timezone.now()


@pytest.fixture
def joined_metric():
    """A windowed metric over real rows: people who joined the partner within the window."""

    @metric("people_joined", label="People joined", unit=Unit.COUNT)
    def people_joined(*, tenant, partner_ids, since, parameter):
        members = Membership.objects.for_tenant(tenant).filter(partner_organisation__isnull=False)
        if partner_ids is not None:
            members = members.filter(partner_organisation_id__in=partner_ids)
        if since is not None:
            members = members.filter(created_at__gte=since)
        rows = members.values("partner_organisation_id").annotate(n=Count("id"))
        return {row["partner_organisation_id"]: Decimal(row["n"]) for row in rows}

    yield
    unregister("people_joined")


@pytest.fixture
def ladder(tenant):
    """Registered (open) < Silver (≥ 2 people) < Gold (≥ 3 people)."""
    registered = TierFactory(tenant=tenant, name="Registered", rank=1)
    silver = TierFactory(tenant=tenant, name="Silver", rank=2)
    gold = TierFactory(tenant=tenant, name="Gold", rank=3)
    for tier, threshold in ((silver, 2), (gold, 3)):
        TierRequirement.objects.create(
            tenant=tenant, tier=tier, metric="active_people", threshold=threshold
        )
    TierProgram.objects.create(tenant=tenant, grace_period_days=30)
    return registered, silver, gold


def add_people(partner, count, make_member):
    return [make_member(partner.tenant, Role.PARTNER_SALES, partner) for _ in range(count)]


def reload(partner):
    return PartnerOrganisation.objects.for_tenant(partner.tenant).get(pk=partner.pk)


@pytest.mark.django_db
class TestRules:
    def test_exact_threshold_qualifies(self, tenant, ladder, make_member):
        _, _, gold = ladder
        exactly = PartnerOrganisationFactory(tenant=tenant, tier=None)
        one_short = PartnerOrganisationFactory(tenant=tenant, tier=None)
        add_people(exactly, 3, make_member)
        add_people(one_short, 2, make_member)
        tiers.evaluate_partners(tenant=tenant)
        assert reload(exactly).tier == gold
        assert reload(one_short).tier.name == "Silver"

    def test_empty_metrics_count_as_zero_and_open_tiers_take_everyone(self, tenant, ladder):
        nobody = PartnerOrganisationFactory(tenant=tenant, tier=None)
        tiers.evaluate_partners(tenant=tenant)
        assert reload(nobody).tier.name == "Registered"

    def test_n_of_m(self, tenant, ladder, make_member):
        _, _, gold = ladder
        gold.requirement_mode, gold.required_count = RequirementMode.AT_LEAST, 1
        gold.save()
        TierRequirement.objects.create(
            tenant=tenant, tier=gold, metric="specialisations", threshold=5
        )
        partner = PartnerOrganisationFactory(tenant=tenant, tier=None)
        add_people(partner, 3, make_member)  # 1 of 2 holds: enough with at least 1
        tiers.evaluate_partners(tenant=tenant)
        assert reload(partner).tier == gold
        gold.required_count = 2
        gold.save()
        TierProgram.objects.for_tenant(tenant).update(grace_period_days=0)
        tiers.evaluate_partners(tenant=tenant)
        assert reload(partner).tier.name == "Silver"

    @pytest.mark.parametrize(("age_days", "counted"), [(29, True), (30, True), (31, False)])
    def test_window_boundary(self, tenant, joined_metric, make_member, age_days, counted):
        tier = TierFactory(tenant=tenant, name="Fresh", rank=1)
        TierRequirement.objects.create(
            tenant=tenant, tier=tier, metric="people_joined", threshold=1, window_days=30
        )
        partner = PartnerOrganisationFactory(tenant=tenant, tier=None)
        (member,) = add_people(partner, 1, make_member)
        Membership.objects.for_tenant(tenant).filter(pk=member.pk).update(
            created_at=NOW - timedelta(days=age_days)
        )
        tiers.evaluate_partners(tenant=tenant, now=NOW)
        assert (reload(partner).tier == tier) is counted

    @pytest.mark.parametrize(
        ("comparator", "value", "threshold", "expected"),
        [
            ("gte", 3, 3, True),
            ("gt", 3, 3, False),
            ("lte", 3, 3, True),
            ("lt", 3, 3, False),
            ("eq", 3, 3, True),
            ("eq", 2, 3, False),
        ],
    )
    def test_comparators(self, comparator, value, threshold, expected):
        assert tiers.holds(comparator, Decimal(value), Decimal(threshold)) is expected


@pytest.mark.django_db
class TestMovement:
    def test_promotion_is_immediate_and_recorded(self, tenant, ladder, make_member):
        _, silver, gold = ladder
        partner = PartnerOrganisationFactory(tenant=tenant, tier=silver)
        add_people(partner, 3, make_member)
        summary = tiers.evaluate_partners(tenant=tenant)
        assert summary.changes == {"promotion": 1}
        assert reload(partner).tier == gold
        change = TierChange.objects.for_tenant(tenant).get(partner=partner)
        assert (change.kind, change.from_tier, change.to_tier) == ("promotion", silver, gold)
        assert change.metric_values == {"active_people": "3"}
        gold_results = next(r for r in change.requirement_results if r["tier_id"] == gold.pk)
        assert gold_results["qualifies"] and gold_results["requirements"][0]["passed"]

    def test_demotion_waits_for_the_grace_period_with_a_warning(self, tenant, ladder, make_member):
        _, silver, gold = ladder
        partner = PartnerOrganisationFactory(tenant=tenant, tier=gold)
        add_people(partner, 2, make_member)
        tiers.evaluate_partners(tenant=tenant, now=NOW)
        pending = reload(partner)
        assert pending.tier == gold and pending.qualified_tier == silver
        assert pending.demotion_due_on == timezone.localdate(NOW) + timedelta(days=30)
        assert TierChange.objects.for_tenant(tenant).get().kind == "demotion_pending"
        tiers.evaluate_partners(tenant=tenant, now=NOW + timedelta(days=29))
        assert reload(partner).tier == gold
        tiers.evaluate_partners(tenant=tenant, now=NOW + timedelta(days=30))
        demoted = reload(partner)
        assert demoted.tier == silver and demoted.demotion_due_on is None
        assert list(TierChange.objects.for_tenant(tenant).values_list("kind", flat=True)) == [
            "demotion",
            "demotion_pending",
        ]

    def test_requalifying_cancels_the_pending_demotion(self, tenant, ladder, make_member):
        _, _, gold = ladder
        partner = PartnerOrganisationFactory(tenant=tenant, tier=gold)
        add_people(partner, 2, make_member)
        tiers.evaluate_partners(tenant=tenant, now=NOW)
        add_people(partner, 1, make_member)
        tiers.evaluate_partners(tenant=tenant, now=NOW + timedelta(days=5))
        kept = reload(partner)
        assert kept.tier == gold and kept.demotion_due_on is None
        assert TierChange.objects.for_tenant(tenant).first().kind == "demotion_cancelled"

    def test_review_date_decides_when_set(self, tenant, ladder, make_member):
        _, _, gold = ladder
        review = timezone.localdate(NOW) + timedelta(days=10)
        TierProgram.objects.for_tenant(tenant).update(next_review_on=review)
        partner = PartnerOrganisationFactory(tenant=tenant, tier=gold)
        tiers.evaluate_partners(tenant=tenant, now=NOW)
        assert reload(partner).demotion_due_on == review

    def test_zero_grace_demotes_at_once(self, tenant, ladder):
        _, _, gold = ladder
        TierProgram.objects.for_tenant(tenant).update(grace_period_days=0)
        partner = PartnerOrganisationFactory(tenant=tenant, tier=gold)
        tiers.evaluate_partners(tenant=tenant, now=NOW)
        assert reload(partner).tier.name == "Registered"

    def test_tenants_are_evaluated_separately(self, tenant, other_tenant, ladder):
        foreign = PartnerOrganisationFactory(tenant=other_tenant, tier=None)
        tiers.evaluate_partners(tenant=tenant)
        assert reload(foreign).tier is None and reload(foreign).tier_evaluated_at is None


@pytest.mark.django_db
class TestOverrides:
    def test_override_holds_until_it_expires(self, tenant, ladder, admin):
        registered, _, gold = ladder
        partner = PartnerOrganisationFactory(tenant=tenant, tier=registered)
        expires = timezone.localdate() + timedelta(days=7)
        tiers.set_override(
            tenant=tenant,
            actor=admin.user,
            partner_id=partner.pk,
            tier_id=gold.pk,
            reason="Strategic launch partner",
            expires_on=expires,
        )
        assert reload(partner).tier == gold
        tiers.evaluate_partners(tenant=tenant)
        assert reload(partner).tier == gold  # the rules would say Registered
        tiers.evaluate_partners(tenant=tenant, now=timezone.now() + timedelta(days=8))
        assert reload(partner).tier == registered
        kinds = list(TierChange.objects.for_tenant(tenant).values_list("kind", flat=True))
        assert kinds == ["override_ended", "override"]

    def test_ending_an_override_early(self, tenant, ladder, admin):
        registered, _, gold = ladder
        partner = PartnerOrganisationFactory(tenant=tenant, tier=registered)
        tiers.set_override(
            tenant=tenant,
            actor=admin.user,
            partner_id=partner.pk,
            tier_id=gold.pk,
            reason="Trial",
            expires_on=timezone.localdate() + timedelta(days=30),
        )
        tiers.end_override(tenant=tenant, actor=admin.user, partner_id=partner.pk)
        assert reload(partner).tier == registered
        assert tiers.active_override(tenant=tenant, partner=partner) is None

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"reason": ""}, "reason"),
            ({"expires_on": "yesterday"}, "expires_on"),
            ({"tier_id": 0}, "tier"),
        ],
    )
    def test_override_validation(self, tenant, ladder, admin, changes, field):
        from ecosystem.errors import ValidationFailed

        arguments = {
            "reason": "Why",
            "expires_on": timezone.localdate() + timedelta(days=1),
            "tier_id": ladder[2].pk,
        } | changes
        if arguments["expires_on"] == "yesterday":
            arguments["expires_on"] = timezone.localdate() - timedelta(days=1)
        partner = PartnerOrganisationFactory(tenant=tenant)
        with pytest.raises(ValidationFailed) as error:
            tiers.set_override(tenant=tenant, actor=admin.user, partner_id=partner.pk, **arguments)
        assert field in error.value.as_dict()

    def test_another_tenants_tier_cannot_be_an_override(self, tenant, other_tenant, ladder, admin):
        from ecosystem.errors import ValidationFailed

        foreign_tier = TierFactory(tenant=other_tenant)
        partner = PartnerOrganisationFactory(tenant=tenant)
        with pytest.raises(ValidationFailed):
            tiers.set_override(
                tenant=tenant,
                actor=admin.user,
                partner_id=partner.pk,
                tier_id=foreign_tier.pk,
                reason="x",
                expires_on=timezone.localdate() + timedelta(days=1),
            )


@pytest.mark.django_db
def test_a_burst_of_events_causes_one_evaluation(tenant, ladder, partner, make_member):
    for _ in range(10):
        emit(tenant=tenant, name="membership.created", payload={"partner_id": partner.pk})
    dispatch_pending()
    queued = DueWork.objects.for_tenant(tenant).filter(kind="partners.tier_reevaluation")
    assert queued.count() == 1
    assert process_due(now=timezone.now() + timedelta(minutes=1)) == 1
    assert reload(partner).tier_evaluated_at is not None


@pytest.mark.django_db
def test_rule_changes_queue_one_full_reevaluation(tenant, ladder):
    for _ in range(3):
        emit(tenant=tenant, name="tier.rules_changed")
    dispatch_pending()
    assert (
        DueWork.objects.for_tenant(tenant).filter(kind="partners.tier_full_reevaluation").count()
        == 1
    )


@pytest.mark.django_db
def test_nightly_evaluation_books_the_next_night(tenant, ladder):
    tiers.schedule_nightly_evaluation(tenant=tenant)
    work = DueWork.objects.for_tenant(tenant).get(kind="partners.tier_nightly_evaluation")
    assert process_due(now=work.due_at) == 1
    following = DueWork.objects.for_tenant(tenant).get(
        kind="partners.tier_nightly_evaluation", done_at__isnull=True
    )
    assert following.due_at - work.due_at == timedelta(days=1)


@pytest.mark.django_db
def test_simulation_equals_the_result_of_publishing(tenant, ladder, make_member, admin):
    TierProgram.objects.for_tenant(tenant).update(grace_period_days=0)
    partners = []
    for people in range(5):
        partner = PartnerOrganisationFactory(tenant=tenant, tier=None)
        add_people(partner, people, make_member)
        partners.append(partner)
    tiers.evaluate_partners(tenant=tenant)
    draft = tiers.rules_to_json(tiers.load_rules(tenant=tenant))
    for tier in draft["tiers"]:
        for requirement in tier["requirements"]:
            requirement["threshold"] = str(Decimal(requirement["threshold"]) + 1)
    rules = tiers.rules_from_json(tenant=tenant, data=draft)
    simulation = tiers.simulate(tenant=tenant, rules=rules)
    predicted = {m["partner"]["id"]: m["tier_after"]["id"] for m in simulation["moves"]}
    assert simulation["counts"]["down"] == len(predicted) == 2
    tiers.publish_rules(tenant=tenant, actor=admin.user, rules=rules)
    for partner in partners:
        expected = predicted.get(partner.pk, reload(partner).tier_id)
        assert reload(partner).tier_id == expected


@pytest.mark.django_db
def test_draft_validation_names_the_place(tenant, ladder):
    from ecosystem.errors import ValidationFailed

    draft = tiers.rules_to_json(tiers.load_rules(tenant=tenant))
    draft["tiers"][1]["requirements"][0]["metric"] = "nope"
    draft["tiers"][2]["requirement_mode"] = "at_least"
    draft["tiers"][2]["required_count"] = 5
    with pytest.raises(ValidationFailed) as error:
        tiers.rules_from_json(tenant=tenant, data=draft)
    assert set(error.value.as_dict()) == {"tiers[1].requirements[0]", "tiers[2].required_count"}


@pytest.mark.django_db
def test_progress_in_plain_words(tenant, ladder, make_member):
    partner = PartnerOrganisationFactory(tenant=tenant, tier=None)
    add_people(partner, 1, make_member)
    tiers.evaluate_partners(tenant=tenant)
    progress = tiers.progress_for(tenant=tenant, partner=reload(partner))
    assert progress["tier"].name == "Registered"
    assert progress["next_tier"].name == "Silver"
    assert progress["summary"] == "1 more people with portal access to reach Silver."
    (requirement,) = progress["requirements"]
    assert requirement["value"] == 1 and requirement["threshold"] == 2
    assert not requirement["passed"]


@pytest.mark.django_db
def test_full_evaluation_query_count_does_not_grow_with_partners(tenant, ladder, make_member):
    from django.db import connection

    def queries_for(n):
        PartnerOrganisationFactory.create_batch(n, tenant=tenant, tier=None)
        with CaptureQueriesContext(connection) as captured:
            tiers.evaluate_partners(tenant=tenant)
        return len(captured)

    small = queries_for(10)
    PartnerOrganisation.objects.for_tenant(tenant).update(tier=None, qualified_tier=None)
    large = queries_for(90)
    assert large == small
    assert small <= 15


@pytest.mark.django_db
def test_one_partner_after_an_event_is_a_handful_of_queries(
    tenant, ladder, partner, django_assert_max_num_queries
):
    with django_assert_max_num_queries(14):
        tiers.evaluate_partner(tenant=tenant, partner_id=partner.pk)


@pytest.mark.django_db
def test_tier_changes_notify_the_partner_admins_and_the_channel_manager(
    tenant, ladder, partner, partner_admin, channel_manager, django_capture_on_commit_callbacks
):
    from django.core import mail

    from ecosystem.notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        tiers.evaluate_partners(tenant=tenant)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_pending()
    notified = set(
        Notification.objects.for_tenant(tenant).values_list("recipient__email", flat=True)
    )
    assert notified == {partner_admin.user.email, channel_manager.user.email}
    assert "moved up to Registered" in Notification.objects.for_tenant(tenant).first().title
    assert {m.to[0] for m in mail.outbox} >= notified
    dispatch_pending()  # a second run notifies nobody again
    assert Notification.objects.for_tenant(tenant).count() == 2
