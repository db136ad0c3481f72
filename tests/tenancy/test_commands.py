"""The operator commands of API.md: output contract (last line), failures, the demo seed."""

import os
import signal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dealreg.models import Deal, DealMatch, DealStatus
from ecosystem.api.models import ApiToken
from ecosystem.api.services import token_for_key
from ecosystem.audit.models import AuditEntry
from ecosystem.outbox.models import OutboxEvent
from ecosystem.tenancy.models import Invitation, Membership, Tenant, User
from ecosystem.tenancy.roles import PARTNER_ROLES, STAFF_ROLES, Role
from mdf.demo_mdf import SOURCED_NOTE
from onboarding.models import ApplicationStatus, PartnerApplication
from partners.models import PartnerOrganisation, PartnerStatus, PartnerType, Tier
from partners.services import create_partner

pytestmark = pytest.mark.django_db


def run(*args, **options) -> list[str]:
    """Run a command; return its stdout lines."""
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue().splitlines()


# --- create_tenant ----------------------------------------------------------------------------


def test_create_tenant_prints_the_url_last():
    lines = run(
        "create_tenant",
        "newco",
        "--name",
        "NewCo",
        "--admin-email",
        "Boss@NewCo.example",
        "--admin-password",
        "a-long-password-1",
    )

    tenant = Tenant.objects.get(slug="newco")
    assert lines[-1] == tenant.get_base_url() + "/"
    assert "newco.localhost" in lines[-1]
    admin = Membership.objects.for_tenant(tenant).get()
    assert admin.role == Role.ADMIN
    assert admin.user.email == "boss@newco.example"
    assert admin.user.check_password("a-long-password-1")


def test_create_tenant_with_domain_and_no_password():
    lines = run(
        "create_tenant", "portal", "--name", "P", "--admin-email", "a@p.example",
        "--domain", "Partners.Example.com",
    )  # fmt: skip

    tenant = Tenant.objects.get(slug="portal")
    assert tenant.custom_domain == "partners.example.com"
    assert lines[-1].split("://")[1].startswith("partners.example.com")
    assert not User.objects.get(email="a@p.example").has_usable_password()
    assert any("changepassword" in line for line in lines)


def test_create_tenant_refuses_an_existing_slug(tenant):
    with pytest.raises(CommandError, match="already exists"):
        run("create_tenant", "acme", "--name", "Again", "--admin-email", "x@example.com")
    assert Tenant.objects.filter(slug="acme").count() == 1


@pytest.mark.parametrize("slug", ["Not_Valid!", "www", "-dash"])
def test_create_tenant_refuses_a_bad_slug(slug):
    with pytest.raises(CommandError, match="slug"):
        run("create_tenant", slug, "--name", "X", "--admin-email", "x@example.com")
    assert not Tenant.objects.exists()


def test_create_tenant_needs_name_and_admin_email():
    with pytest.raises(CommandError):
        run("create_tenant", "newco")


# --- create_api_token -------------------------------------------------------------------------


def test_create_api_token_prints_the_token_last(admin):
    lines = run("create_api_token", "--tenant", "acme", "--email", "ADMIN@acme.example",
                "--name", "CRM sync")  # fmt: skip

    raw = lines[-1]
    token = token_for_key(raw)
    assert token is not None
    assert token.membership == admin
    assert token.name == "CRM sync"
    assert token.key_hash != raw  # stored hashed, never in clear
    assert AuditEntry.objects.for_tenant(admin.tenant).filter(action="api_token.created").exists()


def test_create_api_token_for_a_partner_user(partner_admin):
    raw = run("create_api_token", "--tenant", "acme", "--email", "boss@northwind.example")[-1]
    assert token_for_key(raw).membership == partner_admin


def test_create_api_token_unknown_tenant(admin):
    with pytest.raises(CommandError, match="No tenant"):
        run("create_api_token", "--tenant", "nope", "--email", "admin@acme.example")


