from ecosystem.tenancy.models import Membership, User
from ecosystem.tenancy.roles import STAFF_ROLES


def staff_members(*, tenant):
    return (
        Membership.objects.for_tenant(tenant)
        .filter(role__in=[role.value for role in STAFF_ROLES], is_active=True)
        .select_related("user")
        .order_by("role", "user__email")
    )


def account_exists(email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


def bars(counts: dict[str, int], choices) -> list[dict]:
    """Rows for a horizontal bar chart: label, value and width in percent of the largest."""
    largest = max(counts.values(), default=0) or 1
    return [
        {"key": key, "label": label, "value": counts.get(key, 0),
         "percent": round(100 * counts.get(key, 0) / largest)}
        for key, label in choices
    ]


def readable_text_colour(hex_colour: str) -> str:
    """Black or white, whichever contrasts more with the colour (WCAG relative luminance)."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#111827" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"
