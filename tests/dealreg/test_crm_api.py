"""The CRM records API: crm/accounts/, crm/opportunities/ (upsert by external id) and
crm/imports/ (CSV preview, apply, discard)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dealreg import crm_cleaning
from dealreg.models import CrmAccount, CrmImport, CrmOpportunity
from ecosystem.tenancy.roles import Role
from tests.dealreg.factories import CrmAccountFactory, CrmOpportunityFactory

pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/v1/crm/accounts/"
OPPORTUNITIES = "/api/v1/crm/opportunities/"
IMPORTS = "/api/v1/crm/imports/"


def csv_file(text: str, name="accounts.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_post_upserts_by_external_id(admin, api_client):
    client = api_client(admin)
    body = {"external_id": "ACC-1", "name": "Globex", "domain": "globex.com", "country": "US"}
    created = client.post(ACCOUNTS, body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["country"] == "US"
    assert created.json()["opportunity_count"] == 0
    updated = client.post(ACCOUNTS, {**body, "owner": "Dana"}, format="json")
    assert updated.status_code == 200
    assert updated.json()["id"] == created.json()["id"]
    assert updated.json()["owner"] == "Dana"
    assert CrmAccount.objects.for_tenant(admin.tenant).count() == 1


def test_opportunity_upsert_with_account_and_representation(channel_manager, api_client):
    client = api_client(channel_manager)
    client.post(
        ACCOUNTS,
        {"external_id": "ACC-1", "name": "Initech", "domain": "initech.com", "country": "DE"},
        format="json",
    )
    response = client.post(
        OPPORTUNITIES,
        {
            "external_id": "OPP-1",
            "account_external_id": "ACC-1",
            "name": "Initech renewal",
            "stage": "Closed Won",
            "amount": "48000.00",
            "currency": "EUR",
            "close_date": "2030-01-15",
            "products": ["Core", "Edge"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["account_external_id"] == "ACC-1"
    assert body["customer_name"] == "Initech"
    assert body["customer_domain"] == "initech.com"
    assert body["customer_country"] == "DE"
    assert body["is_open"] is False
    assert body["amount"] == "48000.00"
    # Unlinking keeps the customer it took over.
    unlinked = client.patch(
        f"{OPPORTUNITIES}{body['id']}/", {"account_external_id": None}, format="json"
    )
    assert unlinked.status_code == 200, unlinked.content
    assert unlinked.json()["account"] is None
    assert unlinked.json()["account_external_id"] is None
    assert unlinked.json()["customer_name"] == "Initech"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (ACCOUNTS, {"external_id": "A", "name": "X", "country": "Atlantis"}, "country"),
        (ACCOUNTS, {"name": "X"}, "external_id"),
        (
            OPPORTUNITIES,
            {"external_id": "O", "name": "X", "customer_name": "Y"},
            "customer_country",
        ),
        (
            OPPORTUNITIES,
            {"external_id": "O", "name": "X", "account_external_id": "NOPE"},
            "account_external_id",
        ),
        (OPPORTUNITIES, {"external_id": "O", "name": "X", "amount": "1.234"}, "amount"),
    ],
)
def test_invalid_records_are_400_naming_the_field(path, body, field, admin, api_client):
    response = api_client(admin).post(path, body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_idempotency_key_replays_the_first_answer(admin, api_client):
    client = api_client(admin)
    body = {"external_id": "ACC-1", "name": "Globex"}
    first = client.post(ACCOUNTS, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = client.post(ACCOUNTS, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    reused = client.post(ACCOUNTS, {**body, "name": "Other"}, HTTP_IDEMPOTENCY_KEY="k1")
    assert reused.status_code == 422


def test_list_filters_and_search(admin, tenant, other_tenant, api_client):
    CrmOpportunityFactory(tenant=tenant, external_id="O1", customer_name="Hooli", is_open=True)
    CrmOpportunityFactory(
        tenant=tenant,
        external_id="O2",
        customer_name="Initech",
        customer_country="US",
        is_open=False,
    )
    CrmOpportunityFactory(tenant=other_tenant, external_id="O3", customer_name="Hooli")
    client = api_client(admin)

    def ids(query):
        response = client.get(f"{OPPORTUNITIES}?{query}")
        assert response.status_code == 200, response.content
        return [item["external_id"] for item in response.json()["results"]]

    assert sorted(ids("")) == ["O1", "O2"]
    assert ids("search=hoo") == ["O1"]
    assert ids("is_open=false") == ["O2"]
    assert ids("country=us") == ["O2"]
    assert ids("external_id=O1") == ["O1"]
    assert client.get(f"{OPPORTUNITIES}?is_open=maybe").status_code == 400
    CrmAccountFactory(tenant=tenant, external_id="A1", name="Umbrella Health", country="GB")
    accounts = client.get(f"{ACCOUNTS}?search=umbrella&country=GB").json()["results"]
    assert [item["external_id"] for item in accounts] == ["A1"]


def test_detail_patch_and_delete(admin, tenant, api_client):
    account = CrmAccountFactory(tenant=tenant, external_id="A1", name="Hooli", country="US")
    client = api_client(admin)
    url = f"{ACCOUNTS}{account.pk}/"
    assert client.get(url).json()["external_id"] == "A1"
    patched = client.patch(url, {"industry": "Software"}, format="json")
    assert patched.status_code == 200 and patched.json()["industry"] == "Software"
    assert client.put(url, {"name": "X"}, format="json").status_code == 405
    assert client.delete(url).status_code == 204
    assert not CrmAccount.objects.for_tenant(tenant).exists()


@pytest.mark.parametrize("role", [Role.PARTNER_ADMIN, Role.PARTNER_SALES])
def test_partner_users_are_refused(role, tenant, partner, make_member, api_client):
    opportunity = CrmOpportunityFactory(tenant=tenant)
    client = api_client(make_member(tenant, role, partner))
    for path in (ACCOUNTS, OPPORTUNITIES, IMPORTS, f"{OPPORTUNITIES}{opportunity.pk}/"):
        assert client.get(path).status_code == 403, path
    body = {"external_id": "X", "name": "X", "customer_name": "X", "customer_country": "US"}
    assert client.post(OPPORTUNITIES, body, format="json").status_code == 403
    assert client.delete(f"{OPPORTUNITIES}{opportunity.pk}/").status_code == 403
    assert CrmOpportunity.objects.for_tenant(tenant).count() == 1


def test_staff_without_crm_manage_read_only(tenant, make_member, api_client):
    account = CrmAccountFactory(tenant=tenant)
    client = api_client(make_member(tenant, Role.FINANCE))
    assert client.get(ACCOUNTS).status_code == 200
    assert client.post(ACCOUNTS, {"external_id": "X", "name": "X"}).status_code == 403
    assert client.patch(f"{ACCOUNTS}{account.pk}/", {"name": "X"}).status_code == 403
    upload = {"kind": "accounts", "file": csv_file("external_id,name\nA,B\n")}
    assert client.post(IMPORTS, upload, format="multipart").status_code == 403


def test_list_query_counts_do_not_grow(admin, tenant, api_client, django_assert_max_num_queries):
    accounts = [CrmAccountFactory(tenant=tenant) for _ in range(3)]
    for index in range(12):
        CrmOpportunityFactory(tenant=tenant, account=accounts[index % 3])
    client = api_client(admin)
    client.get(IMPORTS)  # warm up
    for path in (ACCOUNTS, OPPORTUNITIES, IMPORTS):
        with django_assert_max_num_queries(7):
            assert client.get(path).status_code == 200


def test_import_preview_apply_and_report(admin, tenant, api_client):
    client = api_client(admin)
    text = "external_id,name,country\nA1,Globex,US\nA2,Initech,Nowhere\n"
    response = client.post(
        IMPORTS, {"kind": "accounts", "file": csv_file(text)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "previewed"
    assert body["errors"] == [
        {"row": 3, "field": "country", "message": body["errors"][0]["message"]}
    ]
    assert body["error_count"] == 1
    assert [row["external_id"] for row in body["rows"]] == ["A1"]
    refused = client.post(f"{IMPORTS}{body['id']}/apply/")
    assert refused.status_code == 409
    assert not CrmAccount.objects.for_tenant(tenant).exists()
    assert client.post(f"{IMPORTS}{body['id']}/discard/").json()["status"] == "discarded"

    fixed = client.post(
        IMPORTS,
        {"kind": "accounts", "file": csv_file(text.replace("Nowhere", "DE"))},
        format="multipart",
    ).json()
    applied = client.post(f"{IMPORTS}{fixed['id']}/apply/")
    assert applied.status_code == 200
    assert (applied.json()["created_count"], applied.json()["updated_count"]) == (2, 0)
    assert client.post(f"{IMPORTS}{fixed['id']}/apply/").status_code == 409
    history = client.get(IMPORTS).json()["results"]
    assert [(item["status"], item["error_count"]) for item in history] == [
        ("applied", 0),
        ("discarded", 1),
    ]
    assert "rows" not in history[0]
    assert client.get(f"{IMPORTS}{fixed['id']}/").json()["rows"][0]["action"] == "create"


def test_import_file_problems(admin, api_client, monkeypatch):
    client = api_client(admin)
    missing = client.post(
        IMPORTS, {"kind": "accounts", "file": csv_file("name\nX\n")}, format="multipart"
    )
    assert missing.status_code == 400
    assert "external_id" in missing.json()["file"][0]
    wrong_kind = client.post(
        IMPORTS, {"kind": "deals", "file": csv_file("external_id,name\nA,B\n")}, format="multipart"
    )
    assert wrong_kind.status_code == 400 and "kind" in wrong_kind.json()
    monkeypatch.setattr(crm_cleaning, "MAX_IMPORT_BYTES", 10)
    too_large = client.post(
        IMPORTS,
        {"kind": "accounts", "file": csv_file("external_id,name\nA,B\n")},
        format="multipart",
    )
    assert too_large.status_code == 413
    assert not CrmImport.objects.for_tenant(admin.tenant).exists()


def test_another_tenants_ids_are_404(admin, other_tenant, make_member, api_client):
    account = CrmAccountFactory(tenant=other_tenant, name="Foreign")
    opportunity = CrmOpportunityFactory(tenant=other_tenant, name="Foreign")
    crm_import = CrmImport.objects.create(
        tenant=other_tenant, kind="accounts", file_name="theirs.csv", rows=[]
    )
    client = api_client(admin)
    for path in (f"{ACCOUNTS}{account.pk}/", f"{OPPORTUNITIES}{opportunity.pk}/"):
        assert client.get(path).status_code == 404
        assert client.patch(path, {"name": "Hijacked"}, format="json").status_code == 404
        assert client.delete(path).status_code == 404
    assert client.get(f"{IMPORTS}{crm_import.pk}/").status_code == 404
    assert client.post(f"{IMPORTS}{crm_import.pk}/apply/").status_code == 404
    assert client.post(f"{IMPORTS}{crm_import.pk}/discard/").status_code == 404
    account.refresh_from_db()
    opportunity.refresh_from_db()
    crm_import.refresh_from_db()
    assert (account.name, opportunity.name, crm_import.status) == (
        "Foreign",
        "Foreign",
        "previewed",
    )
