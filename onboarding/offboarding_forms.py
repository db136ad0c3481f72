"""Forms for offboarding and reactivating a partner."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import PartnerOrganisation, PartnerStatus

from .models import Offboarding


class OffboardForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the partner leaves"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    work_handling = forms.ChoiceField(
        label=_("Open deals and leads"),
        choices=Offboarding.WorkHandling.choices,
        initial=Offboarding.WorkHandling.RELEASE,
        widget=forms.RadioSelect,
    )
    reassign_to = forms.ModelChoiceField(
        label=_("Reassign to"),
        queryset=PartnerOrganisation.objects.none(),
        required=False,
        help_text=_("An active partner; only when reassigning."),
    )

    def __init__(self, *args, tenant, partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reassign_to"].queryset = (
            PartnerOrganisation.objects.for_tenant(tenant)
            .filter(status=PartnerStatus.ACTIVE)
            .exclude(pk=partner.pk)
            .order_by("name")
        )

    def clean(self):
        data = super().clean()
        reassigning = data.get("work_handling") == Offboarding.WorkHandling.REASSIGN
        if reassigning and not data.get("reassign_to"):
            self.add_error("reassign_to", _("Choose the partner that takes the work over."))
        if not reassigning:
            data["reassign_to"] = None
        return data


class ReactivateForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the partner comes back"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    to_status = forms.ChoiceField(
        label=_("Return as"),
        choices=[
            (PartnerStatus.ACTIVE, PartnerStatus.ACTIVE.label),
            (PartnerStatus.ONBOARDING, PartnerStatus.ONBOARDING.label),
        ],
    )
