"""Named accounts: customers reserved for direct sales. A registration for one goes to review
(dealreg.duplicates.named_account_for finds it).

An account is known by its normalised name and registrable domain (dealreg.matching): adding
one that is already there is refused, and a re-uploaded file updates the accounts it names
instead of duplicating them. A CSV upload is applied whole or not at all: one bad row and
nothing is written, every problem is reported with its row number (the header is row 1).

File format: UTF-8 (a byte-order mark is fine), comma, semicolon or tab separated, with a
header row naming the columns name, domain, country, owner in any order and any case
(unknown columns are ignored). Only the name cell is required; countries are ISO 3166-1
codes (DE, DEU) or English names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django_countries import countries

from ecosystem.audit.services import diff, record, snapshot
from ecosystem.csv_uploads import ImportTooLarge, parse_csv_rows
from ecosystem.errors import NotFound, ValidationFailed
from ecosystem.tenancy.models import Membership

from . import matching
from .crm_cleaning import file_name_of, read_upload, text_of
from .models import NamedAccount

COLUMNS = ["name", "domain", "country", "owner"]
MAX_ROWS = 5000
# A file full of mistakes is not worth listing mistake by mistake: the first ones say what
# to fix.
MAX_REPORTED_ERRORS = 200
EDITABLE_FIELDS = ["name", "domain", "country", "owner"]
COUNTRY_ALIASES = {"UK": "GB"}

__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "ImportRejected",
    "ImportResult",
    "ImportTooLarge",
    "add_named_account",
    "import_named_accounts",
    "named_accounts",
    "remove_named_account",
]


# --- reads --------------------------------------------------------------------------------


def named_accounts(*, tenant, search: str = ""):
    """The tenant's named accounts by name; `search` matches name, domain or owner."""
    accounts = NamedAccount.objects.for_tenant(tenant).select_related("created_by")
    search = text_of(search)[:200]
    if search:
        accounts = accounts.filter(
            Q(name__icontains=search) | Q(domain__icontains=search) | Q(owner__icontains=search)
        )
    return accounts.order_by("name", "id")


# --- cleaning -----------------------------------------------------------------------------


