"""MDF portal pages: the partner's fund page (or the staff overview) at /mdf/, the request
form, request and claim pages with their decisions, proof downloads and the review queue.

Views parse, call a selector (mdf.review_selectors) or a service, and render. Anything
fetched by id goes through a selector that is scoped to the tenant and, for partner people,
to their own organisation: another tenant's or partner's id is a plain 404."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ecosystem.dates import local_today
from ecosystem.errors import DomainError
from ecosystem.permissions import requires
from ecosystem.portal.forms import add_domain_error
from ecosystem.tenancy.roles import has_capability
from partners.models import PartnerOrganisation

from . import claim_services, review_selectors, selectors, services
from . import request_edit as request_edit_services
from .forms import (
    DECISION_FORMS,
    AddProofForm,
    ClaimForm,
    QueueFilterForm,
    RequestForm,
    proof_help,
)
from .models import ActivityType, Claim, ClaimStatus, FundRequest, RequestStatus
from .selectors import Balance

PER_PAGE = 25
DEADLINE_SOON_DAYS = 14
HISTORY_LABELS = {
    "mdf.request_submitted": gettext_lazy("Request submitted"),
    "mdf.request_resubmitted": gettext_lazy("Request edited and resubmitted"),
    "mdf.changes_requested": gettext_lazy("Changes asked on the request"),
    "mdf.request_approved": gettext_lazy("Request approved"),
    "mdf.request_rejected": gettext_lazy("Request rejected"),
    "mdf.request_lapsed": gettext_lazy("Claim deadline passed; the commitment was released"),
    "mdf.claim_submitted": gettext_lazy("Claim filed"),
    "mdf.claim_resubmitted": gettext_lazy("Claim edited and resubmitted"),
    "mdf.proof_added": gettext_lazy("Proof added"),
    "mdf.claim_changes_requested": gettext_lazy("Changes asked on the claim"),
    "mdf.claim_approved": gettext_lazy("Claim approved"),
    "mdf.claim_rejected": gettext_lazy("Claim rejected"),
    "mdf.claim_paid": gettext_lazy("Claim paid"),
}
# What the recorded `changes` of each action say, shown under the history line.
HISTORY_TEXTS = ("reason", "message", "file")
HISTORY_AMOUNTS = {
    "approved_amount": gettext_lazy("Approved: %(amount)s"),
    "claimed_amount": gettext_lazy("Claimed: %(amount)s"),
    "released": gettext_lazy("Released to the fund: %(amount)s"),
}


def _money(amount, currency: str = "") -> str:
    return "—" if amount is None else f"{amount:,.2f} {currency}".strip()


def _partner_id(request) -> int | None:
    return request.membership.partner_organisation_id


# --- presentation helpers --------------------------------------------------------------------


def split_of(balance: Balance) -> list[dict]:
    """The allocation as parts that add up to it, for the stacked bar and its legend:
    paid, approved claims awaiting payment, committed not yet claimed, still free, expired."""
    parts = [
        ("paid", _("Paid"), balance.paid),
        ("claimed", _("Claimed, to be paid"), balance.claimed - balance.paid),
        ("committed", _("Committed, not yet claimed"), balance.committed - balance.claimed),
        ("remaining", _("Remaining"), balance.remaining),
        ("expired", _("Expired"), balance.expired),
    ]
    total = balance.allocated
    return [
        {
            "key": key,
            "label": label,
            "amount": amount,
            "percent": round(amount * 100 / total) if total > 0 and amount > 0 else 0,
        }
        for key, label, amount in parts
    ]


def _live_claim(fund_request: FundRequest) -> Claim | None:
    """The request's claim that counts (prefetched claims, newest first): a live one, else
    the latest rejected one."""
    claims = list(fund_request.claims.all())
    for claim in claims:
        if claim.status != ClaimStatus.REJECTED:
            return claim
    return claims[0] if claims else None


def next_step(fund_request: FundRequest, claim: Claim | None, today: date, can_act: bool) -> dict:
    """What the partner should do next, with a link when there is something to do, and the
    days left to claim (highlighted within DEADLINE_SOON_DAYS)."""
    status = fund_request.status
    step: dict = {"text": "", "url": "", "days_left": None, "is_soon": False}
    if status == RequestStatus.SUBMITTED:
        step["text"] = _("Waiting for review.")
    elif status == RequestStatus.CHANGES_REQUESTED:
        step["text"] = _("Answer the changes asked.")
        if can_act:
            step["url"] = reverse("mdf:request_edit", args=[fund_request.pk])
    elif status == RequestStatus.REJECTED:
        step["text"] = _("Rejected.")
    elif status == RequestStatus.LAPSED:
        step["text"] = _("No claim was filed in time; the amount went back to your fund.")
    elif claim is not None and claim.status != ClaimStatus.REJECTED:
        step["url"] = reverse("mdf:claim_detail", args=[claim.pk])
        texts: dict[str, str] = {
            ClaimStatus.SUBMITTED: _("Claim in review."),
            ClaimStatus.CHANGES_REQUESTED: _("Answer the changes asked on your claim."),
            ClaimStatus.APPROVED: _("Claim approved; finance will pay it."),
            ClaimStatus.PAID: _("Paid."),
        }
        step["text"] = texts.get(claim.status, "")
    elif fund_request.claim_deadline is not None:
        deadline = fund_request.claim_deadline
        days_left = (deadline - today).days
        step["days_left"] = days_left
        step["is_soon"] = 0 <= days_left <= DEADLINE_SOON_DAYS
        if today < fund_request.end_date:
            step["text"] = _(
                "Run the activity, then file your claim between %(start)s and %(end)s."
            ) % {
                "start": date_format(fund_request.end_date, "j M Y"),
                "end": date_format(deadline, "j M Y"),
            }
        elif days_left >= 0:
            prefix = _("Your claim was rejected. ") if claim is not None else ""
            step["text"] = prefix + _("File your claim by %(date)s.") % {
                "date": date_format(deadline, "j M Y")
            }
            if can_act:
                step["url"] = reverse("mdf:claim_new", args=[fund_request.pk])
        else:
            step["text"] = _("The claim deadline has passed.")
    return step


def _history_rows(entries, currency: str) -> list[dict]:
    rows = []
    for entry in entries:
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        notes = []
        for name, template in HISTORY_AMOUNTS.items():
            value = changes.get(name)
            if isinstance(value, str) and value:
                try:
                    amount = _money(Decimal(value), currency)
                except InvalidOperation:
                    amount = value
                notes.append(str(template) % {"amount": amount})
        notes += [
            str(changes[name])
            for name in HISTORY_TEXTS
            if isinstance(changes.get(name), str) and changes.get(name)
        ]
        rows.append(
            {
                "label": str(HISTORY_LABELS.get(entry.action, entry.action)),
                "entry": entry,
                "notes": notes,
                "changed": [name for name, value in changes.items() if isinstance(value, list)],
            }
        )
    return rows


def _sla(waiting_since: datetime, now: datetime, sla_days: int) -> dict:
    """Age against the review SLA: "3 d of 5" and overdue when past it."""
    age = now - waiting_since
    days = max(age.days, 0)
    overdue = age > timedelta(days=sla_days)
    if overdue:
        text = _("%(days)d d — overdue by %(late)d d") % {
            "days": days,
            "late": max((age - timedelta(days=sla_days)).days, 0) or 1,
        }
    elif days == 0:
        text = _("today (SLA %(sla)d d)") % {"sla": sla_days}
    else:
        text = _("%(days)d d of %(sla)d") % {"days": days, "sla": sla_days}
    return {"text": text, "state": "overdue" if overdue else "ok", "days": days}


# --- /mdf/ -----------------------------------------------------------------------------------


@requires("mdf.view")
def home(request):
    """Partner people: their organisation's funds, requests and claims. Staff: an overview."""
    if request.membership.is_staff_member:
        return _staff_overview(request)
    return _partner_page(request)


