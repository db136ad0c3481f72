"""The team page: staff list, staff invitations, removing access."""

from django.core import mail
from django.urls import reverse

from ecosystem.audit.models import AuditEntry
from ecosystem.tenancy.models import Invitation
from ecosystem.tenancy.roles import Role


def test_team_lists_staff_with_roles_and_pending_invitations(
    admin, channel_manager, partner_admin, invite, portal_client
):
    invite(admin, "soon@acme.example", "finance")
    invite(
        admin,
        "partnerperson@northwind.example",
        "partner_sales",
        partner_admin.partner_organisation,
    )
    response = portal_client(channel_manager).get(reverse("team"))
    body = response.content.decode()
    assert admin.user.email in body
    assert "Channel manager" in body
    assert "soon@acme.example" in body
    # Partner people and partner invitations belong to partner pages, not the team.
    assert partner_admin.user.email not in body
    assert "partnerperson@northwind.example" not in body
    # Channel managers read the team; only administrators change it.
    assert "Invite a colleague" not in body
    assert "/deactivate/" not in body
    assert "/revoke/" not in body


def test_admin_sees_invite_form_and_remove_buttons(admin, channel_manager, portal_client):
    body = portal_client(admin).get(reverse("team")).content.decode()
    assert "Invite a colleague" in body
    assert reverse("team_member_deactivate", args=[channel_manager.pk]) in body
    assert reverse("team_member_deactivate", args=[admin.pk]) not in body


def test_admin_invites_staff_by_email(
    admin, tenant, portal_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = portal_client(admin).post(
            reverse("team_invite"), {"email": "cfo@acme.example", "role": "finance"}, follow=True
        )
    assert "Invitation sent to cfo@acme.example" in response.content.decode()
    invitation = Invitation.objects.for_tenant(tenant).get(email="cfo@acme.example")
    assert invitation.role == Role.FINANCE
    assert invitation.partner_organisation is None
    assert [message.to for message in mail.outbox] == [["cfo@acme.example"]]
    assert AuditEntry.objects.for_tenant(tenant).filter(action="invitation.sent").exists()


def test_staff_invite_refuses_partner_roles_and_bad_emails(
    admin, channel_manager, tenant, portal_client
):
    client = portal_client(admin)
    partner_role = client.post(
        reverse("team_invite"), {"email": "a@b.example", "role": "partner_admin"}
    )
    assert "role" in partner_role.context["invite_form"].errors
    bad_email = client.post(reverse("team_invite"), {"email": "a@", "role": "finance"})
    assert "email" in bad_email.context["invite_form"].errors
    existing = client.post(
        reverse("team_invite"), {"email": channel_manager.user.email, "role": "finance"}
    )
    assert "already a member" in existing.context["invite_form"].errors["email"][0]
    assert not Invitation.objects.for_tenant(tenant).exists()


def test_admin_revokes_a_staff_invitation(admin, tenant, invite, portal_client):
    invitation = invite(admin, "soon@acme.example", "finance")
    response = portal_client(admin).post(
        reverse("team_invitation_revoke", args=[invitation.pk]), follow=True
    )
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert "was revoked" in response.content.decode()
    assert AuditEntry.objects.for_tenant(tenant).filter(action="invitation.revoked").exists()


def test_admin_removes_a_staff_member(admin, channel_manager, tenant, portal_client):
    response = portal_client(admin).post(
        reverse("team_member_deactivate", args=[channel_manager.pk]), follow=True
    )
    channel_manager.refresh_from_db()
    assert not channel_manager.is_active
    body = response.content.decode()
    assert "no longer has access" in body
    assert "Removed" in body
    assert AuditEntry.objects.for_tenant(tenant).filter(action="membership.deactivated").exists()


def test_admin_cannot_remove_themselves(admin, portal_client):
    response = portal_client(admin).post(
        reverse("team_member_deactivate", args=[admin.pk]), follow=True
    )
    admin.refresh_from_db()
    assert admin.is_active
    assert "You cannot remove your own access." in response.content.decode()


def test_partner_ids_are_not_reachable_through_team_actions(
    admin, partner, partner_sales, invite, portal_client
):
    invitation = invite(admin, "p@northwind.example", "partner_sales", partner)
    client = portal_client(admin)
    assert (
        client.post(reverse("team_member_deactivate", args=[partner_sales.pk])).status_code == 404
    )
    assert client.post(reverse("team_invitation_revoke", args=[invitation.pk])).status_code == 404


def test_team_query_count_does_not_grow(
    admin, tenant, make_member, invite, portal_client, django_assert_max_num_queries
):
    for number in range(30):
        make_member(tenant, Role.FINANCE, email=f"staff{number}@acme.example")
    for number in range(10):
        invite(admin, f"invitee{number}@acme.example", "executive")
    client = portal_client(admin)
    client.get(reverse("team"))
    # 6 for the request (host, tenant scope twice, session, user, membership), 3 for the page.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("team"))
    assert len(response.context["members"].object_list) == 31
