"""Agreement pages: staff templates (with a live preview), issuing, the contracts list and a
contract with its signatures, verification and history; the partner's agreements and the
sign page. Views parse, call onboarding.contracts_selectors or contracts_services, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from ecosystem.errors import DomainError, ValidationFailed
from ecosystem.permissions import requires
from ecosystem.portal.forms import add_domain_error
from ecosystem.tenancy.context import request_info
from partners.models import PartnerOrganisation

from . import contracts_merge, contracts_selectors, contracts_services
from .contracts_api import pdf_download
from .contracts_forms import ContractFilterForm, IssueForm, SignForm, TemplateForm
from .models.contracts import Contract, ContractStatus

CONTRACTS_PER_PAGE = 25
HISTORY_LABELS = {
    "contract.issued": gettext_lazy("Issued"),
    "contract.signed": gettext_lazy("Signed by the partner"),
    "contract.countersigned": gettext_lazy("Countersigned"),
    "contract.renewal_notice_sent": gettext_lazy("Renewal notice sent"),
    "contract.expired": gettext_lazy("Expired"),
    "contract.superseded": gettext_lazy("Superseded by a signed renewal"),
}


def _error_text(error: DomainError) -> str:
    if error.message:
        return error.message
    per_field = getattr(error, "errors", None) or {}
    return " ".join(message for messages_ in per_field.values() for message in messages_)


def _visible_contract(request, pk) -> Contract:
    contract = contracts_selectors.contract_detail(
        tenant=request.tenant, membership=request.membership, pk=pk
    )
    if contract is None:
        raise Http404
    return contract


# --- contracts -------------------------------------------------------------------------------


@requires("contracts.view")
def contract_list(request):
    """Staff see every contract, with filters; partner people their organisation's."""
    membership = request.membership
    is_staff = membership.is_staff_member
    form = ContractFilterForm(request.GET or None, tenant=request.tenant)
    filters = form.filters() if is_staff and form.is_bound else {}
    page = Paginator(
        contracts_selectors.contracts(
            tenant=request.tenant, membership=membership, filters=filters
        ),
        CONTRACTS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "onboarding/contracts/list.html" if is_staff else "onboarding/contracts/partner_list.html",
        {
            "form": form,
            "page": page,
            "is_filtered": bool(filters),
            "counts": contracts_selectors.status_counts(
                tenant=request.tenant, membership=membership
            ),
            "base_url": request.path,
        },
    )


def _issue_initial(request) -> dict:
    """Prefill from ?partner= and ?template= (the partner page links here)."""
    initial: dict = {"effective_date": contracts_services.local_today(request.tenant)}
    partner_id = request.GET.get("partner", "")
    if partner_id.isdigit():
        partner = (
            PartnerOrganisation.objects.for_tenant(request.tenant).filter(pk=partner_id).first()
        )
        if partner is not None:
            initial.update(partner=partner, legal_name=partner.name, country=partner.country)
    template_id = request.GET.get("template", "")
    if template_id.isdigit():
        initial["template"] = template_id
    return initial


@requires("contracts.manage")
def issue(request):
    form = IssueForm(request.POST or None, tenant=request.tenant, initial=_issue_initial(request))
    if form.is_bound and form.is_valid():
        try:
            contract = contracts_services.issue_contract(
                tenant=request.tenant, actor=request.membership, data=form.service_data()
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("%(template)s was issued to %(partner)s; their administrators will sign it.")
                % {"template": contract.template.name, "partner": contract.legal_name},
            )
            return redirect("contracts:detail", pk=contract.pk)
    return render(request, "onboarding/contracts/issue.html", {"form": form})


@requires("contracts.view")
def contract_detail(request, pk):
    contract = _visible_contract(request, pk)
    membership = request.membership
    context: dict = {"contract": contract}
    if membership.is_partner_member:
        can_sign = (
            contract.status == ContractStatus.ISSUED
            and contract.expiry_date > contracts_services.local_today(request.tenant)
            and membership.role == "partner_admin"
        )
        context["can_sign"] = can_sign
        if can_sign:
            context["form"] = SignForm(
                initial={
                    "document_sha256": contract.document_sha256,
                    "typed_name": request.user.full_name,
                }
            )
        return render(request, "onboarding/contracts/partner_detail.html", context)
    context.update(
        {
            "verification": contracts_selectors.verify_contract(contract),
            "history": [
                {"label": str(HISTORY_LABELS.get(entry.action, entry.action)), "entry": entry}
                for entry in contracts_selectors.contract_history(
                    tenant=request.tenant, contract=contract
                )
            ],
            "renewals": list(
                contracts_selectors.contracts(tenant=request.tenant, membership=membership).filter(
                    renewal_of=contract
                )
            ),
        }
    )
    return render(request, "onboarding/contracts/detail.html", context)


