"""Welcome-sequence and survey test data, made through the services."""

from __future__ import annotations

from onboarding import sequences_services, surveys_services
from onboarding.models import SurveyOccasion


def step_data(**overrides) -> dict:
    data = {
        "name": "Welcome",
        "day_offset": 0,
        "channel": "both",
        "subject": "Welcome to {{ program_name }}, {{ first_name }}",
        "body": "<p>Hello {{ first_name }}, {{ partner_name }} is in.</p>",
        "condition": "",
        "variants": {},
    }
    data.update(overrides)
    return data


def make_step(*, tenant, actor, **overrides):
    return sequences_services.create_step(tenant=tenant, actor=actor, data=step_data(**overrides))


def invite(*, tenant, partner, key="onboarding", occasion=SurveyOccasion.ONBOARDING, now=None):
    return surveys_services.send_surveys(
        tenant=tenant, partner_id=partner.pk, occasion=occasion, occasion_key=key, now=now
    )


def answer(*, tenant, actor, invitation, satisfaction=4, nps=9, comment="", now=None):
    return surveys_services.answer_survey(
        tenant=tenant,
        actor=actor,
        invitation_id=invitation.pk,
        data={"satisfaction": satisfaction, "nps": nps, "comment": comment},
        now=now,
    )
