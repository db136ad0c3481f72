"""Forms for the training pages. They check shape; onboarding.training_services decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ecosystem.tenancy.roles import PARTNER_ROLE_CHOICES
from partners.models import PartnerType

from .models.training import QuestionKind
from .training_services import MAX_CHOICES


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    estimated_minutes = forms.IntegerField(label=_("Estimated minutes"), initial=30)
    is_certification = forms.BooleanField(
        label=_("Certification course (passing issues a certificate)"), required=False
    )
    validity_months = forms.IntegerField(
        label=_("Certificate validity (months)"),
        required=False,
        help_text=_("Required for a certification course, 1 to 120."),
    )
    pass_mark_percent = forms.IntegerField(
        label=_("Quiz pass mark (%)"), initial=80, help_text=_("1 to 100.")
    )
    max_attempts = forms.IntegerField(
        label=_("Quiz attempts allowed"), initial=3, help_text=_("Per person, 1 to 50.")
    )


class ModuleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body_html = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "HTML: paragraphs, headings, lists, links, tables and code are kept; scripts "
            "and styles are removed."
        ),
    )
    video_url = forms.CharField(
        label=_("Video link"),
        required=False,
        max_length=200,
        help_text=_("An https YouTube or Vimeo link."),
    )
    file = forms.FileField(
        label=_("Downloadable file"),
        required=False,
        help_text=_("PDF, image, office document, text, CSV or ZIP."),
    )
    remove_file = forms.BooleanField(label=_("Remove the current file"), required=False)


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label=_("Answers"), choices=QuestionKind.choices)

    def __init__(self, *args, question=None, **kwargs):
        super().__init__(*args, **kwargs)
        existing = list(question.choices.all()) if question is not None else []
        for index in range(1, MAX_CHOICES + 1):
            choice = existing[index - 1] if index <= len(existing) else None
            self.fields[f"choice_{index}"] = forms.CharField(
                label=_("Choice %(n)s") % {"n": index},
                required=False,
                max_length=300,
                initial=choice.text if choice else "",
            )
            self.fields[f"correct_{index}"] = forms.BooleanField(
                label=_("Correct"), required=False, initial=bool(choice and choice.is_correct)
            )
        if question is not None:
            self.fields["text"].initial = question.text
            self.fields["kind"].initial = question.kind

    def choice_rows(self):
        return [
            (self[f"choice_{index}"], self[f"correct_{index}"])
            for index in range(1, MAX_CHOICES + 1)
        ]

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "text": data["text"],
            "kind": data["kind"],
            "choices": [
                {"text": data[f"choice_{i}"], "is_correct": data[f"correct_{i}"]}
                for i in range(1, MAX_CHOICES + 1)
            ],
        }


class LearningPathForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    partner_type = forms.ChoiceField(
        label=_("Partner type"),
        required=False,
        choices=[("", _("Every partner type")), *PartnerType.choices],
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("Every role")), *PARTNER_ROLE_CHOICES]
    )

    def __init__(self, *args, courses=(), path=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.courses = list(courses)
        positions = {}
        if path is not None:
            positions = {step.course_id: step.position for step in path.steps.all()}
            for field in ("name", "description", "partner_type", "role"):
                self.fields[field].initial = getattr(path, field)
        for course in self.courses:
            self.fields[f"position_{course.pk}"] = forms.IntegerField(
                label=course.title,
                required=False,
                min_value=1,
                max_value=999,
                initial=positions.get(course.pk),
            )

    def course_rows(self):
        return [(course, self[f"position_{course.pk}"]) for course in self.courses]

    def service_data(self) -> dict:
        data = self.cleaned_data
        chosen = [
            (data[f"position_{course.pk}"], index, course.pk)
            for index, course in enumerate(self.courses)
            if data.get(f"position_{course.pk}")
        ]
        return {
            "name": data["name"],
            "description": data["description"],
            "partner_type": data["partner_type"],
            "role": data["role"],
            "course_ids": [pk for _position, _index, pk in sorted(chosen)],
        }


class CourseFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), ("draft", _("Draft")), ("published", _("Published"))],
    )
