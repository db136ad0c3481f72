"""Incentive pages: statements (a partner's "My earnings"; finance's queue to approve and
pay in batches, with the accounts-payable CSV), a statement with every line's trace (PDF and
CSV), the programs and their rules, and the earnings calculator partial shown on the deal
page and the registration form. Views parse, call a selector or service, render."""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealreg.models import RouteToMarket
from ecosystem.errors import DomainError, ValidationFailed
from ecosystem.pdf import render_pdf
from ecosystem.permissions import requires
from ecosystem.portal.forms import add_domain_error
from ecosystem.tenancy.roles import has_capability

from . import incentives_rules, incentives_selectors, incentives_services
from .incentives_api import calculation
from .incentives_forms import (
    ApproveStatementForm,
    PayForm,
    ProgramForm,
    RuleForm,
    StatementFilterForm,
)
from .models import IncentiveRule, Statement, StatementStatus

STATEMENTS_PER_PAGE = 25
PROGRAMS_PER_PAGE = 25
MAX_BATCH = 500


def _error_text(error: DomainError) -> str:
    if error.message:
        return error.message
    per_field = getattr(error, "errors", None) or {}
    return " ".join(message for messages_ in per_field.values() for message in messages_)


def _statement(request, pk) -> Statement:
    """The statement with this id if the member may see it (partner people: their own
    organisation's); 404 otherwise."""
    return get_object_or_404(
        incentives_selectors.statements(tenant=request.tenant, membership=request.membership),
        pk=pk,
    )


# --- statements -------------------------------------------------------------------------------


@requires("incentives.view")
def statement_list(request):
    """Partner people: their organisation's statements, one per quarter ("My earnings").
    Staff: every statement, filtered, with approve and batch pay for finance."""
    membership = request.membership
    is_staff = membership.is_staff_member
    form = StatementFilterForm(request.GET or None, tenant=request.tenant)
    filters = form.filters() if is_staff and form.is_bound else {}
    page = Paginator(
        incentives_selectors.statements(
            tenant=request.tenant, membership=membership, filters=filters
        ),
        STATEMENTS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    can_approve = has_capability(membership.role, "incentives.approve")
    context = {
        "form": form,
        "page": page,
        "is_filtered": any(filters.values()),
        "counts": incentives_selectors.statement_counts(
            tenant=request.tenant, membership=membership
        ),
        "can_approve": can_approve,
        "pay_form": PayForm() if can_approve else None,
        "base_url": request.path,
        "section": "statements",
    }
    template = "statements.html" if is_staff else "my_earnings.html"
    return render(request, f"mdf/incentives/{template}", context)


def _lines_context(request, statement) -> dict:
    lines = list(incentives_selectors.statement_lines(tenant=request.tenant, statement=statement))
    return {
        "statement": statement,
        "lines": lines,
        "earned": sum((line.amount for line in lines if line.amount > 0), Decimal("0.00")),
        "clawed_back": sum((line.amount for line in lines if line.amount < 0), Decimal("0.00")),
    }


@requires("incentives.view")
def statement_detail(request, pk):
    statement = _statement(request, pk)
    can_approve = has_capability(request.membership.role, "incentives.approve")
    context = _lines_context(request, statement)
    context.update(
        {
            "section": "statements",
            "approve_form": ApproveStatementForm()
            if can_approve and statement.status == StatementStatus.DRAFT
            else None,
            "pay_form": PayForm()
            if can_approve and statement.status == StatementStatus.APPROVED
            else None,
        }
    )
    return render(request, "mdf/incentives/statement.html", context)


def _filename(statement: Statement, extension: str) -> str:
    partner = "".join(ch if ch.isalnum() else "-" for ch in statement.partner.name).strip("-")
    period = statement.period_label.replace(" ", "-")
    return f"incentives-{partner}-{period}-{statement.currency}.{extension}"


@requires("incentives.view")
def statement_pdf(request, pk):
    statement = _statement(request, pk)
    context = _lines_context(request, statement)
    context.update({"tenant": request.tenant, "generated_on": timezone.localdate()})
    response = HttpResponse(
        render_pdf("mdf/incentives/pdf/statement.html", context), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(statement, "pdf")}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _csv_response(filename: str) -> tuple[HttpResponse, Any]:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response, csv.writer(response)


def _cell(value) -> str:
    """Neutralise spreadsheet formulas in text cells (CSV injection)."""
    text = str(value)
    return (
        f"'{text}"
        if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text)
        else text
    )


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


@requires("incentives.view")
def statement_csv(request, pk):
    """The statement's lines: money as decimal strings, with the sentence that explains each."""
    statement = _statement(request, pk)
    response, writer = _csv_response(_filename(statement, "csv"))
    writer.writerow(
        ["line", "created_at", "kind", "program", "deal_id", "deal", "base_amount", "amount",
         "currency", "reverses", "event", "explanation"]
    )  # fmt: skip
    for line in incentives_selectors.statement_lines(tenant=request.tenant, statement=statement):
        writer.writerow(
            [
                line.pk,
                line.created_at.isoformat(),
                line.kind,
                _cell(line.program.name),
                line.deal_id,
                _cell(line.deal.title),
                f"{line.base_amount:.2f}",
                f"{line.amount:.2f}",
                line.currency,
                line.reverses_id or "",
                f"{line.source_event_name}#{line.source_event_id}",
                _cell(line.sentence),
            ]
        )
    return response


