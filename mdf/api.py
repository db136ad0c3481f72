"""The mdf/ API (API.md is the contract): funds, allocations and requests. Claims, proof and
payouts are in mdf.api_claims. Serializers check shapes; mdf.services decides.

Staff see the tenant's funds, allocations and requests; partner users see only their own
organisation's allocations and requests (another partner's id is a 404). Every balance shown
comes from mdf.selectors.balances, computed once for the page.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ecosystem.api.idempotency import IdempotentCreateMixin
from ecosystem.errors import NotFound, ValidationFailed
from ecosystem.permissions import HasCapability, IsTenantMember
from partners.models import PartnerType, Region

from . import selectors, services
from .models import (
    ActivityType,
    Allocation,
    AllocationSource,
    Fund,
    FundRequest,
    RequestStatus,
)

ZERO = Decimal("0.00")
#: Funds are the vendor's budgets: every staff role reads them (partners see their part of
#: a fund through allocations/). "partners.view_all" is the capability every staff role has.
STAFF_READ = "partners.view_all"


def money_field(**extra) -> serializers.DecimalField:
    """An amount above zero with at most two decimals, read and written as a string."""
    return serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"), **extra
    )


def balance_field(source: str | None = None) -> serializers.DecimalField:
    extra: dict[str, Any] = {"source": source} if source else {}
    return serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, **extra)


def own_organisation(queryset, membership, path: str):
    """Partner users see only their own organisation's rows; staff see the tenant's."""
    if membership.is_partner_member:
        return queryset.filter(**{path: membership.partner_organisation_id})
    return queryset


# --- reads ------------------------------------------------------------------------------------


def visible_funds(*, tenant):
    return Fund.objects.for_tenant(tenant)


def visible_allocations(*, tenant, membership):
    queryset = Allocation.objects.for_tenant(tenant).select_related("fund", "partner")
    return own_organisation(queryset, membership, "partner_id")


def visible_requests(*, tenant, membership):
    queryset = FundRequest.objects.for_tenant(tenant).select_related(
        "allocation__fund", "allocation__partner"
    )
    return own_organisation(queryset, membership, "allocation__partner_id")


def with_balances(tenant, allocations):
    """Attach each allocation's Balance (one ledger query for all of them)."""
    allocations = list(allocations)
    found = selectors.balances(tenant=tenant, allocation_ids=[a.pk for a in allocations])
    for allocation in allocations:
        allocation.balance = found[allocation.pk]
    return allocations


def with_fund_totals(tenant, funds):
    """Attach what each fund has allocated and has left to allocate: the sum of its
    allocations' balances (two queries for all the funds)."""
    funds = list(funds)
    by_fund: dict[int, list[int]] = defaultdict(list)
    for allocation_id, fund_id in (
        Allocation.objects.for_tenant(tenant)
        .filter(fund_id__in=[fund.pk for fund in funds])
        .values_list("pk", "fund_id")
    ):
        by_fund[fund_id].append(allocation_id)
    found = selectors.balances(
        tenant=tenant, allocation_ids=[pk for ids in by_fund.values() for pk in ids]
    )
    for fund in funds:
        balances = [found[pk] for pk in by_fund[fund.pk]]
        fund.allocated = sum((b.allocated for b in balances), ZERO)
        fund.committed = sum((b.committed for b in balances), ZERO)
        fund.claimed = sum((b.claimed for b in balances), ZERO)
        fund.paid = sum((b.paid for b in balances), ZERO)
        fund.remaining_to_allocate = fund.amount - fund.allocated
    return funds


# --- funds ------------------------------------------------------------------------------------


class MdfFundCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", help_text="ISO 4217 code, e.g. USD.")
    amount = money_field()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    region = serializers.ChoiceField(choices=Region.choices, required=False, allow_blank=True)
    partner_type = serializers.ChoiceField(
        choices=PartnerType.choices, required=False, allow_blank=True
    )
    accrues = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Allocate each partner its tier's accrual % of last period's won revenue.",
    )


class MdfFundSerializer(serializers.ModelSerializer):
    allocated = balance_field()
    remaining_to_allocate = balance_field()
    committed = balance_field()
    claimed = balance_field()
    paid = balance_field()

    class Meta:
        model = Fund
        fields = [
            "id",
            "name",
            "currency",
            "amount",
            "start_date",
            "end_date",
            "region",
            "partner_type",
            "accrues",
            "owner",
            "allocated",
            "remaining_to_allocate",
            "committed",
            "claimed",
            "paid",
            "expired_at",
            "created_at",
        ]
        read_only_fields = fields


