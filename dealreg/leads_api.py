"""The leads/ and routing-rules/ API (API.md is the contract): leads with their offers,
the partner's answer, staff routing decisions, the "why this partner" replay and the
routing fairness report. Serializers check shapes; dealreg.leads decides."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_countries.serializer_fields import CountryField
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from ecosystem.api.idempotency import IdempotentCreateMixin
from ecosystem.permissions import HasCapability, IsTenantMember
from partners.api import CountryListField
from partners.models import PartnerType, Region

from . import lead_import, lead_selectors, leads, routing_rules
from .models import Lead, LeadOffer, LeadStatus, RoutingRule

CURRENCY = serializers.RegexField(
    r"^[A-Za-z]{3}$", required=False, allow_blank=True, help_text="ISO 4217 code, e.g. EUR."
)
CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")
MAX_REPORT_DAYS = 731


class OfferSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)

    class Meta:
        model = LeadOffer
        fields = [
            "id",
            "partner",
            "partner_name",
            "status",
            "rank",
            "score",
            "is_override",
            "reason",
            "offered_at",
            "expires_at",
            "responded_at",
        ]
        read_only_fields = fields


class RoutedOfferSerializer(OfferSerializer):
    """An offer with the stored score breakdown that chose its partner."""

    breakdown = serializers.JSONField(
        read_only=True,
        help_text=(
            "score, rank, components [{key, label, kind, raw, detail, normalised, weight, "
            "contribution}], eligibility notes, rule, candidates, excluded, override."
        ),
    )

    class Meta(OfferSerializer.Meta):
        fields = [*OfferSerializer.Meta.fields, "breakdown"]
        read_only_fields = fields


class LeadSerializer(serializers.ModelSerializer):
    country = CountryField()
    partner_name = serializers.CharField(
        source="partner.name", read_only=True, allow_null=True, default=None
    )
    offer = serializers.SerializerMethodField(
        help_text="The open offer (its expiry is the answer's deadline), or null."
    )

    class Meta:
        model = Lead
        fields = [
            "id",
            "company_name",
            "company_domain",
            "contact_name",
            "contact_email",
            "contact_phone",
            "country",
            "interest",
            "products",
            "estimated_amount",
            "currency",
            "source",
            "status",
            "partner",
            "partner_name",
            "offer",
            "deal",
            "lost_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OfferSerializer(allow_null=True))
    def get_offer(self, lead) -> dict | None:
        offer = lead_selectors.open_offer(lead)
        return OfferSerializer(offer).data if offer is not None else None

    def to_representation(self, lead):
        data = super().to_representation(lead)
        membership = self.context["request"].membership
        # A partner sees who to contact once it has accepted the lead, not while deciding.
        if membership.is_partner_member and lead.status == LeadStatus.OFFERED:
            for name in CONTACT_FIELDS:
                data[name] = ""
        return data


class LeadCreateSerializer(serializers.Serializer):
    company_name = serializers.CharField(max_length=200)
    company_domain = serializers.CharField(max_length=253, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    country = CountryField()
    interest = serializers.CharField(max_length=200, required=False, allow_blank=True)
    products = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )
    estimated_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    currency = CURRENCY
    route = serializers.BooleanField(
        default=True, help_text="Offer it to the best eligible partner at once (default)."
    )


class LeadReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class LeadOptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class OverrideSerializer(serializers.Serializer):
    partner = serializers.IntegerField(min_value=1, help_text="The partner to offer the lead to.")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class RoutingReplaySerializer(serializers.Serializer):
    lead = serializers.IntegerField()
    status = serializers.ChoiceField(choices=LeadStatus.choices)
    routing_note = serializers.CharField(
        help_text="Why no partner could be offered the lead, when it is new or declined."
    )
    offers = RoutedOfferSerializer(many=True)


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV: company_name, country, … (see dealreg.leads).")
    route = serializers.BooleanField(default=True)
    dry_run = serializers.BooleanField(default=False, help_text="Check only; write nothing.")


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    field = serializers.CharField()
    message = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    total_rows = serializers.IntegerField()
    created = serializers.IntegerField()
    offered = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField())
    dry_run = serializers.BooleanField()
    errors = RowErrorSerializer(many=True)  # type: ignore[assignment]  # a field, not the attribute


class _Counted(serializers.Serializer):
    offers = serializers.IntegerField()
    accepted = serializers.IntegerField()


class _ReportTotals(serializers.Serializer):
    offers = serializers.IntegerField()
    open = serializers.IntegerField()
    accepted = serializers.IntegerField()
    declined = serializers.IntegerField()
    expired = serializers.IntegerField()
    withdrawn = serializers.IntegerField()
    overrides = serializers.IntegerField()
    leads = serializers.IntegerField()
    partners = serializers.IntegerField()
    sla_pullbacks = serializers.IntegerField()
    leads_created = serializers.IntegerField()
    acceptance_rate = serializers.FloatField(allow_null=True)


class _Hours(serializers.Serializer):
    median = serializers.FloatField(allow_null=True)
    average = serializers.FloatField(allow_null=True)


class _Reason(serializers.Serializer):
    reason = serializers.CharField()
    count = serializers.IntegerField()


class _TierRow(_Counted):
    tier = serializers.CharField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    leads = serializers.IntegerField()


class _RegionRow(_Counted):
    region = serializers.ChoiceField(choices=Region.choices)
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not the attribute


class _PartnerRow(_Counted):
    partner = serializers.IntegerField()
    partner_name = serializers.CharField()
    declined = serializers.IntegerField()
    expired = serializers.IntegerField()
    overrides = serializers.IntegerField()


class _SourceCount(serializers.Serializer):
    source = serializers.ChoiceField(choices=Lead.Source.choices)  # type: ignore[assignment]  # a field, not the attribute
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not the attribute
    count = serializers.IntegerField()


class _RegionCount(serializers.Serializer):
    region = serializers.ChoiceField(choices=Region.choices)
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not the attribute
    count = serializers.IntegerField()


class RoutingReportSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    totals = _ReportTotals()
    hours_to_accept = _Hours()
    hours_to_decline = _Hours()
    decline_reasons = _Reason(many=True)
    by_tier = _TierRow(many=True)
    by_partner_region = _RegionRow(many=True)
    by_partner = _PartnerRow(many=True)
    leads_by_source = _SourceCount(many=True)
    leads_by_region = _RegionCount(many=True)


class LeadFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=LeadStatus.choices)
    partner = filters.NumberFilter(field_name="partner_id")
    country = filters.CharFilter(method="filter_country")
    source = filters.ChoiceFilter(choices=Lead.Source.choices)
    search = filters.CharFilter(method="filter_search", label="Company or contact contains")

    class Meta:
        model = Lead
        fields = ["status", "partner", "country", "source"]

    def filter_country(self, queryset, name, value):
        return queryset.filter(country=value.strip().upper()[:2])

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(company_name__icontains=value)
            | Q(company_domain__icontains=value)
            | Q(contact_name__icontains=value)
        )


def _report_period(request) -> lead_selectors.Period:
    today = timezone.localdate()
    errors = {}
    values: dict[str, date] = {}
    for name, default in (("start", today - timedelta(days=29)), ("end", today)):
        raw = request.query_params.get(name, "").strip()
        try:
            values[name] = date.fromisoformat(raw) if raw else default
        except ValueError:
            errors[name] = ["Enter a date as YYYY-MM-DD."]
    if errors:
        raise ValidationError(errors)
    if values["start"] > values["end"]:
        raise ValidationError({"end": ["The end must not be before the start."]})
    if (values["end"] - values["start"]).days >= MAX_REPORT_DAYS:
        raise ValidationError({"start": [f"Choose at most {MAX_REPORT_DAYS} days."]})
    return lead_selectors.Period(values["start"], values["end"])


class LeadViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Leads. Staff see all and route them; partner users see the leads offered to or
    accepted by their organisation, answer offers and convert accepted leads to deals."""

    queryset = Lead.objects.none()  # for the schema; get_queryset scopes
    serializer_class = LeadSerializer
    permission_classes = [IsTenantMember, HasCapability]
    filterset_class = LeadFilter
    lookup_value_regex = "[0-9]+"
    required_capabilities = {
        "list": "leads.view",
        "retrieve": "leads.view",
        "create": "leads.manage",
        "import_file": "leads.manage",
        "report": "leads.manage",
        "accept": "leads.respond",
        "decline": "leads.respond",
        "convert": "leads.respond",
        "lost": ("leads.manage", "leads.respond"),
        "route": "leads.manage",
        "override": "leads.manage",
        "withdraw": "leads.manage",
        "routing": "leads.manage",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return lead_selectors.lead_list(
            tenant=self.request.tenant, membership=self.request.membership
        )

    def get_serializer_class(self):
        if self.action == "create":
            return LeadCreateSerializer
        return LeadSerializer

    def _lead(self, pk) -> Lead:
        return get_object_or_404(self.get_queryset(), pk=pk)

    def _respond(self, pk, code=status.HTTP_200_OK):
        lead = self._lead(pk)
        return Response(LeadSerializer(lead, context={"request": self.request}).data, status=code)

    @extend_schema(request=LeadCreateSerializer, responses={201: LeadSerializer})
    def create(self, request, *args, **kwargs):
        return self.dispatch_idempotent(request, self._create)

    def _create(self, request):
        body = LeadCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        route = data.pop("route", True)
        if "country" in data:
            data["country"] = str(data["country"])
        lead = leads.create_lead(
            tenant=request.tenant,
            actor=request.membership,
            data=data,
            source=Lead.Source.API,
            route=route,
        )
        return self._respond(lead.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": ImportSerializer},
        responses={
            201: ImportResultSerializer,
            200: OpenApiResponse(ImportResultSerializer, description="dry_run: checked only"),
            400: OpenApiResponse(ImportResultSerializer, description="Row errors: nothing written"),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request):
        """Import leads from a CSV file, all or nothing (row errors → 400, nothing written)."""
        body = ImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = lead_import.import_leads(
            tenant=request.tenant,
            actor=request.membership,
            uploaded_file=body.validated_data["file"],
            route=body.validated_data["route"],
            dry_run=body.validated_data["dry_run"],
        )
        data = {
            "total_rows": result.total_rows,
            "created": len(result.leads),
            "offered": result.offered,
            "ids": [lead.pk for lead in result.leads],
            "dry_run": result.dry_run,
            "errors": result.errors,
        }
        if result.errors:
            code = status.HTTP_400_BAD_REQUEST
        elif result.dry_run:
            code = status.HTTP_200_OK
        else:
            code = status.HTTP_201_CREATED
        return Response(data, status=code)

    @extend_schema(
        parameters=[
            OpenApiParameter("start", date, description="First day (default: 29 days ago)"),
            OpenApiParameter("end", date, description="Last day, inclusive (default: today)"),
        ],
        responses={200: RoutingReportSerializer},
    )
    @action(detail=False, methods=["get"])
    def report(self, request):
        """The routing fairness report for a period: offers made in it by outcome, time to
        accept, declines and their reasons, SLA pullbacks, overrides, and the spread of
        offers over tiers, partner regions and partners."""
        period = _report_period(request)
        return Response(lead_selectors.routing_report(tenant=request.tenant, period=period))

    def _answer(self, pk, service, **arguments):
        lead = self._lead(pk)
        service(
            tenant=self.request.tenant, actor=self.request.membership, lead_id=lead.pk, **arguments
        )
        return self._respond(lead.pk)

    @extend_schema(
        request=None,
        responses={200: LeadSerializer, 409: OpenApiResponse(description="Not on offer")},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept the lead offered to your organisation."""
        return self._answer(pk, leads.accept_offer)

    @extend_schema(
        request=LeadReasonSerializer,
        responses={200: OfferSerializer, 409: OpenApiResponse(description="Not on offer")},
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline the lead offered to your organisation, saying why. The answer is your
        declined offer: the lead goes to the next partner and leaves your list."""
        lead = self._lead(pk)
        body = LeadReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        offer = leads.decline_offer(
            tenant=request.tenant,
            actor=request.membership,
            lead_id=lead.pk,
            reason=body.validated_data["reason"],
        )
        return Response(OfferSerializer(offer).data)

    @extend_schema(
        request=None,
        responses={201: LeadSerializer, 409: OpenApiResponse(description="Not accepted")},
    )
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        """Register the accepted lead as a deal in one click; `deal` holds its id."""
        lead = self._lead(pk)
        leads.convert_to_deal(tenant=request.tenant, actor=request.membership, lead_id=lead.pk)
        return self._respond(lead.pk, status.HTTP_201_CREATED)

    @extend_schema(request=LeadReasonSerializer, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"])
    def lost(self, request, pk=None):
        """Close the lead as lost (staff, or the partner that accepted it)."""
        body = LeadReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(pk, leads.mark_lost, reason=body.validated_data["reason"])

    @extend_schema(
        request=None,
        responses={200: LeadSerializer, 409: OpenApiResponse(description="Already on offer")},
    )
    @action(detail=True, methods=["post"])
    def route(self, request, pk=None):
        """Offer a new (or declined) lead to the best eligible partner not offered it yet."""
        return self._answer(pk, leads.route_lead)

    @extend_schema(request=OverrideSerializer, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"])
    def override(self, request, pk=None):
        """Offer the lead to a partner of your choosing (recorded as an override)."""
        body = OverrideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(
            pk,
            leads.override_route,
            partner_id=body.validated_data["partner"],
            reason=body.validated_data.get("reason", ""),
        )

    @extend_schema(request=LeadOptionalReasonSerializer, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take an offered or accepted lead back from the partner; it is new again."""
        body = LeadOptionalReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(pk, leads.withdraw_offer, reason=body.validated_data.get("reason", ""))

    @extend_schema(responses={200: RoutingReplaySerializer})
    @action(detail=True, methods=["get"])
    def routing(self, request, pk=None):
        """Why this partner: every offer of the lead with the score breakdown that chose it."""
        lead = self._lead(pk)
        offers = (
            LeadOffer.objects.for_tenant(request.tenant)
            .filter(lead=lead)
            .select_related("partner")
            .order_by("offered_at", "id")
        )
        return Response(
            {
                "lead": lead.pk,
                "status": lead.status,
                "routing_note": lead_selectors.routing_note(tenant=request.tenant, lead=lead),
                "offers": RoutedOfferSerializer(offers, many=True).data,
            }
        )


class RoutingRuleSerializer(serializers.ModelSerializer):
    lead_countries = CountryListField(required=False)
    partner_countries = CountryListField(required=False)
    partner_regions = serializers.ListField(
        child=serializers.ChoiceField(choices=Region.choices), required=False
    )
    partner_types = serializers.ListField(
        child=serializers.ChoiceField(choices=PartnerType.choices), required=False
    )
    specialisation = serializers.IntegerField(
        source="specialisation_id", required=False, allow_null=True, min_value=1
    )
    minimum_tier = serializers.IntegerField(
        source="minimum_tier_id", required=False, allow_null=True, min_value=1
    )

    class Meta:
        model = RoutingRule
        fields = [
            "id",
            "name",
            "priority",
            "is_active",
            "lead_countries",
            "interest_contains",
            "partner_countries",
            "partner_regions",
            "partner_types",
            "specialisation",
            "minimum_tier",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


def _rule_data(validated: dict) -> dict:
    data = dict(validated)
    for name in ("specialisation", "minimum_tier"):
        if f"{name}_id" in data:
            data[name] = data.pop(f"{name}_id")
    return data


class RoutingRuleViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    """Routing rules: which partners may receive which leads (the first active rule whose
    lead criteria match decides). Lead managers only."""

    queryset = RoutingRule.objects.none()  # for the schema; get_queryset scopes
    serializer_class = RoutingRuleSerializer
    permission_classes = [IsTenantMember, HasCapability]
    lookup_value_regex = "[0-9]+"
    required_capabilities = {
        "list": "leads.manage",
        "retrieve": "leads.manage",
        "create": "leads.manage",
        "update": "leads.manage",
        "partial_update": "leads.manage",
        "destroy": "leads.manage",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return lead_selectors.routing_rules(tenant=self.request.tenant)

    def perform_create(self, serializer):
        serializer.instance = routing_rules.create_rule(
            tenant=self.request.tenant,
            actor=self.request.membership,
            data=_rule_data(serializer.validated_data),
        )

    def perform_update(self, serializer):
        serializer.instance = routing_rules.update_rule(
            tenant=self.request.tenant,
            actor=self.request.membership,
            rule_id=serializer.instance.pk,
            data=_rule_data(serializer.validated_data),
        )

    def perform_destroy(self, instance):
        routing_rules.delete_rule(
            tenant=self.request.tenant, actor=self.request.membership, rule_id=instance.pk
        )
