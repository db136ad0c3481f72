"""Due-diligence pages: the compliance review queue and a review, deciding a hit (from a
review or the application page), the restricted-party list upload with its preview, and
the screening settings. Views parse, call screening_selectors or screening_services,
render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecosystem.errors import DomainError
from ecosystem.permissions import requires
from ecosystem.portal.forms import add_domain_error

from . import screening_selectors, screening_services
from .models import ListStatus
from .screening_forms import DecisionForm, ListUploadForm, ReviewFilterForm, SettingsForm

PER_PAGE = 25
PREVIEW_ROWS = 200


# --- compliance reviews ------------------------------------------------------------------------


@requires("compliance.view")
def review_list(request):
    """Open reviews first by default; filter by status."""
    form = ReviewFilterForm(request.GET or {"status": "open"})
    status = form.cleaned_data["status"] if form.is_valid() else "open"
    page = Paginator(
        screening_selectors.reviews(tenant=request.tenant, filters={"status": status}), PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "onboarding/screening/reviews.html",
        {
            "page": page,
            "form": form,
            "status": status,
            "counts": screening_selectors.review_counts(tenant=request.tenant),
            "active_list": screening_selectors.active_list(tenant=request.tenant),
            "base_url": request.path,
        },
    )


@requires("compliance.view")
def review_detail(request, pk: int):
    review = get_object_or_404(screening_selectors.reviews(tenant=request.tenant), pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        refusal = _refuse_unless_decider(request)
        if refusal is not None:
            return refusal
        if form.is_valid():
            try:
                screening_services.decide_review(
                    tenant=request.tenant,
                    actor=request.membership,
                    review_id=review.pk,
                    decision=form.review_decision(),
                    reason=form.cleaned_data["reason"],
                    suspend_partner=form.cleaned_data["suspend_partner"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("The review is decided."))
                return redirect("screening:review", pk=review.pk)
    runs = screening_selectors.runs(tenant=request.tenant, filters={"partner": review.partner_id})
    return render(
        request,
        "onboarding/screening/review.html",
        {
            "review": review,
            "hit": review.hit,
            "form": form,
            "runs": runs[:5],
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _refuse_unless_decider(request):
    from ecosystem.permissions import check_capability

    return check_capability(request, "compliance.decide")


@require_POST
@requires("compliance.decide")
def hit_decide(request, pk: int):
    """Mark a hit from the application page; back to where it came from."""
    hit = get_object_or_404(screening_selectors.hits(tenant=request.tenant), pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            screening_services.decide_hit(
                tenant=request.tenant,
                actor=request.membership,
                hit_id=hit.pk,
                disposition=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                suspend_partner=form.cleaned_data["suspend_partner"],
            )
        except DomainError as error:
            messages.error(request, error.message or _("Check the decision and try again."))
        else:
            messages.success(
                request,
                _("%(entry)s is marked %(decision)s.")
                % {
                    "entry": hit.entry.name,
                    "decision": form.cleaned_data["decision"].replace("_", " "),
                },
            )
    else:
        messages.error(request, _("Choose a decision and give a reason."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("screening:reviews")
    return redirect(back)


# --- lists ---------------------------------------------------------------------------------------


@requires("compliance.manage")
def list_upload(request):
    """Upload a list (stored as a preview), with every past upload below."""
    form = ListUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                party_list = screening_services.preview_list(
                    tenant=request.tenant,
                    actor=request.membership,
                    uploaded_file=form.cleaned_data["file"],
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status_code
            else:
                return redirect("screening:list_detail", pk=party_list.pk)
        else:
            status = 400
    page = Paginator(screening_selectors.party_lists(tenant=request.tenant), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "onboarding/screening/lists.html",
        {
            "form": form,
            "page": page,
            "columns": screening_services.COLUMNS,
            "max_rows": screening_services.MAX_ROWS,
            "max_megabytes": screening_services.MAX_BYTES // (1024 * 1024),
            "base_url": request.path,
        },
        status=status,
    )


@requires("compliance.manage")
def list_detail(request, pk: int):
    party_list = get_object_or_404(
        screening_selectors.party_list_detail(tenant=request.tenant), pk=pk
    )
    is_previewed = party_list.status == ListStatus.PREVIEWED
    entries = (
        []
        if is_previewed
        else screening_selectors.list_entries(tenant=request.tenant, party_list=party_list)[
            :PREVIEW_ROWS
        ]
    )
    rows = party_list.rows[:PREVIEW_ROWS] if is_previewed else []
    return render(
        request,
        "onboarding/screening/list_detail.html",
        {
            "party_list": party_list,
            "is_previewed": is_previewed,
            "rows": rows,
            "row_count": len(party_list.rows),
            "entries": entries,
            "preview_rows": PREVIEW_ROWS,
        },
    )


def _list_action(request, pk, service, done: str):
    party_list = get_object_or_404(
        screening_selectors.party_list_detail(tenant=request.tenant), pk=pk
    )
    try:
        service(tenant=request.tenant, actor=request.membership, list_id=party_list.pk)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done % {"file": party_list.file_name})
    return redirect("screening:list_detail", pk=party_list.pk)


@require_POST
@requires("compliance.manage")
def list_activate(request, pk: int):
    return _list_action(
        request,
        pk,
        screening_services.activate_list,
        _("%(file)s is the active list; every partner is being screened against it."),
    )


@require_POST
@requires("compliance.manage")
def list_discard(request, pk: int):
    return _list_action(
        request, pk, screening_services.discard_list, _("%(file)s was discarded; nothing changed.")
    )


# --- settings ------------------------------------------------------------------------------------


@requires("compliance.manage")
def settings_edit(request):
    current = screening_services.settings_for(request.tenant)
    form = SettingsForm(
        request.POST or None,
        initial={
            "match_threshold": current.match_threshold,
            "rescreen_interval_days": current.rescreen_interval_days,
        },
        required_fields=current.required_fields,
    )
    if form.is_bound and form.is_valid():
        try:
            screening_services.update_settings(
                tenant=request.tenant, actor=request.membership, data=form.service_data()
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Screening settings saved."))
            return redirect("screening:settings")
    return render(
        request,
        "onboarding/screening/settings.html",
        {"form": form, "settings": current},
        status=400 if form.is_bound and form.errors else 200,
    )
