"""Forms of the welcome-sequence and survey pages. They check shapes; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from partners.models import PartnerType

from .models.sequences import MAX_DAY_OFFSET, StepChannel, StepCondition, WelcomeStep

MERGE_HELP = _("Merge fields: {{ partner_name }}, {{ first_name }}, {{ program_name }}.")


class StepForm(forms.Form):
    name = forms.CharField(max_length=120, help_text=_("Staff see it in timelines."))
    day_offset = forms.IntegerField(
        label=_("Day"),
        min_value=0,
        max_value=MAX_DAY_OFFSET,
        help_text=_("Days after the partner starts: 0 (the same day) to 90."),
    )
    channel = forms.ChoiceField(choices=StepChannel.choices)
    condition = forms.ChoiceField(choices=StepCondition.choices, required=False)
    subject = forms.CharField(max_length=200, help_text=MERGE_HELP)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=format_lazy("{} {}", _("Rich text (HTML is cleaned) or plain text."), MERGE_HELP),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, step: WelcomeStep | None = None, **kwargs):
        if step is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                field: getattr(step, field)
                for field in ("name", "day_offset", "channel", "condition", "subject", "body")
            } | {"is_active": step.is_active}
            for partner_type, content in (step.variants or {}).items():
                kwargs["initial"][f"variant_{partner_type}_subject"] = content.get("subject", "")
                kwargs["initial"][f"variant_{partner_type}_body"] = content.get("body", "")
        super().__init__(*args, **kwargs)
        for value, label in PartnerType.choices:
            self.fields[f"variant_{value}_subject"] = forms.CharField(
                label=_("Subject for %(type)s") % {"type": label}, required=False, max_length=200
            )
            self.fields[f"variant_{value}_body"] = forms.CharField(
                label=_("Message for %(type)s") % {"type": label},
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    def main_fields(self):
        return [self[name] for name in ("name", "day_offset", "channel", "condition", "subject")]

    def variant_groups(self):
        return [
            (label, self[f"variant_{value}_subject"], self[f"variant_{value}_body"])
            for value, label in PartnerType.choices
        ]

    def service_data(self) -> dict:
        data = {
            field: self.cleaned_data[field]
            for field in ("name", "day_offset", "channel", "condition", "subject", "body")
        }
        data["is_active"] = self.cleaned_data["is_active"]
        data["variants"] = {
            value: {
                "subject": self.cleaned_data[f"variant_{value}_subject"],
                "body": self.cleaned_data[f"variant_{value}_body"],
            }
            for value in PartnerType.values
            if self.cleaned_data[f"variant_{value}_subject"]
            or self.cleaned_data[f"variant_{value}_body"]
        }
        return data

    def add_error(self, field, error):
        # The service names a variant problem "variants": show it above the variants.
        super().add_error(None if field == "variants" else field, error)


class SettingsForm(forms.Form):
    coselling_subject = forms.CharField(label=_("Subject"), max_length=200, help_text=MERGE_HELP)
    coselling_body = forms.CharField(
        label=_("Co-selling guide"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=format_lazy(
            "{} {}", _("Sent once, when a partner registers its first deal."), MERGE_HELP
        ),
    )


class EnrolmentFilterForm(forms.Form):
    state = forms.ChoiceField(
        required=False,
        choices=[
            ("", _("All")),
            ("running", _("Running")),
            ("finished", _("Finished")),
            ("stopped", _("Stopped")),
        ],
    )


class SurveyAnswerForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you with the partner program?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 = very dissatisfied, 5 = very satisfied."),
    )
    nps = forms.TypedChoiceField(
        label=_("How likely are you to recommend working with us to a peer?"),
        choices=[(n, str(n)) for n in range(0, 11)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("0 = not at all likely, 10 = extremely likely."),
    )
    comment = forms.CharField(
        label=_("What should we do better?"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
