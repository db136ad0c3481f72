"""Template helpers for portal pages: capability checks and readable audit entries."""

from django import template
from django.apps import apps
from django.utils.translation import gettext as _

from ecosystem.portal import labels
from ecosystem.tenancy.roles import has_capability

register = template.Library()


@register.filter
def can(membership, capability: str) -> bool:
    """{% if membership|can:"partners.manage" %}: the member's role holds the capability."""
    return membership is not None and has_capability(membership.role, capability)


@register.filter
def action_label(action: str) -> str:
    return labels.action_label(action)


@register.filter
def object_type_label(object_type: str) -> str:
    """ "partners.partnerorganisation" → "Partner organisation"."""
    if not object_type:
        return ""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return object_type
    return str(model._meta.verbose_name).capitalize()


def _readable_value(value) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, (list, dict)):
        return ", ".join(str(item) for item in value) if isinstance(value, list) else str(value)
    return str(value)


@register.filter
def audit_changes(changes, references=None) -> list[dict]:
    """An entry's `changes` as rows: {field, before, after} for [old, new] pairs (from
    audit.services.diff), {field, value} for plain recorded values. `references` names
    recorded ids: {"partner": {id: name}}."""
    if not isinstance(changes, dict):
        return []
    references = references or {}

    def shown(field, value):
        if field in references and value in references[field]:
            return references[field][value]
        return _readable_value(labels.value_label(field, value))

    rows = []
    for field, value in changes.items():
        label = labels.field_label(field)
        if field == "logo":  # recorded as ["set", None] (removed) or ["updated", file name]
            removed = isinstance(value, list) and value[-1:] == [None]
            rows.append(
                {
                    "field": label,
                    "value": _("Removed") if removed else _("New logo uploaded"),
                    "is_change": False,
                }
            )
        elif isinstance(value, list) and len(value) == 2:
            rows.append(
                {
                    "field": label,
                    "before": shown(field, value[0]),
                    "after": shown(field, value[1]),
                    "is_change": True,
                }
            )
        else:
            rows.append({"field": label, "value": shown(field, value), "is_change": False})
    return rows
