"""Forms for the deal pages. They check shape; dealreg.services and .collaboration decide."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ecosystem.portal.forms import NameListField
from ecosystem.portal.selectors import staff_members
from partners.models import Industry, PartnerOrganisation, PartnerStatus

from .models import (
    MONEY,
    AppealOutcome,
    DealStage,
    DealStatus,
    ParticipantRole,
    RouteToMarket,
    VendorHelpRequest,
)
from .rules import REJECTION_REASONS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ProductsField(NameListField):
    """Products as typed, separated by commas or new lines → a sorted list of names."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text", _("Separate products with commas, e.g. “Platform, Support”.")
        )
        super().__init__(noun=_("product"), **kwargs)


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def _partner_choices(tenant):
    return (
        PartnerOrganisation.objects.for_tenant(tenant)
        .exclude(status__in=[PartnerStatus.SUSPENDED, PartnerStatus.OFFBOARDED])
        .only("pk", "name")
        .order_by("name")
    )


def _amount_field(**kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        max_digits=MONEY["max_digits"],
        decimal_places=MONEY["decimal_places"],
        min_value=0,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
        **kwargs,
    )


CUSTOMER_FIELDS = ("customer_name", "customer_domain", "customer_country")


class RegistrationForm(forms.Form):
    """Register a deal. Staff choose the partner it is registered for; a partner member
    always registers for their own organisation (the field is absent)."""

    partner = PartnerChoiceField(
        label=_("Partner"),
        queryset=PartnerOrganisation.objects.none(),
        empty_label=_("Choose the partner"),
        error_messages={"required": _("Choose the partner this deal is registered for.")},
    )
    customer_name = forms.CharField(
        label=_("Customer company name"),
        max_length=200,
        error_messages={"required": _("Enter the customer's company name.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "duplicate-input"}),
    )
    customer_domain = forms.CharField(
        label=_("Customer web domain"),
        max_length=253,
        required=False,
        help_text=_("Such as initech.com; it makes duplicate detection much more reliable."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "initech.com",
                "class": "duplicate-input",
            }
        ),
    )
    customer_country = forms.ChoiceField(
        label=_("Customer country"),
        error_messages={"required": _("Choose the customer's country.")},
        widget=forms.Select(attrs={"class": "duplicate-input"}),
    )
    customer_address = forms.CharField(
        label=_("Customer address"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    customer_industry = forms.ChoiceField(
        label=_("Customer industry"),
        required=False,
        choices=[("", _("Not specified")), *Industry.choices],
    )
    title = forms.CharField(
        label=_("Opportunity title"),
        max_length=200,
        help_text=_("What the customer is buying, e.g. “Initech data platform”."),
        error_messages={"required": _("Give the opportunity a title.")},
    )
    amount = _amount_field(
        label=_("Estimated amount"),
        error_messages={"required": _("Enter the estimated amount, e.g. 48000.")},
    )
    currency = forms.RegexField(
        label=_("Currency"),
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        error_messages={"invalid": _("Enter a three-letter currency code, such as USD.")},
        widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
    )
    expected_close_date = forms.DateField(
        label=_("Expected close date"),
        widget=DateInput(),
        error_messages={"required": _("Enter the expected close date.")},
    )
    products = ProductsField(label=_("Products"))
    stage = forms.ChoiceField(
        label=_("Sales stage"), choices=DealStage.choices, initial=DealStage.QUALIFICATION
    )
    route_to_market = forms.ChoiceField(
        label=_("Route to market"), choices=RouteToMarket.choices, initial=RouteToMarket.RESALE
    )
    notes = forms.CharField(
        label=_("Notes for the reviewer"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who you work with at the customer, what you have done so far."),
    )

    def __init__(self, *args, tenant, membership, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("currency", tenant.default_currency)
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["customer_country"]).choices = [
            ("", _("Choose a country")),
            *countries,
        ]
        if membership.is_partner_member:
            del self.fields["partner"]
        else:
            cast(forms.ModelChoiceField, self.fields["partner"]).queryset = _partner_choices(tenant)
        self.fields["expected_close_date"].widget.attrs["min"] = timezone.localdate().isoformat()

    def clean_currency(self):
        return self.cleaned_data["currency"].upper()

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if "partner" in data:
            data["partner"] = data["partner"].pk
        return data


class DuplicateCheckForm(forms.Form):
    """The customer fields of the registration form, read leniently while people type."""

    customer_name = forms.CharField(max_length=200, required=False)
    customer_domain = forms.CharField(max_length=253, required=False)
    customer_country = forms.CharField(max_length=2, required=False)
    products = ProductsField()
    expected_close_date = forms.DateField(required=False)

    def clean_customer_country(self):
        return self.cleaned_data["customer_country"].upper()


class EditDealForm(forms.Form):
    stage = forms.ChoiceField(label=_("Sales stage"), choices=DealStage.choices)
    amount = _amount_field(label=_("Estimated amount"))
    expected_close_date = forms.DateField(label=_("Expected close date"), widget=DateInput())
    products = ProductsField(label=_("Products"))
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    @classmethod
    def initial_from(cls, deal) -> dict:
        return {
            "stage": deal.stage,
            "amount": deal.amount,
            "expected_close_date": deal.expected_close_date,
            "products": deal.products,
            "notes": deal.notes,
        }


class ApproveForm(forms.Form):
    reason = forms.CharField(
        label=_("Note for the partner (optional)"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": _("Approved: first registration")}),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason the partner will see"),
        max_length=2000,
        error_messages={"required": _("Say why the registration is rejected.")},
        widget=forms.TextInput(attrs={"list": "rejection-reasons", "autocomplete": "off"}),
        help_text=_("Pick a common reason or write your own."),
    )
    suggestions = REJECTION_REASONS


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(DealStatus.WON, _("Won")), (DealStatus.LOST, _("Lost"))],
        widget=forms.RadioSelect,
    )
    amount = _amount_field(
        label=_("Final amount"),
        required=False,
        help_text=_("Leave empty to keep the registered amount."),
    )
    closed_on = forms.DateField(
        label=_("Closed on"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for today."),
    )

    def __init__(self, *args, as_partner: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closed_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        if as_partner:
            # Partners record losses only; the channel manager records wins.
            cast(forms.ChoiceField, self.fields["outcome"]).choices = [(DealStatus.LOST, _("Lost"))]
            self.fields["outcome"].initial = DealStatus.LOST
            del self.fields["amount"]


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why reopen it"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the partner earned on the win is clawed back."),
    )


class RefundForm(forms.Form):
    amount = _amount_field(
        label=_("Refunded amount"),
        help_text=_("The partner's incentives on the deal are clawed back in proportion."),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ParticipantAddForm(forms.Form):
    partner = PartnerChoiceField(
        label=_("Partner"),
        queryset=PartnerOrganisation.objects.none(),
        empty_label=_("Choose a partner"),
        error_messages={"required": _("Choose the partner to add.")},
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[c for c in ParticipantRole.choices if c[0] != ParticipantRole.SOURCED],
        initial=ParticipantRole.CO_SELL,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)

    def __init__(self, *args, tenant, exclude_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["partner"]).queryset = _partner_choices(
            tenant
        ).exclude(pk__in=list(exclude_ids))


class ParticipantDecideForm(forms.Form):
    accept = forms.TypedChoiceField(
        choices=[("1", _("Accept")), ("0", _("Decline"))], coerce=lambda value: value == "1"
    )
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[
            ("", _("As requested")),
            *[c for c in ParticipantRole.choices if c[0] != ParticipantRole.SOURCED],
        ],
    )


class JoinForm(forms.Form):
    note = forms.CharField(
        label=_("Why you should co-sell (optional)"), required=False, max_length=2000
    )
    back = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)


class AppealForm(forms.Form):
    note = forms.CharField(
        label=_("Why the decision should change"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Explain why the decision should change.")},
        help_text=_("A different reviewer decides. A registration can be appealed once."),
    )


class AppealDecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (AppealOutcome.UPHELD, _("Uphold: the rejection stands")),
            (AppealOutcome.REVERSED, _("Reverse: approve the registration now")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason the partner will see"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why.")},
    )


class ExtensionForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the deal needs more time"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the deal needs more time.")},
    )


class ExtensionDecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Approve")), ("0", _("Refuse"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        help_text=_("Required when refusing."),
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    file = forms.FileField(label=_("Attach a file"), required=False)

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("body") or "").strip() and not cleaned.get("file"):
            self.add_error("body", _("Write a message or attach a file."))
        return cleaned


class HelpRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Who you need"),
        choices=[("", _("Choose")), *VendorHelpRequest.Kind.choices],
        error_messages={"required": _("Choose who you need.")},
    )
    note = forms.CharField(
        label=_("What for"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": _("Technical workshop on 12 May")}),
    )


class HelpUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (VendorHelpRequest.Status.ASSIGNED, _("Assign to")),
            (VendorHelpRequest.Status.DONE, _("Done")),
            (VendorHelpRequest.Status.CANCELLED, _("Cancelled")),
        ],
    )
    assignee = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int)

    def __init__(self, *args, people, **kwargs):
        """`people`: staff_choices(tenant), read once for every form on the page."""
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("", _("Choose a person")),
            *people,
        ]


def staff_choices(tenant) -> list[tuple[int, str]]:
    """The vendor's active staff as (membership id, "Name (email)") choices."""
    return [
        (member.pk, f"{member.user.full_name} ({member.user.email})")
        if member.user.full_name
        else (member.pk, member.user.email)
        for member in staff_members(tenant=tenant)
    ]


class DealFilterForm(forms.Form):
    """The list's filters; anything invalid is ignored rather than refused."""

    q = forms.CharField(required=False, max_length=200)
    status = forms.ChoiceField(
        required=False,
        choices=[("", _("Any")), ("open", _("Open (pending or approved)")), *DealStatus.choices],
    )
    partner = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    country = forms.ChoiceField(required=False)
    expiring = forms.BooleanField(required=False, label=_("Protection ending soon"))
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
            ("amount", _("Largest amount")),
            ("close", _("Closing soonest")),
            ("sla", _("Decision due soonest")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["country"]).choices = [("", _("Any")), *countries]

    def filters(self) -> dict:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            name: "1" if value is True else str(value).replace("\x00", "")
            for name, value in cleaned.items()
            if value not in (None, "", False)
        }
