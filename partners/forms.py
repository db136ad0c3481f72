"""Forms for partner pages. They check shape; partners.services decides."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ecosystem.tenancy.roles import PARTNER_ROLE_CHOICES

from . import selectors
from .models import PartnerOrganisation, PartnerStatus, PartnerType
from .services import EDITABLE_FIELDS, PARTNER_EDITABLE_FIELDS


class PartnerForm(forms.Form):
    """Create or edit an organisation. With `as_partner`, only the fields a partner's own
    administrator may change are present: anything else posted is ignored."""

    name = forms.CharField(
        label=_("Organisation name"),
        max_length=200,
        error_messages={"required": _("Enter the organisation's name.")},
    )
    website = forms.URLField(
        label=_("Website"),
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://example.com"}),
    )
    partner_type = forms.ChoiceField(
        label=_("Partner type"), choices=[("", _("Choose a type")), *PartnerType.choices]
    )
    country = PartnerOrganisation._meta.get_field("country").formfield(
        label=_("Country"), help_text=_("Where the organisation is headquartered.")
    )
    status = forms.ChoiceField(
        label=_("Lifecycle status"),
        choices=PartnerStatus.choices,
        initial=PartnerStatus.ONBOARDING,
    )
    tier: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Tier"), queryset=None, required=False, empty_label=_("Not tiered yet")
    )

    def __init__(self, *args, tenant, as_partner: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["tier"]).queryset = selectors.tiers(tenant=tenant)
        cast(forms.ChoiceField, self.fields["country"]).choices = [
            ("", _("Choose a country")),
            *countries,
        ]
        allowed = PARTNER_EDITABLE_FIELDS if as_partner else EDITABLE_FIELDS
        for field in list(self.fields):
            if field not in allowed:
                del self.fields[field]

    @classmethod
    def initial_from(cls, partner: PartnerOrganisation) -> dict:
        return {
            "name": partner.name,
            "website": partner.website,
            "partner_type": partner.partner_type,
            "country": str(partner.country),  # the ISO code
            "status": partner.status,
            "tier": partner.tier_id,
        }

    def service_data(self) -> dict:
        return {field: self.cleaned_data[field] for field in self.fields}


class InviteMemberForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "placeholder": "name@partner.com"}),
        error_messages={"required": _("Enter the person's email address.")},
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", _("Choose a role")), *PARTNER_ROLE_CHOICES],
        help_text=_("Partner administrators can edit the organisation and invite colleagues."),
        error_messages={"required": _("Choose what the person will do.")},
    )
