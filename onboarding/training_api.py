"""Training API: `courses/` (members read published courses, staff with training.manage
author them; partners enrol and take the quiz), `enrolments/` (partners: their own; staff:
all) and `certifications/` (staff: all; partner users: their organisation's). Serializers
check shape; onboarding.training_services decides and grades."""

from __future__ import annotations

from typing import ClassVar

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ecosystem.api.idempotency import IdempotentCreateMixin
from ecosystem.permissions import HasCapability, IsTenantMember

from . import training_selectors as selectors
from . import training_services as services
from .models.training import Certification, Course, CourseStatus, Enrolment, Module

ID_REGEX = "[0-9]+"


class ModuleSerializer(serializers.ModelSerializer):
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Module
        fields = [
            "id",
            "position",
            "title",
            "body_html",
            "video_embed_url",
            "file_name",
            "file_url",
        ]

    def get_file_url(self, module) -> str | None:
        if not module.file:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("training:module_file", args=[module.pk])
        )


class CourseSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=CourseStatus.choices, required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    module_count = serializers.IntegerField(read_only=True)
    question_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Course
        fields = [
            "id",
            "title",
            "summary",
            "status",
            "estimated_minutes",
            "is_certification",
            "validity_months",
            "pass_mark_percent",
            "max_attempts",
            "module_count",
            "question_count",
            "published_at",
            "updated_at",
        ]
        read_only_fields = ["id", "published_at", "updated_at"]
        # The service checks titles (unique per program) and ranges with clear messages.
        extra_kwargs: ClassVar[dict] = {"title": {"validators": []}}


class CourseDetailSerializer(CourseSerializer):
    modules = ModuleSerializer(many=True, read_only=True)

    class Meta(CourseSerializer.Meta):
        fields = [*CourseSerializer.Meta.fields, "modules"]


class QuizChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class QuizQuestionSerializer(serializers.Serializer):
    """A question as a learner sees it: never which choices are correct."""

    id = serializers.IntegerField()
    text = serializers.CharField()
    kind = serializers.CharField()
    choices = QuizChoiceSerializer(many=True, source="choices.all")


class QuizSubmissionSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="{question id: [choice ids]}; one id for a single-choice question.",
    )


class QuizAttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    score_percent = serializers.IntegerField()
    passed = serializers.BooleanField()
    submitted_at = serializers.DateTimeField()
    attempts_left = serializers.IntegerField()
    course_completed = serializers.BooleanField()


class CourseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Courses. Partner users see published courses only; staff see drafts too. Writes are
    for holders of training.manage; `status` publishes a course or returns it to draft."""

    queryset = Course.objects.none()
    lookup_value_regex = ID_REGEX
    permission_classes = [IsTenantMember, HasCapability]
    filter_backends: list = []
    required_capabilities = {
        "list": "training.view",
        "retrieve": "training.view",
        "create": "training.manage",
        "update": "training.manage",
        "partial_update": "training.manage",
        "enrol": "training.learn",
        "quiz:get": "training.learn",
        "quiz:post": "training.learn",
    }

    def get_serializer_class(self):
        return CourseDetailSerializer if self.action == "retrieve" else CourseSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        courses = selectors.course_list(
            tenant=self.request.tenant,
            membership=self.request.membership,
            filters=self.request.query_params if self.action == "list" else {},
        )
        if self.action == "retrieve":
            courses = courses.prefetch_related("modules")
        return courses

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=CourseStatus.values),
            OpenApiParameter("is_certification", OpenApiTypes.BOOL),
            OpenApiParameter("q", OpenApiTypes.STR, description="Part of the title."),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _write(self, request, course_id=None, *, partial=False):
        serializer = CourseSerializer(data=request.data, partial=partial or course_id is None)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        new_status = data.pop("status", None)
        tenant, actor = request.tenant, request.membership
        if course_id is None:
            course = services.create_course(tenant=tenant, actor=actor, data=data)
        else:
            course = services.update_course(
                tenant=tenant, actor=actor, course_id=course_id, data=data
            )
        if new_status:
            course = services.set_course_status(
                tenant=tenant, actor=actor, course_id=course.pk, status=new_status
            )
        fresh = self.get_queryset().get(pk=course.pk)
        return CourseSerializer(fresh, context={"request": request}).data

    def create(self, request, *args, **kwargs):
        return Response(self._write(request), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        course = self.get_object()
        return Response(self._write(request, course.pk, partial=kwargs.get("partial", False)))

    @extend_schema(request=None, responses={201: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def enrol(self, request, pk=None):
        """Enrol the signed-in partner user (again: the same enrolment, 200)."""
        course = self.get_object()
        before = selectors.enrolment_of(
            tenant=request.tenant, membership=request.membership, course=course
        )
        enrolment = services.enrol(
            tenant=request.tenant, actor=request.membership, course_id=course.pk
        )
        row = selectors.enrolments_with_progress(request.tenant).get(pk=enrolment.pk)
        return Response(
            EnrolmentSerializer(row).data,
            status=status.HTTP_200_OK if before else status.HTTP_201_CREATED,
        )

    @extend_schema(
        methods=["GET"], request=None, responses={200: QuizQuestionSerializer(many=True)}
    )
    @extend_schema(
        methods=["POST"],
        request=QuizSubmissionSerializer,
        responses={201: QuizAttemptSerializer},
        description="Graded on the server. 409 beyond the attempt limit, before every module "
        "is done, or once the course is completed.",
    )
    @action(detail=True, methods=["get", "post"])
    def quiz(self, request, pk=None):
        """GET: the quiz questions and choices (never the answers). POST: submit an attempt."""
        course = self.get_object()
        if request.method == "GET":
            questions = selectors.quiz_questions(tenant=request.tenant, course=course)
            return Response(QuizQuestionSerializer(questions, many=True).data)
        submission = QuizSubmissionSerializer(data=request.data)
        submission.is_valid(raise_exception=True)
        attempt = services.submit_quiz(
            tenant=request.tenant,
            actor=request.membership,
            course_id=course.pk,
            answers=submission.validated_data["answers"],
        )
        enrolment = attempt.enrolment
        return Response(
            QuizAttemptSerializer(
                {
                    "id": attempt.pk,
                    "score_percent": attempt.score_percent,
                    "passed": attempt.passed,
                    "submitted_at": attempt.submitted_at,
                    "attempts_left": services.attempts_left(enrolment),
                    "course_completed": enrolment.completed_at is not None,
                }
            ).data,
            status=status.HTTP_201_CREATED,
        )


class EnrolmentSerializer(serializers.ModelSerializer):
    course = inline_serializer(
        "EnrolmentCourse", {"id": serializers.IntegerField(), "title": serializers.CharField()}
    )
    person = serializers.SerializerMethodField()
    partner = serializers.IntegerField(source="membership.partner_organisation_id", read_only=True)
    progress_percent = serializers.SerializerMethodField()

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "course",
            "person",
            "partner",
            "enrolled_at",
            "started_at",
            "completed_at",
            "progress_percent",
        ]

    @extend_schema_field(
        inline_serializer(
            "EnrolmentPerson",
            {
                "id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "email": serializers.EmailField(),
            },
        )
    )
    def get_person(self, enrolment) -> dict:
        return {
            "id": enrolment.membership_id,
            "name": enrolment.membership.user.get_full_name(),
            "email": enrolment.membership.user.email,
        }

    def get_progress_percent(self, enrolment) -> int:
        return selectors.progress_percent(enrolment)


class EnrolmentCreateSerializer(serializers.Serializer):
    course = serializers.IntegerField()


class EnrolmentViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Enrolments with progress: a partner user's own; every one for staff. POST enrols the
    signed-in partner user in a published course."""

    queryset = Enrolment.objects.none()
    serializer_class = EnrolmentSerializer
    lookup_value_regex = ID_REGEX
    permission_classes = [IsTenantMember, HasCapability]
    filter_backends: list = []
    required_capabilities = {
        "list": "training.view",
        "retrieve": "training.view",
        "create": "training.learn",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.enrolments_visible_to(
            tenant=self.request.tenant,
            membership=self.request.membership,
            filters=self.request.query_params if self.action == "list" else {},
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("course", OpenApiTypes.INT),
            OpenApiParameter("partner", OpenApiTypes.INT),
            OpenApiParameter("person", OpenApiTypes.INT, description="A membership id."),
            OpenApiParameter("status", OpenApiTypes.STR, enum=["completed", "in_progress"]),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=EnrolmentCreateSerializer, responses={201: EnrolmentSerializer})
    def create(self, request, *args, **kwargs):
        body = EnrolmentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        enrolment = services.enrol(
            tenant=request.tenant, actor=request.membership, course_id=body.validated_data["course"]
        )
        row = self.get_queryset().get(pk=enrolment.pk)
        return Response(EnrolmentSerializer(row).data, status=status.HTTP_201_CREATED)


class CertificationSerializer(serializers.ModelSerializer):
    course = inline_serializer(
        "CertificationCourse", {"id": serializers.IntegerField(), "title": serializers.CharField()}
    )
    partner = inline_serializer(
        "CertificationPartner", {"id": serializers.IntegerField(), "name": serializers.CharField()}
    )
    person = serializers.IntegerField(source="membership_id", read_only=True)
    is_active = serializers.SerializerMethodField()
    verification_url = serializers.SerializerMethodField()

    class Meta:
        model = Certification
        fields = [
            "id",
            "code",
            "holder_name",
            "person",
            "partner",
            "course",
            "issued_on",
            "expires_on",
            "is_active",
            "verification_url",
        ]

    def get_is_active(self, certification) -> bool:
        return not certification.has_expired

    def get_verification_url(self, certification) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("certificate_verify", args=[certification.code])
        )


class CertificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Certifications: staff see all, partner users their organisation's."""

    queryset = Certification.objects.none()
    serializer_class = CertificationSerializer
    lookup_value_regex = ID_REGEX
    permission_classes = [IsTenantMember, HasCapability]
    filter_backends: list = []
    required_capabilities = {"list": "training.view", "retrieve": "training.view"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.certifications_visible_to(
            tenant=self.request.tenant,
            membership=self.request.membership,
            filters=self.request.query_params if self.action == "list" else {},
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("partner", OpenApiTypes.INT),
            OpenApiParameter("course", OpenApiTypes.INT),
            OpenApiParameter("person", OpenApiTypes.INT, description="A membership id."),
            OpenApiParameter(
                "active", OpenApiTypes.BOOL, description="true: unexpired; false: expired."
            ),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
