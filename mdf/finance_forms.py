"""Forms of the fund owners' and finance's MDF pages. They check shape only; the services
(mdf.services, mdf.period_services, mdf.payout_services) decide, and their errors are shown
next to the field they name (ecosystem.portal.forms.add_domain_error)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import PartnerType, Region

from .models import PayoutMethod

DATE = forms.DateInput(attrs={"type": "date"})
AMOUNT = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


class FundForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        min_length=3,
        help_text=_("ISO 4217 code, such as USD or EUR."),
    )
    amount = forms.CharField(label=_("Amount"), max_length=20, widget=AMOUNT)
    start_date = forms.DateField(label=_("First day"), widget=DATE)
    end_date = forms.DateField(label=_("Last day"), widget=DATE)
    region = forms.ChoiceField(
        label=_("Only for partners in"),
        choices=[("", _("Every region")), *Region.choices],
        required=False,
    )
    partner_type = forms.ChoiceField(
        label=_("Only for partner type"),
        choices=[("", _("Every type")), *PartnerType.choices],
        required=False,
    )
    accrues = forms.BooleanField(
        label=_("Allocate by accrual when the period starts"),
        required=False,
        help_text=_(
            "Each partner gets its tier's MDF accrual % of the revenue it won in the "
            "previous period of the same length."
        ),
    )


class AllocateForm(forms.Form):
    partner = forms.TypedChoiceField(label=_("Partner"), coerce=int)
    amount = forms.CharField(label=_("Amount"), max_length=20, widget=AMOUNT)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [("", _("Choose a partner"))] + [
            (partner.pk, partner.name) for partner in partners
        ]


class TierAllocationForm(forms.Form):
    """One optional amount per tier of the program (field `tier_<id>`) and a note."""

    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, tiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.tier_fields = []
        for tier in tiers:
            name = f"tier_{tier.pk}"
            self.fields[name] = forms.CharField(
                label=tier.name, required=False, max_length=20, widget=AMOUNT
            )
            self.tier_fields.append((tier, name))
        self.order_fields([name for _tier, name in self.tier_fields] + ["note"])

    def amounts(self) -> dict[int, str]:
        return {
            tier.pk: self.cleaned_data[name].strip()
            for tier, name in self.tier_fields
            if self.cleaned_data.get(name, "").strip()
        }

    def add_error(self, field, error):
        # The service names tier amounts "amounts.<tier id>": show them on that tier's field.
        if isinstance(field, str) and field.startswith("amounts."):
            field = "tier_" + field.split(".", 1)[1]
            if field not in self.fields:
                field = None
        elif field == "amounts":
            field = None
        super().add_error(field, error)


class PaymentForm(forms.Form):
    reference = forms.CharField(label=_("Payment reference"), max_length=100)
    method = forms.ChoiceField(label=_("Method"), choices=PayoutMethod.choices)
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)

    def data_for_service(self) -> dict:
        return {
            "reference": self.cleaned_data["reference"],
            "method": self.cleaned_data["method"],
            "paid_on": self.cleaned_data["paid_on"],
        }


class RoiFilterForm(forms.Form):
    fund = forms.TypedChoiceField(label=_("Fund"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, funds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].choices = [("", _("All funds"))] + [
            (fund.pk, f"{fund.name} ({fund.currency})") for fund in funds
        ]


class ProgramSettingsForm(forms.Form):
    claim_deadline_days = forms.IntegerField(
        label=_("Claim deadline (days after the activity ends)"), min_value=1, max_value=365
    )
    first_reminder_days = forms.IntegerField(
        label=_("First reminder (days before the deadline)"), min_value=0, max_value=365
    )
    last_reminder_days = forms.IntegerField(
        label=_("Last reminder (days before the deadline)"), min_value=0, max_value=365
    )
    review_sla_days = forms.IntegerField(
        label=_("Review within (days)"),
        min_value=1,
        max_value=90,
        help_text=_("Requests and claims waiting longer are marked overdue in the queue."),
    )
