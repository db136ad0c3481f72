"""The incentives/ API: programs and their rules (staff with incentives.manage write, every
member reads), earning lines and statements (partner users their own organisation's
only), approve/ and pay/ for finance, and calculate/ — what a deal would earn if won now.
Serializers check shapes; mdf.incentives_services decides."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from dealreg.models import RouteToMarket
from dealreg.selectors import deals_visible_to
from ecosystem.api.idempotency import IdempotentCreateMixin
from ecosystem.errors import NotFound, ValidationFailed
from ecosystem.permissions import HasCapability, IsTenantMember
from partners.models import PartnerOrganisation

from . import incentives_rules, incentives_selectors, incentives_services
from .models import (
    Earning,
    EarningKind,
    IncentiveProgram,
    IncentiveRule,
    PayoutMethod,
    ProgramKind,
    SpiffQualifier,
    Statement,
    StatementStatus,
)

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


class IncentiveRuleSerializer(serializers.ModelSerializer):
    # A plain id: the service looks it up in this tenant, so another tenant's tier id gets
    # the same answer as an unknown one.
    tier = serializers.IntegerField(
        source="tier_id", required=False, allow_null=True, min_value=1,
        help_text="A tier's id; empty for partners at any tier.",
    )  # fmt: skip
    tier_name = serializers.CharField(source="tier.name", read_only=True, default=None)
    qualifier = serializers.ChoiceField(
        choices=SpiffQualifier.choices, required=False, allow_blank=True
    )
    text = serializers.SerializerMethodField(help_text="The rule as partners read it.")

    class Meta:
        model = IncentiveRule
        fields = [
            "id",
            "tier",
            "tier_name",
            "percent",
            "fixed_amount",
            "threshold_amount",
            "accelerator_percent",
            "qualifier",
            "product",
            "is_active",
            "text",
        ]
        read_only_fields = ["id", "tier_name", "text"]

    def get_text(self, rule) -> str:
        return incentives_rules.describe_rule(rule, rule.program)


class IncentiveProgramSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=ProgramKind.choices)
    rules = IncentiveRuleSerializer(many=True, read_only=True)

    class Meta:
        model = IncentiveProgram
        fields = [
            "id",
            "name",
            "kind",
            "currency",
            "start_date",
            "end_date",
            "is_active",
            "description",
            "rules",
            "updated_at",
        ]
        read_only_fields = ["id", "rules", "updated_at"]


class IncentiveProgramFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=ProgramKind.choices)
    is_active = filters.BooleanFilter()

    class Meta:
        model = IncentiveProgram
        fields = ["kind", "is_active"]


class IncentiveProgramViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Incentive programs with their rules. Every member reads them (partners must be able
    to work out what they earn); admins and finance write."""

    queryset = IncentiveProgram.objects.none()
    serializer_class = IncentiveProgramSerializer
    permission_classes = [IsTenantMember, HasCapability]
    filterset_class = IncentiveProgramFilter
    lookup_value_regex = "[0-9]+"
    required_capabilities = {
        "list": "incentives.view",
        "retrieve": "incentives.view",
        "create": "incentives.manage",
        "update": "incentives.manage",
        "partial_update": "incentives.manage",
        "rules": "incentives.manage",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return incentives_selectors.programs(tenant=self.request.tenant)

    def _respond(self, pk, code=status.HTTP_200_OK):
        return Response(
            IncentiveProgramSerializer(get_object_or_404(self.get_queryset(), pk=pk)).data,
            status=code,
        )

    def create(self, request, *args, **kwargs):
        return self.dispatch_idempotent(request, self._create)

    def _create(self, request):
        body = IncentiveProgramSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        program = incentives_services.create_program(
            tenant=request.tenant, actor=request.membership, data=body.validated_data
        )
        return self._respond(program.pk, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        program = self.get_object()
        body = IncentiveProgramSerializer(
            program, data=request.data, partial=kwargs.get("partial", False)
        )
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("kind", None)
        incentives_services.update_program(
            tenant=request.tenant, actor=request.membership, program_id=program.pk, data=data
        )
        return self._respond(program.pk)

    @extend_schema(request=IncentiveRuleSerializer, responses={201: IncentiveProgramSerializer})
    @action(detail=True, methods=["post"])
    def rules(self, request, pk=None):
        """Add a rule to the program."""
        program = self.get_object()
        body = IncentiveRuleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data["tier"] = data.pop("tier_id", None)
        incentives_services.add_rule(
            tenant=request.tenant, actor=request.membership, program_id=program.pk, data=data
        )
        return self._respond(program.pk, status.HTTP_201_CREATED)


class IncentiveEarningSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=EarningKind.choices, read_only=True)
    program_name = serializers.CharField(source="program.name", read_only=True)
    deal_title = serializers.CharField(source="deal.title", read_only=True)
    sentence = serializers.CharField(read_only=True)
    trace = serializers.JSONField(read_only=True)

    class Meta:
        model = Earning
        fields = [
            "id",
            "partner",
            "program",
            "program_name",
            "rule",
            "deal",
            "deal_title",
            "statement",
            "kind",
            "reverses",
            "amount",
            "base_amount",
            "currency",
            "period_start",
            "period_end",
            "source_event_id",
            "source_event_name",
            "sentence",
            "trace",
            "reason",
            "created_at",
        ]
        read_only_fields = fields


class IncentiveEarningFilter(filters.FilterSet):
    partner = filters.NumberFilter(field_name="partner_id")
    statement = filters.NumberFilter(field_name="statement_id")
    deal = filters.NumberFilter(field_name="deal_id")
    kind = filters.ChoiceFilter(choices=EarningKind.choices)

    class Meta:
        model = Earning
        fields = ["partner", "statement", "deal", "kind"]


class IncentiveEarningViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Earning lines with their calculation trace; clawbacks are negative lines that
    reference the line they reverse. Partner users see their own organisation's only."""

    queryset = Earning.objects.none()
    serializer_class = IncentiveEarningSerializer
    permission_classes = [IsTenantMember, HasCapability]
    filterset_class = IncentiveEarningFilter
    lookup_value_regex = "[0-9]+"
    required_capabilities = {"list": "incentives.view", "retrieve": "incentives.view"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return incentives_selectors.earnings(
            tenant=self.request.tenant, membership=self.request.membership
        )


class IncentiveStatementSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=StatementStatus.choices, read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    period = serializers.CharField(source="period_label", read_only=True)
    total = serializers.DecimalField(
        **MONEY, read_only=True, help_text="The sum of the statement's lines."
    )
    payment_method = serializers.ChoiceField(
        choices=PayoutMethod.choices, read_only=True, allow_blank=True
    )

    class Meta:
        model = Statement
        fields = [
            "id",
            "partner",
            "partner_name",
            "period",
            "period_start",
            "period_end",
            "currency",
            "status",
            "total",
            "approved_amount",
            "approved_by",
            "approved_at",
            "approval_note",
            "payout_batch",
            "payment_reference",
            "payment_method",
            "paid_on",
            "paid_at",
        ]
        read_only_fields = fields


class IncentiveApproveSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class IncentivePaySerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=100)
    method = serializers.ChoiceField(choices=PayoutMethod.choices)
    paid_on = serializers.DateField(required=False, help_text="Defaults to today.")


class IncentivePayBatchSerializer(IncentivePaySerializer):
    statements = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=500
    )