@requires("incentives.approve")
def statements_export(request):
    """Accounts payable's CSV: approved and paid statements (or the filtered ones)."""
    form = StatementFilterForm(request.GET or None, tenant=request.tenant)
    filters = form.filters() if form.is_bound else {}
    queryset = incentives_selectors.statements(
        tenant=request.tenant, membership=request.membership, filters=filters
    )
    if not filters.get("status"):
        queryset = queryset.exclude(status=StatementStatus.DRAFT)
    response, writer = _csv_response(f"incentive-statements-{timezone.localdate():%Y%m%d}.csv")
    writer.writerow(
        ["statement", "partner_id", "partner", "period", "status", "currency", "amount",
         "approved_on", "paid_on", "payment_reference", "payment_method", "batch"]
    )  # fmt: skip
    for statement in queryset.iterator(chunk_size=500):
        amount = (
            statement.approved_amount if statement.approved_amount is not None else statement.total
        )
        writer.writerow(
            [
                statement.pk,
                statement.partner_id,
                _cell(statement.partner.name),
                statement.period_label,
                statement.status,
                statement.currency,
                f"{amount:.2f}",
                timezone.localdate(statement.approved_at).isoformat()
                if statement.approved_at
                else "",
                statement.paid_on.isoformat() if statement.paid_on else "",
                _cell(statement.payment_reference),
                statement.payment_method,
                statement.payout_batch_id or "",
            ]
        )
    return response


@requires("incentives.approve")
@require_POST
def statement_approve(request, pk):
    statement = _statement(request, pk)
    form = ApproveStatementForm(request.POST)
    if form.is_valid():
        try:
            incentives_services.approve_statement(
                tenant=request.tenant,
                actor=request.membership,
                statement_id=statement.pk,
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request,
                _("Approved %(partner)s's %(period)s statement; it can now be paid.")
                % {"partner": statement.partner.name, "period": statement.period_label},
            )
    next_url = request.POST.get("next")
    if next_url == "list":
        return redirect("incentives:statements")
    return redirect("incentives:statement", pk=statement.pk)


def _statement_ids(request) -> list[int]:
    values = request.POST.getlist("statements")[:MAX_BATCH]
    return [int(value) for value in values if value.isdigit()]


@requires("incentives.approve")
@require_POST
def statements_pay(request):
    """Pay one statement (from its page) or several (ticked in the queue) as one batch."""
    form = PayForm(request.POST)
    ids = _statement_ids(request)
    back = redirect("incentives:statement", pk=ids[0]) if len(ids) == 1 else None
    visible = incentives_selectors.statements(
        tenant=request.tenant, membership=request.membership
    ).filter(pk__in=ids)
    if not ids:
        messages.error(request, _("Tick the approved statements to pay."))
    elif visible.count() != len(set(ids)):
        raise Http404
    elif not form.is_valid():
        messages.error(
            request,
            " ".join(str(error) for errors in form.errors.values() for error in errors),
        )
    else:
        try:
            batch = incentives_services.pay_statements(
                tenant=request.tenant,
                actor=request.membership,
                statement_ids=ids,
                **form.cleaned_data,
            )
        except DomainError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request,
                _("Recorded payment %(reference)s for %(count)s statement(s).")
                % {"reference": batch.reference, "count": len(ids)},
            )
    return back or redirect("incentives:statements")


# --- programs ---------------------------------------------------------------------------------


