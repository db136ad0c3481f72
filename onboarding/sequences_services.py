"""The welcome sequence: the tenant's steps, starting a partner on them, sending each step
once when it is due, stopping when the partner leaves; and the first-deal nudge (the
co-selling guide, once per partner).

Every write takes the tenant and the acting member (a Membership; None for the system: the
listeners and the due-work handlers) explicitly, runs in one transaction and writes its
audit entry and outbox event. A partner's run:

    start ──▶ one StepRun per active step, due at start + day_offset (a due-work row each)
    due   ──▶ condition holds: sent (email and/or in-portal task) · condition fails: skipped
    partner suspended or offboarded ──▶ every upcoming run cancelled

Tenant text never goes through the Django template engine: `{{ field }}` placeholders from
a small whitelist are replaced by HTML-escaped values (onboarding.contracts_merge's way).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecosystem.audit.services import record
from ecosystem.dates import add_months
from ecosystem.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from ecosystem.notifications.selectors import partner_admins
from ecosystem.notifications.services import notify
from ecosystem.outbox.services import emit
from ecosystem.portal.selectors import tenant_zone
from ecosystem.richtext import sanitise_html
from ecosystem.scheduling.services import cancel, schedule
from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import has_capability
from partners.models import PartnerOrganisation, PartnerStatus, PartnerType

from .contracts_merge import PLACEHOLDER
from .models.sequences import (
    MAX_DAY_OFFSET,
    FirstDealNudge,
    SequenceEnrolment,
    SequenceSettings,
    StepChannel,
    StepCondition,
    StepRun,
    StepRunStatus,
    WelcomeStep,
)

STEP_WORK = "onboarding.welcome_step"
QUARTERLY_SURVEY_WORK = "onboarding.quarterly_survey"
STOPPING_STATUSES = (PartnerStatus.SUSPENDED, PartnerStatus.OFFBOARDED)
MAX_BODY_LENGTH = 50_000

MERGE_FIELDS: dict[str, Any] = {
    "partner_name": gettext_lazy("The partner organisation's name"),
    "first_name": gettext_lazy("The recipient's first name"),
    "program_name": gettext_lazy("Your partner program's name"),
}
DEFAULT_COSELLING_SUBJECT = gettext_lazy("Your first deal is in: how we sell together")
DEFAULT_COSELLING_BODY = gettext_lazy(
    "<p>Hi {{ first_name }},</p>"
    "<p>Congratulations: {{ partner_name }} has registered its first deal with "
    "{{ program_name }}. Here is how co-selling works from here:</p>"
    "<ol><li><strong>Protection.</strong> An approved registration protects the opportunity "
    "for you for the period our rules of engagement state.</li>"
    "<li><strong>Your channel manager</strong> joins the account plan and brings in our "
    "sales engineers for demos and proofs of concept.</li>"
    "<li><strong>Keep the deal current</strong> in the portal: stage, amount and close date "
    "decide forecast, protection and your tier progress.</li>"
    "<li><strong>Ask for help early</strong>: pricing exceptions and market development "
    "funds go through your channel manager.</li></ol>"
    "<p>Good selling!</p>"
)


# --- checks and small helpers ----------------------------------------------------------------


def require_editor(actor: Membership | None) -> None:
    """Refuse (403) an actor without sequences.manage; None is the system and may."""
    if actor is not None and not has_capability(actor.role, "sequences.manage"):
        raise NotAllowed(_("Only administrators, channel and marketing managers do this."))


def _user(actor: Membership | None):
    return actor.user if actor is not None else None


def placeholders(text: str) -> list[str]:
    return list(dict.fromkeys(match.group(1) for match in PLACEHOLDER.finditer(text or "")))


def _check_fields(text: str, field: str) -> None:
    unknown = [name for name in placeholders(text) if name not in MERGE_FIELDS]
    if unknown:
        raise ValidationFailed(
            _("Unknown merge fields: %(names)s. Use only: %(allowed)s.")
            % {
                "names": ", ".join(f"{{{{ {name} }}}}" for name in unknown),
                "allowed": ", ".join(f"{{{{ {name} }}}}" for name in MERGE_FIELDS),
            },
            field=field,
        )


def clean_subject(value: Any, field: str = "subject") -> str:
    subject = " ".join(str(value or "").split())
    if not subject:
        raise ValidationFailed(_("Write a subject."), field=field)
    if len(subject) > 200:
        raise ValidationFailed(_("Keep the subject under 200 characters."), field=field)
    _check_fields(subject, field)
    return subject


def clean_body(value: Any, field: str = "body") -> str:
    """Rich text ready to store: known merge fields only, sanitised HTML (plain text is kept
    as paragraphs)."""
    body = str(value or "").strip()
    if not body:
        raise ValidationFailed(_("Write the message."), field=field)
    if len(body) > MAX_BODY_LENGTH:
        raise ValidationFailed(
            _("Keep the message under %(limit)s characters.") % {"limit": MAX_BODY_LENGTH},
            field=field,
        )
    _check_fields(body, field)
    if "<" not in body:  # plain text: paragraphs and line breaks, escaped
        body = "".join(
            "<p>" + "<br>".join(html.escape(line) for line in part.splitlines()) + "</p>"
            for part in re.split(r"\n\s*\n", body)
        )
    cleaned = sanitise_html(body)
    if not strip_tags(cleaned).strip():
        raise ValidationFailed(
            _("The message has nothing left once unsafe HTML is removed."), field=field
        )
    return cleaned


def merge(text: str, values: Mapping[str, str], *, escape: bool = True) -> str:
    """Placeholders replaced by their values (HTML-escaped for bodies, plain for subjects)."""

    def replace(match: re.Match) -> str:
        value = str(values.get(match.group(1), ""))
        return html.escape(value) if escape else value

    merged = PLACEHOLDER.sub(replace, text)
    return sanitise_html(merged) if escape else merged


def as_plain_text(body_html: str) -> str:
    """The message for an email's text part and the notification's body."""
    text = re.sub(r"(?i)<br\s*/?>", "\n", body_html)
    text = re.sub(r"(?i)</(p|li|h[1-6]|div|tr|blockquote)>", "\n", text)
    text = re.sub(r"(?i)<li>", "• ", text)
    text = html.unescape(strip_tags(text))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def merge_values(*, tenant, partner, user=None) -> dict[str, str]:
    first_name = user.get_short_name() if user is not None else ""
    return {
        "partner_name": partner.name,
        "first_name": first_name or str(_("there")),
        "program_name": tenant.name,
    }


# --- steps -----------------------------------------------------------------------------------


def _clean_variants(raw: Any) -> dict[str, dict[str, str]]:
    if raw in (None, ""):
        return {}
    if not isinstance(raw, Mapping):
        raise ValidationFailed(
            _("Give variants as {partner type: {subject, body}}."), field="variants"
        )
    variants: dict[str, dict[str, str]] = {}
    for partner_type, content in raw.items():
        if partner_type not in PartnerType.values:
            raise ValidationFailed(
                _("Unknown partner type “%(type)s”; use one of: %(types)s.")
                % {"type": partner_type, "types": ", ".join(PartnerType.values)},
                field="variants",
            )
        if not isinstance(content, Mapping):
            raise ValidationFailed(_("Each variant needs a subject and a body."), field="variants")
        if not (content.get("subject") or content.get("body")):
            continue  # an empty variant means "use the default"
        variants[partner_type] = {
            "subject": clean_subject(content.get("subject"), field="variants"),
            "body": clean_body(content.get("body"), field="variants"),
        }
    return variants


def clean_step(data: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Validated step fields, every problem named by its field (400)."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}

    def check(field: str, cleaner) -> None:
        if field in data or not partial:
            try:
                values[field] = cleaner(data.get(field))
            except ValidationFailed as error:
                errors[field] = [error.message]

    def name(value):
        text = " ".join(str(value or "").split())
        if not text:
            raise ValidationFailed(_("Name the step (staff see it in timelines)."))
        if len(text) > 120:
            raise ValidationFailed(_("Keep the name under 120 characters."))
        return text

    def offset(value):
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = -1
        if not 0 <= number <= MAX_DAY_OFFSET:
            raise ValidationFailed(
                _("Enter a day from 0 (the start) to %(max)s.") % {"max": MAX_DAY_OFFSET}
            )
        return number

    def choice(choices, message):
        def clean(value):
            value = "" if value is None else str(value)
            if value not in choices:
                raise ValidationFailed(message)
            return value

        return clean

    check("name", name)
    check("day_offset", offset)
    check(
        "channel",
        choice(StepChannel.values, _("Choose email, in-portal task or both.")),
    )
    check("subject", clean_subject)
    check("body", clean_body)
    check(
        "condition",
        choice(StepCondition.values, _("Choose one of the listed conditions, or always.")),
    )
    check("variants", _clean_variants)
    if "is_active" in data:
        values["is_active"] = bool(data["is_active"])
    if errors:
        raise ValidationFailed(errors=errors)
    return values


@transaction.atomic
def create_step(*, tenant, actor: Membership | None, data: Mapping[str, Any]) -> WelcomeStep:
    """A new step of the welcome sequence. Partners already on the sequence get it too when
    its day is still ahead of them."""
    require_editor(actor)
    values = clean_step({"condition": "", "variants": {}, **data})
    step = WelcomeStep.objects.create(tenant=tenant, **values)
    record(
        tenant=tenant,
        actor=_user(actor),
        action="welcome_step.created",
        obj=step,
        changes={k: v for k, v in values.items() if k != "body"},
    )
    if step.is_active:
        _add_to_running(tenant, step)
    return step


def _add_to_running(tenant, step: WelcomeStep) -> None:
    now = timezone.now()
    running = SequenceEnrolment.objects.for_tenant(tenant).filter(stopped_at__isnull=True)
    existing = set(
        StepRun.objects.for_tenant(tenant).filter(step=step).values_list("enrolment_id", flat=True)
    )
    for enrolment in running:
        due_at = enrolment.started_at + timedelta(days=step.day_offset)
        if enrolment.pk not in existing and due_at > now:
            _schedule_run(tenant, enrolment, step, due_at)


@transaction.atomic
def update_step(
    *, tenant, actor: Membership | None, step_id: int, data: Mapping[str, Any]
) -> WelcomeStep:
    """Change a step. Upcoming runs use the new text when they fire; a new day moves them;
    retiring a step (is_active false) skips its upcoming runs when they come due."""
    require_editor(actor)
    step = WelcomeStep.objects.for_tenant(tenant).select_for_update().filter(pk=step_id).first()
    if step is None:
        raise NotFound(_("No such step."))
    values = clean_step(data, partial=True)
    changes = {
        field: [getattr(step, field), value]
        for field, value in values.items()
        if getattr(step, field) != value and field != "body"
    }
    if "body" in values and values["body"] != step.body:
        changes["body"] = ["…", "edited"]
    for field, value in values.items():
        setattr(step, field, value)
    step.save()
    if "day_offset" in changes:
        for run in (
            StepRun.objects.for_tenant(tenant)
            .filter(step=step, status=StepRunStatus.SCHEDULED)
            .select_related("enrolment")
        ):
            run.due_at = run.enrolment.started_at + timedelta(days=step.day_offset)
            run.save(update_fields=["due_at"])
            _book(tenant, run)
    record(
        tenant=tenant, actor=_user(actor), action="welcome_step.updated", obj=step, changes=changes
    )
    return step


def content_for(step: WelcomeStep, partner_type: str) -> tuple[str, str]:
    """(subject, body) of the step for a partner type: its variant, else the default."""
    variant = (step.variants or {}).get(partner_type) or {}
    return variant.get("subject") or step.subject, variant.get("body") or step.body


# --- starting and stopping -------------------------------------------------------------------


def _book(tenant, run: StepRun) -> None:
    schedule(
        tenant=tenant,
        kind=STEP_WORK,
        key=f"step_run:{run.pk}",
        due_at=run.due_at,
        payload={"step_run_id": run.pk},
    )


def _schedule_run(tenant, enrolment, step, due_at) -> StepRun:
    run = StepRun.objects.create(tenant=tenant, enrolment=enrolment, step=step, due_at=due_at)
    _book(tenant, run)
    return run


def _locked_partner(tenant, partner_id) -> PartnerOrganisation:
    partner = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .select_for_update()
        .filter(pk=partner_id)
        .first()
    )
    if partner is None:
        raise NotFound(_("No such partner."))
    return partner


@transaction.atomic
def start_sequence(
    *,
    tenant,
    actor: Membership | None,
    partner_id: int,
    source: str = SequenceEnrolment.Source.STAFF,
    now: datetime | None = None,
) -> tuple[SequenceEnrolment, bool]:
    """Start the partner on the welcome sequence (and its quarterly surveys). Idempotent: a
    partner already started keeps its run (returns it with False). A suspended or offboarded
    partner is refused (409)."""
    require_editor(actor)
    partner = _locked_partner(tenant, partner_id)
    existing = SequenceEnrolment.objects.for_tenant(tenant).filter(partner=partner).first()
    if existing is not None:
        return existing, False
    if partner.status in STOPPING_STATUSES:
        raise Conflict(_("This partner is suspended or offboarded; reactivate it first."))
    now = now or timezone.now()
    enrolment = SequenceEnrolment.objects.create(
        tenant=tenant, partner=partner, source=source, started_at=now, started_by=_user(actor)
    )
    steps = list(WelcomeStep.objects.for_tenant(tenant).filter(is_active=True))
    for step in steps:
        _schedule_run(tenant, enrolment, step, now + timedelta(days=step.day_offset))
    schedule_quarterly_survey(tenant=tenant, partner_id=partner.pk, after=now)
    record(
        tenant=tenant,
        actor=_user(actor),
        action="welcome_sequence.started",
        obj=partner,
        changes={"source": source, "steps": len(steps)},
    )
    emit(
        tenant=tenant,
        name="welcome_sequence.started",
        obj=enrolment,
        payload={"partner_id": partner.pk, "enrolment_id": enrolment.pk, "steps": len(steps)},
    )
    return enrolment, True


def schedule_quarterly_survey(*, tenant, partner_id: int, after: datetime) -> None:
    """Book the partner's next quarterly survey three months after `after`. Each quarter has
    its own key (the handler books the next one while its own row is still open); a partner
    that has left when one comes due gets no survey and the series ends there."""
    due_at = quarter_after(tenant, after)
    schedule(
        tenant=tenant,
        kind=QUARTERLY_SURVEY_WORK,
        key=f"partner:{partner_id}:{due_at.date().isoformat()}",
        due_at=due_at,
        payload={"partner_id": partner_id},
    )


def quarter_after(tenant, moment: datetime) -> datetime:
    """The same local time three calendar months later (the next quarterly survey)."""
    local = timezone.localtime(moment, tenant_zone(tenant))
    day = add_months(local.date(), 3)
    return local.replace(year=day.year, month=day.month, day=day.day)


@transaction.atomic
def stop_sequence(*, tenant, actor: Membership | None, partner_id: int, reason: str) -> int:
    """Cancel every upcoming step of the partner; returns how many were cancelled.
    Idempotent. (Its quarterly survey, when it comes due, finds the partner gone and ends.)"""
    require_editor(actor)
    now = timezone.now()
    enrolment = (
        SequenceEnrolment.objects.for_tenant(tenant)
        .select_for_update()
        .filter(partner_id=partner_id)
        .first()
    )
    if enrolment is None:
        return 0
    pending = list(
        StepRun.objects.for_tenant(tenant).filter(
            enrolment=enrolment, status=StepRunStatus.SCHEDULED
        )
    )
    for run in pending:
        cancel(tenant=tenant, kind=STEP_WORK, key=f"step_run:{run.pk}")
    StepRun.objects.for_tenant(tenant).filter(pk__in=[run.pk for run in pending]).update(
        status=StepRunStatus.CANCELLED, processed_at=now, detail=reason[:200]
    )
    if enrolment.stopped_at is None:
        enrolment.stopped_at = now
        enrolment.stop_reason = reason[:200]
        enrolment.save(update_fields=["stopped_at", "stop_reason"])
        record(
            tenant=tenant,
            actor=_user(actor),
            action="welcome_sequence.stopped",
            obj=enrolment.partner,
            changes={"reason": reason, "cancelled_steps": len(pending)},
        )
        emit(
            tenant=tenant,
            name="welcome_sequence.stopped",
            obj=enrolment,
            payload={"partner_id": partner_id, "cancelled_steps": len(pending)},
        )
    return len(pending)


# --- running a step --------------------------------------------------------------------------


def condition_holds(*, tenant, partner, condition: str) -> bool:
    """Whether a step's condition is true for the partner now (the conditions the product
    can check: deal registrations, certifications, signed agreements and the checklist)."""
    if condition == StepCondition.NO_DEAL:
        return deals_registered(tenant, partner.pk) == 0
    if condition == StepCondition.NO_CERTIFICATION:
        from .training_selectors import certified_individuals_per_partner

        counts = certified_individuals_per_partner(tenant=tenant, partner_ids=[partner.pk])
        return counts.get(partner.pk, 0) == 0
    if condition == StepCondition.NO_SIGNED_AGREEMENT:
        from .contracts_selectors import signed_template_ids

        return not signed_template_ids(tenant=tenant, partner=partner)
    if condition == StepCondition.CHECKLIST_OPEN:
        from .checklists_selectors import checklist_of_partner

        checklist = checklist_of_partner(tenant=tenant, partner_id=partner.pk)
        return checklist is not None and checklist.completed_at is None
    return True


def deals_registered(tenant, partner_id: int, *, before_deal_id: int | None = None) -> int:
    """How many deals the partner has registered (any status), or before the given one."""
    from dealreg.models import Deal

    deals = Deal.objects.for_tenant(tenant).filter(partner_id=partner_id)
    if before_deal_id is not None:
        deals = deals.filter(pk__lt=before_deal_id)
    return deals.count()


def message_url(run: StepRun) -> str:
    return f"/welcome/messages/{run.pk}/"


def _deliver(tenant, *, partner, subject: str, body: str, kind: str, url: str, email: bool):
    """One notification per partner admin (their first name merged into the text)."""
    recipients = partner_admins(tenant=tenant, partner=partner)
    for user in recipients:
        values = merge_values(tenant=tenant, partner=partner, user=user)
        notify(
            tenant=tenant,
            recipients=[user],
            kind=kind,
            title=merge(subject, values, escape=False),
            body=as_plain_text(merge(body, values)),
            url=url,
            send_email=email,
        )
    return recipients


@transaction.atomic
def run_step(*, tenant, step_run_id: int, now: datetime | None = None) -> str:
    """Send one due step to the partner's administrators, or record it skipped when its
    condition is false (or the step was retired). Fires once: a run that is no longer
    upcoming is left alone. Returns the run's status."""
    now = now or timezone.now()
    run = (
        StepRun.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .select_related("step", "enrolment__partner")
        .filter(pk=step_run_id)
        .first()
    )
    if run is None:
        raise NotFound(_("No such step."))
    if run.status != StepRunStatus.SCHEDULED:
        return run.status
    partner, step = run.enrolment.partner, run.step
    detail = ""
    if partner.status in STOPPING_STATUSES:
        status, detail = StepRunStatus.CANCELLED, _("The partner is no longer in the program.")
    elif not step.is_active:
        status, detail = StepRunStatus.SKIPPED, _("The step was retired.")
    elif not condition_holds(tenant=tenant, partner=partner, condition=step.condition):
        status, detail = StepRunStatus.SKIPPED, str(step.get_condition_display())
    else:
        status = StepRunStatus.SENT
        subject, body = content_for(step, partner.partner_type)
        values = merge_values(tenant=tenant, partner=partner)
        run.subject = merge(subject, values, escape=False)
        run.body = merge(body, values)
        recipients = _deliver(
            tenant,
            partner=partner,
            subject=subject,
            body=body,
            kind="welcome.task" if step.channel != StepChannel.EMAIL else "welcome.email",
            url=message_url(run),
            email=step.channel != StepChannel.TASK,
        )
        detail = _("To %(n)s administrator(s).") % {"n": len(recipients)}
    run.status, run.processed_at, run.detail = status, now, str(detail)[:200]
    run.save(update_fields=["status", "processed_at", "detail", "subject", "body"])
    record(
        tenant=tenant,
        actor=None,
        action=f"welcome_step.{status}",
        obj=partner,
        changes={"step": step.name, "day_offset": step.day_offset, "detail": run.detail},
    )
    emit(
        tenant=tenant,
        name=f"welcome_step.{status}",
        obj=run,
        payload={"partner_id": partner.pk, "step_id": step.pk, "step_run_id": run.pk},
    )
    return status


