"""Contract test data, made through the services (so every row is as production makes it)."""

from __future__ import annotations

import datetime

from onboarding import contracts_services

AGREEMENT_BODY = (
    "<h2>1. Appointment</h2>"
    "<p>{{ vendor_name }} appoints {{ partner_legal_name }} of {{ partner_address }}, "
    "{{ partner_country }}, as a {{ tier }} partner from {{ effective_date }} "
    "until {{ expiry_date }}.</p>"
    "<h2>2. Special terms</h2><p>{{ terms }}</p>"
)


def make_template(*, tenant, actor, name="Partner Program Agreement", body=AGREEMENT_BODY, term=12):
    return contracts_services.create_template(
        tenant=tenant, actor=actor, data={"name": name, "body": body, "term_months": term}
    )


def issue_data(template, partner, **overrides):
    data = {
        "template": template.pk,
        "partner": partner.pk,
        "legal_name": f"{partner.name} Ltd",
        "address": "12 Harbour Street\nLondon EC1A 1AA",
        "country": "GB",
        "effective_date": datetime.date(2026, 3, 1),
        "terms": "Net 45 payment terms.",
    }
    data.update(overrides)
    return data


def issue(*, tenant, actor, template, partner, now=None, **overrides):
    return contracts_services.issue_contract(
        tenant=tenant, actor=actor, data=issue_data(template, partner, **overrides), now=now
    )


def sign(*, tenant, actor, contract, typed_name="Sam Reyes", now=None, **overrides):
    arguments = {
        "typed_name": typed_name,
        "consent": True,
        "document_sha256": contract.document_sha256,
        "ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0",
    }
    arguments.update(overrides)
    return contracts_services.sign_contract(
        tenant=tenant, actor=actor, contract_id=contract.pk, now=now, **arguments
    )
