"""The deals/ API (API.md is the contract): register, duplicate-check, decide, close, work
the deal together. Serializers check shapes; dealreg.services and .collaboration decide."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django_countries.serializer_fields import CountryField
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from ecosystem.api.idempotency import IdempotentCreateMixin
from ecosystem.permissions import HasCapability, IsTenantMember

from . import collaboration, matching, selectors, services
from .duplicates import find_duplicates
from .models import (
    AppealOutcome,
    Deal,
    DealAppeal,
    DealEvent,
    DealMessage,
    DealParticipant,
    DealStage,
    DealStatus,
    ParticipantRole,
    ProtectionExtension,
    RouteToMarket,
    VendorHelpRequest,
)
from .recommendations import recommend_partners
from .rules import rules_for

CURRENCY = serializers.RegexField(r"^[A-Za-z]{3}$", help_text="ISO 4217 code, e.g. USD.")


class DuplicateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["deal", "opportunity"])
    id = serializers.IntegerField()
    score = serializers.FloatField(min_value=0, max_value=1)
    reasons = serializers.ListField(child=serializers.CharField())


class DecisionSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=["rules", "user"])
    reason = serializers.CharField()


class ParticipantSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)

    class Meta:
        model = DealParticipant
        fields = ["id", "partner", "partner_name", "role", "status", "note", "created_at"]


class DealCreateSerializer(serializers.Serializer):
    customer_name = serializers.CharField(max_length=200)
    customer_domain = serializers.CharField(max_length=253, required=False, allow_blank=True)
    customer_country = CountryField()
    customer_address = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    customer_industry = serializers.CharField(required=False, allow_blank=True, max_length=32)
    title = serializers.CharField(max_length=200)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    currency = CURRENCY
    expected_close_date = serializers.DateField()
    products = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    stage = serializers.ChoiceField(choices=DealStage.choices, required=False)
    route_to_market = serializers.ChoiceField(choices=RouteToMarket.choices, required=False)
    partner = serializers.IntegerField(
        required=False, min_value=1, help_text="Staff: the partner to register for."
    )


class DealSerializer(serializers.ModelSerializer):
    customer_country = CountryField()
    duplicates = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()
    participants = ParticipantSerializer(many=True, read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    assigned_to = serializers.IntegerField(source="assigned_to_id", read_only=True, allow_null=True)

    class Meta:
        model = Deal
        fields = [
            "id",
            "partner",
            "partner_name",
            "status",
            "title",
            "customer_name",
            "customer_domain",
            "customer_country",
            "customer_address",
            "customer_industry",
            "products",
            "amount",
            "currency",
            "expected_close_date",
            "stage",
            "route_to_market",
            "notes",
            "duplicates",
            "decision",
            "review_reasons",
            "assigned_to",
            "review_due_at",
            "protection_expires_at",
            "extensions_granted",
            "final_amount",
            "closed_on",
            "participants",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(DuplicateSerializer(many=True))
    def get_duplicates(self, deal) -> list[dict]:
        membership = self.context["request"].membership
        return [
            {
                key: value
                for key, value in selectors.match_view(match, membership=membership).items()
                if key != "record"
            }
            for match in deal.matches.all()
        ]

    @extend_schema_field(DecisionSerializer(allow_null=True))
    def get_decision(self, deal) -> dict | None:
        return deal.decision


class DealUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    expected_close_date = serializers.DateField(required=False)
    products = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    stage = serializers.ChoiceField(choices=DealStage.choices, required=False)
    route_to_market = serializers.ChoiceField(choices=RouteToMarket.choices, required=False)
    customer_address = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    customer_industry = serializers.CharField(required=False, allow_blank=True, max_length=32)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class CloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[DealStatus.WON, DealStatus.LOST])
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    closed_on = serializers.DateField(required=False)


class AddParticipantSerializer(serializers.Serializer):
    partner = serializers.IntegerField(min_value=1)
    role = serializers.ChoiceField(choices=ParticipantRole.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class DecideParticipantSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    role = serializers.ChoiceField(choices=ParticipantRole.choices, required=False)


class AssignSerializer(serializers.Serializer):
    reviewer = serializers.IntegerField(
        min_value=1,
        allow_null=True,
        help_text="Membership id of a channel manager; null unassigns.",
    )


class BulkDecideSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=200)
    action = serializers.ChoiceField(choices=["approve", "reject"])
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class DecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class AppealSerializer(serializers.ModelSerializer):
    class Meta:
        model = DealAppeal
        fields = [
            "id",
            "subject",
            "note",
            "reviewer",
            "outcome",
            "outcome_reason",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields


class AppealCreateSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000)


class AppealDecisionSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=AppealOutcome.choices)
    reason = serializers.CharField(max_length=2000)


class ExtensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProtectionExtension
        fields = ["id", "days", "reason", "status", "decision_reason", "decided_at", "created_at"]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.EmailField(
        source="actor.email", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = DealEvent
        fields = [
            "id",
            "kind",
            "from_status",
            "to_status",
            "actor",
            "message",
            "data",
            "created_at",
        ]
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.EmailField(
        source="author.email", read_only=True, allow_null=True, default=None
    )
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = DealMessage
        fields = ["id", "kind", "author", "body", "file_name", "has_file", "mentions", "created_at"]
        read_only_fields = fields

    def get_has_file(self, message) -> bool:
        return bool(message.file)


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    file = serializers.FileField(required=False)


class HelpRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = VendorHelpRequest
        fields = ["id", "kind", "note", "status", "assigned_to", "created_at", "updated_at"]
        read_only_fields = ["id", "status", "assigned_to", "created_at", "updated_at"]


class HelpUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=VendorHelpRequest.Status.choices)
    assignee = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class RecommendationSerializer(serializers.Serializer):
    partner = serializers.IntegerField(source="partner.pk")
    partner_name = serializers.CharField(source="partner.name")
    partner_type = serializers.CharField(source="partner.partner_type")
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


class DuplicateCheckResponse(serializers.Serializer):
    duplicates = DuplicateSerializer(many=True)


class DealFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=DealStatus.choices)
    partner = filters.NumberFilter(field_name="partner_id")
    customer_country = filters.CharFilter(field_name="customer_country")
    assigned_to = filters.NumberFilter(field_name="assigned_to_id")
    search = filters.CharFilter(method="filter_search", label="Title or customer contains")

    class Meta:
        model = Deal
        fields = [
            "status",
            "partner",
            "customer_country",
            "assigned_to",
            "stage",
            "route_to_market",
        ]

    def filter_search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(title__icontains=value) | Q(customer_name__icontains=value))


def _created(serializer_class, instance, request, code=status.HTTP_201_CREATED):
    return Response(serializer_class(instance, context={"request": request}).data, status=code)


class DealViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Deal registrations. Partner users register and see their own organisation's deals
    (and deals they take part in); staff see all and decide."""

    queryset = Deal.objects.none()  # for the schema; get_queryset scopes
    serializer_class = DealSerializer
    permission_classes = [IsTenantMember, HasCapability]
    filterset_class = DealFilter
    idempotent_actions = ("create",)
    required_capabilities = {
        "list": "deals.view",
        "retrieve": "deals.view",
        "create": "deals.register",
        "update": "deals.register",
        "partial_update": "deals.register",
        "duplicate_check": "deals.register",
        "approve": "deals.review",
        "reject": "deals.review",
        "assign": "deals.review",
        "bulk": "deals.review",
        "close": ("deals.review", "deals.register"),
        "participants:get": "deals.view",
        "participants:post": "deals.review",
        "decide_participant": "deals.review",
        "join": "deals.register",
        "history": "deals.view",
        "appeal:get": "deals.view",
        "appeal:post": "deals.register",
        "decide_appeal": "deals.review",
        "extension:get": "deals.view",
        "extension:post": "deals.register",
        "decide_extension": "deals.review",
        "messages:get": "deals.view",
        "messages:post": "deals.view",
        "help_requests:get": "deals.view",
        "help_requests:post": "deals.view",
        "update_help_request": "deals.review",
        "recommendations": "deals.view",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.deal_list(
            tenant=self.request.tenant, membership=self.request.membership, filters={}
        ).prefetch_related("matches", "participants__partner")

    def get_serializer_class(self):
        if self.action == "create":
            return DealCreateSerializer
        if self.action in ("update", "partial_update"):
            return DealUpdateSerializer
        return DealSerializer

    def _deal(self, pk) -> Deal:
        return get_object_or_404(self.get_queryset(), pk=pk)

    def _respond(self, pk, code=status.HTTP_200_OK):
        return _created(DealSerializer, self._deal(pk), self.request, code)

    @extend_schema(request=DealCreateSerializer, responses={201: DealSerializer})
    def create(self, request, *args, **kwargs):
        return self.dispatch_idempotent(request, self._register)

    def _register(self, request):
        body = DealCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        deal = services.register_deal(
            tenant=request.tenant, actor=request.membership, data=dict(body.validated_data)
        )
        return self._respond(deal.pk, status.HTTP_201_CREATED)

    @extend_schema(request=DealUpdateSerializer, responses={200: DealSerializer})
    def update(self, request, *args, **kwargs):
        deal = self._deal(kwargs["pk"])
        body = DealUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        body.is_valid(raise_exception=True)
        services.update_deal(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            data=dict(body.validated_data),
        )
        return self._respond(deal.pk)

    @extend_schema(request=DealCreateSerializer, responses={200: DuplicateCheckResponse})
    @action(detail=False, methods=["post"], url_path="duplicate-check")
    def duplicate_check(self, request):
        """Possible duplicates of a registration, without creating anything. Every deal and
        CRM opportunity of the tenant is searched; another partner's deal is shown only as
        kind, id, score and reasons."""
        body = DealCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        identity = matching.identity(
            data["customer_name"], data.get("customer_domain", ""), str(data["customer_country"])
        )
        membership = request.membership
        matches = find_duplicates(
            tenant=request.tenant,
            identity=identity,
            products=data.get("products") or [],
            expected_close=data["expected_close_date"],
            viewer_partner_id=membership.partner_organisation_id
            if membership.is_partner_member
            else None,
            minimum_score=float(rules_for(request.tenant).duplicate_threshold),
        )
        return Response({"duplicates": [match.as_dict() for match in matches]})

    @extend_schema(
        request=ReasonSerializer,
        responses={
            200: DealSerializer,
            409: OpenApiResponse(description="Not pending, or another partner holds protection"),
        },
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        deal = self._deal(pk)
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.approve_deal(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            reason=body.validated_data.get("reason", ""),
        )
        return self._respond(pk)

    @extend_schema(
        request=RequiredReasonSerializer,
        responses={200: DealSerializer, 409: OpenApiResponse(description="Not pending")},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        deal = self._deal(pk)
        body = RequiredReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.reject_deal(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            reason=body.validated_data["reason"],
        )
        return self._respond(pk)

    @extend_schema(
        request=CloseSerializer,
        responses={200: DealSerializer, 409: OpenApiResponse(description="Not approved")},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        deal = self._deal(pk)
        body = CloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        services.close_deal(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            outcome=data["outcome"],
            amount=data.get("amount"),
            closed_on=data.get("closed_on"),
        )
        return self._respond(pk)

    @extend_schema(request=AssignSerializer, responses={200: DealSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        deal = self._deal(pk)
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.assign_reviewer(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            reviewer_id=body.validated_data["reviewer"],
        )
        return self._respond(pk)

    @extend_schema(
        request=BulkDecideSerializer,
        responses={
            200: inline_serializer(
                "BulkDecideResult",
                {
                    "done": serializers.ListField(child=serializers.IntegerField()),
                    "failed": serializers.DictField(child=serializers.CharField()),
                },
            )
        },
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Approve or reject several pending registrations; each succeeds or fails alone."""
        body = BulkDecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        visible = set(self.get_queryset().filter(pk__in=data["ids"]).values_list("pk", flat=True))
        result = services.bulk_decide(
            tenant=request.tenant,
            actor=request.membership,
            deal_ids=[deal_id for deal_id in data["ids"] if deal_id in visible],
            action=data["action"],
            reason=data.get("reason", ""),
        )
        for deal_id in data["ids"]:
            if deal_id not in visible:
                result["failed"][deal_id] = "No such deal."
        return Response(
            {"done": result["done"], "failed": {str(k): v for k, v in result["failed"].items()}}
        )

    @extend_schema(methods=["GET"], responses=ParticipantSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=AddParticipantSerializer, responses={201: ParticipantSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def participants(self, request, pk=None):
        deal = self._deal(pk)
        if request.method == "GET":
            return Response(ParticipantSerializer(deal.participants.all(), many=True).data)
        body = AddParticipantSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        participant = collaboration.add_participant(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            partner_id=data["partner"],
            role=data["role"],
            note=data.get("note", ""),
        )
        return _created(ParticipantSerializer, participant, request)

    @extend_schema(request=DecideParticipantSerializer, responses={200: ParticipantSerializer})
    @action(detail=True, methods=["post"], url_path=r"participants/(?P<participant_id>\d+)/decide")
    def decide_participant(self, request, pk=None, participant_id=None):
        deal = self._deal(pk)
        body = DecideParticipantSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        participant = collaboration.decide_participant(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            participant_id=int(participant_id),
            accept=body.validated_data["accept"],
            role=body.validated_data.get("role", ""),
        )
        return Response(ParticipantSerializer(participant).data)

    @extend_schema(request=ReasonSerializer, responses={201: ParticipantSerializer})
    @action(detail=True, methods=["post"])
    def join(self, request, pk=None):
        """A partner asks to co-sell on a deal it knows the id of (e.g. a recommendation).
        Unlike the other actions, the deal need not be visible yet: the request is what
        makes it so once accepted. Another tenant's id is still 404."""
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        participant = collaboration.request_to_join(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=int(pk),
            note=body.validated_data.get("reason", ""),
        )
        return Response(
            {"id": participant.pk, "status": participant.status, "role": participant.role},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        deal = self._deal(pk)
        page = self.paginate_queryset(
            DealEvent.objects.for_tenant(request.tenant).filter(deal=deal).select_related("actor")
        )
        return self.get_paginated_response(EventSerializer(page, many=True).data)

    @extend_schema(methods=["GET"], responses=AppealSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=AppealCreateSerializer, responses={201: AppealSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def appeal(self, request, pk=None):
        deal = self._deal(pk)
        if request.method == "GET":
            return Response(AppealSerializer(deal.appeals.all(), many=True).data)
        body = AppealCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        appeal = collaboration.file_appeal(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            note=body.validated_data["note"],
        )
        return _created(AppealSerializer, appeal, request)

    @extend_schema(request=AppealDecisionSerializer, responses={200: AppealSerializer})
    @action(detail=True, methods=["post"], url_path="appeal/decide")
    def decide_appeal(self, request, pk=None):
        deal = self._deal(pk)
        body = AppealDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        appeal = collaboration.decide_appeal(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            outcome=body.validated_data["outcome"],
            reason=body.validated_data["reason"],
        )
        return Response(AppealSerializer(appeal).data)

    @extend_schema(methods=["GET"], responses=ExtensionSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=RequiredReasonSerializer, responses={201: ExtensionSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def extension(self, request, pk=None):
        deal = self._deal(pk)
        if request.method == "GET":
            return Response(ExtensionSerializer(deal.extensions.all(), many=True).data)
        body = RequiredReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        extension = services.request_extension(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            reason=body.validated_data["reason"],
        )
        return _created(ExtensionSerializer, extension, request)

    @extend_schema(request=DecideSerializer, responses={200: ExtensionSerializer})
    @action(detail=True, methods=["post"], url_path="extension/decide")
    def decide_extension(self, request, pk=None):
        deal = self._deal(pk)
        body = DecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        extension = services.decide_extension(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            approve=body.validated_data["approve"],
            reason=body.validated_data.get("reason", ""),
        )
        return Response(ExtensionSerializer(extension).data)

    @extend_schema(methods=["GET"], responses=MessageSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={
            "multipart/form-data": MessageCreateSerializer,
            "application/json": MessageCreateSerializer,
        },
        responses={201: MessageSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def messages(self, request, pk=None):
        """The deal room: participants and staff only."""
        deal = self._deal(pk)
        if request.method == "GET":
            page = self.paginate_queryset(
                DealMessage.objects.for_tenant(request.tenant)
                .filter(deal=deal)
                .select_related("author")
            )
            return self.get_paginated_response(MessageSerializer(page, many=True).data)
        body = MessageCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        message = collaboration.post_message(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            body=body.validated_data.get("body", ""),
            upload=body.validated_data.get("file"),
        )
        return _created(MessageSerializer, message, request)

    @extend_schema(methods=["GET"], responses=HelpRequestSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=HelpRequestSerializer, responses={201: HelpRequestSerializer}
    )
    @action(detail=True, methods=["get", "post"], url_path="help-requests")
    def help_requests(self, request, pk=None):
        deal = self._deal(pk)
        if request.method == "GET":
            return Response(HelpRequestSerializer(deal.help_requests.all(), many=True).data)
        body = HelpRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        help_request = collaboration.request_help(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            kind=body.validated_data["kind"],
            note=body.validated_data.get("note", ""),
        )
        return _created(HelpRequestSerializer, help_request, request)

    @extend_schema(
        request=HelpUpdateSerializer,
        responses={200: HelpRequestSerializer},
        operation_id="v1_deals_help_requests_update",
    )
    @action(detail=True, methods=["post"], url_path=r"help-requests/(?P<request_id>\d+)")
    def update_help_request(self, request, pk=None, request_id=None):
        deal = self._deal(pk)
        body = HelpUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        help_request = collaboration.update_help_request(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            request_id=int(request_id),
            status=body.validated_data["status"],
            assignee_id=body.validated_data.get("assignee"),
        )
        return Response(HelpRequestSerializer(help_request).data)

    @extend_schema(responses=RecommendationSerializer(many=True))
    @action(detail=True, methods=["get"])
    def recommendations(self, request, pk=None):
        """Partners worth adding to the deal, with the reasons for each."""
        deal = self._deal(pk)
        found = recommend_partners(tenant=request.tenant, deal=deal)
        return Response(RecommendationSerializer(found, many=True).data)
