"""The demo program's market development funds (used by seed_demo), made through the MDF
services so every figure comes from the ledger:

- last quarter's fund, allocated by tier rule, with activities claimed with proof, most paid
  in one payout batch, one approved and waiting for finance, one rejected; what was left
  expired with the period;
- this quarter's co-marketing fund, allocated by tier rule plus a top-up by hand, with
  requests waiting for review (of various ages), approved, and sent back for changes;
- this quarter's accrued fund, allocated by the accrual run from last quarter's won revenue
  (its report is on the fund's page).

Claims on activities that ended before today are filed as of a week after the activity.
"""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from dealreg import services as dealreg_services
from dealreg.models import Deal, DealStatus, Lead
from ecosystem.dates import add_months, local_today
from ecosystem.errors import DomainError
from ecosystem.pdf import html_to_pdf
from ecosystem.tenancy.roles import Role
from partners.models import Tier

from . import claim_services, payout_services, period_services, selectors, services
from .models import FundRequest

#: How the deals the demo's activities sourced are told apart from seed_demo's registrations.
SOURCED_NOTE = "Sourced at the MDF activity: "
ACTIVITIES = [
    ("webinar", "Zero-trust migration webinar", Decimal("4000"), 60),
    ("event", "Customer roundtable dinner", Decimal("7500"), 18),
    ("digital_campaign", "LinkedIn campaign: cloud cost control", Decimal("6000"), 120),
    ("trade_show", "Booth at the regional cloud summit", Decimal("12000"), 90),
    ("content_syndication", "Analyst report syndication", Decimal("5000"), 150),
    ("training", "Hands-on lab for customer architects", Decimal("3500"), 25),
]
TIER_AMOUNTS = {"Platinum": "30000", "Gold": "20000", "Silver": "5000", "Registered": "2500"}
CUSTOMERS = [
    "Harbor Freight Lines",
    "Meridian Health Group",
    "Crestview Bank",
    "Orchid Retail",
    "Summit Energy Co-op",
    "Beacon Logistics",
    "Granite Insurance",
    "Tidewater Foods",
]


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _label(start: date) -> str:
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


def _invoice(partner_name: str, title: str, amount: Decimal, day: date) -> SimpleUploadedFile:
    html = (
        f"<h1>Invoice</h1><p>Bill to: {partner_name}</p><p>Date: {day:%d %B %Y}</p>"
        f"<table><tr><th>Item</th><th>Amount</th></tr>"
        f"<tr><td>{title}</td><td>{amount:,.2f}</td></tr></table>"
    )
    return SimpleUploadedFile("invoice.pdf", html_to_pdf(html), content_type="application/pdf")


