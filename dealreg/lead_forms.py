"""Forms for the lead pages. They check shape; dealreg.leads decides."""

from __future__ import annotations

import re
from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from partners.models import (
    PartnerOrganisation,
    PartnerStatus,
    PartnerType,
    Region,
    Specialisation,
    Tier,
)

from .models import Lead, LeadStatus


class LeadForm(forms.Form):
    company_name = forms.CharField(label=_("Company"), max_length=200)
    company_domain = forms.CharField(
        label=_("Web domain"),
        max_length=253,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "initech.com"}),
    )
    country = forms.ChoiceField(
        label=_("Country"), choices=[("", _("Choose a country")), *list(countries)]
    )
    interest = forms.CharField(
        label=_("Interest"),
        max_length=200,
        required=False,
        help_text=_("What the company asked about; routing rules can match words in it."),
    )
    contact_name = forms.CharField(label=_("Contact name"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    products = forms.CharField(
        label=_("Products"),
        max_length=2000,
        required=False,
        help_text=_("Separate several with commas."),
    )
    estimated_amount = forms.DecimalField(
        label=_("Estimated amount"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        required=False,
        help_text=_("Three letters, e.g. EUR; empty means the program's currency."),
    )
    route = forms.BooleanField(
        label=_("Offer it to the best eligible partner now"), required=False, initial=True
    )

    def service_data(self) -> dict:
        data = {key: value for key, value in self.cleaned_data.items() if key != "route"}
        data["products"] = [
            item.strip() for item in re.split(r"[,;]", data.get("products") or "") if item.strip()
        ]
        return data


class LeadImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), widget=forms.FileInput(attrs={"accept": ".csv,text/csv"})
    )
    route = forms.BooleanField(
        label=_("Offer each lead to the best eligible partner"), required=False, initial=True
    )
    dry_run = forms.BooleanField(label=_("Only check the file"), required=False)


class LeadFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), ("open", _("Open (new, offered, accepted)")), *LeadStatus.choices],
    )
    partner: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Partner"), queryset=None, required=False, empty_label=_("Any")
    )
    country = forms.ChoiceField(
        label=_("Country"), required=False, choices=[("", _("Any")), *list(countries)]
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("Any")), *Lead.Source.choices]
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = PartnerOrganisation.objects.for_tenant(tenant).order_by(
            "name"
        )

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        values = dict(self.cleaned_data)
        partner = values.pop("partner", None)
        values["partner"] = partner.pk if partner else None
        return {key: value for key, value in values.items() if value}


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class OverrideForm(forms.Form):
    partner: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Offer to"), queryset=None, empty_label=_("Choose a partner")
    )
    reason = forms.CharField(
        label=_("Why"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with the offer and shown in the routing report."),
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = (
            PartnerOrganisation.objects.for_tenant(tenant)
            .filter(status=PartnerStatus.ACTIVE)
            .order_by("name")
        )


class RoutingRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    priority = forms.IntegerField(
        label=_("Priority"),
        min_value=0,
        max_value=32767,
        initial=100,
        help_text=_("Lower numbers are checked first; the first rule matching a lead decides."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    lead_countries = forms.MultipleChoiceField(
        label=_("Lead countries"),
        choices=list(countries),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Leads from these countries; none chosen means any."),
    )
    interest_contains = forms.CharField(
        label=_("Interest contains"),
        max_length=100,
        required=False,
        help_text=_("Leads whose interest contains these words (any case); empty means any."),
    )
    partner_countries = forms.MultipleChoiceField(
        label=_("Partner countries"),
        choices=list(countries),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Partners based in or serving one of these; none chosen means any."),
    )
    partner_regions = forms.MultipleChoiceField(
        label=_("Partner regions"),
        choices=Region.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    partner_types = forms.MultipleChoiceField(
        label=_("Partner types"),
        choices=PartnerType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    specialisation: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Specialisation"), queryset=None, required=False, empty_label=_("Any")
    )
    minimum_tier: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Minimum tier"), queryset=None, required=False, empty_label=_("Any tier or none")
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialisation"].queryset = Specialisation.objects.for_tenant(tenant).order_by(
            "name"
        )
        self.fields["minimum_tier"].queryset = Tier.objects.for_tenant(tenant).order_by("rank")

    @staticmethod
    def initial_for(rule) -> dict:
        return {
            "name": rule.name,
            "priority": rule.priority,
            "is_active": rule.is_active,
            "lead_countries": [str(code) for code in rule.lead_countries],
            "interest_contains": rule.interest_contains,
            "partner_countries": [str(code) for code in rule.partner_countries],
            "partner_regions": rule.partner_regions,
            "partner_types": rule.partner_types,
            "specialisation": rule.specialisation_id,
            "minimum_tier": rule.minimum_tier_id,
        }

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("specialisation", "minimum_tier"):
            data[name] = data[name].pk if data[name] else None
        return data


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def period(self):
        from .lead_selectors import Period

        today = timezone.localdate()
        start, end = today - timedelta(days=29), today
        if self.is_valid():
            start = self.cleaned_data.get("start") or start
            end = self.cleaned_data.get("end") or end
        if start > end:
            start, end = end, start
        if (end - start).days > 730:
            start = end - timedelta(days=730)
        return Period(start, end)
