"""The CRM records API: `crm/accounts/`, `crm/opportunities/` (upsert by external id) and
`crm/imports/` (CSV preview, apply, discard). Vendor staff only: crm.view reads,
crm.manage writes. Serializers check shapes; dealreg.crm decides."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from ecosystem.api.idempotency import IdempotentCreateMixin
from ecosystem.permissions import HasCapability, IsTenantMember

from . import crm, crm_selectors
from .crm_cleaning import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from .models import CrmAccount, CrmImport, CrmOpportunity

COUNTRY_HELP = "ISO 3166-1 alpha-2 code (alpha-3 codes and English names are accepted)."


def _query_param(request, name: str) -> str:
    # PostgreSQL refuses NUL characters in text: drop them rather than answer 500.
    return request.query_params.get(name, "").replace("\x00", "").strip()[:200]


def _is_open_param(request) -> bool | None:
    value = _query_param(request, "is_open").lower()
    if not value:
        return None
    if value in {"true", "1", "yes"}:
        return True
    if value in {"false", "0", "no"}:
        return False
    raise ValidationError({"is_open": ["Use true or false."]})


class CountryCodeField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 60)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", COUNTRY_HELP)
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        return str(value or "")


class CrmAccountSerializer(serializers.ModelSerializer):
    country = CountryCodeField()
    opportunity_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = CrmAccount
        fields = [
            "id",
            "external_id",
            "name",
            "domain",
            "country",
            "industry",
            "owner",
            "opportunity_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "external_id": {"help_text": "The CRM's id: the key of the upsert."},
            "domain": {"help_text": "The account's web domain, e.g. globex.com."},
        }
        # Uniqueness of the external id is the upsert's key, not a reason to refuse.
        validators: list = []


@extend_schema_field(
    {"type": "string", "nullable": True, "maxLength": 100, "description": "The account's CRM id"}
)
class AccountExternalIdField(serializers.Field):
    """The opportunity's account by the CRM's id (write), and as read back."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "*")
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "External id of the account; the customer comes from it when not given. "
            "Empty or null unlinks it.",
        )
        super().__init__(**kwargs)

    def to_representation(self, instance):
        return instance.account.external_id if instance.account_id else None

    def to_internal_value(self, data):
        if data is None:
            data = ""
        if not isinstance(data, str | int):
            raise ValidationError("Give the account's external id as text.")
        value = str(data).strip()
        if len(value) > 100:
            raise ValidationError("Use at most 100 characters.")
        return {"account_external_id": value}


class CrmOpportunitySerializer(serializers.ModelSerializer):
    account = serializers.IntegerField(source="account_id", read_only=True, allow_null=True)
    account_external_id = AccountExternalIdField(allow_null=True)
    customer_name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Empty: the account's name.",
    )
    customer_domain = serializers.CharField(
        max_length=253, required=False, allow_blank=True, help_text="Empty: the account's domain."
    )
    customer_country = CountryCodeField(help_text=f"Empty: the account's country. {COUNTRY_HELP}")
    is_open = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="Omitted or null: false when the stage starts with Closed, Won or Lost.",
    )
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    currency = serializers.CharField(
        max_length=3, required=False, allow_blank=True, help_text="ISO 4217, e.g. USD."
    )
    close_date = serializers.DateField(required=False, allow_null=True)
    products = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )

    class Meta:
        model = CrmOpportunity
        fields = [
            "id",
            "external_id",
            "account",
            "account_external_id",
            "name",
            "customer_name",
            "customer_domain",
            "customer_country",
            "stage",
            "is_open",
            "amount",
            "currency",
            "owner",
            "close_date",
            "products",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "account", "created_at", "updated_at"]
        extra_kwargs = {"external_id": {"help_text": "The CRM's id: the key of the upsert."}}
        validators: list = []


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="As a spreadsheet numbers it: the header is row 1.")
    field = serializers.CharField(help_text="The column; empty for the whole row.")
    message = serializers.CharField()


class CrmImportSerializer(serializers.ModelSerializer):
    created_by = serializers.EmailField(source="created_by.email", read_only=True, allow_null=True)
    error_count = serializers.SerializerMethodField()

    class Meta:
        model = CrmImport
        fields = [
            "id",
            "kind",
            "file_name",
            "status",
            "total_rows",
            "error_count",
            "created_count",
            "updated_count",
            "created_by",
            "created_at",
            "applied_at",
        ]
        read_only_fields = fields

    def get_error_count(self, crm_import) -> int:
        return len(crm_import.errors)


