"""The lead-priority commitment: a tier promising routing priority is kept when the
router's stored decisions show it.

Routing already multiplies every score by the tier's weight (dealreg.routing), so the
promise can only be broken by people: staff overriding the router away from a partner it
ranked first. Over the trailing window the check reads the stored offers:

- not met: staff gave a lead the router chose for the partner to someone else;
- met: the partner was offered leads, each ranked with its tier weight, and never bypassed;
- unverified: no lead reached the partner in the window, so there is nothing to show yet.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partners.commitments import Verdict, Verdicts, commitment
from partners.models import CommitmentStatus

from .models import LeadOffer

WINDOW_DAYS = 90


def bypassed_partner_id(offer: LeadOffer) -> int | None:
    """The partner an override offer passed over: the one whose open offer it took back,
    else the one the router would have chosen; None when staff picked that same partner."""
    override = offer.breakdown.get("override") or {}
    chosen = (override.get("replaced") or override.get("system_choice") or {}).get("partner_id")
    return chosen if chosen != offer.partner_id else None


def _weight(tier) -> str:
    return f"×{tier.lead_priority_weight.normalize():f}"


@commitment("lead_priority")
def lead_priority(*, tenant, partners) -> Verdicts:
    """Two queries for all the partners: offers each received, and staff overrides."""
    since = timezone.now() - timedelta(days=WINDOW_DAYS)
    ids = [partner.pk for partner in partners]
    offers = LeadOffer.objects.for_tenant(tenant).filter(offered_at__gte=since)
    offered = dict(
        offers.filter(partner_id__in=ids, is_override=False)
        .values_list("partner_id")
        .annotate(n=Count("pk"))
        .values_list("partner_id", "n")
    )
    bypassed: dict[int, list[LeadOffer]] = {}
    # The partner sees this text: the date of the override, not whose lead it became.
    overrides = offers.filter(is_override=True).order_by("-offered_at")
    for offer in overrides:
        passed_over = bypassed_partner_id(offer)
        if passed_over is not None and passed_over in ids:
            bypassed.setdefault(passed_over, []).append(offer)

    verdicts = {}
    for partner in partners:
        tier = partner.tier
        if partner.pk in bypassed:
            latest = bypassed[partner.pk][0]
            count = len(bypassed[partner.pk])
            verdicts[partner.pk] = Verdict(
                CommitmentStatus.NOT_MET,
                ngettext(
                    "In the last %(days)s days staff gave %(n)s lead the router chose for "
                    "this partner to another partner (latest on %(date)s).",
                    "In the last %(days)s days staff gave %(n)s leads the router chose for "
                    "this partner to other partners (latest on %(date)s).",
                    count,
                )
                % {
                    "days": WINDOW_DAYS,
                    "n": count,
                    "date": timezone.localdate(latest.offered_at).isoformat(),
                },
            )
        elif offered.get(partner.pk):
            count = offered[partner.pk]
            verdicts[partner.pk] = Verdict(
                CommitmentStatus.MET,
                ngettext(
                    "%(n)s lead offered in the last %(days)s days, ranked with the %(tier)s "
                    "weight %(weight)s; never overridden.",
                    "%(n)s leads offered in the last %(days)s days, ranked with the %(tier)s "
                    "weight %(weight)s; never overridden.",
                    count,
                )
                % {"n": count, "days": WINDOW_DAYS, "tier": tier.name, "weight": _weight(tier)},
            )
        else:
            verdicts[partner.pk] = Verdict(
                CommitmentStatus.UNVERIFIED,
                _(
                    "No lead reached this partner in the last %(days)s days. Routing ranks it "
                    "with the %(tier)s weight %(weight)s whenever it is eligible."
                )
                % {"days": WINDOW_DAYS, "tier": tier.name, "weight": _weight(tier)},
            )
    return verdicts
