"""The welcome-steps/ API (staff) and a partner's welcome-sequence timeline; the
survey-invitations/ API (partner people answer their own) and survey-results/ (staff).
Serializers check shapes; onboarding.sequences_services and surveys_services decide."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from ecosystem.api.idempotency import IdempotentCreateMixin
from ecosystem.errors import ValidationFailed
from ecosystem.permissions import HasCapability, IsTenantMember

from . import sequences_selectors, sequences_services, surveys_selectors, surveys_services
from .models.sequences import (
    SequenceEnrolment,
    StepChannel,
    StepCondition,
    StepRun,
    SurveyInvitation,
    SurveyOccasion,
    WelcomeStep,
)

# --- welcome steps ---------------------------------------------------------------------------


class VariantSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField()


class WelcomeStepSerializer(serializers.ModelSerializer):
    day_offset = serializers.IntegerField(help_text="Days after the start, 0 to 90.")
    channel = serializers.ChoiceField(choices=StepChannel.choices)
    condition = serializers.ChoiceField(
        choices=StepCondition.choices, required=False, allow_blank=True
    )
    subject = serializers.CharField(
        help_text="Plain text; merge fields {{ partner_name }}, {{ first_name }}, "
        "{{ program_name }}."
    )
    body = serializers.CharField(help_text="HTML (sanitised) or plain text, with merge fields.")
    variants = serializers.DictField(
        child=VariantSerializer(),
        required=False,
        help_text="Per partner type (gsi, isv, msp …): a subject and body used instead.",
    )
    sent_count = serializers.IntegerField(read_only=True, default=0)
    skipped_count = serializers.IntegerField(read_only=True, default=0)
    upcoming_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = WelcomeStep
        fields = [
            "id",
            "name",
            "day_offset",
            "channel",
            "subject",
            "body",
            "variants",
            "condition",
            "is_active",
            "sent_count",
            "skipped_count",
            "upcoming_count",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]

    def validate_day_offset(self, value: int) -> int:
        # Checked here and in the service, so the 400 names the field either way.
        if not 0 <= value <= 90:
            raise serializers.ValidationError("Enter a day from 0 (the start) to 90.")
        return value


class WelcomeStepViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The welcome sequence's steps (staff read; admins, channel and marketing managers
    write). Set is_active false to retire a step: its upcoming runs are skipped."""

    queryset = WelcomeStep.objects.none()
    serializer_class = WelcomeStepSerializer
    permission_classes = [IsTenantMember, HasCapability]
    lookup_value_regex = "[0-9]+"
    required_capabilities = {
        "list": "sequences.view",
        "retrieve": "sequences.view",
        "create": "sequences.manage",
        "update": "sequences.manage",
        "partial_update": "sequences.manage",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return sequences_selectors.steps(tenant=self.request.tenant)

    def _respond(self, pk, code=status.HTTP_200_OK):
        step = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(WelcomeStepSerializer(step).data, status=code)

    def create(self, request, *args, **kwargs):
        return self.dispatch_idempotent(request, self._create)

    def _create(self, request):
        body = WelcomeStepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        step = sequences_services.create_step(
            tenant=request.tenant, actor=request.membership, data=body.validated_data
        )
        return self._respond(step.pk, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        step = self.get_object()
        body = WelcomeStepSerializer(step, data=request.data, partial=kwargs.get("partial", False))
        body.is_valid(raise_exception=True)
        sequences_services.update_step(
            tenant=request.tenant,
            actor=request.membership,
            step_id=step.pk,
            data=body.validated_data,
        )
        return self._respond(step.pk)


# --- a partner's timeline --------------------------------------------------------------------


class StepRunSerializer(serializers.ModelSerializer):
    step = serializers.IntegerField(source="step_id")
    step_name = serializers.CharField(source="step.name")
    day_offset = serializers.IntegerField(source="step.day_offset")
    channel = serializers.CharField(source="step.channel")

    class Meta:
        model = StepRun
        fields = [
            "id",
            "step",
            "step_name",
            "day_offset",
            "channel",
            "status",
            "due_at",
            "processed_at",
            "detail",
        ]


class SequenceEnrolmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = SequenceEnrolment
        fields = ["id", "source", "started_at", "stopped_at", "stop_reason"]


class TimelineSerializer(serializers.Serializer):
    partner = serializers.IntegerField()
    enrolment = SequenceEnrolmentSerializer(allow_null=True)
    steps = StepRunSerializer(many=True)


class PartnerSequenceBase(APIView):
    permission_classes = [IsTenantMember, HasCapability]

    def partner(self, request, pk):
        found = sequences_selectors.partner(tenant=request.tenant, pk=pk)
        if found is None:
            raise Http404
        return found

    def timeline(self, request, partner, code=status.HTTP_200_OK):
        body = {
            "partner": partner.pk,
            "enrolment": sequences_selectors.enrolment_of(tenant=request.tenant, partner=partner),
            "steps": list(sequences_selectors.timeline(tenant=request.tenant, partner=partner)),
        }
        return Response(TimelineSerializer(body).data, status=code)


class PartnerSequenceView(PartnerSequenceBase):
    """A partner's place in the welcome sequence: every step, sent, skipped, cancelled or
    upcoming, with its dates (staff)."""

    required_capabilities = {"get": "sequences.view"}

    @extend_schema(responses=TimelineSerializer, summary="A partner's welcome-sequence timeline")
    def get(self, request, pk):
        return self.timeline(request, self.partner(request, pk))


class PartnerSequenceStartView(PartnerSequenceBase):
    """Start the welcome sequence for a partner that was created without an application
    (201; 200 when it had started already; 409 when the partner has left)."""

    required_capabilities = {"post": "sequences.manage"}

    @extend_schema(
        request=None, responses=TimelineSerializer, summary="Start a partner's welcome sequence"
    )
    def post(self, request, pk):
        partner = self.partner(request, pk)
        _enrolment, created = sequences_services.start_sequence(
            tenant=request.tenant, actor=request.membership, partner_id=partner.pk
        )
        return self.timeline(
            request, partner, status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


# --- surveys ---------------------------------------------------------------------------------


class SurveyInvitationSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    person = serializers.EmailField(source="membership.user.email", read_only=True)

    class Meta:
        model = SurveyInvitation
        fields = [
            "id",
            "partner",
            "partner_name",
            "person",
            "occasion",
            "sent_at",
            "expires_at",
            "answered_at",
            "satisfaction",
            "nps",
            "comment",
        ]
        read_only_fields = fields


class SurveyAnswerSerializer(serializers.Serializer):
    satisfaction = serializers.IntegerField(min_value=1, max_value=5, help_text="1 to 5.")
    nps = serializers.IntegerField(
        min_value=0, max_value=10, help_text="How likely to recommend us, 0 to 10."
    )
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class SurveyInvitationFilter(filters.FilterSet):
    partner = filters.NumberFilter(field_name="partner_id")
    occasion = filters.ChoiceFilter(choices=SurveyOccasion.choices)
    answered = filters.BooleanFilter(field_name="answered_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = SurveyInvitation
        fields = ["partner", "occasion", "answered"]


class SurveyInvitationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Survey invitations: partner people see and answer only their own (another person's is
    404); staff see every one. A second answer, or one after expiry, is 409."""

    queryset = SurveyInvitation.objects.none()
    serializer_class = SurveyInvitationSerializer
    permission_classes = [IsTenantMember, HasCapability]
    filterset_class = SurveyInvitationFilter
    lookup_value_regex = "[0-9]+"
    required_capabilities = {
        "list": "portal.use",
        "retrieve": "portal.use",
        "answer": "surveys.answer",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return surveys_selectors.invitations(
            tenant=self.request.tenant, membership=self.request.membership
        )

    @extend_schema(
        request=SurveyAnswerSerializer,
        responses=SurveyInvitationSerializer,
        summary="Answer a survey (once)",
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        body = SurveyAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        invitation = surveys_services.answer_survey(
            tenant=request.tenant,
            actor=request.membership,
            invitation_id=int(pk),  # type: ignore[arg-type]
            data=body.validated_data,
        )
        invitation = get_object_or_404(self.get_queryset(), pk=invitation.pk)
        return Response(SurveyInvitationSerializer(invitation).data)


class TrendSerializer(serializers.Serializer):
    month = serializers.DateTimeField()
    responses = serializers.IntegerField()
    average_satisfaction = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    nps = serializers.IntegerField(allow_null=True)


class CommentSerializer(serializers.Serializer):
    partner = serializers.IntegerField(source="partner_id")
    partner_name = serializers.CharField(source="partner.name")
    satisfaction = serializers.IntegerField()
    nps = serializers.IntegerField()
    comment = serializers.CharField()
    answered_at = serializers.DateTimeField()


class SurveyResultsSerializer(serializers.Serializer):
    invitations = serializers.IntegerField()
    responses = serializers.IntegerField()
    response_rate = serializers.IntegerField(allow_null=True, help_text="Percent answered.")
    average_satisfaction = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    nps = serializers.IntegerField(allow_null=True, help_text="% promoters − % detractors.")
    promoters = serializers.IntegerField()
    passives = serializers.IntegerField()
    detractors = serializers.IntegerField()
    comments = CommentSerializer(many=True)
    trend = TrendSerializer(many=True)


class SurveyResultsQuery(serializers.Serializer):
    partner = serializers.IntegerField(required=False, min_value=1)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)


class SurveyResultsView(APIView):
    """Survey results of the program, or of one partner (?partner=), for invitations sent
    from ?start= up to ?end= (dates, inclusive)."""

    permission_classes = [IsTenantMember, HasCapability]
    required_capabilities = {"get": "surveys.results"}

    @extend_schema(
        parameters=[
            OpenApiParameter("partner", OpenApiTypes.INT),
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
        ],
        responses=SurveyResultsSerializer,
        summary="Survey results (satisfaction, NPS, response rate)",
    )
    def get(self, request):
        from datetime import datetime, time, timedelta

        from ecosystem.portal.selectors import tenant_zone

        query = SurveyResultsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        zone = tenant_zone(request.tenant)
        since = datetime.combine(values["start"], time(), zone) if "start" in values else None
        until = (
            datetime.combine(values["end"] + timedelta(days=1), time(), zone)
            if "end" in values
            else None
        )
        if since and until and until <= since:
            raise ValidationFailed("The end comes before the start.", field="end")
        partner_ids = None
        if "partner" in values:
            partner = sequences_selectors.partner(tenant=request.tenant, pk=values["partner"])
            if partner is None:
                raise ValidationFailed("No such partner.", field="partner")
            partner_ids = [partner.pk]
        results = surveys_selectors.results(
            tenant=request.tenant, partner_ids=partner_ids, since=since, until=until
        )
        return Response(
            SurveyResultsSerializer(
                {**results.__dict__, "response_rate": results.response_rate}
            ).data
        )
