"""Application pages: the public application (/apply/), the applicant's own page
(/apply/status/), and for staff the review queue (/applications/), an application's page
and the ideal partner profile (/applications/profile/).

Views stay thin: they parse, call a selector or a service and render."""

from __future__ import annotations

from collections.abc import Callable

from allauth.account.internal.flows.email_verification import (
    send_verification_email_to_address,
)
from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecosystem.errors import DomainError
from ecosystem.permissions import check_capability, membership_of, requires
from ecosystem.portal.forms import add_domain_error
from ecosystem.tenancy.roles import has_capability

from . import application_selectors as selectors
from . import application_services as services
from .application_forms import (
    ApplicationForm,
    DecisionForm,
    MessageForm,
    ProfileForm,
    QueueFilterForm,
)
from .models import PartnerApplication

APPLICATIONS_PER_PAGE = 25


def _tenant_or_404(request):
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        raise Http404
    return tenant


# --- the applicant ---------------------------------------------------------------------------


def apply(request):
    """The public application page: no account needed to start."""
    tenant = _tenant_or_404(request)
    user = request.user if request.user.is_authenticated else None
    if user is not None:
        if membership_of(request) is not None:
            messages.info(request, _("You are already a member of this program."))
            return redirect("home")
        existing = selectors.application_of(tenant=tenant, user=user)
        if existing is not None and existing.is_open:
            return redirect("applications:mine")
    form = ApplicationForm(request.POST or None, tenant=tenant, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                applicant = user or services.create_applicant_account(
                    email=data["email"], full_name=data["contact_name"], password=data["password"]
                )
                services.submit_application(tenant=tenant, user=applicant, data=data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if user is None:
                address = EmailAddress.objects.get(user=applicant, primary=True)
                send_verification_email_to_address(request, address, signup=True)
                request.session["applied_email"] = applicant.email
                return redirect("applications:submitted")
            return redirect("applications:mine")
    return render(
        request,
        "onboarding/applications/apply.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


def submitted(request):
    """After applying without an account: check your inbox."""
    _tenant_or_404(request)
    return render(
        request,
        "onboarding/applications/submitted.html",
        {"email": request.session.get("applied_email", "")},
    )


@login_required
def mine(request):
    """The applicant's own application: status, the conversation, an answer box."""
    tenant = _tenant_or_404(request)
    application = selectors.application_of(tenant=tenant, user=request.user)
    if application is None:
        return redirect("applications:apply")
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reply_to_reviewers(
                tenant=tenant,
                user=request.user,
                application_id=application.pk,
                message=form.cleaned_data["message"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Sent. The program team will get back to you."))
            return redirect("applications:mine")
    return render(
        request,
        "onboarding/applications/mine.html",
        {"application": application, "form": form, "is_member": membership_of(request)},
        status=400 if form.is_bound else 200,
    )


# --- reviewers ---------------------------------------------------------------------------------


@requires("applications.view")
def queue(request):
    tenant = request.tenant
    filters = QueueFilterForm(request.GET or None)
    status, query = "open", ""
    if filters.is_valid():
        status = filters.cleaned_data["status"] or "open"
        query = filters.cleaned_data["q"]
    found = selectors.review_queue(tenant=tenant, status=status, query=query)
    page = Paginator(found, APPLICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "onboarding/applications/queue.html",
        {
            "page": page,
            "filters": filters,
            "status": status,
            "counts": selectors.status_counts(tenant=tenant),
        },
    )


def _get_application(request, pk: int) -> PartnerApplication:
    application = selectors.application_with_messages(tenant=request.tenant, pk=pk)
    if application is None:
        raise Http404
    return application


@requires("applications.view")
def detail(request, pk: int):
    application = _get_application(request, pk)
    return render(
        request,
        "onboarding/applications/detail.html",
        {
            "application": application,
            "decision_form": DecisionForm(),
            "can_decide": has_capability(request.membership.role, "applications.review"),
        },
    )


DECISIONS: dict[str, tuple[Callable[..., PartnerApplication], str, str]] = {
    "approve": (services.approve_application, "reason", _("Approved: %(company)s is onboarding.")),
    "reject": (services.reject_application, "reason", _("Rejected %(company)s.")),
    "request_info": (
        services.request_information,
        "message",
        _("Asked %(company)s for more information."),
    ),
}


@require_POST
@requires("applications.review")
def decide(request, pk: int):
    application = _get_application(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        service, argument, done = DECISIONS[form.cleaned_data["action"]]
        try:
            service(
                tenant=request.tenant,
                actor=request.user,
                application_id=application.pk,
                **{argument: form.cleaned_data["reason"]},
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, done % {"company": application.company_name})
            return redirect("applications:detail", pk=application.pk)
    return render(
        request,
        "onboarding/applications/detail.html",
        {"application": application, "decision_form": form, "can_decide": True},
        status=400,
    )


@requires("applications.view")
def profile(request):
    tenant = request.tenant
    current = services.profile_for(tenant)
    can_edit = has_capability(request.membership.role, "applications.review")
    form = ProfileForm(request.POST or None, instance=current, tenant=tenant)
    if request.method == "POST":
        refusal = check_capability(request, "applications.review")
        if refusal is not None:
            return refusal
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                services.update_profile(tenant=tenant, actor=request.user, data=data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request, _("Saved. Open applications were scored again against it.")
                )
                return redirect("applications:profile")
    return render(
        request,
        "onboarding/applications/profile.html",
        {"form": form, "can_edit": can_edit, "profile": current},
        status=400 if form.is_bound else 200,
    )
