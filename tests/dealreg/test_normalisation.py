"""Customer identity: name and domain normalisation, and how matches are scored and explained.

Pure functions: no database.
"""

from datetime import date
from itertools import combinations

import pytest

from dealreg.matching import (
    DEFAULT_THRESHOLD,
    Context,
    Identity,
    Match,
    candidate_keys,
    domain_label,
    identity,
    is_duplicate,
    normalise_domain,
    normalise_name,
    score_identity,
    score_match,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # The example of the contract.
        ("The Ford Motor Company, Inc.", "ford motor"),
        # Case, whitespace, punctuation, accents.
        ("  ACME   corp ", "acme"),
        ("acme", "acme"),
        ("Acme,  Widgets.", "acme widgets"),
        ("Société Générale", "societe generale"),
        ("Deutsche Börse AG", "deutsche borse"),
        ("Nestlé, S.A.", "nestle"),
        ("L'Oréal S.A.", "loreal"),
        ("Ørsted A/S", "orsted"),
        ("Rolls-Royce Holdings plc", "rolls royce"),
        # Legal forms of many countries.
        ("Acme Inc", "acme"),
        ("Acme Inc.", "acme"),
        ("Acme, Incorporated", "acme"),
        ("Acme LLC", "acme"),
        ("Acme L.L.C.", "acme"),
        ("Acme GmbH", "acme"),
        ("Acme AG", "acme"),
        ("Acme Aktiengesellschaft", "acme"),
        ("Acme Ltd", "acme"),
        ("Acme Ltd.", "acme"),
        ("Acme Limited", "acme"),
        ("Acme plc", "acme"),
        ("Acme Public Limited Company", "acme"),
        ("Acme S.A.", "acme"),
        ("Acme SA", "acme"),
        ("Acme S. A.", "acme"),
        ("Acme Sociedad Anónima", "acme"),
        ("Acme S.r.l.", "acme"),
        ("Acme SpA", "acme"),
        ("Acme S.p.A.", "acme"),
        ("Acme Società per Azioni", "acme"),
        ("Acme K.K.", "acme"),
        ("Acme Kabushiki Kaisha", "acme"),
        ("Acme Pty Ltd", "acme"),
        ("Acme Pvt Ltd", "acme"),
        ("Acme Private Limited", "acme"),
        ("Acme Oy", "acme"),
        ("Acme Oy Ab", "acme"),
        ("Acme AB", "acme"),
        ("AB Acme", "acme"),
        ("Acme N.V.", "acme"),
        ("Acme Naamloze Vennootschap", "acme"),
        ("Acme B.V.", "acme"),
        ("Acme SE", "acme"),
        ("Acme SARL", "acme"),
        ("Acme Ltda.", "acme"),
        ("Acme A/S", "acme"),
        ("Acme Co.", "acme"),
        ("Acme Co., Ltd.", "acme"),
        ("Acme Corp", "acme"),
        ("Acme Corp.", "acme"),
        ("Acme Corporation", "acme"),
        ("Acme Company", "acme"),
        ("Acme P.C.", "acme"),
        ("Acme Sdn Bhd", "acme"),
        ("Acme Sp. z o.o.", "acme"),
        ("Acme SE & Co. KG", "acme"),
        ("Acme & Co., Inc.", "acme"),
        ("Acme & C. S.p.A.", "acme"),
        ("Acme Limted", "acme"),  # a long legal form with one letter wrong
        # Corporate-structure words at the end.
        ("Acme Group", "acme"),
        ("Acme Holdings Ltd", "acme"),
        ("Acme International", "acme"),
        ("Acme Global Inc.", "acme"),
        ("Barclays Global Public Limited Company", "barclays"),
        ("International Business Machines Corporation", "international business machines"),
        # Leading "the".
        ("The Acme Company", "acme"),
        ("  The  Acme   ", "acme"),
        ("Theatre Royal", "theatre royal"),
        # "&" and "and" are the same word; single letters join.
        ("Smith & Nephew plc", "smith and nephew"),
        ("Smith and Nephew", "smith and nephew"),
        ("AT&T Inc.", "at and t"),
        ("AT & T INC.", "at and t"),
        ("P&G", "pg"),
        ("H & M Hennes & Mauritz AB", "hm hennes and mauritz"),
        # Never stripped to nothing; no meaning-bearing word lost.
        ("Company", "company"),
        ("The Group", "group"),
        ("Holiday Inn", "holiday inn"),
        ("Bank of America, N.A.", "bank of america"),
        ("", ""),
    ],
)
def test_normalise_name(raw, expected):
    assert normalise_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("acme.com", "acme.com"),
        ("ACME.COM", "acme.com"),
        ("  Acme.Com.  ", "acme.com"),
        ("www.acme.com", "acme.com"),
        ("http://acme.com", "acme.com"),
        ("https://www.acme.com/en-us/about?ref=partner#top", "acme.com"),
        ("acme.com/?ref=partner", "acme.com"),
        ("https://acme.com:8443/", "acme.com"),
        ("https://corporate.BMW.com/x", "bmw.com"),
        ("investors.shop.acme.com", "acme.com"),
        ("acme.co.uk", "acme.co.uk"),
        ("www.acme.co.uk/contact", "acme.co.uk"),
        ("careers.acme.com.au", "acme.com.au"),
        ("shop.acme.com.br", "acme.com.br"),
        ("acme.co.jp", "acme.co.jp"),
        ("bob@acme.com", "acme.com"),
        ("mailto:Bob.Smith@Sales.Acme.de", "acme.de"),
        ("acme.github.io", "acme.github.io"),  # hosted on a shared platform: still its own
        ("xn--bcher-kva.de", "bücher.de"),
        ("bücher.de", "bücher.de"),
        ("acme.com, acme.de", "acme.com"),
        # Nothing usable.
        ("", ""),
        ("   ", ""),
        ("acme", ""),
        ("not a domain", ""),
        ("localhost", ""),
        ("192.168.0.1", ""),
        ("http://", ""),
        ("acme..com", ""),
        ("co.uk", ""),
        ("-", ""),
    ],
)
def test_normalise_domain(raw, expected):
    assert normalise_domain(raw) == expected


