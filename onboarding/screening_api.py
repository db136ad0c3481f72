"""Due-diligence API: restricted-party list uploads, screening results per application or
partner, hits and compliance reviews with their decide actions. Staff only."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from ecosystem.permissions import HasCapability, IsTenantMember

from . import screening_selectors, screening_services
from .models import (
    ComplianceReview,
    HitDisposition,
    RestrictedParty,
    RestrictedPartyList,
    ReviewStatus,
    ScreeningCheck,
    ScreeningHit,
    ScreeningRun,
)


class RestrictedPartyListSerializer(serializers.ModelSerializer):
    error_count = serializers.SerializerMethodField()

    class Meta:
        model = RestrictedPartyList
        fields = [
            "id",
            "file_name",
            "status",
            "total_rows",
            "entry_count",
            "error_count",
            "created_at",
            "activated_at",
            "replaced_at",
        ]
        read_only_fields = fields

    def get_error_count(self, party_list) -> int:
        return len(party_list.errors)


class ListErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    field = serializers.CharField()
    message = serializers.CharField()


class RestrictedPartyListDetailSerializer(RestrictedPartyListSerializer):
    rows = serializers.ListField(child=serializers.DictField(), read_only=True)

    class Meta(RestrictedPartyListSerializer.Meta):
        fields = [*RestrictedPartyListSerializer.Meta.fields, "errors", "rows"]
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        # Declared here, not as a class attribute: `errors` is also Serializer's property.
        fields["errors"] = ListErrorSerializer(many=True, read_only=True)
        return fields


class ListUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class EntrySerializer(serializers.ModelSerializer):
    list_id = serializers.IntegerField(source="party_list_id", read_only=True)

    class Meta:
        model = RestrictedParty
        fields = [
            "id",
            "list_id",
            "name",
            "aliases",
            "country",
            "party_type",
            "source",
            "reference",
        ]
        read_only_fields = fields


class HitSerializer(serializers.ModelSerializer):
    entry = EntrySerializer(read_only=True)
    score = serializers.DecimalField(max_digits=4, decimal_places=3, coerce_to_string=False)
    partner = serializers.IntegerField(source="partner_id", read_only=True)

    class Meta:
        model = ScreeningHit
        fields = [
            "id",
            "partner",
            "kind",
            "subject",
            "score",
            "entry",
            "disposition",
            "decision_reason",
            "decided_at",
            "first_seen_at",
            "last_seen_at",
        ]
        read_only_fields = fields


class CheckSerializer(serializers.ModelSerializer):
    score = serializers.DecimalField(
        max_digits=4, decimal_places=3, coerce_to_string=False, allow_null=True
    )
    hit = serializers.IntegerField(source="hit_id", allow_null=True, read_only=True)

    class Meta:
        model = ScreeningCheck
        fields = ["kind", "subject", "status", "detail", "score", "hit"]
        read_only_fields = fields


class RunSerializer(serializers.ModelSerializer):
    checks = CheckSerializer(many=True, read_only=True)
    partner = serializers.IntegerField(source="partner_id", read_only=True)
    application = serializers.IntegerField(source="application_id", allow_null=True, read_only=True)
    list_id = serializers.IntegerField(source="party_list_id", allow_null=True, read_only=True)

    class Meta:
        model = ScreeningRun
        fields = [
            "id",
            "partner",
            "application",
            "list_id",
            "trigger",
            "status",
            "created_at",
            "checks",
        ]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    hit = HitSerializer(read_only=True)
    partner = serializers.IntegerField(source="partner_id", read_only=True)
    assigned_to = serializers.IntegerField(source="assigned_to_id", allow_null=True, read_only=True)

    class Meta:
        model = ComplianceReview
        fields = [
            "id",
            "partner",
            "status",
            "hit",
            "assigned_to",
            "opened_at",
            "decided_at",
            "decision_reason",
            "partner_suspended",
        ]
        read_only_fields = fields


class HitDecisionSerializer(serializers.Serializer):
    disposition = serializers.ChoiceField(
        choices=[HitDisposition.FALSE_POSITIVE, HitDisposition.CONFIRMED]
    )
    reason = serializers.CharField()
    suspend_partner = serializers.BooleanField(default=False)


class ReviewDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[ReviewStatus.CLEARED, ReviewStatus.CONFIRMED])
    reason = serializers.CharField()
    suspend_partner = serializers.BooleanField(default=False)


class RestrictedPartyListViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Upload a restricted-party CSV to preview it, then activate it (replacing the active
    list whole, and re-screening every partner) or discard it."""

    queryset = RestrictedPartyList.objects.none()
    lookup_value_regex = "[0-9]+"
    permission_classes = [IsTenantMember, HasCapability]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    required_capabilities = {
        "list": "compliance.manage",
        "retrieve": "compliance.manage",
        "create": "compliance.manage",
        "activate": "compliance.manage",
        "discard": "compliance.manage",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        if self.action == "list":
            return screening_selectors.party_lists(tenant=self.request.tenant)
        return screening_selectors.party_list_detail(tenant=self.request.tenant)

    def get_serializer_class(self):
        if self.action == "list":
            return RestrictedPartyListSerializer
        return RestrictedPartyListDetailSerializer

    @extend_schema(
        request={"multipart/form-data": ListUploadSerializer},
        responses={
            201: RestrictedPartyListDetailSerializer,
            400: OpenApiResponse(description="Not a readable CSV file, or the name column missing"),
            413: OpenApiResponse(description="Over the size or row limit"),
        },
        summary="Upload a restricted-party CSV and preview it",
    )
    def create(self, request):
        body = ListUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        party_list = screening_services.preview_list(
            tenant=request.tenant,
            actor=request.membership,
            uploaded_file=body.validated_data["file"],
        )
        return Response(
            RestrictedPartyListDetailSerializer(party_list).data, status=status.HTTP_201_CREATED
        )

    def _act(self, request, pk, service):
        party_list = get_object_or_404(self.get_queryset(), pk=pk)
        party_list = service(tenant=request.tenant, actor=request.membership, list_id=party_list.pk)
        return Response(RestrictedPartyListDetailSerializer(party_list).data)

    @extend_schema(
        request=None,
        responses={
            200: RestrictedPartyListDetailSerializer,
            409: OpenApiResponse(description="Has errors, or already activated or discarded"),
        },
        summary="Activate a previewed list: it replaces the active one, whole",
    )
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        return self._act(request, pk, screening_services.activate_list)

    @extend_schema(
        request=None,
        responses={200: RestrictedPartyListDetailSerializer, 409: OpenApiResponse()},
        summary="Discard a previewed list",
    )
    @action(detail=True, methods=["post"])
    def discard(self, request, pk=None):
        return self._act(request, pk, screening_services.discard_list)


def _id_filter(request, name: str) -> int | None:
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    if not raw.isdigit():
        raise serializers.ValidationError({name: ["Give a number."]})
    return int(raw)


ID_FILTERS = [
    OpenApiParameter("application", OpenApiTypes.INT, description="An application's id"),
    OpenApiParameter("partner", OpenApiTypes.INT, description="A partner's id"),
]


@extend_schema(parameters=ID_FILTERS)
class ScreeningRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Screening results: each run (at submission, scheduled, or after a list change) with
    the outcome of each check, newest first."""

    queryset = ScreeningRun.objects.none()
    serializer_class = RunSerializer
    lookup_value_regex = "[0-9]+"
    permission_classes = [IsTenantMember, HasCapability]
    required_capabilities = {"list": "compliance.view", "retrieve": "compliance.view"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        filters = {
            "application": _id_filter(self.request, "application"),
            "partner": _id_filter(self.request, "partner"),
        }
        return screening_selectors.runs(tenant=self.request.tenant, filters=filters)


@extend_schema(parameters=ID_FILTERS[1:])
class ScreeningHitViewSet(viewsets.ReadOnlyModelViewSet):
    """List entries that matched a partner's names, once per partner and entry, with the
    reviewer's disposition."""

    queryset = ScreeningHit.objects.none()
    serializer_class = HitSerializer
    lookup_value_regex = "[0-9]+"
    permission_classes = [IsTenantMember, HasCapability]
    required_capabilities = {
        "list": "compliance.view",
        "retrieve": "compliance.view",
        "decide": "compliance.decide",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return screening_selectors.hits(
            tenant=self.request.tenant, partner_id=_id_filter(self.request, "partner")
        )

    @extend_schema(
        request=HitDecisionSerializer,
        responses={200: HitSerializer, 409: OpenApiResponse(description="Already decided")},
        summary="Mark a hit as a false positive or confirm it (optionally suspending)",
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        hit = get_object_or_404(self.get_queryset(), pk=pk)
        body = HitDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        screening_services.decide_hit(
            tenant=request.tenant, actor=request.membership, hit_id=hit.pk, **body.validated_data
        )
        return Response(HitSerializer(get_object_or_404(self.get_queryset(), pk=hit.pk)).data)


@extend_schema(
    parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, enum=ReviewStatus.values),
        ID_FILTERS[1],
    ]
)
class ComplianceReviewViewSet(viewsets.ReadOnlyModelViewSet):
    """Compliance reviews opened by re-screening, oldest first."""

    queryset = ComplianceReview.objects.none()
    serializer_class = ReviewSerializer
    lookup_value_regex = "[0-9]+"
    permission_classes = [IsTenantMember, HasCapability]
    required_capabilities = {
        "list": "compliance.view",
        "retrieve": "compliance.view",
        "decide": "compliance.decide",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        review_status = self.request.query_params.get("status", "")
        if review_status and review_status not in ReviewStatus.values:
            raise serializers.ValidationError({"status": ["Choose open, cleared or confirmed."]})
        return screening_selectors.reviews(
            tenant=self.request.tenant,
            filters={"status": review_status, "partner": _id_filter(self.request, "partner")},
        )

    @extend_schema(
        request=ReviewDecisionSerializer,
        responses={200: ReviewSerializer, 409: OpenApiResponse(description="Already decided")},
        summary="Clear or confirm a review (confirming may suspend the partner, if asked)",
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        review = get_object_or_404(self.get_queryset(), pk=pk)
        body = ReviewDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        screening_services.decide_review(
            tenant=request.tenant,
            actor=request.membership,
            review_id=review.pk,
            **body.validated_data,
        )
        return Response(ReviewSerializer(get_object_or_404(self.get_queryset(), pk=pk)).data)
