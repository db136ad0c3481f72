"""Reads of notifications, and who should hear about a partner."""

from __future__ import annotations

from ecosystem.tenancy.models import Membership, User
from ecosystem.tenancy.roles import Role

from .models import Notification


def inbox(*, tenant, user):
    """The person's notifications in this tenant, newest first."""
    return (
        Notification.objects.for_tenant(tenant)
        .filter(recipient=user)
        .order_by("-created_at", "-id")
    )


def unread_count(*, tenant, user) -> int:
    """One COUNT over the partial index of unread notifications."""
    return (
        Notification.objects.for_tenant(tenant).filter(recipient=user, read_at__isnull=True).count()
    )


def _active_members(tenant):
    return Membership.objects.for_tenant(tenant).filter(is_active=True, user__is_active=True)


def partner_admins(*, tenant, partner) -> list[User]:
    """The users who administer the partner organisation (active partner_admin members)."""
    memberships = _active_members(tenant).filter(
        partner_organisation=partner, role=Role.PARTNER_ADMIN
    )
    return [membership.user for membership in memberships.select_related("user").order_by("id")]


def channel_managers_for(*, tenant, partner) -> list[User]:
    """Who on the vendor's side hears about the partner: its own channel manager when one is
    set and still active; otherwise every channel manager of the tenant; otherwise (a small
    program without channel managers) its administrators."""
    staff = _active_members(tenant).filter(partner_organisation__isnull=True)
    if partner.channel_manager_id is not None:
        own = staff.filter(pk=partner.channel_manager_id).select_related("user").first()
        if own is not None:
            return [own.user]
    for role in (Role.CHANNEL_MANAGER, Role.ADMIN):
        users = [m.user for m in staff.filter(role=role).select_related("user").order_by("id")]
        if users:
            return users
    return []
