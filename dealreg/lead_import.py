"""Importing leads from a CSV file, all or nothing.

Files are UTF-8 (a byte-order mark is fine), comma, semicolon or tab separated, with a header
row naming the columns in any order and case (unknown columns are ignored): company_name*,
country*, company_domain, contact_name, contact_email, contact_phone, interest, products
(semicolon separated), estimated_amount, currency. (* = required.) Countries are ISO codes
(DE, DEU) or English names; amounts like 12500.00 or 12,500.00. The whole file is checked
first: any row error and nothing is written (each error names its row, as a spreadsheet
numbers it, and its column); otherwise every lead is created, and routed, in one
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.csv_uploads import parse_csv_rows
from ecosystem.tenancy.models import Membership

from .crm_cleaning import read_upload
from .leads import (
    LEAD_FIELDS,
    build_lead,
    clean_lead,
    locked_lead,
    offer_to_next_partner,
    record_created,
    require_lead_manager,
)
from .models import Lead

MAX_LEAD_IMPORT_ROWS = 1000
MAX_STORED_ERRORS = 200
IMPORT_COLUMNS = LEAD_FIELDS
REQUIRED_IMPORT_COLUMNS = ["company_name", "country"]


@dataclass
class LeadImport:
    """The outcome of an import: row errors (and nothing written), or the leads created."""

    total_rows: int
    errors: list[dict[str, Any]] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)
    offered: int = 0
    dry_run: bool = False

    @property
    def is_valid(self) -> bool:
        return not self.errors


@transaction.atomic
def import_leads(
    *,
    tenant,
    actor: Membership,
    uploaded_file,
    route: bool = True,
    dry_run: bool = False,
) -> LeadImport:
    """Import leads from a CSV file, all or nothing: every row is checked first; any error
    and nothing is written (the result lists each row's errors). Otherwise every lead is
    created with source `import` and, with `route`, offered in file order."""
    require_lead_manager(actor)
    rows = parse_csv_rows(
        read_upload(uploaded_file),
        columns=IMPORT_COLUMNS,
        required=REQUIRED_IMPORT_COLUMNS,
        max_rows=MAX_LEAD_IMPORT_ROWS,
        too_many_rows=_("The file has more than %(limit)s leads; split it into several files."),
        no_rows=_("The file has a header but no leads."),
    ).rows
    result = LeadImport(total_rows=len(rows), dry_run=dry_run)
    cleaned: list[dict[str, Any]] = []
    for number, row in rows:
        values, errors = clean_lead(row)
        for name, message in errors.items():
            if len(result.errors) < MAX_STORED_ERRORS:
                result.errors.append({"row": number, "field": name, "message": message})
        cleaned.append(values)
    if result.errors or dry_run:
        return result
    now = timezone.now()
    leads = Lead.objects.bulk_create(
        [build_lead(tenant, actor, values, Lead.Source.IMPORT) for values in cleaned]
    )
    for lead in leads:
        record_created(lead, actor)
        if route:
            locked = locked_lead(tenant, lead.pk)
            if offer_to_next_partner(locked, actor=actor, now=now, tell_creator=False) is not None:
                result.offered += 1
    result.leads = leads
    return result