def clean_account(data: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(values, errors) of one account as typed: tidied text, country as ISO alpha-2."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    name = " ".join(text_of(data.get("name")).split())
    if not name:
        errors["name"] = _("Enter the customer's company name.")
    elif len(name) > 200:
        errors["name"] = _("Use at most 200 characters.")
    elif not matching.normalise_name(name):
        errors["name"] = _("Enter the customer's company name, not only punctuation.")
    values["name"] = name
    domain = text_of(data.get("domain"))
    if domain and (len(domain) > 253 or not matching.normalise_domain(domain)):
        errors["domain"] = _("“%(value)s” is not a web domain; use one such as acme.com.") % {
            "value": domain[:60]
        }
    values["domain"] = domain
    country = text_of(data.get("country"))
    code = ""
    if country:
        code = COUNTRY_ALIASES.get(country.upper()) or countries.alpha2(country) or ""
        code = code or countries.by_name(country) or ""
        if not code:
            errors["country"] = _(
                "“%(value)s” is not a country; use an ISO code such as DE or US."
            ) % {"value": country[:60]}
    values["country"] = code
    owner = " ".join(text_of(data.get("owner")).split())
    if len(owner) > 200:
        errors["owner"] = _("Use at most 200 characters.")
    values["owner"] = owner
    return values, errors


def _keys(values: dict[str, str]) -> tuple[str, str]:
    identity = matching.identity(values["name"], values["domain"], values["country"])
    return identity.name_key, identity.domain_key


def _lock(tenant) -> None:
    """Serialise named-account writes of one tenant, so two uploads (or an upload and an
    add) cannot both create the same account. SQLite serialises write transactions anyway."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [tenant.pk, "named-accounts"]
        )


def _same_key(tenant, name_key: str, domain_key: str):
    return NamedAccount.objects.for_tenant(tenant).filter(name_key=name_key, domain_key=domain_key)


# --- writes -------------------------------------------------------------------------------


@transaction.atomic
def add_named_account(*, tenant, actor: Membership, data: dict[str, Any]) -> NamedAccount:
    """Reserve a customer for direct sales; the same name and domain twice is refused."""
    unknown = sorted(set(data) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationFailed(errors={name: [_("Unknown field.")] for name in unknown})
    values, errors = clean_account(data)
    if errors:
        raise ValidationFailed(errors={name: [message] for name, message in errors.items()})
    name_key, domain_key = _keys(values)
    _lock(tenant)
    existing = _same_key(tenant, name_key, domain_key).first()
    if existing is not None:
        raise ValidationFailed(
            _("“%(name)s” is already a named account.") % {"name": existing.name}, field="name"
        )
    account = NamedAccount.objects.create(
        tenant=tenant,
        name_key=name_key,
        domain_key=domain_key,
        created_by=actor.user,
        **values,
    )
    record(
        tenant=tenant, actor=actor.user, action="named_account.added", obj=account, changes=values
    )
    return account


@transaction.atomic
def remove_named_account(*, tenant, actor: Membership, account_id: int) -> None:
    """Release a named account: registrations for the customer follow the usual rules."""
    account = NamedAccount.objects.for_tenant(tenant).filter(pk=account_id).first()
    if account is None:
        raise NotFound(_("No such named account."))
    record(
        tenant=tenant,
        actor=actor.user,
        action="named_account.removed",
        obj=account,
        changes=snapshot(account, EDITABLE_FIELDS),
    )
    account.delete()


@dataclass
class ImportResult:
    file_name: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class RowError:
    row: int
    field: str
    message: str


class ImportRejected(ValidationFailed):
    """Rows with problems: nothing was imported. `rows` lists each problem."""

    def __init__(self, message: str, *, rows: list[RowError], total_errors: int):
        super().__init__(message, field="file")
        self.rows = rows
        self.total_errors = total_errors


@transaction.atomic
def import_named_accounts(*, tenant, actor: Membership, uploaded_file) -> ImportResult:
    """Add or update named accounts from a CSV file, all rows or none.

    A row naming an account that exists (same normalised name and domain) updates its
    country and owner (and the name and domain as typed); two rows naming the same account
    are an error. Raises ImportRejected with every row's problem, or ValidationFailed /
    ImportTooLarge (413) for the file as a whole."""
    file_name = file_name_of(uploaded_file)
    parsed = parse_csv_rows(
        read_upload(uploaded_file),
        columns=COLUMNS,
        required=COLUMNS,
        max_rows=MAX_ROWS,
        unique="known",
        missing_columns=_("The file has no %(columns)s column."),
        no_rows=_("The file has a header but no accounts."),
    )
    errors: list[RowError] = []
    cleaned: list[tuple[int, dict[str, str], tuple[str, str]]] = []
    first_row_of: dict[tuple[str, str], int] = {}
    for number, cells in parsed.rows:
        values, row_errors = clean_account(cells)
        errors += [RowError(number, name, message) for name, message in row_errors.items()]
        if row_errors:
            continue
        key = _keys(values)
        if key in first_row_of:
            errors.append(
                RowError(
                    number,
                    "name",
                    _("The same account as row %(row)d (same name and domain).")
                    % {"row": first_row_of[key]},
                )
            )
            continue
        first_row_of[key] = number
        cleaned.append((number, values, key))
    if errors:
        raise ImportRejected(
            _(
                "%(count)d problem(s) found; nothing was imported. Fix the rows below and "
                "upload the file again."
            )
            % {"count": len(errors)},
            rows=errors[:MAX_REPORTED_ERRORS],
            total_errors=len(errors),
        )

    _lock(tenant)
    existing = _existing_by_key(tenant, {key for _, _, key in cleaned})
    result = ImportResult(file_name=file_name)
    to_create, to_update = [], []
    for _number, values, (name_key, domain_key) in cleaned:
        account = existing.get((name_key, domain_key))
        if account is None:
            to_create.append(
                NamedAccount(
                    tenant=tenant,
                    name_key=name_key,
                    domain_key=domain_key,
                    created_by=actor.user,
                    **values,
                )
            )
            continue
        before = snapshot(account, EDITABLE_FIELDS)
        for name, value in values.items():
            setattr(account, name, value)
        if diff(before, snapshot(account, EDITABLE_FIELDS)):
            to_update.append(account)
        else:
            result.unchanged += 1
    NamedAccount.objects.bulk_create(to_create, batch_size=500)
    NamedAccount.objects.bulk_update(to_update, EDITABLE_FIELDS, batch_size=500)
    result.created, result.updated = len(to_create), len(to_update)
    record(
        tenant=tenant,
        actor=actor.user,
        action="named_accounts.imported",
        changes={
            "file": file_name,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )
    return result


def _existing_by_key(tenant, keys: set[tuple[str, str]]) -> dict[tuple[str, str], NamedAccount]:
    """Existing accounts with any of these keys, by key (queried by name key in batches)."""
    found: dict[tuple[str, str], NamedAccount] = {}
    name_keys = sorted({name_key for name_key, _ in keys})
    accounts = NamedAccount.objects.for_tenant(tenant)
    for start in range(0, len(name_keys), 900):  # SQLite limits parameters per query
        batch = name_keys[start : start + 900]
        for account in accounts.filter(name_key__in=batch).order_by("id"):
            found.setdefault((account.name_key, account.domain_key), account)
    return found
