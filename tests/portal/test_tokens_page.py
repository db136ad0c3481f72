"""The API tokens page: create (shown once), list, revoke."""

from django.urls import reverse

from ecosystem.api.models import ApiToken
from ecosystem.api.services import token_for_key
from ecosystem.audit.models import AuditEntry


def test_empty_page_says_what_to_do(partner_sales, portal_client):
    body = portal_client(partner_sales).get(reverse("api_tokens")).content.decode()
    assert "You have no API tokens" in body


def test_create_shows_the_token_once(partner_sales, tenant, portal_client):
    client = portal_client(partner_sales)
    response = client.post(reverse("api_tokens"), {"name": "CRM sync"})
    assert response.status_code == 200
    raw = response.context["raw_token"]
    assert raw.startswith("eco_")
    body = response.content.decode()
    assert raw in body
    assert "only time it is shown" in body
    assert "no-store" in response["Cache-Control"]
    token = token_for_key(raw)
    assert token.membership == partner_sales
    assert AuditEntry.objects.for_tenant(tenant).filter(action="api_token.created").exists()
    # Listed afterwards, but the value is never shown again.
    again = client.get(reverse("api_tokens")).content.decode()
    assert "CRM sync" in again
    assert raw not in again
    assert f"eco_{token.prefix}_" in again


def test_create_needs_a_name(partner_sales, tenant, portal_client):
    response = portal_client(partner_sales).post(reverse("api_tokens"), {"name": "   "})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert response.context["raw_token"] is None
    assert not ApiToken.objects.for_tenant(tenant).exists()


def test_revoke_own_token(partner_sales, tenant, token_for, portal_client):
    token, raw = token_for(partner_sales, "Old script")
    response = portal_client(partner_sales).post(
        reverse("api_token_revoke", args=[token.pk]), follow=True
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token_for_key(raw) is None
    body = response.content.decode()
    assert "revoked" in body
    assert "Revoked" in body
    assert AuditEntry.objects.for_tenant(tenant).filter(action="api_token.revoked").exists()


def test_revoking_again_is_harmless(partner_sales, token_for, portal_client):
    token, _ = token_for(partner_sales)
    client = portal_client(partner_sales)
    client.post(reverse("api_token_revoke", args=[token.pk]))
    response = client.post(reverse("api_token_revoke", args=[token.pk]), follow=True)
    assert response.status_code == 200
    assert "already revoked" in response.content.decode()


def test_someone_elses_token_is_not_found(partner_sales, admin, token_for, portal_client):
    token, _ = token_for(admin)
    assert (
        portal_client(partner_sales).post(reverse("api_token_revoke", args=[token.pk])).status_code
        == 404
    )
    token.refresh_from_db()
    assert token.revoked_at is None
    # (Not a search of the page for "CI": a random CSRF token can contain it.)
    listed = portal_client(partner_sales).get(reverse("api_tokens")).context["page"].object_list
    assert token not in list(listed)


def test_tokens_page_query_count_does_not_grow(
    admin, token_for, portal_client, django_assert_max_num_queries
):
    for number in range(30):
        token_for(admin, f"Token {number}")
    client = portal_client(admin)
    client.get(reverse("api_tokens"))
    with django_assert_max_num_queries(9):
        response = client.get(reverse("api_tokens"))
    assert len(response.context["page"].object_list) == 25
