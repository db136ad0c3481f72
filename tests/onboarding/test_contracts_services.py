"""Agreement templates, issuing, signing, countersigning and verification through the
services, with real PDFs (WeasyPrint) and real PostgreSQL."""

import datetime
import hashlib
import io

import pytest
from pypdf import PdfReader

from ecosystem.audit.models import AuditEntry
from ecosystem.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from ecosystem.notifications.models import Notification
from ecosystem.outbox.models import OutboxEvent
from onboarding import contracts_merge, contracts_selectors, contracts_services
from onboarding.models import AgreementTemplateVersion, Contract
from tests.onboarding.contracts_factories import issue, make_template, sign

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.UTC)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def read(field) -> bytes:
    with field.storage.open(field.name, "rb") as handle:
        return handle.read()


@pytest.fixture
def template(tenant, admin):
    return make_template(tenant=tenant, actor=admin)


@pytest.fixture
def contract(tenant, admin, template, partner, partner_admin):
    return issue(tenant=tenant, actor=admin, template=template, partner=partner, now=NOW)


# --- merge fields and sanitising --------------------------------------------------------------


def test_values_are_merged_and_html_escaped():
    merged = contracts_merge.merge(
        "<p>{{ partner_legal_name }} · {{partner_address}} · {{ vendor_name }}</p>",
        {
            "partner_legal_name": "<script>alert(1)</script> & Co",
            "partner_address": "1 Road\n<b>Town</b>",
            "vendor_name": "Acme",
        },
    )

    assert "<script>" not in merged
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in merged
    assert "1 Road<br>&lt;b&gt;Town&lt;/b&gt;" in merged
    assert "Acme" in merged


def test_template_syntax_is_never_evaluated(tenant, admin):
    with pytest.raises(ValidationFailed) as refused:
        make_template(
            tenant=tenant, actor=admin, body="<p>{{ settings.SECRET_KEY }} {{ partner_name }}</p>"
        )
    assert "{{ settings.SECRET_KEY }}" in refused.value.as_dict()["body"][0]

    template = make_template(tenant=tenant, actor=admin, body="<p>{% debug %} {{ tier }}</p>")
    version = template.versions.get()
    assert "{% debug %}" in version.body  # stored as text; merged as text
    merged = contracts_merge.merge(version.body, {"tier": "Gold"})
    assert "{% debug %} Gold" in merged


def test_unknown_merge_fields_are_refused_by_name(tenant, admin):
    with pytest.raises(ValidationFailed) as refused:
        make_template(
            tenant=tenant, actor=admin, body="<p>{{ partner_name }} {{ bank_account }} {{ x }}</p>"
        )

    message = refused.value.as_dict()["body"][0]
    assert "{{ bank_account }}" in message and "{{ x }}" in message
    assert "{{ partner_name }}" not in message.split("Use only")[0]


def test_sanitiser_strips_scripts_and_handlers(tenant, admin):
    template = make_template(
        tenant=tenant,
        actor=admin,
        body=(
            '<p onclick="steal()">Hello {{ partner_name }}</p><script>alert(1)</script>'
            '<a href="javascript:alert(1)">x</a><style>p{}</style><img src=x onerror=y>'
        ),
    )

    body = template.versions.get().body
    assert "<script" not in body and "alert(1)" not in body
    assert "onclick" not in body and "onerror" not in body and "<style" not in body
    assert "javascript:" not in body
    assert "<p>Hello {{ partner_name }}</p>" in body


def test_template_fields_are_validated(tenant, admin):
    with pytest.raises(ValidationFailed) as refused:
        contracts_services.create_template(
            tenant=tenant, actor=admin, data={"name": "", "body": "", "term_months": 0}
        )

    assert set(refused.value.as_dict()) == {"name", "body", "term_months"}


def test_partner_users_cannot_write_templates(tenant, partner_admin):
    with pytest.raises(NotAllowed):
        make_template(tenant=tenant, actor=partner_admin)


def test_editing_an_issued_template_makes_a_new_version(tenant, admin, template, contract):
    issued_html = contract.body_html

    contracts_services.update_template(
        tenant=tenant,
        actor=admin,
        template_id=template.pk,
        data={"body": "<p>New text for {{ partner_legal_name }}</p>", "term_months": 24},
    )

    versions = list(AgreementTemplateVersion.objects.for_tenant(tenant).order_by("version"))
    assert [(v.version, v.term_months) for v in versions] == [(1, 12), (2, 24)]
    contract.refresh_from_db()
    assert contract.body_html == issued_html
    assert contract.template_version == versions[0]
    assert "New text" not in pdf_text(read(contract.document))


def test_editing_an_unused_template_edits_its_version(tenant, admin, template):
    contracts_services.update_template(
        tenant=tenant, actor=admin, template_id=template.pk, data={"body": "<p>{{ tier }}</p>"}
    )

    assert list(template.versions.values_list("version", "body")) == [(1, "<p>{{ tier }}</p>")]


# --- issuing ----------------------------------------------------------------------------------


