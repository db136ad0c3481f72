"""Forms for partner pages. They check shape; partners.services decides."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import PARTNER_ROLE_CHOICES
from ecosystem.uploads import logo_help_text

from . import selectors
from .models import Industry, PartnerOrganisation, PartnerStatus, PartnerType, Region
from .services import CREATE_FIELDS, EDITABLE_FIELDS, LISTABLE_FIELDS, PARTNER_EDITABLE_FIELDS

LISTED_FIELD_CHOICES = [
    ("description", _("Description")),
    ("website", _("Website")),
    ("logo", _("Logo")),
    ("regions", _("Regions served")),
    ("countries_served", _("Countries served")),
    ("industries", _("Industries")),
    ("specialisations", _("Specialisations")),
    ("tier", _("Tier badge")),
    ("public_contact_email", _("Public contact email")),
]
assert [name for name, _label in LISTED_FIELD_CHOICES] == LISTABLE_FIELDS


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        user = obj.user
        return f"{user.full_name} ({user.email})" if user.full_name else user.email


class PartnerForm(forms.Form):
    """Create or edit an organisation. Only the fields the person may change are present
    (CREATE_FIELDS on creation, PARTNER_EDITABLE_FIELDS for a partner's own administrator):
    anything else posted is ignored."""

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
    status_reason = forms.CharField(
        label=_("Reason for a status change"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when suspending or offboarding; kept in the status history."),
    )
    tier: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Tier"), queryset=None, required=False, empty_label=_("Not tiered yet")
    )
    channel_manager = MemberChoiceField(
        label=_("Channel manager"),
        queryset=None,
        required=False,
        empty_label=_("No one assigned"),
    )
    specialisations: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Specialisations"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Competencies the program recognises for this partner."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the organisation does and for whom, in a few sentences."),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)
    regions = forms.MultipleChoiceField(
        label=_("Regions served"),
        choices=Region.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    countries_served = forms.MultipleChoiceField(
        label=_("Countries served"),
        choices=list(countries),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    industries = forms.MultipleChoiceField(
        label=_("Industries"),
        choices=Industry.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    capacity = forms.IntegerField(
        label=_("Capacity"),
        required=False,
        min_value=0,
        max_value=100000,
        help_text=_("How many open leads the organisation can work at once."),
    )
    primary_contact = MemberChoiceField(
        label=_("Primary contact"),
        queryset=None,
        required=False,
        empty_label=_("No one chosen"),
        help_text=_("One of the organisation's people; the program's first point of contact."),
    )
    is_listed = forms.BooleanField(
        label=_("Show this organisation in the partner locator and partner directory"),
        required=False,
    )
    listed_fields = forms.MultipleChoiceField(
        label=_("What the locator shows"),
        choices=LISTED_FIELD_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The name and partner type are always shown; people's emails never are."),
    )
    public_contact_email = forms.EmailField(
        label=_("Public contact email"),
        required=False,
        help_text=_("A shared inbox for customers and other partners, e.g. partners@…"),
    )

    def __init__(self, *args, tenant, partner=None, as_partner: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["tier"]).queryset = selectors.tiers(tenant=tenant)
        cast(forms.ChoiceField, self.fields["country"]).choices = [
            ("", _("Choose a country")),
            *countries,
        ]
        cast(
            forms.ModelChoiceField, self.fields["channel_manager"]
        ).queryset = selectors.channel_manager_choices(tenant=tenant)
        cast(
            forms.ModelMultipleChoiceField, self.fields["specialisations"]
        ).queryset = selectors.specialisations(tenant=tenant)
        cast(forms.ModelChoiceField, self.fields["primary_contact"]).queryset = (
            selectors.contact_choices(tenant=tenant, partner=partner)
            if partner is not None
            else Membership.objects.none()
        )
        self.fields["logo"].help_text = logo_help_text()
        if partner is None:
            allowed = set(CREATE_FIELDS)
        else:
            allowed = set(PARTNER_EDITABLE_FIELDS if as_partner else EDITABLE_FIELDS)
            if "logo" in allowed and partner.logo:
                allowed.add("remove_logo")
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
            "channel_manager": partner.channel_manager_id,
            "specialisations": [item.pk for item in partner.specialisations.all()],
            "description": partner.description,
            "regions": partner.regions,
            "countries_served": [str(country) for country in partner.countries_served],
            "industries": partner.industries,
            "capacity": partner.capacity,
            "primary_contact": partner.primary_contact_id,
            "is_listed": partner.is_listed,
            "listed_fields": partner.listed_fields,
            "public_contact_email": partner.public_contact_email,
        }

    def service_data(self) -> dict:
        data = {
            field: self.cleaned_data[field]
            for field in self.fields
            if field not in {"logo", "remove_logo", "capacity"}
        }
        if self.cleaned_data.get("capacity") is not None:
            data["capacity"] = self.cleaned_data["capacity"]
        if self.cleaned_data.get("remove_logo"):
            data["logo"] = None
        elif self.cleaned_data.get("logo"):
            data["logo"] = self.cleaned_data["logo"]
        return data


class StatusChangeForm(forms.Form):
    """Move a partner to another lifecycle status, saying why."""

    status = forms.ChoiceField(label=_("New status"), choices=PartnerStatus.choices)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when suspending or offboarding."),
    )


class SpecialisationForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        error_messages={"required": _("Enter the specialisation's name.")},
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Cloud migration")}),
    )
    description = forms.CharField(label=_("Description"), required=False, max_length=1000)


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
