"""Writing notifications: one in-portal message per recipient, plus an email after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from ecosystem.errors import NotFound

from .models import Notification

logger = logging.getLogger(__name__)


def _unique_users(recipients: Iterable) -> list:
    seen: set[int] = set()
    users = []
    for user in recipients:
        if user is None or user.pk in seen or not getattr(user, "is_active", True):
            continue
        seen.add(user.pk)
        users.append(user)
    return users


@transaction.atomic
def notify(
    *,
    tenant,
    recipients: Iterable,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    send_email: bool = True,
) -> list[Notification]:
    """Tell people something in the portal (one row each, one INSERT for all) and, once the
    transaction commits, by email. Duplicate and inactive recipients are skipped; `url` is a
    path on the tenant's host (made absolute in the email)."""
    users = _unique_users(recipients)
    if not users:
        return []
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                tenant=tenant,
                recipient=user,
                kind=kind[:80],
                title=title[:200],
                body=body,
                url=url[:500],
            )
            for user in users
        ]
    )
    if send_email:
        emails = [(user.email, user.get_short_name()) for user in users if user.email]
        transaction.on_commit(lambda: _send_emails(tenant, emails, title=title, body=body, url=url))
    return notifications


def _send_emails(tenant, emails, *, title: str, body: str, url: str) -> None:
    link = tenant.absolute_url(url) if url else tenant.absolute_url("/notifications/")
    messages = []
    for address, name in emails:
        context = {"tenant": tenant, "title": title, "body": body, "link": link, "name": name}
        message = EmailMultiAlternatives(
            subject=f"{tenant.name}: {title}",
            body=render_to_string("notifications/email.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
        )
        message.attach_alternative(
            render_to_string("notifications/email.html", context), "text/html"
        )
        messages.append(message)
    try:
        get_connection().send_messages(messages)
    except Exception:  # the in-portal notification exists; a mail outage must not undo it
        logger.exception("Could not send %d notification email(s)", len(messages))


def mark_read(*, tenant, user, notification_id: int) -> Notification:
    """Mark one of the person's own notifications read (another person's id is NotFound)."""
    notification = (
        Notification.objects.for_tenant(tenant).filter(recipient=user, pk=notification_id).first()
    )
    if notification is None:
        raise NotFound("No such notification.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, tenant, user) -> int:
    """Mark every unread notification of the person in this tenant read; returns how many."""
    return (
        Notification.objects.for_tenant(tenant)
        .filter(recipient=user, read_at__isnull=True)
        .update(read_at=timezone.now())
    )
