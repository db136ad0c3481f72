from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ecosystem.permissions import membership_of
from ecosystem.tenancy.roles import has_capability

# (label, url name, capability): navigation shown to those who hold the capability.
NAVIGATION = [
    (_("Home"), "home", "portal.use"),
    (_("Partners"), "partners:list", "partners.view_all"),
    (_("My organisation"), "partners:mine", "partners.edit_own"),
]


def portal(request):
    tenant = getattr(request, "tenant", None)
    membership = membership_of(request)
    navigation = []
    if membership is not None:
        for label, url_name, capability in NAVIGATION:
            if has_capability(membership.role, capability):
                url = reverse(url_name)
                navigation.append(
                    {
                        "label": label,
                        "url": url,
                        "active": request.path == url
                        or (url != "/" and request.path.startswith(url)),
                    }
                )
    return {"tenant": tenant, "membership": membership, "navigation": navigation}
