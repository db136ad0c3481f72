from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from ecosystem.tenancy import services
from ecosystem.tenancy.models import Invitation, Membership, User
from ecosystem.tenancy.roles import Role
from tests.conftest import host_of
from tests.tenancy.factories import PASSWORD


@pytest.fixture
def invite(admin, partner, django_capture_on_commit_callbacks):
    """invite(email) -> (invitation, raw token taken from the emailed link)."""

    def make(email="newbie@northwind.example", role=Role.PARTNER_SALES):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = services.invite_member(
                tenant=admin.tenant,
                actor=admin.user,
                actor_membership=admin,
                email=email,
                role=role,
                partner_organisation=partner,
            )
        link = next(line for line in mail.outbox[-1].body.splitlines() if "/invitations/" in line)
        return invitation, link.rstrip("/").rsplit("/", 1)[-1]

    return make


@pytest.mark.django_db
class TestInvitationAcceptance:
    def test_new_person_accepts_and_is_signed_in(self, invite, partner):
        invitation, token = invite()
        client = Client(HTTP_HOST=host_of(partner.tenant))
        page = client.get(f"/invitations/{token}/")
        assert page.status_code == 200 and b"Northwind Systems" in page.content
        response = client.post(
            f"/invitations/{token}/", {"full_name": "Nia Newbie", "password": "a-long-passphrase-9"}
        )
        assert response.status_code == 302
        member = Membership.objects.for_tenant(partner.tenant).get(user__email=invitation.email)
        assert member.role == Role.PARTNER_SALES and member.partner_organisation == partner
        assert member.user.full_name == "Nia Newbie"
        assert client.get("/").status_code == 200  # signed in, email counts as verified

    def test_weak_password_is_refused_with_a_field_error(self, invite, partner):
        _, token = invite()
        client = Client(HTTP_HOST=host_of(partner.tenant))
        response = client.post(f"/invitations/{token}/", {"full_name": "N", "password": "123"})
        assert response.status_code == 200
        assert "password" in response.context["form"].errors
        assert not User.objects.filter(email="newbie@northwind.example").exists()

    def test_link_works_once(self, invite, partner):
        _, token = invite()
        client = Client(HTTP_HOST=host_of(partner.tenant))
        client.post(f"/invitations/{token}/", {"full_name": "N", "password": "a-long-passphrase-9"})
        reused = Client(HTTP_HOST=host_of(partner.tenant)).get(f"/invitations/{token}/")
        assert reused.status_code == 410
        assert b"already been used" in reused.content

    def test_expired_link_is_refused(self, invite, partner):
        invitation, token = invite()
        Invitation.objects.for_tenant(partner.tenant).filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        client = Client(HTTP_HOST=host_of(partner.tenant))
        assert client.get(f"/invitations/{token}/").status_code == 410
        posted = client.post(
            f"/invitations/{token}/", {"full_name": "N", "password": "a-long-passphrase-9"}
        )
        assert posted.status_code == 410
        assert not User.objects.filter(email=invitation.email).exists()

    def test_invitation_is_valid_for_seven_days(self, invite):
        invitation, _ = invite()
        assert invitation.expires_at - invitation.created_at == pytest.approx(
            timedelta(days=7), abs=timedelta(seconds=5)
        )

    def test_revoked_link_is_refused(self, invite, admin, partner):
        invitation, token = invite()
        services.revoke_invitation(tenant=admin.tenant, actor=admin.user, invitation=invitation)
        assert (
            Client(HTTP_HOST=host_of(partner.tenant)).get(f"/invitations/{token}/").status_code
            == 410
        )

    def test_link_is_404_on_another_tenants_host(self, invite, other_tenant):
        _, token = invite()
        assert (
            Client(HTTP_HOST=host_of(other_tenant)).get(f"/invitations/{token}/").status_code == 404
        )

    def test_unknown_token_is_404(self, tenant):
        assert Client(HTTP_HOST=host_of(tenant)).get("/invitations/nope/").status_code == 404

    def test_existing_account_accepts_after_signing_in(self, invite, partner):
        from tests.tenancy.factories import UserFactory

        person = UserFactory(email="seller@northwind.example")
        _, token = invite(email=person.email)
        client = Client(HTTP_HOST=host_of(partner.tenant))
        assert b"Sign in to accept" in client.get(f"/invitations/{token}/").content
        client.force_login(person)
        assert client.post(f"/invitations/{token}/").status_code == 302
        assert Membership.objects.for_tenant(partner.tenant).filter(user=person).exists()

    def test_signed_in_as_someone_else_cannot_take_the_invitation(
        self, invite, partner, partner_admin
    ):
        _, token = invite()
        client = Client(HTTP_HOST=host_of(partner.tenant))
        client.force_login(partner_admin.user)
        response = client.post(f"/invitations/{token}/")
        assert response.status_code == 200
        assert b"This invitation is for newbie@northwind.example" in response.content
        assert (
            not Membership.objects.for_tenant(partner.tenant)
            .filter(user__email="newbie@northwind.example")
            .exists()
        )

    def test_accepting_is_audited(self, invite, partner):
        from ecosystem.audit.models import AuditEntry

        _, token = invite()
        Client(HTTP_HOST=host_of(partner.tenant)).post(
            f"/invitations/{token}/", {"full_name": "N", "password": "a-long-passphrase-9"}
        )
        actions = set(
            AuditEntry.objects.for_tenant(partner.tenant).values_list("action", flat=True)
        )
        assert {"invitation.sent", "invitation.accepted", "membership.created"} <= actions


@pytest.mark.django_db
def test_only_admins_invite_staff(channel_manager, admin):
    from ecosystem.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.invite_member(
            tenant=admin.tenant,
            actor=channel_manager.user,
            actor_membership=channel_manager,
            email="x@acme.example",
            role=Role.FINANCE,
        )
    invitation = services.invite_member(
        tenant=admin.tenant,
        actor=admin.user,
        actor_membership=admin,
        email="x@acme.example",
        role=Role.FINANCE,
    )
    assert invitation.partner_organisation is None


@pytest.mark.django_db
def test_same_person_belongs_to_two_tenants(admin, other_tenant):
    from tests.tenancy.factories import MembershipFactory

    MembershipFactory(tenant=other_tenant, user=admin.user, role=Role.EXECUTIVE)
    for tenant in (admin.tenant, other_tenant):
        client = Client(HTTP_HOST=host_of(tenant))
        client.post("/accounts/login/", {"login": admin.user.email, "password": PASSWORD})
        assert client.get("/").status_code == 200
