"""API for partner applications (staff) and the ideal partner profile.

Applications arrive on the public page; the API lists them best fit first and decides.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django_countries.serializer_fields import CountryField
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ecosystem.permissions import HasCapability, IsTenantMember
from partners.models import PartnerType, Region, Specialisation

from . import application_selectors as selectors
from . import application_services as services
from .models import ApplicationStatus, IdealPartnerProfile, PartnerApplication


class ApplicationMessageSerializer(serializers.Serializer):
    author = serializers.CharField(source="author.get_full_name", default="")
    from_staff = serializers.BooleanField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class ApplicationSerializer(serializers.ModelSerializer):
    country = CountryField()
    specialisations: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    fit_breakdown = serializers.JSONField(read_only=True)
    duplicates = serializers.JSONField(read_only=True)
    fit_score = serializers.DecimalField(max_digits=4, decimal_places=1, read_only=True)

    class Meta:
        model = PartnerApplication
        fields = [
            "id",
            "partner",
            "status",
            "company_name",
            "website",
            "partner_type",
            "country",
            "regions",
            "specialisations",
            "employees",
            "certifications",
            "description",
            "contact_name",
            "contact_email",
            "contact_phone",
            "contact_title",
            "fit_score",
            "fit_breakdown",
            "duplicates",
            "decision_reason",
            "decided_at",
            "submitted_at",
        ]
        read_only_fields = fields


class ApplicationDetailSerializer(ApplicationSerializer):
    messages = ApplicationMessageSerializer(many=True, read_only=True)

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "messages"]
        read_only_fields = fields


class ApplicationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class ApplicationRejectionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)


class InformationRequestSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=4000)


class ApplicationFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ApplicationStatus.choices)
    partner_type = filters.ChoiceFilter(choices=PartnerType.choices)
    min_fit = filters.NumberFilter(field_name="fit_score", lookup_expr="gte")

    class Meta:
        model = PartnerApplication
        fields = ["status", "partner_type", "min_fit"]


class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Partner applications, best fit first (staff)."""

    queryset = PartnerApplication.objects.none()  # for the schema; get_queryset scopes
    serializer_class = ApplicationSerializer
    permission_classes = [IsTenantMember, HasCapability]
    filterset_class = ApplicationFilter
    required_capabilities = {
        "list": "applications.view",
        "retrieve": "applications.view",
        "approve": "applications.review",
        "reject": "applications.review",
        "request_information": "applications.review",
    }

    def get_queryset(self):
        queryset = selectors.applications(tenant=self.request.tenant)
        if self.action != "list":
            queryset = queryset.prefetch_related("specialisations", "messages__author")
        else:
            queryset = queryset.prefetch_related("specialisations")
        return queryset

    def get_serializer_class(self):
        return ApplicationSerializer if self.action == "list" else ApplicationDetailSerializer

    def _respond(self, pk):
        return Response(ApplicationDetailSerializer(self._application(pk)).data)

    def _application(self, pk) -> PartnerApplication:
        return get_object_or_404(self.get_queryset(), pk=pk)

    @extend_schema(
        request=ApplicationReasonSerializer,
        responses={200: ApplicationDetailSerializer, 409: OpenApiResponse(description="Decided")},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        application = self._application(pk)
        body = ApplicationReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.approve_application(
            tenant=request.tenant,
            actor=request.user,
            application_id=application.pk,
            reason=body.validated_data.get("reason", ""),
        )
        return self._respond(pk)

    @extend_schema(
        request=ApplicationRejectionSerializer,
        responses={200: ApplicationDetailSerializer, 409: OpenApiResponse(description="Decided")},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        application = self._application(pk)
        body = ApplicationRejectionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.reject_application(
            tenant=request.tenant,
            actor=request.user,
            application_id=application.pk,
            reason=body.validated_data["reason"],
        )
        return self._respond(pk)

    @extend_schema(
        request=InformationRequestSerializer,
        responses={200: ApplicationDetailSerializer, 409: OpenApiResponse(description="Decided")},
    )
    @action(detail=True, methods=["post"], url_path="request-information")
    def request_information(self, request, pk=None):
        application = self._application(pk)
        body = InformationRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.request_information(
            tenant=request.tenant,
            actor=request.user,
            application_id=application.pk,
            message=body.validated_data["message"],
        )
        return self._respond(pk)


class IdealPartnerProfileSerializer(serializers.ModelSerializer):
    partner_types = serializers.ListField(
        child=serializers.ChoiceField(choices=PartnerType.choices), required=False
    )
    regions = serializers.ListField(
        child=serializers.ChoiceField(choices=Region.choices), required=False
    )
    certifications = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )
    specialisations = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Specialisation.objects.none()
    )

    class Meta:
        model = IdealPartnerProfile
        fields = [*services.PROFILE_FIELDS, "updated_at"]
        read_only_fields = ["updated_at"]

    def __init__(self, *args, tenant=None, **kwargs):
        super().__init__(*args, **kwargs)
        if tenant is not None:
            # Another tenant's specialisation id is "does not exist", like any unknown id.
            self.fields[
                "specialisations"
            ].child_relation.queryset = Specialisation.objects.for_tenant(tenant)


class IdealPartnerProfileView(generics.GenericAPIView):
    """The ideal partner profile that scores applications; saving it re-scores open ones."""

    serializer_class = IdealPartnerProfileSerializer
    permission_classes = [IsTenantMember, HasCapability]
    http_method_names = ["get", "patch", "head", "options"]
    required_capabilities = {"get": "applications.view", "patch": "applications.review"}

    @extend_schema(responses=IdealPartnerProfileSerializer, summary="Ideal partner profile")
    def get(self, request):
        return Response(IdealPartnerProfileSerializer(services.profile_for(request.tenant)).data)

    @extend_schema(
        request=IdealPartnerProfileSerializer,
        responses={200: IdealPartnerProfileSerializer, 400: OpenApiResponse(description="Invalid")},
        summary="Change the ideal partner profile",
    )
    def patch(self, request):
        body = IdealPartnerProfileSerializer(data=request.data, partial=True, tenant=request.tenant)
        body.is_valid(raise_exception=True)
        profile = services.update_profile(
            tenant=request.tenant, actor=request.user, data=dict(body.validated_data)
        )
        return Response(IdealPartnerProfileSerializer(profile).data)
