"""Forms of the MDF portal pages. They parse what people type; the services decide (their
errors land on the field they name through ecosystem.portal.forms.add_domain_error)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from ecosystem.errors import DomainError, TooLarge

from . import claim_services
from .models import ActivityType, ProofKind

PROOF_ROWS = 4
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
AMOUNT_INPUT = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
PROOF_ACCEPT = ".pdf,.png,.jpg,.jpeg,.webp,.csv,.xlsx,.docx"


def _money_field(label, *, help_text="", required=False):
    return forms.CharField(
        label=label,
        required=required,
        max_length=20,
        widget=AMOUNT_INPUT,
        help_text=help_text,
        error_messages={"required": _("Give an amount such as 2500.00.")},
    )


class RequestForm(forms.Form):
    """A request for pre-approval (new, or edited after changes were asked)."""

    allocation = forms.TypedChoiceField(label=_("Fund"), coerce=int, empty_value=None)
    activity_type = forms.ChoiceField(
        label=_("Activity type"), choices=[("", _("Choose…")), *ActivityType.choices]
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Who it is for, what you will do, how you will follow up the leads."),
    )
    start_date = forms.DateField(
        label=_("First day"),
        widget=DATE_INPUT,
        error_messages={"required": _("Give the activity's first day.")},
    )
    end_date = forms.DateField(
        label=_("Last day"),
        widget=DATE_INPUT,
        error_messages={"required": _("Give the activity's last day.")},
    )
    requested_amount = _money_field(
        _("Amount requested"), required=True, help_text=_("In the fund's currency.")
    )
    expected_leads = forms.IntegerField(
        label=_("Expected leads"), required=False, min_value=0, max_value=1_000_000
    )
    expected_pipeline = _money_field(
        _("Expected pipeline"), help_text=_("The value of the opportunities you expect.")
    )

    def __init__(self, *args, allocations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allocation"].choices = [
            (
                allocation.pk,
                _("%(fund)s — %(remaining)s %(currency)s left")
                % {
                    "fund": allocation.fund.name,
                    "remaining": f"{balance.remaining:,.2f}",
                    "currency": allocation.fund.currency,
                },
            )
            for allocation, balance in allocations
        ]
        if len(self.fields["allocation"].choices) == 1 and not self.is_bound:
            self.initial.setdefault("allocation", self.fields["allocation"].choices[0][0])

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("allocation", None)
        return data


class ApproveForm(forms.Form):
    amount = _money_field(
        _("Amount to approve"), help_text=_("Leave empty to approve the full amount.")
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        help_text=_("Needed when approving less."),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why it is rejected.")},
    )


class ChangesForm(forms.Form):
    message = forms.CharField(
        label=_("What should change"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say what should change.")},
    )


DECISION_FORMS = {"approve": ApproveForm, "reject": RejectForm, "changes": ChangesForm}


class ProofRowsForm(forms.Form):
    """Proof files as rows of (what it proves, file), checked before anything is stored:
    a file too large marks the form `too_large` so the page answers 413."""

    proof_rows = PROOF_ROWS
    too_large = False

    def add_proof_fields(self) -> None:
        for index in range(self.proof_rows):
            self.fields[f"proof_kind_{index}"] = forms.ChoiceField(
                label=_("What it proves"),
                choices=ProofKind.choices,
                required=False,
                initial=ProofKind.INVOICE if index == 0 else ProofKind.OTHER,
            )
            self.fields[f"proof_file_{index}"] = forms.FileField(
                label=_("File"),
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": PROOF_ACCEPT}),
            )

    def proof_rows_bound(self):
        return [
            (self[f"proof_kind_{index}"], self[f"proof_file_{index}"])
            for index in range(self.proof_rows)
        ]

    def clean_proofs(self) -> list[tuple[str, object]]:
        proofs = []
        for index in range(self.proof_rows):
            upload = self.cleaned_data.get(f"proof_file_{index}")
            if not upload:
                continue
            try:
                claim_services.validate_proof(upload, field=f"proof_file_{index}")
            except DomainError as error:
                if isinstance(error, TooLarge):
                    self.too_large = True
                self.add_error(f"proof_file_{index}", error.message)
                continue
            kind = self.cleaned_data.get(f"proof_kind_{index}") or ProofKind.OTHER
            proofs.append((kind, upload))
        return proofs


def proof_help() -> str:
    return _(
        "PDF, PNG, JPEG, WebP, CSV, XLSX or DOCX, at most %(size)s each: invoices, photos of "
        "the event, attendee lists, screenshots of the campaign."
    ) % {"size": filesizeformat(settings.ATTACHMENT_MAX_BYTES)}


class ClaimForm(ProofRowsForm):
    """The claim after the activity (new, or edited after changes were asked)."""

    claimed_amount = _money_field(
        _("Amount claimed"), required=True, help_text=_("What the activity actually cost.")
    )
    leads_generated = forms.IntegerField(
        label=_("Leads generated"), required=False, min_value=0, max_value=1_000_000
    )
    results = forms.CharField(
        label=_("Results"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Attendance, clicks, meetings booked, opportunities opened."),
    )
    linked_leads = forms.TypedMultipleChoiceField(
        label=_("Leads from this activity"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    linked_deals = forms.TypedMultipleChoiceField(
        label=_("Deals from this activity"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, leads=(), deals=(), proofs_required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["linked_leads"].choices = [
            (lead.pk, f"{lead.company_name} ({lead.get_status_display()})") for lead in leads
        ]
        self.fields["linked_deals"].choices = [
            (deal.pk, f"{deal.title} — {deal.customer_name}") for deal in deals
        ]
        self.proofs_required = proofs_required
        self.add_proof_fields()

    def clean(self):
        cleaned = super().clean()
        self.proofs = self.clean_proofs()
        if self.proofs_required and not self.proofs and not self.errors:
            self.add_error(
                "proof_file_0",
                _(
                    "Attach proof of performance: an invoice, photos, an attendee list or "
                    "screenshots."
                ),
            )
        return cleaned

    def service_data(self) -> dict:
        return {
            name: self.cleaned_data.get(name)
            for name in ("claimed_amount", "leads_generated", "results", "linked_leads",
                         "linked_deals")
        }  # fmt: skip


class AddProofForm(ProofRowsForm):
    proof_rows = 1

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_proof_fields()

    def clean(self):
        cleaned = super().clean()
        self.proofs = self.clean_proofs()
        if not self.proofs and not self.errors:
            self.add_error("proof_file_0", _("Choose a file to upload."))
        return cleaned


class QueueFilterForm(forms.Form):
    """Filters of the review queue; an unknown value is dropped, never a 500."""

    partner = forms.TypedChoiceField(label=_("Partner"), required=False, coerce=int)
    activity_type = forms.ChoiceField(
        label=_("Activity"), required=False, choices=[("", _("Any")), *ActivityType.choices]
    )
    fund = forms.TypedChoiceField(label=_("Fund"), required=False, coerce=int)

    def __init__(self, *args, partners=(), funds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [("", _("Any")), *partners]
        self.fields["fund"].choices = [("", _("Any")), *funds]

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            name: value
            for name in ("partner", "activity_type", "fund")
            if (value := getattr(self, "cleaned_data", {}).get(name)) not in (None, "")
        }
