"""Tier program pages: the read-only ladder every member sees (/tiers/) and the settings
pages where staff configure tiers, requirements and the program (/settings/tiers/)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecosystem.errors import DomainError
from ecosystem.permissions import requires
from ecosystem.portal.forms import add_domain_error

from . import tier_admin, tier_selectors
from .models import Tier
from .tier_forms import RequirementForm, TierForm, TierProgramForm

TIER_FORM_FIELDS = list(TierForm.base_fields)


def _cards(tenant, *, with_partner_counts: bool = False, with_forms: bool = False) -> list:
    """Each tier with its requirements in plain words (two queries, however many tiers)."""
    cards = []
    for tier in tier_selectors.tiers_with_requirements(
        tenant=tenant, with_partner_counts=with_partner_counts
    ):
        requirements = list(tier.requirements.all())
        cards.append(
            {
                "tier": tier,
                "requirements": [
                    (requirement, tier_selectors.describe_requirement(requirement))
                    for requirement in requirements
                ],
                "mode": tier_selectors.describe_mode(tier, len(requirements)),
                "requirement_form": RequirementForm(prefix_id=f"tier{tier.pk}")
                if with_forms
                else None,
            }
        )
    return cards


def _tier(request, pk) -> Tier:
    return get_object_or_404(Tier.objects.for_tenant(request.tenant), pk=pk)


def _requirement(request, pk):
    return get_object_or_404(
        tier_selectors.requirements_of(tenant=request.tenant).select_related("tier"), pk=pk
    )


@requires("tiers.view")
def program_tiers(request):
    membership = request.membership
    current_tier_id = (
        membership.partner_organisation.tier_id if membership.is_partner_member else None
    )
    return render(
        request,
        "partners/tiers/program.html",
        {"cards": _cards(request.tenant), "current_tier_id": current_tier_id},
    )


def _settings_page(request, program_form=None):
    program = tier_selectors.tier_program(tenant=request.tenant)
    return render(
        request,
        "partners/tiers/settings.html",
        {
            "cards": _cards(request.tenant, with_partner_counts=True, with_forms=True),
            "program": program,
            "program_form": program_form
            or TierProgramForm(
                initial={
                    "grace_period_days": program.grace_period_days,
                    "next_review_on": program.next_review_on,
                }
            ),
            "section": "tiers",
        },
    )


@requires("tiers.manage")
def settings_tiers(request):
    return _settings_page(request)


@requires("tiers.manage")
def tier_create(request):
    ranks = list(Tier.objects.for_tenant(request.tenant).values_list("rank", flat=True))
    form = TierForm(
        request.POST if request.method == "POST" else None,
        initial={"rank": max(ranks, default=0) + 1},
    )
    if form.is_bound and form.is_valid():
        try:
            tier = tier_admin.create_tier(
                tenant=request.tenant, actor=request.user, data=form.service_data()
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s was added. Now say what a partner needs to reach it.")
                % {"name": tier.name},
            )
            return redirect("settings_tiers")
    return render(
        request, "partners/tiers/tier_form.html", {"form": form, "tier": None, "section": "tiers"}
    )


@requires("tiers.manage")
def tier_edit(request, pk):
    tier = _tier(request, pk)
    form = TierForm(
        request.POST if request.method == "POST" else None,
        initial={field: getattr(tier, field) for field in TIER_FORM_FIELDS},
    )
    if form.is_bound and form.is_valid():
        try:
            tier_admin.update_tier(
                tenant=request.tenant, actor=request.user, tier_id=tier.pk, data=form.service_data()
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": form.cleaned_data["name"]})
            return redirect("settings_tiers")
    return render(
        request, "partners/tiers/tier_form.html", {"form": form, "tier": tier, "section": "tiers"}
    )


@requires("tiers.manage")
@require_POST
def tier_delete(request, pk):
    tier = _tier(request, pk)
    try:
        tier_admin.delete_tier(tenant=request.tenant, actor=request.user, tier_id=tier.pk)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s was deleted.") % {"name": tier.name})
    return redirect("settings_tiers")


@requires("tiers.manage")
def requirement_add(request, pk):
    tier = _tier(request, pk)
    form = RequirementForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            tier_admin.add_requirement(
                tenant=request.tenant, actor=request.user, tier_id=tier.pk, data=form.service_data()
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Requirement added to %(name)s.") % {"name": tier.name})
            return redirect("settings_tiers")
    return render(
        request,
        "partners/tiers/requirement_form.html",
        {"form": form, "tier": tier, "requirement": None, "section": "tiers"},
    )


@requires("tiers.manage")
def requirement_edit(request, pk):
    requirement = _requirement(request, pk)
    form = RequirementForm(
        request.POST if request.method == "POST" else None,
        initial={field: getattr(requirement, field) for field in tier_admin.REQUIREMENT_FIELDS},
    )
    if form.is_bound and form.is_valid():
        try:
            tier_admin.update_requirement(
                tenant=request.tenant,
                actor=request.user,
                requirement_id=requirement.pk,
                data=form.service_data(),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("Requirement of %(name)s saved.") % {"name": requirement.tier.name}
            )
            return redirect("settings_tiers")
    return render(
        request,
        "partners/tiers/requirement_form.html",
        {
            "form": form,
            "tier": requirement.tier,
            "requirement": requirement,
            "description": tier_selectors.describe_requirement(requirement),
            "section": "tiers",
        },
    )


@requires("tiers.manage")
@require_POST
def requirement_remove(request, pk):
    requirement = _requirement(request, pk)
    try:
        tier_admin.remove_requirement(
            tenant=request.tenant, actor=request.user, requirement_id=requirement.pk
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Requirement removed from %(name)s.") % {"name": requirement.tier.name}
        )
    return redirect("settings_tiers")


@requires("tiers.manage")
@require_POST
def program_update(request):
    form = TierProgramForm(request.POST)
    if form.is_valid():
        try:
            tier_admin.update_program(
                tenant=request.tenant, actor=request.user, data=dict(form.cleaned_data)
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Program settings saved."))
            return redirect("settings_tiers")
    return _settings_page(request, program_form=form)
