"""Customer identity and duplicate scoring for deal registration.

Pure logic: no models, no queries. Services normalise what people type into an `Identity`
(`identity()`), find candidates by the keys in `candidate_keys()`, and score each candidate
with `score_match()`, which explains itself in plain, translatable reasons.

Identity
    `normalise_name` folds case and accents, turns "&" into "and", drops punctuation, a
    leading "the", and from the end legal forms of many countries (Inc, LLC, GmbH, AG, Ltd,
    S.A., K.K., Pty Ltd, Co., Corporation, "& Co. KG" ...) and corporate-structure words
    (Group, Holdings, International, Global, Worldwide). Runs of single letters are joined
    ("H & M" -> "hm", "S. A." -> "sa"). It never strips a name to nothing.
    `normalise_domain` reduces a domain, URL or e-mail address to its registrable domain with
    the public-suffix list bundled in tldextract (read offline, private suffixes such as
    github.io or myshopify.com included, so customers hosted there stay apart).
    `identity()` ignores public mailbox domains (gmail.com, outlook.com ...): they say
    nothing about who the customer is.

Score (identity only, `score_identity`), explained by the reasons it returns:
    name strength n in [0, 1]: same name 1.0; same letters ignoring spaces 0.98; same
    apart from a trailing name of the customer's own country ("LG Chem Korea") 0.95; one
    typo (a letter dropped, added, changed or swapped, in names of 8+ letters) 0.93; one
    name inside the other, an abbreviation (UPS / United Parcel Service, Amex / American
    Express) or the domain's own name (ZKB / zkb.ch) 0.75; otherwise the rapidfuzz
    similarity s (best of ratio and token-sort ratio) as 0.8 * (s - 0.5) / 0.5, at most 0.8.
    domain: same registrable domain 0.82 + 0.18 n; same domain name under another suffix
    (acme.com / acme.de) 0.55 + 0.45 n; a domain missing on either side 0.90 n;
    different domains 0.75 n.
    country: both known and different multiplies by 0.7 (the same name in another country
    is another customer for deal registration).
    So at the default threshold 0.8: the same domain flags on its own; the same domain
    name under another suffix needs related names; without a domain only the same name, or
    a one-letter typo, flags; different domains or countries never flag.

Context (`score_match`) then weighs the candidate: closed or no longer protected x0.75,
both sides listing products with none in common x0.85, expected close dates more than a
year apart x0.85. With the default `Context()` the score equals `score_identity`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from typing import ClassVar

import tldextract
from django.utils.translation import get_language, gettext, ngettext
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

DEFAULT_THRESHOLD = 0.8

# --- Names --------------------------------------------------------------------------------


def _phrases_of(text: str) -> tuple[tuple[str, ...], ...]:
    """Word sequences from "a b|c" lists (one or more lines), longest first."""
    found = {
        tuple(phrase.split())
        for line in text.strip().splitlines()
        for phrase in line.split("|")
        if phrase.strip()
    }
    return tuple(sorted(found, key=len, reverse=True))


# Legal forms, as they read once case, accents and punctuation are gone. Stripped from the
# end of a name, repeatedly ("Alfred Kärcher SE & Co. KG", "Samsung Electronics Co., Ltd.").
_LEGAL_FORMS = """
inc|incorporated|corp|corporation|co|cos|company|ltd|limited|llc|lc|llp|lp|plc|pllc|pc|na
public limited company|public company limited|private limited|pvt|pte|pty|proprietary
gmbh|mbh|ag|kg|kgaa|ohg|ug|gbr|ev|eg|se|sce|aktiengesellschaft
gesellschaft mit beschrankter haftung|kommanditgesellschaft
sa|sas|sasu|sarl|eurl|sca|snc|scs|cie|societe anonyme|societe par actions simplifiee
societas europaea|spa|srl|srls|sapa|societa per azioni|societa a responsabilita limitata
sl|slu|sll|sociedad anonima|sociedade anonima|sociedad limitada|de cv|sa de cv|sab de cv
ltda|limitada|eireli|nv|bv|vof|cv|bvba|sprl|naamloze vennootschap|besloten vennootschap
ab|publ|aktiebolag|oy|oyj|osakeyhtio|as|asa|aps|hf|ehf|kk|kabushiki kaisha|kabushikigaisha
gk|godo kaisha|yk|yugen kaisha|bhd|berhad|sdn bhd|tbk|jsc|pjsc|ojsc|cjsc|ooo|zao|oao|pao
sro|spol sro|sp z oo|kft|zrt|nyrt|rt|doo|dd|ad|ood|eood|sae|wll|fze|fzco|fzc|fzllc
and co|and cie|and c|et cie|und co
"""
# Legal forms some countries put first ("AB Volvo", "PT Telkom", "PJSC Gazprom").
_LEADING_LEGAL_FORMS = """
ab|pt|jsc|pjsc|ojsc|cjsc|ooo|zao|oao|pao|ооо|оао|зао|пао|kabushiki kaisha|the
"""
# Words that describe a corporate structure, not the company: stripped from the end.
_QUALIFIERS = """
group|groups|grp|groupe|gruppe|grupo|gruppo|groep|grupa|holding|holdings|hldgs
international|intl|global|worldwide
"""
# Legal forms in scripts written without spaces (Japanese, Chinese, Korean).
_CJK_LEGAL_FORMS = (
    "株式会社",
    "有限会社",
    "合同会社",
    "股份有限公司",
    "有限公司",
    "주식회사",
    "(주)",
)
# Country names a company may append to its name ("LG Chem Korea", "Wipro India"): dropped
# from the end of a name, for the matching only, when they name the customer's own country.
_COUNTRY_WORDS = {
    "AE": "uae|emirates|united arab emirates",
    "AR": "argentina",
    "AT": "austria|osterreich",
    "AU": "australia|aus",
    "BE": "belgium|belgique|belgie",
    "BR": "brazil|brasil",
    "CA": "canada",
    "CH": "switzerland|schweiz|suisse|svizzera",
    "CL": "chile",
    "CN": "china|prc",
    "CO": "colombia",
    "CZ": "czech|czechia|czech republic",
    "DE": "germany|deutschland",
    "DK": "denmark|danmark",
    "EG": "egypt",
    "ES": "spain|espana",
    "FI": "finland|suomi",
    "FR": "france",
    "GB": "uk|united kingdom|great britain|britain|england|gb",
    "GR": "greece|hellas",
    "HK": "hong kong|hk",
    "HU": "hungary|magyarorszag",
    "ID": "indonesia",
    "IE": "ireland|eire",
    "IL": "israel",
    "IN": "india",
    "IT": "italy|italia",
    "JP": "japan",
    "KR": "korea|south korea",
    "LU": "luxembourg",
    "MX": "mexico",
    "MY": "malaysia",
    "NG": "nigeria",
    "NL": "netherlands|nederland|holland",
    "NO": "norway|norge",
    "NZ": "new zealand|nz",
    "PE": "peru",
    "PH": "philippines",
    "PL": "poland|polska",
    "PT": "portugal",
    "RO": "romania",
    "RU": "russia",
    "SA": "saudi arabia|ksa",
    "SE": "sweden|sverige",
    "SG": "singapore",
    "TH": "thailand",
    "TR": "turkey|turkiye",
    "TW": "taiwan",
    "US": "us|usa|united states|america",
    "VN": "vietnam|viet nam",
    "ZA": "south africa|sa",
}
_COUNTRY_PHRASES = {code: _phrases_of(words) for code, words in _COUNTRY_WORDS.items()}
# A country name after one of these words is part of the name ("Bank of America").
_BOUND_BEFORE = frozenset({"of", "de", "do", "da", "di", "du", "des", "del", "la", "le", "for"})
# Letters that Unicode decomposition does not reduce to a base letter.
_LETTER_MAP = str.maketrans(
    {
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
        "&": " and ",
        "'": "",
        "’": "",
        "‘": "",
        "`": "",
        "´": "",
    }
)
# Dotted initials: "s.p.a.", "l.l.c.", "k.k.", "n.v." -> "spa", "llc", "kk", "nv".
_DOTTED_INITIALS = re.compile(r"(?<!\w)(?:[^\W\d_]\.)+[^\W\d_](?!\w)\.?")
_NOT_WORD = re.compile(r"[\W_]+")


_LEGAL_SUFFIX_PHRASES = _phrases_of(_LEGAL_FORMS)
_LEADING_PHRASES = _phrases_of(_LEADING_LEGAL_FORMS)
_QUALIFIER_PHRASES = _phrases_of(_QUALIFIERS)
_LONG_LEGAL_FORMS = tuple(
    phrase[0] for phrase in _LEGAL_SUFFIX_PHRASES if len(phrase) == 1 and len(phrase[0]) >= 5
)


def _fold(text: str) -> str:
    """Case-folded text without accents ("Société Générale" -> "societe generale").

    Only the diacritics of Latin, Greek and Cyrillic letters go: Japanese voicing marks and
    Korean syllables are part of the letter."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_LETTER_MAP)
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not "\u0300" <= char <= "\u036f")
    return unicodedata.normalize("NFC", bare)


