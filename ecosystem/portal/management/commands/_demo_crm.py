"""The demo program's CRM records (used by seed_demo): the vendor's own accounts and
pipeline, brought in the way a vendor would, through one applied CSV import of accounts
and the upsert service for opportunities.

Some accounts are customers that partners register in the demo (Globex Manufacturing,
Initech, Umbrella Health…), so their registrations show duplicate flags.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dealreg import crm

# (external id, name, domain, country, industry)
ACCOUNTS = [
    ("SF-0001", "Globex Manufacturing", "globex-mfg.com", "US", "Manufacturing"),
    ("SF-0002", "Initech", "initech.com", "US", "Software"),
    ("SF-0003", "Umbrella Health", "umbrellahealth.com", "GB", "Healthcare"),
    ("SF-0004", "Stark Industrial Systems", "starkindustrial.com", "US", "Manufacturing"),
    ("SF-0005", "Wayne Logistics", "waynelogistics.com", "US", "Transportation"),
    ("SF-0006", "Hooli", "hooli.com", "US", "Technology"),
    ("SF-0007", "Vandelay Industries", "vandelay.com", "US", "Wholesale"),
    ("SF-0008", "Massive Dynamic", "massivedynamic.com", "US", "Research"),
    ("SF-0009", "Dunder Mifflin Paper", "dundermifflin.com", "US", "Wholesale"),
    ("SF-0010", "Tyrell Biotech", "tyrellbio.com", "US", "Life sciences"),
    ("SF-0011", "Wonka Confectionery", "wonkaconfectionery.co.uk", "GB", "Food and beverage"),
    ("SF-0012", "Gringotts Financial", "gringotts-financial.co.uk", "GB", "Financial services"),
    ("SF-0013", "Sirius Cybernetics", "siriuscybernetics.de", "DE", "Technology"),
    ("SF-0014", "Krüger Stahlwerk", "krueger-stahl.de", "DE", "Manufacturing"),
    ("SF-0015", "Bavaria Versicherung", "bavaria-versicherung.de", "DE", "Insurance"),
    ("SF-0016", "Lumière Retail", "lumiere-retail.fr", "FR", "Retail"),
    ("SF-0017", "Van Dijk Havens", "vandijkhavens.nl", "NL", "Transportation"),
    ("SF-0018", "Maple Leaf Utilities", "mapleleafutilities.ca", "CA", "Energy"),
    ("SF-0019", "Weyland Mining", "weylandmining.com.au", "AU", "Mining"),
    ("SF-0020", "Ganges Pharma", "gangespharma.in", "IN", "Life sciences"),
    ("SF-0021", "Sakura Electronics", "sakura-electronics.jp", "JP", "Manufacturing"),
    ("SF-0022", "Nakatomi Trading", "nakatomi.co.jp", "JP", "Wholesale"),
    ("SF-0023", "Andes Mineração", "andesmineracao.com.br", "BR", "Mining"),
    ("SF-0024", "Lion City Bank", "lioncitybank.sg", "SG", "Financial services"),
    ("SF-0025", "Fjord Telecom", "fjordtelecom.se", "SE", "Telecommunications"),
    ("SF-0026", "Iberia Solar", "iberiasolar.es", "ES", "Energy"),
    ("SF-0027", "Emerald Insurance", "emeraldinsurance.ie", "IE", "Insurance"),
    ("SF-0028", "Springbok Freight", "springbokfreight.co.za", "ZA", "Transportation"),
    ("SF-0029", "Azteca Logística", "aztecalogistica.mx", "MX", "Transportation"),
    ("SF-0030", "Wisła Motors", "wislamotors.pl", "PL", "Automotive"),
]
# Customers partners register in the demo: each has an open opportunity, so a partner's
# registration of it is flagged as a possible duplicate.
CONTESTED = {"SF-0001", "SF-0002", "SF-0003", "SF-0006", "SF-0013"}
OWNERS = ["Jordan Blake", "Morgan Reyes", "Casey Lin", "Riley Novak", "Avery Stone"]
CURRENCIES = {
    "GB": "GBP",
    "DE": "EUR",
    "FR": "EUR",
    "NL": "EUR",
    "ES": "EUR",
    "IE": "EUR",
    "CA": "CAD",
    "AU": "AUD",
    "JP": "JPY",
    "IN": "INR",
    "BR": "BRL",
    "SG": "SGD",
    "SE": "SEK",
    "ZA": "ZAR",
    "MX": "MXN",
    "PL": "PLN",
}
PRODUCTS = ["Core Platform", "Edge Gateway", "Analytics Suite", "Security Add-on", "Backup"]
PROJECTS = [
    "platform rollout",
    "renewal",
    "expansion",
    "security upgrade",
    "analytics pilot",
    "data centre exit",
    "branch connectivity",
]
OPEN_STAGES = ["Prospecting", "Qualification", "Proposal", "Negotiation"]
STAGE_WEIGHTS = {
    "Prospecting": 2,
    "Qualification": 3,
    "Proposal": 3,
    "Negotiation": 2,
    "Closed Won": 2,
    "Closed Lost": 1,
}
OPPORTUNITIES = 40


def _accounts_csv(rng: random.Random) -> str:
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(["external_id", "name", "domain", "country", "industry", "owner"])
    for external_id, name, domain, country, industry in ACCOUNTS:
        writer.writerow([external_id, name, domain, country, industry, rng.choice(OWNERS)])
    return output.getvalue()


def seed_crm(*, tenant, actor, rng: random.Random) -> tuple[int, int]:
    """~30 accounts through one applied CSV import, ~40 opportunities through upserts;
    (accounts, opportunities)."""
    upload = SimpleUploadedFile(
        "salesforce-accounts.csv", _accounts_csv(rng).encode(), content_type="text/csv"
    )
    crm_import = crm.preview_import(
        tenant=tenant, actor=actor, kind="accounts", uploaded_file=upload
    )
    crm.apply_import(tenant=tenant, actor=actor, import_id=crm_import.pk)

    today = timezone.localdate()
    # Every contested customer first (open), then a realistic spread over the rest.
    plan = [account for account in ACCOUNTS if account[0] in CONTESTED]
    others = [account for account in ACCOUNTS if account[0] not in CONTESTED]
    plan += rng.sample(others, k=len(others))
    plan += rng.sample(ACCOUNTS, k=OPPORTUNITIES - len(plan))
    for number, (account_id, name, _domain, country, _industry) in enumerate(plan, start=1):
        stage = (
            rng.choice(OPEN_STAGES)
            if account_id in CONTESTED and number <= len(CONTESTED)
            else rng.choices(list(STAGE_WEIGHTS), weights=list(STAGE_WEIGHTS.values()))[0]
        )
        is_closed = stage.startswith("Closed")
        days = -rng.randint(10, 200) if is_closed else rng.randint(15, 240)
        currency = CURRENCIES.get(country, "USD")
        amount = Decimal(rng.randrange(15_000, 600_000, 500))
        if currency == "JPY":
            amount *= 150
        crm.upsert_opportunity(
            tenant=tenant,
            actor=actor,
            data={
                "external_id": f"OPP-{number:05d}",
                "account_external_id": account_id,
                "name": f"{name} {rng.choice(PROJECTS)}",
                "stage": stage,
                "amount": amount,
                "currency": currency,
                "owner": rng.choice(OWNERS),
                "close_date": today + timedelta(days=days),
                "products": sorted(rng.sample(PRODUCTS, k=rng.randint(1, 3))),
            },
        )
    return len(ACCOUNTS), len(plan)
