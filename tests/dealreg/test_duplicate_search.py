"""The candidate search behind find_duplicates: every record the scorer flags is found, by
index; weaker relations are found too, bounded; generic company words make no candidates."""

import csv

import pytest
from django.db import connection
from django.db.models import Q

from dealreg import matching
from dealreg.duplicates import _candidates, find_duplicates
from dealreg.matching import distinctive_name, identity, is_duplicate, score_identity
from dealreg.models import OPEN_STATUSES, Deal

from .factories import DealFactory
from .test_duplicate_quality import DATA

pytestmark = pytest.mark.django_db


def _store(tenant, partner, customers):
    deals = []
    for customer in customers:
        deal = DealFactory.build(
            tenant=tenant,
            partner=partner,
            customer_name=customer.name,
            customer_domain=customer.domain,
            customer_country=customer.country or "US",
        )
        for field, value in Deal.keys_of(customer).items():
            setattr(deal, field, value)
        deals.append(deal)
    return Deal.objects.bulk_create(deals)


def _dev_pairs():
    with DATA.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            yield (
                identity(row["a_name"], row["a_domain"], row["a_country"]),
                identity(row["b_name"], row["b_domain"], row["b_country"]),
            )


def _found(tenant, a, b, minimum_score):
    return any(
        match.record.identity.name == b.name and match.record.identity.domain == b.domain
        for match in find_duplicates(tenant=tenant, identity=a, minimum_score=minimum_score)
    )


def test_every_flagged_dev_pair_is_found_in_the_database(tenant, partner):
    pairs = list(_dev_pairs())
    _store(tenant, partner, [b for _a, b in pairs])
    flagged = [(a, b) for a, b in pairs if is_duplicate(score_identity(a, b))]
    assert len(flagged) > 100

    missed = [
        (a.name, b.name) for a, b in flagged if not _found(tenant, a, b, matching.DEFAULT_THRESHOLD)
    ]
    assert missed == []


def test_most_weaker_matches_are_found_too(tenant, partner):
    """Matches below the flag threshold ("possible duplicates" for reviewers) are found by
    the flag keys or the weaker related keys: best effort, but nearly all of them."""
    pairs = list(_dev_pairs())
    _store(tenant, partner, [b for _a, b in pairs])
    weaker = [(a, b) for a, b in pairs if 0.5 <= score_identity(a, b).score < 0.8]
    assert len(weaker) > 20

    missed = [(a.name, b.name) for a, b in weaker if not _found(tenant, a, b, 0.5)]
    print(f"\nweaker matches found: {len(weaker) - len(missed)} of {len(weaker)}, missed {missed}")
    assert len(missed) / len(weaker) <= 0.1, missed


@pytest.mark.parametrize(
    ("name_key", "distinctive"),
    [
        ("mapt telecom", "mapt"),
        ("apple hospitality reit", "apple reit"),
        ("hcl technologies", "hcl"),
        ("bank of america", "america"),
        ("first data", "first"),
        ("global data systems", "global data systems"),
        ("acme", "acme"),
        ("", ""),
    ],
)
def test_distinctive_name_drops_generic_words(name_key, distinctive):
    assert distinctive_name(name_key) == distinctive


def test_generic_words_do_not_make_candidates(tenant, partner):
    brands = ["Kato", "Ravenlo", "Dexpa", "Trino", "Velqu", "Ixor", "Amber", "Zufin", "Galka"]
    _store(
        tenant,
        partner,
        [identity(f"{brand} {word}", "", "US") for brand in brands for word in ("Telecom", "Bank")],
    )
    (mapt,) = _store(tenant, partner, [identity("Mapt Telecom", "mapt.com", "US")])

    found = _candidates(
        Deal.objects.for_tenant(tenant),
        identity("Mapt Telecom Inc", "", "US"),
        open_filter=Q(status__in=OPEN_STATUSES),
    )

    assert [deal.pk for deal in found] == [mapt.pk]


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("HCL Technologies", "HCL Techonlogies"),  # a typo in the generic word
        ("HP Technologies", "HQ Technologies"),  # a typo in a two-letter brand
        ("Mapt Telecom", "Mapd Telecom"),
    ],
)
def test_one_typo_anywhere_is_found(tenant, partner, stored, typed):
    (deal,) = _store(tenant, partner, [identity(stored, "", "US")])

    matches = find_duplicates(tenant=tenant, identity=identity(typed, "", "US"))

    assert [match.record.pk for match in matches] == [deal.pk]
    assert is_duplicate(matches[0])


def test_one_name_inside_the_other_is_a_possible_duplicate(tenant, partner):
    vacations, marriott, _other = _store(
        tenant,
        partner,
        [identity(name, "", "US") for name in ("Marriott Vacations", "Marriott", "Marr Hotels")],
    )

    matches = find_duplicates(tenant=tenant, identity=identity("Marriott", "", "US"))

    assert [match.record.pk for match in matches] == [marriott.pk, vacations.pk]
    assert not is_duplicate(matches[1])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes")
def test_candidate_queries_use_the_index(tenant, partner):
    """Never a scan of the tenant's deals: with sequential scans priced out, both candidate
    predicates run on the GIN index of the search keys. The tenant filter is left out: in a
    table this small the planner would rather take the tenant's own index, which at a
    million deals in one tenant selects nothing."""
    _store(tenant, partner, [identity(f"Customer {n} Telecom", "", "US") for n in range(50)])
    typed = identity("Mapt Telecom", "mapt.com", "US")
    deals = Deal.objects.all()
    by_key = deals.filter(search_keys__has_any_keys=sorted(matching.candidate_keys(typed)))
    related = deals.filter(search_keys__has_key=matching.related_keys(typed)[0])

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plans = [by_key.order_by().explain(), related.order_by().explain()]

    assert all("deal_search_keys" in plan for plan in plans)
