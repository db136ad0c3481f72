"""API of the rules of engagement and the named accounts: `deal-rules/` (every member reads,
holders of deals.rules change it) and `named-accounts/` (staff with deals.rules list, add,
remove). Serializers check shape; dealreg.rules and dealreg.named_accounts decide."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_countries.serializer_fields import CountryField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.response import Response

from ecosystem.api.idempotency import IdempotentCreateMixin
from ecosystem.errors import ValidationFailed
from ecosystem.permissions import HasCapability, IsTenantMember
from ecosystem.tenancy.models import Membership
from partners.models import Tier

from . import named_accounts, rules
from .models import NamedAccount, RulesOfEngagement


class NamedAccountSerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=200)
    domain = serializers.CharField(max_length=253, required=False, allow_blank=True)
    country = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="ISO 3166-1 code (DE, DEU) or English name; empty for any country.",
    )
    owner = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Direct account owner."
    )

    class Meta:
        model = NamedAccount
        fields = ["id", "name", "domain", "country", "owner", "created_at"]
        read_only_fields = ["id", "created_at"]


class NamedAccountViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Customers reserved for direct sales: a registration for one goes to review. The same
    name and domain twice is refused (400)."""

    queryset = NamedAccount.objects.none()  # for the schema; get_queryset scopes
    serializer_class = NamedAccountSerializer
    lookup_value_regex = "[0-9]+"
    permission_classes = [IsTenantMember, HasCapability]
    filter_backends: list = []
    required_capabilities = {
        "list": "deals.rules",
        "create": "deals.rules",
        "destroy": "deals.rules",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        search = self.request.query_params.get("search", "") if self.action == "list" else ""
        return named_accounts.named_accounts(
            tenant=self.request.tenant, search=search.replace("\x00", "")
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "search", OpenApiTypes.STR, description="Part of the name, domain or owner."
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=NamedAccountSerializer, responses={201: NamedAccountSerializer})
    def create(self, request, *args, **kwargs):
        return self.dispatch_idempotent(request, self._add)

    def _add(self, request):
        body = NamedAccountSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        account = named_accounts.add_named_account(
            tenant=request.tenant, actor=request.membership, data=dict(body.validated_data)
        )
        return Response(NamedAccountSerializer(account).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        account = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        named_accounts.remove_named_account(
            tenant=request.tenant, actor=request.membership, account_id=account.pk
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class DealRulesSerializer(serializers.ModelSerializer):
    protection_days = serializers.IntegerField(required=False, help_text="1 to 730.")
    extension_days = serializers.IntegerField(required=False, help_text="1 to 365.")
    max_extensions = serializers.IntegerField(required=False, min_value=0, max_value=32767)
    review_sla_hours = serializers.IntegerField(required=False)
    duplicate_threshold = serializers.DecimalField(
        max_digits=4, decimal_places=3, required=False, help_text="0.3 to 1."
    )
    minimum_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text="In the tenant's default currency; 0 means no minimum.",
    )
    allowed_countries = serializers.ListField(
        child=CountryField(),
        required=False,
        max_length=300,
        help_text="ISO 3166-1 codes of customer countries open to registration; empty means all.",
    )
    auto_approve_max_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    auto_approve_min_tier = serializers.IntegerField(
        source="auto_approve_min_tier_id", required=False, allow_null=True, help_text="A tier id."
    )
    escalation_contact = serializers.IntegerField(
        source="escalation_contact_id",
        required=False,
        allow_null=True,
        help_text="A staff membership id. Shown to staff only.",
    )
    lead_offer_hours = serializers.IntegerField(required=False)
    guidance = serializers.CharField(required=False, allow_blank=True, max_length=10000)

    class Meta:
        model = RulesOfEngagement
        fields = [*rules.RULE_FIELDS, "updated_at"]
        read_only_fields = ["updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["allowed_countries"] = [str(code) for code in instance.allowed_countries]
        return data


def _own(model, tenant, pk, field: str):
    if pk is None:
        return None
    found = model.objects.for_tenant(tenant).filter(pk=pk).first()
    if found is None:
        raise ValidationFailed(_("Choose one of this program's own records."), field=field)
    return found


class DealRulesView(generics.GenericAPIView):
    """The rules of engagement partners register deals under."""

    serializer_class = DealRulesSerializer
    permission_classes = [IsTenantMember, HasCapability]
    http_method_names = ["get", "patch", "head", "options"]
    required_capabilities = {"get": "deals.view", "patch": "deals.rules"}

    def _respond(self, request, instance):
        data = DealRulesSerializer(instance).data
        if request.membership.is_partner_member:
            data.pop("escalation_contact", None)
        return Response(data)

    @extend_schema(responses=DealRulesSerializer, summary="Rules of engagement")
    def get(self, request):
        return self._respond(request, rules.rules_for(request.tenant))

    @extend_schema(
        request=DealRulesSerializer,
        responses={200: DealRulesSerializer, 400: OpenApiResponse(description="Invalid")},
        summary="Change the rules of engagement",
    )
    def patch(self, request):
        body = DealRulesSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        for source, field, model in (
            ("auto_approve_min_tier_id", "auto_approve_min_tier", Tier),
            ("escalation_contact_id", "escalation_contact", Membership),
        ):
            if source in data:
                data[field] = _own(model, request.tenant, data.pop(source), field)
        if "allowed_countries" in data:
            data["allowed_countries"] = sorted({str(code) for code in data["allowed_countries"]})
        updated = rules.update_rules(tenant=request.tenant, actor=request.membership, data=data)
        return self._respond(request, updated)