# --- the first-deal nudge --------------------------------------------------------------------


def current_settings(tenant) -> SequenceSettings:
    """The tenant's settings, or the defaults (unsaved) until someone edits them."""
    found = SequenceSettings.objects.for_tenant(tenant).first()
    return found or SequenceSettings(
        tenant=tenant,
        coselling_subject=str(DEFAULT_COSELLING_SUBJECT),
        coselling_body=str(DEFAULT_COSELLING_BODY),
    )


@transaction.atomic
def update_settings(*, tenant, actor: Membership | None, data: Mapping[str, Any]):
    """Change the co-selling guide (subject and rich-text body with merge fields)."""
    require_editor(actor)
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for field, cleaner in (("coselling_subject", clean_subject), ("coselling_body", clean_body)):
        try:
            values[field] = cleaner(data.get(field), field=field)
        except ValidationFailed as error:
            errors[field] = [error.message]
    if errors:
        raise ValidationFailed(errors=errors)
    settings, _created = SequenceSettings.objects.for_tenant(tenant).update_or_create(
        tenant=tenant, defaults=values
    )
    record(
        tenant=tenant,
        actor=_user(actor),
        action="sequence_settings.updated",
        obj=settings,
        changes={"coselling_subject": values["coselling_subject"]},
    )
    return settings


