from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ecosystem.permissions import membership_of
from ecosystem.tenancy.roles import has_capability

# (label, url name, capability, section prefix): navigation shown to those who hold the
# capability. The entry is highlighted on its own URL and, when given, on every path under
# its section prefix (Settings spans several pages).
NAVIGATION = [
    (_("Home"), "home", "portal.use", None),
    (_("Partners"), "partners:list", "partners.view_all", None),
    (_("Applications"), "applications:queue", "applications.view", "/applications/"),
    (_("My organisation"), "partners:mine", "partners.edit_own", None),
    (_("Partner directory"), "partners:directory", "partners.view", None),
    (_("Tiers"), "program_tiers", "tiers.view", None),
    (_("Deals"), "deals:list", "deals.view", None),
    (_("Review queue"), "deals:review", "deals.review", None),
    (_("Leads"), "leads:list", "leads.manage", "/leads/"),
    (_("Lead inbox"), "leads:inbox", "leads.respond", "/leads/"),
    (_("CRM records"), "crm:accounts", "crm.view", "/crm/"),
    (_("Training"), "training:courses", "training.report", "/training/"),
    (_("Training"), "training:my_learning", "training.learn", "/training/"),
    (_("Agreements"), "contracts:list", "contracts.view", "/agreements/"),
    (_("Onboarding"), "checklists:overview", "partners.view_all", "/onboarding/"),
    (_("Compliance"), "screening:reviews", "compliance.view", "/compliance/"),
    (_("Welcome sequence"), "sequences:overview", "sequences.view", "/welcome/"),
    (_("Surveys"), "surveys:results", "surveys.results", "/surveys/"),
    (_("Surveys"), "surveys:mine", "surveys.answer", "/surveys/"),
    (_("Team"), "team", "staff.view", None),
    (_("Audit log"), "audit_log", "audit.view", None),
    (_("Settings"), "settings_branding", "branding.manage", "/settings/"),
]


def portal(request):
    tenant = getattr(request, "tenant", None)
    membership = membership_of(request)
    navigation = []
    if membership is not None:
        for label, url_name, capability, section in NAVIGATION:
            if has_capability(membership.role, capability):
                url = reverse(url_name)
                prefix = section or url
                navigation.append(
                    {
                        "label": label,
                        "url": url,
                        "active": request.path == url
                        or (prefix != "/" and request.path.startswith(prefix)),
                    }
                )
    return {"tenant": tenant, "membership": membership, "navigation": navigation}
