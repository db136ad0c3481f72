"""Who may see a piece of marketing: everyone, some tiers, some partner types, some regions,
or named partners. Assets, campaigns, co-brand templates and announcements share it."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["Audience", "AudienceFields"]


class Audience(models.TextChoices):
    ALL = "all", _("All partners")
    TIERS = "tiers", _("Partners in chosen tiers")
    TYPES = "types", _("Partners of chosen types")
    REGIONS = "regions", _("Partners serving chosen regions")
    NAMED = "named", _("Named partners only")


class AudienceFields(models.Model):
    """The audience columns. `tiers` is a relation; types and regions are code lists
    (partners.PartnerType / partners.Region); named partners are per-object grants kept by
    each concrete model (its `*Grant` table), since grants carry who granted and when."""

    audience = models.CharField(max_length=8, choices=Audience.choices, default=Audience.ALL)
    tiers = models.ManyToManyField("partners.Tier", blank=True, related_name="+")
    partner_types = models.JSONField(default=list, blank=True)
    regions = models.JSONField(default=list, blank=True)

    class Meta:
        abstract = True
