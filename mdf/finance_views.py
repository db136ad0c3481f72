"""MDF pages for fund owners and finance: funds and their allocations (by hand, by tier,
by accrual, with the accrual report), payouts of approved claims with CSV exports for
accounts payable, and what the money returned (ROI). Views parse, call mdf's services,
selectors and roi, render. Every balance shown comes from mdf.selectors.balances."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecosystem.dates import local_today
from ecosystem.errors import DomainError, NotFound
from ecosystem.permissions import requires
from ecosystem.portal.forms import add_domain_error
from ecosystem.portal.selectors import tenant_zone
from ecosystem.tenancy.roles import has_capability
from partners.models import PartnerOrganisation, Tier

from . import claim_services, period_services, roi, selectors
from .claim_services import claim_url, request_url
from .finance_forms import (
    AllocateForm,
    FundForm,
    PaymentForm,
    ProgramSettingsForm,
    RoiFilterForm,
    TierAllocationForm,
)
from .ledger import ineligibility
from .models import Allocation, Claim, Fund
from .payout_services import pay_claim, pay_claims
from .services import allocate, create_fund

FUNDS_PER_PAGE = 25
ALLOCATIONS_PER_PAGE = 50
PAYABLE_PER_PAGE = 50
BATCHES_PER_PAGE = 20
ROI_ROWS_PER_PAGE = 50
ZERO = Decimal("0.00")


def _error_text(error: DomainError) -> str:
    if error.message:
        return error.message
    per_field = getattr(error, "errors", None) or {}
    return " ".join(message for field_messages in per_field.values() for message in field_messages)


def _safe_cell(value) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: neutralise them."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def _csv_response(filename: str, header, rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe_cell(cell) for cell in row])
    return response


# --- reads the pages share ---------------------------------------------------------------


def _percent(part: Decimal, whole: Decimal) -> int:
    if not whole or part <= 0:
        return 0
    return min(100, max(1, round(100 * part / whole)))


def _fund_status(fund: Fund, today) -> str:
    if today < fund.start_date:
        return "upcoming"
    if today > fund.end_date:
        return "ended"
    return "current"


@dataclass
class FundFigures:
    """What a fund's allocations add up to, from their ledger balances."""

    fund: Fund
    allocated: Decimal
    expired: Decimal
    status: str

    @property
    def left_to_allocate(self) -> Decimal:
        return self.fund.amount - self.allocated

    @property
    def allocated_percent(self) -> int:
        return _percent(self.allocated, self.fund.amount)

    @property
    def expired_percent(self) -> int:
        return _percent(self.expired, self.fund.amount)


def _fund_figures(tenant, funds: list[Fund]) -> list[FundFigures]:
    """Allocated, left and expired on each fund, summed from its allocations' balances
    (two queries for any number of funds)."""
    pairs = list(
        Allocation.objects.for_tenant(tenant)
        .filter(fund_id__in=[fund.pk for fund in funds])
        .values_list("pk", "fund_id")
    )
    found = selectors.balances(tenant=tenant, allocation_ids=[pk for pk, _fund in pairs])
    today = local_today(tenant)
    rows = []
    for fund in funds:
        fund_balances = [found[pk] for pk, fund_id in pairs if fund_id == fund.pk]
        rows.append(
            FundFigures(
                fund=fund,
                allocated=sum((balance.allocated for balance in fund_balances), ZERO),
                expired=sum((balance.expired for balance in fund_balances), ZERO),
                status=_fund_status(fund, today),
            )
        )
    return rows


def _eligible_partners(tenant, fund: Fund) -> list[PartnerOrganisation]:
    """Partners who can hold this fund: onboarding or active, and inside its region and
    partner type."""
    partners = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .filter(status__in=period_services.FUNDABLE_STATUSES)
        .select_related("tier")
        .order_by("name", "pk")
    )
    return [partner for partner in partners if not ineligibility(fund, partner)]


@dataclass
class TierLine:
    tier: Tier
    field: object
    partners: int
    needed: Decimal | None = None


def _tier_lines(tenant, fund, eligible, form: TierAllocationForm, preview: bool) -> list[TierLine]:
    """Each tier with its eligible partners and, on a preview, the top-ups the amounts
    typed would need (what allocate_by_tier would credit)."""
    current = selectors.allocated_by_partner(fund) if preview else {}
    lines = []
    for tier, name in form.tier_fields:
        members = [partner for partner in eligible if partner.tier_id == tier.pk]
        line = TierLine(tier=tier, field=form[name], partners=len(members))
        if preview:
            typed = (form.cleaned_data.get(name) or "").strip()
            try:
                amount = Decimal(typed) if typed else None
            except ArithmeticError:
                amount = None
            if amount is not None and amount.is_finite():
                line.needed = sum(
                    (max(amount - current.get(partner.pk, ZERO), ZERO) for partner in members),
                    ZERO,
                )
        lines.append(line)
    return lines


