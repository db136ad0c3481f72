"""Offboarding a partner (/partners/<id>/offboarding/): what leaving would do, the
decision, the history, and reactivation. Staff who manage partners only."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecosystem.errors import DomainError
from ecosystem.permissions import requires
from ecosystem.portal.forms import add_domain_error
from partners.models import PartnerStatus

from . import offboarding_selectors as selectors
from . import offboarding_services as services
from .offboarding_forms import OffboardForm, ReactivateForm


def _partner(request, pk):
    partner = selectors.partner_for_offboarding(tenant=request.tenant, pk=pk)
    if partner is None:
        raise Http404
    return partner


def _page(request, partner, *, offboard_form=None, reactivate_form=None, status=200):
    offboarded = partner.status == PartnerStatus.OFFBOARDED
    return render(
        request,
        "onboarding/offboarding/partner.html",
        {
            "partner": partner,
            "offboarded": offboarded,
            "impact": None
            if offboarded
            else selectors.impact(tenant=request.tenant, partner=partner),
            "history": selectors.history(tenant=request.tenant, partner=partner),
            "offboard_form": offboard_form or OffboardForm(tenant=request.tenant, partner=partner),
            "reactivate_form": reactivate_form or ReactivateForm(),
        },
        status=status,
    )


@requires("partners.manage")
def partner(request, pk: int):
    partner = _partner(request, pk)
    if request.method != "POST":
        return _page(request, partner)
    form = OffboardForm(request.POST, tenant=request.tenant, partner=partner)
    if form.is_valid():
        try:
            services.offboard_partner(
                tenant=request.tenant,
                actor=request.membership,
                partner_id=partner.pk,
                reason=form.cleaned_data["reason"],
                reassign_to=getattr(form.cleaned_data["reassign_to"], "pk", None),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("%(partner)s is offboarded.") % {"partner": partner.name})
            return redirect("offboarding:partner", pk=partner.pk)
    return _page(request, partner, offboard_form=form, status=400)


@require_POST
@requires("partners.manage")
def reactivate(request, pk: int):
    partner = _partner(request, pk)
    form = ReactivateForm(request.POST)
    if form.is_valid():
        try:
            services.reactivate_partner(
                tenant=request.tenant,
                actor=request.membership,
                partner_id=partner.pk,
                reason=form.cleaned_data["reason"],
                to_status=form.cleaned_data["to_status"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("%(partner)s is back.") % {"partner": partner.name})
            return redirect("partners:detail", pk=partner.pk)
    return _page(request, partner, reactivate_form=form, status=400)