def _partner_page(request):
    tenant, membership = request.tenant, request.membership
    partner_id = _partner_id(request)
    partner = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .select_related("channel_manager__user")
        .filter(pk=partner_id)
        .first()
    )
    if partner is None:
        raise Http404
    allocations = [
        {"allocation": allocation, "balance": balance, "split": split_of(balance)}
        for allocation, balance in review_selectors.partner_allocations(
            tenant=tenant, partner_id=partner.pk
        )
    ]
    page = Paginator(
        review_selectors.partner_requests(tenant=tenant, partner_id=partner.pk), PER_PAGE
    ).get_page(request.GET.get("page"))
    today = local_today(tenant)
    can_request = has_capability(membership.role, "mdf.request")
    rows = []
    for fund_request in page.object_list:
        claim = _live_claim(fund_request)
        rows.append(
            {
                "request": fund_request,
                "claim": claim,
                "step": next_step(fund_request, claim, today, can_request),
            }
        )
    channel_manager = partner.channel_manager if partner.channel_manager_id else None
    return render(
        request,
        "mdf/partner_home.html",
        {
            "partner": partner,
            "allocations": allocations,
            "page": page,
            "rows": rows,
            "can_request": can_request,
            "channel_manager": channel_manager,
            "program": claim_services.program_settings(tenant),
            "base_url": reverse("mdf:home"),
        },
    )


