"""Building MDF money through the services, for the API and isolation tests: a fund whose
period holds today, requests for an activity that already ended (so it can be claimed),
claims with proof."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from ecosystem.dates import local_today
from ecosystem.tenancy.roles import Role
from mdf import claim_services, services
from mdf.models import Allocation, Claim, Fund, FundRequest, ProofFile

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf(name: str = "invoice.pdf", size: int | None = None) -> SimpleUploadedFile:
    content = PDF if size is None else (PDF + b"0" * size)[:size]
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png(name: str = "booth.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def period(tenant) -> tuple[datetime.date, datetime.date]:
    today = local_today(tenant)
    return today - datetime.timedelta(days=60), today + datetime.timedelta(days=120)


def activity_day(tenant) -> datetime.date:
    """A day in the fund's period that is already over, so its activity can be claimed."""
    return local_today(tenant) - datetime.timedelta(days=5)


def make_fund(tenant, actor, amount="50000.00", **extra) -> Fund:
    start, end = period(tenant)
    return services.create_fund(
        tenant=tenant,
        actor=actor,
        data={"name": "Current MDF", "currency": "USD", "amount": amount,
              "start_date": start, "end_date": end, **extra},
    )  # fmt: skip


def allocate(tenant, actor, fund, partner, amount="10000.00") -> Allocation:
    return services.allocate(
        tenant=tenant, actor=actor, fund_id=fund.pk, partner_id=partner.pk, amount=amount
    )


def request_data(tenant, amount="1000.00", **extra) -> dict:
    day = activity_day(tenant)
    return {
        "activity_type": "webinar",
        "title": "Cloud security webinar",
        "start_date": day,
        "end_date": day,
        "requested_amount": amount,
        **extra,
    }


def submit(tenant, member, allocation, amount="1000.00", **extra) -> FundRequest:
    return services.submit_request(
        tenant=tenant,
        actor=member,
        allocation_id=allocation.pk,
        data=request_data(tenant, amount, **extra),
    )


def approved(tenant, member, reviewer, allocation, amount="1000.00") -> FundRequest:
    request = submit(tenant, member, allocation, amount)
    return services.approve_request(tenant=tenant, actor=reviewer, request_id=request.pk)


def claim(tenant, member, request, amount=None, proofs=None) -> Claim:
    return claim_services.submit_claim(
        tenant=tenant,
        actor=member,
        request_id=request.pk,
        data={"claimed_amount": amount or request.approved_amount, "leads_generated": 3},
        proofs=proofs or [("invoice", pdf())],
    )


@dataclass
class World:
    """One partner's money in a tenant: ids of each kind of object the API exposes."""

    fund: Fund
    allocation: Allocation
    request: FundRequest
    claim: Claim
    proof: ProofFile

    def ids(self) -> dict[str, int]:
        return {
            "fund": self.fund.pk,
            "allocation": self.allocation.pk,
            "request": self.request.pk,
            "claim": self.claim.pk,
            "proof": self.proof.pk,
        }


def build_world(tenant, partner, make_member, *, fund=None, suffix="") -> World:
    """A fund (or the given one), the partner's allocation, an approved request and a claim
    under review with one proof file."""
    finance = make_member(tenant, Role.FINANCE, email=f"finance{suffix}@{tenant.slug}.example")
    reviewer = make_member(tenant, Role.CHANNEL_MANAGER, email=f"cm{suffix}@{tenant.slug}.example")
    member = make_member(
        tenant, Role.PARTNER_ADMIN, partner, email=f"boss{suffix}@{tenant.slug}.example"
    )
    fund = fund or make_fund(tenant, finance)
    allocation = allocate(tenant, finance, fund, partner)
    request = approved(tenant, member, reviewer, allocation)
    filed = claim(tenant, member, request)
    return World(fund, allocation, request, filed, filed.proofs.get())