def _join_initials(tokens: list[str]) -> list[str]:
    """Join runs of single letters, also across "and": "h and m" -> "hm", "a s" -> "as"."""
    joined: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if len(token) != 1 or not token.isalpha():
            joined.append(token)
            index += 1
            continue
        letters = [token]
        index += 1
        while index < len(tokens):
            if len(tokens[index]) == 1 and tokens[index].isalpha():
                letters.append(tokens[index])
                index += 1
            elif (
                tokens[index] == "and"
                and index + 1 < len(tokens)
                and len(tokens[index + 1]) == 1
                and tokens[index + 1].isalpha()
            ):
                index += 1
            else:
                break
        joined.append("".join(letters))
    return joined


def _strip_end(tokens: list[str], phrases: tuple[tuple[str, ...], ...]) -> bool:
    for phrase in phrases:
        size = len(phrase)
        if len(tokens) > size and tuple(tokens[-size:]) == phrase:
            del tokens[-size:]
            return True
    return False


def _strip_misspelt_legal_form(tokens: list[str]) -> bool:
    """A long legal form with one letter wrong ("Limted", "Compnay") reads as that form."""
    if len(tokens) < 2 or len(tokens[-1]) < 5:
        return False
    if any(OSA.distance(tokens[-1], form, score_cutoff=1) <= 1 for form in _LONG_LEGAL_FORMS):
        del tokens[-1]
        return True
    return False


