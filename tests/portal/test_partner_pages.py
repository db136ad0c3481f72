"""Partner pages: create, detail, edit, invite, revoke, remove access."""

import pytest
from django.core import mail
from django.urls import reverse

from ecosystem.audit.models import AuditEntry
from ecosystem.tenancy.models import Invitation, Membership
from ecosystem.tenancy.roles import Role
from partners.models import PartnerOrganisation, PartnerStatus
from tests.partners.factories import PartnerOrganisationFactory, TierFactory

VALID_PARTNER = {
    "name": "Fabrikam Integrations",
    "website": "https://fabrikam.example",
    "partner_type": "gsi",
    "country": "DE",
    "status": "active",
    "tier": "",
}


def audit_actions(tenant):
    return list(AuditEntry.objects.for_tenant(tenant).values_list("action", flat=True))


# --- create ---------------------------------------------------------------------------------


def test_create_form_lists_choices(admin, portal_client):
    response = portal_client(admin).get(reverse("partners:create"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="country"' in body
    assert "Germany" in body
    assert "Global systems integrator" in body


def test_staff_create_a_partner_and_land_on_its_page(admin, tenant, portal_client):
    tier = TierFactory(tenant=tenant, name="Gold")
    response = portal_client(admin).post(
        reverse("partners:create"), {**VALID_PARTNER, "tier": tier.pk}, follow=True
    )
    partner = PartnerOrganisation.objects.for_tenant(tenant).get(name="Fabrikam Integrations")
    assert response.redirect_chain[-1][0] == reverse("partners:detail", args=[partner.pk])
    assert partner.country.code == "DE"
    assert partner.status == PartnerStatus.ACTIVE
    assert partner.tier == tier
    assert "Fabrikam Integrations was added" in response.content.decode()
    assert "partner.created" in audit_actions(tenant)


def test_duplicate_name_is_an_error_on_the_name_field(admin, partner, tenant, portal_client):
    response = portal_client(admin).post(
        reverse("partners:create"), {**VALID_PARTNER, "name": partner.name}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        f"A partner named “{partner.name}” already exists."
    ]
    assert PartnerOrganisation.objects.for_tenant(tenant).filter(name=partner.name).count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("website", "not a url"),
        ("partner_type", "pirate"),
        ("country", "XX"),
        ("status", "deleted"),
        ("tier", "999999"),
        ("tier", "abc"),
    ],
)
def test_bad_input_shows_an_error_next_to_the_field(field, value, admin, tenant, portal_client):
    response = portal_client(admin).post(
        reverse("partners:create"), {**VALID_PARTNER, field: value}
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not PartnerOrganisation.objects.for_tenant(tenant).exists()


def test_another_tenants_tier_cannot_be_chosen(admin, other_tenant, tenant, portal_client):
    foreign_tier = TierFactory(tenant=other_tenant)
    response = portal_client(admin).post(
        reverse("partners:create"), {**VALID_PARTNER, "tier": foreign_tier.pk}
    )
    assert "tier" in response.context["form"].errors


# --- detail ---------------------------------------------------------------------------------


def test_detail_shows_profile_people_and_invitations(
    admin, partner, partner_admin, partner_sales, invite, portal_client
):
    invite(admin, "newbie@northwind.example", "partner_marketing", partner)
    response = portal_client(admin).get(reverse("partners:detail", args=[partner.pk]))
    body = response.content.decode()
    assert partner.name in body
    assert partner_admin.user.email in body
    assert partner_sales.user.email in body
    assert "newbie@northwind.example" in body
    assert "Invite a person" in body
    assert reverse("partners:edit", args=[partner.pk]) in body
    assert reverse("partners:member_deactivate", args=[partner.pk, partner_sales.pk]) in body


def test_partner_admin_sees_management_but_not_a_button_to_remove_themselves(
    partner, partner_admin, partner_sales, portal_client
):
    body = (
        portal_client(partner_admin)
        .get(reverse("partners:detail", args=[partner.pk]))
        .content.decode()
    )
    assert "Invite a person" in body
    assert reverse("partners:edit", args=[partner.pk]) in body
    assert reverse("partners:member_deactivate", args=[partner.pk, partner_sales.pk]) in body
    assert reverse("partners:member_deactivate", args=[partner.pk, partner_admin.pk]) not in body


@pytest.mark.parametrize("role", [Role.PARTNER_SALES, Role.FINANCE, Role.EXECUTIVE])
def test_readers_get_no_management_controls(
    role, tenant, partner, partner_admin, make_member, portal_client
):
    reader = make_member(tenant, role, partner if role == Role.PARTNER_SALES else None)
    body = portal_client(reader).get(reverse("partners:detail", args=[partner.pk])).content.decode()
    assert "Invite a person" not in body
    assert reverse("partners:edit", args=[partner.pk]) not in body
    assert "/deactivate/" not in body
    assert "/revoke/" not in body


def test_empty_partner_page_says_what_to_do(admin, partner, portal_client):
    body = portal_client(admin).get(reverse("partners:detail", args=[partner.pk])).content.decode()
    assert "No one has joined yet" in body
    assert "Invite the first person" in body


def test_detail_has_no_inline_styles_or_scripts(admin, partner, partner_sales, portal_client):
    body = portal_client(admin).get(reverse("partners:detail", args=[partner.pk])).content.decode()
    assert "style=" not in body
    assert "<script>" not in body


# --- edit -----------------------------------------------------------------------------------


def test_staff_edit_every_field(channel_manager, partner, tenant, portal_client):
    tier = TierFactory(tenant=tenant, name="Platinum")
    response = portal_client(channel_manager).post(
        reverse("partners:edit", args=[partner.pk]),
        {
            **VALID_PARTNER,
            "status": "suspended",
            "status_reason": "Agreement lapsed.",
            "tier": tier.pk,
        },
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert (partner.name, partner.status, partner.tier, partner.partner_type) == (
        "Fabrikam Integrations",
        "suspended",
        tier,
        "gsi",
    )
    entry = AuditEntry.objects.for_tenant(tenant).get(action="partner.updated")
    assert entry.changes["status"] == ["active", "suspended"]


def test_edit_form_starts_with_current_values(admin, partner, portal_client):
    form = portal_client(admin).get(reverse("partners:edit", args=[partner.pk])).context["form"]
    assert form["name"].value() == partner.name
    assert form["country"].value() == "GB"


def test_partner_admin_edits_only_profile_fields(partner_admin, partner, tenant, portal_client):
    tier = TierFactory(tenant=tenant)
    response = portal_client(partner_admin).post(
        reverse("partners:edit", args=[partner.pk]),
        {
            "name": "Northwind Group",
            "website": "https://northwind.example",
            "country": "FR",
            "status": "offboarded",
            "tier": tier.pk,
            "partner_type": "gsi",
        },
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.name == "Northwind Group"
    assert partner.country.code == "FR"
    assert partner.status == PartnerStatus.ACTIVE
    assert partner.tier is None
    assert partner.partner_type == "var"


def test_partner_admin_sees_vendor_fields_read_only(partner_admin, partner, portal_client):
    response = portal_client(partner_admin).get(reverse("partners:edit", args=[partner.pk]))
    assert set(response.context["form"].fields) == {
        "name",
        "website",
        "country",
        "description",
        "logo",
        "regions",
        "countries_served",
        "industries",
        "capacity",
        "primary_contact",
        "is_listed",
        "listed_fields",
        "public_contact_email",
    }
    body = response.content.decode()
    assert 'name="status"' not in body
    assert "Managed by the program" in body


def test_renaming_onto_another_partner_is_a_name_error(
    admin, partner, other_partner, portal_client
):
    response = portal_client(admin).post(
        reverse("partners:edit", args=[partner.pk]), {**VALID_PARTNER, "name": other_partner.name}
    )
    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["name"][0]


# --- invite, revoke, remove access -----------------------------------------------------------


@pytest.mark.parametrize("actor", ["channel_manager", "partner_admin"])
def test_invite_sends_an_email(
    actor, request, partner, tenant, portal_client, django_capture_on_commit_callbacks
):
    member = request.getfixturevalue(actor)
    with django_capture_on_commit_callbacks(execute=True):
        response = portal_client(member).post(
            reverse("partners:invite", args=[partner.pk]),
            {"email": "Newbie@Northwind.example", "role": "partner_sales"},
            follow=True,
        )
    assert response.status_code == 200
    assert "Invitation sent to newbie@northwind.example" in response.content.decode()
    invitation = Invitation.objects.for_tenant(tenant).get(email="newbie@northwind.example")
    assert invitation.partner_organisation == partner
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["newbie@northwind.example"]
    assert "/invitations/" in mail.outbox[0].body
    assert "invitation.sent" in audit_actions(tenant)


def test_invite_errors_show_next_to_the_field(admin, partner, partner_sales, tenant, portal_client):
    client = portal_client(admin)
    url = reverse("partners:invite", args=[partner.pk])
    bad_email = client.post(url, {"email": "not-an-email", "role": "partner_sales"})
    assert bad_email.status_code == 200
    assert "email" in bad_email.context["invite_form"].errors
    staff_role = client.post(url, {"email": "x@y.example", "role": "admin"})
    assert "role" in staff_role.context["invite_form"].errors
    existing = client.post(url, {"email": partner_sales.user.email, "role": "partner_sales"})
    assert "already a member" in existing.context["invite_form"].errors["email"][0]
    assert not Invitation.objects.for_tenant(tenant).exists()


def test_invite_with_htmx_returns_the_people_section(admin, partner, portal_client):
    response = portal_client(admin).post(
        reverse("partners:invite", args=[partner.pk]),
        {"email": "htmx@northwind.example", "role": "partner_marketing"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<div id="people"')
    assert "htmx@northwind.example" in body
    assert "Invitation sent" in body
    assert "<html" not in body


def test_invite_errors_with_htmx_stay_in_the_section(admin, partner, portal_client):
    response = portal_client(admin).post(
        reverse("partners:invite", args=[partner.pk]),
        {"email": "nope", "role": "partner_sales"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Enter a valid email address" in response.content.decode()


def test_revoke_invitation(admin, partner, tenant, invite, portal_client):
    invitation = invite(admin, "gone@northwind.example", "partner_sales", partner)
    response = portal_client(admin).post(
        reverse("partners:invitation_revoke", args=[partner.pk, invitation.pk]), follow=True
    )
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert "was revoked" in response.content.decode()
    assert "invitation.revoked" in audit_actions(tenant)


def test_revoking_twice_says_why_it_cannot(admin, partner, invite, portal_client):
    invitation = invite(admin, "gone@northwind.example", "partner_sales", partner)
    client = portal_client(admin)
    url = reverse("partners:invitation_revoke", args=[partner.pk, invitation.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert "This invitation is revoked." in response.content.decode()


def test_revoke_with_htmx_refreshes_the_section(partner_admin, partner, invite, portal_client):
    invitation = invite(partner_admin, "gone@northwind.example", "partner_sales", partner)
    response = portal_client(partner_admin).post(
        reverse("partners:invitation_revoke", args=[partner.pk, invitation.pk]),
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert body.startswith('<div id="people"')
    assert "No open invitations." in body


def test_partner_admin_removes_a_colleague(
    partner_admin, partner_sales, partner, tenant, portal_client
):
    response = portal_client(partner_admin).post(
        reverse("partners:member_deactivate", args=[partner.pk, partner_sales.pk]), follow=True
    )
    partner_sales.refresh_from_db()
    assert partner_sales.is_active is False
    assert "no longer has access" in response.content.decode()
    assert "membership.deactivated" in audit_actions(tenant)
    # Without access, the removed person is refused.
    assert portal_client(partner_sales).get("/").status_code == 403


def test_nobody_removes_their_own_access(partner_admin, partner, portal_client):
    response = portal_client(partner_admin).post(
        reverse("partners:member_deactivate", args=[partner.pk, partner_admin.pk]), follow=True
    )
    partner_admin.refresh_from_db()
    assert partner_admin.is_active is True
    assert "You cannot remove your own access." in response.content.decode()


def test_staff_membership_cannot_be_removed_through_a_partner_url(
    admin, channel_manager, partner, portal_client
):
    response = portal_client(admin).post(
        reverse("partners:member_deactivate", args=[partner.pk, channel_manager.pk])
    )
    assert response.status_code == 404
    channel_manager.refresh_from_db()
    assert channel_manager.is_active


def test_members_list_is_paginated(admin, tenant, partner, make_member, portal_client):
    for number in range(55):
        make_member(tenant, Role.PARTNER_SALES, partner, email=f"p{number:02d}@northwind.example")
    first = portal_client(admin).get(reverse("partners:detail", args=[partner.pk]))
    assert len(first.context["members"].object_list) == 50
    second = portal_client(admin).get(reverse("partners:detail", args=[partner.pk]), {"page": 2})
    assert len(second.context["members"].object_list) == 5
    garbage = portal_client(admin).get(reverse("partners:detail", args=[partner.pk]), {"page": "x"})
    assert garbage.status_code == 200


# --- list -----------------------------------------------------------------------------------


def test_partner_list_query_count_does_not_grow(
    admin, tenant, partner, make_member, portal_client, django_assert_max_num_queries
):
    for _ in range(30):
        organisation = PartnerOrganisationFactory(tenant=tenant, tier=TierFactory(tenant=tenant))
        make_member(tenant, Role.PARTNER_SALES, organisation)
    client = portal_client(admin)
    client.get(reverse("partners:list"))  # warm the session
    # 8 for the page, plus the filter options: tiers, channel managers, specialisations.
    with django_assert_max_num_queries(12):
        response = client.get(reverse("partners:list"))
    assert len(response.context["page"].object_list) == 25


@pytest.mark.parametrize(
    "params",
    [{"page": "999"}, {"page": "-1"}, {"type": "nope"}, {"status": "x" * 500}, {"q": "\x00"}],
)
def test_partner_list_survives_odd_parameters(params, admin, partner, portal_client):
    assert portal_client(admin).get(reverse("partners:list"), params).status_code == 200


def test_membership_count_unchanged_by_failed_actions(admin, partner, tenant, portal_client):
    before = Membership.objects.for_tenant(tenant).count()
    portal_client(admin).post(reverse("partners:invite", args=[partner.pk]), {})
    assert Membership.objects.for_tenant(tenant).count() == before


def test_member_pagination_links_point_at_the_partner_page(
    admin, tenant, partner, make_member, portal_client
):
    for number in range(51):
        make_member(tenant, Role.PARTNER_SALES, partner, email=f"p{number:02d}@northwind.example")
    # A refused invitation (no JavaScript) re-renders the page at the invite URL.
    response = portal_client(admin).post(reverse("partners:invite", args=[partner.pk]), {})
    detail = reverse("partners:detail", args=[partner.pk])
    assert f'href="{detail}?page=2"' in response.content.decode()


def test_invite_requires_choosing_a_role(admin, partner, portal_client):
    response = portal_client(admin).post(
        reverse("partners:invite", args=[partner.pk]), {"email": "someone@northwind.example"}
    )
    assert response.context["invite_form"].errors["role"] == ["Choose what the person will do."]
