"""Forms of the due-diligence pages."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import PartnerType

from .models import HitDisposition, ReviewStatus
from .screening_services import REQUIRABLE_FIELDS


class ListUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


class DecisionForm(forms.Form):
    """Clear or confirm a hit; confirming may also suspend the partner (asked, never
    assumed)."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (HitDisposition.FALSE_POSITIVE, _("False positive: not this party")),
            (HitDisposition.CONFIRMED, _("Confirmed: this is the listed party")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    suspend_partner = forms.BooleanField(
        label=_("Also suspend the partner"),
        required=False,
        help_text=_(
            "Only with a confirmed hit. The partner's people lose access until reinstated."
        ),
    )

    def review_decision(self) -> str:
        return (
            ReviewStatus.CLEARED
            if self.cleaned_data["decision"] == HitDisposition.FALSE_POSITIVE
            else ReviewStatus.CONFIRMED
        )


class ReviewFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *ReviewStatus.choices],
    )


class SettingsForm(forms.Form):
    match_threshold = forms.DecimalField(
        label=_("Match threshold"),
        min_value=Decimal("0.50"),
        max_value=Decimal("1.00"),
        decimal_places=2,
        help_text=_("A name scoring this or more against a list entry is flagged (0.50–1.00)."),
    )
    rescreen_interval_days = forms.IntegerField(
        label=_("Re-screen partners every (days)"), min_value=1, max_value=365
    )

    def __init__(self, *args, required_fields: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        required_fields = required_fields or {}
        for partner_type, label in PartnerType.choices:
            self.fields[f"required_{partner_type}"] = forms.MultipleChoiceField(
                label=label,
                required=False,
                choices=[(key, str(name).capitalize()) for key, name in REQUIRABLE_FIELDS.items()],
                initial=required_fields.get(partner_type, []),
                widget=forms.CheckboxSelectMultiple,
            )

    def required_field_names(self) -> list[str]:
        return [f"required_{partner_type}" for partner_type in PartnerType.values]

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "match_threshold": data["match_threshold"],
            "rescreen_interval_days": data["rescreen_interval_days"],
            "required_fields": {
                partner_type: data[f"required_{partner_type}"]
                for partner_type in PartnerType.values
                if data.get(f"required_{partner_type}")
            },
        }
