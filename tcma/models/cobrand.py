"""Co-branded templates designed by marketing and the renditions partners make of them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecosystem.tenancy.models import TenantOwnedModel

from .audience import AudienceFields

__all__ = ["CobrandTemplate", "Rendition", "rendition_file_path"]


class CobrandTemplate(AudienceFields, TenantOwnedModel):
    """HTML/CSS with locked regions and merge fields (`{{ partner.name }}`, `{{ logo }}`,
    `{{ tracked_link }}`, `{{ fields.<name> }}`). Partners fill only `fields`; everything
    else is fixed by marketing. Only `approved` templates can be used."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved for use")
        RETIRED = "retired", _("Retired")

    class PageSize(models.TextChoices):
        A4 = "A4", _("A4")
        LETTER = "letter", _("US Letter")

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    html = models.TextField()
    css = models.TextField(blank=True)
    page_size = models.CharField(max_length=8, choices=PageSize.choices, default=PageSize.A4)
    # [{"name": "headline", "label": "Headline", "max_length": 60, "required": true}, …]
    fields = models.JSONField(default=list, blank=True)
    legal_footer = models.TextField(help_text=_("Printed on every rendition; required."))
    logo_min_width = models.PositiveIntegerField(default=200)
    logo_min_height = models.PositiveIntegerField(default=60)
    logo_max_bytes = models.PositiveIntegerField(default=2 * 1024 * 1024)
    requires_approval = models.BooleanField(
        default=False, help_text=_("A marketing manager approves each rendition before use.")
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    asset_type = models.CharField(max_length=16, blank=True)  # tcma.AssetType of the output
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["tenant", "status"], name="cobrand_tpl_status")]

    def __str__(self) -> str:
        return self.name


def rendition_file_path(instance, filename: str) -> str:
    import secrets
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()[:10]
    return f"tcma/renditions/{instance.tenant_id}/{secrets.token_hex(16)}{suffix}"


class Rendition(TenantOwnedModel):
    """One partner's filled-in copy of a template: its values, logo, and the PDF and PNG
    preview rendered from them. With `requires_approval` it is usable once approved."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Changes requested")
        READY = "ready", _("Ready to use")  # rendered, no approval needed

    template = models.ForeignKey(CobrandTemplate, on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(
        "partners.PartnerOrganisation", on_delete=models.CASCADE, related_name="+"
    )
    activation = models.ForeignKey(
        "tcma.Activation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="renditions",
    )
    values = models.JSONField(default=dict, blank=True)
    logo = models.ImageField(upload_to=rendition_file_path, blank=True, max_length=200)
    pdf = models.FileField(upload_to=rendition_file_path, blank=True, max_length=200)
    png = models.FileField(upload_to=rendition_file_path, blank=True, max_length=200)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    review_note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "partner", "status"], name="rendition_partner"),
            models.Index(
                fields=["tenant", "status"],
                condition=Q(status="pending"),
                name="rendition_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} — {self.partner}"
