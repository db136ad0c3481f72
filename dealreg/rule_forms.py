"""Forms of the review queue, the rules-of-engagement settings and the named accounts.

They check shape only; dealreg.services, dealreg.rules and dealreg.named_accounts decide
(ranges, the tenant's own records, duplicates), and their errors are shown per field."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import STAFF_ROLES
from partners.forms import MemberChoiceField
from partners.models import Tier

from .models import MONEY
from .rules import REJECTION_REASONS, RULE_FIELDS

MAX_BULK = 100


def _number(label, help_text="", **attrs):
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", **attrs}),
    )


def _money(label, *, required=True, help_text=""):
    return forms.DecimalField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **MONEY,
    )


class RulesForm(forms.Form):
    """The rules of engagement (RULE_FIELDS). Limits live on the model and are enforced by
    dealreg.rules.update_rules; the widgets only hint them to the browser."""

    protection_days = _number(
        _("Protection window (days)"),
        _("An approved registration protects the partner for this many days."),
        min=1,
        max=730,
    )
    extension_days = _number(
        _("Days per extension"), _("Added when an extension request is approved."), min=1, max=365
    )
    max_extensions = _number(
        _("Extensions allowed per deal"), _("0 means protection cannot be extended."), min=0
    )
    review_sla_hours = _number(
        _("Review within (hours)"),
        _("Registrations waiting longer escalate to the reviewer's lead."),
        min=1,
    )
    duplicate_threshold = forms.DecimalField(
        label=_("Duplicate threshold"),
        max_digits=4,
        decimal_places=3,
        help_text=_(
            "Similarity from 0.3 to 1 at which a match is flagged as a possible duplicate. "
            "0.8 flags the same domain, or the same name in the same country."
        ),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.3", "max": "1"}),
    )
    minimum_amount = _money(_("Minimum deal size"))
    allowed_countries = forms.MultipleChoiceField(
        label=_("Customer countries open to registration"),
        choices=list(countries),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("None chosen means every country. Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    restrict_to_partner_territory = forms.BooleanField(
        label=_("Partners may register only customers in the countries they serve"),
        required=False,
    )
    auto_approve = forms.BooleanField(
        label=_("Approve registrations at once when every auto-approval rule holds"),
        required=False,
    )
    auto_approve_max_amount = _money(
        _("Auto-approve up to (amount)"), required=False, help_text=_("Empty means no limit.")
    )
    auto_approve_min_tier: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Auto-approve from tier"),
        queryset=Tier.objects.none(),
        required=False,
        empty_label=_("Any tier (or none)"),
    )
    escalation_contact = MemberChoiceField(
        label=_("Escalation contact"),
        queryset=Membership.objects.none(),
        required=False,
        empty_label=_("Administrators"),
        help_text=_("Told about overdue reviews when the reviewer has no lead."),
    )
    lead_offer_hours = _number(
        _("Lead offers expire after (hours)"),
        _("A partner that does not answer a lead offer in time loses it."),
        min=1,
    )
    guidance = forms.CharField(
        label=_("Guidance for partners"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Anything else partners should know, shown at the end of the rules page."),
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        currency = tenant.default_currency
        self.fields["minimum_amount"].label = _("Minimum deal size (%(currency)s)") % {
            "currency": currency
        }
        self.fields["minimum_amount"].help_text = _(
            "Smaller registrations in %(currency)s are refused; 0 means no minimum."
        ) % {"currency": currency}
        self.fields["auto_approve_max_amount"].label = _("Auto-approve up to (%(currency)s)") % {
            "currency": currency
        }
        cast(
            forms.ModelChoiceField, self.fields["auto_approve_min_tier"]
        ).queryset = Tier.objects.for_tenant(tenant).order_by("rank")
        cast(forms.ModelChoiceField, self.fields["escalation_contact"]).queryset = (
            Membership.objects.for_tenant(tenant)
            .filter(is_active=True, role__in=sorted(STAFF_ROLES))
            .select_related("user")
            .order_by("user__full_name", "user__email")
        )

    @staticmethod
    def initial_from(rules) -> dict:
        initial = {name: getattr(rules, name) for name in RULE_FIELDS}
        initial["allowed_countries"] = [str(code) for code in rules.allowed_countries]
        return initial

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in RULE_FIELDS}
        data["guidance"] = (data["guidance"] or "").strip()
        return data


# --- review queue -------------------------------------------------------------------------


def rejection_reason_choices():
    return [("", _("Choose a reason…")), *[(str(text), text) for text in REJECTION_REASONS]]


class DecisionForm(forms.Form):
    """Approve (optional reason) or reject (a templated reason, free text, or both)."""

    action = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    template = forms.ChoiceField(label=_("Reason"), required=False)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["template"]).choices = rejection_reason_choices()

    def reason_text(self) -> str:
        """The reason to record: the chosen template, then the free text."""
        parts = [self.cleaned_data.get("template") or "", self.cleaned_data.get("reason") or ""]
        if self.cleaned_data.get("action") == "approve":
            parts = parts[1:]  # templates are rejection reasons
        return " ".join(part.strip() for part in parts if part.strip())


class BulkDecisionForm(DecisionForm):
    # Read as a list in clean_deal_ids. Any id is accepted here; the service decides each
    # one (another tenant's is "No such deal").
    deal_ids = forms.CharField(required=False)

    def clean_deal_ids(self) -> list[int]:
        values = self.data.getlist("deal_ids") if hasattr(self.data, "getlist") else []
        ids: list[int] = []
        for value in values:
            try:
                number = int(value)
            except (TypeError, ValueError):
                continue
            if 0 < number < 2**31 and number not in ids:
                ids.append(number)
        if not ids:
            raise forms.ValidationError(_("Tick the registrations to decide first."))
        if len(ids) > MAX_BULK:
            raise forms.ValidationError(
                _("Decide at most %(count)d registrations at once.") % {"count": MAX_BULK}
            )
        return ids


class AssignForm(forms.Form):
    reviewer = forms.CharField(required=False)

    def reviewer_id(self) -> int | None:
        value = (self.cleaned_data.get("reviewer") or "").strip()
        try:
            return int(value) if value else None
        except ValueError:
            return -1  # the service answers "Choose an active channel manager…"


# --- named accounts -----------------------------------------------------------------------


class NamedAccountForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    domain = forms.CharField(
        label=_("Web domain"),
        max_length=253,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "acme.com"}),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    owner = forms.CharField(
        label=_("Direct account owner"),
        max_length=200,
        required=False,
        help_text=_("Who in direct sales owns the account (shown to reviewers)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["country"]).choices = [
            ("", _("Any country")),
            *countries,
        ]


class NamedAccountUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        help_text=_(
            "Columns name, domain, country, owner (header row first). Accounts already on the "
            "list are updated, not duplicated. One bad row and nothing is imported."
        ),
    )