@pytest.mark.parametrize(
    ("registrable", "expected"),
    [
        ("bmw.com", "bmw"),
        ("petrobras.com.br", "petrobras"),
        ("acme.co.uk", "acme"),
        ("deutsche-boerse.com", "deutscheboerse"),
        ("", ""),
    ],
)
def test_domain_label(registrable, expected):
    assert domain_label(registrable) == expected


def test_identity_holds_what_was_typed_and_its_keys():
    customer = identity("The Ford Motor Company, Inc.", "https://www.Ford.com/us", "us")

    assert customer.name == "The Ford Motor Company, Inc."
    assert customer.domain == "https://www.Ford.com/us"
    assert customer.country == "US"
    assert customer.name_key == "ford motor"
    assert customer.domain_key == "ford.com"
    assert customer.domain_label == "ford"


def test_public_mailbox_domains_say_nothing_about_the_customer():
    customer = identity("Acme", "bob@gmail.com", "US")

    assert customer.domain_key == ""
    assert customer.domain_label == ""


def test_identity_rebuilt_from_stored_keys_scores_the_same():
    typed = identity("LG Chem Korea", "lgchem.com", "KR")
    stored = Identity(
        name=typed.name,
        domain=typed.domain,
        country=typed.country,
        name_key=typed.name_key,
        domain_key=typed.domain_key,
        domain_label=typed.domain_label,
    )
    other = identity("LG Chem, Ltd.", "", "KR")

    assert stored == typed
    assert score_identity(stored, other) == score_identity(typed, other)


# --- Scores and reasons --------------------------------------------------------------------


