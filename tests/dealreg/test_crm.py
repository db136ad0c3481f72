"""CRM records: upserts keyed by external id, customer identity from the account, and CSV
imports (preview with row errors, apply all or nothing, re-import updates)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dealreg import crm, crm_cleaning, matching
from dealreg.duplicates import find_duplicates
from dealreg.models import CrmAccount, CrmImport, CrmOpportunity
from ecosystem.audit.models import AuditEntry
from ecosystem.errors import Conflict, NotFound, ValidationFailed
from ecosystem.outbox.models import OutboxEvent
from tests.dealreg.factories import CrmAccountFactory, CrmOpportunityFactory

pytestmark = pytest.mark.django_db

ACCOUNTS_CSV = (
    "external_id,name,domain,country,industry,owner\n"
    "ACC-1,Globex Manufacturing Inc.,globex-mfg.com,US,Manufacturing,Dana Scott\n"
    "ACC-2,Initech,initech.com,DE,Software,Lee Park\n"
)
OPPORTUNITIES_CSV = (
    "external_id,account_external_id,name,customer_name,customer_country,stage,amount,"
    "currency,close_date,products\n"
    'OPP-1,ACC-1,Globex plant rollout,,,Negotiation,"125,000.00",USD,2030-03-31,Core;Edge\n'
    "OPP-2,ACC-2,Initech renewal,,,Closed Won,48000,EUR,2030-01-15,\n"
    "OPP-3,,Umbrella pilot,Umbrella Health,GB,Discovery,,,,\n"
)


def upload(text: str, name="export.csv", *, bom=False, encoding="utf-8") -> SimpleUploadedFile:
    content = text.encode(encoding)
    if bom:
        content = b"\xef\xbb\xbf" + content
    return SimpleUploadedFile(name, content, content_type="text/csv")


def preview(tenant, actor, kind, text, **options) -> CrmImport:
    return crm.preview_import(
        tenant=tenant, actor=actor, kind=kind, uploaded_file=upload(text, **options)
    )


def errors_of(crm_import) -> list[tuple[int, str]]:
    return [(error["row"], error["field"]) for error in crm_import.errors]


# --- upserts -------------------------------------------------------------------------------


def test_upsert_account_creates_then_updates_by_external_id(admin, tenant):
    data = {"external_id": "ACC-1", "name": "  Globex   Manufacturing ", "country": "us"}
    account, created = crm.upsert_account(tenant=tenant, actor=admin, data=data)
    assert created
    assert (account.name, str(account.country)) == ("Globex Manufacturing", "US")

    again, created = crm.upsert_account(
        tenant=tenant, actor=admin, data={"external_id": "ACC-1", "name": "Globex", "owner": "Ann"}
    )
    assert not created and again.pk == account.pk
    again.refresh_from_db()
    # Fields left out keep their values.
    assert (again.name, again.owner, str(again.country)) == ("Globex", "Ann", "US")
    assert CrmAccount.objects.for_tenant(tenant).count() == 1
    actions = list(
        AuditEntry.objects.for_tenant(tenant)
        .filter(object_id=str(account.pk))
        .values_list("action", flat=True)
        .order_by("id")
    )
    assert actions == ["crm.account_created", "crm.account_updated"]


def test_an_unchanged_upsert_writes_nothing(admin, tenant):
    data = {"external_id": "ACC-1", "name": "Initech", "domain": "initech.com"}
    crm.upsert_account(tenant=tenant, actor=admin, data=data)
    crm.upsert_account(tenant=tenant, actor=admin, data=data)
    assert AuditEntry.objects.for_tenant(tenant).filter(action__startswith="crm.").count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"external_id": "", "name": "X"}, "external_id"),
        ({"external_id": "A", "name": "  "}, "name"),
        ({"external_id": "A", "name": "X", "country": "Atlantis"}, "country"),
        ({"external_id": "A", "name": "X", "domain": "not a domain"}, "domain"),
        ({"external_id": "A" * 101, "name": "X"}, "external_id"),
    ],
)
def test_upsert_account_refuses_invalid_fields(data, field, admin, tenant):
    with pytest.raises(ValidationFailed) as caught:
        crm.upsert_account(tenant=tenant, actor=admin, data=data)
    assert field in caught.value.as_dict()
    assert not CrmAccount.objects.for_tenant(tenant).exists()


def test_opportunity_takes_its_customer_from_the_account_and_stores_the_keys(admin, tenant):
    crm.upsert_account(
        tenant=tenant,
        actor=admin,
        data={
            "external_id": "ACC-1",
            "name": "Globex Manufacturing Inc.",
            "domain": "https://www.globex-mfg.com/",
            "country": "US",
        },
    )
    opportunity, created = crm.upsert_opportunity(
        tenant=tenant,
        actor=admin,
        data={
            "external_id": "OPP-1",
            "account_external_id": "ACC-1",
            "name": "Plant rollout",
            "stage": "Negotiation",
            "amount": "125000",
            "currency": "usd",
        },
    )
    assert created
    opportunity.refresh_from_db()
    expected = matching.identity("Globex Manufacturing Inc.", "https://www.globex-mfg.com/", "US")
    assert opportunity.customer_name == "Globex Manufacturing Inc."
    assert str(opportunity.customer_country) == "US"
    assert (opportunity.name_key, opportunity.domain_key, opportunity.domain_label) == (
        expected.name_key,
        expected.domain_key,
        expected.domain_label,
    )
    assert opportunity.is_open
    assert (opportunity.amount, opportunity.currency) == (Decimal("125000.00"), "USD")
    assert opportunity.account.external_id == "ACC-1"

    # A partner registering the same customer is flagged against it.
    matches = find_duplicates(
        tenant=tenant, identity=matching.identity("Globex Manufacturing", "globex-mfg.com", "US")
    )
    assert [(match.kind, match.record_id) for match in matches] == [("opportunity", opportunity.pk)]


def test_own_customer_fields_win_field_by_field(admin, tenant):
    CrmAccountFactory(tenant=tenant, external_id="ACC-1", name="Initech", country="DE")
    opportunity, _ = crm.upsert_opportunity(
        tenant=tenant,
        actor=admin,
        data={
            "external_id": "OPP-1",
            "account_external_id": "ACC-1",
            "name": "Subsidiary deal",
            "customer_name": "Initech Labs",
            "customer_domain": "initech-labs.com",
        },
    )
    assert (opportunity.customer_name, opportunity.customer_domain) == (
        "Initech Labs",
        "initech-labs.com",
    )
    assert str(opportunity.customer_country) == "DE"  # not given: the account's
    assert opportunity.domain_key == "initech-labs.com"


@pytest.mark.parametrize(
    ("stage", "is_open", "expected"),
    [
        ("Negotiation", None, True),
        ("Closed Won", None, False),
        ("closed lost", None, False),
        ("Won", None, False),
        ("Closed Won", True, True),
        ("Discovery", False, False),
    ],
)
def test_is_open_comes_from_the_flag_or_the_stage(stage, is_open, expected, admin, tenant):
    data = {
        "external_id": "OPP-1",
        "name": "Deal",
        "customer_name": "Acme",
        "customer_country": "FR",
        "stage": stage,
        "is_open": is_open,
    }
    opportunity, _ = crm.upsert_opportunity(tenant=tenant, actor=admin, data=data)
    assert opportunity.is_open is expected


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"customer_name": "Acme"}, "customer_country"),
        ({"customer_country": "FR"}, "customer_name"),
        ({"account_external_id": "NOPE"}, "account_external_id"),
        ({"customer_name": "Acme", "customer_country": "FR", "amount": "10"}, "currency"),
        ({"customer_name": "Acme", "customer_country": "FR", "amount": "-1"}, "amount"),
        ({"customer_name": "Acme", "customer_country": "FR", "amount": "1.234"}, "amount"),
        ({"customer_name": "Acme", "customer_country": "FR", "currency": "dollars"}, "currency"),
        ({"customer_name": "Acme", "customer_country": "FR", "close_date": "31/03"}, "close_date"),
    ],
)
def test_upsert_opportunity_refuses_incomplete_or_invalid_records(data, field, admin, tenant):
    with pytest.raises(ValidationFailed) as caught:
        crm.upsert_opportunity(
            tenant=tenant, actor=admin, data={"external_id": "OPP-1", "name": "Deal", **data}
        )
    assert field in caught.value.as_dict()
    assert not CrmOpportunity.objects.for_tenant(tenant).exists()


def test_opportunities_follow_their_accounts_new_name(admin, tenant):
    crm.upsert_account(
        tenant=tenant, actor=admin, data={"external_id": "A", "name": "Initrode", "country": "US"}
    )
    derived, _ = crm.upsert_opportunity(
        tenant=tenant,
        actor=admin,
        data={"external_id": "O1", "account_external_id": "A", "name": "Renewal"},
    )
    own, _ = crm.upsert_opportunity(
        tenant=tenant,
        actor=admin,
        data={
            "external_id": "O2",
            "account_external_id": "A",
            "name": "Spin-off",
            "customer_name": "Initrode Labs",
        },
    )
    crm.upsert_account(tenant=tenant, actor=admin, data={"external_id": "A", "name": "Initech"})
    derived.refresh_from_db()
    own.refresh_from_db()
    assert (derived.customer_name, derived.name_key) == (
        "Initech",
        matching.identity("Initech").name_key,
    )
    assert own.customer_name == "Initrode Labs"


def test_update_and_delete(admin, tenant):
    account = CrmAccountFactory(tenant=tenant, external_id="A", name="Initech", country="US")
    other = CrmOpportunityFactory(tenant=tenant, external_id="TAKEN")
    opportunity = CrmOpportunityFactory(
        tenant=tenant, external_id="O1", customer_name="Hooli", customer_country="US"
    )
    updated = crm.update_opportunity(
        tenant=tenant,
        actor=admin,
        opportunity_id=opportunity.pk,
        data={"stage": "Closed Lost", "account_external_id": "A"},
    )
    assert not updated.is_open
    # Linked to an account now, without its own customer given: the account's.
    assert updated.customer_name == "Initech"
    with pytest.raises(Conflict):
        crm.update_opportunity(
            tenant=tenant,
            actor=admin,
            opportunity_id=opportunity.pk,
            data={"external_id": other.external_id},
        )
    crm.delete_account(tenant=tenant, actor=admin, account_id=account.pk)
    opportunity.refresh_from_db()
    assert opportunity.account is None and opportunity.customer_name == "Initech"
    crm.delete_opportunity(tenant=tenant, actor=admin, opportunity_id=opportunity.pk)
    assert list(CrmOpportunity.objects.for_tenant(tenant)) == [other]


def test_another_tenants_records_are_not_found(admin, tenant, other_tenant):
    foreign = CrmOpportunityFactory(tenant=other_tenant)
    foreign_account = CrmAccountFactory(tenant=other_tenant, external_id="A")
    with pytest.raises(NotFound):
        crm.update_opportunity(
            tenant=tenant, actor=admin, opportunity_id=foreign.pk, data={"name": "X"}
        )
    with pytest.raises(NotFound):
        crm.delete_account(tenant=tenant, actor=admin, account_id=foreign_account.pk)
    # Same external id in this tenant: a record of its own, and the account is not reused.
    account, created = crm.upsert_account(
        tenant=tenant, actor=admin, data={"external_id": "A", "name": "Ours"}
    )
    assert created and account.pk != foreign_account.pk
    with pytest.raises(ValidationFailed):
        crm.upsert_opportunity(
            tenant=tenant,
            actor=admin,
            data={"external_id": foreign.external_id, "name": "X", "account_external_id": "B"},
        )
    foreign.refresh_from_db()
    assert foreign.name != "X"


# --- CSV preview -----------------------------------------------------------------------------


def test_preview_checks_every_row_and_writes_no_record(admin, tenant):
    crm_import = preview(tenant, admin, "accounts", ACCOUNTS_CSV, bom=True)
    assert crm_import.status == CrmImport.Status.PREVIEWED
    assert (crm_import.total_rows, crm_import.errors) == (2, [])
    assert [(row["row"], row["action"], row["external_id"]) for row in crm_import.rows] == [
        (2, "create", "ACC-1"),
        (3, "create", "ACC-2"),
    ]
    assert crm_import.created_by == admin.user
    assert not CrmAccount.objects.for_tenant(tenant).exists()
    assert AuditEntry.objects.for_tenant(tenant).filter(action="crm.import_previewed").exists()


def test_headers_are_matched_loosely_and_semicolons_work(admin, tenant):
    text = "External ID;Name;Country;Notes\nA-1;Hooli;us;ignored\n"
    crm_import = preview(tenant, admin, "accounts", text)
    assert crm_import.errors == []
    assert crm_import.rows[0]["country"] == "US"
    assert "notes" not in crm_import.rows[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,country\nHooli,US\n", "external_id"),
        ("external_id,country\nA,US\n", "name"),
        ("", "empty"),
        ("external_id,name\n", "no rows"),
        ("external_id,name,name\nA,B,C\n", "more than once"),
    ],
)
def test_file_level_problems_are_refused_with_a_clear_message(text, message, admin, tenant):
    with pytest.raises(ValidationFailed) as caught:
        preview(tenant, admin, "accounts", text)
    assert message in caught.value.message
    assert caught.value.field == "file"
    assert not CrmImport.objects.for_tenant(tenant).exists()


def test_a_missing_header_names_every_missing_column(admin, tenant):
    with pytest.raises(ValidationFailed) as caught:
        preview(tenant, admin, "opportunities", "stage,amount\nOpen,10\n")
    assert "external_id, name" in caught.value.message


def test_not_utf8_is_refused(admin, tenant):
    with pytest.raises(ValidationFailed) as caught:
        preview(tenant, admin, "accounts", "external_id,name\nA,Société\n", encoding="cp1252")
    assert "UTF-8" in caught.value.message


def test_size_and_row_limits(admin, tenant, monkeypatch):
    monkeypatch.setattr(crm_cleaning, "MAX_IMPORT_BYTES", 100)
    with pytest.raises(crm.ImportTooLarge) as caught:
        preview(tenant, admin, "accounts", "external_id,name\n" + "A,B\n" * 40)
    assert caught.value.status_code == 413
    monkeypatch.setattr(crm_cleaning, "MAX_IMPORT_BYTES", 10_000)
    monkeypatch.setattr(crm_cleaning, "MAX_IMPORT_ROWS", 3)
    text = "external_id,name\n" + "".join(f"A{n},B\n" for n in range(4))
    with pytest.raises(crm.ImportTooLarge) as caught:
        preview(tenant, admin, "accounts", text)
    assert "more than 3 rows" in caught.value.message


def test_row_errors_name_the_row_the_column_and_the_problem(admin, tenant):
    CrmAccountFactory(tenant=tenant, external_id="ACC-1", name="Globex", country="US")
    text = (
        "external_id,account_external_id,name,customer_name,customer_country,amount,currency,"
        "close_date\n"
        "O1,ACC-1,Good,,,100,USD,2030-01-01\n"
        "O2,,Bad country,Hooli,Narnia,,,\n"
        "O3,,Bad amount,Hooli,US,12.5.0,USD,\n"
        "O4,,Bad date,Hooli,US,,,31.12.2030\n"
        "O1,ACC-1,Same id again,,,,,\n"
        "\n"
        "O5,ACC-9,Unknown account,,,,,\n"
    )
    crm_import = preview(tenant, admin, "opportunities", text)
    assert errors_of(crm_import) == [
        (3, "customer_country"),
        (4, "amount"),
        (5, "close_date"),
        (6, "external_id"),
        (8, "account_external_id"),
    ]
    messages = {error["field"]: error["message"] for error in crm_import.errors}
    assert "Narnia" in messages["customer_country"]
    assert "also on row 2" in messages["external_id"]
    assert crm_import.total_rows == 6  # the blank line is not a row
    assert [row["external_id"] for row in crm_import.rows] == ["O1"]
    assert crm_import.rows[0]["customer"] == "Globex"

    with pytest.raises(Conflict) as caught:
        crm.apply_import(tenant=tenant, actor=admin, import_id=crm_import.pk)
    assert "5 errors" in caught.value.message
    assert not CrmOpportunity.objects.for_tenant(tenant).exists()


def test_stored_errors_are_capped(admin, tenant, monkeypatch):
    monkeypatch.setattr(crm, "MAX_STORED_ERRORS", 2)
    text = "external_id,name,country\n" + "".join(f"A{n},B,Nowhere\n" for n in range(5))
    crm_import = preview(tenant, admin, "accounts", text)
    assert len(crm_import.errors) == 3
    assert "3 more errors" in crm_import.errors[-1]["message"]


# --- apply and discard -----------------------------------------------------------------------


def test_apply_writes_every_row_then_reimport_updates(admin, tenant):
    accounts = preview(tenant, admin, "accounts", ACCOUNTS_CSV)
    applied = crm.apply_import(tenant=tenant, actor=admin, import_id=accounts.pk)
    assert (applied.status, applied.created_count, applied.updated_count) == ("applied", 2, 0)
    assert applied.applied_at is not None

    opportunities = preview(tenant, admin, "opportunities", OPPORTUNITIES_CSV)
    assert opportunities.errors == []
    crm.apply_import(tenant=tenant, actor=admin, import_id=opportunities.pk)
    by_id = {o.external_id: o for o in CrmOpportunity.objects.for_tenant(tenant)}
    assert set(by_id) == {"OPP-1", "OPP-2", "OPP-3"}
    globex = by_id["OPP-1"]
    assert (globex.customer_name, globex.domain_key, str(globex.customer_country)) == (
        "Globex Manufacturing Inc.",
        "globex-mfg.com",
        "US",
    )
    assert globex.amount == Decimal("125000.00") and globex.products == ["Core", "Edge"]
    assert str(globex.close_date) == "2030-03-31"
    assert not by_id["OPP-2"].is_open
    assert by_id["OPP-3"].account is None and by_id["OPP-3"].name_key

    events = OutboxEvent.objects.for_tenant(tenant).filter(name="crm.imported")
    assert [event.payload["created"] for event in events.order_by("id")] == [2, 3]

    # The same file again: updates, never duplicates.
    changed = OPPORTUNITIES_CSV.replace("Negotiation", "Closed Lost")
    again = preview(tenant, admin, "opportunities", changed)
    assert {row["action"] for row in again.rows} == {"update"}
    again = crm.apply_import(tenant=tenant, actor=admin, import_id=again.pk)
    assert (again.created_count, again.updated_count) == (0, 3)
    assert CrmOpportunity.objects.for_tenant(tenant).count() == 3
    globex.refresh_from_db()
    assert not globex.is_open and globex.stage == "Closed Lost"
    account_again = crm.apply_import(
        tenant=tenant,
        actor=admin,
        import_id=preview(tenant, admin, "accounts", ACCOUNTS_CSV).pk,
    )
    assert (account_again.created_count, account_again.updated_count) == (0, 2)
    assert CrmAccount.objects.for_tenant(tenant).count() == 2


def test_a_failing_apply_imports_nothing(admin, tenant):
    CrmAccountFactory(tenant=tenant, external_id="A1", name="Initech", country="US")
    doomed = CrmAccountFactory(tenant=tenant, external_id="A2", name="Hooli", country="US")
    text = "external_id,account_external_id,name\nO1,A1,First\nO2,A1,Second\nO3,A2,Third\n"
    crm_import = preview(tenant, admin, "opportunities", text)
    assert crm_import.errors == []
    doomed.delete()  # the records changed between the preview and the apply
    with pytest.raises(Conflict) as caught:
        crm.apply_import(tenant=tenant, actor=admin, import_id=crm_import.pk)
    assert "Row 4" in caught.value.message
    assert not CrmOpportunity.objects.for_tenant(tenant).exists()
    crm_import.refresh_from_db()
    assert crm_import.status == CrmImport.Status.PREVIEWED
    assert not OutboxEvent.objects.for_tenant(tenant).filter(name="crm.imported").exists()


def test_apply_and_discard_only_previewed_imports(admin, tenant, other_tenant, make_member):
    first = preview(tenant, admin, "accounts", ACCOUNTS_CSV)
    crm.apply_import(tenant=tenant, actor=admin, import_id=first.pk)
    for service in (crm.apply_import, crm.discard_import):
        with pytest.raises(Conflict):
            service(tenant=tenant, actor=admin, import_id=first.pk)

    second = preview(tenant, admin, "accounts", ACCOUNTS_CSV)
    discarded = crm.discard_import(tenant=tenant, actor=admin, import_id=second.pk)
    assert (discarded.status, discarded.rows) == ("discarded", [])
    with pytest.raises(Conflict):
        crm.apply_import(tenant=tenant, actor=admin, import_id=second.pk)

    foreign_admin = make_member(other_tenant, "admin")
    foreign = preview(other_tenant, foreign_admin, "accounts", ACCOUNTS_CSV)
    for service in (crm.apply_import, crm.discard_import):
        with pytest.raises(NotFound):
            service(tenant=tenant, actor=admin, import_id=foreign.pk)
    foreign.refresh_from_db()
    assert foreign.status == CrmImport.Status.PREVIEWED
    assert not CrmAccount.objects.for_tenant(other_tenant).exists()


# --- demo data -------------------------------------------------------------------------------


def test_seed_demo_brings_crm_records_through_an_applied_import():
    from io import StringIO

    from django.core.management import call_command

    from ecosystem.tenancy.models import Tenant

    def records(slug):
        tenant = Tenant.objects.get(slug=slug)
        return tenant, sorted(
            (o.external_id, o.name, o.customer_name, o.stage, str(o.amount), o.currency)
            for o in CrmOpportunity.objects.for_tenant(tenant)
        )

    for slug in ("demo-a", "demo-b"):
        call_command(
            "seed_demo", "--tenant", slug, "--partners", "2", "--seed", "7", stdout=StringIO()
        )
    tenant, opportunities = records("demo-a")
    assert records("demo-b")[1] == opportunities
    assert CrmAccount.objects.for_tenant(tenant).count() == 30
    assert len(opportunities) == 40
    imports = list(CrmImport.objects.for_tenant(tenant))
    assert [(i.status, i.created_count, i.errors) for i in imports] == [("applied", 30, [])]
    globex = CrmOpportunity.objects.for_tenant(tenant).filter(customer_domain="globex-mfg.com")
    assert globex.filter(is_open=True).exists()
    matches = find_duplicates(
        tenant=tenant, identity=matching.identity("Umbrella Health Ltd", "umbrellahealth.com", "GB")
    )
    assert any(match.kind == "opportunity" for match in matches)
