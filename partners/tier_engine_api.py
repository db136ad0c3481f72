"""API of the tier engine: a partner's progress and history, overrides, the simulator."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ecosystem.permissions import HasCapability, IsTenantMember

from . import selectors, tiers
from .models import TierChange


class TierRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    rank = serializers.IntegerField()


class ProgressRequirementSerializer(serializers.Serializer):
    metric = serializers.CharField()
    description = serializers.CharField()
    value = serializers.DecimalField(max_digits=18, decimal_places=2)
    threshold = serializers.DecimalField(max_digits=18, decimal_places=2)
    passed = serializers.BooleanField()
    gap = serializers.CharField()


class OverrideSerializer(serializers.Serializer):
    tier = TierRefSerializer(read_only=True)
    reason = serializers.CharField()
    expires_on = serializers.DateField()


class TierProgressSerializer(serializers.Serializer):
    tier = TierRefSerializer(allow_null=True)
    qualified_tier = TierRefSerializer(allow_null=True)
    next_tier = TierRefSerializer(allow_null=True)
    requirements = ProgressRequirementSerializer(many=True)
    summary = serializers.CharField()
    demotion_due_on = serializers.DateField(allow_null=True)
    override = OverrideSerializer(allow_null=True)


class TierChangeSerializer(serializers.ModelSerializer):
    from_tier = TierRefSerializer(allow_null=True)
    to_tier = TierRefSerializer(allow_null=True)

    class Meta:
        model = TierChange
        fields = [
            "id",
            "kind",
            "from_tier",
            "to_tier",
            "metric_values",
            "requirement_results",
            "reason",
            "created_at",
        ]


class SetOverrideSerializer(serializers.Serializer):
    tier = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True)
    expires_on = serializers.DateField()


class PartnerTierBase(APIView):
    permission_classes = [IsTenantMember, HasCapability]

    def partner(self, request, pk):
        return get_object_or_404(
            selectors.partners_visible_to(tenant=request.tenant, membership=request.membership),
            pk=pk,
        )


class TierProgressView(PartnerTierBase):
    """Where the partner stands: its tier and, for the next tier, each requirement's gap."""

    required_capabilities = {"get": "partners.view"}

    @extend_schema(responses=TierProgressSerializer, summary="A partner's tier progress")
    def get(self, request, pk):
        partner = self.partner(request, pk)
        progress = tiers.progress_for(tenant=request.tenant, partner=partner)
        body = {
            **progress,
            "qualified_tier": partner.qualified_tier,
            "override": progress["override"],
        }
        return Response(TierProgressSerializer(body).data)


class TierHistoryView(PartnerTierBase):
    """Every change of the partner's tier with the metric values behind it (newest first)."""

    required_capabilities = {"get": "partners.view"}

    @extend_schema(responses=TierChangeSerializer(many=True), summary="A partner's tier history")
    def get(self, request, pk):
        partner = self.partner(request, pk)
        changes = (
            TierChange.objects.for_tenant(request.tenant)
            .filter(partner=partner)
            .select_related("from_tier", "to_tier")
        )
        from ecosystem.api.pagination import Pagination

        paginator = Pagination()
        page = paginator.paginate_queryset(changes, request, view=self)
        return paginator.get_paginated_response(TierChangeSerializer(page, many=True).data)


class TierOverrideView(PartnerTierBase):
    """Staff set a partner's tier by hand (reason, expiry) or end the override."""

    required_capabilities = {"post": "partners.manage", "delete": "partners.manage"}

    @extend_schema(
        request=SetOverrideSerializer,
        responses={201: OverrideSerializer},
        summary="Override a partner's tier until a date",
    )
    def post(self, request, pk):
        partner = self.partner(request, pk)
        body = SetOverrideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        override = tiers.set_override(
            tenant=request.tenant,
            actor=request.user,
            partner_id=partner.pk,
            tier_id=body.validated_data["tier"],
            reason=body.validated_data["reason"],
            expires_on=body.validated_data["expires_on"],
        )
        return Response(OverrideSerializer(override).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None}, summary="End a tier override now")
    def delete(self, request, pk):
        partner = self.partner(request, pk)
        tiers.end_override(tenant=request.tenant, actor=request.user, partner_id=partner.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


DRAFT_SCHEMA = inline_serializer(
    "TierRulesDraft",
    {
        "tiers": serializers.ListField(
            child=inline_serializer(
                "TierRulesDraftTier",
                {
                    "id": serializers.IntegerField(),
                    "requirement_mode": serializers.ChoiceField(["all", "at_least"]),
                    "required_count": serializers.IntegerField(allow_null=True),
                    "requirements": serializers.ListField(
                        child=inline_serializer(
                            "TierRulesDraftRequirement",
                            {
                                "metric": serializers.CharField(),
                                "comparator": serializers.CharField(),
                                "threshold": serializers.DecimalField(
                                    max_digits=18, decimal_places=2
                                ),
                                "window_days": serializers.IntegerField(allow_null=True),
                                "parameter": serializers.CharField(),
                            },
                        )
                    ),
                },
            )
        )
    },
)

MOVE_SCHEMA = inline_serializer(
    "TierSimulation",
    {
        "counts": serializers.DictField(child=serializers.IntegerField()),
        "moves": serializers.ListField(child=serializers.DictField()),
    },
)


class TierSimulateView(APIView):
    """POST a draft of the tier rules; get how many partners would move, and which."""

    permission_classes = [IsTenantMember, HasCapability]
    required_capabilities = {"post": "tiers.manage"}

    @extend_schema(request=DRAFT_SCHEMA, responses=MOVE_SCHEMA, summary="Simulate tier rules")
    def post(self, request):
        rules = tiers.rules_from_json(tenant=request.tenant, data=request.data)
        return Response(tiers.simulate(tenant=request.tenant, rules=rules))


class TierPublishView(APIView):
    """Make a draft the program's rules and re-evaluate every partner."""

    permission_classes = [IsTenantMember, HasCapability]
    required_capabilities = {"post": "tiers.manage"}

    @extend_schema(
        request=DRAFT_SCHEMA,
        responses=inline_serializer(
            "TierPublishResult",
            {
                "evaluated": serializers.IntegerField(),
                "changes": serializers.DictField(child=serializers.IntegerField()),
            },
        ),
        summary="Publish tier rules",
    )
    def post(self, request):
        rules = tiers.rules_from_json(tenant=request.tenant, data=request.data)
        summary = tiers.publish_rules(tenant=request.tenant, actor=request.user, rules=rules)
        return Response({"evaluated": summary.evaluated, "changes": summary.changes})
