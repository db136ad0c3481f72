"""Timed work of deal registration and lead routing (ecosystem.scheduling)."""

from ecosystem.scheduling.registry import due_handler

EXPIRY_WORK = "dealreg.protection_expiry"
WARNING_WORK = "dealreg.protection_warning"
ESCALATION_WORK = "dealreg.review_escalation"


@due_handler(EXPIRY_WORK)
def protection_expiry(work) -> None:
    from . import services

    services.expire_deal(tenant=work.tenant, deal_id=int(work.key))


@due_handler(WARNING_WORK)
def protection_warning(work) -> None:
    from . import services

    services.warn_expiry(tenant=work.tenant, deal_id=int(work.key))


@due_handler(ESCALATION_WORK)
def review_escalation(work) -> None:
    from . import services

    services.escalate_review(tenant=work.tenant, deal_id=int(work.key))


LEAD_OFFER_WORK = "dealreg.lead_offer_expiry"


@due_handler(LEAD_OFFER_WORK)
def lead_offer_expiry(work) -> None:
    from . import leads

    leads.expire_offer(tenant=work.tenant, offer_id=int(work.key))
