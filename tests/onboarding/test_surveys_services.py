"""Surveys through their services: invitations after onboarding and every quarter, answer
validation (range, once, expiry), the results (average, NPS, response rate), the tier metric
and the re-evaluation `survey.answered` asks for."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from ecosystem.errors import Conflict, NotFound, ValidationFailed
from ecosystem.outbox.models import OutboxEvent
from ecosystem.outbox.services import dispatch_pending, emit
from ecosystem.scheduling.models import DueWork
from ecosystem.scheduling.services import process_due
from ecosystem.tenancy.roles import Role
from onboarding import sequences_services, surveys_selectors
from onboarding.models import SurveyInvitation
from partners import services as partner_services
from partners.metrics import get_metric
from partners.models import PartnerStatus
from tests.onboarding.sequences_factories import answer, invite
from tests.partners.factories import PartnerOrganisationFactory

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 4, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def invitation(tenant, partner, partner_admin):
    (made,) = invite(tenant=tenant, partner=partner, now=NOW)
    return made


def test_onboarding_completed_invites_the_partner_admins_once(
    tenant, partner, partner_admin, partner_sales
):
    emit(
        tenant=tenant, name="onboarding.completed", obj=partner, payload={"partner_id": partner.pk}
    )
    emit(
        tenant=tenant, name="onboarding.completed", obj=partner, payload={"partner_id": partner.pk}
    )
    dispatch_pending()
    invitations = SurveyInvitation.objects.for_tenant(tenant)
    assert [i.membership for i in invitations] == [partner_admin]
    assert invitations[0].expires_at - invitations[0].sent_at == datetime.timedelta(days=30)


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"satisfaction": 0, "nps": 5}, {"satisfaction"}),
        ({"satisfaction": 6, "nps": 5}, {"satisfaction"}),
        ({"satisfaction": 3, "nps": 11}, {"nps"}),
        ({"satisfaction": 3, "nps": -1}, {"nps"}),
        ({"satisfaction": "great", "nps": None}, {"satisfaction", "nps"}),
        ({"satisfaction": True, "nps": 3}, {"satisfaction"}),
        ({"satisfaction": 3, "nps": 3, "comment": "x" * 5001}, {"comment"}),
    ],
)
def test_answers_out_of_range_are_refused(tenant, partner_admin, invitation, data, fields):
    from onboarding import surveys_services

    with pytest.raises(ValidationFailed) as caught:
        surveys_services.answer_survey(
            tenant=tenant, actor=partner_admin, invitation_id=invitation.pk, data=data, now=NOW
        )
    assert set(caught.value.as_dict()) == fields
    invitation.refresh_from_db()
    assert invitation.answered_at is None


def test_an_invitation_is_answered_once_and_not_after_it_expires(
    tenant, partner, partner_admin, invitation
):
    answer(
        tenant=tenant, actor=partner_admin, invitation=invitation, satisfaction=5, nps=10, now=NOW
    )
    with pytest.raises(Conflict):
        answer(tenant=tenant, actor=partner_admin, invitation=invitation, now=NOW)
    (later,) = invite(tenant=tenant, partner=partner, key="quarterly:2026-07-01", now=NOW)
    with pytest.raises(Conflict):
        answer(
            tenant=tenant,
            actor=partner_admin,
            invitation=later,
            now=NOW + datetime.timedelta(days=30, seconds=1),
        )
    event = OutboxEvent.objects.for_tenant(tenant).get(name="survey.answered")
    assert event.payload["partner_id"] == partner.pk and event.payload["nps"] == 10


def test_only_the_invited_person_answers(tenant, partner, make_member, invitation):
    colleague = make_member(tenant, Role.PARTNER_ADMIN, partner, email="other@northwind.example")
    with pytest.raises(NotFound):
        answer(tenant=tenant, actor=colleague, invitation=invitation, now=NOW)


def test_results_average_nps_and_response_rate(tenant, make_member):
    partner = PartnerOrganisationFactory(tenant=tenant)
    people = [make_member(tenant, Role.PARTNER_ADMIN, partner) for _ in range(6)]
    invitations = invite(tenant=tenant, partner=partner, now=NOW)
    by_person = {i.membership_id: i for i in invitations}
    # NPS answers: 10, 9 promoters; 8, 7 passives; 3 detractor; one person does not answer.
    for person, (satisfaction, nps) in zip(
        people, [(5, 10), (4, 9), (4, 8), (3, 7), (1, 3)], strict=False
    ):
        answer(
            tenant=tenant,
            actor=person,
            invitation=by_person[person.pk],
            satisfaction=satisfaction,
            nps=nps,
            comment="Slow MDF approvals" if nps == 3 else "",
            now=NOW,
        )
    results = surveys_selectors.results(tenant=tenant)
    assert results.invitations == 6 and results.responses == 5
    assert results.response_rate == 83
    assert results.average_satisfaction == Decimal("3.40")
    assert (results.promoters, results.passives, results.detractors) == (2, 2, 1)
    assert results.nps == 20  # 40 % promoters minus 20 % detractors
    assert [c.comment for c in results.comments] == ["Slow MDF approvals"]
    assert results.trend[0]["responses"] == 5
    row = surveys_selectors.results_by_partner(tenant=tenant).get()
    assert (row.invitation_count, row.response_count, row.promoters, row.detractors) == (6, 5, 2, 1)


def test_the_average_satisfaction_metric(tenant, make_member, other_tenant):
    metric = get_metric("average_satisfaction")
    assert metric is not None
    happy, unhappy, silent = (PartnerOrganisationFactory(tenant=tenant) for _ in range(3))
    old_time = NOW - datetime.timedelta(days=400)
    for partner, scores, when in (
        (happy, [5, 4], NOW),
        (unhappy, [2], NOW),
        (unhappy, [5], old_time),  # outside the default 365-day window
    ):
        for score in scores:
            person = make_member(tenant, Role.PARTNER_ADMIN, partner)
            (made,) = [
                i
                for i in invite(tenant=tenant, partner=partner, key=f"k{when:%Y}", now=when)
                if i.membership_id == person.pk
            ]
            answer(tenant=tenant, actor=person, invitation=made, satisfaction=score, now=when)
    foreign = PartnerOrganisationFactory(tenant=other_tenant)
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        values = metric.values(tenant=tenant)
        assert values == {happy.pk: Decimal("4.50"), unhappy.pk: Decimal("2.00")}
        assert metric.values(tenant=tenant, since=NOW - datetime.timedelta(days=500))[
            unhappy.pk
        ] == Decimal("3.50")
        assert metric.values(tenant=tenant, partner_ids=[silent.pk, foreign.pk]) == {}
        from partners.models import PartnerOrganisation

        rows = dict(
            PartnerOrganisation.objects.for_tenant(tenant)
            .annotate(value=metric.per_partner(tenant=tenant, since=None))
            .values_list("pk", "value")
        )
    assert rows == {happy.pk: Decimal("4.50"), unhappy.pk: Decimal("2.00"), silent.pk: 0}


def test_an_answer_asks_for_the_partners_tier_reevaluation(
    tenant, partner, partner_admin, invitation
):
    answer(tenant=tenant, actor=partner_admin, invitation=invitation, now=NOW)
    dispatch_pending()
    assert (
        DueWork.objects.for_tenant(tenant)
        .filter(
            kind="partners.tier_reevaluation", key=f"partner:{partner.pk}", done_at__isnull=True
        )
        .exists()
    )


def test_quarterly_surveys_repeat_until_the_partner_leaves(
    tenant, admin, partner, partner_admin, django_capture_on_commit_callbacks
):
    start = datetime.datetime(2026, 1, 15, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        sequences_services.start_sequence(tenant=tenant, actor=admin, partner_id=partner.pk)

    def run(moment):
        with time_machine.travel(moment, tick=False):
            for _ in range(2):
                process_due()
                dispatch_pending()

    run(datetime.datetime(2026, 4, 15, 8, 0, tzinfo=datetime.UTC))
    assert SurveyInvitation.objects.for_tenant(tenant).count() == 0
    run(datetime.datetime(2026, 4, 15, 9, 30, tzinfo=datetime.UTC))
    run(datetime.datetime(2026, 7, 15, 9, 30, tzinfo=datetime.UTC))
    keys = list(
        SurveyInvitation.objects.for_tenant(tenant)
        .order_by("sent_at")
        .values_list("occasion_key", flat=True)
    )
    assert keys == ["quarterly:2026-04-15", "quarterly:2026-07-15"]
    with time_machine.travel(datetime.datetime(2026, 8, 1, tzinfo=datetime.UTC), tick=False):
        partner_services.change_partner_status(
            tenant=tenant,
            actor=admin.user,
            partner_id=partner.pk,
            to_status=PartnerStatus.SUSPENDED,
            reason="Unpaid invoices",
        )
        dispatch_pending()
    run(datetime.datetime(2026, 10, 16, tzinfo=datetime.UTC))
    assert SurveyInvitation.objects.for_tenant(tenant).count() == 2