def _strip_start(tokens: list[str], phrases: tuple[tuple[str, ...], ...]) -> bool:
    for phrase in phrases:
        size = len(phrase)
        if len(tokens) > size and tuple(tokens[:size]) == phrase:
            del tokens[:size]
            return True
    return False


@lru_cache(maxsize=4096)
def normalise_name(name: str) -> str:
    """The comparable form of a customer name: "The Ford Motor Company, Inc." -> "ford motor".

    Case and accents are folded, "&" reads "and", apostrophes vanish ("L'Oréal" ->
    "loreal"), other punctuation separates words, single letters join ("P&G" -> "pg").
    Stripped, while at least one word remains: a leading "the" or legal form ("AB Volvo"),
    and trailing legal forms of many countries, "and" left dangling by them, and
    corporate-structure words (Group, Holdings, International, Global, Worldwide).
    """
    text = _fold(name or "")
    for form in _CJK_LEGAL_FORMS:
        text = text.replace(form, " ")
    text = _DOTTED_INITIALS.sub(lambda found: found.group(0).replace(".", ""), text)
    tokens = _join_initials(_NOT_WORD.sub(" ", text).split())
    changed = True
    while changed:
        changed = (
            _strip_start(tokens, _LEADING_PHRASES)
            or _strip_end(tokens, _LEGAL_SUFFIX_PHRASES)
            or _strip_end(tokens, _QUALIFIER_PHRASES)
            or _strip_end(tokens, (("and",), ("the",)))
            or _strip_misspelt_legal_form(tokens)
        )
    return " ".join(tokens)


