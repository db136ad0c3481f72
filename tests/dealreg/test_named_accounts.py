"""Named accounts (reserved for direct sales): the service, the page with its CSV upload,
the API, and who may use them."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dealreg import named_accounts, services
from dealreg.models import DealStatus, NamedAccount
from ecosystem.audit.models import AuditEntry
from ecosystem.errors import ValidationFailed
from ecosystem.tenancy.roles import Role
from tests.dealreg.factories import NamedAccountFactory

PAGE = "/deals/named-accounts/"
UPLOAD = "/deals/named-accounts/upload/"
API = "/api/v1/named-accounts/"


def csv_file(text: str, name: str = "accounts.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def accounts(tenant) -> list[tuple[str, str, str, str]]:
    return [
        (account.name, account.domain, str(account.country), account.owner)
        for account in NamedAccount.objects.for_tenant(tenant).order_by("name")
    ]


# --- services ------------------------------------------------------------------------------


def test_adding_stores_the_normalised_keys_and_is_audited(tenant, admin):
    account = named_accounts.add_named_account(
        tenant=tenant,
        actor=admin,
        data={
            "name": "  The Initech,  Inc. ",
            "domain": "https://www.initech.com/",
            "country": "usa",
            "owner": "Dana",
        },
    )
    assert (account.name, account.name_key, account.domain_key) == (
        "The Initech, Inc.",
        "initech",
        "initech.com",
    )
    assert str(account.country) == "US" and account.created_by == admin.user
    entry = AuditEntry.objects.for_tenant(tenant).get(action="named_account.added")
    assert entry.actor == admin.user and entry.object_id == str(account.pk)


def test_the_same_account_twice_is_refused(tenant, admin):
    named_accounts.add_named_account(
        tenant=tenant, actor=admin, data={"name": "Initech Inc.", "domain": "initech.com"}
    )
    with pytest.raises(ValidationFailed) as refused:
        named_accounts.add_named_account(
            tenant=tenant, actor=admin, data={"name": "INITECH", "domain": "www.initech.com"}
        )
    assert refused.value.field == "name"
    # Another domain is another account of the same name (a subsidiary, say).
    named_accounts.add_named_account(
        tenant=tenant, actor=admin, data={"name": "Initech", "domain": "initech.de"}
    )
    assert NamedAccount.objects.for_tenant(tenant).count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "..."}, "name"),
        ({"name": "X" * 201}, "name"),
        ({"name": "Acme", "domain": "not a domain"}, "domain"),
        ({"name": "Acme", "country": "Atlantis"}, "country"),
        ({"name": "Acme", "owner": "x" * 201}, "owner"),
        ({"name": "Acme", "colour": "red"}, "colour"),
    ],
)
def test_invalid_accounts_are_refused_per_field(data, field, tenant, admin):
    with pytest.raises(ValidationFailed) as refused:
        named_accounts.add_named_account(tenant=tenant, actor=admin, data=data)
    assert field in refused.value.errors
    assert not NamedAccount.objects.for_tenant(tenant).exists()


def test_a_registration_for_a_named_account_goes_to_review(tenant, admin, partner_sales, deal_data):
    named_accounts.add_named_account(
        tenant=tenant, actor=admin, data={"name": "Initech", "domain": "initech.com"}
    )
    data = deal_data()
    data["amount"] = Decimal(data["amount"])
    deal = services.register_deal(tenant=tenant, actor=partner_sales, data=data)
    assert deal.status == DealStatus.PENDING_REVIEW
    assert any("named account" in reason for reason in deal.review_reasons)


# --- the page ------------------------------------------------------------------------------


def test_list_search_and_pagination(tenant, admin, portal_client):
    for number in range(55):
        NamedAccountFactory(tenant=tenant, name=f"Account {number:02d}", owner="Dana")
    NamedAccountFactory(tenant=tenant, name="Zeta Bank", domain="zeta.example", owner="Lee")
    client = portal_client(admin)
    first = client.get(PAGE)
    assert first.status_code == 200
    assert first.context["page"].paginator.count == 56
    assert len(first.context["page"].object_list) == 50
    assert len(client.get(PAGE, {"page": 2}).context["page"].object_list) == 6
    for query in ("zeta", "ZETA.EXAMPLE", "lee"):
        found = client.get(PAGE, {"q": query}).context["page"].object_list
        assert [account.name for account in found] == ["Zeta Bank"], query


def test_add_and_remove_on_the_page(tenant, admin, portal_client):
    client = portal_client(admin)
    response = client.post(PAGE, {"name": "Initech", "domain": "initech.com", "country": "US"})
    assert response.status_code == 302
    account = NamedAccount.objects.for_tenant(tenant).get()
    duplicate = client.post(PAGE, {"name": "Initech Inc", "domain": "initech.com"})
    assert duplicate.status_code == 400
    assert "already a named account" in duplicate.context["form"].errors["name"][0]
    invalid = client.post(PAGE, {"name": "Acme", "domain": "nope"})
    assert "domain" in invalid.context["form"].errors

    response = client.post(reverse("deals:named_account_remove", args=[account.pk]))
    assert response.status_code == 302
    assert not NamedAccount.objects.for_tenant(tenant).exists()
    assert AuditEntry.objects.for_tenant(tenant).filter(action="named_account.removed").exists()


@pytest.mark.parametrize("role", [Role.PARTNER_ADMIN, Role.PARTNER_SALES, Role.FINANCE])
def test_only_rule_keepers_see_named_accounts(role, tenant, partner, make_member, portal_client):
    member = make_member(tenant, role, partner if role.startswith("partner") else None)
    account = NamedAccountFactory(tenant=tenant)
    client = portal_client(member)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"name": "Sneaky"}).status_code == 403
    assert (
        client.post(UPLOAD, {"file": csv_file("name,domain,country,owner\nX,,,\n")}).status_code
        == 403
    )
    assert client.post(reverse("deals:named_account_remove", args=[account.pk])).status_code == 403
    assert accounts(tenant) == [(account.name, "", "", "")]


def test_another_tenants_account_cannot_be_removed(admin, other_tenant, portal_client):
    foreign = NamedAccountFactory(tenant=other_tenant)
    response = portal_client(admin).post(reverse("deals:named_account_remove", args=[foreign.pk]))
    assert response.status_code == 404
    assert NamedAccount.objects.for_tenant(other_tenant).filter(pk=foreign.pk).exists()


@pytest.mark.parametrize("count", [5, 40])
def test_list_query_count_does_not_grow(
    count, tenant, admin, portal_client, django_assert_max_num_queries
):
    for number in range(count):
        NamedAccountFactory(tenant=tenant, name=f"Account {number}", created_by=admin.user)
    client = portal_client(admin)
    client.get(PAGE)
    with django_assert_max_num_queries(10):
        response = client.get(PAGE)
    assert len(response.context["page"].object_list) == count


# --- CSV upload ----------------------------------------------------------------------------

GOOD_FILE = (
    "Name;Domain;Country;Owner\n"
    "Initech Inc.;initech.com;US;Dana\n"
    "Globex GmbH;;Germany;Lee\n"
    "\n"
    "Umbrella;umbrella.com;;\n"
)


def test_upload_creates_then_updates_without_duplicating(tenant, admin, portal_client):
    client = portal_client(admin)
    response = client.post(UPLOAD, {"file": csv_file(GOOD_FILE)}, follow=True)
    assert response.status_code == 200
    assert "accounts.csv imported: 3 added, 0 updated, 0 already up to date." in (
        response.content.decode()
    )
    assert accounts(tenant) == [
        ("Globex GmbH", "", "DE", "Lee"),
        ("Initech Inc.", "initech.com", "US", "Dana"),
        ("Umbrella", "umbrella.com", "", ""),
    ]
    again = (
        "owner,name,domain,country,notes\n"
        "Sam,INITECH,https://initech.com,US,moved\n"  # the same account, new owner
        "Lee,Globex GmbH,,DE,\n"  # unchanged
        "Kim,Hooli,hooli.com,US,\n"  # new
    )
    response = client.post(UPLOAD, {"file": csv_file(again, "again.csv")}, follow=True)
    assert "again.csv imported: 1 added, 1 updated, 1 already up to date." in (
        response.content.decode()
    )
    assert accounts(tenant) == [
        ("Globex GmbH", "", "DE", "Lee"),
        ("Hooli", "hooli.com", "US", "Kim"),
        ("INITECH", "https://initech.com", "US", "Sam"),
        ("Umbrella", "umbrella.com", "", ""),
    ]
    entries = AuditEntry.objects.for_tenant(tenant).filter(action="named_accounts.imported")
    assert sorted(entry.changes["created"] for entry in entries) == [1, 3]


def test_a_header_without_the_columns_names_them(tenant, admin, portal_client):
    response = portal_client(admin).post(UPLOAD, {"file": csv_file("name,domain\nAcme,acme.com\n")})
    assert response.status_code == 400
    [message] = response.context["upload_form"].errors["file"]
    assert "The file has no country, owner column." in message
    assert "name, domain, country, owner" in message
    assert not NamedAccount.objects.for_tenant(tenant).exists()


def test_row_errors_are_listed_and_nothing_is_imported(tenant, admin, portal_client):
    text = (
        "name,domain,country,owner\n"
        "Fine Corp,fine.com,US,Dana\n"
        ",nameless.com,US,\n"
        "Bad Domain,not a domain,US,\n"
        "Bad Country,,Atlantis,\n"
        "Fine Corp.,FINE.com,US,Lee\n"
    )
    response = portal_client(admin).post(UPLOAD, {"file": csv_file(text)})
    assert response.status_code == 400
    rejected = response.context["rejected"]
    assert [(problem.row, problem.field) for problem in rejected.rows] == [
        (3, "name"),
        (4, "domain"),
        (5, "country"),
        (6, "name"),
    ]
    assert "The same account as row 2" in rejected.rows[-1].message
    page = response.content.decode()
    assert "4 problem(s) found; nothing was imported." in page
    assert "Atlantis" in page
    assert not NamedAccount.objects.for_tenant(tenant).exists()


def test_upload_limits(tenant, admin, portal_client, monkeypatch):
    client = portal_client(admin)
    monkeypatch.setattr(named_accounts, "MAX_ROWS", 2)
    response = client.post(UPLOAD, {"file": csv_file(GOOD_FILE)})
    assert response.status_code == 413
    assert "more than 2 rows" in response.context["upload_form"].errors["file"][0]
    monkeypatch.setattr("dealreg.crm_cleaning.MAX_IMPORT_BYTES", 40)
    response = client.post(UPLOAD, {"file": csv_file(GOOD_FILE)})
    assert response.status_code == 413
    assert "upload at most" in response.context["upload_form"].errors["file"][0]
    assert client.post(UPLOAD, {"file": csv_file("")}).status_code == 400
    assert client.post(UPLOAD, {}).status_code == 400
    assert not NamedAccount.objects.for_tenant(tenant).exists()


def test_a_file_that_is_not_text_is_refused(tenant, admin, portal_client):
    upload = SimpleUploadedFile("accounts.csv", b"\xff\xfe\x00n\x00a", content_type="text/csv")
    response = portal_client(admin).post(UPLOAD, {"file": upload})
    assert response.status_code == 400
    assert "UTF-8" in response.context["upload_form"].errors["file"][0]


# --- API -----------------------------------------------------------------------------------


def test_api_list_create_destroy(tenant, channel_manager, api_client):
    client = api_client(channel_manager)
    created = client.post(
        API, {"name": "Initech", "domain": "initech.com", "country": "US"}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["country"] == "US" and body["owner"] == ""
    NamedAccountFactory(tenant=tenant, name="Zeta Bank")
    listed = client.get(API, {"search": "zeta"})
    assert [item["name"] for item in listed.json()["results"]] == ["Zeta Bank"]
    assert len(client.get(API).json()["results"]) == 2
    duplicate = client.post(API, {"name": "INITECH Inc", "domain": "initech.com"}, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()
    invalid = client.post(API, {"name": "Acme", "country": "Atlantis"}, format="json")
    assert invalid.status_code == 400 and "country" in invalid.json()
    assert client.delete(f"{API}{body['id']}/").status_code == 204
    assert [name for name, *_ in accounts(tenant)] == ["Zeta Bank"]


@pytest.mark.parametrize("role", [Role.PARTNER_ADMIN, Role.PARTNER_SALES, Role.FINANCE])
def test_api_is_for_rule_keepers_only(role, tenant, partner, make_member, api_client):
    member = make_member(tenant, role, partner if role.startswith("partner") else None)
    account = NamedAccountFactory(tenant=tenant)
    client = api_client(member)
    assert client.get(API).status_code == 403
    assert client.post(API, {"name": "Sneaky"}, format="json").status_code == 403
    assert client.delete(f"{API}{account.pk}/").status_code == 403
    assert NamedAccount.objects.for_tenant(tenant).count() == 1


def test_api_another_tenants_account_is_404(admin, other_tenant, api_client):
    foreign = NamedAccountFactory(tenant=other_tenant)
    assert api_client(admin).delete(f"{API}{foreign.pk}/").status_code == 404
    assert NamedAccount.objects.for_tenant(other_tenant).filter(pk=foreign.pk).exists()
