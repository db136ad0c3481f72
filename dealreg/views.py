"""Deal pages: the list, registration with a live duplicate check, and the deal page with
every action on it (decide, close, edit, participants, appeal, extension, the deal room,
vendor help). Each action is a POST that calls one service and redirects back; a refused
action shows the deal page again with the form and the service's message."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_countries import countries

from ecosystem.errors import DomainError, NotFound
from ecosystem.permissions import requires
from ecosystem.portal.forms import add_domain_error
from ecosystem.tenancy.roles import has_capability
from partners.selectors import partners_visible_to

from . import collaboration, matching, page_reads, selectors, services
from .duplicates import find_duplicates
from .forms import (
    AppealDecideForm,
    AppealForm,
    ApproveForm,
    CloseForm,
    DealFilterForm,
    DuplicateCheckForm,
    EditDealForm,
    ExtensionDecideForm,
    ExtensionForm,
    HelpRequestForm,
    HelpUpdateForm,
    JoinForm,
    MessageForm,
    ParticipantAddForm,
    ParticipantDecideForm,
    RefundForm,
    RegistrationForm,
    RejectForm,
    ReopenForm,
    staff_choices,
)
from .models import (
    Deal,
    DealParticipant,
    DealStatus,
    ParticipantRole,
    RequestStatus,
    VendorHelpRequest,
)
from .rules import REJECTION_REASONS, rules_for

DEALS_PER_PAGE = 25
DUPLICATES_SHOWN = 10


def _visible_deal(request, pk) -> Deal:
    """The deal with this id if the member may see it; 404 otherwise (another tenant's,
    or for partner members another partner's deal they do not take part in)."""
    return get_object_or_404(
        selectors.deals_visible_to(tenant=request.tenant, membership=request.membership), pk=pk
    )


def _date(moment) -> str:
    return date_format(timezone.localtime(moment), "j M Y")


def _detail_url(deal_id: int, anchor: str = "") -> str:
    url = reverse("deals:detail", args=[deal_id])
    return f"{url}#{anchor}" if anchor else url


# --- list ---------------------------------------------------------------------------------


@requires("deals.view")
def deal_list(request):
    tenant, membership = request.tenant, request.membership
    filter_form = DealFilterForm(request.GET)
    filters = filter_form.filters()
    if membership.is_partner_member:
        filters.pop("partner", None)
    deals = selectors.deal_list(tenant=tenant, membership=membership, filters=filters)
    page = Paginator(deals, DEALS_PER_PAGE).get_page(request.GET.get("page"))
    is_staff = membership.is_staff_member
    return render(
        request,
        "dealreg/list.html",
        {
            "page": page,
            "filter_form": filter_form,
            "filters": filters,
            "is_filtered": any(key != "sort" for key in filters),
            "partners": partners_visible_to(tenant=tenant, membership=membership)
            .select_related(None)
            .only("pk", "name")
            .order_by("name")
            if is_staff
            else None,
            "countries": list(countries),
            "can_register": has_capability(membership.role, "deals.register"),
            "can_review": has_capability(membership.role, "deals.review"),
        },
    )


# --- registration -------------------------------------------------------------------------


def _registered_message(request, deal: Deal, review_sla_hours: int) -> None:
    if deal.status == DealStatus.APPROVED:
        messages.success(
            request,
            _("Deal registered and approved. %(reason)s Protected until %(date)s.")
            % {
                "reason": deal.decision_reason,
                "date": _date(deal.protection_expires_at),
            },
        )
    else:
        messages.warning(
            request,
            _(
                "Deal registered. It waits for a reviewer because: %(reasons)s. A decision "
                "is due within %(hours)s hours."
            )
            % {"reasons": "; ".join(deal.review_reasons), "hours": review_sla_hours},
        )


@requires("deals.register")
def deal_register(request):
    tenant, membership = request.tenant, request.membership
    form = RegistrationForm(
        request.POST if request.method == "POST" else None, tenant=tenant, membership=membership
    )
    if form.is_bound and form.is_valid():
        try:
            deal = services.register_deal(tenant=tenant, actor=membership, data=form.service_data())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            _registered_message(request, deal, rules_for(tenant).review_sla_hours)
            return redirect("deals:detail", pk=deal.pk)
    return render(
        request,
        "dealreg/register.html",
        {"form": form, "rules": rules_for(tenant)},
        status=400 if form.is_bound else 200,
    )


@requires("deals.register")
@require_POST
def duplicate_check(request):
    """The possible duplicates of what is typed so far (an HTMX partial). Another
    partner's deal shows only that it exists, its score and the reasons."""
    tenant, membership = request.tenant, request.membership
    form = DuplicateCheckForm(request.POST)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    name = (data.get("customer_name") or "").strip()
    domain = (data.get("customer_domain") or "").strip()
    context: dict = {"checked": False}
    if len(name) >= 2 or matching.normalise_domain(domain):
        rules = rules_for(tenant)
        found = find_duplicates(
            tenant=tenant,
            identity=matching.identity(name, domain, data.get("customer_country") or ""),
            products=data.get("products") or [],
            expected_close=data.get("expected_close_date"),
            viewer_partner_id=membership.partner_organisation_id
            if membership.is_partner_member
            else None,
            minimum_score=float(rules.duplicate_threshold),
        )
        shown = found[:DUPLICATES_SHOWN]
        prefetch_related_objects(
            [match.record for match in shown if isinstance(match.record, Deal)], "partner"
        )
        context = {
            "checked": True,
            "matches": [
                page_reads.found_match_view(match, membership=membership) for match in shown
            ],
            "more": max(0, len(found) - DUPLICATES_SHOWN),
        }
    return render(request, "dealreg/_duplicate_check.html", context)


# --- the deal page ------------------------------------------------------------------------


def _detail_context(request, deal: Deal, bound: dict | None = None, failure=None) -> dict:
    """Everything the deal page shows; `bound` replaces a blank form by the one that was
    just refused (keyed like the context: "close_form", or ("help_update", id))."""
    tenant, membership = request.tenant, request.membership
    bound = bound or {}
    role = membership.role
    is_reviewer = has_capability(role, "deals.review")
    can_register = has_capability(role, "deals.register")
    is_owner = (
        membership.is_partner_member and deal.partner_id == membership.partner_organisation_id
    )
    rules = rules_for(tenant)
    participants = list(deal.participants.all())
    appeal = next(iter(deal.appeals.all()), None)
    extensions = list(deal.extensions.all())
    pending_extension = next(
        (item for item in extensions if item.status == RequestStatus.PENDING), None
    )
    help_requests = list(deal.help_requests.all())
    status = deal.status
    people = staff_choices(tenant) if is_reviewer and help_requests else []

    def form(name, show: bool, make: Callable):
        if not show:
            return None
        return bound.get(name) or make()

    context = {
        "deal": deal,
        "rules": rules,
        "is_owner": is_owner,
        # What the deal earns under incentive programs: staff, and the registering partner.
        "show_incentives": membership.is_staff_member or is_owner,
        "is_reviewer": is_reviewer,
        "failure": failure,
        "matches": [
            selectors.match_view(match, membership=membership) for match in deal.matches.all()
        ],
        "active_participants": [
            p for p in participants if p.status == DealParticipant.Status.ACTIVE
        ],
        "requested_participants": [
            p for p in participants if p.status == DealParticipant.Status.REQUESTED
        ]
        if is_reviewer
        else [],
        "timeline": page_reads.timeline(deal, membership=membership, participants=participants),
        "appeal": appeal,
        "extensions": extensions,
        "pending_extension": pending_extension,
        "help_requests": help_requests,
        "room_messages": list(deal.messages.all()),
        "mentionable": page_reads.mentionable_people(
            tenant=tenant, deal=deal, participants=participants
        ),
        "rejection_reasons": REJECTION_REASONS,
        "participant_roles": [
            choice for choice in ParticipantRole.choices if choice[0] != ParticipantRole.SOURCED
        ],
        "can_join": membership.is_partner_member and can_register,
        "approve_form": form(
            "approve_form", is_reviewer and status == DealStatus.PENDING_REVIEW, ApproveForm
        ),
        "reject_form": form(
            "reject_form", is_reviewer and status == DealStatus.PENDING_REVIEW, RejectForm
        ),
        "edit_form": form(
            "edit_form",
            can_register and deal.is_open and (is_owner or membership.is_staff_member),
            lambda: EditDealForm(initial=EditDealForm.initial_from(deal)),
        ),
        "close_form": form(
            "close_form",
            status == DealStatus.APPROVED and (is_reviewer or (is_owner and can_register)),
            lambda: CloseForm(as_partner=not is_reviewer, initial={"outcome": DealStatus.WON}),
        ),
        "reopen_form": form("reopen_form", is_reviewer and status == DealStatus.WON, ReopenForm),
        "refund_form": form("refund_form", is_reviewer and status == DealStatus.WON, RefundForm),
        "refunded": services.refunded_since_won(deal) if status == DealStatus.WON else None,
        "appeal_form": form(
            "appeal_form",
            is_owner and can_register and status == DealStatus.REJECTED and appeal is None,
            AppealForm,
        ),
        "appeal_decide_form": form(
            "appeal_decide_form",
            is_reviewer
            and appeal is not None
            and not appeal.outcome
            and appeal.original_decider_id != request.user.pk,
            AppealDecideForm,
        ),
        "extension_form": form(
            "extension_form",
            is_owner
            and can_register
            and status == DealStatus.APPROVED
            and pending_extension is None
            and deal.extensions_granted < rules.max_extensions,
            ExtensionForm,
        ),
        "extension_decide_form": form(
            "extension_decide_form",
            is_reviewer and pending_extension is not None,
            ExtensionDecideForm,
        ),
        "participant_form": form(
            "participant_form",
            is_reviewer and deal.is_open,
            lambda: ParticipantAddForm(
                tenant=tenant, exclude_ids=[p.partner_id for p in participants]
            ),
        ),
        "message_form": bound.get("message_form") or MessageForm(),
        "help_form": form(
            "help_form", membership.is_partner_member and deal.is_open, HelpRequestForm
        ),
        "help_updates": [
            (
                item,
                bound.get(("help_update", item.pk)) or HelpUpdateForm(people=people)
                if is_reviewer
                and item.status
                in (VendorHelpRequest.Status.OPEN, VendorHelpRequest.Status.ASSIGNED)
                else None,
            )
            for item in help_requests
        ],
    }
    return context


def _page_deal(request, pk) -> Deal:
    deal = selectors.deal_detail(tenant=request.tenant, membership=request.membership, pk=pk)
    if deal is None:
        raise Http404
    return deal


@requires("deals.view")
def deal_detail(request, pk):
    deal = _page_deal(request, pk)
    return render(request, "dealreg/detail.html", _detail_context(request, deal))


def _refused(request, pk, key, form, anchor: str, message: str, status: int):
    """The deal page again, with the refused form and why, at the action's URL."""
    deal = _page_deal(request, pk)
    context = _detail_context(
        request, deal, bound={key: form}, failure={"message": message, "anchor": anchor}
    )
    return render(request, "dealreg/detail.html", context, status=status)


def _act(
    request,
    pk,
    *,
    key,
    anchor: str,
    form,
    call: Callable[[Deal, dict], object],
    success: str | Callable[[object], str],
    jump: bool = False,
):
    """Run one action from the deal page: validate the form, call the service, redirect
    back with a message; on a refusal show the page with the message next to the form."""
    deal = _visible_deal(request, pk)
    if not form.is_valid():
        return _refused(request, pk, key, form, anchor, _("Please correct the errors below."), 400)
    try:
        result = call(deal, form.cleaned_data)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        add_domain_error(form, error)
        return _refused(request, pk, key, form, anchor, error.message, error.status_code)
    messages.success(request, success(result) if callable(success) else success)
    # Back to the top, where the message shows, unless the change is seen in its section.
    return redirect(_detail_url(deal.pk, anchor if jump else ""))


# --- decisions ----------------------------------------------------------------------------


@requires("deals.review")
@require_POST
def deal_approve(request, pk):
    return _act(
        request,
        pk,
        key="approve_form",
        anchor="decision",
        form=ApproveForm(request.POST),
        call=lambda deal, data: services.approve_deal(
            tenant=request.tenant, actor=request.membership, deal_id=deal.pk, reason=data["reason"]
        ),
        success=lambda deal: (
            _("Approved. %(title)s is protected until %(date)s.")
            % {
                "title": deal.title,
                "date": _date(deal.protection_expires_at),
            }
        ),
    )


@requires("deals.review")
@require_POST
def deal_reject(request, pk):
    return _act(
        request,
        pk,
        key="reject_form",
        anchor="decision",
        form=RejectForm(request.POST),
        call=lambda deal, data: services.reject_deal(
            tenant=request.tenant, actor=request.membership, deal_id=deal.pk, reason=data["reason"]
        ),
        success=_("Rejected. The partner is told why and may appeal once."),
    )


@requires("deals.register")
@require_POST
def deal_close(request, pk):
    as_partner = not has_capability(request.membership.role, "deals.review")
    return _act(
        request,
        pk,
        key="close_form",
        anchor="close",
        form=CloseForm(request.POST, as_partner=as_partner),
        call=lambda deal, data: services.close_deal(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            outcome=data["outcome"],
            amount=data.get("amount"),
            closed_on=data.get("closed_on"),
        ),
        success=lambda deal: (
            _("Closed as %(outcome)s.") % {"outcome": deal.get_status_display().lower()}
        ),
    )


@requires("deals.review")
@require_POST
def deal_reopen(request, pk):
    return _act(
        request,
        pk,
        key="reopen_form",
        anchor="after-win",
        form=ReopenForm(request.POST),
        call=lambda deal, data: services.reopen_deal(
            tenant=request.tenant, actor=request.membership, deal_id=deal.pk, reason=data["reason"]
        ),
        success=_("Reopened. The deal is approved again; incentives earned on it are clawed back."),
    )


@requires("deals.review")
@require_POST
def deal_refund(request, pk):
    return _act(
        request,
        pk,
        key="refund_form",
        anchor="after-win",
        form=RefundForm(request.POST),
        call=lambda deal, data: services.record_refund(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            amount=data["amount"],
            reason=data["reason"],
        ),
        success=_("Refund recorded; the partner's incentives on it are clawed back in proportion."),
    )


@requires("deals.register")
@require_POST
def deal_edit(request, pk):
    def call(deal, data):
        changed = {name: value for name, value in data.items() if getattr(deal, name) != value}
        if not changed:
            return None
        return services.update_deal(
            tenant=request.tenant, actor=request.membership, deal_id=deal.pk, data=changed
        )

    return _act(
        request,
        pk,
        key="edit_form",
        anchor="edit",
        form=EditDealForm(request.POST),
        call=call,
        success=lambda deal: _("Changes saved.") if deal else _("Nothing changed."),
    )


# --- participants -------------------------------------------------------------------------


@requires("deals.review")
@require_POST
def participant_add(request, pk):
    deal = _visible_deal(request, pk)
    return _act(
        request,
        pk,
        key="participant_form",
        anchor="participants",
        jump=True,
        form=ParticipantAddForm(
            request.POST,
            tenant=request.tenant,
            exclude_ids=deal.participants.filter(status=DealParticipant.Status.ACTIVE).values_list(
                "partner_id", flat=True
            ),
        ),
        call=lambda deal, data: collaboration.add_participant(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            partner_id=data["partner"].pk,
            role=data["role"],
            note=data["note"],
        ),
        success=lambda participant: (
            _("%(partner)s now takes part as %(role)s.")
            % {
                "partner": participant.partner.name,
                "role": participant.get_role_display().lower(),
            }
        ),
    )


@requires("deals.review")
@require_POST
def participant_decide(request, pk, participant_pk):
    return _act(
        request,
        pk,
        key="participant_decide_form",
        anchor="participants",
        jump=True,
        form=ParticipantDecideForm(request.POST),
        call=lambda deal, data: collaboration.decide_participant(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            participant_id=participant_pk,
            accept=data["accept"],
            role=data["role"],
        ),
        success=lambda participant: (
            (
                _("%(partner)s was accepted.")
                if participant.status == DealParticipant.Status.ACTIVE
                else _("%(partner)s's request was declined.")
            )
            % {"partner": participant.partner.name}
        ),
    )


def _back_url(request, fallback: str) -> str:
    back = request.POST.get("back", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return fallback


@requires("deals.register")
@require_POST
def deal_join(request, pk):
    """A partner asks to co-sell on a deal it knows the id of (a possible duplicate of its
    own registration). The deal stays hidden until staff accept; another tenant's id is a
    plain 404."""
    form = JoinForm(request.POST)
    form.is_valid()
    back = _back_url(request, reverse("deals:list"))
    try:
        collaboration.request_to_join(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=pk,
            note=form.cleaned_data.get("note", ""),
        )
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "You asked to co-sell on deal #%(id)s. The program's team decides; you will "
                "be notified."
            )
            % {"id": pk},
        )
    return redirect(back)