# Words that say what a company does, not which company it is: "Mapt Telecom" and "Kato
# Telecom" share "telecom" and nothing else. The distinctive name (`distinctive_name`)
# drops them so the fuzzy candidate search compares what tells customers apart.
_GENERIC_WORDS = frozenset(
    """
    and of the de du des la le el los las da do der die den und et y e
    group groups holding holdings international global worldwide
    telecom telecoms telecommunications communications comms telco wireless mobile
    technology technologies tech techs systems system solutions solution services service
    consulting consultants consultancy advisors advisory partners partner associates
    logistics transport transportation shipping freight airlines airways aviation
    foods food beverages health healthcare medical pharma pharmaceuticals biotech clinic
    hospital energy power utilities oil gas petroleum mining metals steel chemicals
    chemical materials media entertainment publishing broadcasting
    bank banking financial finance capital investments investment securities insurance
    assurance fund funds trust credit payments
    software data cloud digital analytics labs lab laboratories research robotics
    electronics electric electrical engineering manufacturing industries industrial
    networks network security semiconductors devices instruments automation
    retail stores store supermarkets brands products enterprises enterprise ventures
    resources trading management motors automotive construction properties realty
    real estate hotels hospitality education university institute foundation agency
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def distinctive_name(name_key: str) -> str:
    """`name_key` without its generic words ("mapt telecom" -> "mapt"), or the whole key
    when nothing else is left ("global data systems")."""
    words = [word for word in name_key.split() if word not in _GENERIC_WORDS]
    return " ".join(words) if words else name_key


# --- Domains ------------------------------------------------------------------------------

# The public-suffix list snapshot shipped with tldextract: no URL to fetch, no cache to write.
_EXTRACT = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_HOST = re.compile(r"^[\w-]+(?:\.[\w-]+)+$")
# Public mailbox providers: an address there tells nothing about the customer.
SHARED_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "hotmail.de",
        "hotmail.it",
        "hotmail.es",
        "live.com",
        "live.co.uk",
        "live.fr",
        "msn.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "yahoo.de",
        "yahoo.co.jp",
        "yahoo.com.br",
        "ymail.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "gmx.de",
        "gmx.net",
        "gmx.com",
        "web.de",
        "t-online.de",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
        "mail.com",
        "mail.ru",
        "yandex.ru",
        "yandex.com",
        "proton.me",
        "protonmail.com",
        "qq.com",
        "163.com",
        "126.com",
        "naver.com",
        "hanmail.net",
        "rediffmail.com",
        "uol.com.br",
        "bol.com.br",
        "zoho.eu",
        "fastmail.com",
        "hey.com",
    }
)


@lru_cache(maxsize=4096)
def normalise_domain(raw: str) -> str:
    """The registrable domain in a domain, URL or e-mail address, '' when there is none.

    "https://corporate.BMW.com/x" -> "bmw.com", "bob@acme.com" -> "acme.com",
    "www.acme.co.uk/?ref=1" -> "acme.co.uk". Internationalised names read in Unicode.
    """
    text = (raw or "").strip().casefold()
    if not text:
        return ""
    text = re.split(r"[\s,;]+", text)[0]
    while _SCHEME.match(text):
        text = _SCHEME.sub("", text)
    text = text.removeprefix("mailto:")
    host = re.split(r"[/?#]", text, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1]
    host = host.split(":", 1)[0].strip(".")
    if "xn--" in host:
        try:
            host = host.encode("ascii").decode("idna")
        except UnicodeError:
            return ""
    if not _HOST.match(host) or "_" in host:
        return ""
    parts = _EXTRACT(host)
    if not parts.domain or not parts.suffix:
        return ""
    return f"{parts.domain}.{parts.suffix}"


def domain_label(registrable: str) -> str:
    """The registrable domain without its public suffix, hyphens dropped: "bmw.com" -> "bmw",
    "petrobras.com.br" -> "petrobras", "deutsche-boerse.com" -> "deutscheboerse"."""
    if not registrable:
        return ""
    parts = _EXTRACT(registrable)
    label = parts.domain if parts.suffix else ""
    return label.replace("-", "")


# --- Identity -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """A customer as registered: what was typed plus its normalised keys.

    Build it with `identity()`, or from stored keys; what the scorer derives from the keys
    is computed here once, so scoring many candidates stays cheap.
    """

    name: str
    domain: str
    country: str
    name_key: str
    domain_key: str
    domain_label: str
    # Derived: the name's words, its letters without spaces, and those letters without a
    # trailing name of the customer's own country ("lg chem korea" in KR -> "lgchem").
    tokens: tuple[str, ...] = field(init=False, repr=False, compare=False)
    compact: str = field(init=False, repr=False, compare=False)
    core: str = field(init=False, repr=False, compare=False)
    country_code: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        tokens = tuple(self.name_key.split())
        country_code = (self.country or "").strip().upper()
        object.__setattr__(self, "tokens", tokens)
        object.__setattr__(self, "compact", "".join(tokens))
        object.__setattr__(self, "core", _core(tokens, country_code))
        object.__setattr__(self, "country_code", country_code)


def _core(tokens: tuple[str, ...], country_code: str) -> str:
    for phrase in _COUNTRY_PHRASES.get(country_code, ()):
        size = len(phrase)
        if (
            len(tokens) > size
            and tokens[-size:] == phrase
            and tokens[-size - 1] not in _BOUND_BEFORE
        ):
            rest = tokens[:-size]
            if len(rest) >= 2 or len(rest[0]) >= 4:
                return "".join(rest)
    return "".join(tokens)


def identity(name: str, domain: str = "", country: str = "") -> Identity:
    """Normalise a customer as typed (country as ISO 3166 alpha-2, '' when unknown)."""
    registrable = normalise_domain(domain)
    if registrable in SHARED_MAIL_DOMAINS:
        registrable = ""
    return Identity(
        name=name or "",
        domain=domain or "",
        country=(country or "").strip().upper(),
        name_key=normalise_name(name or ""),
        domain_key=registrable,
        domain_label=domain_label(registrable),
    )


# A one-letter difference counts as a typo only in names of this many letters (spaces
# ignored): "Ciena" / "Cigna", "Xero" / "Xerox" are other companies.
TYPO_MIN_LENGTH = 8


def candidate_keys(i: Identity) -> frozenset[str]:
    """Search keys: a candidate the scorer can flag shares at least one key with `i`.

    - "domain:<domain_key>" and "label:<domain_label>": a shared domain or domain name;
    - "name:<name_key without spaces>" and "name:<the same without a trailing name of the
      customer's own country>" ("LG Chem Korea" in KR -> "name:lgchem");
    - for names of TYPO_MIN_LENGTH letters or more, "name:<the same with one letter
      deleted>" for every position: names one typo apart (a letter dropped, added, changed
      or swapped with its neighbour) always share one such form.
    Store them per record (dealreg stores them, with `related_keys`, as `search_keys`)
    and search for any shared key.
    """
    keys: set[str] = set()
    if i.domain_key:
        keys.add(f"domain:{i.domain_key}")
    if i.domain_label:
        keys.add(f"label:{i.domain_label}")
    compact = i.compact
    if compact:
        keys.add(f"name:{compact}")
        keys.add(f"name:{i.core}")
        if len(compact) >= TYPO_MIN_LENGTH:
            keys.update(f"name:{compact[:at]}{compact[at + 1 :]}" for at in range(len(compact)))
    return frozenset(keys)


def related_keys(i: Identity) -> tuple[str, ...]:
    """Keys of weaker relations, for "possible duplicates" the scorer rates below the flag
    threshold, most specific first:

    - "brand:<distinctive name without spaces>", when it has more than one word: the same
      name around other generic words ("Apple REIT" / "Apple Hospitality REIT");
    - "word:<first word of the distinctive name>": one name inside the other ("Marriott" /
      "Marriott Vacations"), or the same one with other generic words ("Mapt Telecom" /
      "Mapt Telecommunications Services").
    Each can be shared by many records, so search them apart from `candidate_keys`, and
    bounded."""
    words = distinctive_name(i.name_key).split()
    if not words:
        return ()
    first = f"word:{words[0]}"
    return (f"brand:{''.join(words)}", first) if len(words) > 1 else (first,)


# --- Scoring ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What is known about the candidate record beyond its identity (all optional)."""

    products: frozenset[str] = frozenset()
    other_products: frozenset[str] = frozenset()
    is_open: bool = True
    expected_close: date | None = None
    other_expected_close: date | None = None
    registered_on: date | None = None
    protected_until: date | None = None
    by_other_partner: bool = False
    candidate_label: str = ""


