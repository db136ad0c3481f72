"""Partners' own outreach: contact lists, email blasts and their sends, the suppression
list, scheduled social posts."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecosystem.tenancy.models import TenantOwnedModel

from .campaigns import Activation, CampaignEmail, SocialNetwork, SocialPost

__all__ = ["Contact", "ContactList", "EmailBlast", "EmailSend", "ScheduledPost", "Suppression"]


class ContactList(TenantOwnedModel):
    """A partner's own list of people to email, uploaded as CSV."""

    partner = models.ForeignKey(
        "partners.PartnerOrganisation", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Contact(TenantOwnedModel):
    contact_list = models.ForeignKey(ContactList, on_delete=models.CASCADE, related_name="contacts")
    email = models.EmailField()
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    company = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["contact_list", "email"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "contact_list", "email"], name="contact_once_per_list"
            ),
        ]


class Suppression(TenantOwnedModel):
    """An address that must not be emailed again on this partner's behalf (unsubscribed,
    bounced or complained). Emails are stored lower-cased."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Marked as spam")
        ADDED = "added", _("Added by hand")

    partner = models.ForeignKey(
        "partners.PartnerOrganisation", on_delete=models.CASCADE, related_name="+"
    )
    email = models.EmailField()
    reason = models.CharField(max_length=16, choices=Reason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "partner", "email"], name="suppression_once"),
        ]


class EmailBlast(TenantOwnedModel):
    """One campaign email sent by a partner to one of its lists; Celery sends it in
    throttled batches."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    activation = models.ForeignKey(Activation, on_delete=models.CASCADE, related_name="blasts")
    email = models.ForeignKey(CampaignEmail, on_delete=models.PROTECT, related_name="+")
    contact_list = models.ForeignKey(ContactList, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]


class EmailSend(TenantOwnedModel):
    """One recipient of a blast; `token` identifies it in the open pixel, click redirect
    and unsubscribe link."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        SUPPRESSED = "suppressed", _("Suppressed")
        FAILED = "failed", _("Failed")

    blast = models.ForeignKey(EmailBlast, on_delete=models.CASCADE, related_name="sends")
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, related_name="+")
    address = models.EmailField()
    token = models.CharField(max_length=32)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["blast", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "token"], name="email_send_token"),
            models.UniqueConstraint(fields=["tenant", "blast", "address"], name="email_send_once"),
        ]
        indexes = [models.Index(fields=["tenant", "blast", "status"], name="email_send_status")]


class ScheduledPost(TenantOwnedModel):
    """A social post a partner scheduled: the text with its tracked link and the time.
    Publishing goes through a per-network adapter (none connected yet: the partner is
    reminded and posts by hand)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    activation = models.ForeignKey(
        Activation, on_delete=models.CASCADE, related_name="scheduled_posts"
    )
    post = models.ForeignKey(SocialPost, on_delete=models.CASCADE, related_name="+")
    network = models.CharField(max_length=10, choices=SocialNetwork.choices)
    text = models.TextField()
    scheduled_for = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheduled_for", "id"]
