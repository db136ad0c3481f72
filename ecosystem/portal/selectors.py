import zoneinfo
from datetime import tzinfo

from django.utils import timezone

from ecosystem.tenancy.models import Invitation, Membership, User
from ecosystem.tenancy.roles import STAFF_ROLES

# WCAG 2 AA minimum contrast for normal text.
MINIMUM_TEXT_CONTRAST = 4.5
DARK_TEXT = "#111827"
LIGHT_TEXT = "#ffffff"


def staff_members(*, tenant):
    return (
        Membership.objects.for_tenant(tenant)
        .filter(role__in=[role.value for role in STAFF_ROLES], is_active=True)
        .select_related("user")
        .order_by("role", "user__email")
    )


def team_members(*, tenant):
    """Every staff membership of the tenant, active people first (removed ones stay listed
    so an administrator can see who had access)."""
    return (
        Membership.objects.for_tenant(tenant)
        .filter(role__in=[role.value for role in STAFF_ROLES])
        .select_related("user")
        .order_by("-is_active", "user__email")
    )


def staff_invitations(*, tenant):
    """Invitations to a staff role, in any state, newest first."""
    return (
        Invitation.objects.for_tenant(tenant)
        .filter(partner_organisation__isnull=True)
        .select_related("invited_by")
    )


def pending_staff_invitations(*, tenant):
    """Staff invitations whose link still works."""
    return staff_invitations(tenant=tenant).filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def account_exists(email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


def bars(counts: dict[str, int], choices) -> list[dict]:
    """Rows for a horizontal bar chart: label, value and width in percent of the largest."""
    largest = max(counts.values(), default=0) or 1
    return [
        {
            "key": key,
            "label": label,
            "value": counts.get(key, 0),
            "percent": round(100 * counts.get(key, 0) / largest),
        }
        for key, label in choices
    ]


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of a #RRGGBB colour (0 black … 1 white)."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio between two #RRGGBB colours (1 … 21)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_text_colour(hex_colour: str) -> str:
    """Black or white, whichever contrasts more with the colour (WCAG relative luminance)."""
    luminance = relative_luminance(hex_colour)
    return DARK_TEXT if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else LIGHT_TEXT


def text_contrast_on(hex_colour: str) -> dict:
    """The text colour the portal puts on `hex_colour`, its contrast ratio and whether it
    meets WCAG AA for normal text."""
    text = readable_text_colour(hex_colour)
    ratio = contrast_ratio(hex_colour, text)
    return {
        "text_colour": text,
        "ratio": round(ratio, 2),
        "passes": ratio >= MINIMUM_TEXT_CONTRAST,
    }


def tenant_zone(tenant) -> tzinfo:
    """The tenant's time zone for showing times; UTC if the stored name is unknown."""
    try:
        return zoneinfo.ZoneInfo(tenant.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def has_authenticator_app(user) -> bool:
    """Whether the person has set up TOTP (what the staff two-factor requirement asks for)."""
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