def test_threshold_is_inclusive():
    assert DEFAULT_THRESHOLD == 0.8
    assert is_duplicate(Match(0.8, []))
    assert not is_duplicate(Match(0.799, []))
    assert is_duplicate(Match(0.9, []), threshold=0.9)
    assert not is_duplicate(Match(0.95, []), threshold=0.96)


def test_same_domain_flags_and_says_so_first():
    match = score_identity(
        identity("Acme Widgets", "www.acme.com", "US"),
        identity("ACME Corp.", "https://acme.com/about", "US"),
    )

    assert is_duplicate(match)
    assert match.reasons[0] == "same domain acme.com"
    assert "same country (US)" in match.reasons


def test_same_domain_flags_even_when_the_names_differ():
    match = score_identity(
        identity("Alphabet Inc.", "google.com", "US"), identity("Google LLC", "google.com", "US")
    )

    assert is_duplicate(match)
    assert match.reasons[0] == "same domain google.com"


def test_name_similarity_is_quoted_with_a_percentage():
    match = score_identity(
        identity("Salesforce, Inc.", "salesforce.com", "US"),
        identity("Salesfroce, Inc.", "salesforce.com", "US"),
    )

    assert "name 90% similar to “Salesfroce, Inc.” (one letter apart)" in match.reasons


@pytest.mark.parametrize(
    ("short", "long", "domain"),
    [
        ("UPS", "United Parcel Service, Inc.", "ups.com"),
        ("Amex", "American Express Company", "americanexpress.com"),
        ("BofA", "Bank of America Corporation", "bankofamerica.com"),
        ("M&S", "Marks and Spencer Group plc", "marksandspencer.com"),
    ],
)
def test_abbreviations_are_explained(short, long, domain):
    match = score_identity(identity(short, domain, "US"), identity(long, domain, "US"))

    assert is_duplicate(match)
    assert match.score > 0.9
    assert f"“{short}” looks like an abbreviation of “{long}”" in match.reasons


def test_a_name_inside_the_other_is_explained():
    match = score_identity(
        identity("Ericsson", "ericsson.com", "SE"),
        identity("Telefonaktiebolaget LM Ericsson", "ericsson.com", "SE"),
    )

    assert is_duplicate(match)
    assert "“Ericsson” is part of “Telefonaktiebolaget LM Ericsson”" in match.reasons


def test_without_a_domain_the_same_name_flags():
    match = score_identity(
        identity("Novartis AG", "", "CH"), identity("Novartis", "novartis.com", "CH")
    )

    assert is_duplicate(match)
    assert (
        match.reasons[0]
        == "same name as “Novartis”, ignoring case, accents, punctuation and legal form"
    )
    assert "no domain to compare: name only" in match.reasons


def test_without_a_domain_a_typo_flags_only_in_a_long_name():
    long_typo = score_identity(
        identity("HCL Technologies Limited", "", "IN"),
        identity("HCL Techonlogies Limited", "", "IN"),
    )
    short_typo = score_identity(identity("Ciena", "", "US"), identity("Cigna", "", "US"))

    assert is_duplicate(long_typo)
    assert not is_duplicate(short_typo)


def test_without_a_domain_a_shared_word_does_not_flag():
    match = score_identity(
        identity("Apple Inc.", "", "US"), identity("Apple Hospitality REIT", "", "US")
    )

    assert not is_duplicate(match)


def test_the_name_of_the_own_country_at_the_end_is_ignored():
    match = score_identity(identity("LG Chem Korea", "", "KR"), identity("LG Chem, Ltd.", "", "KR"))

    assert is_duplicate(match)
    assert match.reasons[0] == "same name as “LG Chem, Ltd.”, apart from the name of the country"


