"""Host → tenant."""

from __future__ import annotations

from django.conf import settings

from .models import Tenant

PLATFORM = object()  # the bare base domain: the platform's own pages


def split_host(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    if host.startswith("["):  # IPv6 literal
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def resolve_host(raw_host: str):
    """Tenant for the host, PLATFORM for the base domain, None when unknown."""
    host = split_host(raw_host)
    base = settings.BASE_DOMAIN.lower()
    if host == base:
        return PLATFORM
    if host.endswith("." + base):
        slug = host[: -len(base) - 1]
        if "." in slug:
            return None
        return Tenant.objects.filter(slug=slug, is_active=True).first()
    return Tenant.objects.filter(custom_domain=host, is_active=True).first()
