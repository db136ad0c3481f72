from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from ecosystem.permissions import requires

from . import selectors
from .models import PartnerStatus, PartnerType


@requires("partners.view_all")
def partner_list(request):
    partners = selectors.partner_list(
        tenant=request.tenant,
        membership=request.membership,
        search=request.GET.get("q", "").strip(),
        partner_type=request.GET.get("type", ""),
        status=request.GET.get("status", ""),
    )
    page = Paginator(partners, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/list.html",
        {"page": page, "types": PartnerType.choices, "statuses": PartnerStatus.choices},
    )


@requires("partners.edit_own")
def my_organisation(request):
    return redirect("partners:detail", pk=request.membership.partner_organisation_id)


@requires("partners.view")
def partner_detail(request, pk):
    partner = get_object_or_404(
        selectors.partners_visible_to(tenant=request.tenant, membership=request.membership), pk=pk
    )
    return render(
        request,
        "partners/detail.html",
        {
            "partner": partner,
            "members": selectors.members_of(tenant=request.tenant, partner=partner),
            "invitations": selectors.pending_invitations(tenant=request.tenant, partner=partner),
        },
    )
