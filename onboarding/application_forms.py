"""Forms for the application pages. They check shape; onboarding.application_services decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ecosystem.portal.forms import NameListField
from partners.models import PartnerType, Region, Specialisation

from .application_services import PROFILE_FIELDS
from .models import IdealPartnerProfile


def _specialisations(tenant):
    return Specialisation.objects.for_tenant(tenant).order_by("name")


class ApplicationForm(forms.Form):
    """The public application. Account fields are there only for someone not signed in."""

    company_name = forms.CharField(label=_("Company name"), max_length=200)
    website = forms.URLField(
        label=_("Website"), assume_scheme="https", help_text=_("e.g. https://northwind.example")
    )
    partner_type = forms.ChoiceField(label=_("Partner type"), choices=PartnerType.choices)
    country = forms.ChoiceField(label=_("Headquarters country"), choices=[])
    regions = forms.MultipleChoiceField(
        label=_("Regions you sell in"),
        choices=Region.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    specialisations = forms.ModelMultipleChoiceField(
        label=_("Specialisations"),
        queryset=Specialisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    employees = forms.IntegerField(label=_("Employees"), min_value=1, max_value=10_000_000)
    certifications = NameListField(
        label=_("Certifications your company holds"),
        noun=_("certification"),
        help_text=_("Separate them with commas, e.g. “ISO 27001, AWS Advanced Partner”."),
    )
    description = forms.CharField(
        label=_("What you do"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    contact_name = forms.CharField(label=_("Your full name"), max_length=150)
    contact_title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    contact_phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Work email"))
    password = forms.CharField(
        label=_("Choose a password"), widget=forms.PasswordInput, strip=False
    )
    consent = forms.BooleanField(
        label=_("I may be contacted about this application, and the details are accurate.")
    )

    def __init__(self, *args, tenant, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—"), *countries]
        self.fields["specialisations"].queryset = _specialisations(tenant)
        if user is not None and user.is_authenticated:
            # Signed in: the account is theirs already.
            del self.fields["email"]
            del self.fields["password"]
            self.fields["contact_name"].initial = user.full_name


class MessageForm(forms.Form):
    message = forms.CharField(
        label=_("Message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(forms.Form):
    """Approve, reject or ask for information: one form, the button says which."""

    ACTIONS = ("approve", "reject", "request_info")
    action = forms.ChoiceField(choices=[(action, action) for action in ACTIONS])
    reason = forms.CharField(
        label=_("Reason or message"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to reject or to ask for information; the applicant reads it."),
    )


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("open", _("Open")),
            ("submitted", _("Waiting for review")),
            ("info_requested", _("Waiting for the applicant")),
            ("approved", _("Approved")),
            ("rejected", _("Rejected")),
            ("all", _("All")),
        ],
    )
    q = forms.CharField(required=False, max_length=100, label=_("Search"))


class ProfileForm(forms.ModelForm):
    """The ideal partner profile, with a weight per criterion."""

    partner_types = forms.MultipleChoiceField(
        label=_("Partner types"),
        choices=PartnerType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    regions = forms.MultipleChoiceField(
        label=_("Regions"),
        choices=Region.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    certifications = NameListField(label=_("Certifications"), noun=_("certification"))

    class Meta:
        model = IdealPartnerProfile
        fields = PROFILE_FIELDS
        widgets = {"specialisations": forms.CheckboxSelectMultiple}

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialisations"].queryset = _specialisations(tenant)
        self.fields["specialisations"].required = False
        for name in self.fields:
            if name.endswith("_weight"):
                self.fields[name].label = _("Weight")
                self.fields[name].help_text = _("0–100; 0 leaves the criterion out.")