def test_create_api_token_unknown_member(admin, other_tenant, make_member):
    make_member(other_tenant, Role.ADMIN, email="outsider@globex.example")
    for email in ["nobody@acme.example", "outsider@globex.example"]:
        with pytest.raises(CommandError, match="not a member"):
            run("create_api_token", "--tenant", "acme", "--email", email)
    assert not ApiToken.objects.for_tenant(admin.tenant).exists()


def test_create_api_token_inactive_member(admin):
    admin.is_active = False
    admin.save()
    with pytest.raises(CommandError, match="no longer active"):
        run("create_api_token", "--tenant", "acme", "--email", "admin@acme.example")


# --- seed_demo --------------------------------------------------------------------------------


def counts() -> dict[str, int]:
    models = [Tenant, User, Membership, PartnerOrganisation, Tier, Invitation, AuditEntry,
              OutboxEvent]  # fmt: skip
    return {model.__name__: model._default_manager.count() for model in models}


def test_seed_demo_builds_a_complete_program():
    lines = run("seed_demo")

    tenant = Tenant.objects.get(slug="acme")
    assert tenant.name == "Acme Cloud"
    assert lines[-1] == tenant.get_base_url() + "/"
    members = Membership.objects.for_tenant(tenant).select_related("user")
    staff = {m.user.email: m.role for m in members if m.role in STAFF_ROLES}
    assert staff == {
        "admin@acme.example": Role.ADMIN,
        "channel.manager@acme.example": Role.CHANNEL_MANAGER,
        "marketing@acme.example": Role.MARKETING_MANAGER,
        "finance@acme.example": Role.FINANCE,
        "exec@acme.example": Role.EXECUTIVE,
    }
    assert [(t.name, t.rank) for t in Tier.objects.for_tenant(tenant)] == [
        ("Registered", 1), ("Silver", 2), ("Gold", 3), ("Platinum", 4),
    ]  # fmt: skip

    # The partners asked for; applicants (onboarding.PartnerApplication) come on top.
    partners = list(PartnerOrganisation.objects.for_tenant(tenant).filter(application=None))
    assert len(partners) == 12
    applications = PartnerApplication.objects.for_tenant(tenant)
    assert set(applications.values_list("status", flat=True)) == set(ApplicationStatus.values)
    assert applications.exclude(duplicates=[]).exists()
    assert {p.partner_type for p in partners} == set(PartnerType.values)
    assert {p.status for p in partners} == set(PartnerStatus.values)
    for partner in partners:
        roles = [m.role for m in members if m.partner_organisation_id == partner.pk]
        assert 1 <= len(roles) <= 3, partner
        assert set(roles) <= PARTNER_ROLES
        assert Role.PARTNER_ADMIN in roles
        assert partner.website.startswith("https://")

    northwind = members.get(user__email="partner@northwind.example")
    assert northwind.role == Role.PARTNER_ADMIN
    assert northwind.partner_organisation.name == "Northwind Systems"
    for membership in members:
        assert membership.user.check_password("demo-pass-2026")
        assert membership.user.emailaddress_set.get().verified

    pending = [i for i in Invitation.objects.for_tenant(tenant) if i.status == "pending"]
    assert len(pending) >= 3
    actions = set(AuditEntry.objects.for_tenant(tenant).values_list("action", flat=True))
    assert {"tenant.created", "partner.created", "partner.updated", "invitation.sent",
            "invitation.accepted", "invitation.revoked", "tier.created"} <= actions  # fmt: skip
    events = set(OutboxEvent.objects.for_tenant(tenant).values_list("name", flat=True))
    assert {"tenant.created", "partner.created", "partner.status_changed",
            "membership.created", "deal.registered", "deal.won"} <= events  # fmt: skip

    deals = Deal.objects.for_tenant(tenant)
    # 40 registrations, the deals MDF activities sourced, and leads partners converted.
    assert registrations(deals).count() == 40
    assert f"{deals.count()} deals" in lines[0]
    assert set(deals.values_list("status", flat=True)) >= {
        DealStatus.PENDING_REVIEW, DealStatus.APPROVED, DealStatus.WON, DealStatus.REJECTED,
    }  # fmt: skip
    assert DealMatch.objects.for_tenant(tenant).exists()


