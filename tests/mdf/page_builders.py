"""Funds, allocations, requests and claims built through the services, dated around today so
that claims can be filed (the activity is over, the deadline not yet passed)."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from ecosystem.dates import local_today
from mdf import claim_services, services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="invoice.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def fund(tenant, actor, *, name="FY MDF", amount="100000", currency="USD"):
    today = local_today(tenant)
    return services.create_fund(
        tenant=tenant,
        actor=actor,
        data={
            "name": name,
            "currency": currency,
            "amount": amount,
            "start_date": today - datetime.timedelta(days=90),
            "end_date": today + datetime.timedelta(days=180),
        },
    )


def allocate(tenant, actor, fund_, partner, amount="20000"):
    return services.allocate(
        tenant=tenant, actor=actor, fund_id=fund_.pk, partner_id=partner.pk, amount=amount
    )


def request_data(tenant, *, amount="4000.00", ended_days_ago=3, **extra):
    day = local_today(tenant) - datetime.timedelta(days=ended_days_ago)
    return {
        "activity_type": "webinar",
        "title": "Cloud security webinar",
        "description": "For IT leads in the region.",
        "start_date": day,
        "end_date": day,
        "requested_amount": amount,
        "expected_leads": 40,
        "expected_pipeline": "250000",
        **extra,
    }


def submitted(tenant, member, allocation, **data):
    return services.submit_request(
        tenant=tenant,
        actor=member,
        allocation_id=allocation.pk,
        data=request_data(tenant, **data),
    )


def approved(tenant, member, reviewer, allocation, amount=None, **data):
    request = submitted(tenant, member, allocation, **data)
    return services.approve_request(
        tenant=tenant,
        actor=reviewer,
        request_id=request.pk,
        amount=amount,
        reason="Less" if amount else "",
    )


def claimed(tenant, member, reviewer, allocation, claimed_amount="3000.00", **data):
    request = approved(tenant, member, reviewer, allocation, **data)
    return claim_services.submit_claim(
        tenant=tenant,
        actor=member,
        request_id=request.pk,
        data={"claimed_amount": claimed_amount, "leads_generated": 12, "results": "Full room"},
        proofs=[("invoice", pdf())],
    )
