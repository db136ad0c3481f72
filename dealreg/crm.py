"""Vendor pipeline records (CRM accounts and opportunities) and their CSV imports.

Records are keyed by the CRM's `external_id`: writing one that exists updates it, so an
upsert, a sync or a re-imported file never duplicates. An opportunity's customer (name,
domain, country) is its own when given, otherwise its account's; the normalised keys of
that identity (dealreg.matching) are stored on the row so duplicate detection finds it.

A CSV import is previewed first: the whole file is checked and stored with its row-level
errors, nothing written to the records. Applying writes every row in one transaction, or
none. Files are UTF-8 (a byte-order mark is fine), comma, semicolon or tab separated, with
a header row naming the columns (in any order, any case; unknown columns are ignored):

accounts:       external_id*, name*, domain, country, industry, owner
opportunities:  external_id*, name*, account_external_id, customer_name, customer_domain,
                customer_country, stage, is_open, amount, currency, owner, close_date,
                products (semicolon separated)

(* = required column.) Countries are ISO 3166-1 codes (DE, DEU) or English names; amounts
like 12500.00 or 12,500.00 with a three-letter currency; dates YYYY-MM-DD; is_open
true/false/yes/no (empty: closed when the stage starts with Closed, Won or Lost). A column
left out keeps what the record holds; an empty cell clears it. Row numbers in errors are
those a spreadsheet shows: the header is row 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.audit.services import diff, record, snapshot
from ecosystem.errors import Conflict, NotFound, ValidationFailed
from ecosystem.outbox.services import emit
from ecosystem.tenancy.models import Membership

from . import matching
from .crm_cleaning import (
    COLUMNS,
    ImportTooLarge,
    ParsedFile,
    clean_account,
    clean_opportunity,
    file_name_of,
    is_open_stage,
    parse_csv,
    plain_row,
    read_upload,
)
from .models import CrmAccount, CrmImport, CrmOpportunity

__all__ = [
    "ImportTooLarge",
    "apply_import",
    "clean_account",
    "clean_opportunity",
    "delete_account",
    "delete_opportunity",
    "discard_import",
    "preview_import",
    "update_account",
    "update_opportunity",
    "upsert_account",
    "upsert_opportunity",
]

# A file full of mistakes is not worth storing mistake by mistake: the first ones say
# what to fix.
MAX_STORED_ERRORS = 500
IN_BATCH = 900  # ids per IN (…) query; SQLite, the embedded default, limits parameters


ACCOUNT_FIELDS = ["external_id", "name", "domain", "country", "industry", "owner"]
OPPORTUNITY_FIELDS = [
    "external_id",
    "account",
    "name",
    "customer_name",
    "customer_domain",
    "customer_country",
    "stage",
    "is_open",
    "amount",
    "currency",
    "owner",
    "close_date",
    "products",
]
# (opportunity field, account field) an opportunity without its own value takes over.
INHERITED_FROM_ACCOUNT = [
    ("customer_name", "name"),
    ("customer_domain", "domain"),
    ("customer_country", "country"),
]


def _opportunity_fields(
    values: dict[str, Any], *, existing: CrmOpportunity | None, accounts: Mapping[str, CrmAccount]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The model fields to write for cleaned `values`, with the customer completed from the
    account and its keys computed; or the errors that stop it.

    The customer's name, domain and country are each the row's own when given; otherwise
    the account's. A record updated without them keeps its own, unless it moves to an
    account that has them."""
    errors: dict[str, str] = {}
    fields = {
        key: value
        for key, value in values.items()
        if key in OPPORTUNITY_FIELDS and key not in {"account", "is_open"}
    }
    account = existing.account if existing is not None else None
    account_changed = False
    if "account_external_id" in values:
        reference = values["account_external_id"]
        account = accounts.get(reference) if reference else None
        if reference and account is None:
            errors["account_external_id"] = _(
                "No account has the external id “%(id)s”; import or create the account first."
            ) % {"id": reference[:100]}
        fields["account"] = account
        account_changed = existing is None or existing.account_id != (
            account.pk if account else None
        )
    for field, account_field in INHERITED_FROM_ACCOUNT:
        own = values.get(field)
        inherited = str(getattr(account, account_field) or "") if account is not None else ""
        keeps_its_own = own is None and existing is not None
        if own:
            fields[field] = own
        elif keeps_its_own and not (account_changed and inherited):
            fields[field] = str(getattr(existing, field) or "")
        else:
            fields[field] = inherited
    # An unknown account is the one problem to report, not the customer it did not give.
    if not fields["customer_name"] and not errors:
        errors["customer_name"] = _(
            "Give the customer's name, or an account_external_id of an account that has one."
        )
    if not fields["customer_country"] and "account_external_id" not in errors:
        errors["customer_country"] = _(
            "Give the customer's country (an ISO code such as DE), or an account that has one."
        )
    if values.get("is_open") is not None:
        fields["is_open"] = values["is_open"]
    elif "stage" in values or "is_open" in values or existing is None:
        fields["is_open"] = is_open_stage(
            values.get("stage", existing.stage if existing is not None else "")
        )
    amount = values["amount"] if "amount" in values else getattr(existing, "amount", None)
    currency = values["currency"] if "currency" in values else getattr(existing, "currency", "")
    if amount is not None and not currency:
        errors.setdefault("currency", _("Give the amount's currency, such as USD."))
    if not errors:
        identity = matching.identity(
            fields["customer_name"], fields["customer_domain"], fields["customer_country"]
        )
        fields.update(CrmOpportunity.keys_of(identity))
    return fields, errors


