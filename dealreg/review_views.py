"""Reviewer pages: the review queue (/deals/review/), the rules of engagement
(/deals/rules/, editable at /deals/rules/edit/) and the named accounts reserved for direct
sales (/deals/named-accounts/).

Views stay thin: they parse, call a selector or a service and render. Row actions on the
queue answer HTMX with the row itself (swapped in place) and plain posts with a redirect
back to the queue, filters kept."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django_countries import countries

from ecosystem.errors import DomainError
from ecosystem.permissions import requires
from ecosystem.portal.forms import add_domain_error

from . import named_accounts as named_account_services
from . import rules as rule_services
from . import selectors, services
from .models import Deal, DealStatus, MatchKind
from .rule_forms import (
    AssignForm,
    BulkDecisionForm,
    DecisionForm,
    NamedAccountForm,
    NamedAccountUploadForm,
    RulesForm,
    rejection_reason_choices,
)

DEALS_PER_PAGE = 20
NAMED_ACCOUNTS_PER_PAGE = 50
LISTED_REQUESTS = 20
DUE_SOON = timedelta(hours=12)

QUEUE_FILTERS = ["assigned", "partner", "country", "duplicates", "overdue", "sort"]
SORT_CHOICES = [
    ("sla", gettext_lazy("Due soonest first")),
    ("oldest", gettext_lazy("Waiting longest first")),
    ("newest", gettext_lazy("Newest first")),
    ("amount", gettext_lazy("Largest amount first")),
    ("close", gettext_lazy("Closing soonest first")),
]


def _query_param(request, name: str) -> str:
    # PostgreSQL refuses NUL characters in text: drop them rather than answer 500.
    return request.GET.get(name, "").replace("\x00", "").strip()[:200]


def _deal_url(deal_id: int) -> str:
    return f"/deals/{deal_id}/"


# --- presentation of one queue row ------------------------------------------------------


def _duration(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return _("%(count)d min") % {"count": minutes}
    hours = minutes // 60
    if hours < 72:
        return _("%(count)d h") % {"count": hours}
    return _("%(count)d d") % {"count": hours // 24}


def sla_of(deal: Deal, now: datetime) -> dict:
    """How long the registration has waited and how long is left: "waiting 31 h — 17 h
    left" or "overdue by 5 h", with a state for the colour (ok, soon, overdue)."""
    waited = _duration(now - deal.created_at)
    due = deal.review_due_at
    if due is None:
        return {"text": _("waiting %(waited)s") % {"waited": waited}, "state": "ok"}
    if due <= now:
        return {
            "text": _("overdue by %(late)s") % {"late": _duration(now - due)},
            "detail": _("waiting %(waited)s") % {"waited": waited},
            "state": "overdue",
        }
    return {
        "text": _("waiting %(waited)s — %(left)s left")
        % {"waited": waited, "left": _duration(due - now)},
        "state": "soon" if due - now <= DUE_SOON else "ok",
    }


def _money(amount, currency: str) -> str:
    return "—" if amount is None else f"{amount:,.2f} {currency}".strip()


