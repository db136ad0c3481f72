"""CRM records pages (/crm/): accounts and opportunities, CSV import with a preview, and the
import history. Vendor staff read (crm.view); channel managers and admins import
(crm.manage)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_countries import countries

from ecosystem.errors import DomainError
from ecosystem.permissions import requires
from ecosystem.portal.forms import add_domain_error

from . import crm, crm_selectors
from .crm_cleaning import (
    ACCOUNT_COLUMNS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    OPPORTUNITY_COLUMNS,
    REQUIRED_COLUMNS,
)
from .models import CrmImport

RECORDS_PER_PAGE = 25
IMPORTS_PER_PAGE = 25
PREVIEW_ROWS = 200
OPEN_CHOICES = [("open", gettext_lazy("Open")), ("closed", gettext_lazy("Closed"))]


def _query_param(request, name: str) -> str:
    # PostgreSQL refuses NUL characters in text: drop them rather than answer 500.
    return request.GET.get(name, "").replace("\x00", "").strip()[:200]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What the file holds"),
        choices=CrmImport.Kind.choices,
        widget=forms.RadioSelect,
        initial=CrmImport.Kind.ACCOUNTS,
        error_messages={"required": gettext_lazy("Choose accounts or opportunities.")},
    )
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={"required": gettext_lazy("Choose a CSV file to upload.")},
    )


def _records_page(request, *, tab: str, page, is_filtered: bool, extra: dict):
    return render(
        request,
        "dealreg/crm/records.html",
        {
            "tab": tab,
            "page": page,
            "is_filtered": is_filtered,
            "counts": crm_selectors.counts(tenant=request.tenant),
            "countries": list(countries),
            "base_url": request.path,
            **extra,
        },
    )


@requires("crm.view")
def account_list(request):
    """The CRM accounts, searchable by name, domain, external id or owner."""
    filters = {"search": _query_param(request, "q"), "country": _query_param(request, "country")}
    accounts = crm_selectors.accounts(tenant=request.tenant, **filters)
    page = Paginator(accounts, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    return _records_page(
        request, tab="accounts", page=page, is_filtered=any(filters.values()), extra={}
    )


@requires("crm.view")
def opportunity_list(request):
    """The CRM opportunities, searchable, filtered by country and open or closed."""
    filters = {"search": _query_param(request, "q"), "country": _query_param(request, "country")}
    is_open = {"open": True, "closed": False}.get(_query_param(request, "state"))
    account = _query_param(request, "account")
    account_id = int(account) if account.isdigit() else None
    opportunities = crm_selectors.opportunities(
        tenant=request.tenant, is_open=is_open, account_id=account_id, **filters
    )
    page = Paginator(opportunities, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    return _records_page(
        request,
        tab="opportunities",
        page=page,
        is_filtered=any(filters.values()) or is_open is not None or account_id is not None,
        extra={"states": OPEN_CHOICES, "account_id": account_id},
    )


def _import_page(request, form, status=200):
    return render(
        request,
        "dealreg/crm/import.html",
        {
            "form": form,
            "account_columns": ACCOUNT_COLUMNS,
            "opportunity_columns": OPPORTUNITY_COLUMNS,
            "required_columns": REQUIRED_COLUMNS,
            "max_megabytes": MAX_IMPORT_BYTES // (1024 * 1024),
            "max_rows": MAX_IMPORT_ROWS,
        },
        status=status,
    )


@requires("crm.manage")
def import_upload(request):
    """Upload a CSV file; a readable one is stored as a preview and shown for review."""
    if request.method != "POST":
        return _import_page(request, ImportForm())
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            crm_import = crm.preview_import(
                tenant=request.tenant,
                actor=request.membership,
                kind=form.cleaned_data["kind"],
                uploaded_file=form.cleaned_data["file"],
            )
        except DomainError as error:
            add_domain_error(form, error)
            return _import_page(request, form, status=error.status_code)
        return redirect("crm:import_detail", pk=crm_import.pk)
    return _import_page(request, form, status=400)


@requires("crm.view")
def import_list(request):
    """Every import with its outcome, newest first."""
    imports = crm_selectors.imports(tenant=request.tenant)
    page = Paginator(imports, IMPORTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "dealreg/crm/imports.html", {"page": page, "base_url": reverse("crm:imports")}
    )


@requires("crm.view")
def import_detail(request, pk):
    """A preview waiting for a decision (errors first), or the report of a past import."""
    crm_import = get_object_or_404(crm_selectors.import_detail(tenant=request.tenant), pk=pk)
    rows = crm_import.rows
    to_create = sum(1 for row in rows if row.get("action") == "create")
    return render(
        request,
        "dealreg/crm/import_detail.html",
        {
            "import": crm_import,
            "rows": rows[:PREVIEW_ROWS],
            "row_count": len(rows),
            "shown_rows": min(len(rows), PREVIEW_ROWS),
            "to_create": to_create,
            "to_update": len(rows) - to_create,
            "is_accounts": crm_import.kind == CrmImport.Kind.ACCOUNTS,
            "is_previewed": crm_import.status == CrmImport.Status.PREVIEWED,
        },
    )


def _import_action(request, pk, service, done_message: str):
    crm_import = get_object_or_404(crm_selectors.import_detail(tenant=request.tenant), pk=pk)
    try:
        crm_import = service(
            tenant=request.tenant, actor=request.membership, import_id=crm_import.pk
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            done_message
            % {
                "file": crm_import.file_name,
                "created": crm_import.created_count,
                "updated": crm_import.updated_count,
            },
        )
    return redirect("crm:import_detail", pk=crm_import.pk)


@requires("crm.manage")
@require_POST
def import_apply(request, pk):
    return _import_action(
        request,
        pk,
        crm.apply_import,
        _("%(file)s was imported: %(created)d new records, %(updated)d updated."),
    )


@requires("crm.manage")
@require_POST
def import_discard(request, pk):
    return _import_action(
        request, pk, crm.discard_import, _("%(file)s was discarded; nothing was imported.")
    )
