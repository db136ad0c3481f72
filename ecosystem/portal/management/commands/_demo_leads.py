"""The demo program's leads (used by seed_demo): two routing rules and 25 leads that went
through the lead services, so every offer carries a real score breakdown and the routing
report has something to show.

The leads tell different stories: on offer now (with hours left to answer), accepted,
converted to deals, declined and passed to the next partner, declined by everyone, one
SLA pullback (no answer in time, offered to the next partner), one overridden by the
channel manager, one lost, and a couple still waiting to be routed. Their past is played
out at earlier times (`now=` of the services) and their creation time is set to match.
"""

from __future__ import annotations

import contextlib
import random
import unicodedata
from datetime import datetime, timedelta

from django.utils import timezone

from dealreg import leads, routing_rules
from dealreg.models import Lead, LeadStatus
from ecosystem.errors import DomainError
from ecosystem.tenancy.roles import Role
from partners.models import Tier

RULES = [
    {
        "name": "Security leads: Silver partners and up",
        "priority": 10,
        "interest_contains": "security",
        "minimum_tier": "Silver",
    },
    {
        "name": "Japan: partners serving Japan",
        "priority": 20,
        "lead_countries": ["JP"],
        "partner_countries": ["JP"],
    },
]

# (company, domain, country, interest, products, estimated amount, currency, contact name)
LEADS = [
    (
        "Globex Manufacturing",
        "globex-mfg.com",
        "US",
        "Cloud migration of the plant ERP",
        ["Platform", "Migration services"],
        "180000",
        "USD",
        "Hank Scorpio",
    ),
    (
        "Initech",
        "initech.com",
        "US",
        "Managed backup for 400 laptops",
        ["Backup"],
        "24000",
        "USD",
        "Bill Lumbergh",
    ),
    (
        "Umbrella Health",
        "umbrellahealth.com",
        "GB",
        "Zero trust security assessment",
        ["Security suite"],
        "65000",
        "GBP",
        "Alice Abernathy",
    ),
    (
        "Hooli",
        "hooli.com",
        "US",
        "AI copilot pilot for support",
        ["AI assistant"],
        "90000",
        "USD",
        "Gavin Belson",
    ),
    (
        "Sirius Cybernetics",
        "siriuscybernetics.de",
        "DE",
        "Security operations center as a service",
        ["Security suite", "Managed SOC"],
        "120000",
        "EUR",
        "Zaphod Beeblebrox",
    ),
    (
        "Krüger Stahlwerk",
        "krueger-stahl.de",
        "DE",
        "Data platform modernisation",
        ["Data platform"],
        "150000",
        "EUR",
        "Greta Krüger",
    ),
    (
        "Lumière Retail",
        "lumiere-retail.fr",
        "FR",
        "Store analytics",
        ["Data platform"],
        "45000",
        "EUR",
        "Amélie Poulain",
    ),
    (
        "Van Dijk Havens",
        "vandijkhavens.nl",
        "NL",
        "Cloud migration of port systems",
        ["Platform"],
        "210000",
        "EUR",
        "Sanne van Dijk",
    ),
    (
        "Maple Leaf Utilities",
        "mapleleafutilities.ca",
        "CA",
        "Grid data platform",
        ["Data platform"],
        "130000",
        "CAD",
        "Jean Tremblay",
    ),
    (
        "Weyland Mining",
        "weylandmining.com.au",
        "AU",
        "Remote site security monitoring",
        ["Security suite"],
        "75000",
        "AUD",
        "Ellen Ripley",
    ),
    (
        "Ganges Pharma",
        "gangespharma.in",
        "IN",
        "Compliance reporting",
        ["Compliance pack"],
        "38000",
        "USD",
        "Priya Sharma",
    ),
    (
        "Sakura Electronics",
        "sakura-electronics.jp",
        "JP",
        "Factory data platform",
        ["Data platform"],
        "160000",
        "USD",
        "Haruto Sato",
    ),
    (
        "Andes Mineração",
        "andesmineracao.com.br",
        "BR",
        "Cloud migration",
        ["Platform"],
        "85000",
        "USD",
        "Lucas Silva",
    ),
    (
        "Lion City Bank",
        "lioncitybank.sg",
        "SG",
        "Zero trust security for branches",
        ["Security suite"],
        "140000",
        "USD",
        "Wei Ling Tan",
    ),
    (
        "Fjord Telecom",
        "fjordtelecom.se",
        "SE",
        "Network automation",
        ["Platform", "Automation"],
        "70000",
        "EUR",
        "Astrid Lindqvist",
    ),
    (
        "Iberia Solar",
        "iberiasolar.es",
        "ES",
        "Managed operations for solar farms",
        ["Managed operations"],
        "55000",
        "EUR",
        "Lucía García",
    ),
    (
        "Emerald Insurance",
        "emeraldinsurance.ie",
        "IE",
        "Claims AI triage",
        ["AI assistant"],
        "60000",
        "EUR",
        "Siobhan Murphy",
    ),
    (
        "Wonka Confectionery",
        "wonkaconfectionery.co.uk",
        "GB",
        "Supply chain data platform",
        ["Data platform"],
        "52000",
        "GBP",
        "Charlie Bucket",
    ),
    (
        "Gringotts Financial",
        "gringotts-financial.co.uk",
        "GB",
        "Privileged access security",
        ["Security suite"],
        "98000",
        "GBP",
        "Griphook Gold",
    ),
    (
        "Wayne Logistics",
        "waynelogistics.com",
        "US",
        "Fleet tracking integration",
        ["Integration services"],
        "40000",
        "USD",
        "Lucius Fox",
    ),
    (
        "Massive Dynamic",
        "massivedynamic.com",
        "US",
        "Research data lake",
        ["Data platform"],
        "250000",
        "USD",
        "Nina Sharp",
    ),
    (
        "Vandelay Industries",
        "vandelay.com",
        "US",
        "Import/export portal",
        ["Platform"],
        "30000",
        "USD",
        "Art Vandelay",
    ),
    (
        "Tyrell Biotech",
        "tyrellbio.com",
        "US",
        "Lab systems security review",
        ["Security suite"],
        "82000",
        "USD",
        "Eldon Tyrell",
    ),
    (
        "Nakatomi Trading",
        "nakatomi.co.jp",
        "JP",
        "Cloud migration of trading desk",
        ["Platform"],
        "175000",
        "USD",
        "Joseph Takagi",
    ),
    (
        "Dunder Mifflin Paper",
        "dundermifflin.com",
        "US",
        "Managed backup for branches",
        ["Backup"],
        "18000",
        "USD",
        "Michael Scott",
    ),
]
# How each lead's story goes (as many as LEADS, shuffled by the seed).
FATES = [
    *["offered"] * 8,
    *["accepted"] * 4,
    *["converted"] * 4,
    *["declined_then_accepted"] * 2,
    "declined_by_all",
    "sla_pullback",
    "override",
    "lost",
    "withdrawn",
    "not_routed",
    "not_routed",
]
assert len(FATES) == len(LEADS)
SOURCES = [Lead.Source.MANUAL, Lead.Source.API, Lead.Source.IMPORT, Lead.Source.CAMPAIGN]
DECLINE_REASONS = [
    "No capacity this quarter.",
    "Outside our specialisation.",
    "The customer is too small for us.",
    "We already work with a competitor there.",
]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def seed_leads(*, tenant, staff, partners, rng: random.Random) -> None:
    """Two routing rules and the 25 demo leads, through dealreg.leads. `partners` is
    seed_demo's [(plan, organisation, its administrator)]."""
    admin = staff[Role.ADMIN]
    marketing = staff[Role.MARKETING_MANAGER]
    channel_manager = staff[Role.CHANNEL_MANAGER]
    tiers = {tier.name: tier for tier in Tier.objects.for_tenant(tenant)}
    for rule in RULES:
        data = dict(rule)
        if "minimum_tier" in data:
            data["minimum_tier"] = tiers.get(data["minimum_tier"])
        routing_rules.create_rule(tenant=tenant, actor=admin, data=data)
    responders = {organisation.pk: person for _, organisation, person in partners}

    fates = FATES[:]
    rng.shuffle(fates)
    now = timezone.now()
    stories = []
    for index, (row, fate) in enumerate(zip(LEADS, fates, strict=True)):
        if fate in ("offered", "override"):
            hours_ago = rng.uniform(1, 40)
        elif fate == "sla_pullback":
            hours_ago = 50.0
        elif fate == "not_routed":
            hours_ago = rng.uniform(0.2, 3)
        else:
            hours_ago = rng.uniform(100, 700)
        stories.append((now - timedelta(hours=hours_ago), index, row, fate))
    # Oldest first, so each routing sees the offers made before it.
    for started, index, row, fate in sorted(stories):
        company, domain, country, interest, products, amount, currency, contact = row
        source = SOURCES[index % len(SOURCES)]
        lead = leads.create_lead(
            tenant=tenant,
            actor=None if source == Lead.Source.CAMPAIGN else marketing,
            data={
                "company_name": company,
                "company_domain": domain,
                "country": country,
                "interest": interest,
                "products": products,
                "estimated_amount": amount,
                "currency": currency,
                "contact_name": contact,
                "contact_email": f"{_ascii(contact.split()[0].lower())}@{domain}",
            },
            source=source,
            route=False,
        )
        Lead.objects.for_tenant(tenant).filter(pk=lead.pk).update(created_at=started)
        if fate == "not_routed":
            continue
        _play(
            tenant=tenant,
            lead_id=lead.pk,
            fate=fate,
            started=started,
            now=now,
            rng=rng,
            marketing=marketing,
            channel_manager=channel_manager,
            responders=responders,
        )


