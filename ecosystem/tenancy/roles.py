"""Roles and the capabilities each grants: the one declared mechanism for role checks.

Views declare `@requires("capability")` (ecosystem.permissions.requires) and viewsets declare
`required_capabilities = {action: capability}`; both resolve through CAPABILITIES below.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    CHANNEL_MANAGER = "channel_manager", _("Channel manager")
    MARKETING_MANAGER = "marketing_manager", _("Marketing manager")
    FINANCE = "finance", _("Finance")
    EXECUTIVE = "executive", _("Executive")
    PARTNER_ADMIN = "partner_admin", _("Partner administrator")
    PARTNER_SALES = "partner_sales", _("Partner sales")
    PARTNER_MARKETING = "partner_marketing", _("Partner marketing")


STAFF_ROLES = frozenset(
    {Role.ADMIN, Role.CHANNEL_MANAGER, Role.MARKETING_MANAGER, Role.FINANCE, Role.EXECUTIVE}
)
PARTNER_ROLES = frozenset({Role.PARTNER_ADMIN, Role.PARTNER_SALES, Role.PARTNER_MARKETING})
STAFF_ROLE_CHOICES = [(role.value, role.label) for role in Role if role in STAFF_ROLES]
PARTNER_ROLE_CHOICES = [(role.value, role.label) for role in Role if role in PARTNER_ROLES]

EVERYONE = frozenset(Role)

# capability -> roles that hold it. Partner roles act only on their own organisation; the
# selectors and services narrow what "their own" means.
CAPABILITIES: dict[str, frozenset[str]] = {
    "portal.use": EVERYONE,
    "partners.view": EVERYONE,
    "partners.view_all": STAFF_ROLES,
    "partners.manage": frozenset({Role.ADMIN, Role.CHANNEL_MANAGER}),
    "partners.edit_own": frozenset({Role.PARTNER_ADMIN}),
    # Staff edit any organisation, a partner admin only their own (selectors narrow it).
    "partners.edit": frozenset({Role.ADMIN, Role.CHANNEL_MANAGER, Role.PARTNER_ADMIN}),
    "members.view": EVERYONE,
    "members.invite": frozenset({Role.ADMIN, Role.CHANNEL_MANAGER, Role.PARTNER_ADMIN}),
    # Revoke a partner's invitations and remove its people (their own organisation for a
    # partner admin).
    "members.manage": frozenset({Role.ADMIN, Role.CHANNEL_MANAGER, Role.PARTNER_ADMIN}),
    "staff.view": STAFF_ROLES,
    "staff.manage": frozenset({Role.ADMIN}),
    "branding.manage": frozenset({Role.ADMIN}),
    "security.manage": frozenset({Role.ADMIN}),
    "audit.view": frozenset({Role.ADMIN}),
    "tokens.manage_own": EVERYONE,
    # Every member reads the tier program (partners must see what each tier gives and
    # needs); staff who run the program change it.
    "tiers.view": EVERYONE,
    "tiers.manage": frozenset({Role.ADMIN, Role.CHANNEL_MANAGER}),
    # Deals: partner sellers register their own; staff see all, decide and register on a
    # partner's behalf. Finance and executives read.
    "deals.view": EVERYONE,
    "deals.register": frozenset(
        {Role.ADMIN, Role.CHANNEL_MANAGER, Role.PARTNER_ADMIN, Role.PARTNER_SALES}
    ),
    "deals.review": frozenset({Role.ADMIN, Role.CHANNEL_MANAGER}),
    "deals.rules": frozenset({Role.ADMIN, Role.CHANNEL_MANAGER}),
    "crm.manage": frozenset({Role.ADMIN, Role.CHANNEL_MANAGER}),
    "crm.view": STAFF_ROLES,
    # Leads: staff (marketing brings them in) route and override; partner sellers answer.
    "leads.view": EVERYONE,
    "leads.manage": frozenset({Role.ADMIN, Role.CHANNEL_MANAGER, Role.MARKETING_MANAGER}),
    "leads.respond": frozenset({Role.PARTNER_ADMIN, Role.PARTNER_SALES}),
    # Partner applications: staff read the queue; admins and channel managers decide and
    # keep the ideal partner profile.
    "applications.view": STAFF_ROLES,
    "applications.review": frozenset({Role.ADMIN, Role.CHANNEL_MANAGER}),
    # Training: every member reads published courses (and downloads certificates they may
    # see); partner people learn; staff read the reports; admins and channel managers author.
    "training.view": EVERYONE,
    "training.learn": PARTNER_ROLES,
    "training.report": STAFF_ROLES,
    "training.manage": frozenset({Role.ADMIN, Role.CHANNEL_MANAGER}),
    # Agreements: every member reads (partner people their own organisation's); program
    # managers write templates, issue, countersign and renew; a partner admin signs.
    "contracts.view": EVERYONE,
    "contracts.manage": frozenset({Role.ADMIN, Role.CHANNEL_MANAGER}),
    "contracts.sign": frozenset({Role.PARTNER_ADMIN}),
    # Onboarding checklists: every member reads (partner people their own organisation's);
    # program managers keep the templates, start checklists, confirm, waive and reopen tasks;
    # the partner's administrator hands in documents and forms (banking details).
    "checklists.view": EVERYONE,
    "checklists.manage": frozenset({Role.ADMIN, Role.CHANNEL_MANAGER}),
    "checklists.submit": frozenset({Role.PARTNER_ADMIN}),
    # Due diligence: reviewers read screening results and decide hits and compliance
    # reviews; admins keep the restricted-party list and the screening settings. Partner
    # people never see screening.
    "compliance.view": frozenset({Role.ADMIN, Role.CHANNEL_MANAGER}),
    "compliance.decide": frozenset({Role.ADMIN, Role.CHANNEL_MANAGER}),
    "compliance.manage": frozenset({Role.ADMIN}),
    # Welcome sequence: staff follow every partner's run; admins, channel and marketing
    # managers write the steps and start it; every member reads the messages sent to them
    # (partner people their own organisation's).
    "sequences.view": STAFF_ROLES,
    "sequences.manage": frozenset({Role.ADMIN, Role.CHANNEL_MANAGER, Role.MARKETING_MANAGER}),
    "sequences.read_message": EVERYONE,
    # Surveys go to partner administrators, who answer their own; staff read the results.
    "surveys.answer": frozenset({Role.PARTNER_ADMIN}),
    "surveys.results": STAFF_ROLES,
    # Market development funds: admins and finance own the budgets; channel and marketing
    # managers decide requests; partner admins and marketers request for their organisation.
    "mdf.view": EVERYONE,
    "mdf.manage_funds": frozenset({Role.ADMIN, Role.FINANCE}),
    "mdf.review": frozenset({Role.ADMIN, Role.CHANNEL_MANAGER, Role.MARKETING_MANAGER}),
    "mdf.request": frozenset({Role.PARTNER_ADMIN, Role.PARTNER_MARKETING}),
    # Finance pays approved claims (alone or in batches) and exports them.
    "mdf.pay": frozenset({Role.ADMIN, Role.FINANCE}),
    # Funds, their allocations and the accrual report: read by those who own the budgets
    # and those who decide requests.
    "mdf.view_funds": frozenset(
        {Role.ADMIN, Role.FINANCE, Role.CHANNEL_MANAGER, Role.MARKETING_MANAGER}
    ),
    # What MDF returned: staff (executives included) for the whole program; partner people
    # for their own organisation (the page narrows it).
    "mdf.roi": STAFF_ROLES | PARTNER_ROLES,
    # Incentives (rebates, referral fees, SPIFFs): every member reads (partner people their
    # own organisation's earnings and statements); admins and finance write the programs;
    # finance and admins approve and pay statements.
    "incentives.view": EVERYONE,
    "incentives.manage": frozenset({Role.ADMIN, Role.FINANCE}),
    "incentives.approve": frozenset({Role.FINANCE, Role.ADMIN}),
    # Through-channel marketing. Every member reads the content library (partners what
    # their audience lets them see); marketing managers and admins write it, the co-brand
    # templates, campaigns and announcements and approve renditions. Partner admins and
    # marketers activate campaigns, co-brand, email their own lists and keep their feed;
    # partner sellers co-brand too.
    "content.view": EVERYONE,
    "content.manage": frozenset({Role.ADMIN, Role.MARKETING_MANAGER}),
    "cobrand.use": PARTNER_ROLES,
    "cobrand.manage": frozenset({Role.ADMIN, Role.MARKETING_MANAGER}),
    "campaigns.view": EVERYONE,
    "campaigns.manage": frozenset({Role.ADMIN, Role.MARKETING_MANAGER}),
    "campaigns.activate": frozenset({Role.PARTNER_ADMIN, Role.PARTNER_MARKETING}),
    "campaigns.outreach": frozenset({Role.PARTNER_ADMIN, Role.PARTNER_MARKETING}),
    "feed.manage": frozenset({Role.PARTNER_ADMIN, Role.PARTNER_MARKETING}),
    "announcements.view": EVERYONE,
    "announcements.manage": frozenset({Role.ADMIN, Role.MARKETING_MANAGER, Role.CHANNEL_MANAGER}),
    "events.view": EVERYONE,
    "events.manage": frozenset({Role.ADMIN, Role.MARKETING_MANAGER, Role.CHANNEL_MANAGER}),
    "events.host": frozenset({Role.PARTNER_ADMIN, Role.PARTNER_MARKETING}),
    # Campaign and content results: staff for the program, partner people their own.
    "marketing.results": STAFF_ROLES | PARTNER_ROLES,
}


def has_capability(role: str | None, capability: str) -> bool:
    if role is None:
        return False
    try:
        return role in CAPABILITIES[capability]
    except KeyError:  # a typo in a declaration must fail loudly, not deny silently
        raise LookupError(f"Unknown capability {capability!r}") from None


def is_staff_role(role: str | None) -> bool:
    return role in STAFF_ROLES


def is_partner_role(role: str | None) -> bool:
    return role in PARTNER_ROLES