# --- funds ---------------------------------------------------------------------------------


@requires("mdf.view_funds")
def funds(request):
    """Every fund with its period, amount, allocated, left and expired, and its status."""
    tenant = request.tenant
    page = Paginator(
        Fund.objects.for_tenant(tenant).order_by("-start_date", "name", "pk"), FUNDS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "mdf/finance/funds.html",
        {
            "page": page,
            "rows": _fund_figures(tenant, list(page.object_list)),
            "base_url": request.path,
            "can_manage": has_capability(request.membership.role, "mdf.manage_funds"),
        },
    )


@requires("mdf.manage_funds")
def fund_create(request):
    form = FundForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            fund = create_fund(
                tenant=request.tenant, actor=request.membership, data=form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
            status = error.status_code
        else:
            messages.success(request, _("Fund “%(name)s” created.") % {"name": fund.name})
            return redirect("mdf_finance:fund_detail", pk=fund.pk)
    elif request.method == "POST":
        status = 400
    return render(request, "mdf/finance/fund_form.html", {"form": form}, status=status)


def _fund_page(request, fund, *, allocate_form=None, tier_form=None, preview=False, status=200):
    tenant, membership = request.tenant, request.membership
    can_manage = has_capability(membership.role, "mdf.manage_funds")
    allocations = list(
        Allocation.objects.for_tenant(tenant)
        .filter(fund=fund)
        .select_related("partner__tier")
        .order_by("partner__name", "pk")
    )
    found = selectors.balances(tenant=tenant, allocation_ids=[a.pk for a in allocations])
    for allocation in allocations:
        allocation.balance = found[allocation.pk]
    fields = ("allocated", "committed", "claimed", "paid", "expired", "remaining")
    totals = {name: sum((getattr(found[a.pk], name) for a in allocations), ZERO) for name in fields}
    figures = FundFigures(
        fund=fund,
        allocated=totals["allocated"],
        expired=totals["expired"],
        status=_fund_status(fund, local_today(tenant)),
    )
    page = Paginator(allocations, ALLOCATIONS_PER_PAGE).get_page(request.GET.get("page"))
    report = selectors.accrual_report(tenant=tenant, fund_id=fund.pk)
    context = {
        "fund": fund,
        "figures": figures,
        "page": page,
        "base_url": request.path,
        "totals": totals,
        "report": report,
        "can_manage": can_manage,
        "can_run_accrual": can_manage and fund.accrues and report is None,
    }
    if can_manage and fund.expired_at is None:
        eligible = _eligible_partners(tenant, fund)
        tiers = list(Tier.objects.for_tenant(tenant).order_by("-rank", "name"))
        allocate_form = allocate_form or AllocateForm(partners=eligible)
        tier_form = tier_form or TierAllocationForm(tiers=tiers)
        context.update(
            {
                "allocate_form": allocate_form,
                "tier_form": tier_form,
                "tier_lines": _tier_lines(tenant, fund, eligible, tier_form, preview),
                "preview": preview,
            }
        )
    return render(request, "mdf/finance/fund_detail.html", context, status=status)


def _visible_fund(request, pk) -> Fund:
    return get_object_or_404(Fund.objects.for_tenant(request.tenant), pk=pk)


@requires("mdf.view_funds")
def fund_detail(request, pk):
    return _fund_page(request, _visible_fund(request, pk))


@requires("mdf.manage_funds")
@require_POST
def fund_allocate(request, pk):
    fund = _visible_fund(request, pk)
    form = AllocateForm(request.POST, partners=_eligible_partners(request.tenant, fund))
    if form.is_valid():
        try:
            allocation = allocate(
                tenant=request.tenant,
                actor=request.membership,
                fund_id=fund.pk,
                partner_id=form.cleaned_data["partner"],
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
            )
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            add_domain_error(form, error)
            return _fund_page(request, fund, allocate_form=form, status=error.status_code)
        messages.success(
            request,
            _("Allocated %(amount)s %(currency)s to %(partner)s.")
            % {
                "amount": form.cleaned_data["amount"],
                "currency": fund.currency,
                "partner": allocation.partner.name,
            },
        )
        return redirect("mdf_finance:fund_detail", pk=fund.pk)
    return _fund_page(request, fund, allocate_form=form, status=400)


@requires("mdf.manage_funds")
@require_POST
def fund_allocate_by_tier(request, pk):
    fund = _visible_fund(request, pk)
    tiers = list(Tier.objects.for_tenant(request.tenant).order_by("-rank", "name"))
    form = TierAllocationForm(request.POST, tiers=tiers)
    if not form.is_valid():
        return _fund_page(request, fund, tier_form=form, status=400)
    if "preview" in request.POST:
        return _fund_page(request, fund, tier_form=form, preview=True)
    try:
        allocations = period_services.allocate_by_tier(
            tenant=request.tenant,
            actor=request.membership,
            fund_id=fund.pk,
            amounts=form.amounts(),
            note=form.cleaned_data["note"],
        )
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        add_domain_error(form, error)
        return _fund_page(request, fund, tier_form=form, preview=True, status=error.status_code)
    if allocations:
        messages.success(
            request, _("Topped up %(count)s partners by tier.") % {"count": len(allocations)}
        )
    else:
        messages.info(request, _("Every partner already had its tier's amount: nothing to add."))
    return redirect("mdf_finance:fund_detail", pk=fund.pk)


@requires("mdf.manage_funds")
@require_POST
def fund_run_accrual(request, pk):
    fund = _visible_fund(request, pk)
    try:
        run = period_services.run_accrual(
            tenant=request.tenant, actor=request.membership, fund_id=fund.pk
        )
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("Accrual ran on won revenue from %(start)s to %(end)s.")
            % {"start": run.basis_start, "end": run.basis_end},
        )
    return redirect("mdf_finance:fund_detail", pk=fund.pk)


