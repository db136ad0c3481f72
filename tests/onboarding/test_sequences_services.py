"""The welcome sequence through its services and the due-work processor: step validation,
start on `application.approved` (once), each step fired once, conditions, cancelling when
the partner leaves, and the first-deal nudge."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from ecosystem.errors import ValidationFailed
from ecosystem.notifications.models import Notification
from ecosystem.outbox.models import OutboxEvent
from ecosystem.outbox.services import dispatch_pending
from ecosystem.scheduling.models import DueWork
from ecosystem.scheduling.services import process_due
from onboarding import application_services, sequences_selectors, sequences_services
from onboarding.models import FirstDealNudge, SequenceEnrolment, StepRun, StepRunStatus
from partners import services as partner_services
from partners.models import PartnerStatus
from tests.dealreg.factories import DealFactory
from tests.onboarding.factories import submit
from tests.onboarding.sequences_factories import make_step

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def run_at(django_capture_on_commit_callbacks):
    """run_at(moment): the due-work processor and the outbox dispatcher, three times over at
    that moment, with emails sent as on commit."""

    def run(moment, times=3):
        with time_machine.travel(moment, tick=False):
            for _ in range(times):
                with django_capture_on_commit_callbacks(execute=True):
                    process_due()
                    dispatch_pending()

    return run


def start(tenant, admin, partner):
    with time_machine.travel(START, tick=False):
        enrolment, _ = sequences_services.start_sequence(
            tenant=tenant, actor=admin, partner_id=partner.pk
        )
    return enrolment


def runs(tenant, partner):
    return {
        run.step.name: run.status
        for run in sequences_selectors.timeline(tenant=tenant, partner=partner)
    }


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"day_offset": 91}, "day_offset"),
        ({"day_offset": -1}, "day_offset"),
        ({"day_offset": "soon"}, "day_offset"),
        ({"channel": "sms"}, "channel"),
        ({"condition": "if_sunny"}, "condition"),
        ({"subject": ""}, "subject"),
        ({"body": "Hi {{ partner_secret }}"}, "body"),
        ({"subject": "Hi {{ user.password }}"}, "subject"),
        ({"body": "<script>alert(1)</script>"}, "body"),
        ({"variants": {"martian": {"subject": "x", "body": "y"}}}, "variants"),
        ({"variants": {"msp": {"subject": "x", "body": "{{ settings }}"}}}, "variants"),
    ],
)
def test_bad_steps_are_refused_naming_the_field(tenant, admin, overrides, field):
    with pytest.raises(ValidationFailed) as caught:
        make_step(tenant=tenant, actor=admin, **overrides)
    assert field in caught.value.as_dict()


def test_the_body_is_sanitised_and_plain_text_becomes_paragraphs(tenant, admin):
    step = make_step(
        tenant=tenant,
        actor=admin,
        body=(
            '<p onclick="x()">Hi {{ first_name }}</p><script>steal()</script>'
            '<a href="javascript:x">l</a>'
        ),
    )
    assert "onclick" not in step.body and "script" not in step.body
    assert "javascript" not in step.body and "{{ first_name }}" in step.body
    plain = make_step(tenant=tenant, actor=admin, body="Hi there\nfriend\n\nSecond & last")
    assert plain.body == "<p>Hi there<br>friend</p><p>Second &amp; last</p>"


def test_day_zero_and_ninety_are_allowed(tenant, admin):
    assert make_step(tenant=tenant, actor=admin, day_offset=0).day_offset == 0
    assert make_step(tenant=tenant, actor=admin, day_offset=90).day_offset == 90


# --- starting --------------------------------------------------------------------------------


def test_application_approved_starts_the_sequence_once(tenant, admin):
    make_step(tenant=tenant, actor=admin, name="Welcome", day_offset=0)
    make_step(tenant=tenant, actor=admin, name="Check-in", day_offset=14)
    application = submit(tenant)
    application_services.approve_application(
        tenant=tenant, actor=admin.user, application_id=application.pk
    )
    dispatch_pending()
    enrolment = SequenceEnrolment.objects.for_tenant(tenant).get(partner=application.partner)
    assert enrolment.source == SequenceEnrolment.Source.APPLICATION
    assert runs(tenant, application.partner) == {
        "Welcome": StepRunStatus.SCHEDULED,
        "Check-in": StepRunStatus.SCHEDULED,
    }
    # A re-delivered event (the listener running again) starts nothing new.
    event = OutboxEvent.objects.for_tenant(tenant).get(name="application.approved")
    from onboarding.sequences_listeners import start_welcome_sequence

    start_welcome_sequence(event)
    assert StepRun.objects.for_tenant(tenant).count() == 2
    assert SequenceEnrolment.objects.for_tenant(tenant).count() == 1
    assert DueWork.objects.for_tenant(tenant).filter(kind=sequences_services.STEP_WORK).count() == 2


def test_staff_start_is_idempotent_and_refused_for_offboarded_partners(
    tenant, admin, partner, other_partner
):
    make_step(tenant=tenant, actor=admin)
    first = start(tenant, admin, partner)
    again, created = sequences_services.start_sequence(
        tenant=tenant, actor=admin, partner_id=partner.pk
    )
    assert again == first and created is False
    partner_services.change_partner_status(
        tenant=tenant,
        actor=admin.user,
        partner_id=other_partner.pk,
        to_status=PartnerStatus.OFFBOARDED,
        reason="Left",
    )
    from ecosystem.errors import Conflict

    with pytest.raises(Conflict):
        sequences_services.start_sequence(tenant=tenant, actor=admin, partner_id=other_partner.pk)


def test_only_sequence_editors_start_or_edit(tenant, partner, partner_admin, make_member):
    from ecosystem.errors import NotAllowed
    from ecosystem.tenancy.roles import Role

    finance = make_member(tenant, Role.FINANCE)
    for actor in (partner_admin, finance):
        with pytest.raises(NotAllowed):
            sequences_services.start_sequence(tenant=tenant, actor=actor, partner_id=partner.pk)
        with pytest.raises(NotAllowed):
            make_step(tenant=tenant, actor=actor)
    marketing = make_member(tenant, Role.MARKETING_MANAGER)
    assert make_step(tenant=tenant, actor=marketing).pk


# --- firing ----------------------------------------------------------------------------------


def test_each_step_fires_once_on_its_day_to_the_partner_admins(
    run_at, tenant, admin, partner, partner_admin, partner_sales
):
    partner_admin.user.full_name = "Sam Reyes"
    partner_admin.user.save()
    make_step(tenant=tenant, actor=admin, name="Welcome", day_offset=0, channel="email")
    make_step(
        tenant=tenant,
        actor=admin,
        name="Portal tour",
        day_offset=7,
        channel="task",
        subject="Tour for {{ partner_name }}",
    )
    start(tenant, admin, partner)
    run_at(START + datetime.timedelta(minutes=1))
    assert runs(tenant, partner) == {"Welcome": "sent", "Portal tour": "scheduled"}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [partner_admin.user.email]
    assert "Welcome to Acme Corp, Sam" in mail.outbox[0].subject
    assert "Hello Sam, Northwind Systems is in." in mail.outbox[0].body

    run_at(START + datetime.timedelta(days=6, hours=23))
    assert runs(tenant, partner)["Portal tour"] == "scheduled"
    run_at(START + datetime.timedelta(days=7, minutes=1))
    run_at(START + datetime.timedelta(days=8))
    assert runs(tenant, partner)["Portal tour"] == "sent"
    assert len(mail.outbox) == 1  # the task is in the portal only
    tasks = Notification.objects.for_tenant(tenant).filter(kind="welcome.task")
    assert [n.recipient for n in tasks] == [partner_admin.user]
    assert tasks[0].title == "Tour for Northwind Systems"
    run = StepRun.objects.for_tenant(tenant).get(step__name="Portal tour")
    assert tasks[0].url == f"/welcome/messages/{run.pk}/"
    assert Notification.objects.for_tenant(tenant).filter(recipient=partner_sales.user).count() == 0


def test_running_a_step_twice_sends_nothing_more(run_at, tenant, admin, partner, partner_admin):
    make_step(tenant=tenant, actor=admin)
    start(tenant, admin, partner)
    run = StepRun.objects.for_tenant(tenant).get()
    with time_machine.travel(START, tick=False):
        assert sequences_services.run_step(tenant=tenant, step_run_id=run.pk) == "sent"
        assert sequences_services.run_step(tenant=tenant, step_run_id=run.pk) == "sent"
    run_at(START + datetime.timedelta(hours=1))
    assert Notification.objects.for_tenant(tenant).filter(kind="welcome.task").count() == 1


def test_the_variant_for_the_partner_type_is_sent(run_at, tenant, admin, partner, partner_admin):
    partner.partner_type = "msp"
    partner.save()
    make_step(
        tenant=tenant,
        actor=admin,
        variants={"msp": {"subject": "Managed services kit", "body": "<p>For MSPs</p>"}},
    )
    start(tenant, admin, partner)
    run_at(START + datetime.timedelta(minutes=1))
    assert mail.outbox[0].subject.endswith("Managed services kit")
    assert "For MSPs" in mail.outbox[0].body


def test_a_false_condition_is_recorded_skipped(run_at, tenant, admin, partner, partner_admin):
    make_step(tenant=tenant, actor=admin, name="Register a deal", day_offset=3, condition="no_deal")
    make_step(
        tenant=tenant, actor=admin, name="Get certified", day_offset=3, condition="no_certification"
    )
    start(tenant, admin, partner)
    DealFactory(tenant=tenant, partner=partner)
    run_at(START + datetime.timedelta(days=3, minutes=1))
    assert runs(tenant, partner) == {"Register a deal": "skipped", "Get certified": "sent"}
    skipped = StepRun.objects.for_tenant(tenant).get(step__name="Register a deal")
    assert skipped.detail == "Only if no deal is registered yet"
    assert len(mail.outbox) == 1


def test_the_checklist_condition_follows_the_partners_checklist(tenant, admin, partner):
    from onboarding import checklists_services
    from tests.onboarding.checklists_factories import make_checklist_template

    assert not sequences_services.condition_holds(
        tenant=tenant, partner=partner, condition="checklist_open"
    )
    make_checklist_template(
        tenant=tenant, actor=admin, partner_type=partner.partner_type,
        tasks=[{"title": "Reference call", "kind": "manual"}],
    )  # fmt: skip
    checklist = checklists_services.start_checklist(
        tenant=tenant, actor=admin, partner_id=partner.pk
    )
    assert sequences_services.condition_holds(
        tenant=tenant, partner=partner, condition="checklist_open"
    )
    checklists_services.confirm_task(
        tenant=tenant, actor=admin, task_id=checklist.tasks.get().pk, note="Done"
    )
    assert not sequences_services.condition_holds(
        tenant=tenant, partner=partner, condition="checklist_open"
    )


def test_offboarding_cancels_the_upcoming_steps(run_at, tenant, admin, partner, partner_admin):
    make_step(tenant=tenant, actor=admin, name="Welcome", day_offset=0)
    make_step(tenant=tenant, actor=admin, name="Month one", day_offset=30)
    start(tenant, admin, partner)
    run_at(START + datetime.timedelta(minutes=1))
    with time_machine.travel(START + datetime.timedelta(days=2), tick=False):
        partner_services.change_partner_status(
            tenant=tenant,
            actor=admin.user,
            partner_id=partner.pk,
            to_status=PartnerStatus.OFFBOARDED,
            reason="Contract ended",
        )
        dispatch_pending()
    assert runs(tenant, partner) == {"Welcome": "sent", "Month one": "cancelled"}
    run_at(START + datetime.timedelta(days=31))
    assert runs(tenant, partner)["Month one"] == "cancelled"
    assert len(mail.outbox) == 1
    enrolment = SequenceEnrolment.objects.for_tenant(tenant).get()
    assert enrolment.stopped_at is not None and "offboarded" in enrolment.stop_reason


def test_a_step_added_later_reaches_partners_already_running(tenant, admin, partner, partner_admin):
    start(tenant, admin, partner)
    with time_machine.travel(START + datetime.timedelta(days=1), tick=False):
        make_step(tenant=tenant, actor=admin, name="Late", day_offset=10)
        make_step(tenant=tenant, actor=admin, name="Past", day_offset=0)
    assert runs(tenant, partner) == {"Late": "scheduled"}


# --- first-deal nudge ------------------------------------------------------------------------


def test_the_first_deal_sends_the_coselling_guide_once(
    tenant, admin, partner, partner_admin, partner_sales
):
    from decimal import Decimal

    from dealreg import services as deal_services

    for index in range(2):
        data = {
            "customer_name": f"Customer {index} Inc.",
            "customer_domain": f"customer{index}.com",
            "customer_country": "US",
            "title": "Data platform",
            "amount": Decimal("48000.00"),
            "currency": "USD",
            "expected_close_date": timezone.localdate() + datetime.timedelta(days=60),
        }
        deal_services.register_deal(tenant=tenant, actor=partner_sales, data=data)
    dispatch_pending()
    guides = Notification.objects.for_tenant(tenant).filter(kind="welcome.coselling_guide")
    assert [n.recipient for n in guides] == [partner_admin.user]
    assert guides[0].title == "Your first deal is in: how we sell together"
    assert FirstDealNudge.objects.for_tenant(tenant).count() == 1
    # A re-delivery of the first event sends nothing more.
    first = OutboxEvent.objects.for_tenant(tenant).filter(name="deal.registered").first()
    assert not sequences_services.send_first_deal_nudge(
        tenant=tenant, partner_id=partner.pk, deal_id=first.payload["deal_id"]
    )
    assert guides.count() == 1


def test_the_guide_text_is_a_tenant_setting(tenant, admin, partner, partner_admin):
    sequences_services.update_settings(
        tenant=tenant,
        actor=admin,
        data={"coselling_subject": "Co-sell with {{ program_name }}", "coselling_body": "Call us."},
    )
    deal = DealFactory(tenant=tenant, partner=partner)
    assert sequences_services.send_first_deal_nudge(
        tenant=tenant, partner_id=partner.pk, deal_id=deal.pk
    )
    note = Notification.objects.for_tenant(tenant).get(kind="welcome.coselling_guide")
    assert note.title == "Co-sell with Acme Corp" and note.body == "Call us."
    with pytest.raises(ValidationFailed) as caught:
        sequences_services.update_settings(
            tenant=tenant, actor=admin, data={"coselling_subject": "", "coselling_body": "{{ x }}"}
        )
    assert set(caught.value.as_dict()) == {"coselling_subject", "coselling_body"}


def test_time_to_first_deal_counts_from_onboarding(tenant, admin):
    from decimal import Decimal

    from tests.partners.factories import PartnerOrganisationFactory

    def at(day):
        return time_machine.travel(datetime.datetime(2026, *day, tzinfo=datetime.UTC), tick=False)

    with at((3, 1)):
        applicant = PartnerOrganisationFactory(tenant=tenant, status=PartnerStatus.APPLICANT)
        direct = PartnerOrganisationFactory(tenant=tenant)
        idle = PartnerOrganisationFactory(tenant=tenant)
    with at((3, 11)):
        partner_services.change_partner_status(
            tenant=tenant,
            actor=admin.user,
            partner_id=applicant.pk,
            to_status=PartnerStatus.ONBOARDING,
            reason="",
        )
    with at((4, 10)):
        DealFactory(tenant=tenant, partner=applicant)
        DealFactory(tenant=tenant, partner=direct)
    with at((5, 10)):
        DealFactory(tenant=tenant, partner=applicant)
    days = sequences_selectors.time_to_first_deal(tenant=tenant)
    assert days == {applicant.pk: Decimal("30.0"), direct.pk: Decimal("40.0")}
    assert idle.pk not in days
    assert sequences_selectors.average_days_to_first_deal(tenant=tenant) == Decimal("35.0")
