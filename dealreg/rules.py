"""Rules of engagement: the tenant's settings, the checks a registration must pass, and the
auto-approval rules with the reason each passed or failed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from ecosystem.audit.services import diff, record, snapshot
from ecosystem.errors import ValidationFailed
from ecosystem.tenancy.models import Membership

from .models import RulesOfEngagement

RULE_FIELDS = [
    "protection_days",
    "extension_days",
    "max_extensions",
    "review_sla_hours",
    "duplicate_threshold",
    "minimum_amount",
    "allowed_countries",
    "restrict_to_partner_territory",
    "auto_approve",
    "auto_approve_max_amount",
    "auto_approve_min_tier",
    "escalation_contact",
    "lead_offer_hours",
    "guidance",
]

# Reasons offered to reviewers when rejecting; free text is always allowed too.
REJECTION_REASONS = [
    gettext_lazy("Duplicate of an earlier registration by another partner"),
    gettext_lazy("Named account reserved for direct sales"),
    gettext_lazy("Customer already in the vendor's active pipeline"),
    gettext_lazy("Not enough information to verify the opportunity"),
    gettext_lazy("Outside the partner's authorised territory or products"),
    gettext_lazy("Below the program's minimum deal size"),
]


def rules_for(tenant) -> RulesOfEngagement:
    """The tenant's rules, created with the defaults on first use."""
    rules = (
        RulesOfEngagement.objects.for_tenant(tenant).select_related("auto_approve_min_tier").first()
    )
    if rules is None:
        rules, _created = RulesOfEngagement.objects.for_tenant(tenant).get_or_create(tenant=tenant)
    return rules


@transaction.atomic
def update_rules(*, tenant, actor: Membership | None, data: dict) -> RulesOfEngagement:
    """Change the rules of engagement (validated like the model's fields); audited."""
    unknown = sorted(set(data) - set(RULE_FIELDS))
    if unknown:
        raise ValidationFailed(errors={field: [_("Unknown field.")] for field in unknown})
    rules = rules_for(tenant)
    rules = RulesOfEngagement.objects.for_tenant(tenant).select_for_update().get(pk=rules.pk)
    before = snapshot(rules, list(data))
    for field, value in data.items():
        setattr(rules, field, value)
    for field in ("auto_approve_min_tier", "escalation_contact"):
        related = getattr(rules, field)
        if related is not None and related.tenant_id != tenant.pk:
            raise ValidationFailed(_("Choose one of this program's own records."), field=field)
    contact = rules.escalation_contact
    if contact is not None and not contact.is_staff_member:
        raise ValidationFailed(
            _("The escalation contact must be vendor staff."), field="escalation_contact"
        )
    try:
        rules.full_clean(exclude=["tenant"])
    except ValidationError as error:
        raise ValidationFailed(errors=error.message_dict) from None
    rules.save()
    changes = diff(before, snapshot(rules, list(data)))
    if changes:
        record(
            tenant=tenant,
            actor=actor.user if actor else None,
            action="deal_rules.updated",
            obj=rules,
            changes=changes,
        )
    return rules


def check_registration(
    *, rules: RulesOfEngagement, tenant, partner, country: str, amount, currency
):
    """Hard rules: a registration breaking one is refused with the field to fix."""
    errors: dict[str, list[str]] = {}
    if rules.allowed_countries and country not in {str(c) for c in rules.allowed_countries}:
        errors["customer_country"] = [
            _("Registrations are not open for customers in %(country)s.")
            % {"country": countries.name(country) or country}
        ]
    elif rules.restrict_to_partner_territory:
        territory = {str(c) for c in partner.countries_served} | {str(partner.country)}
        if country not in territory:
            errors["customer_country"] = [
                _(
                    "%(partner)s is not authorised to sell in %(country)s; ask your channel "
                    "manager to add it to the countries you serve."
                )
                % {"partner": partner.name, "country": countries.name(country) or country}
            ]
    if (
        rules.minimum_amount
        and currency == tenant.default_currency
        and amount < rules.minimum_amount
    ):
        errors["amount"] = [
            _("The minimum deal size is %(minimum)s %(currency)s.")
            % {"minimum": f"{rules.minimum_amount:,.2f}", "currency": currency}
        ]
    if errors:
        raise ValidationFailed(errors=errors)


@dataclass(frozen=True)
class RuleOutcome:
    passed: bool
    text: str


def auto_approval(
    *,
    rules: RulesOfEngagement,
    tenant,
    partner,
    amount: Decimal,
    currency: str,
    named_account,
    duplicates,
    threshold: float,
) -> list[RuleOutcome]:
    """Each auto-approval rule with whether it passed and why, in plain words.

    A registration is approved at once only when every outcome passed."""
    from partners.models import PartnerStatus

    outcomes = [
        RuleOutcome(
            rules.auto_approve,
            _("auto-approval is on") if rules.auto_approve else _("auto-approval is switched off"),
        ),
        RuleOutcome(
            partner.status == PartnerStatus.ACTIVE,
            _("partner is active")
            if partner.status == PartnerStatus.ACTIVE
            else _("partner is %(status)s, not active")
            % {"status": partner.get_status_display().lower()},
        ),
    ]
    minimum_tier = rules.auto_approve_min_tier
    if minimum_tier is not None:
        tier = partner.tier
        meets = tier is not None and tier.rank >= minimum_tier.rank
        outcomes.append(
            RuleOutcome(
                meets,
                _("tier %(tier)s is at least %(minimum)s")
                % {"tier": tier.name, "minimum": minimum_tier.name}
                if meets
                else _("tier %(tier)s is below %(minimum)s")
                % {"tier": tier.name if tier else _("none"), "minimum": minimum_tier.name},
            )
        )
    limit = rules.auto_approve_max_amount
    if limit is not None:
        if currency != tenant.default_currency:
            outcomes.append(
                RuleOutcome(
                    False,
                    _(
                        "amount in %(currency)s cannot be compared with the "
                        "%(limit)s %(default)s limit"
                    )
                    % {
                        "currency": currency,
                        "limit": f"{limit:,.2f}",
                        "default": tenant.default_currency,
                    },
                )
            )
        else:
            within = amount <= limit
            outcomes.append(
                RuleOutcome(
                    within,
                    (
                        _("amount %(amount)s %(currency)s is within %(limit)s")
                        if within
                        else _("amount %(amount)s %(currency)s is above %(limit)s")
                    )
                    % {"amount": f"{amount:,.2f}", "currency": currency, "limit": f"{limit:,.2f}"},
                )
            )
    outcomes.append(
        RuleOutcome(
            named_account is None,
            _("not a named account")
            if named_account is None
            else _("“%(name)s” is a named account reserved for direct sales")
            % {"name": named_account.name},
        )
    )
    flagged = [match for match in duplicates if match.score >= threshold]
    outcomes.append(
        RuleOutcome(
            not flagged,
            _("no possible duplicate at or above %(threshold)s") % {"threshold": f"{threshold:.2f}"}
            if not flagged
            else _("%(count)s possible duplicate(s), best score %(score)s")
            % {"count": len(flagged), "score": f"{flagged[0].score:.2f}"},
        )
    )
    return outcomes
