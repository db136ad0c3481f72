"""Tier health pages: whether the vendor delivers what each tier promises (/tiers/health/),
and the staff action that attests a benefit on a partner's page."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecosystem.errors import DomainError
from ecosystem.permissions import requires

from . import commitment_selectors, commitment_services, commitments, selectors
from .models import CommitmentStatus
from .tier_forms import AttestationForm

PARTNERS_PER_PAGE = 25
HEALTH_FILTERS = {"q": "search", "benefit": "benefit", "status": "status", "tier": "tier"}


def _query_param(request, name: str) -> str:
    # PostgreSQL refuses NUL characters in text: drop them rather than answer 500.
    return request.GET.get(name, "").replace("\x00", "").strip()[:200]


@requires("partners.view_all")
def tier_health(request):
    """Per benefit, how many partners get what their tier promises; then the partners who
    do not (not met first), filtered and paginated."""
    tenant = request.tenant
    filters = {argument: _query_param(request, name) for name, argument in HEALTH_FILTERS.items()}
    partners = commitment_selectors.partners_with_unmet_commitments(tenant=tenant, **filters)
    return render(
        request,
        "partners/tiers/health.html",
        {
            "totals": commitment_selectors.commitment_totals(tenant=tenant),
            "page": Paginator(partners, PARTNERS_PER_PAGE).get_page(request.GET.get("page")),
            "benefits": [(item.code, item.label) for item in commitments.all_commitments()],
            "statuses": [
                (value, label)
                for value, label in CommitmentStatus.choices
                if value in commitment_selectors.UNMET_STATUSES
            ],
            "tiers": selectors.tiers(tenant=tenant),
            "is_filtered": any(filters.values()),
            "base_url": reverse("tier_health"),
        },
    )


@requires("tiers.manage")
@require_POST
def commitment_attest(request, pk):
    """Record that a benefit is configured for the partner (e.g. its discount in the price
    book); back to the partner's page with the result."""
    partner = get_object_or_404(
        selectors.partners_visible_to(tenant=request.tenant, membership=request.membership),
        pk=pk,
    )
    form = AttestationForm(request.POST)
    if form.is_valid():
        try:
            commitment_services.attest_commitment(
                tenant=request.tenant,
                actor=request.user,
                partner_id=partner.pk,
                **form.cleaned_data,
            )
        except DomainError as error:
            messages.error(request, error.message or str(error.as_dict()))
        else:
            messages.success(request, _saved_message(form.cleaned_data["benefit"]))
    else:
        messages.error(
            request,
            " ".join(
                f"{form.fields[name].label or name}: {' '.join(errors)}"
                for name, errors in form.errors.items()
            ),
        )
    return redirect(reverse("partners:detail", args=[partner.pk]) + "#commitments")


def _saved_message(benefit: str) -> str:
    found = commitments.get_commitment(benefit)
    return _("Attestation recorded for %(benefit)s.") % {
        "benefit": found.label if found else benefit
    }
