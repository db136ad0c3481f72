"""API of the tier program's configuration: `tiers/` (with nested requirements),
`tiers/{id}/requirements/`, `tier-requirements/{id}/`, `tier-program/`.

Every member reads (partners must see what each tier gives and needs); holders of
`tiers.manage` write. Serializers check shape; partners.tier_admin decides.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ecosystem.api.idempotency import IdempotentCreateMixin
from ecosystem.permissions import HasCapability, IsTenantMember

from . import tier_admin, tier_selectors
from .models import Comparator, RequirementMode, Tier, TierProgram, TierRequirement


class TierRequirementSerializer(serializers.ModelSerializer):
    tier = serializers.IntegerField(source="tier_id", read_only=True)
    metric = serializers.CharField(
        max_length=64, help_text="A metric code offered by the registry (see the portal)."
    )
    metric_label = serializers.SerializerMethodField()
    comparator = serializers.ChoiceField(choices=Comparator.choices, required=False)
    threshold = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0)
    window_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=tier_admin.MAX_WINDOW_DAYS,
        help_text="Trailing window in days; null means all time.",
    )
    parameter = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Required by some metrics."
    )
    description = serializers.SerializerMethodField(help_text="The rule in plain words.")

    class Meta:
        model = TierRequirement
        fields = [
            "id",
            "tier",
            "metric",
            "metric_label",
            "comparator",
            "threshold",
            "window_days",
            "parameter",
            "description",
        ]
        read_only_fields = ["id"]

    def get_metric_label(self, requirement) -> str:
        return tier_selectors.metric_label(requirement.metric)

    def get_description(self, requirement) -> str:
        return tier_selectors.describe_requirement(requirement)


PERCENT = {"max_digits": 5, "decimal_places": 2, "min_value": 0, "max_value": 100}


class TierSerializer(serializers.ModelSerializer):
    rank = serializers.IntegerField(min_value=0, max_value=tier_admin.MAX_RANK)
    discount_percent = serializers.DecimalField(**PERCENT, required=False)  # type: ignore[arg-type]
    mdf_accrual_percent = serializers.DecimalField(**PERCENT, required=False)  # type: ignore[arg-type]
    lead_priority_weight = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=0, required=False
    )
    requirement_mode = serializers.ChoiceField(choices=RequirementMode.choices, required=False)
    required_count = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="With requirement_mode at_least: how many requirements must hold.",
    )
    requirements = TierRequirementSerializer(many=True, read_only=True)

    class Meta:
        model = Tier
        fields = [
            "id",
            "name",
            "rank",
            "description",
            "discount_percent",
            "mdf_accrual_percent",
            "lead_priority_weight",
            "has_named_contact",
            "benefits_text",
            "requirement_mode",
            "required_count",
            "requirements",
        ]
        read_only_fields = ["id"]
        # Unique name and rank are the service's to decide (409 naming the field).
        validators: list = []


class TierProgramSerializer(serializers.ModelSerializer):
    grace_period_days = serializers.IntegerField(
        min_value=0, max_value=tier_admin.MAX_GRACE_PERIOD_DAYS, required=False
    )
    next_review_on = serializers.DateField(required=False, allow_null=True)

    class Meta:
        model = TierProgram
        fields = ["grace_period_days", "next_review_on", "updated_at"]
        read_only_fields = ["updated_at"]


class TierViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    """The program's tiers by rank, each with its benefits and requirements."""

    queryset = Tier.objects.none()  # for the schema; get_queryset scopes
    serializer_class = TierSerializer
    lookup_value_regex = "[0-9]+"
    permission_classes = [IsTenantMember, HasCapability]
    required_capabilities = {
        "list": "tiers.view",
        "retrieve": "tiers.view",
        "create": "tiers.manage",
        "update": "tiers.manage",
        "partial_update": "tiers.manage",
        "destroy": "tiers.manage",
        "requirements:get": "tiers.view",
        "requirements:post": "tiers.manage",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return tier_selectors.tiers_with_requirements(tenant=self.request.tenant)

    def perform_create(self, serializer):
        serializer.instance = tier_admin.create_tier(
            tenant=self.request.tenant,
            actor=self.request.user,
            data=dict(serializer.validated_data),
        )

    def perform_update(self, serializer):
        tier_admin.update_tier(
            tenant=self.request.tenant,
            actor=self.request.user,
            tier_id=serializer.instance.pk,
            data=dict(serializer.validated_data),
        )
        # Re-read with requirements prefetched for the response.
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        tier_admin.delete_tier(
            tenant=self.request.tenant, actor=self.request.user, tier_id=instance.pk
        )

    @extend_schema(
        methods=["GET"],
        responses=TierRequirementSerializer(many=True),
        summary="The tier's requirements",
    )
    @extend_schema(
        methods=["POST"],
        request=TierRequirementSerializer,
        responses={201: TierRequirementSerializer},
        summary="Add a requirement to the tier",
    )
    @action(detail=True, methods=["get", "post"], serializer_class=TierRequirementSerializer)
    def requirements(self, request, pk=None):
        tier = get_object_or_404(Tier.objects.for_tenant(request.tenant), pk=pk)
        if request.method == "POST":
            return self.dispatch_idempotent(request, self._add_requirement, tier)
        requirements = tier_selectors.requirements_of(tenant=request.tenant).filter(tier=tier)
        page = self.paginate_queryset(requirements)
        return self.get_paginated_response(TierRequirementSerializer(page, many=True).data)

    def _add_requirement(self, request, tier):
        body = TierRequirementSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        requirement = tier_admin.add_requirement(
            tenant=request.tenant,
            actor=request.user,
            tier_id=tier.pk,
            data=dict(body.validated_data),
        )
        return Response(TierRequirementSerializer(requirement).data, status=status.HTTP_201_CREATED)


class TierRequirementViewSet(
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """One requirement of a tier: read, change (PATCH) or remove."""

    queryset = TierRequirement.objects.none()  # for the schema; get_queryset scopes
    serializer_class = TierRequirementSerializer
    lookup_value_regex = "[0-9]+"
    permission_classes = [IsTenantMember, HasCapability]
    http_method_names = ["get", "patch", "delete", "head", "options"]
    required_capabilities = {
        "retrieve": "tiers.view",
        "partial_update": "tiers.manage",
        "destroy": "tiers.manage",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return tier_selectors.requirements_of(tenant=self.request.tenant)

    def perform_update(self, serializer):
        serializer.instance = tier_admin.update_requirement(
            tenant=self.request.tenant,
            actor=self.request.user,
            requirement_id=serializer.instance.pk,
            data=dict(serializer.validated_data),
        )

    def perform_destroy(self, instance):
        tier_admin.remove_requirement(
            tenant=self.request.tenant, actor=self.request.user, requirement_id=instance.pk
        )


class TierProgramView(generics.GenericAPIView):
    """The program's rules of movement: grace period before a demotion, next review date."""

    serializer_class = TierProgramSerializer
    permission_classes = [IsTenantMember, HasCapability]
    http_method_names = ["get", "patch", "head", "options"]
    required_capabilities = {"get": "tiers.view", "patch": "tiers.manage"}

    @extend_schema(responses=TierProgramSerializer, summary="Tier program settings")
    def get(self, request):
        return Response(
            TierProgramSerializer(tier_selectors.tier_program(tenant=request.tenant)).data
        )

    @extend_schema(
        request=TierProgramSerializer,
        responses={200: TierProgramSerializer, 400: OpenApiResponse(description="Invalid")},
        summary="Change the tier program settings",
    )
    def patch(self, request):
        body = TierProgramSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        program = tier_admin.update_program(
            tenant=request.tenant, actor=request.user, data=dict(body.validated_data)
        )
        return Response(TierProgramSerializer(program).data)
