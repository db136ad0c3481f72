"""A partner leaving the program, and coming back: what was done, by whom, why."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecosystem.tenancy.models import TenantOwnedModel
from partners.models import PartnerOrganisation


class Offboarding(TenantOwnedModel):
    """One departure. Nothing of the partner is deleted: its people lose access, its open
    work is released or moved, and all of it can be reactivated."""

    class WorkHandling(models.TextChoices):
        RELEASE = "release", _("Release: end open deals, route leads to other partners")
        REASSIGN = "reassign", _("Reassign open deals and leads to another partner")

    partner = models.ForeignKey(
        PartnerOrganisation, on_delete=models.CASCADE, related_name="offboardings"
    )
    reason = models.TextField()
    work_handling = models.CharField(max_length=16, choices=WorkHandling.choices)
    reassigned_to = models.ForeignKey(
        PartnerOrganisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.JSONField(default=dict, blank=True)
    deactivated_memberships = models.JSONField(default=list, blank=True)
    offboarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    offboarded_at = models.DateTimeField(auto_now_add=True)
    reactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reactivated_at = models.DateTimeField(null=True, blank=True)
    reactivation_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-offboarded_at", "-id"]
        indexes = [models.Index(fields=["tenant", "partner"], name="offboarding_partner")]

    def __str__(self) -> str:
        return f"Offboarding of {self.partner_id}"
