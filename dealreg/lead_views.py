"""Lead pages: the staff list, new lead and import, the lead with its routing decision and
the "why this partner" replay, the partner's lead inbox, routing rules and the routing
report. Views parse, call dealreg.lead_selectors or dealreg.leads, and render."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ecosystem.errors import DomainError
from ecosystem.permissions import requires
from ecosystem.portal.forms import add_domain_error
from ecosystem.portal.selectors import tenant_zone
from ecosystem.tenancy.roles import has_capability
from partners.models import Region

from . import lead_selectors, leads, routing_rules
from .lead_forms import (
    LeadFilterForm,
    LeadForm,
    LeadImportForm,
    OptionalReasonForm,
    OverrideForm,
    PeriodForm,
    ReasonForm,
    RoutingRuleForm,
)
from .lead_import import IMPORT_COLUMNS, import_leads
from .models import Lead, LeadOffer, LeadStatus
from .routing import formula_text

LEADS_PER_PAGE = 25
HISTORY_LABELS = {
    "lead.created": gettext_lazy("Created"),
    "lead.offered": gettext_lazy("Offered to a partner"),
    "lead.accepted": gettext_lazy("Accepted"),
    "lead.declined": gettext_lazy("Declined"),
    "lead.sla_pullback": gettext_lazy("Not answered in time (SLA pullback)"),
    "lead.overridden": gettext_lazy("Routing overridden"),
    "lead.withdrawn": gettext_lazy("Offer withdrawn"),
    "lead.unrouted": gettext_lazy("No partner could be offered the lead"),
    "lead.lost": gettext_lazy("Closed as lost"),
    "lead.converted": gettext_lazy("Converted to a deal"),
}


def _error_text(error: DomainError) -> str:
    if error.message:
        return error.message
    per_field = getattr(error, "errors", None) or {}
    return " ".join(message for messages_ in per_field.values() for message in messages_)


def _visible_lead(request, pk) -> Lead:
    lead = lead_selectors.lead_detail(tenant=request.tenant, membership=request.membership, pk=pk)
    if lead is None:
        raise Http404
    return lead


def _percent(value) -> int:
    try:
        return max(0, min(100, round(float(value) * 100)))
    except (TypeError, ValueError):
        return 0


def replay(offer: LeadOffer) -> dict[str, Any]:
    """An offer's stored breakdown shaped for the page: the chosen partner's components with
    bar widths, and the other candidates' scores per component."""
    breakdown = offer.breakdown or {}
    components = []
    keys = []
    for component in breakdown.get("components", []):
        keys.append((component.get("key"), component.get("label")))
        components.append(
            {
                **component,
                "is_multiplier": component.get("kind") == "multiplier",
                "percent": _percent(component.get("normalised")),
            }
        )
    candidates = []
    for row in breakdown.get("candidates", []):
        values = row.get("components", {})
        candidates.append(
            {
                **row,
                "is_chosen": row.get("partner_id") == offer.partner_id,
                "cells": [
                    {
                        "key": key,
                        "normalised": values.get(key, {}).get("normalised"),
                        "percent": _percent(values.get(key, {}).get("normalised"))
                        if key != "tier"
                        else None,
                    }
                    for key, _label in keys
                ],
            }
        )
    try:
        computed_at = datetime.fromisoformat(breakdown.get("computed_at") or "")
    except ValueError:
        computed_at = None
    return {
        "offer": offer,
        "breakdown": breakdown,
        "computed_at": computed_at,
        "components": components,
        "component_labels": [label for _key, label in keys],
        "candidates": candidates,
        "excluded": breakdown.get("excluded", []),
        "override": breakdown.get("override"),
    }


# --- staff -----------------------------------------------------------------------------------


def lead_list(request):
    """Staff see every lead; a partner's people asking for /leads/ mean their inbox."""
    membership = getattr(request, "membership", None)
    if (
        membership is not None
        and membership.is_partner_member
        and has_capability(membership.role, "leads.respond")
    ):
        return redirect("leads:inbox")
    return _staff_lead_list(request)


@requires("leads.manage")
def _staff_lead_list(request):
    form = LeadFilterForm(request.GET or None, tenant=request.tenant)
    filters = form.filters() if form.is_bound else {}
    page = Paginator(
        lead_selectors.lead_list(
            tenant=request.tenant, membership=request.membership, filters=filters
        ),
        LEADS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "dealreg/leads/list.html",
        {
            "form": form,
            "page": page,
            "is_filtered": bool(filters),
            "counts": lead_selectors.lead_counts(tenant=request.tenant),
            "base_url": request.path,
        },
    )


