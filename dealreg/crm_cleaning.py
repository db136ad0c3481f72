"""Checking CRM records, one set of rules for the API and every CSV row, and reading CSV
uploads. Pure functions: no queries (dealreg.crm decides with the database).

The file format is described in dealreg.crm.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django_countries import countries

# ImportTooLarge and ParsedFile are used by dealreg.crm, which imports them from here.
from ecosystem.csv_uploads import ImportTooLarge as ImportTooLarge
from ecosystem.csv_uploads import ParsedCsv as ParsedFile
from ecosystem.csv_uploads import parse_csv_rows, read_csv_text

from . import matching
from .models import CrmImport

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 5000

ACCOUNT_COLUMNS = ["external_id", "name", "domain", "country", "industry", "owner"]
OPPORTUNITY_COLUMNS = [
    "external_id",
    "account_external_id",
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
COLUMNS: dict[str, list[str]] = {
    CrmImport.Kind.ACCOUNTS: ACCOUNT_COLUMNS,
    CrmImport.Kind.OPPORTUNITIES: OPPORTUNITY_COLUMNS,
}
REQUIRED_COLUMNS = ["external_id", "name"]

MAX_AMOUNT = Decimal("1e12")
GROUPED_AMOUNT = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")
CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
CLOSED_STAGE = re.compile(r"^\s*(closed|won|lost)\b", re.IGNORECASE)
TRUE_WORDS = {"true", "yes", "y", "1", "open"}
FALSE_WORDS = {"false", "no", "n", "0", "closed"}
COUNTRY_ALIASES = {"UK": "GB"}
MAX_PRODUCTS = 50


# --- cleaning: one set of rules for the API and for every CSV row -------------------------


def text_of(value: Any) -> str:
    # PostgreSQL refuses NUL characters in text.
    return "" if value is None else str(value).replace("\x00", "").strip()


class _Cleaner:
    """Collects cleaned values and the first error per field of one record."""

    def __init__(self, data: Mapping[str, Any], *, partial: bool):
        self.data = data
        self.partial = partial
        self.values: dict[str, Any] = {}
        self.errors: dict[str, str] = {}

    def given(self, field: str) -> bool:
        return field in self.data

    def error(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def text(self, field: str, max_length: int, *, required: bool = False, words=False):
        if not self.given(field):
            if required and not self.partial:
                self.error(field, _("This field is required."))
            return
        value = text_of(self.data[field])
        if words:
            value = " ".join(value.split())
        if required and not value:
            self.error(field, _("This field is required."))
        elif len(value) > max_length:
            self.error(
                field,
                _("Use at most %(limit)d characters (this has %(length)d).")
                % {"limit": max_length, "length": len(value)},
            )
        else:
            self.values[field] = value

    def domain(self, field: str) -> None:
        self.text(field, 253)
        value = self.values.get(field)
        if value and not matching.normalise_domain(value):
            del self.values[field]
            self.error(
                field,
                _("“%(value)s” is not a web domain; use one such as acme.com.")
                % {"value": value[:60]},
            )

    def country(self, field: str) -> None:
        if not self.given(field):
            return
        value = text_of(self.data[field])
        if not value:
            self.values[field] = ""
            return
        code = COUNTRY_ALIASES.get(value.upper()) or countries.alpha2(value)
        code = code or countries.by_name(value)
        if code:
            self.values[field] = code
        else:
            self.error(
                field,
                _("“%(value)s” is not a country; use an ISO code such as DE or US.")
                % {"value": value[:60]},
            )

    def boolean(self, field: str) -> None:
        if not self.given(field):
            return
        value = self.data[field]
        if value is None or isinstance(value, bool):
            self.values[field] = value
            return
        word = text_of(value).lower()
        if not word:
            self.values[field] = None  # decided by the stage
        elif word in TRUE_WORDS:
            self.values[field] = True
        elif word in FALSE_WORDS:
            self.values[field] = False
        else:
            self.error(field, _("Enter true or false (or leave it empty to go by the stage)."))

    def amount(self, field: str) -> None:
        if not self.given(field):
            return
        value = self.data[field]
        if value is None or (isinstance(value, str) and not text_of(value)):
            self.values[field] = None
            return
        message = _("Enter an amount such as 12500.00 (between 0 and 999,999,999,999.99).")
        if isinstance(value, bool | float):
            self.error(field, message)
            return
        text = text_of(value).replace(" ", "").replace("\u00a0", "")
        if GROUPED_AMOUNT.match(text):
            text = text.replace(",", "")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            self.error(field, message)
            return
        if not amount.is_finite() or amount < 0 or amount >= MAX_AMOUNT:
            self.error(field, message)
        elif amount != amount.quantize(Decimal("0.01")):
            self.error(field, _("Use at most two decimal places."))
        else:
            self.values[field] = amount.quantize(Decimal("0.01"))

    def currency(self, field: str) -> None:
        if not self.given(field):
            return
        value = text_of(self.data[field]).upper()
        if value and not CURRENCY_CODE.match(value):
            self.error(field, _("Enter a three-letter ISO 4217 currency code such as USD."))
        else:
            self.values[field] = value

    def date(self, field: str) -> None:
        if not self.given(field):
            return
        value = self.data[field]
        if value is None or isinstance(value, date):
            self.values[field] = value
            return
        text = text_of(value)
        if not text:
            self.values[field] = None
            return
        try:
            if len(text) != 10:
                raise ValueError(text)
            self.values[field] = date.fromisoformat(text)
        except ValueError:
            self.error(field, _("Enter a date as YYYY-MM-DD."))

    def products(self, field: str) -> None:
        if not self.given(field):
            return
        value = self.data[field]
        if value is None:
            items: Iterable[Any] = []
        elif isinstance(value, str):
            items = value.split(";")
        elif isinstance(value, list | tuple):
            items = value
        else:
            self.error(field, _("Give products as a list of names."))
            return
        names = list(dict.fromkeys(name for name in (text_of(item) for item in items) if name))
        if len(names) > MAX_PRODUCTS or any(len(name) > 100 for name in names):
            self.error(
                field,
                _("Give at most %(count)d products of at most 100 characters each.")
                % {"count": MAX_PRODUCTS},
            )
        else:
            self.values[field] = names


def clean_account(data: Mapping[str, Any], *, partial: bool = False):
    """(values, errors) of an account record: only the fields given, checked and tidied."""
    cleaner = _Cleaner(data, partial=partial)
    cleaner.text("external_id", 100, required=True)
    cleaner.text("name", 200, required=True, words=True)
    cleaner.domain("domain")
    cleaner.country("country")
    cleaner.text("industry", 100)
    cleaner.text("owner", 200)
    return cleaner.values, cleaner.errors


def clean_opportunity(data: Mapping[str, Any], *, partial: bool = False):
    """(values, errors) of an opportunity record: only the fields given, checked and tidied.
    Whether the customer is complete is decided with the account (_opportunity_fields)."""
    cleaner = _Cleaner(data, partial=partial)
    cleaner.text("external_id", 100, required=True)
    cleaner.text("account_external_id", 100)
    cleaner.text("name", 200, required=True, words=True)
    cleaner.text("customer_name", 200, words=True)
    cleaner.domain("customer_domain")
    cleaner.country("customer_country")
    cleaner.text("stage", 100)
    cleaner.boolean("is_open")
    cleaner.amount("amount")
    cleaner.currency("currency")
    cleaner.text("owner", 200)
    cleaner.date("close_date")
    cleaner.products("products")
    return cleaner.values, cleaner.errors


def is_open_stage(stage: str) -> bool:
    """Closed Won, Closed Lost, Won, Lost… are closed; every other stage is open."""
    return not CLOSED_STAGE.match(stage or "")


# --- CSV files ---------------------------------------------------------------------------


def read_upload(uploaded_file) -> str:
    """The upload's text: at most MAX_IMPORT_BYTES (413 beyond), UTF-8 with or without a
    byte-order mark."""
    return read_csv_text(uploaded_file, max_bytes=MAX_IMPORT_BYTES)


def parse_csv(text: str, kind: str) -> ParsedFile:
    """The header checked and the rows read (blank lines skipped); file-level problems
    are raised, row-level ones (cells beyond the header) collected."""
    return parse_csv_rows(
        text,
        columns=COLUMNS[kind],
        required=REQUIRED_COLUMNS,
        max_rows=MAX_IMPORT_ROWS,
        unique="all",
        extra_cells_are_errors=True,
    )


def plain_row(values: dict[str, Any]) -> dict[str, Any]:
    """Cleaned values as JSON can hold them; cleaning them again gives them back."""
    plain: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, date):
            value = value.isoformat()
        plain[key] = value
    return plain


def file_name_of(uploaded_file) -> str:
    """The uploaded file's own name, without any folders a browser sent along."""
    name = os.path.basename(text_of(getattr(uploaded_file, "name", "")).replace("\\", "/"))
    return name[:200] or "upload.csv"
