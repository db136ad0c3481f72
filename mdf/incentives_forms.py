"""Forms of the incentive pages. They check shapes; mdf.incentives_services decides."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealreg.forms import DateInput
from partners.models import PartnerOrganisation, Tier

from .models import PayoutMethod, ProgramKind, SpiffQualifier, StatementStatus


def _decimal(label, *, help_text="", max_digits=14):
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=max_digits,
        decimal_places=2,
        min_value=0,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )


class ProgramForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=ProgramKind.choices)
    currency = forms.CharField(
        label=_("Currency"),
        min_length=3,
        max_length=3,
        help_text=_("It pays only on deals in this currency."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "size": 4}),
    )
    start_date = forms.DateField(label=_("First day"), widget=DateInput())
    end_date = forms.DateField(
        label=_("Last day"), required=False, widget=DateInput(), help_text=_("Empty: no end.")
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    description = forms.CharField(
        label=_("Description for partners"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # The kind stays: lines were earned under it.
            del self.fields["kind"]

    @staticmethod
    def initial_for(program) -> dict:
        return {
            "name": program.name,
            "currency": program.currency,
            "start_date": program.start_date,
            "end_date": program.end_date,
            "is_active": program.is_active,
            "description": program.description,
        }


class RuleForm(forms.Form):
    tier: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Tier"),
        queryset=Tier.objects.none(),
        required=False,
        empty_label=_("Any tier"),
    )
    percent = _decimal(_("Percent"), max_digits=5, help_text=_("Such as 5 for 5%."))
    fixed_amount = _decimal(_("Fixed amount"))
    threshold_amount = _decimal(
        _("Quarterly threshold"),
        help_text=_("Rebates: revenue won in a quarter beyond this earns the accelerator."),
    )
    accelerator_percent = _decimal(_("Accelerator percent"), max_digits=5)
    qualifier = forms.ChoiceField(
        label=_("Qualifies"),
        required=False,
        choices=[("", "—"), *SpiffQualifier.choices],
        help_text=_("SPIFFs: which won deal earns the bonus, once a quarter."),
    )
    product = forms.CharField(label=_("Product"), required=False, max_length=100)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    # Which fields each program kind uses (the others are hidden).
    FIELDS_BY_KIND = {
        ProgramKind.REBATE: ("tier", "percent", "threshold_amount", "accelerator_percent"),
        ProgramKind.REFERRAL_FEE: ("tier", "percent", "fixed_amount"),
        ProgramKind.SPIFF: ("tier", "fixed_amount", "qualifier", "product"),
    }

    def __init__(self, *args, tenant, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        tier_field = self.fields["tier"]
        assert isinstance(tier_field, forms.ModelChoiceField)
        tier_field.queryset = Tier.objects.for_tenant(tenant).order_by("rank")
        keep = {*self.FIELDS_BY_KIND[ProgramKind(kind)], "is_active"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]

    @staticmethod
    def initial_for(rule) -> dict:
        return {
            "tier": rule.tier_id,
            "percent": rule.percent,
            "fixed_amount": rule.fixed_amount,
            "threshold_amount": rule.threshold_amount or None,
            "accelerator_percent": rule.accelerator_percent,
            "qualifier": rule.qualifier,
            "product": rule.product,
            "is_active": rule.is_active,
        }

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if data.get("tier") is not None:
            data["tier"] = data["tier"].pk
        return data


class StatementFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *StatementStatus.choices]
    )
    partner: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Partner"),
        required=False,
        queryset=PartnerOrganisation.objects.none(),
        empty_label=_("Any"),
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        partner_field = self.fields["partner"]
        assert isinstance(partner_field, forms.ModelChoiceField)
        partner_field.queryset = PartnerOrganisation.objects.for_tenant(tenant).order_by("name")

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {
            "status": self.cleaned_data.get("status") or None,
            "partner": self.cleaned_data["partner"].pk
            if self.cleaned_data.get("partner")
            else None,
        }


class ApproveStatementForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PayForm(forms.Form):
    reference = forms.CharField(
        label=_("Payment reference"),
        max_length=100,
        help_text=_("As on the bank transfer or in accounts payable."),
    )
    method = forms.ChoiceField(label=_("Method"), choices=PayoutMethod.choices)
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"paid_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].widget.attrs["max"] = timezone.localdate().isoformat()