# --- appeals and extensions ---------------------------------------------------------------


@requires("deals.register")
@require_POST
def deal_appeal(request, pk):
    return _act(
        request,
        pk,
        key="appeal_form",
        anchor="appeal",
        form=AppealForm(request.POST),
        call=lambda deal, data: collaboration.file_appeal(
            tenant=request.tenant, actor=request.membership, deal_id=deal.pk, note=data["note"]
        ),
        success=lambda appeal: (
            _("Appeal filed. %(name)s will decide it.")
            % {"name": appeal.reviewer.user.get_full_name() if appeal.reviewer else _("A reviewer")}
        ),
    )


@requires("deals.review")
@require_POST
def appeal_decide(request, pk):
    return _act(
        request,
        pk,
        key="appeal_decide_form",
        anchor="appeal",
        form=AppealDecideForm(request.POST),
        call=lambda deal, data: collaboration.decide_appeal(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            outcome=data["outcome"],
            reason=data["reason"],
        ),
        success=lambda appeal: (
            _("Appeal decided: %(outcome)s.") % {"outcome": appeal.get_outcome_display().lower()}
        ),
    )


@requires("deals.register")
@require_POST
def extension_request(request, pk):
    return _act(
        request,
        pk,
        key="extension_form",
        anchor="protection",
        form=ExtensionForm(request.POST),
        call=lambda deal, data: services.request_extension(
            tenant=request.tenant, actor=request.membership, deal_id=deal.pk, reason=data["reason"]
        ),
        success=lambda extension: (
            _("Extension of %(days)s days requested. You will be told the decision.")
            % {"days": extension.days}
        ),
    )


