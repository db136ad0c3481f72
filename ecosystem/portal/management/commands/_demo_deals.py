"""Demo deals for `seed_demo`: every state a real program has, written through the services.

Registrations go through register_deal, so auto-approvals, duplicate flags and review
reasons are the real ones; history (registration and close dates) is then spread over the
past year so tier metrics and charts have something to show.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from dealreg import collaboration, named_accounts, services
from dealreg.due_work import ESCALATION_WORK
from dealreg.models import Deal, DealStage, DealStatus, RouteToMarket
from dealreg.rules import update_rules
from ecosystem.errors import Conflict
from ecosystem.scheduling.services import schedule
from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import Role
from partners.models import PartnerStatus

CUSTOMERS = [
    ("Initech", "initech.com", "US"),
    ("Globex Manufacturing", "globex-mfg.com", "US"),
    ("Umbrella Health", "umbrellahealth.com", "US"),
    ("Stark Logistics GmbH", "stark-logistics.de", "DE"),
    ("Wayne Medical Ltd", "waynemedical.co.uk", "GB"),
    ("Soylent Foods Inc.", "soylentfoods.com", "US"),
    ("Tyrell Biotech", "tyrellbio.com", "US"),
    ("Cyberdyne Systems", "cyberdyne.io", "US"),
    ("Gringotts Bank plc", "gringotts.co.uk", "GB"),
    ("Oceanic Airlines", "oceanicair.com", "AU"),
    ("Nakatomi Trading K.K.", "nakatomi.co.jp", "JP"),
    ("Vandelay Industries", "vandelay.com", "US"),
    ("Bluth Homes", "bluthhomes.com", "US"),
    ("Pied Piper", "piedpiper.com", "US"),
    ("Hooli", "hooli.com", "US"),
    ("Dunder Mifflin Paper", "dundermifflin.com", "US"),
    ("Sterling Cooper Advertising", "sterlingcooper.com", "US"),
    ("Massive Dynamic", "massivedynamic.com", "US"),
    ("Monarch Solutions S.A.", "monarch-solutions.fr", "FR"),
    ("Nordlicht Energie AG", "nordlicht-energie.de", "DE"),
    ("Aurora Retail B.V.", "aurora-retail.nl", "NL"),
    ("Maple Leaf Insurance", "mapleleafins.ca", "CA"),
    ("Sakura Robotics", "sakura-robotics.jp", "JP"),
    ("Southern Cross Mining Pty Ltd", "southerncross.com.au", "AU"),
    ("Iberia Telecom S.L.", "iberiatelecom.es", "ES"),
    ("Fjord Shipping AS", "fjordshipping.no", "NO"),
    ("Andes Foods S.A.", "andesfoods.cl", "CL"),
    ("Lotus Hospitals", "lotushospitals.in", "IN"),
    ("Helvetia Precision AG", "helvetia-precision.ch", "CH"),
    ("Baltic Freight", "balticfreight.pl", "PL"),
]
PRODUCTS = ["Platform", "Analytics", "Security Suite", "Support Plus", "Data Connectors", "Edge"]
TITLES = ["expansion", "renewal and upsell", "new platform rollout", "pilot", "migration"]
NAMED_ACCOUNTS = [
    ("Globex Corporation", "globex.com", "US", "Strategic accounts (direct)"),
    ("Massive Dynamic", "massivedynamic.com", "US", "Enterprise East (direct)"),
]


def _sellers(tenant, partner_ids) -> dict[int, Membership]:
    """One active seller (sales rep, else administrator) per partner."""
    sellers: dict[int, Membership] = {}
    members = (
        Membership.objects.for_tenant(tenant)
        .filter(
            partner_organisation_id__in=partner_ids,
            is_active=True,
            role__in=[Role.PARTNER_SALES, Role.PARTNER_ADMIN],
        )
        .select_related("user", "partner_organisation__tier")
        .order_by("role", "id")  # partner_admin sorts first; sales reps replace it below
    )
    for member in members:
        if member.partner_organisation_id not in sellers or member.role == Role.PARTNER_SALES:
            sellers[member.partner_organisation_id] = member
    return sellers


def seed_deals(*, tenant, partners, staff: dict, rng: random.Random, count: int = 40) -> list[Deal]:
    """`count` registrations by the active partners, in every state, with duplicates,
    named accounts, appeals, participants, deal-room messages and help requests."""
    admin, manager = staff[Role.ADMIN], staff[Role.CHANNEL_MANAGER]
    update_rules(
        tenant=tenant,
        actor=admin,
        data={
            "auto_approve_max_amount": Decimal("250000"),
            "guidance": "Register as soon as the customer has a budget and a timeline. "
            "Tell us about competitors in the notes.",
            "escalation_contact": admin,
        },
    )
    for name, domain, country, owner in NAMED_ACCOUNTS:
        named_accounts.add_named_account(
            tenant=tenant,
            actor=admin,
            data={"name": name, "domain": domain, "country": country, "owner": owner},
        )
    active = [partner for partner in partners if partner.status == PartnerStatus.ACTIVE]
    sellers = _sellers(tenant, [partner.pk for partner in active])
    active = [partner for partner in active if partner.pk in sellers]
    if not active or count == 0:
        return []
    today = timezone.localdate()
    deals: list[Deal] = []
    for index in range(count):
        partner = active[index % len(active)] if index < len(active) else rng.choice(active)
        # Every fourth registration goes after a customer someone else already has.
        customer = CUSTOMERS[index % len(CUSTOMERS)] if index % 4 else rng.choice(CUSTOMERS[:8])
        name, domain, country = customer
        amount = Decimal(rng.randrange(8, 380) * 1000)
        data = {
            "customer_name": name,
            "customer_domain": domain if rng.random() < 0.85 else "",
            "customer_country": country,
            "title": f"{name.split()[0]} {rng.choice(TITLES)}",
            "amount": amount,
            "currency": tenant.default_currency,
            "expected_close_date": today + datetime.timedelta(days=rng.randrange(20, 200)),
            "products": rng.sample(PRODUCTS, k=rng.randrange(1, 4)),
            "notes": rng.choice(["", "Competing with the incumbent.", "Budget approved for Q3."]),
            "stage": rng.choice(DealStage.values),
            "route_to_market": rng.choice(RouteToMarket.values),
        }
        deals.append(services.register_deal(tenant=tenant, actor=sellers[partner.pk], data=data))
    _walk_through_states(tenant, deals, sellers, admin, manager, rng)
    _spread_history(deals, rng)
    return deals


def _walk_through_states(tenant, deals, sellers, admin, manager, rng) -> None:
    today = timezone.localdate()
    approved = [deal for deal in deals if deal.status == DealStatus.APPROVED]
    pending = [deal for deal in deals if deal.status == DealStatus.PENDING_REVIEW]
    # Decisions on part of the queue; the rest waits (some overdue after _spread_history).
    for deal in pending[: len(pending) // 3]:
        try:
            services.approve_deal(
                tenant=tenant, actor=manager, deal_id=deal.pk, reason="Verified with the customer."
            )
        except Conflict:
            services.reject_deal(
                tenant=tenant,
                actor=manager,
                deal_id=deal.pk,
                reason="Duplicate of an earlier registration by another partner",
            )
    rejected = [
        deal
        for deal in pending[len(pending) // 3 : len(pending) // 3 + 2]
        if deal.status == "pending_review"
    ]
    for deal in rejected:
        services.reject_deal(
            tenant=tenant,
            actor=manager,
            deal_id=deal.pk,
            reason="Not enough information to verify the opportunity",
        )
    if rejected:
        collaboration.file_appeal(
            tenant=tenant,
            actor=sellers[rejected[0].partner_id],
            deal_id=rejected[0].pk,
            note="We met the CIO twice; minutes and the RFP are attached in the deal room.",
        )
    # Close about half of the approved deals, most of them won, over the past year.
    for deal in approved[: max(1, len(approved) // 2)]:
        outcome = "won" if rng.random() < 0.7 else "lost"
        services.close_deal(
            tenant=tenant,
            actor=manager,
            deal_id=deal.pk,
            outcome=outcome,
            amount=deal.amount + Decimal(rng.randrange(-5, 10) * 1000)
            if outcome == "won"
            else None,
            closed_on=today - datetime.timedelta(days=rng.randrange(1, 330)),
        )
    still_open = [
        deal
        for deal in approved
        if Deal.objects.for_tenant(tenant).get(pk=deal.pk).status == "approved"
    ]
    if still_open:
        deal = still_open[0]
        seller = sellers[deal.partner_id]
        collaboration.post_message(
            tenant=tenant,
            actor=seller,
            deal_id=deal.pk,
            body=f"@{manager.user.email} the customer wants a security review next week.",
        )
        collaboration.post_message(
            tenant=tenant, actor=manager, deal_id=deal.pk, body="I'll bring our security architect."
        )
        help_request = collaboration.request_help(
            tenant=tenant,
            actor=seller,
            deal_id=deal.pk,
            kind="sales_engineer",
            note="Security review on site.",
        )
        collaboration.update_help_request(
            tenant=tenant,
            actor=manager,
            deal_id=deal.pk,
            request_id=help_request.pk,
            status="assigned",
            assignee_id=manager.pk,
        )
        others = [pk for pk in sellers if pk != deal.partner_id]
        if others:
            collaboration.add_participant(
                tenant=tenant,
                actor=manager,
                deal_id=deal.pk,
                partner_id=others[0],
                role="fulfillment",
                note="Runs the rollout.",
            )
    if len(still_open) > 1:
        services.request_extension(
            tenant=tenant,
            actor=sellers[still_open[1].partner_id],
            deal_id=still_open[1].pk,
            reason="Procurement moved the signature to next quarter.",
        )


def _spread_history(deals, rng) -> None:
    """Backdate registrations (seed only): a program's pipeline builds up over months."""
    now = timezone.now()
    # `deals` is in registration order: earlier registrations stay older, so first-in
    # still reads first-in on the review queue.
    ages = sorted((rng.randrange(2, 72) for _ in deals), reverse=True)
    for deal, hours in zip(deals, ages, strict=True):
        deal.refresh_from_db()
        age = datetime.timedelta(hours=hours)
        if deal.closed_on is not None:
            registered = timezone.make_aware(
                datetime.datetime.combine(deal.closed_on, datetime.time(10))
            ) - datetime.timedelta(days=rng.randrange(20, 90))
        else:
            registered = now - age
        shift = registered - deal.created_at
        updates = {"created_at": registered}
        if deal.review_due_at:
            updates["review_due_at"] = deal.review_due_at + shift
            if deal.status == DealStatus.PENDING_REVIEW:
                schedule(
                    tenant=deal.tenant,
                    kind=ESCALATION_WORK,
                    key=str(deal.pk),
                    due_at=updates["review_due_at"],
                )
        if deal.decided_at:
            updates["decided_at"] = deal.decided_at + shift
        if deal.protection_expires_at and deal.status != DealStatus.APPROVED:
            updates["protection_expires_at"] = deal.protection_expires_at + shift
        Deal.objects.for_tenant(deal.tenant).filter(pk=deal.pk).update(**updates)