class CrmImportDetailSerializer(CrmImportSerializer):
    rows = serializers.ListField(
        child=serializers.DictField(),
        read_only=True,
        help_text="The valid rows, cleaned, each with its row number and action "
        "(create or update). Emptied when the import is discarded.",
    )

    class Meta(CrmImportSerializer.Meta):
        fields = [*CrmImportSerializer.Meta.fields, "errors", "rows"]
        read_only_fields = fields

    def get_fields(self):
        # Declared here, not as a class attribute: `errors` is also Serializer's property.
        fields = super().get_fields()
        fields["errors"] = ImportErrorSerializer(many=True, read_only=True)
        return fields


class CrmImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CrmImport.Kind.choices)
    file = serializers.FileField(
        help_text=f"CSV, UTF-8, at most {MAX_IMPORT_BYTES // (1024 * 1024)} MB and "
        f"{MAX_IMPORT_ROWS:,} rows. Columns: see the import page."
    )


class _CrmRecordViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
    metaclass=ABCMeta,
):
    """POST upserts by external id (201 created, 200 updated); PATCH changes, DELETE removes."""

    lookup_value_regex = "[0-9]+"
    permission_classes = [IsTenantMember, HasCapability]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends: list = []  # the selectors filter (see the list parameters)
    required_capabilities = {
        "list": "crm.view",
        "retrieve": "crm.view",
        "create": "crm.manage",
        "partial_update": "crm.manage",
        "destroy": "crm.manage",
        "update": "crm.manage",  # PUT is not offered: 405 for those who may write
    }

    def create(self, request, *args, **kwargs):
        return self.dispatch_idempotent(request, self._upsert)

    def _upsert(self, request):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        record, created = self.upsert(request, dict(body.validated_data))
        record = self.get_queryset().get(pk=record.pk)
        return Response(
            self.get_serializer(record).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        record = self.update_record(self.request, serializer.instance.pk, data)
        serializer.instance = self.get_queryset().get(pk=record.pk)

    @abstractmethod
    def upsert(self, request, data):
        """Create or update the record with data["external_id"]: (record, created)."""

    @abstractmethod
    def update_record(self, request, pk, data):
        """Change record `pk` through its service and return it."""


SEARCH = OpenApiParameter("search", str, description="Name, domain, external id or owner contains")
EXTERNAL_ID = OpenApiParameter("external_id", str, description="Exactly this external id")


@extend_schema_view(
    list=extend_schema(
        summary="CRM accounts",
        parameters=[
            SEARCH,
            EXTERNAL_ID,
            OpenApiParameter("country", str, description="ISO 3166-1 alpha-2"),
        ],
    ),
    retrieve=extend_schema(summary="One CRM account"),
    create=extend_schema(
        summary="Create or update an account by external id",
        responses={200: CrmAccountSerializer, 201: CrmAccountSerializer},
    ),
    partial_update=extend_schema(summary="Change an account"),
    destroy=extend_schema(summary="Remove an account (its opportunities stay)"),
)
class CrmAccountViewSet(_CrmRecordViewSet):
    """The vendor's CRM accounts, keyed by the CRM's id."""

    queryset = CrmAccount.objects.none()  # for the schema; get_queryset scopes
    serializer_class = CrmAccountSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        request = self.request
        filters = {}
        if self.action == "list":
            filters = {
                "search": _query_param(request, "search"),
                "country": _query_param(request, "country"),
                "external_id": _query_param(request, "external_id"),
            }
        return crm_selectors.accounts(tenant=request.tenant, **filters)

    def upsert(self, request, data):
        return crm.upsert_account(tenant=request.tenant, actor=request.membership, data=data)

    def update_record(self, request, pk, data):
        return crm.update_account(
            tenant=request.tenant, actor=request.membership, account_id=pk, data=data
        )

    def perform_destroy(self, instance):
        crm.delete_account(
            tenant=self.request.tenant, actor=self.request.membership, account_id=instance.pk
        )


@extend_schema_view(
    list=extend_schema(
        summary="CRM opportunities",
        parameters=[
            SEARCH,
            EXTERNAL_ID,
            OpenApiParameter("country", str, description="Customer country, ISO 3166-1 alpha-2"),
            OpenApiParameter("is_open", bool, description="Open (true) or closed (false)"),
            OpenApiParameter("account", int, description="Account id"),
        ],
    ),
    retrieve=extend_schema(summary="One CRM opportunity"),
    create=extend_schema(
        summary="Create or update an opportunity by external id",
        responses={200: CrmOpportunitySerializer, 201: CrmOpportunitySerializer},
    ),
    partial_update=extend_schema(summary="Change an opportunity"),
    destroy=extend_schema(summary="Remove an opportunity"),
)
class CrmOpportunityViewSet(_CrmRecordViewSet):
    """The vendor's CRM opportunities, keyed by the CRM's id. Duplicate checks of deal
    registrations see them."""

    queryset = CrmOpportunity.objects.none()  # for the schema; get_queryset scopes
    serializer_class = CrmOpportunitySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        request = self.request
        filters: dict = {}
        if self.action == "list":
            account = _query_param(request, "account")
            if account and not account.isdigit():
                raise ValidationError({"account": ["Give an account id."]})
            filters = {
                "search": _query_param(request, "search"),
                "country": _query_param(request, "country"),
                "external_id": _query_param(request, "external_id"),
                "is_open": _is_open_param(request),
                "account_id": int(account) if account else None,
            }
        return crm_selectors.opportunities(tenant=request.tenant, **filters)

    def upsert(self, request, data):
        return crm.upsert_opportunity(tenant=request.tenant, actor=request.membership, data=data)

    def update_record(self, request, pk, data):
        return crm.update_opportunity(
            tenant=request.tenant, actor=request.membership, opportunity_id=pk, data=data
        )

    def perform_destroy(self, instance):
        crm.delete_opportunity(
            tenant=self.request.tenant, actor=self.request.membership, opportunity_id=instance.pk
        )


@extend_schema_view(
    list=extend_schema(summary="CSV imports of CRM records, newest first"),
    retrieve=extend_schema(
        summary="One import: its rows, errors and report", responses=CrmImportDetailSerializer
    ),
)
class CrmImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Upload a CSV file to preview it (nothing is written), then apply it (every row in one
    transaction) or discard it."""

    queryset = CrmImport.objects.none()  # for the schema; get_queryset scopes
    serializer_class = CrmImportSerializer
    lookup_value_regex = "[0-9]+"
    permission_classes = [IsTenantMember, HasCapability]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    required_capabilities = {
        "list": "crm.view",
        "retrieve": "crm.view",
        "create": "crm.manage",
        "apply": "crm.manage",
        "discard": "crm.manage",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        if self.action == "list":
            return crm_selectors.imports(tenant=self.request.tenant)
        return crm_selectors.import_detail(tenant=self.request.tenant)

    def get_serializer_class(self):
        if self.action == "list":
            return CrmImportSerializer
        return CrmImportDetailSerializer

    @extend_schema(
        request={"multipart/form-data": CrmImportUploadSerializer},
        responses={
            201: CrmImportDetailSerializer,
            400: OpenApiResponse(description="Not a readable CSV file, or columns missing"),
            413: OpenApiResponse(description="Over the size or row limit"),
        },
        summary="Upload a CSV file of accounts or opportunities and preview it",
    )
    def create(self, request):
        body = CrmImportUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        crm_import = crm.preview_import(
            tenant=request.tenant,
            actor=request.membership,
            kind=body.validated_data["kind"],
            uploaded_file=body.validated_data["file"],
        )
        return Response(CrmImportDetailSerializer(crm_import).data, status=status.HTTP_201_CREATED)

    def _act(self, request, pk, service):
        crm_import = get_object_or_404(self.get_queryset(), pk=pk)
        crm_import = service(
            tenant=request.tenant, actor=request.membership, import_id=crm_import.pk
        )
        return Response(CrmImportDetailSerializer(crm_import).data)

    @extend_schema(
        request=None,
        responses={
            200: CrmImportDetailSerializer,
            409: OpenApiResponse(description="Has errors, or already applied or discarded"),
        },
        summary="Apply a previewed import: every row, or none",
    )
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        return self._act(request, pk, crm.apply_import)

    @extend_schema(
        request=None,
        responses={
            200: CrmImportDetailSerializer,
            409: OpenApiResponse(description="Already applied or discarded"),
        },
        summary="Discard a previewed import",
    )
    @action(detail=True, methods=["post"])
    def discard(self, request, pk=None):
        return self._act(request, pk, crm.discard_import)
