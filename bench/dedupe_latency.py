"""Duplicate-check latency with many deals in one tenant (issue 4's target: p95 ≤ 50 ms at
1,000,000 deals on PostgreSQL). A stop-gap until the benchmark harness (issue 11) exists.

    DATABASE_URL=postgres://… DEDUPE_DEALS=1000000 \\
        python manage.py shell < bench/dedupe_latency.py

It creates the tenant `dupbench` once (about 10 minutes for 1,000,000 deals), then times
300 `find_duplicates` calls: half are variants of existing customers, half are new names.
Names are a pronounceable brand plus a common company word ("Mapt Telecom"), as real
customer lists are; that common word is what made the trigram candidate search expensive,
before the search keys (dealreg.duplicates).
"""

import os
import random
import time
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from dealreg import matching
from dealreg.duplicates import find_duplicates
from dealreg.models import Deal, DealStatus
from ecosystem.tenancy import services as tenancy_services
from ecosystem.tenancy.models import Tenant
from partners.models import PartnerOrganisation, PartnerStatus

DEALS = int(os.environ.get("DEDUPE_DEALS", "1000000"))
CHECKS = 300
rng = random.Random(11)
SYLLABLES = "ka to mi ra ven lo dex pa tri no sa vel qu ix or am ber zu fin gal".split()  # noqa: SIM905
WORDS = (  # noqa: SIM905
    "Logistics Health Foods Systems Analytics Robotics Energy Bank Insurance Retail Media Labs "
    "Partners Holdings Industries Networks Software Solutions Capital Motors Pharma Mining "
    "Shipping Telecom Consulting Security Cloud Data Technologies Group Global Services"
).split()
SUFFIXES = ["Inc", "LLC", "Ltd", "GmbH", "AG", "S.A.", "plc", "Corp", "", "", ""]
COUNTRIES = ["US", "GB", "DE", "FR", "JP", "AU", "CA", "NL", "ES", "IN"]
OPEN = [DealStatus.APPROVED, DealStatus.PENDING_REVIEW]


def brand() -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randrange(2, 4))).capitalize()


def deal(tenant, partner, today) -> Deal:
    name = f"{brand()} {rng.choice(WORDS)}"
    full = f"{name} {rng.choice(SUFFIXES)}".strip()
    domain = name.lower().replace(" ", "") + ".com" if rng.random() < 0.8 else ""
    country = rng.choice(COUNTRIES)
    key = matching.identity(full, domain, country)
    return Deal(
        tenant=tenant,
        partner=partner,
        title="Platform",
        customer_name=full,
        customer_domain=domain,
        customer_country=country,
        **Deal.keys_of(key),
        amount=Decimal(50000),
        currency="USD",
        expected_close_date=today,
        products=["Platform"],
        status=rng.choice(OPEN) if rng.random() < 0.2 else DealStatus.WON,
    )


tenant = Tenant.objects.filter(slug="dupbench").first()
if tenant is None:
    tenant, _ = tenancy_services.create_tenant(
        slug="dupbench", name="Dedupe bench", admin_email="admin@dupbench.example",
        admin_password="bench-pass-2026",  # noqa: S106 - a throwaway benchmark tenant
    )  # fmt: skip
    partners = PartnerOrganisation.objects.bulk_create(
        PartnerOrganisation(tenant=tenant, name=f"Partner {i}", status=PartnerStatus.ACTIVE)
        for i in range(500)
    )
    today = timezone.localdate()
    started = time.perf_counter()
    # A bulk load: the GIN indexes are dropped first and rebuilt from their own definitions.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = 'dealreg_deal' AND indexdef LIKE '%% USING gin %%'"
        )
        gin_indexes = cursor.fetchall()
        for name, _definition in gin_indexes:
            cursor.execute(f"DROP INDEX {name}")
    for start in range(0, DEALS, 10000):
        size = min(10000, DEALS - start)
        Deal.objects.bulk_create([deal(tenant, rng.choice(partners), today) for _ in range(size)])
    with connection.cursor() as cursor:
        for _name, definition in gin_indexes:
            cursor.execute(definition)
        cursor.execute("VACUUM ANALYZE dealreg_deal")
    print(f"inserted {DEALS:,} deals in {time.perf_counter() - started:.0f} s")

existing = list(
    Deal.objects.for_tenant(tenant)
    .filter(pk__in=[rng.randrange(1, DEALS) for _ in range(CHECKS)])
    .values_list("customer_name", "customer_domain", "customer_country")[: CHECKS // 2]
)
queries = [
    matching.identity(name[:-1] + "x" if rng.random() < 0.5 else name.upper(), "", country)
    for name, _domain, country in existing
] + [
    matching.identity(f"{brand()} {rng.choice(WORDS)}", "", rng.choice(COUNTRIES))
    for _ in range(CHECKS - len(existing))
]
for identity in queries[:20]:  # warm the cache
    find_duplicates(tenant=tenant, identity=identity, products=["Platform"])
timings = []
for identity in queries:
    started = time.perf_counter()
    find_duplicates(tenant=tenant, identity=identity, products=["Platform"])
    timings.append((time.perf_counter() - started) * 1000)
timings.sort()


def percentile(p: int) -> float:
    return timings[min(len(timings) - 1, round(p / 100 * len(timings)) - 1)]


print(
    f"{Deal.objects.for_tenant(tenant).count():,} deals, {len(timings)} checks: "
    f"p50 {percentile(50):.1f} ms, p95 {percentile(95):.1f} ms, max {timings[-1]:.1f} ms"
)