ACCRUAL_CSV_HEADER = [
    "partner_id", "partner", "tier", "accrual_percent", "won_revenue", "won_deals",
    "other_currency_deals", "earned", "allocated", "currency", "outcome",
]  # fmt: skip


@requires("mdf.view_funds")
def fund_accrual_csv(request, pk):
    fund = _visible_fund(request, pk)
    report = selectors.accrual_report(tenant=request.tenant, fund_id=fund.pk)
    if report is None:
        raise Http404
    rows = [
        [
            line.partner_id,
            line.partner.name,
            line.tier_name,
            line.accrual_percent,
            line.won_revenue,
            line.won_deals,
            line.other_currency_deals,
            line.earned,
            line.allocated,
            fund.currency,
            line.outcome,
        ]
        for line in report.lines.all()
    ]
    return _csv_response(f"accrual-fund-{fund.pk}.csv", ACCRUAL_CSV_HEADER, rows)


# --- payouts -------------------------------------------------------------------------------


def _payouts_page(request, *, form=None, selected=(), status=200):
    tenant = request.tenant
    page = Paginator(selectors.payable_claims(tenant=tenant), PAYABLE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    today = local_today(tenant)
    for claim in page.object_list:
        claim.url = claim_url(claim.pk)
        claim.approved_on = (
            claim.decided_at.astimezone(tenant_zone(tenant)).date() if claim.decided_at else None
        )
        claim.age = (today - claim.approved_on).days if claim.approved_on else None
        claim.selected = str(claim.pk) in selected
    batches = Paginator(selectors.payout_batches(tenant=tenant), BATCHES_PER_PAGE).get_page(
        request.GET.get("batches")
    )
    return render(
        request,
        "mdf/finance/payouts.html",
        {
            "page": page,
            "base_url": request.path,
            "batches": batches,
            "form": form or PaymentForm(initial={"paid_on": today}),
            "today": today,
        },
        status=status,
    )


@requires("mdf.pay")
def payouts(request):
    """Approved claims waiting for payment, and the batches already paid."""
    return _payouts_page(request)


@requires("mdf.pay")
@require_POST
def payouts_pay_batch(request):
    """Pay the ticked claims as one batch: all of them or, on any problem, none."""
    form = PaymentForm(request.POST)
    selected = request.POST.getlist("claims")
    if not form.is_valid():
        return _payouts_page(request, form=form, selected=selected, status=400)
    try:
        batch = pay_claims(
            tenant=request.tenant,
            actor=request.membership,
            claim_ids=selected,
            data=form.data_for_service(),
        )
    except DomainError as error:
        messages.error(
            request, _("Nothing was paid. %(problem)s") % {"problem": _error_text(error)}
        )
        add_domain_error(form, error)
        return _payouts_page(request, form=form, selected=selected, status=error.status_code)
    count = batch.claims.count()
    messages.success(
        request,
        _("Paid %(count)s claims as batch %(reference)s.")
        % {"count": count, "reference": batch.reference},
    )
    return redirect("mdf_finance:payouts")


@requires("mdf.pay")
@require_POST
def payouts_pay_claim(request, pk):
    """Mark one approved claim paid."""
    if not Claim.objects.for_tenant(request.tenant).filter(pk=pk).exists():
        raise Http404
    form = PaymentForm(request.POST, prefix=f"claim-{pk}")
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items()
        )
        messages.error(
            request,
            _("Claim %(id)s was not paid. %(problems)s") % {"id": pk, "problems": problems},
        )
        return redirect("mdf_finance:payouts")
    try:
        claim = pay_claim(
            tenant=request.tenant,
            actor=request.membership,
            claim_id=pk,
            data=form.data_for_service(),
        )
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("Claim %(id)s paid: %(amount)s %(currency)s.")
            % {"id": claim.pk, "amount": claim.approved_amount, "currency": claim.currency},
        )
    return redirect("mdf_finance:payouts")


