"""Partner agreements: templates, issuing contracts as PDFs, the partner's e-signature,
the vendor's countersignature, renewal notices, expiry and renewals.

Every write takes the tenant and the acting member (a Membership; None for the system, e.g.
the due-work handlers) explicitly, runs in one transaction and writes its audit entry and
outbox event. A contract's life:

    issued ──sign (partner admin)──▶ signed ──countersign (staff)──▶ countersigned
      │                                 │                                │
      └──── expiry date reached ────────┴──────────── expired ◀──────────┘
    a renewal (a new contract with renewal_of) that gets signed marks the old one superseded

The PDF a partner signs is identified by its SHA-256: the sign form carries the hash of the
document shown, and signing is refused (409) unless it still matches the stored file. The
stamped PDF is the issued PDF with a signature page appended (pypdf); the issued file is
never changed.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_countries import countries
from pypdf import PdfReader, PdfWriter

from ecosystem.audit.services import record
from ecosystem.dates import add_months, local_start, local_today
from ecosystem.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from ecosystem.notifications.services import notify
from ecosystem.outbox.services import emit
from ecosystem.pdf import render_pdf
from ecosystem.portal.selectors import tenant_zone
from ecosystem.scheduling.services import cancel, schedule
from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import Role, has_capability
from partners.models import PartnerOrganisation

from . import contracts_merge
from .models.contracts import (
    IN_FORCE_STATUSES,
    AgreementTemplate,
    AgreementTemplateVersion,
    Contract,
    ContractStatus,
)

RENEWAL_NOTICE_WORK = "onboarding.contract_renewal_notice"
EXPIRY_WORK = "onboarding.contract_expiry"
RENEWAL_NOTICE_DAYS = (60, 30)
NOTICE_HOUR = 9  # renewal notices go out at 09:00 in the tenant's time zone
MAX_TERM_MONTHS = 120
SHA256 = re.compile(r"^[0-9a-f]{64}$")


# --- checks and small helpers ----------------------------------------------------------------


def require_manager(actor: Membership | None) -> None:
    """Refuse (403) an actor without contracts.manage; None is the system and may."""
    if actor is not None and not has_capability(actor.role, "contracts.manage"):
        raise NotAllowed(_("Only program administrators and channel managers do this."))


def _user(actor: Membership | None):
    return actor.user if actor is not None else None


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_bytes(field) -> bytes:
    """The bytes of a stored file (FieldFile)."""
    with field.storage.open(field.name, "rb") as handle:
        return handle.read()


def _long_date(day: date | None) -> str:
    return date_format(day, "j F Y") if day else ""


def _partner_admins(tenant, partner_id) -> list:
    return [
        membership.user
        for membership in Membership.objects.for_tenant(tenant)
        .filter(partner_organisation_id=partner_id, role=Role.PARTNER_ADMIN, is_active=True)
        .select_related("user")
    ]


def _channel_manager_or_issuer(contract: Contract) -> list:
    manager = contract.partner.channel_manager
    if manager is not None and manager.is_active:
        return [manager.user]
    return [contract.issued_by] if contract.issued_by_id else []


def _renewal_audience(contract: Contract) -> list:
    return [
        *_partner_admins(contract.tenant, contract.partner_id),
        *_channel_manager_or_issuer(contract),
    ]


def _contract_url(contract: Contract) -> str:
    return f"/agreements/{contract.pk}/"


def _payload(contract: Contract, **extra) -> dict[str, Any]:
    return {
        "contract_id": contract.pk,
        "template_id": contract.template_id,
        "template_version": contract.template_version.version,
        "partner_id": contract.partner_id,
        "status": contract.status,
        "effective_date": contract.effective_date.isoformat(),
        "expiry_date": contract.expiry_date.isoformat(),
        "document_sha256": contract.document_sha256,
        **extra,
    }


def locked_contract(tenant, contract_id) -> Contract:
    """The contract, row-locked until the transaction ends (404 when not the tenant's)."""
    contract = (
        Contract.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .select_related("tenant", "template", "template_version", "partner__channel_manager")
        .filter(pk=contract_id)
        .first()
    )
    if contract is None:
        raise NotFound(_("No such agreement."))
    return contract


# --- templates -------------------------------------------------------------------------------


def _clean_template(data: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if "name" in data or not partial:
        name = str(data.get("name") or "").strip()
        if not name:
            errors["name"] = [_("Give the template a name.")]
        elif len(name) > 200:
            errors["name"] = [_("Use at most 200 characters.")]
        values["name"] = name
    if "term_months" in data or not partial:
        try:
            term = int(data.get("term_months"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            term = 0
        if not 1 <= term <= MAX_TERM_MONTHS:
            errors["term_months"] = [
                _("Enter the term as whole months from 1 to %(max)s.") % {"max": MAX_TERM_MONTHS}
            ]
        values["term_months"] = term
    if "is_active" in data:
        values["is_active"] = bool(data["is_active"])
    if "body" in data or not partial:
        try:
            values["body"] = contracts_merge.clean_body(str(data.get("body") or ""))
        except ValidationFailed as error:
            errors["body"] = [error.message]
    if errors:
        raise ValidationFailed(errors=errors)
    return values


@transaction.atomic
def create_template(*, tenant, actor: Membership | None, data: Mapping[str, Any]):
    """A new agreement template and its first version (sanitised, merge fields checked)."""
    require_manager(actor)
    values = _clean_template(data)
    if AgreementTemplate.objects.for_tenant(tenant).filter(name__iexact=values["name"]).exists():
        raise ValidationFailed(_("A template with this name exists already."), field="name")
    template = AgreementTemplate.objects.create(
        tenant=tenant, name=values["name"], is_active=values.get("is_active", True)
    )
    version = AgreementTemplateVersion.objects.create(
        tenant=tenant,
        template=template,
        version=1,
        body=values["body"],
        term_months=values["term_months"],
        created_by=_user(actor),
    )
    record(
        tenant=tenant,
        actor=_user(actor),
        action="agreement_template.created",
        obj=template,
        changes={"name": template.name, "version": 1, "term_months": version.term_months},
    )
    return template


def current_version(template: AgreementTemplate) -> AgreementTemplateVersion:
    version = (
        AgreementTemplateVersion.objects.for_tenant(template.tenant)
        .filter(template=template)
        .order_by("-version")
        .first()
    )
    if version is None:  # every template is created with a version
        raise NotFound(_("This template has no text yet."))
    return version


@transaction.atomic
def update_template(
    *, tenant, actor: Membership | None, template_id: int, data: Mapping[str, Any]
) -> AgreementTemplate:
    """Change a template. New text or term on a version that contracts were issued from
    becomes a new version; issued contracts keep the text they were issued with."""
    require_manager(actor)
    template = (
        AgreementTemplate.objects.for_tenant(tenant)
        .select_for_update()
        .filter(pk=template_id)
        .first()
    )
    if template is None:
        raise NotFound(_("No such template."))
    values = _clean_template(data, partial=True)
    changes: dict[str, Any] = {}
    name = values.get("name")
    if name and name != template.name:
        if (
            AgreementTemplate.objects.for_tenant(tenant)
            .filter(name__iexact=name)
            .exclude(pk=template.pk)
            .exists()
        ):
            raise ValidationFailed(_("A template with this name exists already."), field="name")
        changes["name"] = [template.name, name]
        template.name = name
    if "is_active" in values and values["is_active"] != template.is_active:
        changes["is_active"] = [template.is_active, values["is_active"]]
        template.is_active = values["is_active"]
    version = current_version(template)
    body = values.get("body", version.body)
    term = values.get("term_months", version.term_months)
    if body != version.body or term != version.term_months:
        if Contract.objects.for_tenant(tenant).filter(template_version=version).exists():
            version = AgreementTemplateVersion.objects.create(
                tenant=tenant,
                template=template,
                version=version.version + 1,
                body=body,
                term_months=term,
                created_by=_user(actor),
            )
            changes["version"] = [version.version - 1, version.version]
        else:
            changes["text"] = [f"v{version.version}", f"v{version.version} edited"]
            version.body, version.term_months = body, term
            version.save(update_fields=["body", "term_months"])
    template.save()
    record(
        tenant=tenant,
        actor=_user(actor),
        action="agreement_template.updated",
        obj=template,
        changes=changes,
    )
    return template


# --- issuing ---------------------------------------------------------------------------------


def merge_values(*, tenant, contract: Contract) -> dict[str, str]:
    return {
        "partner_legal_name": contract.legal_name,
        "partner_name": contract.partner.name,
        "partner_address": contract.address,
        "partner_country": str(countries.name(contract.country)),
        "tier": contract.tier_name,
        "effective_date": _long_date(contract.effective_date),
        "expiry_date": _long_date(contract.expiry_date),
        "term_months": str(contract.template_version.term_months),
        "terms": contract.terms,
        "vendor_name": tenant.name,
        "contract_number": contract.number,
    }


def _clean_issue(tenant, data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    template = None
    template_id = data.get("template")
    template_id = getattr(template_id, "pk", template_id)
    if template_id:
        template = AgreementTemplate.objects.for_tenant(tenant).filter(pk=template_id).first()
    if template is None:
        errors["template"] = [_("Choose one of the program's agreement templates.")]
    elif not template.is_active:
        errors["template"] = [_("This template is retired; choose an active one.")]
    values["template"] = template
    partner = None
    partner_id = data.get("partner")
    partner_id = getattr(partner_id, "pk", partner_id)
    if partner_id:
        partner = (
            PartnerOrganisation.objects.for_tenant(tenant)
            .select_related("tier", "channel_manager")
            .filter(pk=partner_id)
            .first()
        )
    if partner is None:
        errors["partner"] = [_("Choose a partner organisation of this program.")]
    values["partner"] = partner
    for name, limit, label in (
        ("legal_name", 200, _("the partner's legal name")),
        ("address", 1000, _("the partner's registered address")),
    ):
        text = str(data.get(name) or "").strip()
        if not text:
            errors[name] = [_("Enter %(what)s.") % {"what": label}]
        elif len(text) > limit:
            errors[name] = [_("Use at most %(limit)s characters.") % {"limit": limit}]
        values[name] = text
    terms = str(data.get("terms") or "").strip()
    if len(terms) > 10_000:
        errors["terms"] = [_("Use at most 10000 characters.")]
    values["terms"] = terms
    country = str(data.get("country") or (partner.country if partner else "") or "").upper()
    if country not in countries:
        errors["country"] = [_("Enter the country as an ISO code such as DE or US.")]
    values["country"] = country
    effective = data.get("effective_date")
    if isinstance(effective, str):
        try:
            effective = date.fromisoformat(effective)
        except ValueError:
            effective = None
    if not isinstance(effective, date):
        errors["effective_date"] = [_("Enter the effective date as YYYY-MM-DD.")]
    values["effective_date"] = effective
    if errors:
        raise ValidationFailed(errors=errors)
    return values


def _render_contract_pdf(contract: Contract) -> bytes:
    return render_pdf(
        "onboarding/contracts/pdf/contract.html",
        {"contract": contract, "tenant": contract.tenant, "body_html": contract.body_html},
    )


@transaction.atomic
def issue_contract(
    *,
    tenant,
    actor: Membership | None,
    data: Mapping[str, Any],
    renewal_of: Contract | None = None,
    now: datetime | None = None,
) -> Contract:
    """Issue the template's current version to a partner: merge the partner's details as
    given (stored on the contract, not the partner), render the PDF, record its SHA-256,
    tell the partner's administrators, and book the expiry."""
    require_manager(actor)
    now = now or timezone.now()
    values = _clean_issue(tenant, data)
    template: AgreementTemplate = values.pop("template")
    partner: PartnerOrganisation = values.pop("partner")
    version = current_version(template)
    contract = Contract(
        tenant=tenant,
        template=template,
        template_version=version,
        partner=partner,
        tier_name=partner.tier.name if partner.tier is not None else "",
        expiry_date=add_months(values["effective_date"], version.term_months),
        issued_by=_user(actor),
        issued_at=now,
        renewal_of=renewal_of,
        **values,
    )
    contract.save()  # the number (from the id) is a merge field
    contract.body_html = contracts_merge.merge(
        version.body, merge_values(tenant=tenant, contract=contract)
    )
    pdf = _render_contract_pdf(contract)
    contract.document.save("contract.pdf", ContentFile(pdf), save=False)
    contract.document_sha256 = sha256_of(pdf)
    contract.save(update_fields=["body_html", "document", "document_sha256"])
    schedule(
        tenant=tenant,
        kind=EXPIRY_WORK,
        key=f"contract:{contract.pk}",
        due_at=local_start(tenant, contract.expiry_date),
    )
    record(
        tenant=tenant,
        actor=_user(actor),
        action="contract.issued",
        obj=contract,
        changes={
            "template": template.name,
            "version": version.version,
            "partner": partner.pk,
            "effective_date": contract.effective_date,
            "expiry_date": contract.expiry_date,
            "document_sha256": contract.document_sha256,
            "renewal_of": renewal_of.pk if renewal_of else None,
        },
    )
    emit(tenant=tenant, name="contract.issued", obj=contract, payload=_payload(contract))
    notify(
        tenant=tenant,
        recipients=_partner_admins(tenant, partner.pk),
        kind="contract.issued",
        title=_("%(template)s is ready for your signature") % {"template": template.name},
        body=_("%(vendor)s sent %(partner)s an agreement to review and sign.")
        % {"vendor": tenant.name, "partner": contract.legal_name},
        url=_contract_url(contract),
    )
    return contract


@transaction.atomic
def issue_renewal(
    *,
    tenant,
    actor: Membership | None,
    contract_id: int,
    effective_date: date | None = None,
    now: datetime | None = None,
) -> Contract:
    """A new contract continuing a signed (or expired) one from its expiry date, on the
    template's current text; it supersedes the old contract once signed."""
    require_manager(actor)
    contract = locked_contract(tenant, contract_id)
    if contract.status not in (*IN_FORCE_STATUSES, ContractStatus.EXPIRED):
        raise Conflict(
            _("Only a signed or expired agreement can be renewed; this one is %(status)s.")
            % {"status": contract.get_status_display().lower()}
        )
    if (
        Contract.objects.for_tenant(tenant)
        .filter(renewal_of=contract, status=ContractStatus.ISSUED)
        .exists()
    ):
        raise Conflict(_("A renewal of this agreement is already waiting for signature."))
    return issue_contract(
        tenant=tenant,
        actor=actor,
        data={
            "template": contract.template_id,
            "partner": contract.partner_id,
            "legal_name": contract.legal_name,
            "address": contract.address,
            "country": str(contract.country),
            "terms": contract.terms,
            "effective_date": effective_date or contract.expiry_date,
        },
        renewal_of=contract,
        now=now,
    )


# --- signing ---------------------------------------------------------------------------------


def _signature_page(contract: Contract) -> bytes:
    return render_pdf(
        "onboarding/contracts/pdf/signature_page.html",
        {"contract": contract, "tenant": contract.tenant, "zone": tenant_zone(contract.tenant)},
    )


def stamp(original: bytes, signature_page: bytes) -> bytes:
    """The original PDF's pages followed by the signature page's (pypdf)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(original)))
    writer.append(PdfReader(io.BytesIO(signature_page)))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _store_signed_pdf(contract: Contract, original: bytes) -> None:
    pdf = stamp(original, _signature_page(contract))
    contract.signed_pdf.save("signed.pdf", ContentFile(pdf), save=False)
    contract.signed_pdf_sha256 = sha256_of(pdf)


def _check_not_lapsed(contract: Contract, now: datetime) -> None:
    if contract.status == ContractStatus.SUPERSEDED:
        raise Conflict(_("This agreement was replaced by a renewal; sign the renewal instead."))
    if (
        contract.status == ContractStatus.EXPIRED
        or local_today(contract.tenant, now) >= contract.expiry_date
    ):
        raise Conflict(_("This agreement has expired; ask your channel manager for a new one."))


@transaction.atomic
def sign_contract(
    *,
    tenant,
    actor: Membership,
    contract_id: int,
    typed_name: str,
    consent: bool,
    document_sha256: str,
    ip: str | None,
    user_agent: str,
    now: datetime | None = None,
) -> Contract:
    """The partner administrator signs: the typed name, consent, and the SHA-256 of the PDF
    they were shown, which must still be the stored PDF's (409 otherwise)."""
    now = now or timezone.now()
    if actor is None or not has_capability(actor.role, "contracts.sign"):
        raise NotAllowed(_("Only the partner's administrator signs agreements."))
    contract = locked_contract(tenant, contract_id)
    if contract.partner_id != actor.partner_organisation_id:
        raise NotFound(_("No such agreement."))
    errors: dict[str, list[str]] = {}
    typed_name = " ".join(str(typed_name or "").split())
    if len(typed_name) < 2:
        errors["typed_name"] = [_("Type your full name to sign.")]
    elif len(typed_name) > 200:
        errors["typed_name"] = [_("Use at most 200 characters.")]
    if consent is not True:
        errors["consent"] = [_("Tick the box to confirm you agree to sign electronically.")]
    document_sha256 = str(document_sha256 or "").strip().lower()
    if not SHA256.match(document_sha256):
        errors["document_sha256"] = [_("Send the SHA-256 (64 hex digits) of the PDF you read.")]
    if errors:
        raise ValidationFailed(errors=errors)
    if contract.status in (*IN_FORCE_STATUSES,):
        raise Conflict(_("This agreement is already signed."))
    _check_not_lapsed(contract, now)
    original = stored_bytes(contract.document)
    stored_hash = sha256_of(original)
    if stored_hash != contract.document_sha256:
        raise Conflict(
            _(
                "The stored agreement no longer matches its record; it cannot be signed. "
                "Ask your channel manager to issue it again."
            )
        )
    if document_sha256 != stored_hash:
        raise Conflict(
            _(
                "The agreement changed since you opened it. Reload the page, read it again "
                "and sign the current version."
            )
        )
    contract.status = ContractStatus.SIGNED
    contract.signed_by = actor.user
    contract.signer_typed_name = typed_name
    contract.signer_email = actor.user.email
    contract.signed_at = now
    contract.signer_ip = ip or None
    contract.signer_user_agent = (user_agent or "")[:500]
    contract.signed_document_sha256 = stored_hash
    _store_signed_pdf(contract, original)
    contract.partner_signed_pdf_sha256 = contract.signed_pdf_sha256
    contract.save()
    _schedule_notices(contract, now)
    superseded = _supersede_previous(contract, now)
    record(
        tenant=tenant,
        actor=actor.user,
        action="contract.signed",
        obj=contract,
        changes={
            "typed_name": typed_name,
            "ip": contract.signer_ip,
            "user_agent": contract.signer_user_agent,
            "signed_document_sha256": stored_hash,
            "signed_pdf_sha256": contract.signed_pdf_sha256,
            "superseded": superseded,
        },
    )
    emit(
        tenant=tenant,
        name="contract.signed",
        obj=contract,
        payload=_payload(contract, signed_pdf_sha256=contract.signed_pdf_sha256),
    )
    notify(
        tenant=tenant,
        recipients=_channel_manager_or_issuer(contract),
        kind="contract.signed",
        title=_("%(partner)s signed %(template)s")
        % {"partner": contract.legal_name, "template": contract.template.name},
        body=_("Countersign it to complete the agreement."),
        url=_contract_url(contract),
    )
    return contract


def _supersede_previous(contract: Contract, now: datetime) -> int | None:
    """A signed renewal replaces the contract it renews (its timed work is cancelled)."""
    if contract.renewal_of_id is None:
        return None
    previous = locked_contract(contract.tenant, contract.renewal_of_id)
    if previous.status not in (*IN_FORCE_STATUSES, ContractStatus.EXPIRED):
        return None
    previous.status = ContractStatus.SUPERSEDED
    previous.superseded_at = now
    previous.save(update_fields=["status", "superseded_at", "updated_at"])
    _cancel_timed_work(previous)
    record(
        tenant=contract.tenant,
        actor=None,
        action="contract.superseded",
        obj=previous,
        changes={"by": contract.pk},
    )
    return previous.pk


@transaction.atomic
def countersign_contract(
    *, tenant, actor: Membership, contract_id: int, now: datetime | None = None
) -> Contract:
    """Staff countersign a partner-signed agreement: the stamped PDF is made again from the
    issued PDF with both signatures; the partner-signed PDF's hash stays on record."""
    require_manager(actor)
    if actor is None:
        raise NotAllowed(_("A person countersigns."))
    now = now or timezone.now()
    contract = locked_contract(tenant, contract_id)
    if contract.status == ContractStatus.COUNTERSIGNED:
        raise Conflict(_("This agreement is already countersigned."))
    if contract.status != ContractStatus.SIGNED:
        raise Conflict(
            _("Only an agreement the partner has signed can be countersigned; this one is %(s)s.")
            % {"s": contract.get_status_display().lower()}
        )
    original = stored_bytes(contract.document)
    if sha256_of(original) != contract.document_sha256:
        raise Conflict(_("The stored agreement no longer matches its record; it was altered."))
    contract.status = ContractStatus.COUNTERSIGNED
    contract.countersigned_by = actor.user
    contract.countersigner_name = actor.user.get_full_name()
    contract.countersigned_at = now
    _store_signed_pdf(contract, original)
    contract.save()
    record(
        tenant=tenant,
        actor=actor.user,
        action="contract.countersigned",
        obj=contract,
        changes={
            "signed_pdf_sha256": contract.signed_pdf_sha256,
            "partner_signed_pdf_sha256": contract.partner_signed_pdf_sha256,
        },
    )
    emit(
        tenant=tenant,
        name="contract.countersigned",
        obj=contract,
        payload=_payload(contract, signed_pdf_sha256=contract.signed_pdf_sha256),
    )
    notify(
        tenant=tenant,
        recipients=_partner_admins(tenant, contract.partner_id),
        kind="contract.countersigned",
        title=_("%(template)s is countersigned") % {"template": contract.template.name},
        body=_("%(vendor)s countersigned the agreement; the final PDF is ready to download.")
        % {"vendor": tenant.name},
        url=_contract_url(contract),
    )
    return contract


# --- timed work: renewal notices and expiry --------------------------------------------------


def _schedule_notices(contract: Contract, now: datetime) -> None:
    """Book the 60- and 30-day renewal notices still ahead (a contract signed 40 days before
    its end gets only the 30-day one)."""
    for days in RENEWAL_NOTICE_DAYS:
        due_at = local_start(
            contract.tenant, contract.expiry_date - timedelta(days=days), NOTICE_HOUR
        )
        if due_at > now:
            schedule(
                tenant=contract.tenant,
                kind=RENEWAL_NOTICE_WORK,
                key=f"contract:{contract.pk}:{days}",
                due_at=due_at,
                payload={"contract_id": contract.pk, "days": days},
            )


def _cancel_timed_work(contract: Contract, *, expiry: bool = True) -> None:
    for days in RENEWAL_NOTICE_DAYS:
        cancel(
            tenant=contract.tenant, kind=RENEWAL_NOTICE_WORK, key=f"contract:{contract.pk}:{days}"
        )
    if expiry:
        cancel(tenant=contract.tenant, kind=EXPIRY_WORK, key=f"contract:{contract.pk}")


@transaction.atomic
def send_renewal_notice(
    *, tenant, contract_id: int, days: int, now: datetime | None = None
) -> bool:
    """Tell the partner's administrators and its channel manager that the agreement ends in
    `days` days. Each notice goes out once: a second run finds it sent and does nothing.
    Returns whether a notice was sent."""
    if days not in RENEWAL_NOTICE_DAYS:
        raise ValidationFailed(_("Renewal notices go out 60 or 30 days ahead."), field="days")
    now = now or timezone.now()
    contract = locked_contract(tenant, contract_id)
    field = f"renewal_notice_{days}_sent_at"
    if getattr(contract, field) is not None or contract.status not in IN_FORCE_STATUSES:
        return False
    setattr(contract, field, now)
    contract.save(update_fields=[field, "updated_at"])
    record(
        tenant=tenant,
        actor=None,
        action="contract.renewal_notice_sent",
        obj=contract,
        changes={"days": days, "expiry_date": contract.expiry_date},
    )
    notify(
        tenant=tenant,
        recipients=[
            *_partner_admins(tenant, contract.partner_id),
            *_channel_manager_or_issuer(contract),
        ],
        kind="contract.renewal_due",
        title=_("%(template)s with %(partner)s ends in %(days)s days")
        % {"template": contract.template.name, "partner": contract.legal_name, "days": days},
        body=_("The agreement expires on %(date)s; issue a renewal before then.")
        % {"date": _long_date(contract.expiry_date)},
        url=_contract_url(contract),
    )
    return True


@transaction.atomic
def expire_contract(*, tenant, contract_id: int, now: datetime | None = None) -> bool:
    """Mark an agreement expired once its expiry date has come (idempotent; a contract that
    was superseded, or is not yet at its date, is left alone). Returns whether it changed."""
    now = now or timezone.now()
    contract = locked_contract(tenant, contract_id)
    if contract.status not in (ContractStatus.ISSUED, *IN_FORCE_STATUSES):
        return False
    if local_today(tenant, now) < contract.expiry_date:
        return False
    before = contract.status
    contract.status = ContractStatus.EXPIRED
    contract.expired_at = now
    contract.save(update_fields=["status", "expired_at", "updated_at"])
    # The expiry item is the one running now; only the notices still ahead are cancelled.
    _cancel_timed_work(contract, expiry=False)
    record(
        tenant=tenant,
        actor=None,
        action="contract.expired",
        obj=contract,
        changes={"status": [before, ContractStatus.EXPIRED]},
    )
    emit(tenant=tenant, name="contract.expired", obj=contract, payload=_payload(contract))
    notify(
        tenant=tenant,
        recipients=[
            *_partner_admins(tenant, contract.partner_id),
            *_channel_manager_or_issuer(contract),
        ],
        kind="contract.expired",
        title=_("%(template)s with %(partner)s has expired")
        % {"template": contract.template.name, "partner": contract.legal_name},
        url=_contract_url(contract),
        send_email=False,
    )
    return True
