"""Partner surveys: satisfaction (1–5), NPS (0–10) and a comment, sent to the partner's
administrators after onboarding and every quarter, answered once within 30 days.

Sending is idempotent (one invitation per person per occasion key); answering locks the
invitation, so a second answer is a 409, as is an answer after it expired. An answer emits
`survey.answered`, which re-evaluates the partner's tier (partners.listeners).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.audit.services import record
from ecosystem.errors import Conflict, NotFound, ValidationFailed
from ecosystem.notifications.services import notify
from ecosystem.outbox.services import emit
from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import Role
from partners.models import PartnerOrganisation

from .models.sequences import SurveyInvitation, SurveyOccasion
from .sequences_services import STOPPING_STATUSES, schedule_quarterly_survey

ANSWER_WINDOW = timedelta(days=30)
MAX_COMMENT_LENGTH = 5_000


def survey_url(invitation: SurveyInvitation) -> str:
    return f"/surveys/{invitation.pk}/"


@transaction.atomic
def send_surveys(
    *, tenant, partner_id: int, occasion: str, occasion_key: str, now: datetime | None = None
) -> list[SurveyInvitation]:
    """Invite each active administrator of the partner to the survey of this occasion (once
    per person and occasion key). Returns the invitations made now."""
    if occasion not in SurveyOccasion.values:
        raise ValidationFailed(_("Unknown survey occasion."), field="occasion")
    partner = PartnerOrganisation.objects.for_tenant(tenant).filter(pk=partner_id).first()
    if partner is None or partner.status in STOPPING_STATUSES:
        return []
    now = now or timezone.now()
    admins = list(
        Membership.objects.for_tenant(tenant)
        .filter(
            partner_organisation=partner,
            role=Role.PARTNER_ADMIN,
            is_active=True,
            user__is_active=True,
        )
        .exclude(survey_invitations__occasion_key=occasion_key)
        .select_related("user")
    )
    invitations = SurveyInvitation.objects.bulk_create(
        [
            SurveyInvitation(
                tenant=tenant,
                partner=partner,
                membership=membership,
                occasion=occasion,
                occasion_key=occasion_key,
                sent_at=now,
                expires_at=now + ANSWER_WINDOW,
            )
            for membership in admins
        ]
    )
    for invitation, membership in zip(invitations, admins, strict=True):
        notify(
            tenant=tenant,
            recipients=[membership.user],
            kind="survey.invited",
            title=_("How is the %(program)s partner program working for you?")
            % {"program": tenant.name},
            body=_(
                "Two questions and a comment, about a minute. The survey is open until %(date)s."
            )
            % {"date": timezone.localdate(invitation.expires_at).isoformat()},
            url=survey_url(invitation),
        )
    if invitations:
        record(
            tenant=tenant,
            actor=None,
            action="survey.sent",
            obj=partner,
            changes={"occasion": occasion_key, "invitations": len(invitations)},
        )
    return invitations


def send_quarterly_survey(*, tenant, partner_id: int, due_at: datetime) -> bool:
    """The quarterly survey for a partner still in the program, then the next quarter's is
    booked. A suspended or offboarded partner gets none and the series ends."""
    partner = PartnerOrganisation.objects.for_tenant(tenant).filter(pk=partner_id).first()
    if partner is None or partner.status in STOPPING_STATUSES:
        return False
    send_surveys(
        tenant=tenant,
        partner_id=partner_id,
        occasion=SurveyOccasion.QUARTERLY,
        occasion_key=f"quarterly:{due_at.date().isoformat()}",
        now=max(timezone.now(), due_at),
    )
    schedule_quarterly_survey(tenant=tenant, partner_id=partner_id, after=due_at)
    return True


def _score(data: Mapping[str, Any], field: str, low: int, high: int) -> int:
    value = data.get(field)
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        raise ValidationFailed(
            _("Choose a whole number from %(low)s to %(high)s.") % {"low": low, "high": high},
            field=field,
        )
    return number


@transaction.atomic
def answer_survey(
    *,
    tenant,
    actor: Membership,
    invitation_id: int,
    data: Mapping[str, Any],
    now: datetime | None = None,
) -> SurveyInvitation:
    """Record the person's answer to their own invitation: once (409 after that), before it
    expires (409 after that). Another person's invitation is NotFound."""
    now = now or timezone.now()
    invitation = (
        SurveyInvitation.objects.for_tenant(tenant)
        .select_for_update()
        .filter(pk=invitation_id, membership=actor)
        .first()
    )
    if invitation is None:
        raise NotFound(_("No such survey."))
    if invitation.answered_at is not None:
        raise Conflict(_("You have answered this survey already; thank you."))
    if invitation.expires_at <= now:
        raise Conflict(
            _("This survey closed on %(date)s.") % {"date": invitation.expires_at.date()}
        )
    errors: dict[str, list[str]] = {}
    scores: dict[str, int] = {}
    for field, low, high in (("satisfaction", 1, 5), ("nps", 0, 10)):
        try:
            scores[field] = _score(data, field, low, high)
        except ValidationFailed as error:
            errors[field] = [error.message]
    comment = str(data.get("comment") or "").strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        errors["comment"] = [
            _("Keep the comment under %(n)s characters.") % {"n": MAX_COMMENT_LENGTH}
        ]
    if errors:
        raise ValidationFailed(errors=errors)
    invitation.satisfaction = scores["satisfaction"]
    invitation.nps = scores["nps"]
    invitation.comment = comment
    invitation.answered_at = now
    invitation.save(update_fields=["satisfaction", "nps", "comment", "answered_at"])
    record(
        tenant=tenant,
        actor=actor.user,
        action="survey.answered",
        obj=invitation,
        changes={"satisfaction": invitation.satisfaction, "nps": invitation.nps},
    )
    emit(
        tenant=tenant,
        name="survey.answered",
        obj=invitation,
        payload={
            "partner_id": invitation.partner_id,
            "invitation_id": invitation.pk,
            "occasion": invitation.occasion,
            "satisfaction": invitation.satisfaction,
            "nps": invitation.nps,
        },
    )
    return invitation
