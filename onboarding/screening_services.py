"""Due diligence: restricted-party lists, screening, hits and compliance reviews.

A list is uploaded as CSV (ecosystem.csv_uploads), previewed with its row errors, then
activated whole: the active list is replaced (kept, inactive) and every partner in the
program is re-screened. An application is screened when it is submitted
(`application.submitted`): its company and contact against the list, the contact's email
domain against the website, and the fields its partner type must give. Partners are
re-screened on the tenant's schedule and when the list is replaced; a hit never seen before
for that partner and list entry opens a compliance review for its channel manager.
Screening never decides anything: a flag informs a reviewer, who clears or confirms the
hit; confirming may suspend the partner, when the reviewer asks for it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from ecosystem.audit.services import record
from ecosystem.csv_uploads import parse_csv_rows, read_csv_text
from ecosystem.errors import Conflict, NotFound, ValidationFailed
from ecosystem.notifications.selectors import channel_managers_for
from ecosystem.notifications.services import notify
from ecosystem.outbox.services import emit, emit_many
from ecosystem.scheduling import services as scheduling
from ecosystem.tenancy.models import Membership
from partners import services as partner_services
from partners.models import PartnerOrganisation, PartnerStatus, PartnerType

from . import screening_matching as screening
from .models import (
    CheckKind,
    CheckStatus,
    ComplianceReview,
    HitDisposition,
    ListStatus,
    PartnerApplication,
    PartyType,
    RestrictedParty,
    RestrictedPartyList,
    ReviewStatus,
    ScreeningCheck,
    ScreeningHit,
    ScreeningRun,
    ScreeningSettings,
    Trigger,
)

COLUMNS = ["name", "aliases", "country", "type", "source", "reference"]
REQUIRED_COLUMNS = ["name"]
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
MAX_STORED_ERRORS = 500
# Partners screened again on the schedule and when the list changes: everyone in the
# program or applying to it.
RESCREENED_STATUSES = (PartnerStatus.APPLICANT, PartnerStatus.ONBOARDING, PartnerStatus.ACTIVE)
RESCREEN_BATCH = 500
RESCREEN_WORK = "screening.rescreen"
RESCREEN_KEY = "partners"
# Application fields a partner type can be required to fill in (the application has no tax
# id; these are what it holds besides the always-required ones).
REQUIRABLE_FIELDS = {
    "contact_phone": _("contact phone"),
    "contact_title": _("contact's job title"),
    "description": _("description of the business"),
    "certifications": _("certifications"),
    "specialisations": _("specialisations"),
}
DEFAULT_REQUIRED_FIELDS = {
    PartnerType.VAR: ["contact_phone", "description"],
    PartnerType.MSP: ["contact_phone", "description"],
    PartnerType.MSSP: ["contact_phone", "description"],
}


# --- settings ---------------------------------------------------------------------------------


def settings_for(tenant) -> ScreeningSettings:
    """The tenant's screening settings (created with the defaults on first use)."""
    found, _created = ScreeningSettings.objects.for_tenant(tenant).get_or_create(
        tenant=tenant,
        defaults={"required_fields": {str(k): v for k, v in DEFAULT_REQUIRED_FIELDS.items()}},
    )
    return found


def _locked_settings(tenant) -> ScreeningSettings:
    # Locking the settings row serialises the screening of one tenant, so two runs never
    # record the same new hit twice.
    settings_for(tenant)
    return ScreeningSettings.objects.for_tenant(tenant).select_for_update().get()