def _as_validation_error(errors: dict[str, str]) -> ValidationFailed:
    return ValidationFailed(errors={field: [message] for field, message in errors.items()})


def _assign(instance, fields: dict[str, Any]) -> list[str]:
    """Set `fields` on `instance`; the names of those that changed."""
    changed = []
    for name, value in fields.items():
        current = getattr(instance, name)
        if name.endswith("country") or name == "country":
            current = str(current or "")
        if current != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def _by_external_id(queryset, external_ids: Iterable[str]) -> dict[str, Any]:
    ids = sorted({external_id for external_id in external_ids if external_id})
    found: dict[str, Any] = {}
    for start in range(0, len(ids), IN_BATCH):
        for item in queryset.filter(external_id__in=ids[start : start + IN_BATCH]):
            found[item.external_id] = item
    return found


def _save_new(instance) -> bool:
    """Insert; False when a concurrent writer inserted the same external id first."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        return False
    return True


def _account_identity(account: CrmAccount) -> tuple[str, str, str]:
    return (account.name, account.domain, str(account.country or ""))


def _follow_account_changes(tenant, changes: list[tuple[CrmAccount, tuple[str, str, str]]]):
    """Opportunities that took their customer from an account follow it when it changes:
    each of their customer fields still equal to the account's old value takes the new."""
    if not changes:
        return
    old_by_account = {account.pk: (account, old) for account, old in changes}
    opportunities = CrmOpportunity.objects.for_tenant(tenant).filter(
        account_id__in=list(old_by_account)
    )
    now = timezone.now()
    updated = []
    for opportunity in opportunities:
        account, old = old_by_account[opportunity.account_id]
        new = _account_identity(account)
        changed = False
        for (field, _account_field), before, after in zip(
            INHERITED_FROM_ACCOUNT, old, new, strict=True
        ):
            if str(getattr(opportunity, field) or "") == before and before != after and after:
                setattr(opportunity, field, after)
                changed = True
        if changed:
            identity = matching.identity(
                opportunity.customer_name,
                opportunity.customer_domain,
                str(opportunity.customer_country),
            )
            for key, value in CrmOpportunity.keys_of(identity).items():
                setattr(opportunity, key, value)
            opportunity.updated_at = now
            updated.append(opportunity)
    CrmOpportunity.objects.bulk_update(
        updated,
        [field for field, _account_field in INHERITED_FROM_ACCOUNT]
        + CrmOpportunity.KEY_FIELDS
        + ["updated_at"],
        batch_size=500,
    )


# --- records, one at a time (the API) ------------------------------------------------------


def _locked(queryset, external_id: str):
    # of=self: an opportunity's account is an outer join, which cannot be locked.
    return queryset.select_for_update(of=("self",)).filter(external_id=external_id).first()


