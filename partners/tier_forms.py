"""Forms of the tier settings pages. They check shape; partners.tier_admin decides."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .metrics import available_metrics
from .models import Comparator, RequirementMode


def _percent(label):
    return forms.DecimalField(
        label=label,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        initial=Decimal(0),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class TierForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    rank = forms.IntegerField(
        label=_("Rank"),
        min_value=0,
        max_value=32767,
        help_text=_("Higher is better: Registered 1, Silver 2, Gold 3 …"),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    discount_percent = _percent(_("Discount (%)"))
    mdf_accrual_percent = _percent(_("MDF accrual (% of revenue)"))
    lead_priority_weight = forms.DecimalField(
        label=_("Lead priority weight"),
        min_value=Decimal(0),
        max_value=Decimal("9999.99"),
        max_digits=6,
        decimal_places=2,
        initial=Decimal(1),
        help_text=_("Multiplies the partner's score when leads are routed; 1 is neutral."),
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    has_named_contact = forms.BooleanField(label=_("Named channel manager"), required=False)
    benefits_text = forms.CharField(
        label=_("Other benefits"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What else partners at this tier get, in plain words."),
    )
    requirement_mode = forms.ChoiceField(
        label=_("Qualifying"),
        choices=RequirementMode.choices,
        initial=RequirementMode.ALL,
        widget=forms.RadioSelect,
    )
    required_count = forms.IntegerField(
        label=_("How many must hold"),
        required=False,
        min_value=1,
        help_text=_("Only with “at least N requirements”."),
    )

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class RequirementForm(forms.Form):
    metric = forms.ChoiceField(label=_("Metric"))
    comparator = forms.ChoiceField(
        label=_("Comparison"), choices=Comparator.choices, initial=Comparator.GTE
    )
    threshold = forms.DecimalField(
        label=_("Threshold"),
        min_value=Decimal(0),
        max_digits=18,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    window_days = forms.IntegerField(
        label=_("Over the last … days"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("Empty means all time. Some metrics are not measured over a window."),
    )
    parameter = forms.CharField(label=_("Parameter"), required=False, max_length=100)

    def __init__(self, *args, prefix_id: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        metrics = available_metrics()
        metric_field = self.fields["metric"]
        assert isinstance(metric_field, forms.ChoiceField)
        metric_field.choices = [(m.code, m.label) for m in metrics]
        needing = [f"{m.label}: {m.parameter_label}" for m in metrics if m.parameter_label]
        self.fields["parameter"].help_text = (
            _("Needed by: %(metrics)s.") % {"metrics": "; ".join(needing)}
            if needing
            else _("None of the offered metrics needs one; leave it empty.")
        )
        if prefix_id:  # several forms on one page: keep ids unique
            self.auto_id = f"id_{prefix_id}_%s"

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["parameter"] = data.get("parameter") or ""
        return data


class TierProgramForm(forms.Form):
    grace_period_days = forms.IntegerField(
        label=_("Grace period before a demotion (days)"),
        min_value=0,
        max_value=730,
        help_text=_("A partner that stops qualifying keeps its tier this long, and is warned."),
    )
    next_review_on = forms.DateField(
        label=_("Next review date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("When set, demotions wait for this date instead of the grace period."),
    )


class AttestationForm(forms.Form):
    """Staff confirm a benefit the platform cannot measure (partners.commitment_services
    decides whether it is attestable and what the value may be)."""

    benefit = forms.CharField(max_length=64, widget=forms.HiddenInput)
    value = forms.DecimalField(
        label=_("Value"),
        max_digits=18,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    attested_on = forms.DateField(
        label=_("Checked on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Where it is configured"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