def test_issuing_stores_a_real_pdf_with_its_hash(tenant, admin, contract, partner):
    data = read(contract.document)

    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == contract.document_sha256
    assert contract.status == "issued"
    assert contract.expiry_date == datetime.date(2027, 3, 1)
    text = pdf_text(data)
    assert "Partner Program Agreement" in text
    assert f"{partner.name} Ltd" in text and "Acme Corp" in text
    assert "Net 45 payment terms." in text
    assert OutboxEvent.objects.for_tenant(tenant).filter(name="contract.issued").count() == 1
    assert AuditEntry.objects.for_tenant(tenant).filter(action="contract.issued").count() == 1


def test_issued_contract_notifies_the_partner_admins(tenant, contract, partner_admin):
    notification = Notification.objects.for_tenant(tenant).get(kind="contract.issued")
    assert notification.recipient == partner_admin.user
    assert notification.url == f"/agreements/{contract.pk}/"


def test_issue_values_are_escaped_in_the_contract(tenant, admin, template, partner):
    contract = issue(
        tenant=tenant,
        actor=admin,
        template=template,
        partner=partner,
        legal_name="<script>alert('x')</script> Holdings",
    )

    assert "<script>" not in contract.body_html
    assert "&lt;script&gt;" in contract.body_html
    assert "<script>alert('x')</script> Holdings" in pdf_text(read(contract.document))


def test_issue_validates_each_field(tenant, admin, template, other_tenant):
    from tests.partners.factories import PartnerOrganisationFactory

    foreign = PartnerOrganisationFactory(tenant=other_tenant)
    with pytest.raises(ValidationFailed) as refused:
        contracts_services.issue_contract(
            tenant=tenant,
            actor=admin,
            data={
                "template": template.pk,
                "partner": foreign.pk,
                "legal_name": "",
                "address": "",
                "country": "XX",
                "effective_date": "not a date",
            },
        )

    assert set(refused.value.as_dict()) == {
        "partner",
        "legal_name",
        "address",
        "country",
        "effective_date",
    }
    assert not Contract.objects.across_tenants().exists()


def test_a_retired_template_cannot_be_issued(tenant, admin, template, partner):
    contracts_services.update_template(
        tenant=tenant, actor=admin, template_id=template.pk, data={"is_active": False}
    )

    with pytest.raises(ValidationFailed) as refused:
        issue(tenant=tenant, actor=admin, template=template, partner=partner)
    assert "template" in refused.value.as_dict()


# --- signing ----------------------------------------------------------------------------------


def test_signing_records_the_signature_and_stamps_a_page(tenant, contract, partner_admin):
    moment = NOW + datetime.timedelta(days=2)
    signed = sign(tenant=tenant, actor=partner_admin, contract=contract, now=moment)

    assert signed.status == "signed"
    assert signed.signed_by == partner_admin.user
    assert signed.signer_typed_name == "Sam Reyes"
    assert signed.signed_at == moment
    assert signed.signer_ip == "203.0.113.7"
    assert "TestBrowser" in signed.signer_user_agent
    assert signed.signed_document_sha256 == contract.document_sha256
    stamped = read(signed.signed_pdf)
    assert hashlib.sha256(stamped).hexdigest() == signed.signed_pdf_sha256
    assert signed.partner_signed_pdf_sha256 == signed.signed_pdf_sha256
    original = read(signed.document)
    assert page_count(stamped) == page_count(original) + 1
    last_page = PdfReader(io.BytesIO(stamped)).pages[-1].extract_text()
    assert "Sam Reyes" in last_page
    assert "203.0.113.7" in last_page
    assert contract.document_sha256 in last_page.replace("\n", "")
    assert OutboxEvent.objects.for_tenant(tenant).filter(name="contract.signed").exists()
    assert AuditEntry.objects.for_tenant(tenant).filter(action="contract.signed").exists()


def test_a_hash_mismatch_is_a_conflict(tenant, contract, partner_admin):
    with pytest.raises(Conflict) as refused:
        sign(tenant=tenant, actor=partner_admin, contract=contract, document_sha256="0" * 64)

    assert "changed since you opened it" in refused.value.message
    contract.refresh_from_db()
    assert contract.status == "issued" and not contract.signed_pdf


def test_signing_twice_is_a_conflict(tenant, contract, partner_admin):
    sign(tenant=tenant, actor=partner_admin, contract=contract, now=NOW)

    with pytest.raises(Conflict):
        sign(tenant=tenant, actor=partner_admin, contract=contract, now=NOW)


def test_signing_an_expired_contract_is_a_conflict(tenant, contract, partner_admin):
    with pytest.raises(Conflict) as refused:
        sign(
            tenant=tenant,
            actor=partner_admin,
            contract=contract,
            now=datetime.datetime(2027, 3, 2, tzinfo=datetime.UTC),
        )
    assert "expired" in refused.value.message


def test_sign_input_is_validated(tenant, contract, partner_admin):
    with pytest.raises(ValidationFailed) as refused:
        sign(
            tenant=tenant,
            actor=partner_admin,
            contract=contract,
            typed_name=" ",
            consent=False,
            document_sha256="nope",
        )
    assert set(refused.value.as_dict()) == {"typed_name", "consent", "document_sha256"}