@transaction.atomic
def upsert_account(*, tenant, actor: Membership, data: Mapping[str, Any]):
    """Create the account with this external id, or update the one that has it:
    (account, created). Fields left out keep their values."""
    values, errors = clean_account(data)
    if errors:
        raise _as_validation_error(errors)
    accounts = CrmAccount.objects.for_tenant(tenant)
    account = _locked(accounts, values["external_id"])
    if account is None:
        account = CrmAccount(tenant=tenant, **values)
        if _save_new(account):
            record(
                tenant=tenant,
                actor=actor.user,
                action="crm.account_created",
                obj=account,
                changes=snapshot(account, ACCOUNT_FIELDS),
            )
            return account, True
        account = _locked(accounts, values["external_id"])  # a concurrent upsert won
        if account is None:
            raise Conflict(_("The account changed while it was saved; send it again."))
    return _write_account(tenant, actor, account, values), False


@transaction.atomic
def update_account(*, tenant, actor: Membership, account_id: int, data: Mapping[str, Any]):
    """Change some fields of an account (its external id too, if no other account has it)."""
    account = (
        CrmAccount.objects.for_tenant(tenant).select_for_update().filter(pk=account_id).first()
    )
    if account is None:
        raise NotFound(_("This CRM account does not exist."))
    values, errors = clean_account(data, partial=True)
    if errors:
        raise _as_validation_error(errors)
    external_id = values.get("external_id", account.external_id)
    if (
        external_id != account.external_id
        and CrmAccount.objects.for_tenant(tenant).filter(external_id=external_id).exists()
    ):
        raise Conflict(
            _("Another account has the external id “%(id)s”.") % {"id": external_id},
            field="external_id",
        )
    return _write_account(tenant, actor, account, values)


def _write_account(tenant, actor: Membership, account: CrmAccount, values: dict) -> CrmAccount:
    before = snapshot(account, ACCOUNT_FIELDS)
    old_identity = _account_identity(account)
    changed = _assign(account, values)
    if not changed:
        return account
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as error:
        raise Conflict(_("Another account has this external id."), field="external_id") from error
    if _account_identity(account) != old_identity:
        _follow_account_changes(tenant, [(account, old_identity)])
    record(
        tenant=tenant,
        actor=actor.user,
        action="crm.account_updated",
        obj=account,
        changes=diff(before, snapshot(account, ACCOUNT_FIELDS)),
    )
    return account


@transaction.atomic
def delete_account(*, tenant, actor: Membership, account_id: int) -> None:
    """Remove an account; its opportunities stay, keeping the customer they took from it."""
    account = CrmAccount.objects.for_tenant(tenant).filter(pk=account_id).first()
    if account is None:
        raise NotFound(_("This CRM account does not exist."))
    record(
        tenant=tenant,
        actor=actor.user,
        action="crm.account_deleted",
        obj=account,
        changes={"external_id": account.external_id, "name": account.name},
    )
    account.delete()


def _accounts_for(tenant, values: dict) -> dict[str, CrmAccount]:
    reference = values.get("account_external_id")
    if not reference:
        return {}
    return _by_external_id(CrmAccount.objects.for_tenant(tenant), [reference])


def _opportunities(tenant):
    return CrmOpportunity.objects.for_tenant(tenant).select_related("account")


@transaction.atomic
def upsert_opportunity(*, tenant, actor: Membership, data: Mapping[str, Any]):
    """Create the opportunity with this external id, or update the one that has it:
    (opportunity, created). `account_external_id` links it to an account, whose name,
    domain and country it takes when it has none of its own."""
    values, errors = clean_opportunity(data)
    if errors:
        raise _as_validation_error(errors)
    accounts = _accounts_for(tenant, values)
    opportunity = _locked(_opportunities(tenant), values["external_id"])
    if opportunity is None:
        fields, errors = _opportunity_fields(values, existing=None, accounts=accounts)
        if errors:
            raise _as_validation_error(errors)
        opportunity = CrmOpportunity(tenant=tenant, **fields)
        if _save_new(opportunity):
            record(
                tenant=tenant,
                actor=actor.user,
                action="crm.opportunity_created",
                obj=opportunity,
                changes=snapshot(opportunity, OPPORTUNITY_FIELDS),
            )
            return opportunity, True
        opportunity = _locked(_opportunities(tenant), values["external_id"])
        if opportunity is None:
            raise Conflict(_("The opportunity changed while it was saved; send it again."))
    return _write_opportunity(tenant, actor, opportunity, values, accounts), False


