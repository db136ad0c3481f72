"""Onboarding checklists through the API and the pages: who sees what, uploads and forms over
HTTP (400/413, masked values), staff actions, and bounded queries on every list."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from onboarding import checklists_services
from partners.models import PartnerStatus
from tests.onboarding.checklists_factories import BANKING, make_checklist_template, task_of
from tests.partners.factories import PartnerOrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def checklist(tenant, admin, partner):
    partner.status = PartnerStatus.ONBOARDING
    partner.save()
    make_checklist_template(tenant=tenant, actor=admin)
    return checklists_services.start_checklist(tenant=tenant, actor=admin, partner_id=partner.pk)


def many_checklists(tenant, admin, count=4):
    make_checklist_template(tenant=tenant, actor=admin, partner_type="msp")
    for number in range(count):
        partner = PartnerOrganisationFactory(
            tenant=tenant, partner_type="msp", status=PartnerStatus.ONBOARDING, name=f"MSP {number}"
        )
        checklists_services.start_checklist(tenant=tenant, actor=admin, partner_id=partner.pk)


def test_staff_create_a_template_through_the_api(tenant, admin, api_client):
    body = {
        "name": "Resellers",
        "partner_type": "var",
        "tasks": [
            {
                "title": "W-9",
                "kind": "document_upload",
                "accepted_extensions": ["pdf"],
                "max_size_mb": 2,
            },
            {"title": "Call", "kind": "manual", "is_required": False},
        ],
    }
    response = api_client(admin).post("/api/v1/checklist-templates/", body, format="json")
    assert response.status_code == 201, response.json()
    assert [task["title"] for task in response.json()["tasks"]] == ["W-9", "Call"]
    bad = api_client(admin).post(
        "/api/v1/checklist-templates/",
        {**body, "partner_type": "msp", "tasks": [{"title": "X", "kind": "document_upload"}]},
        format="json",
    )
    assert bad.status_code == 400
    assert "tasks[0].accepted_extensions" in bad.json()


def test_partner_people_read_only_their_own_checklist(
    tenant, checklist, partner_sales, other_partner_admin, api_client, portal_client
):
    own = api_client(partner_sales).get(f"/api/v1/checklists/{checklist.pk}/")
    assert own.status_code == 200
    assert own.json()["tasks"][0]["title"] == "Certificate of insurance"
    assert api_client(partner_sales).get("/api/v1/checklists/").json()["results"][0]["id"] == (
        checklist.pk
    )
    assert (
        api_client(other_partner_admin).get(f"/api/v1/checklists/{checklist.pk}/").status_code
        == 404
    )
    assert api_client(other_partner_admin).get("/api/v1/checklists/").json()["results"] == []
    page = portal_client(other_partner_admin).get(reverse("checklists:detail", args=[checklist.pk]))
    assert page.status_code == 404
    assert portal_client(partner_sales).get(reverse("checklists:overview")).status_code == 302


def test_uploads_over_the_api(tenant, checklist, partner_admin, partner_sales, api_client):
    task = task_of(checklist, "Certificate of insurance")
    url = f"/api/v1/checklist-tasks/{task.pk}/upload/"
    wrong = api_client(partner_admin).post(
        url, {"file": SimpleUploadedFile("a.docx", b"x")}, format="multipart"
    )
    assert wrong.status_code == 400 and "file" in wrong.json()
    large = SimpleUploadedFile("a.pdf", b"0" * (1024 * 1024 + 1))
    assert (
        api_client(partner_admin).post(url, {"file": large}, format="multipart").status_code == 413
    )
    assert (
        api_client(partner_sales)
        .post(url, {"file": SimpleUploadedFile("a.pdf", b"%PDF")}, format="multipart")
        .status_code
        == 403
    )
    done = api_client(partner_admin).post(
        url, {"file": SimpleUploadedFile("a.pdf", b"%PDF-1")}, format="multipart"
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    download = api_client(partner_sales).get(done.json()["file_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1"
    assert download["Content-Disposition"].startswith("attachment")


def test_banking_form_is_masked_for_everyone(
    tenant, checklist, partner_admin, admin, api_client, portal_client
):
    task = task_of(checklist, "Banking details")
    url = f"/api/v1/checklist-tasks/{task.pk}/submit-form/"
    bad = api_client(partner_admin).post(url, {**BANKING, "iban": "DE00 1234"}, format="json")
    assert bad.status_code == 400 and "iban" in bad.json()
    response = api_client(partner_admin).post(url, BANKING, format="json")
    assert response.status_code == 200
    assert response.json()["masked_values"]["iban"] == "•••• •••• 3000"
    for client in (api_client(admin), api_client(partner_admin)):
        body = client.get(f"/api/v1/checklists/{checklist.pk}/").content.decode()
        assert "DE89370400440532013000" not in body and "3704 0044" not in body
    page = portal_client(admin).get(reverse("checklists:detail", args=[checklist.pk]))
    assert "•••• •••• 3000" in page.content.decode()
    assert "0532013000" not in page.content.decode()


def test_staff_actions_over_the_api(tenant, checklist, channel_manager, partner_admin, api_client):
    manual = task_of(checklist, "Reference call")
    base = f"/api/v1/checklist-tasks/{manual.pk}"
    assert api_client(partner_admin).post(f"{base}/confirm/").status_code == 403
    confirmed = api_client(channel_manager).post(
        f"{base}/confirm/", {"note": "Done"}, format="json"
    )
    assert confirmed.json()["status"] == "done"
    assert api_client(channel_manager).post(f"{base}/waive/").status_code == 409
    assert api_client(channel_manager).post(f"{base}/reopen/", {}, format="json").status_code == 400
    reopened = api_client(channel_manager).post(
        f"{base}/reopen/", {"reason": "Again"}, format="json"
    )
    assert reopened.json()["status"] == "open"


def test_staff_start_a_checklist_on_the_page(tenant, admin, portal_client):
    make_checklist_template(tenant=tenant, actor=admin, partner_type="gsi")
    partner = PartnerOrganisationFactory(tenant=tenant, partner_type="gsi", status="onboarding")
    client = portal_client(admin)
    assert partner.name in client.get(reverse("checklists:overview")).content.decode()
    response = client.post(reverse("checklists:start"), {"partner": partner.pk})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Certificate of insurance" in page.content.decode()


def test_partner_admin_uploads_and_fills_in_on_the_page(
    tenant, checklist, partner_admin, portal_client
):
    client = portal_client(partner_admin)
    upload = task_of(checklist, "Certificate of insurance")
    client.post(
        reverse("checklists:upload", args=[upload.pk]),
        {"file": SimpleUploadedFile("c.pdf", b"%PDF")},
    )
    form = task_of(checklist, "Banking details")
    response = client.post(reverse("checklists:submit_form", args=[form.pk]), BANKING, follow=True)
    assert "•••• •••• 3000" in response.content.decode()
    upload.refresh_from_db()
    assert upload.status == "done"


def test_template_pages(tenant, admin, portal_client):
    client = portal_client(admin)
    response = client.post(
        reverse("checklists:template_create"),
        {
            "name": "Consultants",
            "partner_type": "consultant",
            "region": "",
            "is_active": "on",
            "tasks-TOTAL_FORMS": "1",
            "tasks-INITIAL_FORMS": "0",
            "tasks-0-title": "Kick-off call",
            "tasks-0-kind": "manual",
            "tasks-0-is_required": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])
    assert "Kick-off call" in page.content.decode()
    assert "Consultants" in client.get(reverse("checklists:templates")).content.decode()


def test_home_links_onboarding_partners_to_their_checklist(checklist, partner_admin, portal_client):
    page = portal_client(partner_admin).get("/")
    assert reverse("checklists:overview") in page.content.decode()


def test_lists_take_bounded_queries(
    tenant, admin, api_client, portal_client, django_assert_max_num_queries
):
    many_checklists(tenant, admin, count=6)
    client, api = portal_client(admin), api_client(admin)
    for url in (reverse("checklists:overview"), reverse("checklists:templates")):
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200
    for url in ("/api/v1/checklists/", "/api/v1/checklist-templates/"):
        with django_assert_max_num_queries(10):
            assert api.get(url).status_code == 200
    checklist_id = api.get("/api/v1/checklists/").json()["results"][0]["id"]
    with django_assert_max_num_queries(22):
        assert client.get(reverse("checklists:detail", args=[checklist_id])).status_code == 200
