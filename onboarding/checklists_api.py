"""The checklist-templates/, checklists/ and checklist-tasks/ API: staff keep the templates,
start checklists and confirm, waive or reopen tasks; partner people read their organisation's
checklist and its administrator uploads documents and submits forms. Serializers check
shapes; onboarding.checklists_services decides."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from ecosystem.api.idempotency import IdempotentCreateMixin
from ecosystem.permissions import HasCapability, IsTenantMember
from partners.models import PartnerType, Region

from . import checklists_selectors, checklists_services
from .models.checklists import (
    ChecklistTask,
    ChecklistTemplate,
    ChecklistTemplateTask,
    FormSchema,
    PartnerChecklist,
    TaskKind,
)


class TemplateTaskSerializer(serializers.ModelSerializer):
    accepted_extensions = serializers.ListField(
        child=serializers.CharField(max_length=10),
        required=False,
        help_text='document_upload: file extensions accepted, e.g. ["pdf", "png"].',
    )
    max_size_mb = serializers.IntegerField(
        required=False, allow_null=True, help_text="document_upload: the size limit in MB."
    )
    form_schema = serializers.ChoiceField(
        choices=FormSchema.choices, required=False, allow_blank=True, help_text="form: which form."
    )
    agreement_template = serializers.IntegerField(
        source="agreement_template_id", required=False, allow_null=True,
        help_text="agreement: the agreement template to sign.",
    )  # fmt: skip
    course = serializers.IntegerField(
        source="course_id", required=False, allow_null=True,
        help_text="training: the course one of the partner's people completes.",
    )  # fmt: skip
    kind = serializers.ChoiceField(choices=TaskKind.choices)
    is_required = serializers.BooleanField(default=True)

    class Meta:
        model = ChecklistTemplateTask
        fields = [
            "position",
            "title",
            "instructions",
            "is_required",
            "kind",
            "accepted_extensions",
            "max_size_mb",
            "form_schema",
            "agreement_template",
            "course",
        ]
        read_only_fields = ["position"]
        extra_kwargs = {"instructions": {"required": False}}


def _task_input(task: dict) -> dict:
    """Serializer output (…_id sources) as the service's input names."""
    data = dict(task)
    if "agreement_template_id" in data:
        data["agreement_template"] = data.pop("agreement_template_id")
    if "course_id" in data:
        data["course"] = data.pop("course_id")
    return data


class ChecklistTemplateSerializer(serializers.ModelSerializer):
    partner_type = serializers.ChoiceField(choices=PartnerType.choices)
    region = serializers.ChoiceField(
        choices=Region.choices, required=False, allow_blank=True, help_text="Empty: every region."
    )
    tasks = TemplateTaskSerializer(many=True, help_text="The tasks in order; replaced as a whole.")

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "name", "partner_type", "region", "is_active", "tasks", "updated_at"]
        read_only_fields = ["id", "updated_at"]

    def service_data(self) -> dict:
        data = dict(self.validated_data)
        if "tasks" in data:
            data["tasks"] = [_task_input(task) for task in data["tasks"]]
        return data


class ChecklistTaskSerializer(serializers.ModelSerializer):
    agreement_template_name = serializers.CharField(
        source="agreement_template.name", read_only=True, default=None
    )
    course_title = serializers.CharField(source="course.title", read_only=True, default=None)
    masked_values = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text="A form's values as shown: all but the last four characters masked.",
    )
    file_url = serializers.SerializerMethodField()
    next_step = serializers.SerializerMethodField()

    class Meta:
        model = ChecklistTask
        fields = [
            "id",
            "checklist",
            "position",
            "title",
            "instructions",
            "is_required",
            "kind",
            "status",
            "accepted_extensions",
            "max_size_mb",
            "form_schema",
            "agreement_template",
            "agreement_template_name",
            "course",
            "course_title",
            "completed_at",
            "note",
            "reopen_reason",
            "file_name",
            "file_size",
            "file_url",
            "masked_values",
            "next_step",
        ]
        read_only_fields = fields

    def get_file_url(self, task) -> str | None:
        return f"/api/v1/checklist-tasks/{task.pk}/file/" if task.file else None

    def get_next_step(self, task) -> str:
        return checklists_selectors.next_step(task)


class ChecklistSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    partner_status = serializers.CharField(source="partner.status", read_only=True)
    task_count = serializers.IntegerField(read_only=True)
    required_count = serializers.IntegerField(read_only=True)
    required_done = serializers.IntegerField(read_only=True)
    percent_done = serializers.IntegerField(
        read_only=True, help_text="Required tasks done, in percent."
    )

    class Meta:
        model = PartnerChecklist
        fields = [
            "id",
            "partner",
            "partner_name",
            "partner_status",
            "template_name",
            "started_at",
            "completed_at",
            "task_count",
            "required_count",
            "required_done",
            "percent_done",
        ]
        read_only_fields = fields


class ChecklistDetailSerializer(ChecklistSerializer):
    tasks = ChecklistTaskSerializer(many=True, read_only=True)

    class Meta(ChecklistSerializer.Meta):
        fields = [*ChecklistSerializer.Meta.fields, "tasks"]
        read_only_fields = fields


class ChecklistStartSerializer(serializers.Serializer):
    partner = serializers.IntegerField(min_value=1)


class TaskUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="Of a type and size the task accepts.")


class BankingFormSerializer(serializers.Serializer):
    account_holder = serializers.CharField(max_length=200)
    bank_name = serializers.CharField(max_length=200)
    iban = serializers.CharField(max_length=42, required=False, allow_blank=True)
    account_number = serializers.CharField(max_length=34, required=False, allow_blank=True)
    swift_bic = serializers.CharField(max_length=11, required=False, allow_blank=True)


class TaskNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class TaskReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class WaiveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ChecklistTemplateViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Checklist templates (staff): one per partner type and region. Editing a template
    never changes checklists already started from it."""

    queryset = ChecklistTemplate.objects.none()
    serializer_class = ChecklistTemplateSerializer
    permission_classes = [IsTenantMember, HasCapability]
    lookup_value_regex = "[0-9]+"
    required_capabilities = {
        "list": "checklists.manage",
        "retrieve": "checklists.manage",
        "create": "checklists.manage",
        "update": "checklists.manage",
        "partial_update": "checklists.manage",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return checklists_selectors.templates(tenant=self.request.tenant).prefetch_related("tasks")

    def _respond(self, pk, code=status.HTTP_200_OK):
        template = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(ChecklistTemplateSerializer(template).data, status=code)

    def create(self, request, *args, **kwargs):
        return self.dispatch_idempotent(request, self._create)

    def _create(self, request):
        body = ChecklistTemplateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        template = checklists_services.create_template(
            tenant=request.tenant, actor=request.membership, data=body.service_data()
        )
        return self._respond(template.pk, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        template = self.get_object()
        body = ChecklistTemplateSerializer(
            template, data=request.data, partial=kwargs.get("partial", False)
        )
        body.is_valid(raise_exception=True)
        checklists_services.update_template(
            tenant=request.tenant,
            actor=request.membership,
            template_id=template.pk,
            data=body.service_data(),
        )
        return self._respond(template.pk)


class ChecklistFilter(filters.FilterSet):
    partner = filters.NumberFilter(field_name="partner_id")
    is_complete = filters.BooleanFilter(
        field_name="completed_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = PartnerChecklist
        fields = ["partner", "is_complete"]


class ChecklistViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Partners' onboarding checklists. Staff see every one and start one for a partner
    created without an application; partner users see their organisation's."""

    queryset = PartnerChecklist.objects.none()
    serializer_class = ChecklistSerializer
    permission_classes = [IsTenantMember, HasCapability]
    filterset_class = ChecklistFilter
    lookup_value_regex = "[0-9]+"
    required_capabilities = {
        "list": "checklists.view",
        "retrieve": "checklists.view",
        "create": "checklists.manage",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return checklists_selectors.checklists(
            tenant=self.request.tenant,
            membership=self.request.membership,
            sort=self.request.query_params.get("sort", "oldest"),
        )

    def _respond(self, pk, code=status.HTTP_200_OK):
        checklist = checklists_selectors.checklist_detail(
            tenant=self.request.tenant, membership=self.request.membership, pk=pk
        )
        if checklist is None:
            raise Http404
        return Response(ChecklistDetailSerializer(checklist).data, status=code)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "sort", str, enum=list(checklists_selectors.SORTS), description="Default oldest."
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: ChecklistDetailSerializer})
    def retrieve(self, request, *args, **kwargs):
        """The checklist with its tasks; agreement and training tasks are re-checked first."""
        checklist = self.get_object()
        checklists_services.refresh_checklist(
            tenant=request.tenant, partner_id=checklist.partner_id
        )
        return self._respond(checklist.pk)

    @extend_schema(
        request=ChecklistStartSerializer,
        responses={
            201: ChecklistDetailSerializer,
            400: OpenApiResponse(description="No active template fits the partner."),
        },
    )
    def create(self, request, *args, **kwargs):
        """Start a partner's checklist from the template fitting it (returns the existing
        one when the partner has one)."""
        return self.dispatch_idempotent(request, self._create)

    def _create(self, request):
        body = ChecklistStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        checklist = checklists_services.start_checklist(
            tenant=request.tenant,
            actor=request.membership,
            partner_id=body.validated_data["partner"],
        )
        assert checklist is not None  # required=True raises instead
        return self._respond(checklist.pk, status.HTTP_201_CREATED)