class IncentivePayoutSerializer(serializers.Serializer):
    batch = serializers.IntegerField()
    reference = serializers.CharField()
    method = serializers.ChoiceField(choices=PayoutMethod.choices)
    paid_on = serializers.DateField()
    statements = IncentiveStatementSerializer(many=True)


class IncentiveStatementFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=StatementStatus.choices)
    partner = filters.NumberFilter(field_name="partner_id")
    period_start = filters.DateFilter()

    class Meta:
        model = Statement
        fields = ["status", "partner", "period_start"]


class IncentiveStatementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Per-partner statements per quarter and currency. Finance approves a draft once and
    pays an approved statement once (409 otherwise); partner users see their own."""

    queryset = Statement.objects.none()
    serializer_class = IncentiveStatementSerializer
    permission_classes = [IsTenantMember, HasCapability]
    filterset_class = IncentiveStatementFilter
    lookup_value_regex = "[0-9]+"
    required_capabilities = {
        "list": "incentives.view",
        "retrieve": "incentives.view",
        "approve": "incentives.approve",
        "pay": "incentives.approve",
        "pay_batch": "incentives.approve",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return incentives_selectors.statements(
            tenant=self.request.tenant, membership=self.request.membership
        )

    def _respond(self, pk):
        return Response(
            IncentiveStatementSerializer(get_object_or_404(self.get_queryset(), pk=pk)).data
        )

    @extend_schema(
        request=IncentiveApproveSerializer,
        responses={
            200: IncentiveStatementSerializer,
            409: OpenApiResponse(description="Not a draft, or nothing to pay."),
        },
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        statement = self.get_object()
        body = IncentiveApproveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        incentives_services.approve_statement(
            tenant=request.tenant,
            actor=request.membership,
            statement_id=statement.pk,
            note=body.validated_data.get("note", ""),
        )
        return self._respond(statement.pk)

    def _paid(self, batch, ids):
        statements = self.get_queryset().filter(pk__in=ids)
        return Response(
            {
                "batch": batch.pk,
                "reference": batch.reference,
                "method": batch.method,
                "paid_on": batch.paid_on,
                "statements": IncentiveStatementSerializer(statements, many=True).data,
            }
        )

    @extend_schema(
        request=IncentivePaySerializer,
        responses={
            200: IncentivePayoutSerializer,
            409: OpenApiResponse(description="Not approved, or already paid."),
        },
    )
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        statement = self.get_object()
        body = IncentivePaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        batch = incentives_services.pay_statements(
            tenant=request.tenant,
            actor=request.membership,
            statement_ids=[statement.pk],
            reference=body.validated_data["reference"],
            method=body.validated_data["method"],
            paid_on=body.validated_data.get("paid_on"),
        )
        return self._paid(batch, [statement.pk])

    @extend_schema(
        operation_id="v1_incentives_statements_pay_batch",
        request=IncentivePayBatchSerializer,
        responses={
            200: IncentivePayoutSerializer,
            409: OpenApiResponse(description="One of them is not approved, or already paid."),
        },
    )
    @action(detail=False, methods=["post"], url_path="pay", url_name="pay-batch")
    def pay_batch(self, request):
        """Pay several approved statements as one payout batch."""
        body = IncentivePayBatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = body.validated_data["statements"]
        if self.get_queryset().filter(pk__in=ids).count() != len(set(ids)):
            raise NotFound("No such statement.")
        batch = incentives_services.pay_statements(
            tenant=request.tenant,
            actor=request.membership,
            statement_ids=ids,
            reference=body.validated_data["reference"],
            method=body.validated_data["method"],
            paid_on=body.validated_data.get("paid_on"),
        )
        return self._paid(batch, ids)


# --- the calculator ---------------------------------------------------------------------------


class IncentiveCalculateSerializer(serializers.Serializer):
    deal = serializers.IntegerField(
        required=False, min_value=1, help_text="A deal's id; or describe the deal below."
    )
    partner = serializers.IntegerField(
        required=False, min_value=1, help_text="Staff only; partner users get their own."
    )
    title = serializers.CharField(required=False, max_length=200, default="This deal")
    amount = serializers.DecimalField(**MONEY, required=False, min_value=0)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False)
    closed_on = serializers.DateField(required=False, help_text="Defaults to today.")
    route_to_market = serializers.ChoiceField(
        choices=RouteToMarket.choices, required=False, default=RouteToMarket.RESALE
    )
    products = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )

    def validate(self, attrs):
        if "deal" not in attrs:
            missing = {
                field: ["Give the deal's id, or this field."]
                for field in ("amount", "currency")
                if field not in attrs
            }
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


class IncentiveLineSerializer(serializers.Serializer):
    program = serializers.IntegerField()
    program_name = serializers.CharField()
    program_kind = serializers.ChoiceField(choices=ProgramKind.choices)
    rule = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)
    base_amount = serializers.DecimalField(**MONEY)
    currency = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    sentence = serializers.CharField()
    trace = serializers.JSONField()


class IncentiveCalculationSerializer(serializers.Serializer):
    currency = serializers.CharField()
    total = serializers.DecimalField(**MONEY)
    lines = IncentiveLineSerializer(many=True)


def calculation(request, data: dict) -> dict:
    """What a deal (by id, or described) would earn if won now; shared with the pages."""
    tenant, membership = request.tenant, request.membership
    if data.get("deal"):
        deal = deals_visible_to(tenant=tenant, membership=membership).filter(pk=data["deal"])
        found = deal.select_related("partner__tier").first()
        if found is None or (
            membership.is_partner_member and found.partner_id != membership.partner_organisation_id
        ):
            raise NotFound("No such deal.")
        partner = found.partner
        facts = incentives_services.deal_facts(
            found, closed_on=data.get("closed_on") or timezone.localdate(),
            amount=data.get("amount"),
        )  # fmt: skip
    else:
        partner = _calculation_partner(tenant, membership, data.get("partner"))
        facts = incentives_rules.DealFacts(
            deal_id=None,
            title=data.get("title") or "This deal",
            amount=data["amount"],
            currency=data["currency"].upper(),
            closed_on=data.get("closed_on") or timezone.localdate(),
            route_to_market=data.get("route_to_market") or RouteToMarket.RESALE,
            products=tuple(data.get("products") or ()),
        )
    lines = incentives_services.calculate(tenant=tenant, partner=partner, facts=facts)
    return {
        "currency": facts.currency,
        "total": sum((line.amount for line in lines), incentives_rules.ZERO),
        "lines": [
            {
                "program": line.program.pk,
                "program_name": line.program.name,
                "program_kind": line.program.kind,
                "rule": line.rule.pk,
                "amount": line.amount,
                "base_amount": line.base_amount,
                "currency": line.currency,
                "period_start": line.period_start,
                "period_end": line.period_end,
                "sentence": line.trace["sentence"],
                "trace": line.trace,
            }
            for line in lines
        ],
    }


def _calculation_partner(tenant, membership, partner_id) -> PartnerOrganisation:
    if membership.is_partner_member:
        partner_id = membership.partner_organisation_id
    elif not partner_id:
        raise ValidationFailed("Choose the partner the deal would be for.", field="partner")
    partner = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .select_related("tier")
        .filter(pk=partner_id)
        .first()
    )
    if partner is None:
        raise ValidationFailed("No such partner in this program.", field="partner")
    return partner


class IncentiveCalculateView(APIView):
    """What a deal would earn if it were won now, line by line with traces. Nothing is
    written; the same rules produce the lines when the deal is won."""

    permission_classes = [IsTenantMember, HasCapability]
    required_capabilities = {"post": "incentives.view"}

    @extend_schema(
        request=IncentiveCalculateSerializer, responses={200: IncentiveCalculationSerializer}
    )
    def post(self, request):
        body = IncentiveCalculateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = calculation(request, body.validated_data)
        return Response(IncentiveCalculationSerializer(result).data)
