"""Forms of the checklist pages; they shape input, onboarding.checklists_services decides."""

from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from partners.models import PartnerOrganisation, PartnerType, Region

from . import checklists_forms_schema as form_schema
from . import checklists_selectors
from .models.checklists import FormSchema, TaskKind
from .models.contracts import AgreementTemplate
from .models.training import Course, CourseStatus


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    partner_type = forms.ChoiceField(label=_("Partner type"), choices=PartnerType.choices)
    region = forms.ChoiceField(
        label=_("Region"),
        choices=[("", _("Every region")), *Region.choices],
        required=False,
        help_text=_("A regional checklist wins over the general one for partners there."),
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    instructions = forms.CharField(
        label=_("Instructions"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=TaskKind.choices)
    is_required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    accepted_extensions = forms.CharField(
        label=_("File types"),
        required=False,
        help_text=_("Uploads: e.g. pdf, png"),
    )
    max_size_mb = forms.IntegerField(label=_("Size limit (MB)"), required=False, min_value=1)
    form_schema = forms.ChoiceField(
        label=_("Form"), choices=[("", "—"), *FormSchema.choices], required=False
    )
    agreement_template = forms.ModelChoiceField(
        label=_("Agreement"), queryset=AgreementTemplate.objects.none(), required=False
    )
    course = forms.ModelChoiceField(
        label=_("Course"), queryset=Course.objects.none(), required=False
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement_template"].queryset = AgreementTemplate.objects.for_tenant(
            tenant
        ).filter(is_active=True)
        self.fields["course"].queryset = Course.objects.for_tenant(tenant).filter(
            status=CourseStatus.PUBLISHED
        )

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("DELETE", None)
        data["accepted_extensions"] = [
            part.strip()
            for part in (data.get("accepted_extensions") or "").split(",")
            if part.strip()
        ]
        return data


TaskFormSet = formset_factory(TaskForm, extra=1, can_delete=True)


def task_initial(tasks: list[dict]) -> list[dict]:
    return [
        {**task, "accepted_extensions": ", ".join(task["accepted_extensions"])} for task in tasks
    ]


class StartForm(forms.Form):
    partner: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Partner"), queryset=PartnerOrganisation.objects.none()
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = checklists_selectors.partners_to_start(tenant=tenant)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))


class BankingForm(forms.Form):
    """The banking details form task; each field from checklists_forms_schema."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in form_schema.SCHEMAS[FormSchema.BANKING]:
            self.fields[field.name] = forms.CharField(
                label=field.label,
                max_length=field.max_length,
                required=field.required,
                help_text=field.help_text,
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class SortForm(forms.Form):
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[("oldest", _("Oldest first")), ("least_complete", _("Least complete first"))],
    )