def test_only_the_partners_own_admin_signs(
    tenant, contract, partner_sales, other_partner_admin, admin
):
    with pytest.raises(NotAllowed):
        sign(tenant=tenant, actor=partner_sales, contract=contract)
    with pytest.raises(NotAllowed):
        sign(tenant=tenant, actor=admin, contract=contract)
    with pytest.raises(NotFound):
        sign(tenant=tenant, actor=other_partner_admin, contract=contract)
    contract.refresh_from_db()
    assert contract.status == "issued"


# --- countersigning and verification ----------------------------------------------------------


def test_countersigning_restamps_and_keeps_the_partner_hash(tenant, admin, contract, partner_admin):
    signed = sign(tenant=tenant, actor=partner_admin, contract=contract, now=NOW)
    partner_hash = signed.signed_pdf_sha256

    done = contracts_services.countersign_contract(
        tenant=tenant, actor=admin, contract_id=contract.pk, now=NOW + datetime.timedelta(hours=1)
    )

    assert done.status == "countersigned"
    assert done.countersigned_by == admin.user
    assert done.partner_signed_pdf_sha256 == partner_hash
    assert done.signed_pdf_sha256 != partner_hash
    stamped = read(done.signed_pdf)
    assert hashlib.sha256(stamped).hexdigest() == done.signed_pdf_sha256
    last_page = PdfReader(io.BytesIO(stamped)).pages[-1].extract_text()
    assert "Sam Reyes" in last_page and "Countersigned for Acme Corp" in last_page
    assert page_count(stamped) == page_count(read(done.document)) + 1
    assert OutboxEvent.objects.for_tenant(tenant).filter(name="contract.countersigned").exists()
    with pytest.raises(Conflict):
        contracts_services.countersign_contract(tenant=tenant, actor=admin, contract_id=contract.pk)


def test_an_unsigned_contract_cannot_be_countersigned(tenant, admin, contract, partner_admin):
    with pytest.raises(Conflict):
        contracts_services.countersign_contract(tenant=tenant, actor=admin, contract_id=contract.pk)
    with pytest.raises(NotAllowed):
        contracts_services.countersign_contract(
            tenant=tenant, actor=partner_admin, contract_id=contract.pk
        )


def test_verification_detects_a_tampered_file(tenant, contract, partner_admin):
    signed = sign(tenant=tenant, actor=partner_admin, contract=contract, now=NOW)
    assert contracts_selectors.verify_contract(signed).is_intact

    with signed.signed_pdf.storage.open(signed.signed_pdf.name, "wb") as handle:
        handle.write(read(signed.signed_pdf).replace(b"Sam Reyes", b"Sam Reyex"))

    verification = contracts_selectors.verify_contract(signed)
    assert not verification.is_intact
    assert [check.matches for check in verification.checks] == [True, False]


def test_a_tampered_original_cannot_be_signed(tenant, contract, partner_admin):
    with contract.document.storage.open(contract.document.name, "wb") as handle:
        handle.write(read(contract.document) + b"\n% appended")

    with pytest.raises(Conflict) as refused:
        sign(tenant=tenant, actor=partner_admin, contract=contract)
    assert "no longer matches" in refused.value.message
    assert not contracts_selectors.verify_contract(contract).is_intact


# --- the selector other areas use -------------------------------------------------------------


def test_has_signed_contract(
    tenant, admin, template, contract, partner, other_partner, partner_admin
):
    other_template = make_template(tenant=tenant, actor=admin, name="Reseller Addendum")
    on = datetime.date(2026, 6, 1)
    assert not contracts_selectors.has_signed_contract(
        tenant=tenant, partner=partner, template=template, on=on
    )

    sign(tenant=tenant, actor=partner_admin, contract=contract, now=NOW)

    assert contracts_selectors.has_signed_contract(
        tenant=tenant, partner=partner, template=template, on=on
    )
    assert not contracts_selectors.has_signed_contract(
        tenant=tenant, partner=partner, template=other_template, on=on
    )
    assert not contracts_selectors.has_signed_contract(
        tenant=tenant, partner=other_partner, template=template, on=on
    )
    assert not contracts_selectors.has_signed_contract(
        tenant=tenant, partner=partner, template=template, on=datetime.date(2027, 3, 1)
    )
    assert contracts_selectors.signed_template_ids(tenant=tenant, partner=partner, on=on) == {
        template.pk
    }


def test_has_signed_contract_counts_any_version(tenant, admin, template, contract, partner_admin):
    sign(tenant=tenant, actor=partner_admin, contract=contract, now=NOW)
    contracts_services.update_template(
        tenant=tenant, actor=admin, template_id=template.pk, data={"body": "<p>v2 {{ tier }}</p>"}
    )

    assert contracts_selectors.has_signed_contract(
        tenant=tenant, partner=contract.partner, template=template, on=datetime.date(2026, 4, 1)
    )