def _photo(title: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (480, 270), "#0f766e")
    ImageDraw.Draw(image).text((24, 120), title[:48], fill="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def _attendees(rng: random.Random, count: int) -> SimpleUploadedFile:
    rows = ["name,company,email"] + [
        f"Attendee {i},Customer {rng.randrange(1, 90)},attendee{i}@customer.example"
        for i in range(1, count + 1)
    ]
    return SimpleUploadedFile("attendees.csv", "\n".join(rows).encode(), content_type="text/csv")


def _request(tenant, partner_admin, allocation, activity, start: date, rng) -> FundRequest:
    kind, title, amount, leads = activity
    remaining = selectors.balances(tenant=tenant, allocation_ids=[allocation.pk])[allocation.pk]
    amount = min(amount, remaining.remaining)
    return services.submit_request(
        tenant=tenant,
        actor=partner_admin,
        allocation_id=allocation.pk,
        data={
            "activity_type": kind,
            "title": title,
            "description": f"{title}, run with our field team for named accounts.",
            "start_date": start,
            "end_date": start + timedelta(days=rng.choice([0, 0, 1, 14])),
            "requested_amount": amount,
            "expected_leads": leads,
            "expected_pipeline": amount * rng.choice([15, 20, 30]),
        },
    )


def _sourced_deal(tenant, partner_admin, reviewer, request, customer, rng, last_day) -> list:
    """A deal the activity sourced, registered by the partner and won a few weeks later."""
    try:
        deal = dealreg_services.register_deal(
            tenant=tenant,
            actor=partner_admin,
            data={
                "customer_name": customer,
                "customer_country": "US",
                "title": f"{customer}: platform rollout",
                "currency": "USD",
                "amount": str(rng.choice([48000, 65000, 92000, 130000])),
                "expected_close_date": local_today(tenant) + timedelta(days=45),
                "notes": f"{SOURCED_NOTE}{request.title}",
            },
        )
        if deal.status == DealStatus.PENDING_REVIEW:
            deal = dealreg_services.approve_deal(tenant=tenant, actor=reviewer, deal_id=deal.pk)
        closed_on = min(request.end_date + timedelta(days=rng.randrange(10, 30)), last_day)
        won = dealreg_services.close_deal(
            tenant=tenant,
            actor=reviewer,
            deal_id=deal.pk,
            outcome=DealStatus.WON,
            closed_on=closed_on,
        )
    except DomainError:  # the program's rules of engagement refused it: no sourced deal
        return []
    return [won]


def _claim(tenant, partner_admin, partner, request, rng, fraction: Decimal, deals=()):
    amount = (request.approved_amount * fraction).quantize(Decimal("0.01"))
    filed_on = request.end_date + timedelta(days=7)
    some = rng.randrange(1, 4)
    leads = list(Lead.objects.for_tenant(tenant).filter(partner=partner).order_by("pk")[:some])
    deals = list(deals) + list(
        Deal.objects.for_tenant(tenant)
        .filter(partner=partner, status=DealStatus.APPROVED)
        .order_by("-amount")[:1]
    )
    proofs = [("invoice", _invoice(partner.name, request.title, amount, filed_on))]
    if request.activity_type in ("event", "trade_show", "training"):
        proofs += [("photo", _photo(request.title)), ("attendee_list", _attendees(rng, 24))]
    else:
        proofs.append(("screenshot", _photo(f"Results: {request.title}")))
    return claim_services.submit_claim(
        tenant=tenant,
        actor=partner_admin,
        request_id=request.pk,
        data={
            "claimed_amount": amount,
            "leads_generated": rng.randrange(12, 80),
            "results": "Attendance and follow-up meetings as listed; leads passed to sales.",
            "linked_leads": [lead.pk for lead in leads],
            "linked_deals": [deal.pk for deal in deals],
        },
        proofs=proofs,
        today=min(filed_on, local_today(tenant)),
    )


def seed_mdf(*, tenant, staff, partners, rng: random.Random) -> None:
    finance, reviewer = staff[Role.FINANCE], staff[Role.CHANNEL_MANAGER]
    marketing = staff.get(Role.MARKETING_MANAGER, reviewer)
    today = local_today(tenant)
    this_quarter = _quarter_start(today)
    last_quarter = add_months(this_quarter, -3)
    tiers = {tier.name: tier.pk for tier in Tier.objects.for_tenant(tenant)}
    amounts = {tiers[name]: amount for name, amount in TIER_AMOUNTS.items() if name in tiers}
    funded = [
        (partner, admin)
        for _plan, partner, admin in partners
        if partner.status in period_services.FUNDABLE_STATUSES and partner.tier_id in amounts
    ]

    # Last quarter: claimed, mostly paid, the rest expired.
    past = services.create_fund(
        tenant=tenant,
        actor=finance,
        data={
            "name": f"{_label(last_quarter)} Partner MDF",
            "currency": "USD",
            "amount": "150000",
            "start_date": last_quarter,
            "end_date": this_quarter - timedelta(days=1),
        },
    )
    allocations = {
        allocation.partner_id: allocation
        for allocation in period_services.allocate_by_tier(
            tenant=tenant, actor=finance, fund_id=past.pk, amounts=amounts
        )
    }
    claims = []
    for index, (partner, admin) in enumerate(funded[:6]):
        activity = ACTIVITIES[index % len(ACTIVITIES)]
        start = last_quarter + timedelta(days=10 + 9 * index)
        request = _request(tenant, admin, allocations[partner.pk], activity, start, rng)
        lower = index == 2
        request = services.approve_request(
            tenant=tenant,
            actor=reviewer if index % 2 else marketing,
            request_id=request.pk,
            amount=(request.requested_amount * Decimal("0.8")) if lower else None,
            reason="Venue is co-funded by our field team." if lower else "",
        )
        claims.append((partner, admin, request))
    paid = []
    last_day = min(today, this_quarter - timedelta(days=1))
    for index, (partner, admin, request) in enumerate(claims):
        sourced = _sourced_deal(tenant, admin, reviewer, request, CUSTOMERS[index], rng, last_day)
        fraction = Decimal(rng.choice(["1", "0.92"]))
        claim = _claim(tenant, admin, partner, request, rng, fraction, sourced)
        if index == len(claims) - 1 and len(claims) > 2:
            claim_services.reject_claim(
                tenant=tenant,
                actor=reviewer,
                claim_id=claim.pk,
                reason="The invoice is for a different event; no attendee list.",
            )
            continue
        claim_services.approve_claim(tenant=tenant, actor=reviewer, claim_id=claim.pk)
        paid.append(claim.pk)
    if len(paid) > 1:
        payout_services.pay_claims(
            tenant=tenant,
            actor=finance,
            claim_ids=paid[:-1],  # the last one waits on the payouts page
            data={
                "reference": f"AP-{today:%Y%m}-001",
                "method": "bank_transfer",
                "paid_on": min(today, this_quarter + timedelta(days=20)),
            },
        )
    period_services.expire_fund(tenant=tenant, fund_id=past.pk)

    # This quarter: requests in every state.
    current = services.create_fund(
        tenant=tenant,
        actor=finance,
        data={
            "name": f"{_label(this_quarter)} Co-marketing",
            "currency": "USD",
            "amount": "250000",
            "start_date": this_quarter,
            "end_date": add_months(this_quarter, 3) - timedelta(days=1),
        },
    )
    allocations = {
        allocation.partner_id: allocation
        for allocation in period_services.allocate_by_tier(
            tenant=tenant, actor=finance, fund_id=current.pk, amounts=amounts
        )
    }
    northwind = next((p for p, _a in funded if p.name == "Northwind Systems"), None)
    if northwind is not None:
        services.allocate(
            tenant=tenant,
            actor=finance,
            fund_id=current.pk,
            partner_id=northwind.pk,
            amount="7500",
            note="Top-up for the launch of the managed security offer.",
        )
    start = max(this_quarter + timedelta(days=3), today - timedelta(days=20))
    last_start = current.end_date - timedelta(days=1)
    for index, (partner, admin) in enumerate(funded[:8]):
        allocation = allocations.get(partner.pk)
        if allocation is None:
            continue
        activity = ACTIVITIES[(index + 3) % len(ACTIVITIES)]
        begins = min(start + timedelta(days=index), last_start)
        request = _request(tenant, admin, allocation, activity, begins, rng)
        if index % 3 == 0:
            services.approve_request(tenant=tenant, actor=reviewer, request_id=request.pk)
        elif index % 3 == 1:
            services.request_changes(
                tenant=tenant,
                actor=marketing,
                request_id=request.pk,
                message="Add the target account list and the expected registrations.",
            )
        # The rest wait for review; age them so the queue shows its SLA.
        FundRequest.objects.for_tenant(tenant).filter(pk=request.pk).update(
            created_at=timezone.now() - timedelta(days=index, hours=rng.randrange(1, 20))
        )

    # This quarter's accrued fund: its allocations come from last quarter's wins.
    accrued = services.create_fund(
        tenant=tenant,
        actor=finance,
        data={
            "name": f"{_label(this_quarter)} Accrued MDF",
            "currency": "USD",
            "amount": "80000",
            "start_date": this_quarter,
            "end_date": add_months(this_quarter, 3) - timedelta(days=1),
            "accrues": True,
        },
    )
    period_services.run_accrual(tenant=tenant, actor=finance, fund_id=accrued.pk)