@transaction.atomic
def update_opportunity(*, tenant, actor: Membership, opportunity_id: int, data: Mapping[str, Any]):
    """Change some fields of an opportunity (the customer keys follow)."""
    opportunity = (
        _opportunities(tenant).select_for_update(of=("self",)).filter(pk=opportunity_id).first()
    )
    if opportunity is None:
        raise NotFound(_("This CRM opportunity does not exist."))
    values, errors = clean_opportunity(data, partial=True)
    if errors:
        raise _as_validation_error(errors)
    external_id = values.get("external_id", opportunity.external_id)
    if (
        external_id != opportunity.external_id
        and CrmOpportunity.objects.for_tenant(tenant).filter(external_id=external_id).exists()
    ):
        raise Conflict(
            _("Another opportunity has the external id “%(id)s”.") % {"id": external_id},
            field="external_id",
        )
    return _write_opportunity(tenant, actor, opportunity, values, _accounts_for(tenant, values))


def _write_opportunity(tenant, actor, opportunity: CrmOpportunity, values: dict, accounts):
    fields, errors = _opportunity_fields(values, existing=opportunity, accounts=accounts)
    if errors:
        raise _as_validation_error(errors)
    before = snapshot(opportunity, OPPORTUNITY_FIELDS)
    if not _assign(opportunity, fields):
        return opportunity
    try:
        with transaction.atomic():
            opportunity.save()
    except IntegrityError as error:
        raise Conflict(
            _("Another opportunity has this external id."), field="external_id"
        ) from error
    record(
        tenant=tenant,
        actor=actor.user,
        action="crm.opportunity_updated",
        obj=opportunity,
        changes=diff(before, snapshot(opportunity, OPPORTUNITY_FIELDS)),
    )
    return opportunity


@transaction.atomic
def delete_opportunity(*, tenant, actor: Membership, opportunity_id: int) -> None:
    """Remove an opportunity; duplicate checks stop seeing it."""
    opportunity = CrmOpportunity.objects.for_tenant(tenant).filter(pk=opportunity_id).first()
    if opportunity is None:
        raise NotFound(_("This CRM opportunity does not exist."))
    record(
        tenant=tenant,
        actor=actor.user,
        action="crm.opportunity_deleted",
        obj=opportunity,
        changes={"external_id": opportunity.external_id, "name": opportunity.name},
    )
    opportunity.delete()


# --- CSV imports ---------------------------------------------------------------------------


def _check_rows(tenant, kind: str, parsed: ParsedFile) -> tuple[list[dict], list[dict]]:
    """Every row checked as apply would check it: (valid rows to store, row errors)."""
    errors = list(parsed.errors)
    cleaned: list[tuple[int, dict[str, Any]]] = []
    first_row_of: dict[str, int] = {}
    clean = clean_account if kind == CrmImport.Kind.ACCOUNTS else clean_opportunity
    for number, cells in parsed.rows:
        values, row_errors = clean(cells)
        external_id = values.get("external_id")
        if external_id in first_row_of:
            row_errors.setdefault(
                "external_id",
                _("“%(id)s” is also on row %(row)d; give each external id once per file.")
                % {"id": external_id[:100], "row": first_row_of[external_id]},
            )
        elif external_id:
            first_row_of[external_id] = number
        errors.extend(
            {"row": number, "field": field, "message": message}
            for field, message in row_errors.items()
        )
        if not row_errors:
            cleaned.append((number, values))

    if kind == CrmImport.Kind.ACCOUNTS:
        existing = _by_external_id(CrmAccount.objects.for_tenant(tenant), first_row_of)
        rows = [
            {
                "row": number,
                "action": "update" if values["external_id"] in existing else "create",
                **plain_row(values),
            }
            for number, values in cleaned
        ]
    else:
        existing = _by_external_id(_opportunities(tenant), first_row_of)
        accounts = _by_external_id(
            CrmAccount.objects.for_tenant(tenant),
            (values.get("account_external_id", "") for _number, values in cleaned),
        )
        rows = []
        for number, values in cleaned:
            opportunity = existing.get(values["external_id"])
            fields, row_errors = _opportunity_fields(
                values, existing=opportunity, accounts=accounts
            )
            if row_errors:
                errors.extend(
                    {"row": number, "field": field, "message": message}
                    for field, message in row_errors.items()
                )
                continue
            rows.append(
                {
                    "row": number,
                    "action": "update" if opportunity is not None else "create",
                    **plain_row(values),
                    # What the record will show, when the customer comes from the account.
                    "customer": fields["customer_name"],
                }
            )
    order = {name: index for index, name in enumerate(["", *COLUMNS[kind]])}
    errors.sort(key=lambda error: (error["row"], order.get(error["field"], 99)))
    return rows, errors