@requires("leads.manage")
def lead_create(request):
    form = LeadForm(request.POST or None, initial={"route": True})
    if form.is_bound and form.is_valid():
        try:
            lead = leads.create_lead(
                tenant=request.tenant,
                actor=request.membership,
                data=form.service_data(),
                route=form.cleaned_data["route"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if lead.status == LeadStatus.OFFERED:
                messages.success(
                    request,
                    _("%(company)s was offered to %(partner)s.")
                    % {"company": lead.company_name, "partner": lead.partner.name},
                )
            else:
                messages.warning(
                    request,
                    getattr(lead, "routing_note", "")
                    or _("%(company)s was added; route it when you are ready.")
                    % {"company": lead.company_name},
                )
            return redirect("leads:detail", pk=lead.pk)
    return render(request, "dealreg/leads/form.html", {"form": form})


@requires("leads.manage")
def lead_import(request):
    form = LeadImportForm(request.POST or None, request.FILES or None, initial={"route": True})
    result = None
    if form.is_bound and form.is_valid():
        try:
            result = import_leads(
                tenant=request.tenant,
                actor=request.membership,
                uploaded_file=form.cleaned_data["file"],
                route=form.cleaned_data["route"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if result.is_valid and not result.dry_run:
                messages.success(
                    request,
                    _("%(count)s leads imported; %(offered)s offered to partners.")
                    % {"count": len(result.leads), "offered": result.offered},
                )
                return redirect("leads:list")
    return render(
        request,
        "dealreg/leads/import.html",
        {"form": form, "result": result, "columns": IMPORT_COLUMNS},
    )


@requires("leads.view")
def lead_detail(request, pk):
    lead = _visible_lead(request, pk)
    membership = request.membership
    offers = list(lead.offers.all())
    open_offer = lead_selectors.open_offer(lead)
    context: dict[str, Any] = {"lead": lead, "offers": offers, "open_offer": open_offer}
    if membership.is_partner_member:
        context["show_contact"] = lead.status != LeadStatus.OFFERED
        context["decline_form"] = ReasonForm()
        context["lost_form"] = ReasonForm()
        return render(request, "dealreg/leads/partner_detail.html", context)
    context.update(
        {
            "replays": [replay(offer) for offer in reversed(offers)],
            "routing_note": lead_selectors.routing_note(tenant=request.tenant, lead=lead),
            "history": [
                {
                    "label": str(HISTORY_LABELS.get(entry.action, entry.action)),
                    "detail": (entry.changes or {}).get("reason")
                    or (entry.changes or {}).get("note")
                    or "",
                    "entry": entry,
                }
                for entry in lead_selectors.lead_history(tenant=request.tenant, lead=lead)
            ],
            "override_form": OverrideForm(tenant=request.tenant),
            "withdraw_form": OptionalReasonForm(),
            "lost_form": ReasonForm(),
            "formula": formula_text(),
        }
    )
    return render(request, "dealreg/leads/detail.html", context)


def _act(request, pk, service, *, success: str, form=None, **arguments) -> None:
    """Run a lead action from a POSTed form; the outcome is a message on the next page."""
    lead = _visible_lead(request, pk)
    if form is not None:
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return
        arguments.update(form.cleaned_data)
    try:
        service(tenant=request.tenant, actor=request.membership, lead_id=lead.pk, **arguments)
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, success % {"company": lead.company_name})


@requires("leads.manage")
@require_POST
def lead_route(request, pk):
    _act(request, pk, leads.route_lead, success=_("%(company)s was routed."))
    return redirect("leads:detail", pk=pk)


@requires("leads.manage")
@require_POST
def lead_override(request, pk):
    lead = _visible_lead(request, pk)
    form = OverrideForm(request.POST, tenant=request.tenant)
    if not form.is_valid():
        messages.error(request, _("Choose an active partner to offer the lead to."))
        return redirect("leads:detail", pk=lead.pk)
    try:
        leads.override_route(
            tenant=request.tenant,
            actor=request.membership,
            lead_id=lead.pk,
            partner_id=form.cleaned_data["partner"].pk,
            reason=form.cleaned_data["reason"],
        )
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("%(company)s was offered to %(partner)s (override).")
            % {"company": lead.company_name, "partner": form.cleaned_data["partner"].name},
        )
    return redirect("leads:detail", pk=lead.pk)


@requires("leads.manage")
@require_POST
def lead_withdraw(request, pk):
    _act(
        request,
        pk,
        leads.withdraw_offer,
        form=OptionalReasonForm(request.POST),
        success=_("The offer of %(company)s was withdrawn."),
    )
    return redirect("leads:detail", pk=pk)


@requires("leads.view")
@require_POST
def lead_lost(request, pk):
    _act(
        request,
        pk,
        leads.mark_lost,
        form=ReasonForm(request.POST),
        success=_("%(company)s was closed as lost."),
    )
    return redirect("leads:detail", pk=pk)


# --- partners --------------------------------------------------------------------------------


@requires("leads.respond")
def inbox(request):
    page = Paginator(
        lead_selectors.inbox(tenant=request.tenant, membership=request.membership),
        LEADS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "dealreg/leads/inbox.html",
        {"page": page, "decline_form": ReasonForm(), "base_url": request.path},
    )


def _back_to(request, pk):
    """Answers posted from the inbox return there; from the lead's page, to the lead (or the
    inbox when the lead is no longer theirs to see)."""
    if request.POST.get("from") == "inbox":
        return redirect("leads:inbox")
    lead = lead_selectors.lead_detail(tenant=request.tenant, membership=request.membership, pk=pk)
    return redirect("leads:detail", pk=pk) if lead is not None else redirect("leads:inbox")


@requires("leads.respond")
@require_POST
def lead_accept(request, pk):
    _act(
        request,
        pk,
        leads.accept_offer,
        success=_("You accepted %(company)s. Its contact is now shown; convert it to a deal."),
    )
    return _back_to(request, pk)


@requires("leads.respond")
@require_POST
def lead_decline(request, pk):
    _act(
        request,
        pk,
        leads.decline_offer,
        form=ReasonForm(request.POST),
        success=_("You declined %(company)s; it goes to another partner."),
    )
    return _back_to(request, pk)


@requires("leads.respond")
@require_POST
def lead_convert(request, pk):
    lead = _visible_lead(request, pk)
    try:
        deal = leads.convert_to_deal(
            tenant=request.tenant, actor=request.membership, lead_id=lead.pk
        )
    except DomainError as error:
        messages.error(request, _error_text(error))
        return _back_to(request, pk)
    messages.success(
        request,
        _("%(company)s is now deal #%(deal)s (%(status)s).")
        % {
            "company": lead.company_name,
            "deal": deal.pk,
            "status": deal.get_status_display().lower(),
        },
    )
    return redirect("leads:detail", pk=lead.pk)


# --- routing rules ---------------------------------------------------------------------------


def _rule(request, pk):
    return get_object_or_404(lead_selectors.routing_rules(tenant=request.tenant), pk=pk)


@requires("leads.manage")
def rules(request):
    return render(
        request,
        "dealreg/leads/rules.html",
        {
            "rules": lead_selectors.routing_rules(tenant=request.tenant),
            "regions": dict(Region.choices),
            "formula": formula_text(),
        },
    )


@requires("leads.manage")
def rule_create(request):
    form = RoutingRuleForm(
        request.POST or None, tenant=request.tenant, initial={"priority": 100, "is_active": True}
    )
    if form.is_bound and form.is_valid():
        try:
            rule = routing_rules.create_rule(
                tenant=request.tenant, actor=request.membership, data=form.service_data()
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Rule “%(name)s” added.") % {"name": rule.name})
            return redirect("leads:rules")
    return render(request, "dealreg/leads/rule_form.html", {"form": form, "rule": None})


@requires("leads.manage")
def rule_edit(request, pk):
    rule = _rule(request, pk)
    form = RoutingRuleForm(
        request.POST or None, tenant=request.tenant, initial=RoutingRuleForm.initial_for(rule)
    )
    if form.is_bound and form.is_valid():
        try:
            routing_rules.update_rule(
                tenant=request.tenant,
                actor=request.membership,
                rule_id=rule.pk,
                data=form.service_data(),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("Rule “%(name)s” saved.") % {"name": form.cleaned_data["name"]}
            )
            return redirect("leads:rules")
    return render(request, "dealreg/leads/rule_form.html", {"form": form, "rule": rule})


@requires("leads.manage")
@require_POST
def rule_delete(request, pk):
    rule = _rule(request, pk)
    try:
        routing_rules.delete_rule(tenant=request.tenant, actor=request.membership, rule_id=rule.pk)
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Rule “%(name)s” deleted.") % {"name": rule.name})
    return redirect("leads:rules")


# --- report ----------------------------------------------------------------------------------


def _bars(rows: list[dict], *, label: str, value: str) -> list[dict]:
    largest = max((row[value] for row in rows), default=0) or 1
    return [
        {"label": row[label], "value": row[value], "percent": round(100 * row[value] / largest)}
        for row in rows
    ]


@requires("leads.manage")
def report(request):
    form = PeriodForm(request.GET or None)
    period = form.period()
    data = lead_selectors.routing_report(tenant=request.tenant, period=period)
    totals = data["totals"]
    outcomes = [
        {"label": _("Accepted"), "value": totals["accepted"]},
        {"label": _("Declined"), "value": totals["declined"]},
        {"label": _("SLA pullbacks (no answer in time)"), "value": totals["expired"]},
        {"label": _("Withdrawn by staff"), "value": totals["withdrawn"]},
        {"label": _("Still open"), "value": totals["open"]},
    ]
    for row in data["by_tier"]:
        row["label"] = row["tier"] or _("No tier")
    return render(
        request,
        "dealreg/leads/report.html",
        {
            "form": PeriodForm(initial={"start": period.start, "end": period.end}),
            "period": period,
            "report": data,
            "time_zone": tenant_zone(request.tenant),
            "outcome_bars": _bars(outcomes, label="label", value="value"),
            "tier_bars": _bars(data["by_tier"], label="label", value="offers"),
            "region_bars": _bars(data["by_partner_region"], label="label", value="offers"),
            "lead_region_bars": _bars(data["leads_by_region"], label="label", value="count"),
            "source_bars": _bars(data["leads_by_source"], label="label", value="count"),
            "partner_bars": _bars(data["by_partner"], label="partner_name", value="offers"),
        },
    )