@requires("deals.review")
@require_POST
def extension_decide(request, pk):
    return _act(
        request,
        pk,
        key="extension_decide_form",
        anchor="protection",
        form=ExtensionDecideForm(request.POST),
        call=lambda deal, data: services.decide_extension(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            approve=data["approve"],
            reason=data["reason"],
        ),
        success=lambda extension: (
            _("Extension approved.")
            if extension.status == RequestStatus.APPROVED
            else _("Extension refused.")
        ),
    )


# --- the deal room ------------------------------------------------------------------------


@requires("deals.view")
@require_POST
def message_post(request, pk):
    return _act(
        request,
        pk,
        key="message_form",
        anchor="room",
        jump=True,
        form=MessageForm(request.POST, request.FILES),
        call=lambda deal, data: collaboration.post_message(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            body=data["body"],
            upload=data.get("file"),
        ),
        success=lambda message: (
            ngettext(
                "Message posted; the person you mentioned was notified.",
                "Message posted; the %(count)s people you mentioned were notified.",
                len(message.mentions),
            )
            % {"count": len(message.mentions)}
            if message.mentions
            else _("Message posted.")
        ),
    )


@requires("deals.view")
def message_file(request, pk, message_pk):
    """A file from the deal room, as a download, for whoever may see the deal."""
    deal = _visible_deal(request, pk)
    message = page_reads.room_file(tenant=request.tenant, deal=deal, message_id=message_pk)
    if message is None:
        raise Http404
    response = FileResponse(
        message.file.open("rb"),
        as_attachment=True,
        filename=message.file_name or message.file.name.rsplit("/", 1)[-1],
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- vendor help --------------------------------------------------------------------------


@requires("deals.view")
@require_POST
def help_request(request, pk):
    return _act(
        request,
        pk,
        key="help_form",
        anchor="help",
        jump=True,
        form=HelpRequestForm(request.POST),
        call=lambda deal, data: collaboration.request_help(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            kind=data["kind"],
            note=data["note"],
        ),
        success=lambda item: (
            _("%(kind)s requested. The program's team will follow up.")
            % {"kind": item.get_kind_display()}
        ),
    )


@requires("deals.review")
@require_POST
def help_update(request, pk, request_pk):
    return _act(
        request,
        pk,
        key=("help_update", request_pk),
        anchor="help",
        jump=True,
        form=HelpUpdateForm(request.POST, people=staff_choices(request.tenant)),
        call=lambda deal, data: collaboration.update_help_request(
            tenant=request.tenant,
            actor=request.membership,
            deal_id=deal.pk,
            request_id=request_pk,
            status=data["status"],
            assignee_id=data.get("assignee") or None,
        ),
        success=lambda item: (
            _("%(kind)s: %(status)s.")
            % {"kind": item.get_kind_display(), "status": item.get_status_display().lower()}
        ),
    )