@dataclass(frozen=True)
class Match:
    score: float
    reasons: list[str]


def is_duplicate(match: Match, threshold: float = DEFAULT_THRESHOLD) -> bool:
    """Flagged as duplicate: the score reaches the threshold."""
    return match.score >= threshold


# Name strengths (see the module docstring).
SAME_NAME = 1.0
SAME_LETTERS = 0.98
SAME_CORE = 0.95
ONE_TYPO = 0.93
RELATED_NAME = 0.75
SIMILARITY_CAP = 0.8
# Domain relations: score = base + span * name strength.
SAME_DOMAIN = (0.82, 0.18)
SAME_DOMAIN_NAME = (0.55, 0.45)
DOMAIN_MISSING = (0.0, 0.90)
OTHER_DOMAINS = (0.0, 0.75)
OTHER_COUNTRY_FACTOR = 0.7
# Context weights.
CLOSED_FACTOR = 0.75
NO_COMMON_PRODUCT_FACTOR = 0.85
FAR_CLOSE_FACTOR = 0.85
FAR_CLOSE_DAYS = 365


def _is_abbreviation(short: str, tokens: tuple[str, ...]) -> bool:
    """`short` is made of the starts of two or more of `tokens`, in order ("amex" from
    "american express", "ups" from "united parcel service", "bofa" from "bank of america")."""

    @cache
    def fits(at: int, token: int, used: int) -> bool:
        if at == len(short):
            return used >= 2
        if token == len(tokens) or len(short) - at > sum(map(len, tokens[token:])):
            return False
        word = tokens[token]
        for size in range(min(len(word), len(short) - at), 0, -1):
            if short[at : at + size] == word[:size] and fits(at + size, token + 1, used + 1):
                return True
        return fits(at, token + 1, used)

    return fits(0, 0, 0)


