"""Forms of the agreement pages. They check shapes; onboarding.contracts_services decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from partners.models import PartnerOrganisation

from . import contracts_selectors
from .contracts_services import MAX_TERM_MONTHS
from .models.contracts import AgreementTemplate, ContractStatus


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    term_months = forms.IntegerField(
        label=_("Term (months)"), min_value=1, max_value=MAX_TERM_MONTHS, initial=12
    )
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 18, "class": "code"}),
        help_text=_(
            "HTML (headings, paragraphs, lists, tables, bold, links). Write merge fields as "
            "{{ partner_legal_name }}; scripts and styles are removed on save."
        ),
    )
    is_active = forms.BooleanField(label=_("Active (can be issued)"), required=False, initial=True)

    @staticmethod
    def initial_for(template, version) -> dict:
        return {
            "name": template.name,
            "term_months": version.term_months,
            "body": version.body,
            "is_active": template.is_active,
        }


class IssueForm(forms.Form):
    template: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Agreement"), queryset=AgreementTemplate.objects.none()
    )
    partner: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Partner"), queryset=PartnerOrganisation.objects.none()
    )
    legal_name = forms.CharField(label=_("Legal name"), max_length=200)
    address = forms.CharField(
        label=_("Registered address"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    country = forms.ChoiceField(label=_("Country"), choices=lambda: list(countries))
    effective_date = forms.DateField(
        label=_("Effective date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    terms = forms.CharField(
        label=_("Special terms"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Merged where the text says {{ terms }}; leave empty if none."),
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = contracts_selectors.templates(
            tenant=tenant, active_only=True
        )
        self.fields["partner"].queryset = PartnerOrganisation.objects.for_tenant(tenant).order_by(
            "name"
        )

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["template"] = data["template"].pk
        data["partner"] = data["partner"].pk
        return data


class SignForm(forms.Form):
    typed_name = forms.CharField(
        label=_("Type your full name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    consent = forms.BooleanField(
        label=_(
            "I have read the agreement and agree to sign it electronically; my typed name is "
            "my signature and binds the organisation I represent."
        ),
        error_messages={"required": _("Tick the box to confirm you agree to sign.")},
    )
    document_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)


class ContractFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *ContractStatus.choices]
    )
    template: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Agreement"),
        required=False,
        queryset=AgreementTemplate.objects.none(),
        empty_label=_("Any agreement"),
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = contracts_selectors.templates(tenant=tenant)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}