def file_response(task: ChecklistTask) -> FileResponse:
    """A task's uploaded document, as a private download."""
    if not task.file or not task.file.name:
        raise Http404
    response = FileResponse(
        task.file.storage.open(task.file.name, "rb"), as_attachment=True, filename=task.file_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class ChecklistTaskViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One task of a checklist and the work on it. 409 when the task's state forbids the
    action (already done, required tasks cannot be waived); 413 for an oversized upload."""

    queryset = ChecklistTask.objects.none()
    serializer_class = ChecklistTaskSerializer
    permission_classes = [IsTenantMember, HasCapability]
    lookup_value_regex = "[0-9]+"
    required_capabilities = {
        "retrieve": "checklists.view",
        "upload": "checklists.submit",
        "submit_form": "checklists.submit",
        "confirm": "checklists.manage",
        "waive": "checklists.manage",
        "reopen": "checklists.manage",
        "file": "checklists.view",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return checklists_selectors.tasks_visible_to(
            tenant=self.request.tenant, membership=self.request.membership
        )

    def _respond(self, pk):
        return Response(ChecklistTaskSerializer(get_object_or_404(self.get_queryset(), pk=pk)).data)

    @extend_schema(
        request={"multipart/form-data": TaskUploadSerializer},
        responses={200: ChecklistTaskSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def upload(self, request, pk=None):
        """Hand in the document a document_upload task asks for."""
        task = self.get_object()
        checklists_services.upload_document(
            tenant=request.tenant,
            actor=request.membership,
            task_id=task.pk,
            upload=request.FILES.get("file"),
        )
        return self._respond(task.pk)

    @extend_schema(request=BankingFormSerializer, responses={200: ChecklistTaskSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="submit-form",
        parser_classes=[JSONParser, FormParser],
    )
    def submit_form(self, request, pk=None):
        """Fill in a form task; the values are encrypted at rest and only shown masked."""
        task = self.get_object()
        checklists_services.submit_form(
            tenant=request.tenant, actor=request.membership, task_id=task.pk, data=request.data
        )
        return self._respond(task.pk)

    @extend_schema(request=TaskNoteSerializer, responses={200: ChecklistTaskSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        task = self.get_object()
        body = TaskNoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        checklists_services.confirm_task(
            tenant=request.tenant,
            actor=request.membership,
            task_id=task.pk,
            note=body.validated_data.get("note", ""),
        )
        return self._respond(task.pk)

    @extend_schema(request=WaiveSerializer, responses={200: ChecklistTaskSerializer})
    @action(detail=True, methods=["post"])
    def waive(self, request, pk=None):
        task = self.get_object()
        body = WaiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        checklists_services.waive_task(
            tenant=request.tenant,
            actor=request.membership,
            task_id=task.pk,
            reason=body.validated_data.get("reason", ""),
        )
        return self._respond(task.pk)

    @extend_schema(request=TaskReasonSerializer, responses={200: ChecklistTaskSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        task = self.get_object()
        body = TaskReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        checklists_services.reopen_task(
            tenant=request.tenant,
            actor=request.membership,
            task_id=task.pk,
            reason=body.validated_data["reason"],
        )
        return self._respond(task.pk)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        """The uploaded document (the partner's people and staff only)."""
        return file_response(self.get_object())