def test_different_domains_do_not_flag_even_with_the_same_name():
    match = score_identity(
        identity("Blue Ridge Dental Group LLC", "blueridgedental.com", "US"),
        identity("Blue Ridge Dental Group LLC", "blueridgedentalcare.com", "US"),
    )

    assert not is_duplicate(match)
    assert "different domains (blueridgedental.com vs blueridgedentalcare.com)" in match.reasons


def test_same_domain_name_under_another_suffix_needs_related_names():
    same_company = score_identity(
        identity("Ford Motor Company", "ford.com", "US"),
        identity("The Ford Motor Company", "ford.fr", "US"),
    )
    other_company = score_identity(
        identity("Delta Air Lines", "delta.com", "US"),
        identity("Vortex Dental Supplies", "delta.co", "US"),
    )

    assert is_duplicate(same_company)
    assert "same domain name under another suffix (ford.com vs ford.fr)" in same_company.reasons
    assert not is_duplicate(other_company)


def test_another_country_is_another_customer():
    match = score_identity(
        identity("Ironbridge Accounting Ltd", "ironbridgeaccounting.co.uk", "GB"),
        identity("Ironbridge Accounting Limited", "ironbridge-accounting.co.nz", "NZ"),
    )
    same_domain = score_identity(
        identity("Acme", "acme.com", "DE"), identity("Acme", "acme.com", "US")
    )

    assert not is_duplicate(match)
    assert match.reasons[0] == "different country (GB vs NZ)"
    assert same_domain.score <= 0.7


def test_an_unknown_country_is_neutral():
    known = score_identity(
        identity("Acme", "acme.com", "US"), identity("Acme Inc.", "acme.com", "US")
    )
    unknown = score_identity(
        identity("Acme", "acme.com", ""), identity("Acme Inc.", "acme.com", "US")
    )

    assert unknown.score == known.score
    assert not any("country" in reason for reason in unknown.reasons)


PAIRS = [
    (identity("Acme", "acme.com", "US"), identity("Acme Inc.", "acme.com", "US")),
    (identity("Acme", "acme.com", "US"), identity("Zenith Ltd", "zenith.co.uk", "GB")),
    (identity("", "", ""), identity("", "", "")),
    (identity("Acme", "", ""), identity("", "acme.com", "US")),
    (
        identity("Cisco Systems, Inc.", "cisco.com", "US"),
        identity("Sysco Corporation", "sysco.com", "US"),
    ),
    (identity("UPS", "ups.com", "US"), identity("United Parcel Service", "", "US")),
    (identity("Bank of Montreal", "bmo.com", "CA"), identity("Bank of America", "", "US")),
]


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_scores_are_bounded_symmetric_and_explained(a, b):
    forward, backward = score_identity(a, b), score_identity(b, a)

    assert 0.0 <= forward.score <= 1.0
    assert forward.score == backward.score
    assert forward.score == round(forward.score, 3)
    assert forward.reasons and all(isinstance(reason, str) for reason in forward.reasons)
    worst = Context(
        is_open=False,
        products=frozenset({"A"}),
        other_products=frozenset({"B"}),
        expected_close=date(2026, 1, 1),
        other_expected_close=date(2029, 1, 1),
    )
    assert 0.0 <= score_match(a, b, worst).score <= forward.score


def test_flagged_pairs_share_a_search_key():
    people = [
        identity("Acme Widgets Inc.", "acme.com", "US"),
        identity("ACME Widgets", "", "US"),
        identity("Acme Widgtes", "", "US"),
        identity("Acme Widgets USA", "", "US"),
        identity("Acme", "acme.de", "US"),
        identity("Akme Widgets", "", "US"),
        identity("Widgets Acme", "", "US"),
        identity("Hennes & Mauritz", "", "SE"),
        identity("Hennes and Mauritzz AB", "", "SE"),
    ]
    for a, b in combinations(people, 2):
        if is_duplicate(score_identity(a, b)):
            assert candidate_keys(a) & candidate_keys(b), (a.name, b.name)


# --- Context -------------------------------------------------------------------------------

