"""Agreement pages and the agreement-templates/ and contracts/ API: roles, partner
isolation, the sign flow over HTTP, PDF downloads and query counts on lists."""

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from onboarding.models import Contract
from tests.onboarding.contracts_factories import AGREEMENT_BODY, issue, make_template, sign
from tests.partners.factories import PartnerOrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(tenant, admin):
    return make_template(tenant=tenant, actor=admin)


@pytest.fixture
def contract(tenant, admin, template, partner, partner_admin):
    return issue(
        tenant=tenant,
        actor=admin,
        template=template,
        partner=partner,
        effective_date=datetime.date.today(),
    )


def many_contracts(tenant, admin, template, count=4):
    for number in range(count):
        partner = PartnerOrganisationFactory(tenant=tenant, name=f"Bulk {number}")
        issue(
            tenant=tenant,
            actor=admin,
            template=template,
            partner=partner,
            effective_date=datetime.date.today(),
        )


# --- API ----------------------------------------------------------------------------------------


def test_api_template_crud_and_unknown_field(api_client, admin):
    client = api_client(admin)
    created = client.post(
        "/api/v1/agreement-templates/",
        {"name": "Reseller Addendum", "body": AGREEMENT_BODY, "term_months": 24},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["version"] == 1

    refused = client.post(
        "/api/v1/agreement-templates/",
        {"name": "Bad", "body": "<p>{{ iban }}</p>", "term_months": 12},
        format="json",
    )
    assert refused.status_code == 400
    assert "{{ iban }}" in refused.json()["body"][0]

    patched = client.patch(
        f"/api/v1/agreement-templates/{created.json()['id']}/",
        {"body": "<p>{{ tier }}<script>x()</script></p>"},
        format="json",
    )
    assert patched.status_code == 200
    assert patched.json()["body"] == "<p>{{ tier }}</p>"


def test_api_issue_sign_countersign(api_client, admin, partner_admin, template, partner):
    staff = api_client(admin)
    issued = staff.post(
        "/api/v1/contracts/",
        {
            "template": template.pk,
            "partner": partner.pk,
            "legal_name": "Northwind Systems Ltd",
            "address": "1 Road",
            "effective_date": datetime.date.today().isoformat(),
        },
        format="json",
    )
    assert issued.status_code == 201, issued.json()
    body = issued.json()
    assert body["status"] == "issued" and body["country"] == "GB"

    signer = api_client(partner_admin)
    pdf = signer.get(body["document_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    url = f"/api/v1/contracts/{body['id']}/sign/"
    mismatch = signer.post(
        url, {"typed_name": "Sam", "consent": True, "document_sha256": "a" * 64}, format="json"
    )
    assert mismatch.status_code == 409
    payload = {
        "typed_name": "Sam Reyes",
        "consent": True,
        "document_sha256": body["document_sha256"],
    }
    signed = signer.post(url, payload, format="json", HTTP_USER_AGENT="ApiTest/2")
    assert signed.status_code == 200, signed.json()
    assert signed.json()["status"] == "signed"
    assert signer.post(url, payload, format="json").status_code == 409
    contract = Contract.objects.for_tenant(admin.tenant).get()
    assert contract.signer_user_agent == "ApiTest/2"

    assert signer.post(f"/api/v1/contracts/{body['id']}/countersign/").status_code == 403
    countersigned = staff.post(f"/api/v1/contracts/{body['id']}/countersign/")
    assert countersigned.status_code == 200
    assert countersigned.json()["status"] == "countersigned"
    verification = staff.get(f"/api/v1/contracts/{body['id']}/verification/").json()
    assert verification["is_intact"] is True
    assert signer.get(f"/api/v1/contracts/{body['id']}/signed-document/").status_code == 200


def test_api_sign_validation(api_client, partner_admin, contract):
    response = api_client(partner_admin).post(
        f"/api/v1/contracts/{contract.pk}/sign/",
        {"typed_name": "Sam", "consent": False, "document_sha256": contract.document_sha256},
        format="json",
    )
    assert response.status_code == 400
    assert "consent" in response.json()


def test_partner_users_see_only_their_organisation(
    api_client, tenant, admin, template, contract, other_partner, other_partner_admin, partner_admin
):
    theirs = issue(tenant=tenant, actor=admin, template=template, partner=other_partner)
    client = api_client(partner_admin)
    assert [row["id"] for row in client.get("/api/v1/contracts/").json()["results"]] == [
        contract.pk
    ]
    assert client.get(f"/api/v1/contracts/{theirs.pk}/").status_code == 404
    response = client.post(
        f"/api/v1/contracts/{theirs.pk}/sign/",
        {"typed_name": "Sam", "consent": True, "document_sha256": theirs.document_sha256},
        format="json",
    )
    assert response.status_code == 404
    assert client.get("/api/v1/agreement-templates/").status_code == 403


def test_api_lists_have_bounded_queries(
    api_client, tenant, admin, template, django_assert_max_num_queries
):
    many_contracts(tenant, admin, template)
    make_template(tenant=tenant, actor=admin, name="Second")
    client = api_client(admin)
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/contracts/")
    assert len(response.json()["results"]) == 4
    with django_assert_max_num_queries(10):
        response = client.get("/api/v1/agreement-templates/")
    assert len(response.json()["results"]) == 2
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/contracts/?status=issued")
    assert len(response.json()["results"]) == 4


# --- pages --------------------------------------------------------------------------------------


def test_staff_pages_render(portal_client, admin, template, contract):
    client = portal_client(admin)
    for url in (
        reverse("contracts:list"),
        reverse("contracts:list") + "?status=issued",
        reverse("contracts:templates"),
        reverse("contracts:template_create"),
        reverse("contracts:template_edit", args=[template.pk]),
        reverse("contracts:issue") + f"?partner={contract.partner_id}",
        reverse("contracts:detail", args=[contract.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    detail = client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert "have not been altered" in detail
    issue_page = client.get(reverse("contracts:issue") + f"?partner={contract.partner_id}")
    assert issue_page.context["form"].initial["legal_name"] == contract.partner.name


def test_template_preview_escapes_and_names_unknown_fields(portal_client, admin):
    client = portal_client(admin)
    ok = client.post(
        reverse("contracts:template_preview"), {"body": "<p>{{ partner_legal_name }}</p>"}
    )
    assert "Northwind Systems Ltd" in ok.content.decode()
    bad = client.post(reverse("contracts:template_preview"), {"body": "<p>{{ nope }}</p>"})
    assert "{{ nope }}" in bad.content.decode()


def test_template_editor_saves_a_new_version_when_issued(portal_client, admin, template, contract):
    response = portal_client(admin).post(
        reverse("contracts:template_edit", args=[template.pk]),
        {
            "name": template.name,
            "term_months": 12,
            "body": "<p>v2 {{ tier }}</p>",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert list(template.versions.values_list("version", flat=True)) == [2, 1]


def test_issue_form_reports_field_errors(portal_client, admin, template, partner):
    response = portal_client(admin).post(
        reverse("contracts:issue"),
        {"template": template.pk, "partner": partner.pk, "legal_name": "", "address": ""},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"legal_name", "address", "effective_date"}


def test_partner_signs_in_the_portal(portal_client, partner_admin, contract):
    client = portal_client(partner_admin)
    page = client.get(reverse("contracts:detail", args=[contract.pk]))
    assert page.status_code == 200
    assert contract.document_sha256 in page.content.decode()
    assert client.get(reverse("contracts:list")).status_code == 200

    response = client.post(
        reverse("contracts:sign", args=[contract.pk]),
        {"typed_name": "Sam Reyes", "consent": "on", "document_sha256": contract.document_sha256},
        HTTP_USER_AGENT="PortalTest/1",
        REMOTE_ADDR="198.51.100.4",
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.status, contract.signer_user_agent) == ("signed", "PortalTest/1")
    assert contract.signer_ip == "198.51.100.4"
    signed_pdf = client.get(reverse("contracts:signed_document", args=[contract.pk]))
    data = b"".join(signed_pdf.streaming_content)
    assert "Sam Reyes" in PdfReader(io.BytesIO(data)).pages[-1].extract_text()


def test_sign_page_refuses_a_stale_document(portal_client, partner_admin, contract):
    response = portal_client(partner_admin).post(
        reverse("contracts:sign", args=[contract.pk]),
        {"typed_name": "Sam Reyes", "consent": "on", "document_sha256": "b" * 64},
        follow=True,
    )
    assert "changed since you opened it" in response.content.decode()
    contract.refresh_from_db()
    assert contract.status == "issued"


def test_sign_page_requires_consent(portal_client, partner_admin, contract):
    response = portal_client(partner_admin).post(
        reverse("contracts:sign", args=[contract.pk]),
        {"typed_name": "Sam Reyes", "document_sha256": contract.document_sha256},
    )
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()


def test_staff_countersign_and_renew_pages(portal_client, tenant, admin, partner_admin, contract):
    sign(tenant=tenant, actor=partner_admin, contract=contract)
    client = portal_client(admin)
    assert client.post(reverse("contracts:countersign", args=[contract.pk])).status_code == 302
    contract.refresh_from_db()
    assert contract.status == "countersigned"
    response = client.post(reverse("contracts:renew", args=[contract.pk]))
    renewal = Contract.objects.for_tenant(tenant).get(renewal_of=contract)
    assert response.url == reverse("contracts:detail", args=[renewal.pk])


def test_roles_on_pages(portal_client, partner_admin, partner_sales, contract, template):
    for member in (partner_admin, partner_sales):
        client = portal_client(member)
        assert client.get(reverse("contracts:templates")).status_code == 403
        assert client.get(reverse("contracts:issue")).status_code == 403
        assert client.post(reverse("contracts:countersign", args=[contract.pk])).status_code == 403
    page = portal_client(partner_sales).get(reverse("contracts:detail", args=[contract.pk]))
    assert "Sign the agreement" not in page.content.decode()
    assert (
        portal_client(partner_sales).post(reverse("contracts:sign", args=[contract.pk])).status_code
        == 403
    )


def test_nav_shows_agreements(portal_client, admin, partner_sales):
    # Partner people in the top row; staff in the Onboarding section's row.
    assert 'href="/agreements/"' in portal_client(partner_sales).get("/").content.decode()
    staff_page = portal_client(admin).get(reverse("contracts:list")).content.decode()
    assert 'class="subnav"' in staff_page and 'href="/agreements/"' in staff_page


def test_list_pages_have_bounded_queries(
    portal_client, tenant, admin, partner_admin, template, contract, django_assert_max_num_queries
):
    many_contracts(tenant, admin, template)
    staff = portal_client(admin)
    with django_assert_max_num_queries(16):
        response = staff.get(reverse("contracts:list"))
    assert len(response.context["page"].object_list) == 5
    with django_assert_max_num_queries(16):
        staff.get(reverse("contracts:templates"))
    partner_client = portal_client(partner_admin)
    with django_assert_max_num_queries(16):
        response = partner_client.get(reverse("contracts:list"))
    assert len(response.context["page"].object_list) == 1
