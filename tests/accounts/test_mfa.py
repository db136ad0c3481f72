import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client

from tests.conftest import host_of
from tests.tenancy.factories import PASSWORD


def current_code(secret: str) -> str:
    import time

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(client, email):
    return client.post("/accounts/login/", {"login": email, "password": PASSWORD})


def enrol_totp(client) -> str:
    # allauth asks for the password again before adding a second factor.
    reauthenticated = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert reauthenticated.status_code == 302
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200, page.status_code
    secret = page.context["form"].secret
    response = client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
    assert response.status_code == 302, response.content[:500]
    return secret


@pytest.mark.django_db
class TestMfa:
    def test_enrolment_then_sign_in_requires_the_second_factor(self, admin):
        client = Client(HTTP_HOST=host_of(admin.tenant))
        sign_in(client, admin.user.email)
        secret = enrol_totp(client)
        assert Authenticator.objects.filter(user=admin.user, type="totp").exists()
        assert Authenticator.objects.filter(user=admin.user, type="recovery_codes").exists()
        client.post("/accounts/logout/")

        fresh = Client(HTTP_HOST=host_of(admin.tenant))
        first_step = sign_in(fresh, admin.user.email)
        assert first_step.status_code == 302
        assert first_step["Location"].startswith("/accounts/2fa/authenticate/")
        assert fresh.get("/").status_code == 302  # not in yet
        wrong = fresh.post("/accounts/2fa/authenticate/", {"code": "000000"})
        assert wrong.status_code == 200
        assert fresh.get("/").status_code == 302
        # A fresh client so the accepted code is not a replay within the same window.
        second_step = fresh.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
        assert second_step.status_code == 302
        assert fresh.get("/").status_code == 200

    def test_recovery_code_works_once(self, admin):
        client = Client(HTTP_HOST=host_of(admin.tenant))
        sign_in(client, admin.user.email)
        enrol_totp(client)
        codes_page = client.get("/accounts/2fa/recovery-codes/").content.decode()
        code = re.findall(r"\b[0-9a-f]{8}\b", codes_page)[0]
        client.post("/accounts/logout/")
        again = Client(HTTP_HOST=host_of(admin.tenant))
        sign_in(again, admin.user.email)
        assert again.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
        assert again.get("/").status_code == 200

    def test_tenant_can_require_mfa_for_staff(self, admin, partner_sales):
        tenant = admin.tenant
        tenant.requires_mfa_for_staff = True
        tenant.save()
        staff = Client(HTTP_HOST=host_of(tenant))
        sign_in(staff, admin.user.email)
        response = staff.get("/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/totp/activate/"
        enrol_totp(staff)
        assert staff.get("/").status_code == 200
        # Partner users are not staff: the requirement does not apply to them.
        partner = Client(HTTP_HOST=host_of(tenant))
        sign_in(partner, partner_sales.user.email)
        assert partner.get("/").status_code == 200
