"""Each step of a request tells the other side: reviewers on submission, the partner on
every decision."""

import pytest

from ecosystem.notifications.models import Notification
from mdf import services
from tests.mdf.conftest import request_data


@pytest.mark.django_db
def test_each_request_step_notifies_the_other_side(
    tenant, finance, channel_manager, partner, partner_admin, make_fund
):
    fund = make_fund()
    allocation = services.allocate(
        tenant=tenant, actor=finance, fund_id=fund.pk, partner_id=partner.pk, amount="10000"
    )
    first = services.submit_request(
        tenant=tenant, actor=partner_admin, allocation_id=allocation.pk, data=request_data()
    )
    second = services.submit_request(
        tenant=tenant, actor=partner_admin, allocation_id=allocation.pk, data=request_data("50")
    )
    services.approve_request(tenant=tenant, actor=channel_manager, request_id=first.pk)
    services.request_changes(
        tenant=tenant, actor=channel_manager, request_id=second.pk, message="Add the agenda"
    )

    def kinds(user):
        return list(
            Notification.objects.for_tenant(tenant)
            .filter(recipient=user)
            .order_by("pk")
            .values_list("kind", flat=True)
        )

    assert kinds(channel_manager.user) == ["mdf.request_submitted", "mdf.request_submitted"]
    assert kinds(partner_admin.user) == ["mdf.request_approved", "mdf.request_changes_requested"]
    approved = Notification.objects.for_tenant(tenant).get(kind="mdf.request_approved")
    assert approved.url == f"/mdf/requests/{first.pk}/"
    assert "4000.00 USD approved" in approved.body
