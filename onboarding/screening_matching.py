"""Names against a restricted-party list: pure logic, no models, no queries.

Company names are normalised with dealreg.matching.normalise_name (case, accents, legal
forms such as Ltd or GmbH and words such as Group dropped); people's names with
`normalise_person_name` (case, accents, punctuation and titles dropped, "Last, First" read
as "First Last"). Two keys score their rapidfuzz token-sort similarity in [0, 1]: 1.0 for
the same key, about 0.95 for one typo in a twenty-letter name, and words in another order
count as the same. An entry matches when its name or one of its aliases scores at least
the tenant's threshold.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from rapidfuzz import fuzz, process

from dealreg import matching

# Honorifics and titles say nothing about who someone is.
_TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "dame",
        "lord",
        "lady",
        "herr",
        "frau",
        "mme",
        "mlle",
        "m",
        "sr",
        "sra",
        "srta",
        "dott",
        "ing",
        "jr",
        "snr",
        "jnr",
        "phd",
        "md",
        "esq",
    ]
)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def normalise_person_name(name: str) -> str:
    """A person's name as a comparable key: "Dr. Müller, Hans-Peter" -> "hans peter muller"."""
    text = _fold(name).strip()
    if text.count(",") == 1:
        last, first = (part.strip() for part in text.split(","))
        text = f"{first} {last}"
    words = re.sub(r"[^\w\s]|_", " ", text).split()
    kept = [word for word in words if word not in _TITLES]
    return " ".join(kept or words)


def company_key(name: str) -> str:
    return matching.normalise_name(name)


def key_for(name: str, *, is_person: bool) -> str:
    return normalise_person_name(name) if is_person else company_key(name)


def similarity(a: str, b: str) -> Decimal:
    """How alike two normalised keys are, in [0, 1] with three decimals."""
    if not a or not b:
        return Decimal("0.000")
    if a == b:
        return Decimal("1.000")
    return (Decimal(str(fuzz.token_sort_ratio(a, b))) / 100).quantize(Decimal("0.001"))


@dataclass(frozen=True)
class Candidate:
    """A list entry as the matcher sees it: its id and every key (name and aliases)."""

    entry_id: int
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Found:
    entry_id: int
    score: Decimal
    matched_key: str


class EntryIndex:
    """Every key of a list's entries of one kind, searched at once per name."""

    def __init__(self, candidates: Iterable[Candidate]):
        self._keys: list[str] = []
        self._owners: list[int] = []
        for candidate in candidates:
            for key in candidate.keys:
                if key:
                    self._keys.append(key)
                    self._owners.append(candidate.entry_id)

    def __bool__(self) -> bool:
        return bool(self._keys)

    def matches(self, key: str, threshold: Decimal) -> list[Found]:
        """The entries whose name or alias scores at least `threshold` against `key`, best
        first, each entry once (its best key)."""
        if not key or not self._keys:
            return []
        cutoff = float(threshold) * 100
        best: dict[int, Found] = {}
        for _choice, _raw, position in process.extract(
            key, self._keys, scorer=fuzz.token_sort_ratio, score_cutoff=cutoff, limit=None
        ):
            owner = self._owners[position]
            score = similarity(key, self._keys[position])
            if score < threshold:
                continue
            if owner not in best or score > best[owner].score:
                best[owner] = Found(owner, score, self._keys[position])
        return sorted(best.values(), key=lambda found: (-found.score, found.entry_id))


def keys_of(name: str, aliases: Sequence[str], *, is_person: bool) -> list[str]:
    """The distinct keys of an entry's name and aliases, the name's first."""
    keys: list[str] = []
    for text in [name, *aliases]:
        key = key_for(text, is_person=is_person)
        if key and key not in keys:
            keys.append(key)
    return keys


# --- domains ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DomainVerdict:
    status: str  # passed | flagged | error (CheckStatus values)
    email_domain: str
    website_domain: str
    reason: str  # same | other | public_mailbox | missing


_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/]*@)?([a-z0-9.-]+\.[a-z0-9-]+)", re.I)


def registrable_domain(raw: str) -> str:
    """The registrable domain of an address or URL; for names under reserved or private
    suffixes the public-suffix list does not know (acme.example, acme.test), their last
    two labels."""
    found = matching.normalise_domain(raw)
    if found:
        return found
    host = _HOST.match((raw or "").strip().casefold())
    return ".".join(host.group(1).strip(".").split(".")[-2:]) if host else ""


def compare_domains(email: str, website: str) -> DomainVerdict:
    """The contact's email domain against the website's registrable domain."""
    email_domain = registrable_domain(email)
    website_domain = registrable_domain(website)
    if not email_domain or not website_domain:
        return DomainVerdict("error", email_domain, website_domain, "missing")
    if email_domain in matching.SHARED_MAIL_DOMAINS:
        return DomainVerdict("flagged", email_domain, website_domain, "public_mailbox")
    if email_domain == website_domain:
        return DomainVerdict("passed", email_domain, website_domain, "same")
    return DomainVerdict("flagged", email_domain, website_domain, "other")