@requires("incentives.view")
def program_list(request):
    """Every member reads the programs and their rules (what they can earn)."""
    page = Paginator(
        incentives_selectors.programs(tenant=request.tenant).order_by(
            "-is_active", "kind", "name", "id"
        ),
        PROGRAMS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    for program in page.object_list:
        program.rule_texts = [
            (rule, incentives_rules.describe_rule(rule, program)) for rule in program.rules.all()
        ]
    return render(
        request,
        "mdf/incentives/programs.html",
        {
            "page": page,
            "base_url": request.path,
            "section": "programs",
            "can_manage": has_capability(request.membership.role, "incentives.manage"),
        },
    )


@requires("incentives.manage")
def program_create(request):
    form = ProgramForm(
        request.POST or None,
        initial={"currency": request.tenant.default_currency, "start_date": timezone.localdate()},
    )
    if form.is_bound and form.is_valid():
        try:
            program = incentives_services.create_program(
                tenant=request.tenant, actor=request.membership, data=form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Program saved. Add its rules below."))
            return redirect("incentives:program", pk=program.pk)
    return render(
        request, "mdf/incentives/program_form.html", {"form": form, "section": "programs"}
    )


def _program(request, pk):
    return get_object_or_404(incentives_selectors.programs(tenant=request.tenant), pk=pk)


def _program_context(request, program, form, rule_form) -> dict:
    rules = list(incentives_selectors.program_rules(tenant=request.tenant, program=program))
    return {
        "program": program,
        "form": form,
        "rule_form": rule_form,
        "rules": [(rule, incentives_rules.describe_rule(rule, program)) for rule in rules],
        "section": "programs",
    }


@requires("incentives.manage")
def program_edit(request, pk):
    program = _program(request, pk)
    form = ProgramForm(request.POST or None, editing=True, initial=ProgramForm.initial_for(program))
    if form.is_bound and form.is_valid():
        try:
            incentives_services.update_program(
                tenant=request.tenant,
                actor=request.membership,
                program_id=program.pk,
                data=form.cleaned_data,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Program saved."))
            return redirect("incentives:program", pk=program.pk)
    rule_form = RuleForm(tenant=request.tenant, kind=program.kind, initial={"is_active": True})
    return render(
        request,
        "mdf/incentives/program.html",
        _program_context(request, program, form, rule_form),
        status=400 if form.is_bound else 200,
    )


@requires("incentives.manage")
@require_POST
def rule_add(request, pk):
    program = _program(request, pk)
    rule_form = RuleForm(request.POST, tenant=request.tenant, kind=program.kind)
    if rule_form.is_valid():
        try:
            incentives_services.add_rule(
                tenant=request.tenant,
                actor=request.membership,
                program_id=program.pk,
                data=rule_form.service_data(),
            )
        except DomainError as error:
            add_domain_error(rule_form, error)
        else:
            messages.success(request, _("Rule added."))
            return redirect("incentives:program", pk=program.pk)
    form = ProgramForm(editing=True, initial=ProgramForm.initial_for(program))
    return render(
        request,
        "mdf/incentives/program.html",
        _program_context(request, program, form, rule_form),
        status=400,
    )


@requires("incentives.manage")
def rule_edit(request, pk):
    rule = get_object_or_404(
        IncentiveRule.objects.for_tenant(request.tenant).select_related("program", "tier"), pk=pk
    )
    form = RuleForm(
        request.POST or None,
        tenant=request.tenant,
        kind=rule.program.kind,
        initial=RuleForm.initial_for(rule),
    )
    if form.is_bound and form.is_valid():
        try:
            incentives_services.update_rule(
                tenant=request.tenant,
                actor=request.membership,
                rule_id=rule.pk,
                data=form.service_data(),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Rule saved; it applies to deals won from now on."))
            return redirect("incentives:program", pk=rule.program_id)
    return render(
        request,
        "mdf/incentives/rule_form.html",
        {"rule": rule, "program": rule.program, "form": form, "section": "programs"},
        status=400 if form.is_bound else 200,
    )


# --- the earnings calculator ------------------------------------------------------------------


def _render_calculation(request, data: dict, *, deal=None):
    context: dict = {"deal": deal, "lines": [], "error": ""}
    try:
        context.update(calculation(request, data))
    except ValidationFailed as error:
        context["error"] = _error_text(error)
    if deal is not None:
        context["earned"] = incentives_selectors.deal_earnings(
            tenant=request.tenant, deal_id=deal.pk
        )
    return render(request, "mdf/incentives/_calculator.html", context)


@requires("incentives.view")
def deal_calculator(request, pk):
    """The deal page's partial: what this deal would earn if won today, and (once won)
    the lines it earned. Partner people see it on their own organisation's deals only."""
    from dealreg.selectors import deals_visible_to

    deal = get_object_or_404(
        deals_visible_to(tenant=request.tenant, membership=request.membership).select_related(
            "partner"
        ),
        pk=pk,
    )
    membership = request.membership
    if membership.is_partner_member and deal.partner_id != membership.partner_organisation_id:
        raise Http404
    return _render_calculation(request, {"deal": deal.pk}, deal=deal)


@requires("incentives.view")
def calculator(request):
    """The registration form's partial, from the form's fields as they are typed: what the
    deal would earn if it were won today."""
    amount = request.GET.get("amount", "").strip()
    currency = request.GET.get("currency", "").strip().upper()
    try:
        value = Decimal(amount) if amount else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or len(currency) != 3:
        return render(request, "mdf/incentives/_calculator.html", {"lines": [], "waiting": True})
    products = [
        part.strip()
        for part in request.GET.get("products", "").replace("\n", ",").split(",")
        if part.strip()
    ][:50]
    route = request.GET.get("route_to_market", RouteToMarket.RESALE)
    partner = request.GET.get("partner", "")
    data = {
        "title": request.GET.get("title", "").strip()[:200] or _("This deal"),
        "amount": value.quantize(Decimal("0.01")),
        "currency": currency,
        "route_to_market": route if route in RouteToMarket.values else RouteToMarket.RESALE,
        "products": products,
        "partner": int(partner) if partner.isdigit() else None,
    }
    return _render_calculation(request, data)