def _play(
    *,
    tenant,
    lead_id: int,
    fate: str,
    started: datetime,
    now: datetime,
    rng: random.Random,
    marketing,
    channel_manager,
    responders,
) -> None:
    offer = leads.route_lead(tenant=tenant, actor=marketing, lead_id=lead_id, now=started)
    if offer is None:
        return  # no eligible partner: the lead waits, with the reason noted
    moment = started + timedelta(hours=rng.uniform(0.5, 20))

    def holder():
        return responders[Lead.objects.for_tenant(tenant).get(pk=lead_id).partner_id]

    def status():
        return Lead.objects.for_tenant(tenant).get(pk=lead_id).status

    if fate == "sla_pullback":
        leads.expire_offer(tenant=tenant, offer_id=offer.pk, now=now - timedelta(hours=2))
        return
    if fate == "override":
        candidates = [
            row["partner_id"]
            for row in offer.breakdown.get("candidates", [])
            if row["partner_id"] != offer.partner_id
        ]
        if candidates:
            leads.override_route(
                tenant=tenant,
                actor=channel_manager,
                lead_id=lead_id,
                partner_id=candidates[-1],
                reason="The customer already works with them on another project.",
                now=min(now, started + timedelta(minutes=45)),
            )
        return
    if fate == "withdrawn":
        leads.withdraw_offer(
            tenant=tenant,
            actor=marketing,
            lead_id=lead_id,
            reason="The customer asked to be contacted by us directly first.",
            now=moment,
        )
        return
    if fate == "offered":
        return
    if fate in ("declined_then_accepted", "declined_by_all"):
        rounds = 0
        while status() == LeadStatus.OFFERED and rounds < 20:
            if fate == "declined_then_accepted" and rounds == 1:
                break
            leads.decline_offer(
                tenant=tenant,
                actor=holder(),
                lead_id=lead_id,
                reason=DECLINE_REASONS[rounds % len(DECLINE_REASONS)],
                now=moment,
            )
            moment += timedelta(hours=rng.uniform(1, 12))
            rounds += 1
        if status() != LeadStatus.OFFERED:
            return
    leads.accept_offer(tenant=tenant, actor=holder(), lead_id=lead_id, now=moment)
    if fate == "converted":
        # Should the rules of engagement refuse the registration, the lead stays accepted.
        with contextlib.suppress(DomainError):
            leads.convert_to_deal(tenant=tenant, actor=holder(), lead_id=lead_id)
    elif fate == "lost":
        leads.mark_lost(
            tenant=tenant,
            actor=holder(),
            lead_id=lead_id,
            reason="The customer decided to build it in-house.",
            now=moment + timedelta(days=3),
        )