def _day(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = timezone.localdate(value)
    return value.isoformat()


def _country(code) -> str:
    code = str(code or "")
    return str(countries.name(code) or code) if code else "—"


def comparison(deal: Deal, match, membership) -> dict:
    """A stored duplicate laid out side by side with the registration: one row per fact,
    `same` where both sides agree (by normalised key, so "ACME Inc." = "Acme")."""
    view = selectors.match_view(match, membership=membership)
    record = view.get("record")
    result = {
        "kind": match.kind,
        "id": view["id"],
        "score": view["score"],
        "reasons": view["reasons"],
        "record": record,
        "rows": [],
    }
    if record is None:
        return result
    is_deal = match.kind == MatchKind.DEAL
    if is_deal:
        result["title"] = _("Deal #%(id)s") % {"id": record.pk}
        result["url"] = _deal_url(record.pk)
        theirs_who = record.partner.name
        theirs_status = record.get_status_display()
        second_date = (
            _("Protected until"),
            _day(deal.protection_expires_at),
            _day(record.protection_expires_at),
        )
    else:
        result["title"] = _("CRM opportunity “%(name)s”") % {"name": record.name}
        result["url"] = ""
        theirs_who = _("Direct sales: %(owner)s") % {"owner": record.owner or _("no owner")}
        theirs_status = _("%(stage)s (%(state)s)") % {
            "stage": record.stage or _("no stage"),
            "state": _("open") if record.is_open else _("closed"),
        }
        second_date = (
            _("Expected close"),
            _day(deal.expected_close_date),
            _day(record.close_date),
        )
    country, other_country = str(deal.customer_country or ""), str(record.customer_country or "")
    rows = [
        (_("Partner / owner"), deal.partner.name, theirs_who, False),
        (
            _("Customer"),
            deal.customer_name,
            record.customer_name,
            bool(deal.name_key) and deal.name_key == record.name_key,
        ),
        (
            _("Domain"),
            deal.customer_domain or "—",
            record.customer_domain or "—",
            bool(deal.domain_key) and deal.domain_key == record.domain_key,
        ),
        (
            _("Country"),
            _country(country),
            _country(other_country),
            bool(country) and country == other_country,
        ),
        (
            _("Amount"),
            _money(deal.amount, deal.currency),
            _money(record.amount, record.currency),
            record.amount is not None
            and (deal.amount, deal.currency) == (record.amount, record.currency),
        ),
        (_("Status"), deal.get_status_display(), theirs_status, False),
        (_("Registered"), _day(deal.created_at), _day(record.created_at), False),
        (*second_date, False),
    ]
    result["rows"] = [
        {"label": label, "ours": ours, "theirs": theirs, "same": same}
        for label, ours, theirs, same in rows
    ]
    return result


def queue_row(deal: Deal, membership, now: datetime, *, note: str = "", error: str = "") -> dict:
    return {
        "deal": deal,
        "url": _deal_url(deal.pk),
        "sla": sla_of(deal, now),
        "matches": [comparison(deal, match, membership) for match in deal.matches.all()],
        "note": note,
        "error": error,
    }


# --- reads only this page needs (kept beside it; everything else comes from selectors) ----


def _pending(tenant):
    return Deal.objects.for_tenant(tenant).filter(status=DealStatus.PENDING_REVIEW)


def _partner_options(tenant) -> list[tuple[int, str]]:
    """Partners with a registration waiting, for the filter."""
    return list(
        _pending(tenant)
        .order_by("partner__name", "partner_id")
        .values_list("partner_id", "partner__name")
        .distinct()
    )


def _country_options(tenant) -> list[tuple[str, str]]:
    codes = _pending(tenant).order_by().values_list("customer_country", flat=True).distinct()
    return sorted(((str(code), _country(code)) for code in codes), key=lambda item: item[1])


# --- the review queue -------------------------------------------------------------------


def _queue(request, filters: dict):
    return selectors.review_queue(
        tenant=request.tenant, membership=request.membership, filters=filters
    ).select_related("partner__tier")


def _back_to_queue(request):
    """Back to the queue page the action came from (its filters and page), never off-site."""
    target = request.POST.get("next", "")
    queue = reverse("deals:review")
    if (
        target.startswith(queue)
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        and "\n" not in target
    ):
        return redirect(target)
    return redirect(queue)


def _row_context(request) -> dict:
    return {
        "reviewers": list(selectors.reviewers(tenant=request.tenant)),
        "rejection_reasons": rejection_reason_choices(),
        "next": request.POST.get("next", "") or reverse("deals:review"),
    }


@requires("deals.review")
def review_queue(request):
    tenant, membership = request.tenant, request.membership
    # Empty parameters mean "not filtered" (and the selector's own default sort).
    filters = {name: value for name in QUEUE_FILTERS if (value := _query_param(request, name))}
    page = Paginator(_queue(request, filters), DEALS_PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    counts = selectors.queue_counts(tenant=tenant)
    extension_requests = selectors.pending_extensions(tenant=tenant)
    return render(
        request,
        "dealreg/review/queue.html",
        {
            "page": page,
            "rows": [queue_row(deal, membership, now) for deal in page.object_list],
            "counts": counts,
            "reviewers": list(selectors.reviewers(tenant=tenant)),
            "partners": _partner_options(tenant),
            "countries": _country_options(tenant),
            "sorts": SORT_CHOICES,
            "filters": filters,
            "is_filtered": any(value for name, value in filters.items() if name != "sort"),
            "appeals": list(
                selectors.pending_appeals(tenant=tenant, membership=membership).order_by(
                    "created_at"
                )[:LISTED_REQUESTS]
            ),
            "extension_requests": list(extension_requests[:LISTED_REQUESTS]),
            "rejection_reasons": rejection_reason_choices(),
            "next": request.get_full_path(),
            "base_url": reverse("deals:review"),
        },
    )


def _visible_deal(request, pk) -> Deal:
    """The deal with this id in this tenant (404 otherwise), whatever its status: a deal
    decided meanwhile is still found, and the service says why it cannot be decided."""
    return get_object_or_404(
        selectors.deals_visible_to(tenant=request.tenant, membership=request.membership), pk=pk
    )


def _row_response(request, deal_id: int, *, note: str = "", error: str = "", decided=None):
    """The row after an action, for HTMX: the refreshed row while the deal still waits, or
    a short line saying what happened to it."""
    if decided is not None:
        return render(
            request,
            "dealreg/review/_decided.html",
            {"deal": decided, "url": _deal_url(decided.pk), "note": note},
        )
    deal = _queue(request, {}).filter(pk=deal_id).first()
    if deal is None:  # no longer pending (decided elsewhere meanwhile)
        deal = _visible_deal(request, deal_id)
        return render(
            request,
            "dealreg/review/_decided.html",
            {"deal": deal, "url": _deal_url(deal.pk), "note": error or note, "is_error": True},
        )
    return render(
        request,
        "dealreg/review/_row.html",
        {
            "row": queue_row(deal, request.membership, timezone.now(), note=note, error=error),
            **_row_context(request),
        },
    )


@requires("deals.review")
@require_POST
def review_decide(request, pk):
    deal = _visible_deal(request, pk)
    form = DecisionForm(request.POST)
    decided, note, error = None, "", ""
    if not form.is_valid():
        error = _("Choose approve or reject.")
    else:
        action = form.cleaned_data["action"]
        try:
            if action == "approve":
                decided = services.approve_deal(
                    tenant=request.tenant,
                    actor=request.membership,
                    deal_id=deal.pk,
                    reason=form.reason_text(),
                )
                note = _("Approved: %(title)s.") % {"title": deal.title}
            else:
                decided = services.reject_deal(
                    tenant=request.tenant,
                    actor=request.membership,
                    deal_id=deal.pk,
                    reason=form.reason_text(),
                )
                note = _("Rejected: %(title)s.") % {"title": deal.title}
        except DomainError as failure:
            error = failure.message
    if request.htmx:
        return _row_response(request, deal.pk, note=note, error=error, decided=decided)
    if error:
        messages.error(request, _("%(title)s: %(error)s") % {"title": deal.title, "error": error})
    else:
        messages.success(request, note)
    return _back_to_queue(request)


@requires("deals.review")
@require_POST
def review_assign(request, pk):
    deal = _visible_deal(request, pk)
    form = AssignForm(request.POST)
    form.is_valid()
    reviewer_id = form.reviewer_id()
    note, error = "", ""
    try:
        updated = services.assign_reviewer(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            reviewer_id=reviewer_id,
        )
    except DomainError as failure:
        error = failure.message
    else:
        note = (
            _("Assigned to %(name)s.") % {"name": updated.assigned_to.user.get_full_name()}
            if updated.assigned_to is not None
            else _("Unassigned.")
        )
    if request.htmx:
        return _row_response(request, deal.pk, note=note, error=error)
    if error:
        messages.error(request, _("%(title)s: %(error)s") % {"title": deal.title, "error": error})
    else:
        messages.success(request, _("%(title)s: %(note)s") % {"title": deal.title, "note": note})
    return _back_to_queue(request)


@requires("deals.review")
@require_POST
def review_bulk(request):
    form = BulkDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return _back_to_queue(request)
    action = form.cleaned_data["action"]
    result = services.bulk_decide(
        tenant=request.tenant,
        actor=request.membership,
        deal_ids=form.cleaned_data["deal_ids"],
        action=action,
        reason=form.reason_text(),
    )
    done, failed = result["done"], result["failed"]
    if done:
        messages.success(
            request,
            (
                ngettext(
                    "%(count)d registration approved.",
                    "%(count)d registrations approved.",
                    len(done),
                )
                if action == "approve"
                else ngettext(
                    "%(count)d registration rejected.",
                    "%(count)d registrations rejected.",
                    len(done),
                )
            )
            % {"count": len(done)},
        )
    if failed:
        titles = dict(
            selectors.deals_visible_to(tenant=request.tenant, membership=request.membership)
            .filter(pk__in=list(failed))
            .values_list("pk", "title")
        )
        messages.warning(
            request,
            ngettext(
                "%(count)d registration could not be decided:",
                "%(count)d registrations could not be decided:",
                len(failed),
            )
            % {"count": len(failed)},
        )
        for deal_id, message in failed.items():
            messages.error(
                request,
                _("%(deal)s: %(error)s")
                % {
                    "deal": titles.get(deal_id) or _("Deal #%(id)s") % {"id": deal_id},
                    "error": message,
                },
            )
    return _back_to_queue(request)


# --- rules of engagement ----------------------------------------------------------------


@requires("deals.view")
def rules_page(request):
    tenant, membership = request.tenant, request.membership
    rules = rule_services.rules_for(tenant)
    territory = []
    if membership.is_partner_member and rules.restrict_to_partner_territory:
        partner = membership.partner_organisation
        codes = {str(code) for code in partner.countries_served} | {str(partner.country)}
        territory = sorted(_country(code) for code in codes if code)
    return render(
        request,
        "dealreg/rules/page.html",
        {
            "rules": rules,
            "currency": tenant.default_currency,
            "allowed_countries": sorted(_country(code) for code in rules.allowed_countries),
            "territory": territory,
            "threshold": f"{rules.duplicate_threshold:.2f}",
            "minimum_amount": _money(rules.minimum_amount, tenant.default_currency),
            "auto_approve_max_amount": _money(
                rules.auto_approve_max_amount, tenant.default_currency
            )
            if rules.auto_approve_max_amount is not None
            else "",
        },
    )


@requires("deals.rules")
def rules_edit(request):
    tenant = request.tenant
    rules = rule_services.rules_for(tenant)
    form = RulesForm(
        request.POST if request.method == "POST" else None,
        tenant=tenant,
        initial=RulesForm.initial_from(rules),
    )
    if form.is_bound and form.is_valid():
        try:
            rule_services.update_rules(
                tenant=tenant, actor=request.membership, data=form.service_data()
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Rules of engagement saved. Partners see them now."))
            return redirect("deals:rules")
    return render(
        request,
        "dealreg/rules/edit.html",
        {"form": form, "rules": rules, "section": "deal_rules"},
        status=400 if form.is_bound else 200,
    )


# --- named accounts -----------------------------------------------------------------------


def _named_accounts_page(request, *, form=None, upload_form=None, rejected=None, status=200):
    search = _query_param(request, "q")
    accounts = named_account_services.named_accounts(tenant=request.tenant, search=search)
    return render(
        request,
        "dealreg/rules/named_accounts.html",
        {
            "page": Paginator(accounts, NAMED_ACCOUNTS_PER_PAGE).get_page(request.GET.get("page")),
            "search": search,
            "form": form or NamedAccountForm(),
            "upload_form": upload_form or NamedAccountUploadForm(),
            "rejected": rejected,
            "max_rows": named_account_services.MAX_ROWS,
            "base_url": reverse("deals:named_accounts"),
            "section": "named_accounts",
        },
        status=status,
    )


@requires("deals.rules")
def named_accounts(request):
    """The list (GET); POST adds one account."""
    if request.method != "POST":
        return _named_accounts_page(request)
    form = NamedAccountForm(request.POST)
    if form.is_valid():
        try:
            account = named_account_services.add_named_account(
                tenant=request.tenant, actor=request.membership, data=dict(form.cleaned_data)
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is now a named account: registrations for it go to review.")
                % {"name": account.name},
            )
            return redirect("deals:named_accounts")
    return _named_accounts_page(request, form=form, status=400)


@requires("deals.rules")
@require_POST
def named_account_remove(request, pk):
    account = get_object_or_404(named_account_services.named_accounts(tenant=request.tenant), pk=pk)
    named_account_services.remove_named_account(
        tenant=request.tenant, actor=request.membership, account_id=account.pk
    )
    messages.success(request, _("%(name)s is no longer a named account.") % {"name": account.name})
    return redirect("deals:named_accounts")


@requires("deals.rules")
@require_POST
def named_accounts_upload(request):
    form = NamedAccountUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _named_accounts_page(request, upload_form=form, status=400)
    try:
        result = named_account_services.import_named_accounts(
            tenant=request.tenant,
            actor=request.membership,
            uploaded_file=form.cleaned_data["file"],
        )
    except named_account_services.ImportRejected as rejected:
        form.add_error("file", rejected.message)
        return _named_accounts_page(request, upload_form=form, rejected=rejected, status=400)
    except DomainError as error:
        form.add_error("file", error.message)
        return _named_accounts_page(request, upload_form=form, status=error.status_code)
    messages.success(
        request,
        _(
            "%(file)s imported: %(created)d added, %(updated)d updated, %(unchanged)d already "
            "up to date."
        )
        % {
            "file": result.file_name,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )
    return redirect("deals:named_accounts")
