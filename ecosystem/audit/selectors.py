from .models import AuditEntry


def audit_entries(*, tenant, action: str = "", actor_email: str = "", object_type: str = ""):
    """The tenant's audit log, newest first, optionally filtered."""
    entries = AuditEntry.objects.for_tenant(tenant).select_related("actor")
    if action:
        entries = entries.filter(action__startswith=action)
    if actor_email:
        entries = entries.filter(actor_label__icontains=actor_email)
    if object_type:
        entries = entries.filter(object_type=object_type)
    return entries


def audit_actions(*, tenant) -> list[str]:
    return list(
        AuditEntry.objects.for_tenant(tenant)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )
