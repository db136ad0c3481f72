from __future__ import annotations

import hashlib
import secrets
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import PARTNER_ROLES, STAFF_ROLES, Role

SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$",
    _("Use lowercase letters, digits and hyphens; start and end with a letter or digit."),
)
HEX_COLOUR_VALIDATOR = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB, for example #1d4ed8.")
)
RESERVED_SLUGS = frozenset({"www", "api", "admin", "static", "media", "mail", "app"})


def validate_slug_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(_("“%(slug)s” is reserved; choose another."), params={"slug": value})


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("A user needs an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. One account across tenants; what they may do lives in Memberships.

    `is_staff`/`is_superuser` are the *platform operator's* flags (Django admin), not a
    tenant's staff roles.
    """

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email.split("@")[0]


def tenant_logo_path(instance: Tenant, filename: str) -> str:
    # Never use the uploaded name as a path: only its validated extension survives.
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"tenants/{instance.pk}/logo-{secrets.token_hex(8)}.{extension}"


class Tenant(models.Model):
    """A vendor running a partner program."""

    slug = models.CharField(
        max_length=63, unique=True, validators=[SLUG_VALIDATOR, validate_slug_not_reserved]
    )
    name = models.CharField(max_length=200)
    custom_domain = models.CharField(max_length=253, unique=True, null=True, blank=True)
    logo = models.ImageField(upload_to=tenant_logo_path, blank=True)
    primary_colour = models.CharField(
        max_length=7, default="#1d4ed8", validators=[HEX_COLOUR_VALIDATOR]
    )
    accent_colour = models.CharField(
        max_length=7, default="#0f766e", validators=[HEX_COLOUR_VALIDATOR]
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    default_currency = models.CharField(max_length=3, default="USD")
    requires_mfa_for_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_base_url(self) -> str:
        host = self.custom_domain or f"{self.slug}.{settings.BASE_DOMAIN}"
        port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
        return f"{settings.SITE_SCHEME}://{host}{port}"

    def absolute_url(self, path: str) -> str:
        return self.get_base_url() + path


class TenantQuerySet(models.QuerySet):
    def for_tenant(self, tenant: Tenant | None):
        if tenant is None:
            raise ValueError("for_tenant() needs a tenant; None would return every tenant's rows")
        return self.filter(tenant=tenant)

    def across_tenants(self):
        """Every tenant's rows. Only for platform processes (dispatchers, operator tools)
        that then act per row inside that row's tenant scope."""
        return self.all()


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):  # type: ignore[misc]
    pass


class TenantOwnedModel(models.Model):
    """Base for every tenant-owned row. Query through `Model.objects.for_tenant(tenant)`.

    The foreign key's index is led by `tenant_id`; constraints include `tenant`.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")

    objects = TenantManager()

    class Meta:
        abstract = True


class Membership(TenantOwnedModel):
    """A person's place in one tenant: a staff role, or a partner role in one organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    partner_organisation = models.ForeignKey(
        "partners.PartnerOrganisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    title = models.CharField(max_length=120, blank=True)
    # A staff member's lead: where their overdue work escalates.
    reports_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_one_per_tenant"),
            models.CheckConstraint(
                condition=(
                    # sorted: a frozenset's order changes between runs and would churn migrations
                    Q(role__in=sorted(STAFF_ROLES), partner_organisation__isnull=True)
                    | Q(role__in=sorted(PARTNER_ROLES), partner_organisation__isnull=False)
                ),
                name="membership_partner_role_needs_organisation",
            ),
        ]
        ordering = ["user__email"]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} @ {self.tenant_id}"

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_partner_member(self) -> bool:
        return self.role in PARTNER_ROLES


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class Invitation(TenantOwnedModel):
    """An emailed, single-use, time-limited link that creates a Membership when accepted."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    email = models.EmailField()
    role = models.CharField(max_length=32, choices=Role.choices)
    partner_organisation = models.ForeignKey(
        "partners.PartnerOrganisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "email"], name="invitation_tenant_email")]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)
