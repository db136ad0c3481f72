from django.shortcuts import get_object_or_404
from django_countries.serializer_fields import CountryField
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ecosystem.api.idempotency import IdempotentCreateMixin
from ecosystem.permissions import HasCapability, IsTenantMember
from ecosystem.tenancy import services as tenancy_services
from ecosystem.tenancy.models import Invitation, Membership
from ecosystem.tenancy.roles import PARTNER_ROLE_CHOICES

from . import selectors, services
from .models import PartnerOrganisation, PartnerStatus, PartnerType, Tier


class TierSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Tier
        fields = ["id", "name", "rank"]


class PartnerSerializer(serializers.ModelSerializer):
    partner_type = serializers.ChoiceField(choices=PartnerType.choices)
    status = serializers.ChoiceField(choices=PartnerStatus.choices, required=False)
    country = CountryField()
    tier = TierSummarySerializer(read_only=True, allow_null=True)
    tier_id = serializers.IntegerField(
        write_only=True, required=False, allow_null=True, help_text="Set the tier by id (staff)."
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
            "tier",
            "tier_id",
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
        return data


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

    class Meta:
        model = PartnerOrganisation
        fields = ["partner_type", "status", "country", "tier"]

    def filter_search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(name__icontains=value) | Q(website__icontains=value))


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
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.partners_visible_to(
            tenant=self.request.tenant, membership=self.request.membership
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
