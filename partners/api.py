from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django_countries.serializer_fields import CountryField
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from ecosystem.api.idempotency import IdempotentCreateMixin
from ecosystem.permissions import HasCapability, IsTenantMember
from ecosystem.tenancy import services as tenancy_services
from ecosystem.tenancy.models import Invitation, Membership
from ecosystem.tenancy.roles import PARTNER_ROLE_CHOICES, has_capability

from . import selectors, services
from .models import (
    Industry,
    PartnerOrganisation,
    PartnerStatus,
    PartnerType,
    Region,
    Specialisation,
    Tier,
)


class TierSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Tier
        fields = ["id", "name", "rank"]


class SpecialisationIdsField(serializers.ListField):
    """Specialisations as a list of ids (the tenant's catalogue; the service checks them)."""

    child = serializers.IntegerField(min_value=1)

    def to_representation(self, data):
        return [item.pk for item in data.all()]


class CountryListField(serializers.ListField):
    """ISO 3166-1 alpha-2 codes (the service checks them: 400 naming the field)."""

    child = serializers.CharField(max_length=2, min_length=2)

    def to_representation(self, data):
        return [country.code for country in data]


class PartnerSerializer(serializers.ModelSerializer):
    partner_type = serializers.ChoiceField(choices=PartnerType.choices)
    status = serializers.ChoiceField(choices=PartnerStatus.choices, required=False)
    status_reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="Why the status changes (required when suspending or offboarding).",
    )
    country = CountryField()
    tier = TierSummarySerializer(read_only=True, allow_null=True)
    tier_id = serializers.IntegerField(
        write_only=True, required=False, allow_null=True, help_text="Set the tier by id (staff)."
    )
    regions = serializers.ListField(
        child=serializers.ChoiceField(choices=Region.choices), required=False
    )
    countries_served = CountryListField(required=False)
    industries = serializers.ListField(
        child=serializers.ChoiceField(choices=Industry.choices), required=False
    )
    specialisations = SpecialisationIdsField(
        required=False, help_text="Specialisation ids (staff set them)."
    )
    capacity = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False)
    primary_contact = serializers.IntegerField(
        source="primary_contact_id",
        required=False,
        allow_null=True,
        help_text="Membership id of one of the organisation's active people.",
    )
    channel_manager = serializers.IntegerField(
        source="channel_manager_id",
        required=False,
        allow_null=True,
        help_text="Membership id of an active staff member (staff set it).",
    )
    listed_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=services.LISTABLE_FIELDS), required=False
    )

    class Meta:
        model = PartnerOrganisation
        fields = [
            "id",
            "name",
            "website",
            "partner_type",
            "country",
            "status",
            "status_reason",
            "tier",
            "tier_id",
            "description",
            "regions",
            "countries_served",
            "industries",
            "specialisations",
            "capacity",
            "primary_contact",
            "channel_manager",
            "is_listed",
            "listed_fields",
            "public_contact_email",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # Name uniqueness per tenant is decided by the service (409), not a global validator.
        validators: list = []

    def to_service_data(self) -> dict:
        data = dict(self.validated_data)
        if "tier_id" in data:
            data["tier"] = data.pop("tier_id")
        for field in ("primary_contact", "channel_manager"):
            if f"{field}_id" in data:
                data[field] = data.pop(f"{field}_id")
        return data


class SpecialisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Specialisation
        fields = ["id", "name", "description"]
        validators: list = []  # uniqueness per tenant: the service answers 409


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PartnerStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class MemberSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name", "role", "title", "is_active", "created_at"]


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Invitation.Status.choices, read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "status", "expires_at", "created_at"]


class InviteMemberSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=PARTNER_ROLE_CHOICES)


class PartnerFilter(filters.FilterSet):
    search = filters.CharFilter(method="filter_search", label="Name or website contains")
    tier = filters.NumberFilter(field_name="tier_id")
    channel_manager = filters.NumberFilter(
        field_name="channel_manager_id", label="Channel manager (membership id)"
    )
    specialisation = filters.NumberFilter(
        method="filter_specialisation", label="Holds this specialisation (id)"
    )
    region = filters.ChoiceFilter(
        choices=Region.choices, method="filter_region", label="Serves this region"
    )

    class Meta:
        model = PartnerOrganisation
        fields = ["partner_type", "status", "country", "tier", "channel_manager"]

    def filter_search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(name__icontains=value) | Q(website__icontains=value))

    def filter_specialisation(self, queryset, name, value):
        return queryset.filter(specialisations__pk=value).distinct()

    def filter_region(self, queryset, name, value):
        return queryset.filter(selectors.json_list_contains("regions", value))


class PartnerViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Partner organisations. Staff see all; partner users only their own organisation."""

    queryset = PartnerOrganisation.objects.none()  # for the schema; get_queryset scopes
    serializer_class = PartnerSerializer
    permission_classes = [IsTenantMember, HasCapability]
    filterset_class = PartnerFilter
    required_capabilities = {
        "list": "partners.view",
        "retrieve": "partners.view",
        "create": "partners.manage",
        "update": ("partners.manage", "partners.edit_own"),
        "partial_update": ("partners.manage", "partners.edit_own"),
        "members:get": "members.view",
        "members:post": "members.invite",
        "invitations": "members.view",
        # Checked again inside the action, after the lookup: a partner user asking about
        # another organisation gets 404 like everywhere else, about their own 403.
        "status": "partners.view",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.partners_visible_to(
            tenant=self.request.tenant, membership=self.request.membership
        ).prefetch_related(
            Prefetch(
                "specialisations",
                queryset=selectors.specialisations(tenant=self.request.tenant),
            )
        )

    def perform_create(self, serializer):
        serializer.instance = services.create_partner(
            tenant=self.request.tenant, actor=self.request.user, data=serializer.to_service_data()
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_partner(
            tenant=self.request.tenant,
            actor=self.request.user,
            partner_id=serializer.instance.pk,
            data=serializer.to_service_data(),
            as_partner=self.request.membership.is_partner_member,
        )

    @extend_schema(
        methods=["GET"], responses=MemberSerializer(many=True), summary="People in the partner"
    )
    @extend_schema(
        methods=["POST"],
        request=InviteMemberSerializer,
        responses={201: InvitationSerializer, 409: OpenApiResponse(description="Already a member")},
        summary="Add a person to the partner and invite them by email",
    )
    @action(detail=True, methods=["get", "post"])
    def members(self, request, pk=None):
        partner = get_object_or_404(self.get_queryset(), pk=pk)
        if request.method == "POST":
            return self.dispatch_idempotent(request, self._invite, partner)
        page = self.paginate_queryset(selectors.members_of(tenant=request.tenant, partner=partner))
        return self.get_paginated_response(MemberSerializer(page, many=True).data)

    def _invite(self, request, partner):
        body = InviteMemberSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        invitation = tenancy_services.invite_member(
            tenant=request.tenant,
            actor=request.user,
            actor_membership=request.membership,
            email=body.validated_data["email"],
            role=body.validated_data["role"],
            partner_organisation=partner,
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=InvitationSerializer(many=True), summary="Pending invitations")
    @action(detail=True, methods=["get"])
    def invitations(self, request, pk=None):
        partner = get_object_or_404(self.get_queryset(), pk=pk)
        page = self.paginate_queryset(
            selectors.pending_invitations(tenant=request.tenant, partner=partner)
        )
        return self.get_paginated_response(InvitationSerializer(page, many=True).data)

    @extend_schema(
        request=StatusChangeSerializer,
        responses={200: PartnerSerializer, 400: OpenApiResponse(description="Invalid change")},
        summary="Change the partner's lifecycle status, saying why (staff)",
    )
    @action(detail=True, methods=["post"], url_path="status")
    def status(self, request, pk=None):
        partner = get_object_or_404(self.get_queryset(), pk=pk)
        if not has_capability(request.membership.role, "partners.manage"):
            raise PermissionDenied("Only the program's partner managers change a status.")
        body = StatusChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.change_partner_status(
            tenant=request.tenant,
            actor=request.user,
            partner_id=partner.pk,
            to_status=body.validated_data["status"],
            reason=body.validated_data.get("reason", ""),
        )
        partner = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(PartnerSerializer(partner).data)


class SpecialisationViewSet(
    IdempotentCreateMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The tenant's catalogue of specialisations: every member reads, partner managers add."""

    queryset = Specialisation.objects.none()  # for the schema; get_queryset scopes
    serializer_class = SpecialisationSerializer
    permission_classes = [IsTenantMember, HasCapability]
    required_capabilities = {"list": "partners.view", "create": "partners.manage"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.specialisations(tenant=self.request.tenant)

    def perform_create(self, serializer):
        serializer.instance = services.create_specialisation(
            tenant=self.request.tenant,
            actor=self.request.user,
            name=serializer.validated_data["name"],
            description=serializer.validated_data.get("description", ""),
        )
