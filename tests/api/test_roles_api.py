"""Each role gets exactly the API actions it should (partner roles on their own organisation)."""

import pytest

from ecosystem.tenancy.roles import Role

ALL_ROLES = [role.value for role in Role]
STAFF_MANAGERS = {Role.ADMIN, Role.CHANNEL_MANAGER}

# action -> roles allowed (others get 403)
EXPECTED = {
    "list_partners": set(ALL_ROLES),
    "read_own_partner": set(ALL_ROLES),
    "create_partner": STAFF_MANAGERS,
    "edit_partner": STAFF_MANAGERS | {Role.PARTNER_ADMIN},
    "invite_member": STAFF_MANAGERS | {Role.PARTNER_ADMIN},
    "list_members": set(ALL_ROLES),
    "list_tokens": set(ALL_ROLES),
}


def perform(action, client, partner):
    base = f"/api/v1/partners/{partner.pk}/"
    if action == "list_partners":
        return client.get("/api/v1/partners/")
    if action == "read_own_partner":
        return client.get(base)
    if action == "create_partner":
        return client.post(
            "/api/v1/partners/",
            {"name": "New Co", "partner_type": "isv", "country": "US"},
            format="json",
        )
    if action == "edit_partner":
        return client.patch(base, {"website": "https://changed.example"}, format="json")
    if action == "invite_member":
        return client.post(
            f"{base}members/",
            {"email": "new@northwind.example", "role": "partner_sales"},
            format="json",
        )
    if action == "list_members":
        return client.get(f"{base}members/")
    if action == "list_tokens":
        return client.get("/api/v1/tokens/")
    raise AssertionError(action)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_role_matrix(role, action, tenant, partner, make_member, api_client):
    member = make_member(tenant, role, partner if role.startswith("partner_") else None)
    response = perform(action, api_client(member), partner)
    allowed = role in {str(r) for r in EXPECTED[action]}
    if allowed:
        assert response.status_code in (200, 201), (role, action, response.content)
    else:
        assert response.status_code == 403, (role, action, response.status_code)
