"""Joint events (webinars, workshops, trade shows) hosted with partners."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecosystem.tenancy.models import TenantOwnedModel

__all__ = ["EventAttendee", "EventHost", "JointEvent"]


class JointEvent(TenantOwnedModel):
    class Kind(models.TextChoices):
        WEBINAR = "webinar", _("Webinar")
        WORKSHOP = "workshop", _("Workshop")
        TRADE_SHOW = "trade_show", _("Trade show")
        ROUNDTABLE = "roundtable", _("Roundtable")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Registration open")
        CLOSED = "closed", _("Registration closed")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    description = models.TextField(blank=True)  # cleaned rich text
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    location = models.CharField(max_length=300, blank=True)  # a venue or "Online"
    join_url = models.URLField(blank=True, max_length=500)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    campaign = models.ForeignKey(
        "tcma.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    # Costs funded by MDF: the approved request that pays for it.
    fund_request = models.ForeignKey(
        "mdf.FundRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cost_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")), name="event_period"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "status", "starts_at"], name="event_live")]

    def __str__(self) -> str:
        return self.title


class EventHost(TenantOwnedModel):
    """A partner co-hosting an event; `code` keys its co-branded registration page
    (/e/<code>/) and attributes the attendees it brings."""

    event = models.ForeignKey(JointEvent, on_delete=models.CASCADE, related_name="hosts")
    partner = models.ForeignKey(
        "partners.PartnerOrganisation", on_delete=models.CASCADE, related_name="+"
    )
    code = models.CharField(max_length=24)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "event", "partner"], name="event_host_once"),
            models.UniqueConstraint(fields=["tenant", "code"], name="event_host_code"),
        ]


class EventAttendee(TenantOwnedModel):
    class Source(models.TextChoices):
        REGISTRATION = "registration", _("Registered on the page")
        IMPORT = "import", _("Imported list")
        MANUAL = "manual", _("Added by hand")

    event = models.ForeignKey(JointEvent, on_delete=models.CASCADE, related_name="attendees")
    host = models.ForeignKey(
        EventHost, on_delete=models.SET_NULL, null=True, blank=True, related_name="attendees"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField()
    company = models.CharField(max_length=200)
    job_title = models.CharField(max_length=120, blank=True)
    country = models.CharField(max_length=2, blank=True)
    source = models.CharField(max_length=14, choices=Source.choices)
    attended = models.BooleanField(null=True, blank=True)  # None = not yet known
    lead = models.ForeignKey(
        "dealreg.Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "-registered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "event", "email"], name="event_attendee_once"
            ),
        ]
