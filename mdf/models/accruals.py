"""Accrual runs: a fund's allocations computed from each partner's won revenue in the
previous period and its tier's MDF accrual %, kept as a report of how each was reached."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecosystem.tenancy.models import TenantOwnedModel
from partners.models import PartnerOrganisation

from .funds import MONEY, Allocation, Fund


class AccrualRun(TenantOwnedModel):
    """One per fund: the basis period and when it ran."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="accrual_runs")
    basis_start = models.DateField()
    basis_end = models.DateField()
    ran_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ran_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-ran_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "fund"], name="accrual_once")]

    def __str__(self) -> str:
        return f"Accrual for {self.fund_id}"


class AccrualOutcome(models.TextChoices):
    ALLOCATED = "allocated", _("Allocated")
    CAPPED = "capped", _("Capped by what was left in the fund")
    FUND_EXHAUSTED = "fund_exhausted", _("Nothing left in the fund")
    NOT_ELIGIBLE = "not_eligible", _("Outside the fund's region or partner type")
    NOTHING_EARNED = "nothing_earned", _("No accrual earned")


class AccrualLine(TenantOwnedModel):
    """How one partner's accrual was computed: revenue × tier % = amount."""

    run = models.ForeignKey(AccrualRun, on_delete=models.CASCADE, related_name="lines")
    partner = models.ForeignKey(PartnerOrganisation, on_delete=models.PROTECT, related_name="+")
    tier_name = models.CharField(max_length=80, blank=True)
    accrual_percent = models.DecimalField(max_digits=5, decimal_places=2)
    won_revenue = models.DecimalField(max_digits=16, decimal_places=2)
    won_deals = models.PositiveIntegerField(default=0)
    other_currency_deals = models.PositiveIntegerField(
        default=0, help_text=_("Won deals in another currency than the fund's, not counted.")
    )
    earned = models.DecimalField(**MONEY)
    allocated = models.DecimalField(**MONEY)
    outcome = models.CharField(max_length=16, choices=AccrualOutcome.choices)
    allocation = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["run", "-earned", "partner_id"]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.allocated}"
