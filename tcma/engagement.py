"""Recording engagement: one row per measurable touch (tcma.models.Engagement)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .models import Engagement


def record_engagement(*, tenant, kind: str, when=None, **links: Any) -> Engagement:
    """Record one touch of `kind` (an Engagement.Kind) with whatever it concerns: partner,
    user, asset, version, campaign, activation, event (objects or `<name>_id`) and `data`
    (UTM, referrer, link id). Cheap enough to call inside a request: one INSERT."""
    if kind not in Engagement.Kind.values:
        raise ValueError(f"Unknown engagement kind {kind!r}")
    return Engagement.objects.create(
        tenant=tenant, kind=kind, occurred_at=when or timezone.now(), **links
    )
