"""CRM records pages: the records with search and pagination, the CSV import with its
preview, and the import history."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dealreg import crm
from dealreg.models import CrmAccount, CrmImport
from ecosystem.tenancy.roles import Role
from tests.dealreg.factories import CrmAccountFactory, CrmOpportunityFactory

pytestmark = pytest.mark.django_db


def csv_file(text: str, name="pipeline.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_records_tabs_search_and_empty_states(channel_manager, tenant, other_tenant, portal_client):
    client = portal_client(channel_manager)
    empty = client.get(reverse("crm:accounts")).content.decode()
    assert "No CRM accounts yet" in empty and reverse("crm:import") in empty
    assert "No CRM opportunities yet" in client.get(reverse("crm:opportunities")).content.decode()

    account = CrmAccountFactory(tenant=tenant, name="Globex Manufacturing", external_id="SF-001")
    CrmAccountFactory(tenant=tenant, name="Initech")
    CrmAccountFactory(tenant=other_tenant, name="Foreign Holdings")
    CrmOpportunityFactory(
        tenant=tenant, name="Plant rollout", customer_name="Globex Manufacturing", account=account
    )
    CrmOpportunityFactory(tenant=tenant, name="Old deal", customer_name="Initech", is_open=False)
    accounts = client.get(reverse("crm:accounts")).content.decode()
    assert "Globex Manufacturing" in accounts and "SF-001" in accounts
    assert "Foreign Holdings" not in accounts
    searched = client.get(reverse("crm:accounts"), {"q": "globex"}).content.decode()
    assert "Globex Manufacturing" in searched and "Initech" not in searched
    nothing = client.get(reverse("crm:accounts"), {"q": "zzz"}).content.decode()
    assert "Nothing matches these filters" in nothing

    closed = client.get(reverse("crm:opportunities"), {"state": "closed"}).content.decode()
    assert "Old deal" in closed and "Plant rollout" not in closed
    of_account = client.get(reverse("crm:opportunities"), {"account": account.pk})
    assert "Plant rollout" in of_account.content.decode()
    assert "Old deal" not in of_account.content.decode()


def test_records_pages_paginate_with_bounded_queries(
    admin, tenant, portal_client, django_assert_max_num_queries
):
    accounts = [CrmAccountFactory(tenant=tenant) for _ in range(30)]
    for index in range(30):
        CrmOpportunityFactory(tenant=tenant, account=accounts[index % 5])
    crm.preview_import(
        tenant=tenant,
        actor=admin,
        kind="accounts",
        uploaded_file=csv_file("external_id,name\nA,B\n"),
    )
    client = portal_client(admin)
    client.get(reverse("crm:accounts"))  # warm up the session
    for name in ("crm:accounts", "crm:opportunities", "crm:imports"):
        with django_assert_max_num_queries(12):
            response = client.get(reverse(name))
        assert response.status_code == 200
    second = client.get(reverse("crm:accounts"), {"page": 2}).content.decode()
    assert "Page 2 of 2" in second


@pytest.mark.parametrize("role", ["partner_admin", "partner_sales"])
def test_partner_users_are_refused(role, request, tenant, portal_client):
    crm_import = CrmImport.objects.create(tenant=tenant, kind="accounts", file_name="x.csv")
    client = portal_client(request.getfixturevalue(role))
    for url in (
        reverse("crm:accounts"),
        reverse("crm:opportunities"),
        reverse("crm:imports"),
        reverse("crm:import"),
        reverse("crm:import_detail", args=[crm_import.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("crm:import_apply", args=[crm_import.pk])).status_code == 403
    assert "CRM records" not in client.get(reverse("home")).content.decode()


def test_finance_reads_but_does_not_import(tenant, make_member, portal_client):
    client = portal_client(make_member(tenant, Role.FINANCE))
    page = client.get(reverse("crm:accounts"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "CRM records" in body  # the navigation entry
    assert reverse("crm:import") not in body
    assert client.get(reverse("crm:import")).status_code == 403


def test_upload_preview_shows_row_errors_and_no_apply(admin, tenant, portal_client):
    client = portal_client(admin)
    page = client.get(reverse("crm:import"))
    assert page.status_code == 200 and "account_external_id" in page.content.decode()
    text = "external_id,name,country\nA1,Globex,US\nA2,Initech,Nowhere\nA1,Again,US\n"
    response = client.post(
        reverse("crm:import"), {"kind": "accounts", "file": csv_file(text)}, follow=True
    )
    crm_import = CrmImport.objects.for_tenant(tenant).get()
    assert response.redirect_chain[-1][0] == reverse("crm:import_detail", args=[crm_import.pk])
    body = response.content.decode()
    assert "crm-error-row" in body
    assert "Nowhere" in body and "<code>country</code>" in body
    assert "also on row 2" in body
    assert "The file has 2 errors" in body
    assert reverse("crm:import_apply", args=[crm_import.pk]) not in body
    assert reverse("crm:import_discard", args=[crm_import.pk]) in body
    discarded = client.post(reverse("crm:import_discard", args=[crm_import.pk]), follow=True)
    assert "was discarded" in discarded.content.decode()
    crm_import.refresh_from_db()
    assert crm_import.status == "discarded"


def test_upload_refuses_unreadable_files_on_the_form(admin, tenant, portal_client):
    client = portal_client(admin)
    missing = client.post(
        reverse("crm:import"), {"kind": "opportunities", "file": csv_file("stage\nOpen\n")}
    )
    assert missing.status_code == 400
    assert "external_id, name" in missing.content.decode()
    no_file = client.post(reverse("crm:import"), {"kind": "accounts"})
    assert no_file.status_code == 400 and "Choose a CSV file" in no_file.content.decode()
    assert not CrmImport.objects.for_tenant(tenant).exists()


def test_apply_from_the_preview_and_see_the_report(channel_manager, tenant, portal_client):
    client = portal_client(channel_manager)
    text = "external_id,name,domain,country\nA1,Globex,globex.com,US\nA2,Initech,,DE\n"
    client.post(reverse("crm:import"), {"kind": "accounts", "file": csv_file(text)})
    crm_import = CrmImport.objects.for_tenant(tenant).get()
    preview = client.get(reverse("crm:import_detail", args=[crm_import.pk])).content.decode()
    assert "Every row is valid" in preview and "Would be new" in preview
    applied = client.post(reverse("crm:import_apply", args=[crm_import.pk]), follow=True)
    body = applied.content.decode()
    assert "2 new records, 0 updated" in body
    assert "Imported rows" in body
    assert CrmAccount.objects.for_tenant(tenant).count() == 2
    again = client.post(reverse("crm:import_apply", args=[crm_import.pk]), follow=True)
    assert "already applied" in again.content.decode()
    assert CrmAccount.objects.for_tenant(tenant).count() == 2
    history = client.get(reverse("crm:imports")).content.decode()
    assert "pipeline.csv" in history and "Applied" in history