def _capped(errors: list[dict]) -> list[dict]:
    if len(errors) <= MAX_STORED_ERRORS:
        return errors
    kept = errors[:MAX_STORED_ERRORS]
    kept.append(
        {
            "row": kept[-1]["row"],
            "field": "",
            "message": _("…and %(count)d more errors; fix these and upload the file again.")
            % {"count": len(errors) - MAX_STORED_ERRORS},
        }
    )
    return kept


@transaction.atomic
def preview_import(*, tenant, actor: Membership, kind: str, uploaded_file) -> CrmImport:
    """Read and check a CSV file of accounts or opportunities; store the valid rows and
    every row-level error for review. Nothing is written to the records."""
    if kind not in CrmImport.Kind.values:
        raise ValidationFailed(_("Choose accounts or opportunities."), field="kind")
    text = read_upload(uploaded_file)
    parsed = parse_csv(text, kind)
    if not parsed.rows:
        raise ValidationFailed(
            _("The file has a header but no rows; add at least one record."), field="file"
        )
    rows, errors = _check_rows(tenant, kind, parsed)
    crm_import = CrmImport.objects.create(
        tenant=tenant,
        kind=kind,
        file_name=file_name_of(uploaded_file),
        rows=rows,
        errors=_capped(errors),
        total_rows=len(parsed.rows),
        created_by=actor.user,
    )
    record(
        tenant=tenant,
        actor=actor.user,
        action="crm.import_previewed",
        obj=crm_import,
        changes={
            "kind": kind,
            "file_name": crm_import.file_name,
            "total_rows": crm_import.total_rows,
            "columns": parsed.columns,
            "errors": len(errors),
        },
    )
    return crm_import


def _locked_import(tenant, import_id: int) -> CrmImport:
    crm_import = (
        CrmImport.objects.for_tenant(tenant).select_for_update().filter(pk=import_id).first()
    )
    if crm_import is None:
        raise NotFound(_("This import does not exist."))
    return crm_import


def _refuse_unless_previewed(crm_import: CrmImport) -> None:
    if crm_import.status != CrmImport.Status.PREVIEWED:
        raise Conflict(
            _("This import was already %(status)s; upload the file again to import it again.")
            % {"status": crm_import.get_status_display().lower()}
        )


def _row_conflict(row: dict, errors: dict[str, str]) -> Conflict:
    field, message = next(iter(errors.items()))
    return Conflict(
        _(
            "Row %(row)s (%(field)s): %(message)s The records changed since the preview; "
            "nothing was imported. Upload the file again to see the current errors."
        )
        % {"row": row.get("row", "?"), "field": field, "message": message}
    )


def _stored_values(row: dict) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in {"row", "action", "customer"}}


def _apply_accounts(tenant, rows: list[dict]) -> tuple[int, int]:
    checked = []
    for row in rows:
        values, errors = clean_account(_stored_values(row))
        if errors:
            raise _row_conflict(row, errors)
        checked.append(values)
    existing = _by_external_id(
        CrmAccount.objects.for_tenant(tenant).select_for_update(),
        (values["external_id"] for values in checked),
    )
    now = timezone.now()
    new, changed, identity_changes = [], [], []
    for values in checked:
        account = existing.get(values["external_id"])
        if account is None:
            new.append(CrmAccount(tenant=tenant, **values))
            continue
        old_identity = _account_identity(account)
        if _assign(account, values):
            account.updated_at = now
            changed.append(account)
            if _account_identity(account) != old_identity:
                identity_changes.append((account, old_identity))
    CrmAccount.objects.bulk_create(new, batch_size=500)
    CrmAccount.objects.bulk_update(changed, [*ACCOUNT_FIELDS, "updated_at"], batch_size=500)
    _follow_account_changes(tenant, identity_changes)
    return len(new), len(checked) - len(new)


