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

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.errors import ValidationFailed
from ecosystem.tenancy.models import Membership

from .crm_cleaning import ImportTooLarge, read_upload, text_of
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


def _header_name(cell: str) -> str:
    return re.sub(r"[\s\-]+", "_", text_of(cell).lower())


def _delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: cell}) for each non-blank row; file-level problems raise."""
    expected = _("The first row must name the columns: %(columns)s.") % {
        "columns": ", ".join(IMPORT_COLUMNS)
    }
    if not text.strip():
        raise ValidationFailed(_("The file is empty.") + " " + expected, field="file")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        header = [_header_name(cell) for cell in next(reader)]
        missing = [name for name in REQUIRED_IMPORT_COLUMNS if name not in header]
        if missing:
            raise ValidationFailed(
                _("The file has no %(columns)s column; add it to the first row.")
                % {"columns": ", ".join(missing)}
                + " "
                + expected,
                field="file",
            )
        positions = {name: index for index, name in enumerate(header) if name in IMPORT_COLUMNS}
        for number, cells in enumerate(reader, start=2):
            if not any(text_of(cell) for cell in cells):
                continue
            if len(rows) >= MAX_LEAD_IMPORT_ROWS:
                raise ImportTooLarge(
                    _("The file has more than %(limit)s leads; split it into several files.")
                    % {"limit": f"{MAX_LEAD_IMPORT_ROWS:,}"},
                    field="file",
                )
            rows.append(
                (
                    number,
                    {
                        name: cells[index] if index < len(cells) else ""
                        for name, index in positions.items()
                    },
                )
            )
    except csv.Error as error:
        raise ValidationFailed(
            _("The file is not valid CSV near row %(row)d (%(problem)s).")
            % {"row": reader.line_num, "problem": str(error)[:200]},
            field="file",
        ) from error
    return rows


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
    rows = _read_rows(read_upload(uploaded_file))
    result = LeadImport(total_rows=len(rows), dry_run=dry_run)
    cleaned: list[dict[str, Any]] = []
    for number, row in rows:
        values, errors = clean_lead(row)
        for name, message in errors.items():
            if len(result.errors) < MAX_STORED_ERRORS:
                result.errors.append({"row": number, "field": name, "message": message})
        cleaned.append(values)
    if not rows:
        raise ValidationFailed(_("The file has a header but no leads."), field="file")
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
