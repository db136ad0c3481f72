"""The demo program's agreements (used by seed_demo): a "Partner Program Agreement" and a
"Reseller Addendum", and contracts in every state, made through the contract services at
earlier times (`now=`), so each has a real PDF, signature page and hash.

Northwind Systems (the partner the README names) has a countersigned program agreement and
a reseller addendum waiting for its administrator's signature; other partners have one
signed and waiting for the vendor's countersignature, one just issued, one that ends within
60 days, and one that expired.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from ecosystem.portal.selectors import tenant_zone
from ecosystem.tenancy.roles import Role

from . import contracts_services

PROGRAM_AGREEMENT = """
<h2>1. Appointment</h2>
<p>{{ vendor_name }} (the “Vendor”) appoints {{ partner_legal_name }}, of {{ partner_address }},
{{ partner_country }} (the “Partner”), as a non-exclusive {{ tier }} partner in the Vendor's
partner program from {{ effective_date }} until {{ expiry_date }} ({{ term_months }} months).</p>
<h2>2. The Partner's commitments</h2>
<ul>
  <li>Represent the Vendor's products accurately and only in the territories it serves.</li>
  <li>Register opportunities through the partner portal before quoting.</li>
  <li>Keep at least one certified person on staff for each product line it sells.</li>
</ul>
<h2>3. The Vendor's commitments</h2>
<p>The Vendor gives the Partner the discounts, market development funds and lead priority of
its tier, as published in the partner portal, and protects registered opportunities for the
period its rules of engagement state.</p>
<h2>4. Special terms</h2>
<p>{{ terms }}</p>
<h2>5. Term and renewal</h2>
<p>This agreement ends on {{ expiry_date }} unless renewed in writing. Either party may end
it with 60 days' notice. Reference: {{ contract_number }}.</p>
"""

RESELLER_ADDENDUM = """
<h2>Reseller Addendum</h2>
<p>This addendum to the Partner Program Agreement between {{ vendor_name }} and
{{ partner_legal_name }} lets the Partner resell the Vendor's subscriptions to its own
customers from {{ effective_date }}.</p>
<table>
  <thead><tr><th>Item</th><th>Terms</th></tr></thead>
  <tbody>
    <tr><td>Pricing</td><td>The Vendor's list price less the Partner's tier discount</td></tr>
    <tr><td>Payment</td><td>Net 30 from the Vendor's invoice</td></tr>
    <tr><td>Support</td><td>First line by the Partner; second line by the Vendor</td></tr>
  </tbody>
</table>
<p>{{ terms }}</p>
"""

ADDRESSES = [
    "1200 Harbor Boulevard, Suite 400\nSeattle, WA 98101",
    "Kaiserstraße 18\n60311 Frankfurt am Main",
    "45 Collins Street, Level 9\nMelbourne VIC 3000",
    "88 Queen Street West\nToronto, ON M5H 2N2",
    "Rua Augusta 1500\n01304-001 São Paulo",
    "3-1 Marunouchi, Chiyoda-ku\nTokyo 100-0005",
]


def _at(tenant, day, hour=10):
    return datetime.combine(day, time(hour), tzinfo=tenant_zone(tenant))


def seed_contracts(*, tenant, staff, partners) -> list:
    """Two templates and about seven contracts. `partners` are (plan, organisation, partner
    admin) as seed_demo made them; the first is Northwind."""
    manager = staff[Role.CHANNEL_MANAGER]
    admin = staff[Role.ADMIN]
    program = contracts_services.create_template(
        tenant=tenant,
        actor=admin,
        data={"name": "Partner Program Agreement", "body": PROGRAM_AGREEMENT, "term_months": 12},
    )
    addendum = contracts_services.create_template(
        tenant=tenant,
        actor=admin,
        data={"name": "Reseller Addendum", "body": RESELLER_ADDENDUM, "term_months": 24},
    )
    today = contracts_services.local_today(tenant)
    made = []

    def issue(template, index, effective, terms=""):
        _, organisation, _ = partners[index]
        return contracts_services.issue_contract(
            tenant=tenant,
            actor=manager,
            data={
                "template": template.pk,
                "partner": organisation.pk,
                "legal_name": f"{organisation.name} Inc.",
                "address": ADDRESSES[index % len(ADDRESSES)],
                "country": str(organisation.country),
                "effective_date": effective,
                "terms": terms,
            },
            now=_at(tenant, effective - timedelta(days=7)),
        )

    def sign(contract, index, days_after_issue=2):
        _, _, partner_admin = partners[index]
        return contracts_services.sign_contract(
            tenant=tenant,
            actor=partner_admin,
            contract_id=contract.pk,
            typed_name=partner_admin.user.get_full_name(),
            consent=True,
            document_sha256=contract.document_sha256,
            ip="198.51.100.23",
            user_agent="Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15",
            now=contract.issued_at + timedelta(days=days_after_issue, hours=3),
        )

    def countersign(contract):
        return contracts_services.countersign_contract(
            tenant=tenant,
            actor=admin,
            contract_id=contract.pk,
            now=contract.signed_at + timedelta(days=1),
        )

    count = len(partners)
    # Northwind: countersigned program agreement; the addendum waits for its admin.
    northwind = issue(program, 0, today - timedelta(days=150), "Net 45 payment terms.")
    made.append(countersign(sign(northwind, 0)))
    made.append(issue(addendum, 0, today + timedelta(days=7), "Territory: United States."))
    if count > 1:  # signed by the partner, waiting for the vendor's countersignature
        made.append(sign(issue(program, 1, today - timedelta(days=5)), 1))
    if count > 2:  # just issued
        made.append(issue(program, 2, today))
    if count > 3:  # countersigned and ending within 60 days
        ending = issue(program, 3, today - timedelta(days=365 - 40))
        made.append(countersign(sign(ending, 3)))
    if count > 4:  # expired
        lapsed = issue(program, 4, today - timedelta(days=430))
        countersign(sign(lapsed, 4))
        contracts_services.expire_contract(tenant=tenant, contract_id=lapsed.pk, now=timezone.now())
        made.append(lapsed)
    return made