def send_first_deal_nudge(*, tenant, partner_id: int, deal_id: int) -> bool:
    """Send the co-selling guide to the partner's administrators on its first deal
    registration, once per partner (a re-delivered event or a later deal sends nothing).
    Returns whether it was sent."""
    partner = PartnerOrganisation.objects.for_tenant(tenant).filter(pk=partner_id).first()
    if partner is None or deals_registered(tenant, partner_id, before_deal_id=deal_id) > 0:
        return False  # not its first deal (registered before this feature, say)
    try:
        with transaction.atomic():
            nudge = FirstDealNudge.objects.create(
                tenant=tenant, partner=partner, deal_id=deal_id, sent_at=timezone.now()
            )
            guide = current_settings(tenant)
            recipients = _deliver(
                tenant,
                partner=partner,
                subject=guide.coselling_subject,
                body=guide.coselling_body,
                kind="welcome.coselling_guide",
                url=f"/deals/{deal_id}/",
                email=True,
            )
            record(
                tenant=tenant,
                actor=None,
                action="first_deal_nudge.sent",
                obj=partner,
                changes={"deal_id": deal_id, "recipients": len(recipients)},
            )
            emit(
                tenant=tenant,
                name="first_deal_nudge.sent",
                obj=nudge,
                payload={"partner_id": partner_id, "deal_id": deal_id},
            )
    except IntegrityError:  # another delivery sent it a moment ago
        return False
    return True