@requires("contracts.sign")
@require_POST
def sign(request, pk):
    contract = _visible_contract(request, pk)
    form = SignForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "onboarding/contracts/partner_detail.html",
            {"contract": contract, "form": form, "can_sign": True},
            status=400,
        )
    info = request_info()
    try:
        contracts_services.sign_contract(
            tenant=request.tenant,
            actor=request.membership,
            contract_id=contract.pk,
            ip=info.ip,
            user_agent=info.user_agent or request.META.get("HTTP_USER_AGENT", ""),
            **form.cleaned_data,
        )
    except ValidationFailed as error:
        add_domain_error(form, error)
        return render(
            request,
            "onboarding/contracts/partner_detail.html",
            {"contract": contract, "form": form, "can_sign": True},
            status=400,
        )
    except DomainError as error:
        messages.error(request, _error_text(error))
        return redirect("contracts:detail", pk=contract.pk)
    messages.success(
        request,
        _("You signed %(template)s. The signed PDF is ready below.")
        % {"template": contract.template.name},
    )
    return redirect("contracts:detail", pk=contract.pk)


def _act(request, pk, service, *, success: str):
    contract = _visible_contract(request, pk)
    try:
        result = service(tenant=request.tenant, actor=request.membership, contract_id=contract.pk)
    except DomainError as error:
        messages.error(request, _error_text(error))
        return redirect("contracts:detail", pk=contract.pk)
    messages.success(request, success % {"template": contract.template.name})
    return redirect("contracts:detail", pk=result.pk)


@requires("contracts.manage")
@require_POST
def countersign(request, pk):
    return _act(
        request,
        pk,
        contracts_services.countersign_contract,
        success=_("You countersigned %(template)s; the partner was told."),
    )


@requires("contracts.manage")
@require_POST
def renew(request, pk):
    return _act(
        request,
        pk,
        contracts_services.issue_renewal,
        success=_("A renewal of %(template)s was issued; it replaces this one once signed."),
    )


@requires("contracts.view")
@xframe_options_sameorigin  # the sign page shows it in an <object>
def document(request, pk):
    return pdf_download(
        _visible_contract(request, pk), signed=False, inline=request.GET.get("inline") == "1"
    )


@requires("contracts.view")
def signed_document(request, pk):
    return pdf_download(_visible_contract(request, pk), signed=True)


# --- templates -------------------------------------------------------------------------------


def _template(request, pk):
    return get_object_or_404(contracts_selectors.templates(tenant=request.tenant), pk=pk)


def _editor_context(request, form, template=None) -> dict:
    body = form.data.get("body") if form.is_bound else form.initial.get("body", "")
    return {
        "form": form,
        "template": template,
        "merge_fields": contracts_merge.MERGE_FIELDS.items(),
        "preview": _preview(request, body or ""),
        "versions": contracts_selectors.template_versions(tenant=request.tenant, template=template)
        if template is not None
        else [],
    }


def _preview(request, body: str) -> dict:
    if not body.strip():
        return {"html": "", "error": ""}
    try:
        result = contracts_merge.preview(body, vendor_name=request.tenant.name)
    except ValidationFailed as error:
        return {"html": "", "error": error.message}
    return {"html": result.html, "error": ""}


@requires("contracts.manage")
def template_list(request):
    return render(
        request,
        "onboarding/contracts/templates.html",
        {"templates": contracts_selectors.templates(tenant=request.tenant)},
    )


@requires("contracts.manage")
def template_create(request):
    form = TemplateForm(request.POST or None, initial={"term_months": 12, "is_active": True})
    if form.is_bound and form.is_valid():
        try:
            template = contracts_services.create_template(
                tenant=request.tenant, actor=request.membership, data=form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Template “%(name)s” saved.") % {"name": template.name})
            return redirect("contracts:templates")
    return render(
        request, "onboarding/contracts/template_form.html", _editor_context(request, form)
    )


@requires("contracts.manage")
def template_edit(request, pk):
    template = _template(request, pk)
    version = contracts_services.current_version(template)
    form = TemplateForm(request.POST or None, initial=TemplateForm.initial_for(template, version))
    if form.is_bound and form.is_valid():
        try:
            contracts_services.update_template(
                tenant=request.tenant,
                actor=request.membership,
                template_id=template.pk,
                data=form.cleaned_data,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("Template “%(name)s” saved.") % {"name": form.cleaned_data["name"]}
            )
            return redirect("contracts:templates")
    return render(
        request, "onboarding/contracts/template_form.html", _editor_context(request, form, template)
    )


@requires("contracts.manage")
@require_POST
def template_preview(request):
    """The editor's live preview (HTMX): the text merged with sample values."""
    return render(
        request,
        "onboarding/contracts/_preview.html",
        {"preview": _preview(request, request.POST.get("body", ""))},
    )
