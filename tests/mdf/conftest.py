"""Builders for MDF tests: money moves only through the services, as in production."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecosystem.tenancy.roles import Role
from mdf import services

START = datetime.date(2026, 10, 1)
END = datetime.date(2026, 12, 31)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf(name="invoice.pdf", body=PDF):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def png(name="booth.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def request_data(amount="4000.00", **extra):
    return {
        "activity_type": "webinar",
        "title": "Cloud security webinar",
        "start_date": datetime.date(2026, 11, 3),
        "end_date": datetime.date(2026, 11, 3),
        "requested_amount": amount,
        "expected_leads": 40,
        "expected_pipeline": "250000",
        **extra,
    }


@pytest.fixture
def finance(tenant, make_member):
    return make_member(tenant, Role.FINANCE, email="finance@acme.example")


@pytest.fixture
def make_fund(tenant, finance):
    def build(amount="50000.00", **extra):
        data = {
            "name": "Q4 2026 MDF",
            "currency": "usd",
            "amount": amount,
            "start_date": START,
            "end_date": END,
            **extra,
        }
        return services.create_fund(tenant=tenant, actor=finance, data=data)

    return build


@pytest.fixture
def approved_request(tenant, finance, channel_manager, partner, partner_admin, make_fund):
    """A 4,000 webinar approved on a 10,000 allocation; its claim deadline is 60 days on."""

    def build(amount="4000.00", allocation=None, **extra):
        if allocation is None:
            fund = make_fund()
            allocation = services.allocate(
                tenant=tenant, actor=finance, fund_id=fund.pk, partner_id=partner.pk, amount="10000"
            )
        request = services.submit_request(
            tenant=tenant,
            actor=partner_admin,
            allocation_id=allocation.pk,
            data=request_data(amount, **extra),
        )
        return services.approve_request(tenant=tenant, actor=channel_manager, request_id=request.pk)

    return build
