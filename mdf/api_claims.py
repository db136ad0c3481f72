"""The mdf/claims/ API: claims with proof of performance (JSON or multipart/form-data), their
review, payouts one at a time or in a batch, and proof downloads. Serializers check shapes;
mdf.claim_services and mdf.payout_services decide.

Partner users see only their own organisation's claims and proof (another partner's id is a
404); staff see the tenant's. A claim is approved once and paid once, however concurrent the
calls: the loser gets 409.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from dealreg.models import Deal, Lead
from ecosystem.api.idempotency import IdempotentCreateMixin
from ecosystem.errors import TooLarge
from ecosystem.permissions import HasCapability, IsTenantMember

from . import claim_services, payout_services
from .api import (
    MdfApproveSerializer,
    MdfChangesSerializer,
    MdfRejectSerializer,
    money_field,
    own_organisation,
)
from .models import Claim, ClaimStatus, PayoutBatch, PayoutMethod, ProofFile, ProofKind

PROOF_HELP = "PDF, PNG, JPEG, WebP, CSV, XLSX or DOCX; repeat the field for several files."


def visible_claims(*, tenant, membership):
    """The claims the member may see, with what their representation needs (no N+1)."""
    queryset = (
        Claim.objects.for_tenant(tenant)
        .select_related("request__allocation__fund", "request__allocation__partner")
        .prefetch_related(
            Prefetch("proofs", queryset=ProofFile.objects.for_tenant(tenant)),
            Prefetch("linked_leads", queryset=Lead.objects.for_tenant(tenant).only("id")),
            Prefetch("linked_deals", queryset=Deal.objects.for_tenant(tenant).only("id")),
        )
    )
    return own_organisation(queryset, membership, "request__allocation__partner_id")


class ProofSizeLimit(FileUploadHandler):
    """Stops reading an uploaded file as soon as it passes the attachment limit, so an
    oversized proof is a 413 before it is spooled to disk (and nothing is stored)."""

    def receive_data_chunk(self, raw_data, start):
        limit = settings.ATTACHMENT_MAX_BYTES
        if start + len(raw_data) > limit:
            raise TooLarge(
                _("A file is over the %(limit)s limit; attach a smaller one.")
                % {"limit": filesizeformat(limit)},
                field="proof",
            )
        return raw_data

    def file_complete(self, file_size):
        return None


# --- serializers ------------------------------------------------------------------------------


class MdfProofSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ProofFile
        fields = [
            "id",
            "kind",
            "file_name",
            "file_size",
            "content_type",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, proof) -> str:
        return f"/api/v1/mdf/claims/{proof.claim_id}/proofs/{proof.pk}/download/"


class MdfClaimSerializer(serializers.ModelSerializer):
    partner = serializers.IntegerField(source="request.allocation.partner_id", read_only=True)
    partner_name = serializers.CharField(source="request.allocation.partner.name", read_only=True)
    request_title = serializers.CharField(source="request.title", read_only=True)
    request_approved_amount = serializers.DecimalField(
        source="request.approved_amount", max_digits=14, decimal_places=2, read_only=True
    )
    proofs = MdfProofSerializer(many=True, read_only=True)
    linked_leads: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    linked_deals: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "request",
            "request_title",
            "request_approved_amount",
            "partner",
            "partner_name",
            "status",
            "claimed_amount",
            "approved_amount",
            "currency",
            "leads_generated",
            "results",
            "linked_leads",
            "linked_deals",
            "decision_reason",
            "decided_at",
            "submitted_at",
            "payment_reference",
            "payment_method",
            "paid_on",
            "payout_batch",
            "proofs",
        ]
        read_only_fields = fields


class MdfClaimFieldsSerializer(serializers.Serializer):
    claimed_amount = money_field(help_text="At most the request's approved amount.")
    leads_generated = serializers.IntegerField(required=False, min_value=0, max_value=1_000_000)
    results = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    linked_leads = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=500
    )
    linked_deals = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=500
    )
    proof = serializers.ListField(
        child=serializers.FileField(), required=False, help_text=PROOF_HELP
    )
    proof_kind = serializers.ListField(
        child=serializers.ChoiceField(choices=ProofKind.choices),
        required=False,
        help_text="One per file, in the same order, or one for all (default other).",
    )

    def validate(self, attrs):
        files = attrs.pop("proof", [])
        kinds = attrs.pop("proof_kind", [])
        if len(kinds) > 1 and len(kinds) != len(files):
            raise serializers.ValidationError(
                {"proof_kind": [_("Give one kind per file, or one for all of them.")]}
            )
        if len(kinds) <= 1:
            kinds = [kinds[0] if kinds else ProofKind.OTHER] * len(files)
        attrs["proofs"] = list(zip(kinds, files, strict=True))
        return attrs


class MdfClaimCreateSerializer(MdfClaimFieldsSerializer):
    request = serializers.IntegerField(min_value=1, help_text="The approved request claimed.")


class MdfProofCreateSerializer(serializers.Serializer):
    proof = serializers.FileField(help_text=PROOF_HELP)
    proof_kind = serializers.ChoiceField(
        choices=ProofKind.choices, required=False, default=ProofKind.OTHER
    )


class MdfPaySerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=100, help_text="From your payment system.")
    method = serializers.ChoiceField(choices=PayoutMethod.choices)
    paid_on = serializers.DateField()


class MdfPayBatchSerializer(MdfPaySerializer):
    claims = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=500
    )


class MdfPayoutBatchSerializer(serializers.ModelSerializer):
    claims = serializers.ListField(
        child=serializers.IntegerField(), source="claim_ids", read_only=True
    )
    total = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    currency = serializers.CharField(read_only=True)

    class Meta:
        model = PayoutBatch
        fields = ["id", "reference", "method", "paid_on", "claims", "total", "currency",
                  "created_at"]  # fmt: skip
        read_only_fields = fields


class ClaimFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ClaimStatus.choices)
    request = filters.NumberFilter(field_name="request_id")
    partner = filters.NumberFilter(field_name="request__allocation__partner_id")
    fund = filters.NumberFilter(field_name="request__allocation__fund_id")
    payout_batch = filters.NumberFilter(field_name="payout_batch_id")

    class Meta:
        model = Claim
        fields = ["status", "request", "partner", "fund", "payout_batch"]


# --- the viewset ------------------------------------------------------------------------------


class ClaimViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Claims after the activity, with proof. Partner admins and marketers claim for their
    organisation and answer requests for changes; reviewers decide; finance pays."""

    queryset = Claim.objects.none()
    serializer_class = MdfClaimSerializer
    permission_classes = [IsTenantMember, HasCapability]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_class = ClaimFilter
    lookup_value_regex = "[0-9]+"
    required_capabilities = {
        "list": "mdf.view",
        "retrieve": "mdf.view",
        "create": "mdf.request",
        "update": "mdf.request",
        "approve": "mdf.review",
        "reject": "mdf.review",
        "request_changes": "mdf.review",
        "pay": "mdf.pay",
        "pay_batch": "mdf.pay",
        "proofs:get": "mdf.view",
        "proofs:post": "mdf.request",
        "proof_download": "mdf.view",
    }

    def initialize_request(self, request, *args, **kwargs):
        # Before anything reads the body: an oversized proof stops the upload with a 413.
        if request.method in ("POST", "PUT") and not hasattr(request, "_files"):
            request.upload_handlers.insert(0, ProofSizeLimit(request))
        return super().initialize_request(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return visible_claims(tenant=self.request.tenant, membership=self.request.membership)

    def _claim(self, pk) -> Claim:
        return get_object_or_404(self.get_queryset(), pk=pk)

    def _respond(self, pk, code=status.HTTP_200_OK):
        return Response(MdfClaimSerializer(self._claim(pk)).data, status=code)

    @extend_schema(
        request={
            "multipart/form-data": MdfClaimCreateSerializer,
            "application/json": MdfClaimCreateSerializer,
        },
        responses={
            201: MdfClaimSerializer,
            409: OpenApiResponse(
                description="The request is not approved, already claimed, or past its deadline."
            ),
            413: OpenApiResponse(description="A proof file is over the size limit."),
        },
    )
    def create(self, request, *args, **kwargs):
        return self.dispatch_idempotent(request, self._create)

    def _create(self, request):
        body = MdfClaimCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        proofs = data.pop("proofs")
        claim = claim_services.submit_claim(
            tenant=request.tenant,
            actor=request.membership,
            request_id=data.pop("request"),
            data=data,
            proofs=proofs,
        )
        return self._respond(claim.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request={
            "multipart/form-data": MdfClaimFieldsSerializer,
            "application/json": MdfClaimFieldsSerializer,
        },
        responses={
            200: MdfClaimSerializer,
            409: OpenApiResponse(description="The claim was not sent back for changes."),
            413: OpenApiResponse(description="A proof file is over the size limit."),
        },
    )
    def update(self, request, *args, **kwargs):
        """Answer a request for changes: the claim's figures again (links not given are
        removed) and any further proof; it goes back to review."""
        claim = self._claim(kwargs["pk"])
        body = MdfClaimFieldsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        proofs = data.pop("proofs")
        claim_services.update_claim(
            tenant=request.tenant,
            actor=request.membership,
            claim_id=claim.pk,
            data=data,
            proofs=proofs,
        )
        return self._respond(claim.pk)

    @extend_schema(
        request=MdfApproveSerializer,
        responses={
            200: MdfClaimSerializer,
            409: OpenApiResponse(description="Not waiting for review, or over the request."),
        },
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        claim = self._claim(pk)
        body = MdfApproveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        claim_services.approve_claim(
            tenant=request.tenant,
            actor=request.membership,
            claim_id=claim.pk,
            amount=body.validated_data.get("amount"),
            reason=body.validated_data.get("reason", ""),
        )
        return self._respond(claim.pk)

    @extend_schema(
        request=MdfRejectSerializer,
        responses={200: MdfClaimSerializer, 409: OpenApiResponse(description="Not in review.")},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        claim = self._claim(pk)
        body = MdfRejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        claim_services.reject_claim(
            tenant=request.tenant,
            actor=request.membership,
            claim_id=claim.pk,
            reason=body.validated_data["reason"],
        )
        return self._respond(claim.pk)

    @extend_schema(
        request=MdfChangesSerializer,
        responses={200: MdfClaimSerializer, 409: OpenApiResponse(description="Not in review.")},
    )
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, pk=None):
        claim = self._claim(pk)
        body = MdfChangesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        claim_services.request_claim_changes(
            tenant=request.tenant,
            actor=request.membership,
            claim_id=claim.pk,
            message=body.validated_data["message"],
        )
        return self._respond(claim.pk)

    @extend_schema(
        request=MdfPaySerializer,
        responses={
            200: MdfClaimSerializer,
            409: OpenApiResponse(description="Already paid, or not approved."),
        },
    )
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        """Finance records the payment of one approved claim; paid once (else 409)."""
        claim = self._claim(pk)
        body = MdfPaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        payout_services.pay_claim(
            tenant=request.tenant,
            actor=request.membership,
            claim_id=claim.pk,
            data=dict(body.validated_data),
        )
        return self._respond(claim.pk)

    @extend_schema(
        request=MdfPayBatchSerializer,
        responses={
            201: MdfPayoutBatchSerializer,
            409: OpenApiResponse(description="One of the claims is not payable; none is paid."),
        },
    )
    @action(detail=False, methods=["post"], url_path="pay-batch")
    def pay_batch(self, request):
        """Pay several approved claims of one currency as one batch, all or none."""
        return self.dispatch_idempotent(request, self._pay_batch)

    def _pay_batch(self, request):
        body = MdfPayBatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        batch = payout_services.pay_claims(
            tenant=request.tenant,
            actor=request.membership,
            claim_ids=data.pop("claims"),
            data=data,
        )
        paid = list(
            Claim.objects.for_tenant(request.tenant)
            .filter(payout_batch=batch)
            .order_by("pk")
            .values_list("pk", "approved_amount", "currency")
        )
        batch.claim_ids = [claim_id for claim_id, _amount, _currency in paid]
        batch.total = sum(amount for _id, amount, _currency in paid)
        batch.currency = paid[0][2] if paid else ""
        return Response(MdfPayoutBatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=MdfProofSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": MdfProofCreateSerializer},
        responses={
            201: MdfProofSerializer,
            409: OpenApiResponse(description="The claim is no longer under review."),
            413: OpenApiResponse(description="The file is over the size limit."),
        },
    )
    @action(detail=True, methods=["get", "post"])
    def proofs(self, request, pk=None):
        """The claim's proof of performance; partner users add more while it is reviewed."""
        claim = self._claim(pk)
        if request.method == "GET":
            return Response(MdfProofSerializer(claim.proofs.all(), many=True).data)
        body = MdfProofCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        proof = claim_services.add_proof(
            tenant=request.tenant,
            actor=request.membership,
            claim_id=claim.pk,
            kind=body.validated_data["proof_kind"],
            upload=body.validated_data["proof"],
        )
        return Response(MdfProofSerializer(proof).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(
        detail=True,
        methods=["get"],
        url_path=r"proofs/(?P<proof_id>[0-9]+)/download",
        url_name="proof-download",
    )
    def proof_download(self, request, pk=None, proof_id=None):
        """The file as uploaded, as a download under its original name."""
        claim = self._claim(pk)
        proof = next((p for p in claim.proofs.all() if p.pk == int(proof_id or 0)), None)
        if proof is None:
            raise Http404
        try:
            handle = proof.file.storage.open(proof.file.name, "rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=proof.file_name,
            content_type=proof.content_type or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
