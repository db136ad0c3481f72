"""Tenants, memberships and invitations: every write, with its audit entry and event."""

from __future__ import annotations

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ecosystem.audit.services import record
from ecosystem.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from ecosystem.outbox.services import emit

from .models import Invitation, Membership, Tenant, User, hash_token
from .roles import PARTNER_ROLES, STAFF_ROLES, Role, has_capability


@transaction.atomic
def create_tenant(
    *,
    slug: str,
    name: str,
    admin_email: str,
    admin_password: str | None = None,
    custom_domain: str | None = None,
) -> tuple[Tenant, User]:
    """A tenant and its first admin (an existing person keeps their account)."""
    slug = (slug or "").strip().lower()
    if Tenant.objects.filter(slug=slug).exists():
        raise Conflict(f"A tenant with slug “{slug}” already exists.", field="slug")
    tenant = Tenant(slug=slug, name=(name or "").strip(), custom_domain=custom_domain or None)
    try:
        tenant.full_clean()
    except DjangoValidationError as error:
        raise ValidationFailed(errors=error.message_dict) from error
    tenant.save()
    email = admin_email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=admin_password)
        if admin_password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    membership = Membership.objects.create(tenant=tenant, user=user, role=Role.ADMIN)
    record(tenant=tenant, actor=None, action="tenant.created", obj=tenant, changes={"slug": slug})
    record(tenant=tenant, actor=None, action="membership.created", obj=membership)
    emit(tenant=tenant, name="tenant.created", obj=tenant, payload={"slug": slug})
    return tenant, user


def _validate_invitation_target(*, tenant, actor_membership, role: str, partner_organisation):
    if role not in {r.value for r in Role}:
        raise ValidationFailed(f"Unknown role “{role}”.", field="role")
    if actor_membership is not None and not has_capability(actor_membership.role, "members.invite"):
        raise NotAllowed("Your role cannot invite people.")
    if role in STAFF_ROLES:
        if partner_organisation is not None:
            raise ValidationFailed("Staff roles do not belong to a partner.", field="role")
        if actor_membership is not None and not has_capability(
            actor_membership.role, "staff.manage"
        ):
            raise NotAllowed("Only administrators can invite staff.")
    if role in PARTNER_ROLES:
        if partner_organisation is None:
            raise ValidationFailed("Choose the partner organisation.", field="partner")
        if partner_organisation.tenant_id != tenant.pk:
            raise NotFound("No such partner organisation.")
        if (
            actor_membership is not None
            and actor_membership.is_partner_member
            and actor_membership.partner_organisation_id != partner_organisation.pk
        ):
            raise NotFound("No such partner organisation.")


