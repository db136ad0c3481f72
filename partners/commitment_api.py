"""API of tier commitments: what a partner's tier commits the vendor to, and attestations."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ecosystem.permissions import HasCapability, IsTenantMember

from . import commitment_selectors, commitment_services, selectors
from .models import CommitmentStatus


class CommitmentTierSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    rank = serializers.IntegerField()


class CommitmentSerializer(serializers.Serializer):
    benefit = serializers.CharField(help_text="Code: discount, mdf_allocation, lead_priority…")
    # A declared field, not Field.label: the serializer metaclass takes it off the class.
    label = serializers.CharField()  # type: ignore[assignment]
    status = serializers.ChoiceField(choices=CommitmentStatus.choices)
    detail = serializers.CharField()
    tier = CommitmentTierSerializer(allow_null=True, help_text="The tier that promises it.")
    since = serializers.DateTimeField(allow_null=True, help_text="When this status began.")
    checked_at = serializers.DateTimeField(allow_null=True)
    is_attestable = serializers.BooleanField(help_text="Staff confirm it by attestation.")


class AttestSerializer(serializers.Serializer):
    benefit = serializers.CharField(max_length=64)
    value = serializers.DecimalField(
        max_digits=18, decimal_places=2, help_text="For a discount: the percentage configured."
    )
    note = serializers.CharField(max_length=2000, allow_blank=True)
    attested_on = serializers.DateField(required=False, help_text="Default: today.")


class AttestationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    benefit = serializers.CharField()
    value = serializers.DecimalField(max_digits=18, decimal_places=2)
    note = serializers.CharField()
    attested_on = serializers.DateField()
    attested_by = serializers.EmailField(source="attested_by.email", allow_null=True)
    created_at = serializers.DateTimeField()


class AttestResultSerializer(serializers.Serializer):
    attestation = AttestationSerializer()
    commitments = CommitmentSerializer(many=True)


class PartnerCommitmentBase(APIView):
    permission_classes = [IsTenantMember, HasCapability]

    def partner(self, request, pk):
        """Staff any organisation, partner users only their own: otherwise 404."""
        return get_object_or_404(
            selectors.partners_visible_to(tenant=request.tenant, membership=request.membership),
            pk=pk,
        )


class PartnerCommitmentsView(PartnerCommitmentBase):
    """What the partner's tier commits the vendor to, each met, not met or unverified."""

    required_capabilities = {"get": "tiers.view"}

    @extend_schema(
        responses=CommitmentSerializer(many=True), summary="What a partner's tier commits to"
    )
    def get(self, request, pk):
        partner = self.partner(request, pk)
        lines = commitment_selectors.commitments_for(tenant=request.tenant, partner=partner)
        return Response(CommitmentSerializer(lines, many=True).data)


class PartnerCommitmentAttestView(PartnerCommitmentBase):
    """Staff confirm a benefit the platform cannot measure (e.g. the discount is in the
    price book); the partner's commitments are checked again."""

    required_capabilities = {"post": "tiers.manage"}

    @extend_schema(
        request=AttestSerializer,
        responses={201: AttestResultSerializer},
        summary="Attest a partner's tier benefit",
    )
    def post(self, request, pk):
        partner = self.partner(request, pk)
        body = AttestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        attestation = commitment_services.attest_commitment(
            tenant=request.tenant, actor=request.user, partner_id=partner.pk, **body.validated_data
        )
        partner = self.partner(request, pk)
        lines = commitment_selectors.commitments_for(tenant=request.tenant, partner=partner)
        return Response(
            AttestResultSerializer({"attestation": attestation, "commitments": lines}).data,
            status=status.HTTP_201_CREATED,
        )
