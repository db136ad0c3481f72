"""dealreg.leads.capture_partner_lead: marketing's leads are the partner's at once."""

import pytest

from dealreg.leads import capture_partner_lead
from dealreg.models import Lead, LeadStatus
from ecosystem.errors import ValidationFailed
from ecosystem.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_a_captured_lead_is_the_partners_and_its_sellers_hear_of_it(tenant, partner, partner_sales):
    lead = capture_partner_lead(
        tenant=tenant,
        partner=partner,
        data={"company_name": "Initech", "contact_email": "pam@initech.example", "country": "US"},
    )
    assert (lead.partner, lead.status, lead.source) == (
        partner,
        LeadStatus.ACCEPTED,
        Lead.Source.CAMPAIGN,
    )
    assert not lead.offers.exists()
    assert (
        Notification.objects.for_tenant(tenant)
        .filter(recipient=partner_sales.user, kind="lead.captured")
        .exists()
    )


def test_a_bad_field_is_named(tenant, partner):
    with pytest.raises(ValidationFailed) as refused:
        capture_partner_lead(
            tenant=tenant, partner=partner, data={"company_name": "", "country": "US"}
        )
    assert "company_name" in refused.value.errors
    assert not Lead.objects.for_tenant(tenant).exists()