def test_seed_demo_is_idempotent():
    first = run("seed_demo", "--partners", "8")
    before = counts()

    second = run("seed_demo", "--partners", "8")

    assert counts() == before
    assert second[-1] == first[-1]
    assert "already exists" in second[0]


def test_seed_demo_is_deterministic_for_a_seed():
    def program(slug):
        tenant = Tenant.objects.get(slug=slug)
        partners = [
            (p.name, p.website, p.partner_type, p.status, str(p.country),
             p.tier.name if p.tier else None)
            for p in PartnerOrganisation.objects.for_tenant(tenant)
            .filter(application=None)
            .select_related("tier")
        ]  # fmt: skip
        people = sorted(
            (m.user.email, m.role, m.partner_organisation.name)
            for m in Membership.objects.for_tenant(tenant).filter(
                partner_organisation__isnull=False
            )
        )
        deals = sorted(
            (d.title, d.customer_name, d.status, d.amount) for d in Deal.objects.for_tenant(tenant)
        )
        return partners, people, deals

    run("seed_demo", "--tenant", "demo-a", "--seed", "7", "--partners", "7")
    run("seed_demo", "--tenant", "demo-b", "--seed", "7", "--partners", "7")
    run("seed_demo", "--tenant", "demo-c", "--seed", "8", "--partners", "7")

    assert program("demo-a") == program("demo-b")
    assert program("demo-a") != program("demo-c")
    assert len(program("demo-a")[0]) == 7


def registrations(deals):
    """The deals seed_demo's --deals option counts."""
    return deals.filter(leads__isnull=True).exclude(notes__startswith=SOURCED_NOTE)


def test_seed_demo_options():
    lines = run("seed_demo", "--tenant", "globex", "--partners", "3", "--deals", "5")

    tenant = Tenant.objects.get(slug="globex")
    assert lines[-1] == tenant.get_base_url() + "/"
    assert registrations(Deal.objects.for_tenant(tenant)).count() == 5
    assert PartnerOrganisation.objects.for_tenant(tenant).filter(application=None).count() == 3
    assert Membership.objects.for_tenant(tenant).filter(user__email="admin@globex.example").exists()


def test_seed_demo_refuses_negative_deals():
    with pytest.raises(CommandError, match="--deals"):
        run("seed_demo", "--deals", "-1")
    assert not Tenant.objects.exists()


def test_seed_demo_refuses_no_partners():
    with pytest.raises(CommandError, match="--partners"):
        run("seed_demo", "--partners", "0")
    assert not Tenant.objects.exists()


# --- run_scheduler ----------------------------------------------------------------------------


def test_run_scheduler_once_delivers_events(tenant, admin):
    create_partner(
        tenant=tenant,
        actor=admin.user,
        data={"name": "Initech", "partner_type": "isv", "country": "US"},
    )
    assert OutboxEvent.objects.for_tenant(tenant).filter(dispatched_at__isnull=True).exists()

    lines = run("run_scheduler", "--once")

    assert lines[-1] == "Delivered 1 event(s); completed 0 due item(s)."
    assert not OutboxEvent.objects.for_tenant(tenant).filter(dispatched_at__isnull=True).exists()


def test_run_scheduler_stops_on_sigterm(monkeypatch):
    runs = []

    def dispatch_then_terminate():
        runs.append(1)
        os.kill(os.getpid(), signal.SIGTERM)
        return 0

    monkeypatch.setattr(
        "ecosystem.tenancy.management.commands.run_scheduler.dispatch_pending",
        dispatch_then_terminate,
    )
    # Closing connections would end the test's transaction.
    monkeypatch.setattr(
        "ecosystem.tenancy.management.commands.run_scheduler.close_old_connections", lambda: None
    )
    handler_before = signal.getsignal(signal.SIGTERM)

    run("run_scheduler", "--interval", "3600")  # would wait an hour if SIGTERM were ignored

    assert runs == [1]
    assert signal.getsignal(signal.SIGTERM) == handler_before


def test_run_scheduler_rejects_a_bad_interval():
    with pytest.raises(CommandError, match="interval"):
        run("run_scheduler", "--interval", "0")
