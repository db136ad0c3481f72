"""HTTP basics of API.md: idempotent creates, throttling, schema, health."""

import json
import subprocess
import sys

import pytest
from rest_framework.test import APIClient

from partners.models import PartnerOrganisation
from tests.conftest import host_of

BODY = {"name": "Initech", "partner_type": "msp", "country": "DE"}


@pytest.mark.django_db
class TestIdempotencyKey:
    def test_same_key_and_body_replays_the_first_response(self, admin, api_client):
        client = api_client(admin)
        first = client.post("/api/v1/partners/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        again = client.post("/api/v1/partners/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert again["Idempotent-Replayed"] == "true"
        assert PartnerOrganisation.objects.for_tenant(admin.tenant).count() == 1

    def test_same_key_different_body_is_refused(self, admin, api_client):
        client = api_client(admin)
        client.post("/api/v1/partners/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        other = client.post(
            "/api/v1/partners/",
            {**BODY, "name": "Other"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="k-2",
        )
        assert other.status_code == 422
        assert "idempotency_key" in other.json()
        assert PartnerOrganisation.objects.for_tenant(admin.tenant).count() == 1

    def test_keys_are_per_member(self, admin, channel_manager, api_client):
        api_client(admin).post(
            "/api/v1/partners/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="shared"
        )
        second = api_client(channel_manager).post(
            "/api/v1/partners/",
            {**BODY, "name": "Hooli"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="shared",
        )
        assert second.status_code == 201

    def test_failed_request_is_not_remembered(self, admin, api_client):
        client = api_client(admin)
        bad = client.post(
            "/api/v1/partners/",
            {**BODY, "country": "XX"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="k-3",
        )
        assert bad.status_code == 400
        good = client.post("/api/v1/partners/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
        assert good.status_code == 201

    def test_key_expires_after_24_hours(self, admin, api_client):
        import time_machine

        client = api_client(admin)
        with time_machine.travel("2026-01-01 09:00Z"):
            client.post("/api/v1/partners/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
        with time_machine.travel("2026-01-02 10:00Z"):
            later = client.post(
                "/api/v1/partners/",
                {**BODY, "name": "Hooli"},
                format="json",
                HTTP_IDEMPOTENCY_KEY="k-4",
            )
        assert later.status_code == 201

    def test_invitations_are_idempotent_too(self, admin, partner, api_client):
        client = api_client(admin)
        body = {"email": "x@northwind.example", "role": "partner_sales"}
        url = f"/api/v1/partners/{partner.pk}/members/"
        first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="inv")
        again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="inv")
        assert first.json() == again.json()


@pytest.mark.django_db
def test_throttling_answers_429(admin, api_client, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import UserRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "user": "3/minute"}
    original = UserRateThrottle.THROTTLE_RATES
    UserRateThrottle.THROTTLE_RATES = rates
    try:
        client = api_client(admin)
        statuses = [client.get("/api/v1/partners/").status_code for _ in range(5)]
    finally:
        UserRateThrottle.THROTTLE_RATES = original
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]


@pytest.mark.django_db
def test_oversized_body_is_413(admin, api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_client(admin).post(
        "/api/v1/partners/", {**BODY, "name": "x" * 5000}, format="json"
    )
    assert response.status_code == 413


def test_schema_generates_without_warnings():
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_schema_and_docs_are_served(tenant):
    client = APIClient(HTTP_HOST=host_of(tenant))
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert "/api/v1/partners/" in paths and "/api/v1/partners/{id}/members/" in paths
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["localhost", "acme.localhost", "10.0.0.5", "unknown.example"])
def test_healthz_on_any_host(tenant, host):
    response = APIClient(HTTP_HOST=host).get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_healthz_reports_an_unreachable_broker(settings, tenant):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = APIClient(HTTP_HOST="localhost").get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "unavailable"
