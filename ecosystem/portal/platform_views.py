"""Pages on the bare base domain."""

from django.shortcuts import render

from ecosystem.tenancy.models import Membership


def choose_tenant(request):
    """Signed in: the programs this person belongs to. Signed out: what this is, and sign-in."""
    memberships = []
    if request.user.is_authenticated:
        memberships = (
            Membership.objects.across_tenants()
            .filter(user=request.user, is_active=True, tenant__is_active=True)
            .select_related("tenant", "partner_organisation")
            .order_by("tenant__name")
        )
    return render(request, "portal/platform_home.html", {"memberships": memberships})
