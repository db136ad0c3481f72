"""Agreement text: the merge-field whitelist, sanitising a template's HTML, and merging
values into it.

Tenant-written text never goes through the Django template engine (that would let a
template author reach `{% load %}`, object attributes and settings): placeholders are found
with one regular expression, checked against the whitelist and replaced by HTML-escaped
values. The HTML itself is cleaned by nh3 (the Ammonia sanitiser) on save and again after
merging.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecosystem.errors import ValidationFailed
from ecosystem.richtext import sanitise_html

# name -> what it is; the order is the order shown to template authors.
MERGE_FIELDS: dict[str, Any] = {
    "partner_legal_name": gettext_lazy("The partner's legal name, as issued"),
    "partner_name": gettext_lazy("The partner's trading name in the program"),
    "partner_address": gettext_lazy("The partner's registered address"),
    "partner_country": gettext_lazy("The partner's country"),
    "tier": gettext_lazy("The partner's tier when the contract was issued"),
    "effective_date": gettext_lazy("The date the agreement takes effect"),
    "expiry_date": gettext_lazy("The date the agreement ends"),
    "term_months": gettext_lazy("The term, in months"),
    "terms": gettext_lazy("Special terms written when issuing"),
    "vendor_name": gettext_lazy("Your company's name"),
    "contract_number": gettext_lazy("The contract's reference, e.g. AGR-000042"),
}
SAMPLE_VALUES: dict[str, str] = {
    "partner_legal_name": "Northwind Systems Ltd",
    "partner_name": "Northwind Systems",
    "partner_address": "12 Harbour Street\nLondon EC1A 1AA",
    "partner_country": "United Kingdom",
    "tier": "Gold",
    "effective_date": "1 March 2026",
    "expiry_date": "1 March 2027",
    "term_months": "12",
    "terms": "Net 45 payment terms.\nTerritory: United Kingdom and Ireland.",
    "contract_number": "AGR-000042",
}
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
# Multi-line values (addresses, terms) keep their line breaks.
MULTI_LINE = frozenset({"partner_address", "terms"})

MAX_BODY_LENGTH = 200_000


def sanitise(body: str) -> str:
    """The HTML with scripts, styles, event handlers and unknown tags removed."""
    return sanitise_html(body)


def placeholders(body: str) -> list[str]:
    """Every placeholder name in the text, in order, without repeats."""
    return list(dict.fromkeys(match.group(1) for match in PLACEHOLDER.finditer(body)))


def check_placeholders(body: str, *, field: str = "body") -> None:
    """Refuse (400, naming them) placeholders outside the whitelist."""
    unknown = [name for name in placeholders(body) if name not in MERGE_FIELDS]
    if unknown:
        names = ", ".join(f"{{{{ {name} }}}}" for name in unknown)
        raise ValidationFailed(
            _("Unknown merge fields: %(names)s. Use only: %(allowed)s.")
            % {"names": names, "allowed": ", ".join(MERGE_FIELDS)},
            field=field,
        )


def clean_body(body: str) -> str:
    """A template text ready to store: within the size limit, only known merge fields,
    sanitised HTML (the placeholders survive sanitising: they are plain text)."""
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("Write the agreement's text."), field="body")
    if len(body) > MAX_BODY_LENGTH:
        raise ValidationFailed(
            _("The text is too long; keep it under %(limit)s characters.")
            % {"limit": MAX_BODY_LENGTH},
            field="body",
        )
    check_placeholders(body)
    cleaned = sanitise(body)
    if not cleaned.strip():
        raise ValidationFailed(
            _("The text has nothing left once unsafe HTML is removed."), field="body"
        )
    return cleaned


def _escaped(name: str, value: str) -> str:
    text = html.escape(str(value), quote=True)
    if name in MULTI_LINE:
        text = "<br>".join(text.splitlines())
    return text


def merge(body: str, values: Mapping[str, str]) -> str:
    """The template text with each placeholder replaced by its HTML-escaped value, then
    sanitised once more. Unknown placeholders are refused (400)."""
    check_placeholders(body)

    def replace(match: re.Match) -> str:
        name = match.group(1)
        return _escaped(name, values.get(name, ""))

    return sanitise(PLACEHOLDER.sub(replace, body))


@dataclass(frozen=True)
class Preview:
    html: str
    fields: list[str]


def preview(body: str, *, vendor_name: str) -> Preview:
    """The text merged with sample values (for the template editor)."""
    check_placeholders(body)
    return Preview(
        html=merge(sanitise(body), {**SAMPLE_VALUES, "vendor_name": vendor_name}),
        fields=placeholders(body),
    )