CUSTOMER = identity("Acme Widgets Inc.", "acme.com", "US")
CANDIDATE = identity("ACME Widgets", "www.acme.com", "US")
TODAY = date(2026, 5, 20)


def test_the_default_context_changes_nothing():
    assert score_match(CUSTOMER, CANDIDATE).score == score_identity(CUSTOMER, CANDIDATE).score
    assert score_match(CUSTOMER, CANDIDATE, Context(), today=TODAY).score == (
        score_identity(CUSTOMER, CANDIDATE).score
    )


def test_the_candidate_is_quoted_only_through_its_label():
    hidden = score_match(CUSTOMER, identity("Akme Widgets", "acme.com", "US"))
    shown = score_match(
        CUSTOMER,
        identity("Akme Widgets", "acme.com", "US"),
        Context(candidate_label="Akme Widgets"),
    )

    assert not any("Akme" in reason for reason in hidden.reasons)
    assert any("“Akme Widgets”" in reason for reason in shown.reasons)


def test_a_closed_candidate_weighs_less():
    open_match = score_match(CUSTOMER, CANDIDATE, Context(is_open=True))
    closed = score_match(CUSTOMER, CANDIDATE, Context(is_open=False))

    assert closed.score == round(open_match.score * 0.75, 3)
    assert not is_duplicate(closed)
    assert "the existing record is closed" in closed.reasons


def test_products_in_common_are_listed_and_none_in_common_weighs_less():
    base = score_identity(CUSTOMER, CANDIDATE).score
    common = score_match(
        CUSTOMER,
        CANDIDATE,
        Context(
            products=frozenset({"Firewall", "VPN", "Switch"}),
            other_products=frozenset({"vpn", "Firewall"}),
        ),
    )
    disjoint = score_match(
        CUSTOMER,
        CANDIDATE,
        Context(products=frozenset({"Switch"}), other_products=frozenset({"VPN"})),
    )
    one_side = score_match(CUSTOMER, CANDIDATE, Context(products=frozenset({"Switch"})))

    assert common.score == base
    assert "2 products in common: Firewall, VPN" in common.reasons
    assert disjoint.score == round(base * 0.85, 3)
    assert "no product in common" in disjoint.reasons
    assert one_side.score == base


def test_expected_close_dates_far_apart_weigh_less():
    base = score_identity(CUSTOMER, CANDIDATE).score
    near = score_match(
        CUSTOMER,
        CANDIDATE,
        Context(expected_close=date(2026, 6, 1), other_expected_close=date(2026, 6, 13)),
    )
    far = score_match(
        CUSTOMER,
        CANDIDATE,
        Context(expected_close=date(2026, 6, 1), other_expected_close=date(2027, 9, 1)),
    )

    assert near.score == base
    assert "expected to close within 12 days of each other" in near.reasons
    assert far.score == round(base * 0.85, 3)
    assert "expected to close more than a year apart (457 days)" in far.reasons


def test_registration_by_another_partner_is_explained():
    match = score_match(
        CUSTOMER,
        CANDIDATE,
        Context(
            registered_on=date(2026, 5, 8),
            protected_until=date(2027, 2, 1),
            by_other_partner=True,
            candidate_label="ACME Widgets",
        ),
        today=TODAY,
    )

    assert match.score == score_identity(CUSTOMER, CANDIDATE).score
    assert match.reasons[0] == "same domain acme.com"
    assert "registered by another partner 12 days ago, protected until 2027-02-01" in match.reasons


def test_expired_protection_weighs_like_a_closed_candidate():
    match = score_match(
        CUSTOMER,
        CANDIDATE,
        Context(registered_on=date(2025, 1, 1), protected_until=date(2025, 4, 1)),
        today=TODAY,
    )

    assert match.score == round(score_identity(CUSTOMER, CANDIDATE).score * 0.75, 3)
    assert "registered 504 days ago, protection expired on 2025-04-01" in match.reasons