def _apply_opportunities(tenant, rows: list[dict]) -> tuple[int, int]:
    checked = []
    for row in rows:
        values, errors = clean_opportunity(_stored_values(row))
        if errors:
            raise _row_conflict(row, errors)
        checked.append((row, values))
    existing = _by_external_id(
        _opportunities(tenant).select_for_update(of=("self",)),
        (values["external_id"] for _row, values in checked),
    )
    accounts = _by_external_id(
        CrmAccount.objects.for_tenant(tenant),
        (values.get("account_external_id", "") for _row, values in checked),
    )
    now = timezone.now()
    new, changed = [], []
    for row, values in checked:
        opportunity = existing.get(values["external_id"])
        fields, errors = _opportunity_fields(values, existing=opportunity, accounts=accounts)
        if errors:
            raise _row_conflict(row, errors)
        if opportunity is None:
            new.append(CrmOpportunity(tenant=tenant, **fields))
        elif _assign(opportunity, fields):
            opportunity.updated_at = now
            changed.append(opportunity)
    CrmOpportunity.objects.bulk_create(new, batch_size=500)
    CrmOpportunity.objects.bulk_update(
        changed, [*OPPORTUNITY_FIELDS, *CrmOpportunity.KEY_FIELDS, "updated_at"], batch_size=500
    )
    return len(new), len(checked) - len(new)


def apply_import(*, tenant, actor: Membership, import_id: int) -> CrmImport:
    """Write every row of a previewed import in one transaction: all of them or none.

    Refused (409) when the preview found errors or the import is no longer previewed.
    Existing records (same external id) are updated, so applying a file again never
    duplicates; opportunities may reference accounts that exist by then."""
    try:
        with transaction.atomic():
            crm_import = _locked_import(tenant, import_id)
            _refuse_unless_previewed(crm_import)
            if crm_import.errors:
                raise Conflict(
                    _(
                        "The file has %(count)d errors; nothing was imported. Fix them in the "
                        "file and upload it again."
                    )
                    % {"count": len(crm_import.errors)}
                )
            apply_rows = (
                _apply_accounts
                if crm_import.kind == CrmImport.Kind.ACCOUNTS
                else _apply_opportunities
            )
            created, updated = apply_rows(tenant, crm_import.rows)
            crm_import.status = CrmImport.Status.APPLIED
            crm_import.created_count = created
            crm_import.updated_count = updated
            crm_import.applied_at = timezone.now()
            crm_import.save(
                update_fields=["status", "created_count", "updated_count", "applied_at"]
            )
            report = {
                "kind": crm_import.kind,
                "file_name": crm_import.file_name,
                "total_rows": crm_import.total_rows,
                "created": created,
                "updated": updated,
            }
            record(
                tenant=tenant,
                actor=actor.user,
                action="crm.import_applied",
                obj=crm_import,
                changes=report,
            )
            emit(
                tenant=tenant,
                name="crm.imported",
                obj=crm_import,
                payload={"import_id": crm_import.pk, **report},
            )
    except IntegrityError as error:
        # Another import or API call created one of these external ids meanwhile.
        raise Conflict(
            _("The records changed while the import ran; nothing was imported. Apply it again.")
        ) from error
    return crm_import


@transaction.atomic
def discard_import(*, tenant, actor: Membership, import_id: int) -> CrmImport:
    """Drop a previewed import: its rows are forgotten, its report stays in the history."""
    crm_import = _locked_import(tenant, import_id)
    _refuse_unless_previewed(crm_import)
    crm_import.status = CrmImport.Status.DISCARDED
    crm_import.rows = []
    crm_import.save(update_fields=["status", "rows"])
    record(
        tenant=tenant,
        actor=actor.user,
        action="crm.import_discarded",
        obj=crm_import,
        changes={"kind": crm_import.kind, "file_name": crm_import.file_name},
    )
    return crm_import
