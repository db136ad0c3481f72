"""The partners app's reactions to domain events."""

from django.utils.translation import gettext as _

from ecosystem.outbox.registry import listener

from . import commitment_services, tiers

# Events that change a tier metric carry the partner's id; later apps add theirs here by
# emitting these names (deal.won, certification.earned, survey.answered).
METRIC_EVENTS = (
    "membership.created",
    "membership.deactivated",
    "partner.specialisations_changed",
    "deal.won",
    "deal.registered",
    "certification.earned",
    "survey.answered",
)


@listener(*METRIC_EVENTS)
def reevaluate_tier(event) -> None:
    partner_id = event.payload.get("partner_id")
    if partner_id:
        tiers.request_reevaluation(tenant=event.tenant, partner_id=int(partner_id))


@listener("tier.rules_changed")
def reevaluate_everyone(event) -> None:
    tiers.request_reevaluation(tenant=event.tenant)


@listener("tenant.created")
def book_nightly_evaluation(event) -> None:
    tiers.schedule_nightly_evaluation(tenant=event.tenant)


@listener("partner.tier_changed")
def tell_partner_and_manager(event) -> None:
    """The partner's administrators and its channel manager hear of every tier change
    (in the portal and by email). Runs once per event: the outbox records it."""
    from django.urls import reverse

    from ecosystem.notifications.selectors import channel_managers_for, partner_admins
    from ecosystem.notifications.services import notify

    from .models import PartnerOrganisation, Tier, TierChange

    tenant = event.tenant
    partner = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .filter(pk=event.payload.get("partner_id"))
        .first()
    )
    if partner is None:
        return
    names = dict(
        Tier.objects.for_tenant(tenant)
        .filter(pk__in=[event.payload.get("from_tier_id"), event.payload.get("to_tier_id")])
        .values_list("pk", "name")
    )
    before = names.get(event.payload.get("from_tier_id"), _("no tier"))
    after = names.get(event.payload.get("to_tier_id"), _("no tier"))
    kind = event.payload.get("kind")
    due = event.payload.get("demotion_due_on")
    words = {"partner": partner.name, "before": before, "after": after, "due": due}
    titles = {
        TierChange.Kind.PROMOTION: _("%(partner)s moved up to %(after)s"),
        TierChange.Kind.DEMOTION: _("%(partner)s moved from %(before)s to %(after)s"),
        TierChange.Kind.DEMOTION_PENDING: _(
            "%(partner)s no longer meets %(before)s: it moves down on %(due)s unless it requalifies"
        ),
        TierChange.Kind.DEMOTION_CANCELLED: _("%(partner)s requalified for %(before)s"),
        TierChange.Kind.OVERRIDE: _("%(partner)s was set to %(after)s by the vendor"),
        TierChange.Kind.OVERRIDE_ENDED: _("%(partner)s's tier override ended; now %(after)s"),
    }
    title = titles.get(kind, _("%(partner)s's tier changed")) % words
    url = reverse("partners:detail", args=[partner.pk])
    recipients = partner_admins(tenant=tenant, partner=partner) + channel_managers_for(
        tenant=tenant, partner=partner
    )
    notify(
        tenant=tenant,
        recipients=recipients,
        kind="partner.tier_changed",
        title=title,
        body=_("See the partner's page for the requirements behind this change."),
        url=url,
    )


@listener("partner.tier_changed")
def check_commitments_after_tier_change(event) -> None:
    """A new tier makes other promises: check the partner's commitments again at once."""
    partner_id = event.payload.get("partner_id")
    if partner_id:
        commitment_services.evaluate_commitments(tenant=event.tenant, partner_ids=[int(partner_id)])


@listener("membership.deactivated")
def check_commitments_of_managed_partners(event) -> None:
    """A channel manager who leaves leaves their partners without a named contact."""
    from ecosystem.tenancy.roles import is_staff_role

    from .models import PartnerOrganisation

    if not is_staff_role(event.payload.get("role")) or not event.object_id.isdigit():
        return
    managed = list(
        PartnerOrganisation.objects.for_tenant(event.tenant)
        .filter(channel_manager_id=int(event.object_id))
        .values_list("pk", flat=True)
    )
    if managed:
        commitment_services.evaluate_commitments(tenant=event.tenant, partner_ids=managed)


@listener(commitment_services.UNMET_EVENT)
def tell_about_unmet_commitments(event) -> None:
    """The partner's administrators and its channel manager hear when something its tier
    promises stops being delivered (in the portal and by email)."""
    from django.urls import reverse

    from ecosystem.notifications.selectors import channel_managers_for, partner_admins
    from ecosystem.notifications.services import notify

    from .models import PartnerOrganisation

    tenant = event.tenant
    partner = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .filter(pk=event.payload.get("partner_id"))
        .first()
    )
    items = event.payload.get("commitments") or []
    if partner is None or not items:
        return
    if len(items) == 1:
        title = _("%(partner)s: the tier benefit “%(benefit)s” is not being delivered") % {
            "partner": partner.name,
            "benefit": items[0].get("label", items[0].get("benefit")),
        }
    else:
        title = _("%(partner)s: %(n)s tier benefits are not being delivered") % {
            "partner": partner.name,
            "n": len(items),
        }
    body = "\n".join(
        f"{item.get('label', item.get('benefit'))}: {item.get('detail', '')}" for item in items
    )
    recipients = partner_admins(tenant=tenant, partner=partner) + channel_managers_for(
        tenant=tenant, partner=partner
    )
    notify(
        tenant=tenant,
        recipients=recipients,
        kind=commitment_services.UNMET_EVENT,
        title=title,
        body=body,
        url=reverse("partners:detail", args=[partner.pk]) + "#commitments",
    )