def _staff_overview(request):
    tenant, membership = request.tenant, request.membership
    page = Paginator(review_selectors.funds(tenant=tenant), PER_PAGE).get_page(
        request.GET.get("page")
    )
    can_review = has_capability(membership.role, "mdf.review")
    can_pay = has_capability(membership.role, "mdf.pay")
    context: dict = {
        "page": page,
        "funds": review_selectors.fund_totals(tenant=tenant, funds_shown=page.object_list),
        "can_review": can_review,
        "can_pay": can_pay,
        "base_url": reverse("mdf:home"),
    }
    if can_review:
        now = timezone.now()
        sla_days = claim_services.program_settings(tenant).review_sla_days
        waiting_requests = review_selectors.waiting_requests(tenant=tenant)
        waiting_claims = review_selectors.waiting_claims(tenant=tenant)
        context["queue"] = {
            "requests": waiting_requests.count(),
            "claims": waiting_claims.count(),
            "overdue": review_selectors.overdue_count(waiting_requests, now=now, sla_days=sla_days)
            + review_selectors.overdue_count(waiting_claims, now=now, sla_days=sla_days),
        }
    if can_pay:
        context["payable"] = review_selectors.payable_count(tenant=tenant)
    return render(request, "mdf/staff_home.html", context)


# --- requests --------------------------------------------------------------------------------


def _guidance(tenant) -> dict:
    program = claim_services.program_settings(tenant)
    return {"program": program, "proof_help": proof_help()}


def _open_allocations(request):
    """The organisation's allocations still open to requests (the fund has not expired)."""
    return [
        (allocation, balance)
        for allocation, balance in review_selectors.partner_allocations(
            tenant=request.tenant, partner_id=_partner_id(request)
        )
        if allocation.fund.expired_at is None
    ]


