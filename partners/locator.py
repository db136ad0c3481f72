"""The public partner locator of a tenant: no sign-in, only what partners chose to show.

Served on the tenant's host at /locator/. Lists partners that opted in (`is_listed`) and
are active; each shows its name and type plus the fields in its `listed_fields`. People's
emails are never shown: only the partner's own public contact address, when listed.
"""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from . import selectors
from .models import Industry, Region
from .views import listing_context


def _tenant_of(request):
    if request.tenant is None:  # pragma: no cover - the platform host has no locator URLs
        raise Http404
    return request.tenant


@require_GET
def locator(request):
    _tenant_of(request)
    return render(request, "partners/locator/list.html", listing_context(request))


@require_GET
def locator_detail(request, pk):
    tenant = _tenant_of(request)
    partner = get_object_or_404(selectors.listed_partners(tenant=tenant), pk=pk)
    return render(
        request,
        "partners/locator/detail.html",
        {
            "partner": partner,
            "region_labels": dict(Region.choices),
            "industry_labels": dict(Industry.choices),
        },
    )


@require_GET
def locator_logo(request, pk):
    tenant = _tenant_of(request)
    partner = get_object_or_404(
        selectors.listed_partners(tenant=tenant).filter(
            selectors.json_list_contains("listed_fields", "logo")
        ),
        pk=pk,
    )
    if not partner.logo:
        raise Http404
    return FileResponse(partner.logo.open("rb"), content_type="image/png")
