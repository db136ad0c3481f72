"""The demo program's welcome sequence and surveys (used by seed_demo): six steps over 90
days, partners started at different times (so timelines show steps sent, skipped, upcoming
and, for a partner that left, cancelled), a custom co-selling guide, and survey answers with
a spread of scores and comments. Everything goes through the services at earlier times
(`now=`), then the due-work processor closes what has come due.

Northwind Systems (the partner the README names) is 40 days in, answered its onboarding
survey and has this quarter's survey open.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from ecosystem.scheduling.services import process_due
from ecosystem.tenancy.roles import Role
from partners.models import PartnerStatus

from . import sequences_services, surveys_services
from .models.sequences import StepRun, StepRunStatus, SurveyInvitation, SurveyOccasion

STEPS = [
    {
        "name": "Welcome to the program",
        "day_offset": 0,
        "channel": "both",
        "subject": "Welcome to {{ program_name }}, {{ first_name }}",
        "body": (
            "<p>Hi {{ first_name }},</p><p>Welcome aboard: {{ partner_name }} is now part of "
            "{{ program_name }}. Over the next 90 days we will help you get certified, sign "
            "your agreement and register your first deal.</p><ul><li>Your channel manager "
            "will call you this week.</li><li>The portal holds your training, agreements "
            "and deals.</li></ul>"
        ),
        "variants": {
            "msp": {
                "subject": "Welcome, {{ first_name }}: your managed-services start",
                "body": (
                    "<p>Hi {{ first_name }},</p><p>Welcome to {{ program_name }}. As a "
                    "managed service provider, start with the <strong>MSP operations "
                    "track</strong> in Training: it unlocks the MSP price book.</p>"
                ),
            }
        },
    },
    {
        "name": "Sign the partner agreement",
        "day_offset": 3,
        "channel": "task",
        "condition": "no_signed_agreement",
        "subject": "Sign the {{ program_name }} partner agreement",
        "body": (
            "<p>{{ partner_name }}'s partner agreement is waiting in Agreements. Signing it "
            "takes two minutes and unlocks deal protection.</p>"
        ),
    },
    {
        "name": "Get your first certification",
        "day_offset": 10,
        "channel": "both",
        "condition": "no_certification",
        "subject": "{{ first_name }}, get your team certified",
        "body": (
            "<p>Certified partners win more: the Sales Foundations course takes about an "
            "hour and counts towards your next tier.</p>"
        ),
    },
    {
        "name": "Register your first deal",
        "day_offset": 21,
        "channel": "email",
        "condition": "no_deal",
        "subject": "Register your first opportunity with {{ program_name }}",
        "body": (
            "<p>Registering early protects the opportunity for you. Open Deals, choose "
            "“Register a deal” and we will review it within two working days.</p>"
        ),
    },
    {
        "name": "45-day check-in",
        "day_offset": 45,
        "channel": "task",
        "subject": "Your 45-day check-in with {{ program_name }}",
        "body": (
            "<p>Book 30 minutes with your channel manager to review pipeline, training and "
            "marketing plans for {{ partner_name }}.</p>"
        ),
    },
    {
        "name": "90 days in: what's next",
        "day_offset": 90,
        "channel": "email",
        "subject": "90 days with {{ program_name }}: your next steps",
        "body": (
            "<p>Congratulations on your first quarter, {{ first_name }}. Next: joint "
            "business planning, market development funds and your path to the next tier.</p>"
        ),
    },
]
# Days since each demo partner started (by position in seed_demo's partner list).
STARTED_DAYS_AGO = [40, 5, 33, 63, 95, 48, 120, 75, 2, 150]
COMMENTS = [
    "Deal registration approvals are quick; thank you.",
    "MDF claims take too long to be paid.",
    "Training is excellent, the certification exam felt too long.",
    "We would like more co-marketing campaigns in our region.",
    "Our channel manager is very responsive.",
    "",
    "Lead quality has improved this quarter.",
    "The portal is hard to use on a phone.",
]
SCORES = [(5, 10), (2, 4), (4, 8), (3, 6), (5, 9), (4, 9), (4, 7), (1, 2)]


def seed_sequences(*, tenant, staff, partners, rng: random.Random) -> None:
    """Steps, runs and surveys. `partners` are (plan, organisation, partner admin) as
    seed_demo made them; the first is Northwind."""
    marketing = staff.get(Role.MARKETING_MANAGER) or staff[Role.ADMIN]
    for step in STEPS:
        sequences_services.create_step(tenant=tenant, actor=marketing, data=step)
    sequences_services.update_settings(
        tenant=tenant,
        actor=staff[Role.CHANNEL_MANAGER],
        data={
            "coselling_subject": str(sequences_services.DEFAULT_COSELLING_SUBJECT),
            "coselling_body": str(sequences_services.DEFAULT_COSELLING_BODY)
            + "<p>Your channel manager will reach out within one working day.</p>",
        },
    )
    now = timezone.now()
    # Applicants are not on it yet; suspended and offboarded partners have left.
    admitted = [
        partner
        for _plan, partner, _admin in partners
        if partner.status in (PartnerStatus.ONBOARDING, PartnerStatus.ACTIVE)
    ]
    for index, partner in enumerate(admitted[: len(STARTED_DAYS_AGO)]):
        started = now - timedelta(days=STARTED_DAYS_AGO[index], hours=rng.randint(0, 8))
        sequences_services.start_sequence(
            tenant=tenant, actor=staff[Role.CHANNEL_MANAGER], partner_id=partner.pk, now=started
        )
        # Each due step fires at its own time, as the beat would have run it.
        for run in StepRun.objects.for_tenant(tenant).filter(
            enrolment__partner=partner, status=StepRunStatus.SCHEDULED, due_at__lte=now
        ):
            sequences_services.run_step(
                tenant=tenant, step_run_id=run.pk, now=run.due_at + timedelta(minutes=3)
            )
        _surveys(tenant, partner, index, started, now)
    # A partner that left part-way: its upcoming steps are cancelled.
    if len(admitted) > 5:
        sequences_services.stop_sequence(
            tenant=tenant,
            actor=staff[Role.CHANNEL_MANAGER],
            partner_id=admitted[5].pk,
            reason="Partner suspended: overdue compliance review",
        )
    # Close the due-work rows of what already happened (the handlers find it done).
    process_due(now=now)


def _surveys(tenant, partner, index, started, now) -> None:
    """The onboarding survey 30 days in (answered by most), and for partners in longer than
    a quarter, the quarterly one; Northwind's current one stays open."""
    if partner.status == PartnerStatus.APPLICANT or (now - started).days < 30:
        return
    sent = started + timedelta(days=30)
    invitations = surveys_services.send_surveys(
        tenant=tenant,
        partner_id=partner.pk,
        occasion=SurveyOccasion.ONBOARDING,
        occasion_key="onboarding",
        now=sent,
    )
    if index == 3:
        return  # one partner never answered: the response rate shows it
    _answer_all(tenant, invitations, index, sent + timedelta(days=2))
    quarter = sequences_services.quarter_after(tenant, started)
    if quarter < now - timedelta(days=2):
        # What the quarterly due work sends (it finds these when it runs and books the next).
        surveys_services.send_quarterly_survey(tenant=tenant, partner_id=partner.pk, due_at=quarter)
        quarterly = SurveyInvitation.objects.for_tenant(tenant).filter(
            partner=partner, occasion_key=f"quarterly:{quarter.date().isoformat()}"
        )
        _answer_all(tenant, list(quarterly), index + 3, quarter + timedelta(days=1))
    if index == 0:
        surveys_services.send_surveys(
            tenant=tenant,
            partner_id=partner.pk,
            occasion=SurveyOccasion.QUARTERLY,
            occasion_key=f"quarterly:{(now - timedelta(days=3)).date().isoformat()}",
            now=now - timedelta(days=3),
        )


def _answer_all(tenant, invitations, index, when) -> None:
    satisfaction, nps = SCORES[index % len(SCORES)]
    for invitation in invitations:
        surveys_services.answer_survey(
            tenant=tenant,
            actor=invitation.membership,
            invitation_id=invitation.pk,
            data={
                "satisfaction": satisfaction,
                "nps": nps,
                "comment": COMMENTS[index % len(COMMENTS)],
            },
            now=when,
        )
