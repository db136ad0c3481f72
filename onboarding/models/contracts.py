"""Partner agreements: templates with merge fields, the contracts issued from them, and
their e-signature record (onboarding.contracts_services writes them)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from ecosystem.tenancy.models import TenantOwnedModel

__all__ = [
    "IN_FORCE_STATUSES",
    "AgreementTemplate",
    "AgreementTemplateVersion",
    "Contract",
    "ContractStatus",
]


class AgreementTemplate(TenantOwnedModel):
    """A kind of agreement (“Partner Program Agreement”). Its text lives in versions: a
    version that contracts were issued from is never edited again."""

    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="agreement_template_name")
        ]

    def __str__(self) -> str:
        return self.name


class AgreementTemplateVersion(TenantOwnedModel):
    """One text of a template: sanitised HTML with `{{ merge_field }}` placeholders."""

    template = models.ForeignKey(
        AgreementTemplate, on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveIntegerField()
    body = models.TextField()
    term_months = models.PositiveSmallIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["template", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "template", "version"], name="agreement_template_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.template_id} v{self.version}"


def contract_file_path(instance, filename: str) -> str:
    # Never the caller's name: a random one under the tenant's folder.
    return f"tenants/{instance.tenant_id}/contracts/{secrets.token_hex(12)}.pdf"


class ContractStatus(models.TextChoices):
    ISSUED = "issued", _("Awaiting signature")
    SIGNED = "signed", _("Signed by partner")
    COUNTERSIGNED = "countersigned", _("Countersigned")
    EXPIRED = "expired", _("Expired")
    SUPERSEDED = "superseded", _("Superseded by renewal")


IN_FORCE_STATUSES = (ContractStatus.SIGNED, ContractStatus.COUNTERSIGNED)
# The portal's existing pill colours: waiting (amber), in force (green), ended (red/grey).
STATUS_PILLS = {
    ContractStatus.ISSUED: "pill-pending",
    ContractStatus.SIGNED: "pill-active",
    ContractStatus.COUNTERSIGNED: "pill-active",
    ContractStatus.EXPIRED: "pill-expired",
    ContractStatus.SUPERSEDED: "pill-closed",
}


class Contract(TenantOwnedModel):
    """A template version issued to one partner organisation, with the partner's details as
    issued (not read from the partner later), its PDF and the signatures on it."""

    template = models.ForeignKey(
        AgreementTemplate, on_delete=models.PROTECT, related_name="contracts"
    )
    template_version = models.ForeignKey(
        AgreementTemplateVersion, on_delete=models.PROTECT, related_name="contracts"
    )
    partner = models.ForeignKey(
        "partners.PartnerOrganisation", on_delete=models.CASCADE, related_name="contracts"
    )
    status = models.CharField(
        max_length=16, choices=ContractStatus.choices, default=ContractStatus.ISSUED
    )
    # --- as issued
    legal_name = models.CharField(max_length=200)
    address = models.TextField()
    country = CountryField()
    tier_name = models.CharField(max_length=80, blank=True)
    terms = models.TextField(blank=True)
    effective_date = models.DateField()
    expiry_date = models.DateField()
    body_html = models.TextField(help_text=_("The merged text exactly as issued."))
    document = models.FileField(upload_to=contract_file_path)
    document_sha256 = models.CharField(max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    issued_at = models.DateTimeField()
    renewal_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="renewals"
    )
    # --- the partner's signature
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    signer_typed_name = models.CharField(max_length=200, blank=True)
    signer_email = models.EmailField(blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signer_ip = models.GenericIPAddressField(null=True, blank=True)
    signer_user_agent = models.CharField(max_length=500, blank=True)
    signed_document_sha256 = models.CharField(
        max_length=64, blank=True, help_text=_("SHA-256 of the exact PDF the partner signed.")
    )
    partner_signed_pdf_sha256 = models.CharField(
        max_length=64, blank=True, help_text=_("SHA-256 of the stamped PDF after the partner.")
    )
    # --- the vendor's countersignature
    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    countersigner_name = models.CharField(max_length=200, blank=True)
    countersigned_at = models.DateTimeField(null=True, blank=True)
    # --- the stamped PDF: original + signature page(s); replaced on countersigning
    signed_pdf = models.FileField(upload_to=contract_file_path, blank=True)
    signed_pdf_sha256 = models.CharField(max_length=64, blank=True)
    # --- lifecycle
    renewal_notice_60_sent_at = models.DateTimeField(null=True, blank=True)
    renewal_notice_30_sent_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "status", "issued_at"], name="contract_tenant_status"),
            models.Index(fields=["tenant", "partner", "template"], name="contract_partner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expiry_date__gt=models.F("effective_date")),
                name="contract_expiry_after_effective",
            )
        ]

    def __str__(self) -> str:
        return f"{self.template.name} — {self.legal_name}"

    @property
    def status_pill(self) -> str:
        return STATUS_PILLS[ContractStatus(self.status)]

    @property
    def number(self) -> str:
        return f"AGR-{self.pk:06d}" if self.pk else ""