@requires("mdf.request")
def request_new(request):
    tenant = request.tenant
    allocations = _open_allocations(request)
    form = RequestForm(request.POST or None, allocations=allocations)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                fund_request = services.submit_request(
                    tenant=tenant,
                    actor=request.membership,
                    allocation_id=form.cleaned_data["allocation"],
                    data=form.service_data(),
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status_code
            else:
                messages.success(
                    request,
                    _("Request sent. Your channel team will review it within %(days)s days.")
                    % {"days": claim_services.program_settings(tenant).review_sla_days},
                )
                return redirect("mdf:request_detail", pk=fund_request.pk)
    return render(
        request,
        "mdf/request_form.html",
        {"form": form, "allocations": allocations, "is_edit": False, **_guidance(tenant)},
        status=status,
    )


def _visible_request(request, pk) -> FundRequest:
    return get_object_or_404(
        review_selectors.visible_requests(tenant=request.tenant, membership=request.membership),
        pk=pk,
    )


@requires("mdf.request")
def request_edit(request, pk):
    tenant = request.tenant
    fund_request = _visible_request(request, pk)
    if fund_request.status != RequestStatus.CHANGES_REQUESTED:
        messages.error(request, _("Only a request sent back for changes can be edited."))
        return redirect("mdf:request_detail", pk=fund_request.pk)
    allocations = _open_allocations(request)
    initial = {
        name: getattr(fund_request, name)
        for name in request_edit_services.EDITABLE_FIELDS
        if name != "allocation"
    }
    initial["allocation"] = fund_request.allocation_id
    form = RequestForm(request.POST or None, allocations=allocations, initial=initial)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                request_edit_services.update_request(
                    tenant=tenant,
                    actor=request.membership,
                    request_id=fund_request.pk,
                    allocation_id=form.cleaned_data["allocation"],
                    data=form.service_data(),
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status_code
            else:
                messages.success(request, _("Request updated and sent back for review."))
                return redirect("mdf:request_detail", pk=fund_request.pk)
    return render(
        request,
        "mdf/request_form.html",
        {
            "form": form,
            "allocations": allocations,
            "is_edit": True,
            "fund_request": fund_request,
            **_guidance(tenant),
        },
        status=status,
    )


def _decision_forms(bound_action: str = "", bound_form=None) -> dict:
    forms = {action: form_class() for action, form_class in DECISION_FORMS.items()}
    if bound_action:
        forms[bound_action] = bound_form
    return forms


def _request_page(request, fund_request: FundRequest, *, decision_forms=None, status=200):
    tenant, membership = request.tenant, request.membership
    claims = review_selectors.claims_of_request(tenant=tenant, request=fund_request)
    claim = next((item for item in claims if item.status != ClaimStatus.REJECTED), None)
    today = local_today(tenant)
    can_review = (
        has_capability(membership.role, "mdf.review")
        and fund_request.status in services.OPEN_REQUEST_STATUSES
    )
    can_act = has_capability(membership.role, "mdf.request") and membership.is_partner_member
    balance = review_selectors.allocation_balance(
        tenant=tenant, allocation_id=fund_request.allocation_id
    )
    latest = claim or (claims[0] if claims else None)
    return render(
        request,
        "mdf/request_detail.html",
        {
            "fund_request": fund_request,
            "fund": fund_request.allocation.fund,
            "claims": claims,
            "claim": claim,
            "balance": balance,
            "split": split_of(balance),
            "history": _history_rows(
                review_selectors.history(tenant=tenant, request=fund_request, claims=claims),
                fund_request.allocation.fund.currency,
            ),
            "can_review": can_review,
            "decision_forms": decision_forms or (_decision_forms() if can_review else {}),
            "step": next_step(fund_request, latest, today, can_act)
            if membership.is_partner_member
            else None,
            "sla_days": claim_services.program_settings(tenant).review_sla_days,
        },
        status=status,
    )


@requires("mdf.view")
def request_detail(request, pk):
    return _request_page(request, _visible_request(request, pk))


@requires("mdf.review")
@require_POST
def request_decide(request, pk):
    fund_request = _visible_request(request, pk)
    action = request.POST.get("action", "")
    if action not in DECISION_FORMS:
        return HttpResponseBadRequest(_("Choose approve, reject or ask for changes."))
    form = DECISION_FORMS[action](request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        common = {"tenant": request.tenant, "actor": request.membership, "request_id": pk}
        try:
            if action == "approve":
                services.approve_request(**common, amount=data["amount"], reason=data["reason"])
                note = _("Request approved. The partner can claim after the activity.")
            elif action == "reject":
                services.reject_request(**common, reason=data["reason"])
                note = _("Request rejected. The partner sees your reason.")
            else:
                services.request_changes(**common, message=data["message"])
                note = _("Sent back to the partner with your message.")
        except DomainError as error:
            add_domain_error(form, error)
            status = error.status_code
            if fund_request.status not in services.OPEN_REQUEST_STATUSES:  # no forms shown
                messages.error(request, error.message)
        else:
            messages.success(request, note)
            return redirect("mdf:request_detail", pk=fund_request.pk)
    return _request_page(
        request,
        fund_request,
        decision_forms=_decision_forms(action, form),
        status=status,
    )


# --- claims ----------------------------------------------------------------------------------


def _claim_form(request, partner_id: int, data=None, files=None, *, claim=None, **kwargs):
    tenant = request.tenant
    leads = list(review_selectors.linkable_leads(tenant=tenant, partner_id=partner_id))
    deals = list(review_selectors.linkable_deals(tenant=tenant, partner_id=partner_id))
    if claim is not None:  # what the claim already names stays choosable
        leads += [lead for lead in claim.linked_leads.all() if lead not in leads]
        deals += [deal for deal in claim.linked_deals.all() if deal not in deals]
    return ClaimForm(data, files, leads=leads, deals=deals, **kwargs)


def _claim_status(form, error_status: int = 400) -> int:
    return 413 if form.too_large else error_status


@requires("mdf.request")
def claim_new(request, pk):
    tenant = request.tenant
    fund_request = _visible_request(request, pk)
    today = local_today(tenant)
    problem = ""
    if fund_request.status != RequestStatus.APPROVED:
        problem = _("Only an approved request can be claimed.")
    elif today < fund_request.end_date:
        problem = _("Claim after the activity ends on %(date)s.") % {
            "date": date_format(fund_request.end_date, "j M Y")
        }
    elif fund_request.claim_deadline and today > fund_request.claim_deadline:
        problem = _("The claim deadline was %(date)s.") % {
            "date": date_format(fund_request.claim_deadline, "j M Y")
        }
    if problem and request.method != "POST":
        messages.error(request, problem)
        return redirect("mdf:request_detail", pk=fund_request.pk)
    form = _claim_form(
        request,
        fund_request.allocation.partner_id,
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"claimed_amount": fund_request.approved_amount},
    )
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                claim = claim_services.submit_claim(
                    tenant=tenant,
                    actor=request.membership,
                    request_id=fund_request.pk,
                    data=form.service_data(),
                    proofs=form.proofs,
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status_code
            else:
                messages.success(request, _("Claim filed. You will hear when it is reviewed."))
                return redirect("mdf:claim_detail", pk=claim.pk)
        else:
            status = _claim_status(form)
    return render(
        request,
        "mdf/claim_form.html",
        {"form": form, "fund_request": fund_request, "claim": None, "proof_help": proof_help()},
        status=status,
    )


def _visible_claim(request, pk) -> Claim:
    claim = review_selectors.claim_detail(
        tenant=request.tenant, membership=request.membership, pk=pk
    )
    if claim is None:
        raise Http404
    return claim


def _claim_page(request, claim: Claim, *, decision_forms=None, proof_form=None, status=200):
    tenant, membership = request.tenant, request.membership
    fund_request = claim.request
    can_review = (
        has_capability(membership.role, "mdf.review") and claim.status == ClaimStatus.SUBMITTED
    )
    can_add_proof = membership.is_partner_member and has_capability(membership.role, "mdf.request")
    can_add_proof = can_add_proof and claim.status in (
        ClaimStatus.SUBMITTED,
        ClaimStatus.CHANGES_REQUESTED,
    )
    can_edit = (
        membership.is_partner_member
        and has_capability(membership.role, "mdf.request")
        and claim.status == ClaimStatus.CHANGES_REQUESTED
    )
    entries = review_selectors.history(tenant=tenant, request=fund_request, claims=[claim])
    claim_entries = [entry for entry in entries if entry.object_type == "mdf.claim"]
    return render(
        request,
        "mdf/claim_detail.html",
        {
            "claim": claim,
            "fund_request": fund_request,
            "fund": fund_request.allocation.fund,
            "proofs": list(claim.proofs.all()),
            "history": _history_rows(claim_entries, claim.currency),
            "can_review": can_review,
            "decision_forms": decision_forms or (_decision_forms() if can_review else {}),
            "can_add_proof": can_add_proof,
            "proof_form": proof_form or (AddProofForm() if can_add_proof else None),
            "can_edit": can_edit,
            "proof_help": proof_help(),
        },
        status=status,
    )


@requires("mdf.view")
def claim_detail(request, pk):
    return _claim_page(request, _visible_claim(request, pk))


@requires("mdf.review")
@require_POST
def claim_decide(request, pk):
    claim = _visible_claim(request, pk)
    action = request.POST.get("action", "")
    if action not in DECISION_FORMS:
        return HttpResponseBadRequest(_("Choose approve, reject or ask for changes."))
    form = DECISION_FORMS[action](request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        common = {"tenant": request.tenant, "actor": request.membership, "claim_id": claim.pk}
        try:
            if action == "approve":
                claim_services.approve_claim(**common, amount=data["amount"], reason=data["reason"])
                note = _("Claim approved. Finance will pay it.")
            elif action == "reject":
                claim_services.reject_claim(**common, reason=data["reason"])
                note = _("Claim rejected. The partner sees your reason.")
            else:
                claim_services.request_claim_changes(**common, message=data["message"])
                note = _("Sent back to the partner with your message.")
        except DomainError as error:
            add_domain_error(form, error)
            status = error.status_code
            if claim.status != ClaimStatus.SUBMITTED:  # the forms are not shown
                messages.error(request, error.message)
        else:
            messages.success(request, note)
            return redirect("mdf:claim_detail", pk=claim.pk)
    return _claim_page(request, claim, decision_forms=_decision_forms(action, form), status=status)


@requires("mdf.request")
@require_POST
def proof_add(request, pk):
    claim = _visible_claim(request, pk)
    form = AddProofForm(request.POST, request.FILES)
    if form.is_valid():
        ((kind, upload),) = form.proofs
        try:
            proof = claim_services.add_proof(
                tenant=request.tenant,
                actor=request.membership,
                claim_id=claim.pk,
                kind=kind,
                upload=upload,
            )
        except DomainError as error:
            form.add_error("proof_file_0" if error.field == "proof" else None, error.message)
            if claim.status not in (ClaimStatus.SUBMITTED, ClaimStatus.CHANGES_REQUESTED):
                messages.error(request, error.message)  # the upload form is not shown
            return _claim_page(request, claim, proof_form=form, status=error.status_code)
        messages.success(request, _("%(file)s added to the claim.") % {"file": proof.file_name})
        return redirect("mdf:claim_detail", pk=claim.pk)
    return _claim_page(request, claim, proof_form=form, status=_claim_status(form))


@requires("mdf.request")
def claim_edit(request, pk):
    claim = _visible_claim(request, pk)
    if claim.status != ClaimStatus.CHANGES_REQUESTED:
        messages.error(request, _("Only a claim sent back for changes can be edited."))
        return redirect("mdf:claim_detail", pk=claim.pk)
    initial = {
        "claimed_amount": claim.claimed_amount,
        "leads_generated": claim.leads_generated,
        "results": claim.results,
        "linked_leads": [lead.pk for lead in claim.linked_leads.all()],
        "linked_deals": [deal.pk for deal in claim.linked_deals.all()],
    }
    form = _claim_form(
        request,
        claim.request.allocation.partner_id,
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        claim=claim,
        initial=initial,
        proofs_required=False,
    )
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                claim_services.update_claim(
                    tenant=request.tenant,
                    actor=request.membership,
                    claim_id=claim.pk,
                    data=form.service_data(),
                    proofs=form.proofs,
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status_code
            else:
                messages.success(request, _("Claim updated and sent back for review."))
                return redirect("mdf:claim_detail", pk=claim.pk)
        else:
            status = _claim_status(form)
    return render(
        request,
        "mdf/claim_form.html",
        {
            "form": form,
            "fund_request": claim.request,
            "claim": claim,
            "proofs": list(claim.proofs.all()),
            "proof_help": proof_help(),
        },
        status=status,
    )


@requires("mdf.view")
def proof_download(request, pk, proof_pk):
    """A proof file, as a download, for staff and the claim's own partner (others 404)."""
    claim = _visible_claim(request, pk)
    proof = review_selectors.proof_of(tenant=request.tenant, claim=claim, proof_id=proof_pk)
    if proof is None:
        raise Http404
    response = FileResponse(
        proof.file.open("rb"),
        as_attachment=True,
        filename=proof.file_name or proof.file.name.rsplit("/", 1)[-1],
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- the review queue ------------------------------------------------------------------------


@requires("mdf.review")
def review_queue(request):
    tenant = request.tenant
    tab = "claims" if request.GET.get("tab") == "claims" else "requests"
    form = QueueFilterForm(
        request.GET or None,
        partners=review_selectors.queue_partner_options(tenant=tenant),
        funds=review_selectors.fund_options(tenant=tenant),
    )
    filters = form.filters()
    requests_waiting = review_selectors.filter_requests(
        review_selectors.waiting_requests(tenant=tenant), filters
    )
    claims_waiting = review_selectors.filter_claims(
        review_selectors.waiting_claims(tenant=tenant), filters
    )
    listed = claims_waiting if tab == "claims" else requests_waiting
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    now = timezone.now()
    sla_days = claim_services.program_settings(tenant).review_sla_days

    def fund_request_of(item) -> FundRequest:
        return item.request if isinstance(item, Claim) else item

    balances = (
        selectors.balances(
            tenant=tenant,
            allocation_ids=sorted({fund_request_of(item).allocation_id for item in items}),
        )
        if items
        else {}
    )
    quality = review_selectors.claim_quality(
        tenant=tenant,
        partner_ids=[fund_request_of(item).allocation.partner_id for item in items],
    )
    rows = []
    for item in items:
        fund_request = fund_request_of(item)
        allocation = fund_request.allocation
        is_claim = isinstance(item, Claim)
        rows.append(
            {
                "item": item,
                "request": fund_request,
                "partner": allocation.partner,
                "currency": allocation.fund.currency,
                "amount": item.claimed_amount if is_claim else item.requested_amount,
                "url": reverse(
                    "mdf:claim_detail" if is_claim else "mdf:request_detail", args=[item.pk]
                ),
                "sla": _sla(item.waiting_since, now, sla_days),
                "remaining": balances[allocation.pk].remaining,
                "quality": quality[allocation.partner_id],
            }
        )
    other = requests_waiting if tab == "claims" else claims_waiting
    counts = {
        tab: page.paginator.count,
        ("requests" if tab == "claims" else "claims"): other.count(),
    }
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("tab", None)
    return render(
        request,
        "mdf/review_queue.html",
        {
            "tab": tab,
            "form": form,
            "page": page,
            "rows": rows,
            "counts": counts,
            "sla_days": sla_days,
            "is_filtered": bool(filters),
            "filter_query": query.urlencode(),
            "activity_types": ActivityType.choices,
            "base_url": reverse("mdf:review"),
        },
    )