@transaction.atomic
def invite_member(
    *,
    tenant,
    actor,
    actor_membership,
    email: str,
    role: str,
    partner_organisation=None,
    request=None,
) -> Invitation:
    """Invite a person into the tenant (staff) or a partner organisation; emails a single-use
    link valid for INVITATION_VALID_DAYS. An open invitation for the email is replaced."""
    email = (email or "").strip().lower()
    try:
        EmailAddress._meta.get_field("email").run_validators(email)
        if not email:
            raise DjangoValidationError("Enter an email address.")
    except DjangoValidationError as error:
        raise ValidationFailed(error.messages[0], field="email") from error
    _validate_invitation_target(
        tenant=tenant,
        actor_membership=actor_membership,
        role=role,
        partner_organisation=partner_organisation,
    )
    if Membership.objects.for_tenant(tenant).filter(user__email__iexact=email).exists():
        raise Conflict(f"{email} is already a member of this program.", field="email")
    now = timezone.now()
    Invitation.objects.for_tenant(tenant).filter(
        email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    raw_token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        tenant=tenant,
        email=email,
        role=role,
        partner_organisation=partner_organisation,
        token_hash=hash_token(raw_token),
        invited_by=actor,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    record(
        tenant=tenant,
        actor=actor,
        action="invitation.sent",
        obj=invitation,
        changes={
            "email": email,
            "role": role,
            "partner": getattr(partner_organisation, "pk", None),
        },
    )
    emit(
        tenant=tenant,
        name="invitation.sent",
        obj=invitation,
        payload={"email": email, "role": role},
    )
    link = tenant.absolute_url(reverse("invitation_accept", args=[raw_token]))
    transaction.on_commit(lambda: _send_invitation_email(tenant, invitation, actor, link))
    # Never stored: only for a caller that delivers the link itself (seed_demo).
    invitation.raw_token = raw_token  # type: ignore[attr-defined]
    return invitation


def _send_invitation_email(tenant, invitation, actor, link: str) -> None:
    context = {"tenant": tenant, "invitation": invitation, "inviter": actor, "link": link}
    send_mail(
        subject=f"You're invited to {tenant.name}'s partner portal",
        message=render_to_string("portal/email/invitation.txt", context),
        html_message=render_to_string("portal/email/invitation.html", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )


@transaction.atomic
def revoke_invitation(*, tenant, actor, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation: its link stops working."""
    if invitation.tenant_id != tenant.pk:
        raise NotFound("No such invitation.")
    if invitation.status != Invitation.Status.PENDING:
        raise Conflict(f"This invitation is {invitation.get_status_display().lower()}.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record(tenant=tenant, actor=actor, action="invitation.revoked", obj=invitation)
    return invitation


def invitation_for_token(*, tenant, raw_token: str) -> Invitation | None:
    return (
        Invitation.objects.for_tenant(tenant)
        .select_related("partner_organisation", "invited_by")
        .filter(token_hash=hash_token(raw_token))
        .first()
    )


@transaction.atomic
def accept_invitation(
    *, tenant, raw_token: str, user: User | None = None, full_name: str = "", password: str = ""
) -> Membership:
    """Turn a pending invitation into a membership.

    A signed-in person accepts with their account (its email must match); a new person gives
    a name and password and gets an account whose email counts as verified, since the link
    reached that inbox. The link works once and only until it expires.
    """
    invitation = (
        Invitation.objects.for_tenant(tenant)
        .select_for_update()
        .filter(token_hash=hash_token(raw_token))
        .first()
    )
    if invitation is None:
        raise NotFound("This invitation link is not valid.")
    if invitation.status == Invitation.Status.ACCEPTED:
        raise Conflict("This invitation has already been used. Sign in instead.")
    if invitation.status == Invitation.Status.REVOKED:
        raise Conflict("This invitation was withdrawn. Ask for a new one.")
    if invitation.status == Invitation.Status.EXPIRED:
        raise Conflict("This invitation has expired. Ask the person who invited you for a new one.")
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise Conflict(
                f"An account for {invitation.email} already exists: sign in to accept.",
                field="email",
            )
        user = User(email=invitation.email, full_name=full_name.strip())
        try:
            from django.contrib.auth.password_validation import validate_password

            validate_password(password, user)
        except DjangoValidationError as error:
            raise ValidationFailed(errors={"password": error.messages}) from error
        user.set_password(password)
        user.save()
    elif user.email.lower() != invitation.email.lower():
        raise NotAllowed(
            f"This invitation is for {invitation.email}; you are signed in as {user.email}."
        )
    EmailAddress.objects.update_or_create(
        user=user, email=invitation.email, defaults={"verified": True, "primary": True}
    )
    membership = add_member(
        tenant=tenant,
        actor=user,
        user=user,
        role=invitation.role,
        partner_organisation=invitation.partner_organisation,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    record(tenant=tenant, actor=user, action="invitation.accepted", obj=invitation)
    return membership


@transaction.atomic
def add_member(*, tenant, actor, user: User, role: str, partner_organisation=None) -> Membership:
    """Give a person a membership of the tenant (an accepted invitation, an approved partner
    application). One membership per person and tenant: a second is a Conflict."""
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                tenant=tenant, user=user, role=role, partner_organisation=partner_organisation
            )
    except IntegrityError as error:
        raise Conflict("You are already a member of this program.") from error
    record(
        tenant=tenant,
        actor=actor,
        action="membership.created",
        obj=membership,
        changes={"role": membership.role, "partner": membership.partner_organisation_id},
    )
    emit(
        tenant=tenant,
        name="membership.created",
        obj=membership,
        payload={
            "user_id": user.pk,
            "role": membership.role,
            "partner_id": membership.partner_organisation_id,
        },
    )
    return membership


@transaction.atomic
def update_branding(
    *,
    tenant,
    actor,
    name: str,
    primary_colour: str,
    accent_colour: str,
    logo=None,
    remove_logo: bool = False,
) -> Tenant:
    """Change the portal's name, colours and logo (validated by the branding form)."""
    from ecosystem.audit.services import diff, snapshot

    fields = ["name", "primary_colour", "accent_colour"]
    before = snapshot(tenant, fields)
    tenant.name, tenant.primary_colour, tenant.accent_colour = name, primary_colour, accent_colour
    changes = diff(before, snapshot(tenant, fields))
    if remove_logo and tenant.logo:
        tenant.logo.delete(save=False)
        changes["logo"] = ["set", None]
    replaced = tenant.logo.name if (logo is not None and tenant.logo) else None
    if logo is not None:
        tenant.logo = logo
        changes["logo"] = ["updated", logo.name]
    tenant.save()
    if replaced:
        # The old file goes only once the new one is committed.
        storage = tenant.logo.storage
        transaction.on_commit(lambda: storage.delete(replaced))
    record(
        tenant=tenant, actor=actor, action="tenant.branding_updated", obj=tenant, changes=changes
    )
    return tenant


@transaction.atomic
def update_security(*, tenant, actor, requires_mfa_for_staff: bool) -> Tenant:
    """Require (or stop requiring) a second factor for every staff member."""
    if tenant.requires_mfa_for_staff != requires_mfa_for_staff:
        tenant.requires_mfa_for_staff = requires_mfa_for_staff
        tenant.save(update_fields=["requires_mfa_for_staff", "updated_at"])
        record(
            tenant=tenant,
            actor=actor,
            action="tenant.security_updated",
            obj=tenant,
            changes={"requires_mfa_for_staff": requires_mfa_for_staff},
        )
    return tenant


@transaction.atomic
def deactivate_membership(*, tenant, actor, membership_id: int) -> Membership:
    """Remove a person's access to the program (their history stays)."""
    membership = Membership.objects.for_tenant(tenant).filter(pk=membership_id).first()
    if membership is None:
        raise NotFound("No such member.")
    if membership.user_id == getattr(actor, "pk", None):
        raise Conflict("You cannot remove your own access.")
    if membership.is_active:
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        record(tenant=tenant, actor=actor, action="membership.deactivated", obj=membership)
        emit(
            tenant=tenant,
            name="membership.deactivated",
            obj=membership,
            payload={
                "user_id": membership.user_id,
                "role": membership.role,
                "partner_id": membership.partner_organisation_id,
            },
        )
    return membership


@transaction.atomic
def reactivate_membership(*, tenant, actor, membership_id: int) -> Membership:
    """Give a removed person their access back (a partner reactivated after offboarding)."""
    membership = Membership.objects.for_tenant(tenant).filter(pk=membership_id).first()
    if membership is None:
        raise NotFound("No such member.")
    if not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
        record(tenant=tenant, actor=actor, action="membership.reactivated", obj=membership)
        emit(
            tenant=tenant,
            name="membership.reactivated",
            obj=membership,
            payload={
                "user_id": membership.user_id,
                "role": membership.role,
                "partner_id": membership.partner_organisation_id,
            },
        )
    return membership
