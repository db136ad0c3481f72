"""Training and certification: courses of ordered modules with an optional quiz, learning
paths per partner type and role, enrolments with progress, and certifications."""

from __future__ import annotations

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecosystem.tenancy.models import TenantOwnedModel
from ecosystem.tenancy.roles import PARTNER_ROLE_CHOICES
from partners.models import PartnerType


class CourseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Course(TenantOwnedModel):
    """A course: ordered modules, then (when it has questions) a quiz graded on the server.

    A certification course issues a Certification valid for `validity_months` when passed.
    """

    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=CourseStatus.choices, default=CourseStatus.DRAFT
    )
    estimated_minutes = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(10000)]
    )
    is_certification = models.BooleanField(default=False)
    validity_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("How long a certification stays valid (certification courses)."),
    )
    pass_mark_percent = models.PositiveSmallIntegerField(
        default=80, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    max_attempts = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Quiz attempts allowed per enrolment."),
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["tenant", "status"], name="course_tenant_status")]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "title"], name="course_title_per_tenant"),
            models.CheckConstraint(
                condition=models.Q(is_certification=False)
                | models.Q(validity_months__isnull=False),
                name="course_certification_needs_validity",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == CourseStatus.PUBLISHED


def module_file_path(instance: Module, filename: str) -> str:
    # Never the uploaded name as a path: only its validated extension survives.
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"tenants/{instance.tenant_id}/training/{secrets.token_hex(12)}.{extension}"


class Module(TenantOwnedModel):
    """One step of a course: sanitised rich text, an optional video embed and file."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    body_html = models.TextField(blank=True, help_text=_("Sanitised on save."))
    video_url = models.URLField(blank=True, help_text=_("The link as entered."))
    video_embed_url = models.URLField(blank=True)
    file = models.FileField(upload_to=module_file_path, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["tenant", "course"], name="module_tenant_course")]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")


class Question(TenantOwnedModel):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    text = models.TextField()
    kind = models.CharField(
        max_length=16, choices=QuestionKind.choices, default=QuestionKind.SINGLE
    )

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["tenant", "course"], name="question_tenant_course")]

    def __str__(self) -> str:
        return self.text[:80]


class Choice(TenantOwnedModel):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(max_length=300)
    is_correct = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["tenant", "question"], name="choice_tenant_question")]

    def __str__(self) -> str:
        return self.text


class LearningPath(TenantOwnedModel):
    """An ordered list of courses for partners of one type and people in one role; an empty
    type or role means every type or every role."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    partner_type = models.CharField(max_length=16, choices=PartnerType.choices, blank=True)
    role = models.CharField(max_length=32, choices=PARTNER_ROLE_CHOICES, blank=True)
    courses = models.ManyToManyField(Course, through="PathCourse", related_name="paths")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="learning_path_name_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name


class PathCourse(TenantOwnedModel):
    path = models.ForeignKey(LearningPath, on_delete=models.CASCADE, related_name="steps")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="path_steps")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "path", "course"], name="path_course_once_per_path"
            )
        ]

    def __str__(self) -> str:
        return f"{self.path_id}:{self.course_id}"


class Enrolment(TenantOwnedModel):
    """A person (a partner Membership) taking a course. `started_at` begins the current
    cycle: a recertification after expiry starts a new one (attempts count per cycle)."""

    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    enrolled_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-enrolled_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "membership", "course"], name="enrolment_once_per_course"
            )
        ]
        indexes = [models.Index(fields=["tenant", "course"], name="enrolment_tenant_course")]

    def __str__(self) -> str:
        return f"{self.membership_id} in {self.course_id}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None


class ModuleCompletion(TenantOwnedModel):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="completions")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "enrolment", "module"], name="module_completed_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}:{self.module_id}"


class QuizAttempt(TenantOwnedModel):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attempts")
    submitted_at = models.DateTimeField(default=timezone.now)
    score_percent = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    answers = models.JSONField(default=dict, help_text=_("{question id: [choice ids]}"))

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.score_percent}%"


def new_certificate_code() -> str:
    """20 random base-32 characters (100 bits), grouped for reading aloud."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(20))
    return "-".join(raw[i : i + 5] for i in range(0, 20, 5))


class Certification(TenantOwnedModel):
    """Proof a person passed a certification course; valid until `expires_on`."""

    code = models.CharField(max_length=32, default=new_certificate_code, editable=False)
    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="certifications"
    )
    partner = models.ForeignKey(
        "partners.PartnerOrganisation", on_delete=models.CASCADE, related_name="certifications"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certifications")
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    holder_name = models.CharField(max_length=200)
    issued_on = models.DateField()
    expires_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="certification_code_unique")
        ]
        indexes = [
            models.Index(fields=["tenant", "partner", "expires_on"], name="cert_tenant_partner"),
            models.Index(fields=["tenant", "course", "expires_on"], name="cert_tenant_course"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.holder_name})"

    @property
    def has_expired(self) -> bool:
        return self.expires_on < timezone.localdate()
