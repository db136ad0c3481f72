"""The member's notifications page: list, mark one or all read."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecosystem.errors import NotFound
from ecosystem.permissions import requires

from . import selectors, services

NOTIFICATIONS_PER_PAGE = 25


@requires("portal.use")
def notifications(request):
    page = Paginator(
        selectors.inbox(tenant=request.tenant, user=request.user), NOTIFICATIONS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@requires("portal.use")
@require_POST
def notification_read(request, pk):
    """Mark one of the member's own notifications read; with `open`, go to what it is about."""
    try:
        notification = services.mark_read(
            tenant=request.tenant, user=request.user, notification_id=pk
        )
    except NotFound:
        raise Http404 from None
    if (
        request.POST.get("open")
        and notification.url
        and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None)
    ):
        return redirect(notification.url)
    return redirect("notifications")


@requires("portal.use")
@require_POST
def notifications_read_all(request):
    count = services.mark_all_read(tenant=request.tenant, user=request.user)
    if count:
        messages.success(request, _("All notifications marked as read."))
    return redirect("notifications")
