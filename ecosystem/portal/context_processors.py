from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ecosystem.permissions import membership_of
from ecosystem.tenancy.roles import has_capability

# (label, url name, capability, section prefix[, group]): navigation shown to those who
# hold the capability. The entry is highlighted on its own URL and, when given, on every
# path under its section prefix (Settings spans several pages). Entries of a group collapse
# into one item named after the group, linking to its first entry, when a member may open
# more than two of them; the group's pages then show its entries as a second row.
ONBOARDING = _("Onboarding")
FUNDS = _("Funds")
# Through-channel marketing. Entries, in this order, after Incentives: Content (/content/),
# Co-branding (/cobrand/), Campaigns (/campaigns/), Announcements (/announcements/),
# Events (/events/), Results (/marketing/results/).
MARKETING = _("Marketing")
NAVIGATION: list[tuple[Any, ...]] = [
    (_("Home"), "home", "portal.use", None),
    (_("Partners"), "partners:list", "partners.view_all", None),
    (_("My organisation"), "partners:mine", "partners.edit_own", None),
    (_("Applications"), "applications:queue", "applications.view", "/applications/", ONBOARDING),
    (_("Checklists"), "checklists:overview", "partners.view_all", "/onboarding/", ONBOARDING),
    (_("Agreements"), "contracts:list", "contracts.view", "/agreements/", ONBOARDING),
    (_("Compliance"), "screening:reviews", "compliance.view", "/compliance/", ONBOARDING),
    (_("Welcome sequence"), "sequences:overview", "sequences.view", "/welcome/", ONBOARDING),
    (_("Surveys"), "surveys:results", "surveys.results", "/surveys/", ONBOARDING),
    (_("Surveys"), "surveys:mine", "surveys.answer", "/surveys/", ONBOARDING),
    (_("Partner directory"), "partners:directory", "partners.view", None),
    (_("Tiers"), "program_tiers", "tiers.view", None),
    (_("Deals"), "deals:list", "deals.view", None),
    (_("Review queue"), "deals:review", "deals.review", None),
    (_("Leads"), "leads:list", "leads.manage", "/leads/"),
    (_("Lead inbox"), "leads:inbox", "leads.respond", "/leads/"),
    (_("CRM records"), "crm:accounts", "crm.view", "/crm/"),
    (_("Funds"), "mdf:home", "mdf.view", "/mdf/", FUNDS),
    (_("MDF review"), "mdf:review", "mdf.review", "/mdf/review/", FUNDS),
    (_("Budgets"), "mdf_finance:funds", "mdf.view_funds", "/mdf/funds/", FUNDS),
    (_("MDF payouts"), "mdf_finance:payouts", "mdf.pay", "/mdf/payouts/", FUNDS),
    (_("MDF ROI"), "mdf_finance:roi", "mdf.roi", "/mdf/roi/", FUNDS),
    (_("Incentives"), "incentives:statements", "incentives.view", "/incentives/", FUNDS),
    (_("Training"), "training:courses", "training.report", "/training/"),
    (_("Training"), "training:my_learning", "training.learn", "/training/"),
    (_("Team"), "team", "staff.view", None),
    (_("Audit log"), "audit_log", "audit.view", None),
    (_("Settings"), "settings_branding", "branding.manage", "/settings/"),
]
GROUP_COLLAPSES_ABOVE = 2
# Groups that collapse sooner: partner money (MDF overview, review, budgets, payouts, ROI
# and incentives) is one section, and so is marketing.
GROUP_COLLAPSES_ABOVE_FOR = {FUNDS: 1, MARKETING: 1}


def _entries(request, membership) -> list[dict]:
    entries = []
    for label, url_name, capability, section, *group in NAVIGATION:
        if has_capability(membership.role, str(capability)):
            url = reverse(str(url_name))
            prefix = section or url
            entries.append(
                {
                    "label": label,
                    "url": url,
                    "active": request.path == url
                    or (prefix != "/" and request.path.startswith(prefix)),
                    "group": group[0] if group else None,
                    "prefix": prefix,
                }
            )
    # In a group, only the most specific entry is current (/mdf/payouts/ is Payouts, not
    # also the /mdf/ overview).
    for entry in entries:
        if entry["active"] and entry["group"] is not None:
            entry["active"] = not any(
                other["active"]
                and other["group"] == entry["group"]
                and len(other["prefix"]) > len(entry["prefix"])
                for other in entries
            )
    return entries


def _collapse(entries: list[dict]) -> tuple[list[dict], list[dict]]:
    """The top row (groups with more than GROUP_COLLAPSES_ABOVE entries as one item) and
    the second row: the entries of the group the page belongs to."""
    sizes: dict = {}
    for entry in entries:
        if entry["group"] is not None:
            sizes[entry["group"]] = sizes.get(entry["group"], 0) + 1
    navigation, subnavigation, placed = [], [], set()
    for entry in entries:
        group = entry["group"]
        if group is None or sizes[group] <= GROUP_COLLAPSES_ABOVE_FOR.get(
            group, GROUP_COLLAPSES_ABOVE
        ):
            navigation.append(entry)
            continue
        children = [other for other in entries if other["group"] == group]
        if any(child["active"] for child in children):
            subnavigation = children
        if group not in placed:
            placed.add(group)
            navigation.append(
                {
                    "label": group,
                    "url": entry["url"],
                    "active": any(child["active"] for child in children),
                    "group": None,
                }
            )
    return navigation, subnavigation


def portal(request):
    tenant = getattr(request, "tenant", None)
    membership = membership_of(request)
    navigation: list[dict] = []
    subnavigation: list[dict] = []
    if membership is not None:
        navigation, subnavigation = _collapse(_entries(request, membership))
    return {
        "tenant": tenant,
        "membership": membership,
        "navigation": navigation,
        "subnavigation": subnavigation,
    }
