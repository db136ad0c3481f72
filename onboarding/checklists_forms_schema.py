"""The forms a checklist task can ask for, how their values are checked, encrypted at rest
(Fernet) and masked for display.

Nothing here reads a form back in full for people: pages and the API show `masked_values`
only. `decrypt_values` exists for payment runs outside the portal (and for tests proving the
stored token is the values)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecosystem.errors import ValidationFailed

from .models.checklists import FormSchema

MASK = "•••• ••••"
IBAN_LENGTHS = {
    # ISO 13616 registry lengths for the countries partners most often bank in; others are
    # accepted when their length is plausible (15 to 34) and the checksum holds.
    "AT": 20, "BE": 16, "CH": 21, "CZ": 24, "DE": 22, "DK": 18, "ES": 24, "FI": 18,
    "FR": 27, "GB": 22, "IE": 22, "IT": 27, "LU": 20, "NL": 18, "NO": 15, "PL": 28,
    "PT": 25, "SE": 24,
}  # fmt: skip
BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
ACCOUNT_NUMBER = re.compile(r"^[0-9A-Z\-]{4,34}$")


@dataclass(frozen=True)
class FormField:
    name: str
    label: Any
    max_length: int
    required: bool = True
    help_text: Any = ""


SCHEMAS: dict[str, list[FormField]] = {
    FormSchema.BANKING: [
        FormField("account_holder", gettext_lazy("Account holder"), 200),
        FormField("bank_name", gettext_lazy("Bank name"), 200),
        FormField(
            "iban",
            gettext_lazy("IBAN"),
            42,
            required=False,
            help_text=gettext_lazy("For accounts in IBAN countries; otherwise the account number."),
        ),
        FormField("account_number", gettext_lazy("Account number"), 34, required=False),
        FormField("swift_bic", gettext_lazy("SWIFT/BIC"), 11, required=False),
    ]
}


# --- encryption ------------------------------------------------------------------------------


@cache
def _fernet(key: str, secret_key: str) -> Fernet:
    if key:
        return Fernet(key.encode())
    # The embedded default has no FIELD_ENCRYPTION_KEY: derive one from SECRET_KEY.
    digest = hashlib.sha256(b"ecosystem.field-encryption:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def fernet() -> Fernet:
    return _fernet(settings.FIELD_ENCRYPTION_KEY, settings.SECRET_KEY)


def encrypt_values(values: Mapping[str, str]) -> str:
    return fernet().encrypt(json.dumps(dict(values), sort_keys=True).encode()).decode()


def decrypt_values(token: str) -> dict[str, str]:
    return json.loads(fernet().decrypt(token.encode()))


# --- checks ----------------------------------------------------------------------------------


def compact(value: str) -> str:
    return "".join(str(value or "").split()).upper()


def iban_is_valid(iban: str) -> bool:
    """ISO 13616: country code, two check digits, then the BBAN; mod 97 of the rearranged
    number (letters as 10..35) is 1."""
    iban = compact(iban)
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", iban):
        return False
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(
        str(string.ascii_uppercase.index(c) + 10) if c.isalpha() else c for c in rearranged
    )
    return int(digits) % 97 == 1


def mask(value: str) -> str:
    """`•••• •••• 4321`: only the last four characters are ever shown."""
    return f"{MASK} {''.join(str(value or '').split())[-4:]}"


def clean_form(schema: str, data: Mapping[str, Any]) -> dict[str, str]:
    """The submitted values, trimmed and checked (400 naming each field)."""
    fields = SCHEMAS.get(schema)
    if fields is None:
        raise ValidationFailed(_("This task has no form."), field="form_schema")
    values: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for field in fields:
        value = " ".join(str(data.get(field.name) or "").split())
        if field.required and not value:
            errors[field.name] = [_("Enter the %(label)s.") % {"label": str(field.label).lower()}]
        elif len(value) > field.max_length:
            errors[field.name] = [_("Use at most %(n)s characters.") % {"n": field.max_length}]
        values[field.name] = value
    if schema == FormSchema.BANKING:
        _check_banking(values, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    return {name: value for name, value in values.items() if value}


def _check_banking(values: dict[str, str], errors: dict[str, list[str]]) -> None:
    for name in ("iban", "account_number", "swift_bic"):
        values[name] = compact(values[name])
    if values["iban"] and "iban" not in errors and not iban_is_valid(values["iban"]):
        errors["iban"] = [_("This IBAN is not valid; check it against your bank statement.")]
    if values["account_number"] and not ACCOUNT_NUMBER.match(values["account_number"]):
        errors["account_number"] = [_("Use digits, letters and hyphens only (4–34).")]
    if not values["iban"] and not values["account_number"] and "iban" not in errors:
        errors["iban"] = [_("Enter an IBAN or an account number.")]
    if values["swift_bic"] and not BIC.match(values["swift_bic"]):
        errors["swift_bic"] = [_("A SWIFT/BIC has 8 or 11 letters and digits, e.g. DEUTDEFF.")]


def masked(schema: str, values: Mapping[str, str]) -> dict[str, str]:
    """What may be shown after submission: the bank's name, and the last four characters of
    every other value (holder and numbers alike)."""
    shown = {"bank_name"} if schema == FormSchema.BANKING else set()
    return {
        name: value if name in shown else mask(value) for name, value in values.items() if value
    }


def labels(schema: str) -> dict[str, str]:
    return {field.name: str(field.label) for field in SCHEMAS.get(schema, [])}
