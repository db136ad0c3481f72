"""How recorded names read to people: audit actions, their groups and changed fields.
A name missing here is shown as recorded, so new actions never break the audit log."""

from django.utils.translation import gettext_lazy as _

from ecosystem.tenancy.roles import Role
from partners.models import PartnerStatus, PartnerType

ACTION_GROUP_LABELS = {
    "tenant": _("Program"),
    "membership": _("Members"),
    "invitation": _("Invitations"),
    "partner": _("Partners"),
    "specialisation": _("Specialisations"),
    "tier": _("Tiers"),
    "api_token": _("API tokens"),
}

ACTION_LABELS = {
    "tenant.created": _("Program created"),
    "tenant.branding_updated": _("Branding changed"),
    "tenant.security_updated": _("Security settings changed"),
    "membership.created": _("Member joined"),
    "membership.deactivated": _("Member removed"),
    "invitation.sent": _("Invitation sent"),
    "invitation.revoked": _("Invitation revoked"),
    "invitation.accepted": _("Invitation accepted"),
    "partner.created": _("Partner created"),
    "partner.updated": _("Partner updated"),
    "partner.status_changed": _("Partner status changed"),
    "specialisation.created": _("Specialisation added"),
    "specialisation.updated": _("Specialisation renamed"),
    "specialisation.deleted": _("Specialisation deleted"),
    "tier.created": _("Tier created"),
    "api_token.created": _("API token created"),
    "api_token.revoked": _("API token revoked"),
}

FIELD_LABELS = {
    "requires_mfa_for_staff": _("Two-factor authentication required for staff"),
    "primary_colour": _("Primary colour"),
    "accent_colour": _("Accent colour"),
    "partner_type": _("Partner type"),
    "partner": _("Partner organisation"),
}


# Recorded values shown by their label, per field name.
VALUE_LABELS = {
    "role": dict(Role.choices),
    "partner_type": dict(PartnerType.choices),
    "status": dict(PartnerStatus.choices),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def field_label(field: str) -> str:
    return str(FIELD_LABELS.get(field, str(field).replace("_", " ").capitalize()))


def value_label(field: str, value):
    """The label of a recorded choice value ("partner_sales" → "Partner sales"), or the value."""
    if isinstance(value, str):
        label = VALUE_LABELS.get(field, {}).get(value)
        if label is not None:
            return str(label)
    return value


def action_choices(actions: list[str]) -> list:
    """Choices for an action filter, grouped by prefix: "partner." (every partner action)
    followed by each recorded "partner.*" action."""
    groups: dict[str, list[str]] = {}
    for action in actions:
        prefix = action.split(".", 1)[0]
        groups.setdefault(prefix, []).append(action)
    choices = []
    for prefix, members in groups.items():
        group = str(ACTION_GROUP_LABELS.get(prefix, prefix.replace("_", " ").capitalize()))
        options = (
            [(f"{prefix}.", _("All: %(group)s") % {"group": group})] if "." in members[0] else []
        )
        options += [(action, action_label(action)) for action in members]
        choices.append((group, options))
    return choices