def _contains(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Every word of `short` appears in `long`, in order."""
    words = iter(long)
    return all(any(word == other for other in words) for word in short)


@dataclass(frozen=True)
class _NameRelation:
    # same, letters, country_word, typo, contained, abbreviation, domain_name, similar or
    # different
    kind: str
    strength: float
    similarity: float  # rapidfuzz similarity in [0, 1]
    a_is_short: bool = False  # for contained / abbreviation / domain_name: which side


def _relate_names(a: Identity, b: Identity, shared_label: str) -> _NameRelation:
    if not a.compact or not b.compact:
        return _NameRelation("different", 0.0, 0.0)
    similarity = (
        max(fuzz.ratio(a.name_key, b.name_key), fuzz.token_sort_ratio(a.name_key, b.name_key)) / 100
    )
    if a.name_key == b.name_key:
        return _NameRelation("same", SAME_NAME, 1.0)
    if a.compact == b.compact:
        return _NameRelation("letters", SAME_LETTERS, similarity)
    if a.core == b.core:
        return _NameRelation("country_word", SAME_CORE, similarity)
    if (
        max(len(a.compact), len(b.compact)) >= TYPO_MIN_LENGTH
        and OSA.distance(a.compact, b.compact, score_cutoff=1) <= 1
    ):
        return _NameRelation("typo", ONE_TYPO, similarity)
    fuzzy = SIMILARITY_CAP * min(1.0, max(0.0, (similarity - 0.5) / 0.5))
    a_is_short = len(a.tokens) < len(b.tokens) or (
        len(a.tokens) == len(b.tokens) and len(a.compact) <= len(b.compact)
    )
    short, long = (a, b) if a_is_short else (b, a)
    structural = ""
    if len(short.tokens) < len(long.tokens) and _contains(short.tokens, long.tokens):
        structural = "contained"
    elif (
        len(short.tokens) <= 2
        and len(long.tokens) >= 2
        and 2 <= len(short.compact) <= 12
        and len(short.compact) < len(long.compact)
        and _is_abbreviation(short.compact, long.tokens)
    ):
        structural = "abbreviation"
    elif shared_label and shared_label in (a.compact, b.compact):
        structural = "domain_name"
        a_is_short = a.compact == shared_label
    if structural and fuzzy <= RELATED_NAME:
        return _NameRelation(structural, RELATED_NAME, similarity, a_is_short)
    kind = "similar" if similarity >= 0.5 else "different"
    return _NameRelation(kind, fuzzy, similarity)


class _Translations:
    """gettext and ngettext for one scoring call, memoised per language: Django looks the
    active language up on every call, which would cost more than the scoring itself."""

    _memo: ClassVar[dict[tuple[str | int | None, ...], str]] = {}

    def __init__(self) -> None:
        self.language = get_language()

    def __call__(self, message: str) -> str:
        key = (self.language, message)
        text = self._memo.get(key)
        if text is None:
            text = self._memo[key] = gettext(message)
        return text

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        if not 0 <= count < 1000:
            return ngettext(singular, plural, count)
        key = (self.language, singular, plural, count)
        text = self._memo.get(key)
        if text is None:
            text = self._memo[key] = ngettext(singular, plural, count)
        return text


def _quoted(text: str) -> str:
    return " ".join(text.split())


def _name_reason(
    a: Identity, b: Identity, relation: _NameRelation, label: str, _: _Translations
) -> str:
    """Plain words for the name relation; `label` ('' to hide it) names the candidate."""
    percent = round(relation.similarity * 100)
    if relation.kind in ("same", "letters"):
        if not label:
            return _("same name, ignoring case, accents, punctuation and legal form")
        if _fold(_quoted(a.name)) == _fold(_quoted(b.name)):
            return _("same name as “%(name)s”") % {"name": label}
        return _("same name as “%(name)s”, ignoring case, accents, punctuation and legal form") % {
            "name": label
        }
    if relation.kind == "country_word":
        if not label:
            return _("same name, apart from the name of the country")
        return _("same name as “%(name)s”, apart from the name of the country") % {"name": label}
    if relation.kind == "typo":
        if not label:
            return _("name %(percent)s%% similar (one letter apart)") % {"percent": percent}
        return _("name %(percent)s%% similar to “%(name)s” (one letter apart)") % {
            "percent": percent,
            "name": label,
        }
    if relation.kind in ("contained", "abbreviation", "domain_name"):
        ours = _quoted(a.name)
        short, long = (ours, label) if relation.a_is_short else (label, ours)
        if relation.kind == "domain_name":
            domain = a.domain_key
            if not label and not relation.a_is_short:
                return _("the other name is the domain name %(domain)s") % {"domain": domain}
            return _("“%(name)s” is the domain name %(domain)s") % {
                "name": short,
                "domain": domain,
            }
        if not label:
            if relation.kind == "contained":
                return _("one name is part of the other")
            return _("one name looks like an abbreviation of the other")
        if relation.kind == "contained":
            return _("“%(short)s” is part of “%(long)s”") % {"short": short, "long": long}
        return _("“%(short)s” looks like an abbreviation of “%(long)s”") % {
            "short": short,
            "long": long,
        }
    if relation.kind == "similar":
        if not label:
            return _("name %(percent)s%% similar") % {"percent": percent}
        return _("name %(percent)s%% similar to “%(name)s”") % {
            "percent": percent,
            "name": label,
        }
    return _("different names (%(percent)s%% similar)") % {"percent": percent}


def _score(a: Identity, b: Identity, label: str, _: _Translations) -> tuple[float, list[str]]:
    """Unrounded identity score and its reasons, most important first."""
    weighted: list[tuple[float, str]] = []
    a_domain = a.domain_key if a.domain_key not in SHARED_MAIL_DOMAINS else ""
    b_domain = b.domain_key if b.domain_key not in SHARED_MAIL_DOMAINS else ""
    shared_label = ""
    if a_domain and b_domain:
        if a_domain == b_domain:
            base, span = SAME_DOMAIN
            shared_label = a.domain_label
            weighted.append((0.9, _("same domain %(domain)s") % {"domain": a_domain}))
        elif a.domain_label and a.domain_label == b.domain_label:
            base, span = SAME_DOMAIN_NAME
            shared_label = a.domain_label
            if label:
                reason = _("same domain name under another suffix (%(ours)s vs %(theirs)s)")
                reason %= {"ours": a_domain, "theirs": b_domain}
            else:
                reason = _("same domain name as %(domain)s under another suffix") % {
                    "domain": a_domain
                }
            weighted.append((0.6, reason))
        else:
            base, span = OTHER_DOMAINS
            if label:
                reason = _("different domains (%(ours)s vs %(theirs)s)")
                reason %= {"ours": a_domain, "theirs": b_domain}
            else:
                reason = _("different domains")
            weighted.append((0.5, reason))
    else:
        base, span = DOMAIN_MISSING
        weighted.append((0.1, _("no domain to compare: name only")))

    relation = _relate_names(a, b, shared_label)
    score = base + span * relation.strength
    weighted.append((0.85 * max(relation.strength, 0.3), _name_reason(a, b, relation, label, _)))

    if a.country_code and b.country_code:
        if a.country_code == b.country_code:
            weighted.append((0.2, _("same country (%(country)s)") % {"country": a.country_code}))
        else:
            score *= OTHER_COUNTRY_FACTOR
            reason = _("different country (%(ours)s vs %(theirs)s)")
            weighted.append((0.95, reason % {"ours": a.country_code, "theirs": b.country_code}))

    weighted.sort(key=lambda item: -item[0])
    return min(1.0, max(0.0, score)), [reason for _, reason in weighted]


def score_identity(a: Identity, b: Identity) -> Match:
    """How likely `b` is the same customer as `a`, from identity alone.

    The reasons quote b's name and domain; `score_match` quotes only a label it is given."""
    score, reasons = _score(a, b, _quoted(b.name), _Translations())
    return Match(round(score, 3), reasons)


def _ago(days: int, _: _Translations) -> str:
    if days <= 0:
        return _("today")
    return _.ngettext("%(count)d day ago", "%(count)d days ago", days) % {"count": days}


def _registration_reason(context: Context, today: date, _: _Translations) -> str:
    parts: dict[str, str] = {}
    if context.registered_on is not None:
        parts["ago"] = _ago((today - context.registered_on).days, _)
    if context.protected_until is not None:
        parts["date"] = context.protected_until.isoformat()
    protected = context.protected_until is not None and context.protected_until >= today
    other = context.by_other_partner
    if "ago" in parts and "date" in parts:
        if protected:
            if other:
                return _("registered by another partner %(ago)s, protected until %(date)s") % parts
            return _("registered %(ago)s, protected until %(date)s") % parts
        if other:
            return (
                _("registered by another partner %(ago)s, protection expired on %(date)s") % parts
            )
        return _("registered %(ago)s, protection expired on %(date)s") % parts
    if "ago" in parts:
        if other:
            return _("registered by another partner %(ago)s") % parts
        return _("registered %(ago)s") % parts
    if "date" in parts:
        if protected:
            return _("protected until %(date)s") % parts
        return _("protection expired on %(date)s") % parts
    if other:
        return _("registered by another partner")
    return ""


def score_match(
    a: Identity, b: Identity, context: Context = Context(), today: date | None = None
) -> Match:
    """The identity score weighed by what is known about the candidate, with reasons.

    Reasons quote the candidate only through `context.candidate_label` (leave it empty to
    reveal nothing about another partner's customer). Closed candidates and candidates whose
    protection has expired weigh less (x0.75), as do candidates whose products, both
    listed, have nothing in common (x0.85) and those expected to close more than a year
    apart (x0.85). With the default context the score equals `score_identity`.
    """
    _ = _Translations()
    score, reasons = _score(a, b, _quoted(context.candidate_label), _)

    dated = context.registered_on is not None or context.protected_until is not None
    if dated and today is None:
        from django.utils import timezone

        today = timezone.localdate()
    registration = _registration_reason(context, today, _) if today is not None else ""
    if not registration and context.by_other_partner:
        registration = _("registered by another partner")
    if registration:
        reasons.append(registration)
    has_expired = (
        today is not None
        and context.protected_until is not None
        and context.protected_until < today
    )
    if not context.is_open or has_expired:
        score *= CLOSED_FACTOR
        if not context.is_open:
            reasons.append(_("the existing record is closed"))

    if context.products and context.other_products:
        ours = {product.strip().casefold(): product.strip() for product in context.products}
        theirs = {product.strip().casefold() for product in context.other_products}
        common = sorted(ours[key] for key in ours.keys() & theirs)
        if common:
            reasons.append(
                _.ngettext(
                    "%(count)d product in common: %(products)s",
                    "%(count)d products in common: %(products)s",
                    len(common),
                )
                % {"count": len(common), "products": ", ".join(common)}
            )
        else:
            score *= NO_COMMON_PRODUCT_FACTOR
            reasons.append(_("no product in common"))

    if context.expected_close is not None and context.other_expected_close is not None:
        days = abs((context.expected_close - context.other_expected_close).days)
        if days > FAR_CLOSE_DAYS:
            score *= FAR_CLOSE_FACTOR
            reasons.append(
                _("expected to close more than a year apart (%(days)d days)") % {"days": days}
            )
        else:
            reasons.append(
                _.ngettext(
                    "expected to close within %(days)d day of each other",
                    "expected to close within %(days)d days of each other",
                    days,
                )
                % {"days": days}
            )

    return Match(round(min(1.0, max(0.0, score)), 3), reasons)
