"""Duplicate detection against the tenant's deals and CRM opportunities.

Candidates come from an index, never a scan: records sharing a search key (a GIN index on
PostgreSQL). `matching.candidate_keys` (registrable domain, domain label, the name's
letters and its one-letter-deleted forms) find every record the scorer can flag;
`matching.related_keys` (the distinctive name, its first word) add, bounded, the weaker
"possible duplicates". Each candidate is then scored by dealreg.matching, which explains
itself in plain reasons. The embedded default (SQLite) runs the same queries unindexed.

Trigram similarity of whole names is no candidate search at scale: "Mapt Telecom" shares
a third of its trigrams with every "… Telecom" in the tenant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from . import matching
from .models import OPEN_STATUSES, CrmOpportunity, Deal, MatchKind, NamedAccount

CANDIDATES_PER_SOURCE = 40
RELATED_PER_KEY = 20
# pg_trgm's similarity floor for the named-account search: well below the scorer's
# threshold, so the scorer, not the index, decides.
TRIGRAM_FLOOR = "0.3"


@dataclass
class FoundMatch:
    kind: str
    record: Deal | CrmOpportunity
    score: float
    reasons: list[str] = field(default_factory=list)

    @property
    def record_id(self) -> int:
        return self.record.pk

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "id": self.record_id,
            "score": self.score,
            "reasons": self.reasons,
        }


def _candidates(queryset, identity: matching.Identity, *, open_filter: Q) -> list:
    """Records sharing a search key with `identity`: every one the scorer can flag (open
    ones first, then the newest, bounded), then, bounded, some sharing only a weaker key."""
    queryset = queryset.defer("search_keys")
    records = list(
        queryset.filter(search_keys__has_any_keys=sorted(matching.candidate_keys(identity)))
        .annotate(is_open_now=Case(When(open_filter, then=Value(0)), default=Value(1)))
        .order_by("is_open_now", "-pk")[:CANDIDATES_PER_SOURCE]
    )
    for key in matching.related_keys(identity):
        # Unordered: a weak key such as "word:first" can be shared by thousands of
        # records, and these only ever make "possible duplicates".
        records += (
            queryset.filter(search_keys__has_key=key)
            .exclude(pk__in=[record.pk for record in records])
            .order_by()[:RELATED_PER_KEY]
        )
    return records


def _deal_context(
    products: frozenset[str], expected_close: date | None, deal: Deal, viewer_partner_id
):
    other = viewer_partner_id is None or deal.partner_id != viewer_partner_id
    visible = viewer_partner_id is None or not other
    return matching.Context(
        products=products,
        other_products=frozenset(deal.products or []),
        is_open=deal.status in OPEN_STATUSES,
        expected_close=expected_close,
        other_expected_close=deal.expected_close_date,
        registered_on=timezone.localdate(deal.created_at) if deal.created_at else None,
        protected_until=timezone.localdate(deal.protection_expires_at)
        if deal.protection_expires_at
        else None,
        by_other_partner=other,
        candidate_label=deal.customer_name if visible else "",
    )


def find_duplicates(
    *,
    tenant,
    identity: matching.Identity,
    products=(),
    expected_close: date | None = None,
    exclude_deal_id: int | None = None,
    viewer_partner_id: int | None = None,
    minimum_score: float = 0.5,
) -> list[FoundMatch]:
    """Possible duplicates of a customer among the tenant's deals and CRM opportunities,
    best first, each scored in [0, 1] with its reasons.

    `viewer_partner_id` is the asking partner (None for staff): another partner's deal is
    then described without its customer's name, so nothing about it is revealed."""
    product_set = frozenset(str(product) for product in products or [])
    today = timezone.localdate()
    found: list[FoundMatch] = []

    deals = Deal.objects.for_tenant(tenant)
    if exclude_deal_id is not None:
        deals = deals.exclude(pk=exclude_deal_id)
    for deal in _candidates(deals, identity, open_filter=Q(status__in=OPEN_STATUSES)):
        context = _deal_context(product_set, expected_close, deal, viewer_partner_id)
        result = matching.score_match(identity, deal.identity, context, today=today)
        if result.score >= minimum_score:
            found.append(FoundMatch(MatchKind.DEAL, deal, result.score, list(result.reasons)))

    opportunities = CrmOpportunity.objects.for_tenant(tenant)
    for opportunity in _candidates(opportunities, identity, open_filter=Q(is_open=True)):
        context = matching.Context(
            products=product_set,
            other_products=frozenset(opportunity.products or []),
            is_open=opportunity.is_open,
            expected_close=expected_close,
            other_expected_close=opportunity.close_date,
            # A partner learns that the vendor already works this customer, not the
            # opportunity's own name or stage.
            candidate_label=opportunity.customer_name if viewer_partner_id is None else "",
        )
        result = matching.score_match(identity, opportunity.identity, context, today=today)
        if result.score >= minimum_score:
            reasons = [*result.reasons, _vendor_pipeline_reason(opportunity, viewer_partner_id)]
            found.append(FoundMatch(MatchKind.OPPORTUNITY, opportunity, result.score, reasons))

    found.sort(key=lambda match: (-match.score, match.kind, match.record_id))
    return found


def _vendor_pipeline_reason(opportunity: CrmOpportunity, viewer_partner_id) -> str:
    if not opportunity.is_open:
        return _("in the vendor's closed pipeline")
    if viewer_partner_id is not None:
        return _("in the vendor's open pipeline")
    return _("in the vendor's open pipeline (%(stage)s)") % {
        "stage": opportunity.stage or _("no stage")
    }


def named_account_for(*, tenant, identity: matching.Identity) -> NamedAccount | None:
    """The named (direct-sales) account this customer is, if any: same registrable domain,
    or a name match the scorer flags."""
    accounts = NamedAccount.objects.for_tenant(tenant)
    condition = Q(name_key=identity.name_key)
    if identity.domain_key:
        condition |= Q(domain_key=identity.domain_key)
    candidates = list(accounts.filter(condition)[:CANDIDATES_PER_SOURCE])
    if connection.vendor == "postgresql" and identity.name_key:
        # Named accounts are few (a direct-sales list): trigrams of the whole name do.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [TRIGRAM_FLOOR]
            )
        candidates += list(
            accounts.filter(name_key__trigram_similar=identity.name_key).exclude(
                pk__in=[account.pk for account in candidates]
            )[:CANDIDATES_PER_SOURCE]
        )
    elif identity.name_key:
        candidates += list(accounts.exclude(pk__in=[a.pk for a in candidates])[:500])
    best, best_score = None, 0.0
    for account in candidates:
        other = matching.identity(
            account.name, account.domain, str(account.country or identity.country)
        )
        score = matching.score_identity(identity, other).score
        if score > best_score:
            best, best_score = account, score
    return (
        best if best is not None and matching.is_duplicate(matching.Match(best_score, [])) else None
    )