@requires("mdf.pay")
def payable_csv(request):
    claims = selectors.payable_claims(tenant=request.tenant)
    return _csv_response(
        "mdf-payable-claims.csv", selectors.PAYOUT_CSV_HEADER, selectors.payout_rows(claims)
    )


@requires("mdf.pay")
def batch_csv(request, pk):
    batch = get_object_or_404(selectors.payout_batches(tenant=request.tenant), pk=pk)
    claims = selectors.batch_claims(tenant=request.tenant, batch_id=batch.pk)
    return _csv_response(
        f"mdf-payout-batch-{batch.pk}.csv",
        selectors.PAYOUT_CSV_HEADER,
        selectors.payout_rows(claims),
    )


# --- ROI -----------------------------------------------------------------------------------


def _roi_row(row: roi.Return) -> dict:
    ratio = row.roi
    return {
        "label": row.label,
        "currency": row.currency,
        "spend": row.spend,
        "leads": row.leads,
        "cost_per_lead": row.cost_per_lead,
        "pipeline": row.pipeline,
        "won_revenue": row.won_revenue,
        "roi_percent": None if ratio is None else (ratio * 100).quantize(Decimal("0.01")),
        "activities": row.activities,
        "url": request_url(row.request.pk) if row.request is not None else "",
        "partner": row.request.allocation.partner.name if row.request is not None else "",
    }


def _chart(rows: list[dict]) -> list[dict]:
    """Spend vs won revenue per activity type, as widths in percent of the largest."""
    largest = max(
        [row["spend"] for row in rows] + [row["won_revenue"] for row in rows], default=ZERO
    )
    return [
        {
            **row,
            "spend_width": _percent(row["spend"], largest) if largest else 0,
            "won_width": _percent(row["won_revenue"], largest) if largest else 0,
        }
        for row in rows
    ]


@requires("mdf.roi")
def roi_page(request):
    """Staff: ROI per fund, partner, activity type and request. Partner people: their own
    organisation's, at the same URL."""
    tenant, membership = request.tenant, request.membership
    partner_id = None if membership.is_staff_member else membership.partner_organisation_id
    funds_query = Fund.objects.for_tenant(tenant).order_by("-start_date", "name")
    if partner_id is not None:
        funds_query = funds_query.filter(allocations__partner_id=partner_id).distinct()
    fund_list = list(funds_query)
    form = RoiFilterForm(request.GET or None, funds=fund_list)
    fund = None
    if form.is_valid() and form.cleaned_data["fund"]:
        fund = next((f for f in fund_list if f.pk == form.cleaned_data["fund"]), None)
    fund_id = fund.pk if fund else None
    per_fund = [_roi_row(row) for row in roi.by_fund(tenant=tenant, partner_id=partner_id)]
    if fund is not None:
        per_fund = [
            row
            for row in per_fund
            if row["label"] == fund.name and row["currency"] == fund.currency
        ]
    per_partner = (
        [_roi_row(row) for row in roi.by_partner(tenant=tenant, fund_id=fund_id)]
        if partner_id is None
        else []
    )
    per_activity = [
        _roi_row(row)
        for row in roi.by_activity_type(tenant=tenant, partner_id=partner_id, fund_id=fund_id)
    ]
    per_request = Paginator(
        [
            _roi_row(row)
            for row in roi.by_request(tenant=tenant, partner_id=partner_id, fund_id=fund_id)
        ],
        ROI_ROWS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    chart = _chart(per_activity)
    return render(
        request,
        "mdf/finance/roi.html",
        {
            "form": form,
            "fund": fund,
            "is_staff": partner_id is None,
            "per_fund": per_fund,
            "per_partner": per_partner,
            "per_activity": per_activity,
            "page": per_request,
            "base_url": request.path,
            "chart": chart,
        },
    )


@requires("mdf.manage_funds")
def program_settings_page(request):
    """The claim deadline, its reminders and the review SLA."""
    current = claim_services.program_settings(request.tenant)
    initial = {name: getattr(current, name) for name in claim_services.SETTING_LIMITS}
    form = ProgramSettingsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            claim_services.update_program_settings(
                tenant=request.tenant, actor=request.membership, data=form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
            status = error.status_code
        else:
            messages.success(request, _("MDF settings saved."))
            return redirect("mdf_finance:settings")
    elif request.method == "POST":
        status = 400
    return render(request, "mdf/finance/settings.html", {"form": form}, status=status)
