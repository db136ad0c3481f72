import pytest
from django.test import Client

from ecosystem.tenancy.roles import Role
from tests.conftest import host_of
from tests.tenancy.factories import PASSWORD


def sign_in(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


@pytest.mark.django_db
class TestSignIn:
    def test_member_signs_in_and_reaches_home(self, admin):
        client = Client(HTTP_HOST=host_of(admin.tenant))
        response = sign_in(client, admin.user.email)
        assert response.status_code == 302 and response["Location"] == "/"
        assert client.get("/").status_code == 200

    def test_wrong_password_is_refused(self, admin):
        client = Client(HTTP_HOST=host_of(admin.tenant))
        response = sign_in(client, admin.user.email, "wrong")
        assert response.status_code == 200
        assert client.get("/").status_code == 302

    def test_person_without_membership_cannot_enter(self, tenant, other_tenant, make_member):
        outsider = make_member(other_tenant, Role.ADMIN)
        client = Client(HTTP_HOST=host_of(tenant))
        response = sign_in(client, outsider.user.email)
        assert response.status_code == 403
        assert b"not a member" in response.content
        assert client.get("/").status_code == 302  # still signed out

    def test_deactivated_member_cannot_enter(self, admin, partner_sales):
        partner_sales.is_active = False
        partner_sales.save()
        client = Client(HTTP_HOST=host_of(partner_sales.tenant))
        assert sign_in(client, partner_sales.user.email).status_code == 403

    def test_sign_out(self, admin, portal_client):
        client = portal_client(admin)
        assert client.post("/accounts/logout/").status_code == 302
        assert client.get("/").status_code == 302

    def test_session_is_bound_to_the_tenant_it_signed_in_on(self, admin, other_tenant):
        client = Client(HTTP_HOST=host_of(admin.tenant))
        sign_in(client, admin.user.email)
        # The same session cookie presented on another tenant's host is signed out there.
        response = client.get("/", HTTP_HOST=host_of(other_tenant))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
        assert client.get("/").status_code == 302

    def test_platform_home_lists_the_persons_programs(self, admin, other_tenant):
        from tests.tenancy.factories import MembershipFactory

        MembershipFactory(tenant=other_tenant, user=admin.user, role=Role.FINANCE)
        client = Client(HTTP_HOST="localhost")
        assert b"Sign in" in client.get("/").content
        sign_in(client, admin.user.email)
        page = client.get("/").content.decode()
        assert "Acme Corp" in page and "Globex" in page
        assert "://acme.localhost" in page and "://globex.localhost" in page

    def test_password_reset_sends_an_email(self, admin):
        from django.core import mail

        client = Client(HTTP_HOST=host_of(admin.tenant))
        response = client.post("/accounts/password/reset/", {"email": admin.user.email})
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        assert "acme.localhost" in mail.outbox[0].body

    def test_sign_up_is_closed_outside_invitations(self, tenant):
        client = Client(HTTP_HOST=host_of(tenant))
        response = client.get("/accounts/signup/")
        assert b"closed" in response.content.lower()


@pytest.mark.django_db
def test_unverified_email_must_be_confirmed_before_entering(tenant, make_member):
    import re

    from allauth.account.models import EmailAddress
    from django.core import mail

    member = make_member(tenant, Role.FINANCE, email="new.finance@acme.example")
    EmailAddress.objects.filter(user=member.user).update(verified=False)
    client = Client(HTTP_HOST=host_of(tenant))
    response = sign_in(client, member.user.email)
    assert response.status_code == 302 and "confirm-email" in response["Location"]
    assert client.get("/").status_code == 302
    link = re.search(
        r"https?://acme\.localhost\S*/accounts/confirm-email/\S+", mail.outbox[-1].body
    )
    assert link, mail.outbox[-1].body
    path = link.group(0).split("acme.localhost", 1)[1]
    client.post(path)
    assert EmailAddress.objects.get(user=member.user).verified
    sign_in(client, member.user.email)
    assert client.get("/").status_code == 200
