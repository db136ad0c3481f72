"""Renewal notices 60 and 30 days ahead (once each, however often the due-work processor
runs), expiry, and renewals that supersede the old agreement when signed."""

import datetime

import pytest
import time_machine
from django.core import mail

from ecosystem.errors import Conflict
from ecosystem.notifications.models import Notification
from ecosystem.outbox.models import OutboxEvent
from ecosystem.scheduling.services import process_due
from onboarding import contracts_selectors, contracts_services
from onboarding.models import Contract
from tests.onboarding.contracts_factories import issue, make_template, sign

pytestmark = pytest.mark.django_db
ISSUED = datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.UTC)  # expires 2027-03-01


@pytest.fixture
def signed(tenant, admin, channel_manager, partner, partner_admin):
    partner.channel_manager = channel_manager
    partner.save(update_fields=["channel_manager"])
    template = make_template(tenant=tenant, actor=admin)
    with time_machine.travel(ISSUED, tick=False):
        contract = issue(tenant=tenant, actor=admin, template=template, partner=partner)
        return sign(tenant=tenant, actor=partner_admin, contract=contract)


def run_at(moment, times=3):
    with time_machine.travel(moment, tick=False):
        for _ in range(times):
            process_due()


def renewal_notices(tenant):
    return Notification.objects.for_tenant(tenant).filter(kind="contract.renewal_due")


def test_notices_at_60_and_30_days_fire_once_each_then_it_expires(
    tenant, signed, partner_admin, channel_manager
):
    # 1 March 2027 minus 60 days = 31 December, 09:00 in the tenant's zone (UTC here).
    run_at(datetime.datetime(2026, 12, 31, 8, 0, tzinfo=datetime.UTC))
    assert renewal_notices(tenant).count() == 0
    run_at(datetime.datetime(2026, 12, 31, 9, 30, tzinfo=datetime.UTC))
    first = renewal_notices(tenant)
    assert sorted(n.recipient.email for n in first) == sorted(
        [partner_admin.user.email, channel_manager.user.email]
    )
    assert all("60 days" in n.title for n in first)
    mails_after_first = len(mail.outbox)

    run_at(datetime.datetime(2027, 1, 15, tzinfo=datetime.UTC))
    assert renewal_notices(tenant).count() == 2
    assert len(mail.outbox) == mails_after_first

    run_at(datetime.datetime(2027, 1, 30, 9, 30, tzinfo=datetime.UTC))
    run_at(datetime.datetime(2027, 2, 10, tzinfo=datetime.UTC))
    assert renewal_notices(tenant).count() == 4
    assert renewal_notices(tenant).filter(title__contains="30 days").count() == 2
    signed.refresh_from_db()
    assert signed.renewal_notice_60_sent_at and signed.renewal_notice_30_sent_at
    assert signed.status == "signed"

    run_at(datetime.datetime(2027, 3, 1, 0, 5, tzinfo=datetime.UTC))
    signed.refresh_from_db()
    assert signed.status == "expired"
    assert OutboxEvent.objects.for_tenant(tenant).filter(name="contract.expired").count() == 1
    assert renewal_notices(tenant).count() == 4
    assert not contracts_selectors.has_signed_contract(
        tenant=tenant, partner=signed.partner, template=signed.template
    )


def test_services_are_idempotent_when_called_again(tenant, signed):
    assert contracts_services.send_renewal_notice(tenant=tenant, contract_id=signed.pk, days=60)
    assert not contracts_services.send_renewal_notice(tenant=tenant, contract_id=signed.pk, days=60)
    early = datetime.datetime(2027, 2, 1, tzinfo=datetime.UTC)
    assert not contracts_services.expire_contract(tenant=tenant, contract_id=signed.pk, now=early)
    late = datetime.datetime(2027, 3, 2, tzinfo=datetime.UTC)
    assert contracts_services.expire_contract(tenant=tenant, contract_id=signed.pk, now=late)
    assert not contracts_services.expire_contract(tenant=tenant, contract_id=signed.pk, now=late)


def test_an_unsigned_contract_expires_without_notices(tenant, admin, partner):
    template = make_template(tenant=tenant, actor=admin)
    with time_machine.travel(ISSUED, tick=False):
        contract = issue(tenant=tenant, actor=admin, template=template, partner=partner)
    run_at(datetime.datetime(2027, 3, 1, 1, 0, tzinfo=datetime.UTC))

    contract.refresh_from_db()
    assert contract.status == "expired"
    assert renewal_notices(tenant).count() == 0


def test_a_signed_renewal_supersedes_the_old_contract(tenant, admin, signed, partner_admin):
    with time_machine.travel(datetime.datetime(2027, 1, 10, tzinfo=datetime.UTC), tick=False):
        renewal = contracts_services.issue_renewal(
            tenant=tenant, actor=admin, contract_id=signed.pk
        )
        assert renewal.renewal_of == signed
        assert renewal.effective_date == signed.expiry_date
        assert renewal.expiry_date == datetime.date(2028, 3, 1)
        assert renewal.legal_name == signed.legal_name
        with pytest.raises(Conflict):
            contracts_services.issue_renewal(tenant=tenant, actor=admin, contract_id=signed.pk)
        sign(tenant=tenant, actor=partner_admin, contract=renewal)

    signed.refresh_from_db()
    assert signed.status == "superseded"
    with pytest.raises(Conflict):
        sign(tenant=tenant, actor=partner_admin, contract=signed)
    # The old contract's timed work is cancelled: it never expires nor sends notices.
    run_at(datetime.datetime(2027, 3, 2, tzinfo=datetime.UTC))
    signed.refresh_from_db()
    assert signed.status == "superseded"
    assert not renewal_notices(tenant).filter(url=f"/agreements/{signed.pk}/").exists()
    assert Contract.objects.for_tenant(tenant).get(pk=renewal.pk).status == "signed"