class FundFilter(filters.FilterSet):
    currency = filters.CharFilter(field_name="currency", lookup_expr="iexact")
    active_on = filters.DateFilter(method="filter_active_on", label="Funds whose period holds it")

    class Meta:
        model = Fund
        fields = ["currency", "region", "partner_type", "accrues"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(start_date__lte=value, end_date__gte=value)


class FundViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Funds: budgets for a period (staff read; admins and finance create)."""

    queryset = Fund.objects.none()
    serializer_class = MdfFundSerializer
    permission_classes = [IsTenantMember, HasCapability]
    filterset_class = FundFilter
    lookup_value_regex = "[0-9]+"
    required_capabilities = {
        "list": STAFF_READ,
        "retrieve": STAFF_READ,
        "create": "mdf.manage_funds",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return visible_funds(tenant=self.request.tenant)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        funds = with_fund_totals(request.tenant, page)
        return self.get_paginated_response(MdfFundSerializer(funds, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return self._respond(kwargs["pk"])

    def _respond(self, pk, code=status.HTTP_200_OK):
        fund = get_object_or_404(self.get_queryset(), pk=pk)
        (fund,) = with_fund_totals(self.request.tenant, [fund])
        return Response(MdfFundSerializer(fund).data, status=code)

    @extend_schema(request=MdfFundCreateSerializer, responses={201: MdfFundSerializer})
    def create(self, request, *args, **kwargs):
        return self.dispatch_idempotent(request, self._create)

    def _create(self, request):
        body = MdfFundCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fund = services.create_fund(
            tenant=request.tenant, actor=request.membership, data=dict(body.validated_data)
        )
        return self._respond(fund.pk, status.HTTP_201_CREATED)


# --- allocations ------------------------------------------------------------------------------


class MdfAllocationCreateSerializer(serializers.Serializer):
    partner = serializers.IntegerField(min_value=1)
    fund = serializers.IntegerField(min_value=1)
    amount = money_field(help_text="Added to the partner's allocation in the fund.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class MdfAllocationSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    fund_name = serializers.CharField(source="fund.name", read_only=True)
    currency = serializers.CharField(source="fund.currency", read_only=True)
    start_date = serializers.DateField(source="fund.start_date", read_only=True)
    end_date = serializers.DateField(source="fund.end_date", read_only=True)
    allocated = balance_field("balance.allocated")
    committed = balance_field("balance.committed")
    claimed = balance_field("balance.claimed")
    paid = balance_field("balance.paid")
    expired = balance_field("balance.expired")
    remaining = balance_field("balance.remaining")

    class Meta:
        model = Allocation
        fields = [
            "id",
            "partner",
            "partner_name",
            "fund",
            "fund_name",
            "currency",
            "start_date",
            "end_date",
            "source",
            "note",
            "allocated",
            "committed",
            "claimed",
            "paid",
            "expired",
            "remaining",
            "created_at",
        ]
        read_only_fields = fields


class AllocationFilter(filters.FilterSet):
    partner = filters.NumberFilter(field_name="partner_id")
    fund = filters.NumberFilter(field_name="fund_id")
    source = filters.ChoiceFilter(choices=AllocationSource.choices)

    class Meta:
        model = Allocation
        fields = ["partner", "fund", "source"]


class AllocationViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Each partner's part of a fund with its balance. POST allocates more of a fund to a
    partner (admins and finance); partner users see their own organisation's only."""

    queryset = Allocation.objects.none()
    serializer_class = MdfAllocationSerializer
    permission_classes = [IsTenantMember, HasCapability]
    filterset_class = AllocationFilter
    lookup_value_regex = "[0-9]+"
    required_capabilities = {
        "list": "mdf.view",
        "retrieve": "mdf.view",
        "create": "mdf.manage_funds",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return visible_allocations(tenant=self.request.tenant, membership=self.request.membership)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        allocations = with_balances(request.tenant, page)
        return self.get_paginated_response(MdfAllocationSerializer(allocations, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return self._respond(kwargs["pk"])

    def _respond(self, pk, code=status.HTTP_200_OK):
        allocation = get_object_or_404(self.get_queryset(), pk=pk)
        (allocation,) = with_balances(self.request.tenant, [allocation])
        return Response(MdfAllocationSerializer(allocation).data, status=code)

    @extend_schema(
        request=MdfAllocationCreateSerializer,
        responses={
            201: MdfAllocationSerializer,
            409: OpenApiResponse(description="Not that much of the fund is left to allocate."),
        },
    )
    def create(self, request, *args, **kwargs):
        return self.dispatch_idempotent(request, self._create)

    def _create(self, request):
        body = MdfAllocationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            allocation = services.allocate(
                tenant=request.tenant,
                actor=request.membership,
                fund_id=data["fund"],
                partner_id=data["partner"],
                amount=data["amount"],
                note=data.get("note", ""),
            )
        except NotFound:
            raise ValidationFailed("No such fund in this program.", field="fund") from None
        return self._respond(allocation.pk, status.HTTP_201_CREATED)


# --- requests ---------------------------------------------------------------------------------


class MdfRequestCreateSerializer(serializers.Serializer):
    allocation = serializers.IntegerField(min_value=1)
    activity_type = serializers.ChoiceField(choices=ActivityType.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    requested_amount = money_field()
    expected_leads = serializers.IntegerField(required=False, min_value=0, max_value=1_000_000)
    expected_pipeline = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False
    )


class MdfRequestSerializer(serializers.ModelSerializer):
    fund = serializers.IntegerField(source="allocation.fund_id", read_only=True)
    fund_name = serializers.CharField(source="allocation.fund.name", read_only=True)
    partner = serializers.IntegerField(source="allocation.partner_id", read_only=True)
    partner_name = serializers.CharField(source="allocation.partner.name", read_only=True)
    currency = serializers.CharField(source="allocation.fund.currency", read_only=True)

    class Meta:
        model = FundRequest
        fields = [
            "id",
            "allocation",
            "fund",
            "fund_name",
            "partner",
            "partner_name",
            "activity_type",
            "title",
            "description",
            "start_date",
            "end_date",
            "requested_amount",
            "approved_amount",
            "currency",
            "expected_leads",
            "expected_pipeline",
            "status",
            "decision_reason",
            "decided_at",
            "claim_deadline",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MdfApproveSerializer(serializers.Serializer):
    amount = money_field(
        required=False, allow_null=True, help_text="Less than asked needs a reason."
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class MdfRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class MdfChangesSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=2000, help_text="What should change.")


class RequestFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RequestStatus.choices)
    allocation = filters.NumberFilter(field_name="allocation_id")
    partner = filters.NumberFilter(field_name="allocation__partner_id")
    fund = filters.NumberFilter(field_name="allocation__fund_id")
    activity_type = filters.ChoiceFilter(choices=ActivityType.choices)

    class Meta:
        model = FundRequest
        fields = ["status", "allocation", "partner", "fund", "activity_type"]


class FundRequestViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Requests for pre-approval of an activity. Partner admins and marketers submit for
    their organisation; channel and marketing managers decide. Approved requests never
    exceed their allocation, also under concurrent approvals (the loser gets 409)."""

    queryset = FundRequest.objects.none()
    serializer_class = MdfRequestSerializer
    permission_classes = [IsTenantMember, HasCapability]
    filterset_class = RequestFilter
    lookup_value_regex = "[0-9]+"
    required_capabilities = {
        "list": "mdf.view",
        "retrieve": "mdf.view",
        "create": "mdf.request",
        "approve": "mdf.review",
        "reject": "mdf.review",
        "request_changes": "mdf.review",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return visible_requests(tenant=self.request.tenant, membership=self.request.membership)

    def _request(self, pk) -> FundRequest:
        return get_object_or_404(self.get_queryset(), pk=pk)

    def _respond(self, pk, code=status.HTTP_200_OK):
        return Response(MdfRequestSerializer(self._request(pk)).data, status=code)

    @extend_schema(request=MdfRequestCreateSerializer, responses={201: MdfRequestSerializer})
    def create(self, request, *args, **kwargs):
        return self.dispatch_idempotent(request, self._create)

    def _create(self, request):
        body = MdfRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        fund_request = services.submit_request(
            tenant=request.tenant,
            actor=request.membership,
            allocation_id=data.pop("allocation"),
            data=data,
        )
        return self._respond(fund_request.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=MdfApproveSerializer,
        responses={
            200: MdfRequestSerializer,
            409: OpenApiResponse(
                description="Already decided, or not that much left in the allocation."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        fund_request = self._request(pk)
        body = MdfApproveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.approve_request(
            tenant=request.tenant,
            actor=request.membership,
            request_id=fund_request.pk,
            amount=body.validated_data.get("amount"),
            reason=body.validated_data.get("reason", ""),
        )
        return self._respond(fund_request.pk)

    @extend_schema(
        request=MdfRejectSerializer,
        responses={200: MdfRequestSerializer, 409: OpenApiResponse(description="Decided.")},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        fund_request = self._request(pk)
        body = MdfRejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.reject_request(
            tenant=request.tenant,
            actor=request.membership,
            request_id=fund_request.pk,
            reason=body.validated_data["reason"],
        )
        return self._respond(fund_request.pk)

    @extend_schema(
        request=MdfChangesSerializer,
        responses={200: MdfRequestSerializer, 409: OpenApiResponse(description="Decided.")},
    )
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, pk=None):
        fund_request = self._request(pk)
        body = MdfChangesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.request_changes(
            tenant=request.tenant,
            actor=request.membership,
            request_id=fund_request.pk,
            message=body.validated_data["message"],
        )
        return self._respond(fund_request.pk)
