"""Welcome-sequence and survey pages. Staff: the overview of every partner's run, the steps
and their editor, the co-selling guide, a partner's timeline, survey results. Partner
people: the messages sent to them, their surveys and the answer page. Views parse, call a
selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecosystem.errors import DomainError
from ecosystem.permissions import requires
from ecosystem.portal.forms import add_domain_error

from . import sequences_selectors, sequences_services, surveys_selectors, surveys_services
from .sequences_forms import EnrolmentFilterForm, SettingsForm, StepForm, SurveyAnswerForm

PER_PAGE = 25


def _partner_or_404(request, pk):
    partner = sequences_selectors.partner(tenant=request.tenant, pk=pk)
    if partner is None:
        raise Http404
    return partner


# --- staff: the sequence ---------------------------------------------------------------------


@requires("sequences.view")
def overview(request):
    """Every partner's run: where it stands, what is next."""
    form = EnrolmentFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = Paginator(
        sequences_selectors.enrolments(tenant=request.tenant, filters=filters), PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "onboarding/sequences/overview.html",
        {
            "form": form,
            "page": page,
            "is_filtered": bool(filters.get("state")),
            "counts": sequences_selectors.overview_counts(tenant=request.tenant),
            "days_to_first_deal": sequences_selectors.average_days_to_first_deal(
                tenant=request.tenant
            ),
            "step_count": sequences_selectors.steps(tenant=request.tenant).count(),
            "base_url": request.path,
        },
    )


@requires("sequences.view")
def step_list(request):
    return render(
        request,
        "onboarding/sequences/steps.html",
        {"steps": list(sequences_selectors.steps(tenant=request.tenant))},
    )


def _save_step(request, *, step=None):
    form = StepForm(request.POST or None, step=step)
    if form.is_bound and form.is_valid():
        try:
            if step is None:
                saved = sequences_services.create_step(
                    tenant=request.tenant, actor=request.membership, data=form.service_data()
                )
            else:
                saved = sequences_services.update_step(
                    tenant=request.tenant,
                    actor=request.membership,
                    step_id=step.pk,
                    data=form.service_data(),
                )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("“%(name)s” was saved.") % {"name": saved.name})
            return redirect("sequences:steps")
    return render(
        request,
        "onboarding/sequences/step_form.html",
        {"form": form, "step": step, "merge_fields": sequences_services.MERGE_FIELDS},
    )


@requires("sequences.manage")
def step_create(request):
    return _save_step(request)


@requires("sequences.manage")
def step_edit(request, pk):
    step = sequences_selectors.step_for_editor(tenant=request.tenant, pk=pk)
    if step is None:
        raise Http404
    return _save_step(request, step=step)


@requires("sequences.manage")
def settings(request):
    current = sequences_services.current_settings(request.tenant)
    form = SettingsForm(
        request.POST or None,
        initial={
            "coselling_subject": current.coselling_subject,
            "coselling_body": current.coselling_body,
        },
    )
    if form.is_bound and form.is_valid():
        try:
            sequences_services.update_settings(
                tenant=request.tenant, actor=request.membership, data=form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The co-selling guide was saved."))
            return redirect("sequences:settings")
    return render(request, "onboarding/sequences/settings.html", {"form": form})


@requires("sequences.view")
def timeline(request, pk):
    partner = _partner_or_404(request, pk)
    return render(
        request,
        "onboarding/sequences/timeline.html",
        {
            "partner": partner,
            "enrolment": sequences_selectors.enrolment_of(tenant=request.tenant, partner=partner),
            "runs": list(sequences_selectors.timeline(tenant=request.tenant, partner=partner)),
            "days_to_first_deal": sequences_selectors.time_to_first_deal(
                tenant=request.tenant, partner_ids=[partner.pk]
            ).get(partner.pk),
            "survey": surveys_selectors.results(
                tenant=request.tenant, partner_ids=[partner.pk], comment_limit=5
            ),
        },
    )


@require_POST
@requires("sequences.manage")
def start(request, pk):
    partner = _partner_or_404(request, pk)
    try:
        _enrolment, created = sequences_services.start_sequence(
            tenant=request.tenant, actor=request.membership, partner_id=partner.pk
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if created:
            messages.success(
                request, _("%(partner)s started the welcome sequence.") % {"partner": partner.name}
            )
        else:
            messages.info(
                request,
                _("%(partner)s is on the welcome sequence already.") % {"partner": partner.name},
            )
    return redirect("sequences:timeline", pk=partner.pk)


@requires("sequences.read_message")
def message(request, pk):
    """A sent step as its recipients read it (the link of the in-portal task)."""
    run = sequences_selectors.message_for(
        tenant=request.tenant, membership=request.membership, pk=pk
    )
    if run is None:
        raise Http404
    return render(request, "onboarding/sequences/message.html", {"run": run})


# --- surveys ---------------------------------------------------------------------------------


@requires("surveys.results")
def survey_results(request):
    page = Paginator(
        surveys_selectors.results_by_partner(tenant=request.tenant), PER_PAGE
    ).get_page(request.GET.get("page"))
    page.object_list = surveys_selectors.with_nps(page.object_list)
    results = surveys_selectors.results(tenant=request.tenant)
    bars = [
        {
            "label": month["month"].strftime("%b %Y"),
            "value": month["average_satisfaction"],
            "percent": round(month["average_satisfaction"] * 20),
        }
        for month in results.trend
        if month["average_satisfaction"] is not None
    ]
    return render(
        request,
        "onboarding/sequences/survey_results.html",
        {"results": results, "bars": bars, "page": page, "base_url": request.path},
    )


@requires("surveys.answer")
def my_surveys(request):
    page = Paginator(
        surveys_selectors.invitations(tenant=request.tenant, membership=request.membership),
        PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "onboarding/sequences/my_surveys.html",
        {"page": page, "base_url": request.path, "now": timezone.now()},
    )


@requires("surveys.answer")
def survey_answer(request, pk):
    """The person's own invitation (another's is 404): the form, or their answer."""
    invitation = surveys_selectors.invitation_for(
        tenant=request.tenant, membership=request.membership, pk=pk
    )
    if invitation is None:
        raise Http404
    form = SurveyAnswerForm(request.POST or None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                surveys_services.answer_survey(
                    tenant=request.tenant,
                    actor=request.membership,
                    invitation_id=invitation.pk,
                    data=form.cleaned_data,
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status_code
            else:
                messages.success(request, _("Thank you: your answer reached the program team."))
                return redirect("surveys:mine")
        else:
            status = 400
    return render(
        request,
        "onboarding/sequences/survey_answer.html",
        {
            "invitation": invitation,
            "form": form,
            "is_open": invitation.answered_at is None and invitation.expires_at > timezone.now(),
        },
        status=status,
    )
