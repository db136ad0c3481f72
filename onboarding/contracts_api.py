"""The agreement-templates/ and contracts/ API: staff manage templates, issue, countersign
and renew; partner users list their own organisation's contracts and their admin signs.
Serializers check shapes; onboarding.contracts_services decides."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django_countries.serializer_fields import CountryField
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ecosystem.api.idempotency import IdempotentCreateMixin
from ecosystem.permissions import HasCapability, IsTenantMember
from ecosystem.tenancy.context import request_info

from . import contracts_selectors, contracts_services
from .models.contracts import AgreementTemplate, Contract, ContractStatus


class AgreementTemplateSerializer(serializers.ModelSerializer):
    body = serializers.CharField(
        write_only=True, help_text="HTML with {{ merge_field }} placeholders; sanitised on save."
    )
    term_months = serializers.IntegerField(write_only=True, min_value=1, max_value=120)
    version = serializers.IntegerField(source="current_version", read_only=True)

    class Meta:
        model = AgreementTemplate
        fields = ["id", "name", "body", "term_months", "version", "is_active", "updated_at"]
        read_only_fields = ["id", "version", "updated_at"]

    def to_representation(self, template):
        # The text and term are the current version's (annotated by the selector).
        return {
            **super().to_representation(template),
            "body": template.current_body,
            "term_months": template.current_term_months,
        }


class ContractSerializer(serializers.ModelSerializer):
    country = CountryField()
    template_name = serializers.CharField(source="template.name", read_only=True)
    template_version = serializers.IntegerField(source="template_version.version", read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    document_url = serializers.SerializerMethodField()
    signed_pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Contract
        fields = [
            "id",
            "number",
            "template",
            "template_name",
            "template_version",
            "partner",
            "partner_name",
            "status",
            "legal_name",
            "address",
            "country",
            "tier_name",
            "terms",
            "effective_date",
            "expiry_date",
            "issued_at",
            "document_sha256",
            "document_url",
            "signer_typed_name",
            "signed_at",
            "signed_document_sha256",
            "partner_signed_pdf_sha256",
            "countersigner_name",
            "countersigned_at",
            "signed_pdf_sha256",
            "signed_pdf_url",
            "renewal_of",
        ]
        read_only_fields = fields

    def get_document_url(self, contract) -> str:
        return f"/api/v1/contracts/{contract.pk}/document/"

    def get_signed_pdf_url(self, contract) -> str | None:
        return f"/api/v1/contracts/{contract.pk}/signed-document/" if contract.signed_pdf else None


class ContractCreateSerializer(serializers.Serializer):
    template = serializers.IntegerField(min_value=1)
    partner = serializers.IntegerField(min_value=1)
    legal_name = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=1000)
    country = CountryField(required=False, help_text="Defaults to the partner's country.")
    effective_date = serializers.DateField()
    terms = serializers.CharField(max_length=10_000, required=False, allow_blank=True)


class SignSerializer(serializers.Serializer):
    typed_name = serializers.CharField(max_length=200, help_text="The signer's full name.")
    consent = serializers.BooleanField(help_text="Agreement to sign electronically; must be true.")
    document_sha256 = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$", help_text="SHA-256 of the PDF the signer read (document_sha256)."
    )


class RenewSerializer(serializers.Serializer):
    effective_date = serializers.DateField(
        required=False, help_text="Defaults to the current contract's expiry date."
    )


class FileCheckSerializer(serializers.Serializer):
    file = serializers.ChoiceField(choices=["document", "signed_pdf"])
    recorded_sha256 = serializers.CharField()
    actual_sha256 = serializers.CharField(allow_null=True)
    matches = serializers.BooleanField()


class VerificationSerializer(serializers.Serializer):
    is_intact = serializers.BooleanField()
    checks = FileCheckSerializer(many=True)


class ContractFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ContractStatus.choices)
    partner = filters.NumberFilter(field_name="partner_id")
    template = filters.NumberFilter(field_name="template_id")

    class Meta:
        model = Contract
        fields = ["status", "partner", "template"]


class AgreementTemplateViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Agreement templates (staff). Changing the text of a version contracts were issued
    from creates a new version; set is_active false to retire a template."""

    queryset = AgreementTemplate.objects.none()
    serializer_class = AgreementTemplateSerializer
    permission_classes = [IsTenantMember, HasCapability]
    lookup_value_regex = "[0-9]+"
    required_capabilities = {
        "list": "contracts.manage",
        "retrieve": "contracts.manage",
        "create": "contracts.manage",
        "update": "contracts.manage",
        "partial_update": "contracts.manage",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return contracts_selectors.templates(tenant=self.request.tenant)

    def create(self, request, *args, **kwargs):
        return self.dispatch_idempotent(request, self._create)

    def _create(self, request):
        body = AgreementTemplateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        template = contracts_services.create_template(
            tenant=request.tenant, actor=request.membership, data=body.validated_data
        )
        return self._respond(template.pk, status.HTTP_201_CREATED)

    def _respond(self, pk, code=status.HTTP_200_OK):
        template = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(AgreementTemplateSerializer(template).data, status=code)

    def update(self, request, *args, **kwargs):
        template = self.get_object()
        partial = kwargs.get("partial", False)
        body = AgreementTemplateSerializer(template, data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        template = contracts_services.update_template(
            tenant=request.tenant,
            actor=request.membership,
            template_id=template.pk,
            data=body.validated_data,
        )
        return self._respond(template.pk)


def _pdf_response(field, filename: str, *, inline: bool = False) -> FileResponse:
    if not field:
        raise Http404
    response = FileResponse(
        field.storage.open(field.name, "rb"),
        as_attachment=not inline,
        filename=filename,
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def pdf_download(contract: Contract, *, signed: bool, inline: bool = False) -> FileResponse:
    """The issued or the stamped PDF of a contract, as a download (or shown in the page)."""
    suffix = "signed" if signed else "issued"
    return _pdf_response(
        contract.signed_pdf if signed else contract.document,
        f"{contract.number}-{suffix}.pdf",
        inline=inline,
    )


class ContractViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Contracts. Staff see and issue all; partner users see their organisation's only, and
    its administrator signs."""

    queryset = Contract.objects.none()
    serializer_class = ContractSerializer
    permission_classes = [IsTenantMember, HasCapability]
    filterset_class = ContractFilter
    lookup_value_regex = "[0-9]+"
    required_capabilities = {
        "list": "contracts.view",
        "retrieve": "contracts.view",
        "create": "contracts.manage",
        "sign": "contracts.sign",
        "countersign": "contracts.manage",
        "renew": "contracts.manage",
        "verification": "contracts.view",
        "document": "contracts.view",
        "signed_document": "contracts.view",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return contracts_selectors.contracts(
            tenant=self.request.tenant, membership=self.request.membership
        )

    def _contract(self, pk) -> Contract:
        return get_object_or_404(self.get_queryset(), pk=pk)

    def _respond(self, pk, code=status.HTTP_200_OK):
        return Response(ContractSerializer(self._contract(pk)).data, status=code)

    @extend_schema(request=ContractCreateSerializer, responses={201: ContractSerializer})
    def create(self, request, *args, **kwargs):
        return self.dispatch_idempotent(request, self._create)

    def _create(self, request):
        body = ContractCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        if "country" in data:
            data["country"] = str(data["country"])
        contract = contracts_services.issue_contract(
            tenant=request.tenant, actor=request.membership, data=data
        )
        return self._respond(contract.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=SignSerializer,
        responses={
            200: ContractSerializer,
            409: OpenApiResponse(description="Already signed, expired, superseded, or the "
                                 "document_sha256 no longer matches the stored PDF."),
        },
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        contract = self._contract(pk)
        body = SignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        info = request_info()
        contracts_services.sign_contract(
            tenant=request.tenant,
            actor=request.membership,
            contract_id=contract.pk,
            ip=info.ip,
            user_agent=info.user_agent or request.META.get("HTTP_USER_AGENT", ""),
            **body.validated_data,
        )
        return self._respond(contract.pk)

    @extend_schema(request=None, responses={200: ContractSerializer})
    @action(detail=True, methods=["post"])
    def countersign(self, request, pk=None):
        contract = self._contract(pk)
        contracts_services.countersign_contract(
            tenant=request.tenant, actor=request.membership, contract_id=contract.pk
        )
        return self._respond(contract.pk)

    @extend_schema(request=RenewSerializer, responses={201: ContractSerializer})
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        contract = self._contract(pk)
        body = RenewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        renewal = contracts_services.issue_renewal(
            tenant=request.tenant,
            actor=request.membership,
            contract_id=contract.pk,
            effective_date=body.validated_data.get("effective_date"),
        )
        return self._respond(renewal.pk, status.HTTP_201_CREATED)

    @extend_schema(responses={200: VerificationSerializer})
    @action(detail=True, methods=["get"])
    def verification(self, request, pk=None):
        """Recompute the stored PDFs' SHA-256 and compare with the recorded values."""
        verification = contracts_selectors.verify_contract(self._contract(pk))
        return Response(
            {
                "is_intact": verification.is_intact,
                "checks": [
                    {
                        "file": check.label,
                        "recorded_sha256": check.recorded_sha256,
                        "actual_sha256": check.actual_sha256,
                        "matches": check.matches,
                    }
                    for check in verification.checks
                ],
            }
        )

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def document(self, request, pk=None):
        """The PDF as issued (the one the partner signs)."""
        return pdf_download(self._contract(pk), signed=False)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="signed-document")
    def signed_document(self, request, pk=None):
        """The signed PDF with its signature page (404 until signed)."""
        return pdf_download(self._contract(pk), signed=True)