def _clean_required_fields(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ValidationFailed(
            _("Give a mapping of partner type to fields."), field="required_fields"
        )
    cleaned: dict[str, list[str]] = {}
    for partner_type, fields in value.items():
        if partner_type not in PartnerType.values:
            raise ValidationFailed(
                _("%(type)s is not a partner type.") % {"type": partner_type},
                field="required_fields",
            )
        unknown = [field for field in fields or [] if field not in REQUIRABLE_FIELDS]
        if unknown:
            raise ValidationFailed(
                _("%(fields)s cannot be required; choose from %(choices)s.")
                % {"fields": ", ".join(map(str, unknown)), "choices": ", ".join(REQUIRABLE_FIELDS)},
                field="required_fields",
            )
        if fields:
            cleaned[partner_type] = sorted(set(fields))
    return cleaned


@transaction.atomic
def update_settings(*, tenant, actor, data: dict) -> ScreeningSettings:
    """Change the threshold, the re-screening interval or the required fields (staff); the
    next scheduled re-screening moves to the new interval."""
    found = _locked_settings(tenant)
    before = {
        "match_threshold": str(found.match_threshold),
        "rescreen_interval_days": found.rescreen_interval_days,
        "required_fields": found.required_fields,
    }
    if "match_threshold" in data:
        try:
            threshold = Decimal(str(data["match_threshold"]))
        except ArithmeticError as error:
            raise ValidationFailed(
                _("Give a number such as 0.85."), field="match_threshold"
            ) from error
        if not Decimal("0.5") <= threshold <= Decimal("1"):
            raise ValidationFailed(
                _("Choose a threshold between 0.50 and 1.00."), field="match_threshold"
            )
        found.match_threshold = threshold.quantize(Decimal("0.01"))
    if "rescreen_interval_days" in data:
        days = data["rescreen_interval_days"]
        if not isinstance(days, int) or not 1 <= days <= 365:
            raise ValidationFailed(
                _("Re-screen every 1 to 365 days."), field="rescreen_interval_days"
            )
        found.rescreen_interval_days = days
    if "required_fields" in data:
        found.required_fields = _clean_required_fields(data["required_fields"])
    found.updated_by = actor.user
    found.save()
    after = {
        "match_threshold": str(found.match_threshold),
        "rescreen_interval_days": found.rescreen_interval_days,
        "required_fields": found.required_fields,
    }
    record(
        tenant=tenant,
        actor=actor.user,
        action="screening.settings_updated",
        obj=found,
        changes={key: [before[key], after[key]] for key in after if before[key] != after[key]},
    )
    if active_list(tenant) is not None:
        schedule_rescreen(tenant=tenant, settings=found)
    return found


def schedule_rescreen(*, tenant, settings: ScreeningSettings | None = None) -> None:
    """Book the next scheduled re-screening one interval from now (moving a booked one)."""
    settings = settings or settings_for(tenant)
    scheduling.schedule(
        tenant=tenant,
        kind=RESCREEN_WORK,
        key=RESCREEN_KEY,
        due_at=timezone.now() + timedelta(days=settings.rescreen_interval_days),
    )


# --- lists --------------------------------------------------------------------------------


def active_list(tenant) -> RestrictedPartyList | None:
    return RestrictedPartyList.objects.for_tenant(tenant).filter(status=ListStatus.ACTIVE).first()


def _country(raw: str) -> tuple[str, str | None]:
    text = raw.strip()
    if not text:
        return "", None
    code = countries.by_name(text) or text.upper()
    if len(code) == 3:
        code = countries.alpha2(code) or ""
    if code and code in dict(countries):
        return code, None
    return "", _("“%(value)s” is not a country; use an ISO code such as DE.") % {"value": text[:60]}


def _clean_row(number: int, cells: dict[str, str]) -> tuple[dict | None, list[dict]]:
    errors = []

    def fail(field: str, message: str) -> None:
        errors.append({"row": number, "field": field, "message": message})

    name = " ".join(cells.get("name", "").split())
    if not name:
        fail("name", _("Give the party's name."))
    elif len(name) > 300:
        fail("name", _("The name is longer than 300 characters."))
    party_type = cells.get("type", "").strip().lower() or PartyType.ENTITY
    if party_type not in PartyType.values:
        fail("type", _("Type must be entity or person."))
    country, problem = _country(cells.get("country", ""))
    if problem:
        fail("country", problem)
    aliases = [" ".join(alias.split()) for alias in cells.get("aliases", "").split(";")]
    aliases = [alias[:300] for alias in aliases if alias]
    source = cells.get("source", "").strip()
    reference = cells.get("reference", "").strip()
    for field, value in (("source", source), ("reference", reference)):
        if len(value) > 120:
            fail(field, _("At most 120 characters."))
    if errors:
        return None, errors
    return {
        "row": number,
        "name": name,
        "aliases": aliases,
        "country": country,
        "type": party_type,
        "source": source,
        "reference": reference,
    }, []


def _entry_key(row: dict) -> str:
    if row["reference"]:
        return f"{row['source'].casefold()}:{row['reference'].casefold()}"[:400]
    is_person = row["type"] == PartyType.PERSON
    return f"{row['type']}:{screening.key_for(row['name'], is_person=is_person)}"[:400]


@transaction.atomic
def preview_list(*, tenant, actor, uploaded_file) -> RestrictedPartyList:
    """Read and check a restricted-party CSV; store its valid rows and every row error for
    review. The active list is untouched until the preview is activated."""
    from dealreg.crm_cleaning import file_name_of

    text = read_csv_text(uploaded_file, max_bytes=MAX_BYTES)
    parsed = parse_csv_rows(
        text,
        columns=COLUMNS,
        required=REQUIRED_COLUMNS,
        max_rows=MAX_ROWS,
        unique="known",
        no_rows=_("The file has a header but no rows; add at least one party."),
    )
    rows, errors = [], list(parsed.errors)
    seen: dict[str, int] = {}
    for number, cells in parsed.rows:
        row, row_errors = _clean_row(number, cells)
        errors.extend(row_errors)
        if row is None:
            continue
        key = _entry_key(row)
        if key in seen:
            errors.append(
                {
                    "row": number,
                    "field": "reference" if row["reference"] else "name",
                    "message": _("The same party as row %(row)d.") % {"row": seen[key]},
                }
            )
            continue
        seen[key] = number
        rows.append(row)
    party_list = RestrictedPartyList.objects.create(
        tenant=tenant,
        file_name=file_name_of(uploaded_file),
        rows=rows,
        errors=errors[:MAX_STORED_ERRORS],
        total_rows=len(parsed.rows),
        created_by=actor.user,
    )
    record(
        tenant=tenant,
        actor=actor.user,
        action="screening.list_previewed",
        obj=party_list,
        changes={
            "file_name": party_list.file_name,
            "total_rows": party_list.total_rows,
            "errors": len(errors),
        },
    )
    return party_list


def _locked_list(tenant, list_id: int) -> RestrictedPartyList:
    party_list = (
        RestrictedPartyList.objects.for_tenant(tenant)
        .select_for_update()
        .filter(pk=list_id)
        .first()
    )
    if party_list is None:
        raise NotFound(_("This restricted-party list does not exist."))
    if party_list.status != ListStatus.PREVIEWED:
        raise Conflict(
            _("This list was already %(status)s; upload the file again to use it.")
            % {"status": party_list.get_status_display().lower()}
        )
    return party_list


@transaction.atomic
def activate_list(*, tenant, actor, list_id: int) -> RestrictedPartyList:
    """Make a previewed list the active one, all of its rows or none (refused while it has
    errors). The list it replaces stays on record, inactive; every partner in the program
    is then re-screened against the new list."""
    _locked_settings(tenant)
    party_list = _locked_list(tenant, list_id)
    if party_list.errors:
        raise Conflict(
            _("The file has %(count)d errors; nothing was changed. Fix them and upload it again.")
            % {"count": len(party_list.errors)}
        )
    now = timezone.now()
    replaced = active_list(tenant)
    if replaced is not None:
        replaced.status = ListStatus.REPLACED
        replaced.replaced_at = now
        replaced.save(update_fields=["status", "replaced_at"])
    RestrictedParty.objects.bulk_create(
        [
            RestrictedParty(
                tenant=tenant,
                party_list=party_list,
                name=row["name"],
                aliases=row["aliases"],
                country=row["country"],
                party_type=row["type"],
                source=row["source"],
                reference=row["reference"],
                entry_key=_entry_key(row),
                name_keys=screening.keys_of(
                    row["name"], row["aliases"], is_person=row["type"] == PartyType.PERSON
                ),
            )
            for row in party_list.rows
        ],
        batch_size=1000,
    )
    party_list.entry_count = len(party_list.rows)
    party_list.rows = []
    party_list.status = ListStatus.ACTIVE
    party_list.activated_at = now
    party_list.save(update_fields=["entry_count", "rows", "status", "activated_at"])
    changes = {
        "file_name": party_list.file_name,
        "entries": party_list.entry_count,
        "replaced_list_id": replaced.pk if replaced else None,
    }
    record(
        tenant=tenant,
        actor=actor.user,
        action="screening.list_activated",
        obj=party_list,
        changes=changes,
    )
    emit(
        tenant=tenant,
        name="restricted_party_list.activated",
        obj=party_list,
        payload={"list_id": party_list.pk, **changes},
    )
    schedule_rescreen(tenant=tenant)
    tenant_id = tenant.pk
    transaction.on_commit(lambda: queue_rescreen(tenant_id, Trigger.LIST_REPLACED))
    return party_list


def queue_rescreen(tenant_id: int, trigger: str) -> None:
    from .screening_tasks import rescreen_partners_task

    rescreen_partners_task.delay(tenant_id=tenant_id, trigger=trigger)


@transaction.atomic
def discard_list(*, tenant, actor, list_id: int) -> RestrictedPartyList:
    """Drop a previewed list: its rows are forgotten, its report stays on record."""
    party_list = _locked_list(tenant, list_id)
    party_list.status = ListStatus.DISCARDED
    party_list.rows = []
    party_list.save(update_fields=["status", "rows"])
    record(
        tenant=tenant,
        actor=actor.user,
        action="screening.list_discarded",
        obj=party_list,
        changes={"file_name": party_list.file_name},
    )
    return party_list


# --- screening ----------------------------------------------------------------------------


class _Matcher:
    """The active list's entries, indexed once per run or batch."""

    def __init__(self, tenant):
        self.party_list = active_list(tenant)
        entries = (
            list(RestrictedParty.objects.for_tenant(tenant).filter(party_list=self.party_list))
            if self.party_list
            else []
        )
        self.entries = {entry.pk: entry for entry in entries}
        self.by_kind = {
            CheckKind.COMPANY: screening.EntryIndex(
                screening.Candidate(e.pk, tuple(e.name_keys))
                for e in entries
                if e.party_type == PartyType.ENTITY
            ),
            CheckKind.PERSON: screening.EntryIndex(
                screening.Candidate(e.pk, tuple(e.name_keys))
                for e in entries
                if e.party_type == PartyType.PERSON
            ),
        }

    def find(self, kind: str, name: str, threshold: Decimal) -> list[screening.Found]:
        key = screening.key_for(name, is_person=kind == CheckKind.PERSON)
        return self.by_kind[kind].matches(key, threshold)


class _Screening:
    """One batch of runs: builds runs, checks and hits in memory, then writes them set-based.

    Hits already known for (partner, entry) are updated; new ones are created, and on
    re-screening each new hit opens a compliance review."""

    def __init__(self, tenant, trigger: str, matcher: _Matcher, threshold: Decimal):
        self.tenant = tenant
        self.trigger = trigger
        self.matcher = matcher
        self.threshold = threshold
        self.now = timezone.now()
        self.runs: list[tuple[ScreeningRun, list[ScreeningCheck]]] = []
        self.hit_keys: list[tuple[ScreeningCheck, int, str, screening.Found]] = []

    def run_for(self, partner_id: int, application_id: int | None) -> list[ScreeningCheck]:
        run = ScreeningRun(
            tenant=self.tenant,
            partner_id=partner_id,
            application_id=application_id,
            party_list=self.matcher.party_list,
            trigger=self.trigger,
            status=CheckStatus.PASSED,
            created_at=self.now,
        )
        checks: list[ScreeningCheck] = []
        self.runs.append((run, checks))
        return checks

    def screen_name(self, checks: list, partner_id: int, kind: str, name: str) -> None:
        if self.matcher.party_list is None:
            checks.append(
                ScreeningCheck(
                    tenant=self.tenant,
                    kind=kind,
                    subject=name,
                    status=CheckStatus.ERROR,
                    detail=_("No restricted-party list is active: upload one to screen."),
                )
            )
            return
        found = self.matcher.find(kind, name, self.threshold)
        if not found:
            checks.append(
                ScreeningCheck(
                    tenant=self.tenant,
                    kind=kind,
                    subject=name,
                    status=CheckStatus.PASSED,
                    detail=_("No entry of %(list)s scores %(threshold)s or more.")
                    % {"list": self.matcher.party_list.file_name, "threshold": self.threshold},
                )
            )
            return
        for match in found:
            entry = self.matcher.entries[match.entry_id]
            check = ScreeningCheck(
                tenant=self.tenant,
                kind=kind,
                subject=name,
                status=CheckStatus.FLAGGED,
                score=match.score,
                detail=_("Matches %(entry)s (%(source)s%(reference)s), score %(score)s.")
                % {
                    "entry": entry.name,
                    "source": entry.source or _("no source"),
                    "reference": f" {entry.reference}" if entry.reference else "",
                    "score": match.score,
                },
            )
            checks.append(check)
            self.hit_keys.append((check, partner_id, name, match))

    def save(self) -> list[ScreeningHit]:
        """Write everything; return the hits that are new."""
        for run, checks in self.runs:
            statuses = {check.status for check in checks}
            run.status = next(
                (s for s in (CheckStatus.FLAGGED, CheckStatus.ERROR) if s in statuses),
                CheckStatus.PASSED,
            )
        ScreeningRun.objects.bulk_create([run for run, _checks in self.runs])
        new_hits = self._save_hits()
        for run, checks in self.runs:
            for check in checks:
                check.run = run
                if check.hit is not None:
                    check.hit_id = check.hit.pk
        ScreeningCheck.objects.bulk_create(
            [check for _run, checks in self.runs for check in checks], batch_size=1000
        )
        return new_hits

    def _save_hits(self) -> list[ScreeningHit]:
        if not self.hit_keys:
            return []
        partner_ids = {partner_id for _c, partner_id, _n, _m in self.hit_keys}
        existing = {
            (hit.partner_id, hit.entry_key): hit
            for hit in ScreeningHit.objects.for_tenant(self.tenant).filter(
                partner_id__in=partner_ids
            )
        }
        new: dict[tuple[int, str], ScreeningHit] = {}
        touched: dict[int, ScreeningHit] = {}
        for check, partner_id, name, match in self.hit_keys:
            entry = self.matcher.entries[match.entry_id]
            key = (partner_id, entry.entry_key)
            hit = existing.get(key) or new.get(key)
            if hit is None:
                hit = ScreeningHit(
                    tenant=self.tenant,
                    partner_id=partner_id,
                    entry=entry,
                    entry_key=entry.entry_key,
                    kind=check.kind,
                    subject=name[:300],
                    score=match.score,
                    first_seen_at=self.now,
                    last_seen_at=self.now,
                )
                new[key] = hit
            elif hit.pk is not None:
                hit.entry, hit.subject, hit.score = entry, name[:300], match.score
                hit.last_seen_at = self.now
                touched[hit.pk] = hit
            check.hit = hit
        ScreeningHit.objects.bulk_create(list(new.values()))
        ScreeningHit.objects.bulk_update(
            list(touched.values()), ["entry", "subject", "score", "last_seen_at"]
        )
        return list(new.values())


def _application_checks(settings: ScreeningSettings, application: PartnerApplication):
    """The domain and required-field checks of an application (no list needed)."""
    verdict = screening.compare_domains(application.contact_email, application.website)
    details = {
        "same": _("%(email)s is the website's domain.") % {"email": verdict.email_domain},
        "other": _("The contact writes from %(email)s, the website is %(website)s.")
        % {"email": verdict.email_domain, "website": verdict.website_domain},
        "public_mailbox": _(
            "The contact writes from %(email)s, a public mailbox, not the company's domain "
            "(%(website)s)."
        )
        % {"email": verdict.email_domain, "website": verdict.website_domain or "—"},
        "missing": _("The email address or website has no domain to compare."),
    }
    yield (
        CheckKind.DOMAIN,
        f"{application.contact_email} / {application.website}"[:300],
        verdict.status,
        details[verdict.reason],
    )
    required = settings.required_fields.get(application.partner_type, [])
    missing = []
    for field in required:
        value = (
            list(application.specialisations.all())
            if field == "specialisations"
            else getattr(application, field, "")
        )
        if not value or (isinstance(value, str) and not value.strip()):
            missing.append(str(REQUIRABLE_FIELDS.get(field, field)))
    type_name = application.get_partner_type_display()
    if not required:
        status, detail = (
            CheckStatus.PASSED,
            _("Nothing extra is required of a %(type)s.") % {"type": type_name},
        )
    elif missing:
        status, detail = (
            CheckStatus.FLAGGED,
            _("A %(type)s must give: %(missing)s.")
            % {
                "type": type_name,
                "missing": ", ".join(missing),
            },
        )
    else:
        status, detail = (
            CheckStatus.PASSED,
            _("Every field a %(type)s must give is there.") % {"type": type_name},
        )
    yield CheckKind.REQUIRED_FIELDS, type_name, status, detail


@transaction.atomic
def screen_application(*, tenant, application_id: int) -> ScreeningRun:
    """Screen a submitted application once (a repeat returns the first run): company and
    contact against the active list, the email domain, the required fields. Results only
    inform reviewers: the application's status never changes here."""
    settings = _locked_settings(tenant)
    application = (
        PartnerApplication.objects.for_tenant(tenant)
        .prefetch_related("specialisations")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise NotFound(_("No such application."))
    done = (
        ScreeningRun.objects.for_tenant(tenant)
        .filter(application=application, trigger=Trigger.SUBMISSION)
        .first()
    )
    if done is not None:
        return done
    batch = _Screening(tenant, Trigger.SUBMISSION, _Matcher(tenant), settings.match_threshold)
    checks = batch.run_for(application.partner_id, application.pk)
    batch.screen_name(checks, application.partner_id, CheckKind.COMPANY, application.company_name)
    batch.screen_name(checks, application.partner_id, CheckKind.PERSON, application.contact_name)
    for kind, subject, status, detail in _application_checks(settings, application):
        checks.append(
            ScreeningCheck(tenant=tenant, kind=kind, subject=subject, status=status, detail=detail)
        )
    batch.save()
    run = batch.runs[0][0]
    record(
        tenant=tenant,
        actor=None,
        action="screening.application_screened",
        obj=application,
        changes={"run_id": run.pk, "status": run.status},
    )
    emit(
        tenant=tenant,
        name="application.screened",
        obj=application,
        payload={
            "application_id": application.pk,
            "partner_id": application.partner_id,
            "run_id": run.pk,
            "status": run.status,
        },
    )
    return run


def _people_by_partner(tenant, partner_ids: list[int]) -> dict[int, list[str]]:
    people: dict[int, list[str]] = defaultdict(list)
    memberships = (
        Membership.objects.for_tenant(tenant)
        .filter(partner_organisation_id__in=partner_ids, is_active=True)
        .exclude(user__full_name="")
        .values_list("partner_organisation_id", "user__full_name")
    )
    for partner_id, name in memberships:
        people[partner_id].append(name)
    contacts = (
        PartnerApplication.objects.for_tenant(tenant)
        .filter(partner_id__in=partner_ids)
        .values_list("partner_id", "contact_name", "pk")
    )
    for partner_id, name, _pk in contacts:
        people[partner_id].append(name)
    # The same person once, however they are listed.
    return {
        partner_id: list({screening.normalise_person_name(name): name for name in names}.values())
        for partner_id, names in people.items()
    }


def rescreen_partners(*, tenant, trigger: str, batch_size: int = RESCREEN_BATCH) -> int:
    """Screen every partner in the program (applicants included) and its people against the
    active list, one transaction per batch; returns how many compliance reviews opened.

    Safe to run twice: a hit already known for a partner and entry never opens another
    review, whatever its disposition."""
    if trigger not in (Trigger.SCHEDULE, Trigger.LIST_REPLACED):
        raise ValidationFailed(_("Unknown trigger."), field="trigger")
    partners = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .filter(status__in=RESCREENED_STATUSES)
        .order_by("pk")
    )
    opened, after = 0, 0
    while True:
        with transaction.atomic():
            settings = _locked_settings(tenant)
            matcher = _Matcher(tenant)
            if matcher.party_list is None:
                return opened
            batch_partners = list(
                partners.filter(pk__gt=after).only("pk", "name", "channel_manager_id")[:batch_size]
            )
            if not batch_partners:
                return opened
            after = batch_partners[-1].pk
            applications = dict(
                PartnerApplication.objects.for_tenant(tenant)
                .filter(partner_id__in=[p.pk for p in batch_partners])
                .values_list("partner_id", "pk")
            )
            people = _people_by_partner(tenant, [p.pk for p in batch_partners])
            batch = _Screening(tenant, trigger, matcher, settings.match_threshold)
            for partner in batch_partners:
                checks = batch.run_for(partner.pk, applications.get(partner.pk))
                batch.screen_name(checks, partner.pk, CheckKind.COMPANY, partner.name)
                for name in people.get(partner.pk, []):
                    batch.screen_name(checks, partner.pk, CheckKind.PERSON, name)
            new_hits = batch.save()
            opened += _open_reviews(tenant, new_hits, {p.pk: p for p in batch_partners})


def _open_reviews(tenant, hits: list[ScreeningHit], partners: dict[int, Any]) -> int:
    if not hits:
        return 0
    now = timezone.now()
    reviews = ComplianceReview.objects.bulk_create(
        [
            ComplianceReview(
                tenant=tenant,
                partner_id=hit.partner_id,
                hit=hit,
                assigned_to_id=partners[hit.partner_id].channel_manager_id,
                opened_at=now,
            )
            for hit in hits
        ]
    )
    emit_many(
        tenant=tenant,
        name="compliance_review.opened",
        items=[
            (
                review,
                {
                    "review_id": review.pk,
                    "partner_id": review.partner_id,
                    "hit_id": review.hit_id,
                    "score": str(review.hit.score),
                },
            )
            for review in reviews
        ],
    )
    for review in reviews:
        partner = partners[review.partner_id]
        record(
            tenant=tenant,
            actor=None,
            action="compliance_review.opened",
            obj=review,
            changes={
                "partner_id": partner.pk,
                "entry": review.hit.entry.name,
                "score": str(review.hit.score),
            },
        )
        notify(
            tenant=tenant,
            recipients=channel_managers_for(tenant=tenant, partner=partner),
            kind="compliance_review.opened",
            title=_("Compliance review: %(partner)s may match %(entry)s")
            % {"partner": partner.name, "entry": review.hit.entry.name},
            body=_(
                "%(subject)s scored %(score)s against %(entry)s (%(source)s). "
                "Decide it in the compliance queue."
            )
            % {
                "subject": review.hit.subject,
                "score": review.hit.score,
                "entry": review.hit.entry.name,
                "source": review.hit.entry.source or "—",
            },
            url=reverse("screening:review", args=[review.pk]),
        )
    return len(reviews)


# --- decisions ----------------------------------------------------------------------------


DECISIONS: dict[str, str] = {
    HitDisposition.FALSE_POSITIVE: ReviewStatus.CLEARED,
    HitDisposition.CONFIRMED: ReviewStatus.CONFIRMED,
}


@transaction.atomic
def decide_hit(
    *, tenant, actor, hit_id: int, disposition: str, reason: str, suspend_partner: bool = False
) -> ScreeningHit:
    """Mark a hit as a false positive or confirm it, with a reason (audited); its open
    compliance review, if any, is decided with it. Confirming suspends the partner only
    when the reviewer asks (`suspend_partner`), through the partner's status change."""
    if disposition not in DECISIONS:
        raise ValidationFailed(_("Choose false positive or confirmed."), field="disposition")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why."), field="reason")
    if suspend_partner and disposition != HitDisposition.CONFIRMED:
        raise ValidationFailed(
            _("Only a confirmed hit can suspend the partner."), field="suspend_partner"
        )
    hit = (
        ScreeningHit.objects.for_tenant(tenant)
        .select_for_update()
        .select_related("entry")
        .filter(pk=hit_id)
        .first()
    )
    if hit is None:
        raise NotFound(_("No such screening hit."))
    if hit.disposition != HitDisposition.OPEN:
        raise Conflict(
            _("This hit was already marked %(disposition)s.")
            % {"disposition": hit.get_disposition_display().lower()}
        )
    now = timezone.now()
    hit.disposition = disposition
    hit.decided_by = actor.user
    hit.decided_at = now
    hit.decision_reason = reason
    hit.save(update_fields=["disposition", "decided_by", "decided_at", "decision_reason"])
    review = (
        ComplianceReview.objects.for_tenant(tenant)
        .select_for_update()
        .filter(hit=hit, status=ReviewStatus.OPEN)
        .first()
    )
    if review is not None:
        review.status = DECISIONS[disposition]
        review.decided_by = actor.user
        review.decided_at = now
        review.decision_reason = reason
        review.partner_suspended = suspend_partner
        review.save(
            update_fields=[
                "status",
                "decided_by",
                "decided_at",
                "decision_reason",
                "partner_suspended",
            ]
        )
    if suspend_partner:
        partner_services.change_partner_status(
            tenant=tenant,
            actor=actor.user,
            partner_id=hit.partner_id,
            to_status=PartnerStatus.SUSPENDED,
            reason=_("Restricted-party match confirmed (%(entry)s): %(reason)s")
            % {"entry": hit.entry.name, "reason": reason},
        )
    changes = {
        "disposition": disposition,
        "reason": reason,
        "entry": hit.entry.name,
        "review_id": review.pk if review else None,
        "partner_suspended": suspend_partner,
    }
    record(
        tenant=tenant, actor=actor.user, action="screening.hit_decided", obj=hit, changes=changes
    )
    emit(
        tenant=tenant,
        name="screening_hit.decided",
        obj=hit,
        payload={"hit_id": hit.pk, "partner_id": hit.partner_id, **changes},
    )
    return hit


def decide_review(
    *, tenant, actor, review_id: int, decision: str, reason: str, suspend_partner: bool = False
) -> ComplianceReview:
    """Clear (a false positive) or confirm a compliance review; see decide_hit."""
    dispositions: dict[str, str] = {
        ReviewStatus.CLEARED: HitDisposition.FALSE_POSITIVE,
        ReviewStatus.CONFIRMED: HitDisposition.CONFIRMED,
    }
    if decision not in dispositions:
        raise ValidationFailed(_("Choose cleared or confirmed."), field="decision")
    with transaction.atomic():
        review = ComplianceReview.objects.for_tenant(tenant).filter(pk=review_id).first()
        if review is None:
            raise NotFound(_("No such compliance review."))
        if review.status != ReviewStatus.OPEN:
            raise Conflict(
                _("This review was already %(status)s.")
                % {"status": review.get_status_display().lower()}
            )
        decide_hit(
            tenant=tenant,
            actor=actor,
            hit_id=review.hit_id,
            disposition=dispositions[decision],
            reason=reason,
            suspend_partner=suspend_partner,
        )
        review.refresh_from_db()
    return review
