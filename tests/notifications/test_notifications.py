"""In-portal notifications: notify (rows + email after commit), read state, the page, the
top bar's bell, the API, and who hears about a partner."""

import pytest
from django.core import mail
from django.urls import reverse

from ecosystem.errors import NotFound
from ecosystem.notifications import selectors, services
from ecosystem.notifications.models import Notification
from ecosystem.tenancy.roles import Role

pytestmark = pytest.mark.django_db


def notify(tenant, users, **extra):
    return services.notify(
        tenant=tenant,
        recipients=users,
        kind=extra.pop("kind", "tier.promoted"),
        title=extra.pop("title", "Northwind reached Gold"),
        **extra,
    )


class TestNotify:
    def test_one_row_per_recipient_and_an_email_after_commit(
        self, tenant, admin, partner_admin, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            created = notify(
                tenant,
                [admin.user, partner_admin.user, admin.user, None],
                body="Congratulations.\nNew benefits apply now.",
                url="/tiers/",
            )
        assert len(created) == 2
        rows = Notification.objects.for_tenant(tenant).order_by("recipient__email")
        assert [row.recipient for row in rows] == [admin.user, partner_admin.user]
        assert {row.read_at for row in rows} == {None}
        assert sorted(message.to[0] for message in mail.outbox) == [
            "admin@acme.example",
            "boss@northwind.example",
        ]
        message = mail.outbox[0]
        assert message.subject == "Acme Corp: Northwind reached Gold"
        assert "://acme.localhost/tiers/" in message.body
        assert "New benefits apply now." in message.body
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html" and "Open in the portal" in html
        assert "New benefits apply now." in html

    def test_no_email_when_asked_or_when_rolled_back(
        self, tenant, admin, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            notify(tenant, [admin.user], send_email=False)
        assert mail.outbox == []
        assert Notification.objects.for_tenant(tenant).count() == 1

    def test_inactive_users_and_nobody_are_skipped(self, tenant, admin):
        admin.user.is_active = False
        admin.user.save()
        assert notify(tenant, [admin.user]) == []
        assert notify(tenant, []) == []
        assert not Notification.objects.for_tenant(tenant).exists()

    def test_one_insert_for_many_recipients(
        self, tenant, make_member, django_assert_max_num_queries
    ):
        users = [make_member(tenant, Role.FINANCE).user for _ in range(20)]
        with django_assert_max_num_queries(3):  # savepoint, INSERT, release
            notify(tenant, users, send_email=False)
        assert Notification.objects.for_tenant(tenant).count() == 20


class TestReadState:
    def test_mark_read_and_all(self, tenant, admin, partner_admin):
        first, _second = notify(tenant, [admin.user]) + notify(tenant, [admin.user])
        theirs = notify(tenant, [partner_admin.user])[0]
        assert selectors.unread_count(tenant=tenant, user=admin.user) == 2
        services.mark_read(tenant=tenant, user=admin.user, notification_id=first.pk)
        assert selectors.unread_count(tenant=tenant, user=admin.user) == 1
        assert services.mark_all_read(tenant=tenant, user=admin.user) == 1
        assert selectors.unread_count(tenant=tenant, user=admin.user) == 0
        theirs.refresh_from_db()
        assert theirs.read_at is None

    def test_someone_elses_or_another_tenants_is_not_found(
        self, tenant, other_tenant, admin, partner_admin, make_member
    ):
        theirs = notify(tenant, [partner_admin.user])[0]
        foreign_member = make_member(other_tenant, Role.ADMIN)
        foreign = notify(other_tenant, [foreign_member.user])[0]
        # The same person, a member of two tenants: each tenant shows only its own.
        same_person_elsewhere = make_member(other_tenant, Role.FINANCE)
        same_person_elsewhere.user = admin.user
        same_person_elsewhere.save()
        elsewhere = notify(other_tenant, [admin.user])[0]
        for notification in (theirs, foreign, elsewhere):
            with pytest.raises(NotFound):
                services.mark_read(tenant=tenant, user=admin.user, notification_id=notification.pk)
        assert list(selectors.inbox(tenant=tenant, user=admin.user)) == []
        assert services.mark_all_read(tenant=tenant, user=admin.user) == 0
        assert not Notification.objects.across_tenants().filter(read_at__isnull=False).exists()


class TestRecipients:
    def test_partner_admins(self, tenant, partner, partner_admin, partner_sales, make_member):
        second_admin = make_member(
            tenant, Role.PARTNER_ADMIN, partner, email="two@northwind.example"
        )
        gone = make_member(tenant, Role.PARTNER_ADMIN, partner, email="gone@northwind.example")
        gone.is_active = False
        gone.save()
        assert selectors.partner_admins(tenant=tenant, partner=partner) == [
            partner_admin.user,
            second_admin.user,
        ]

    def test_channel_manager_then_all_channel_managers_then_admins(
        self, tenant, partner, admin, make_member
    ):
        assert selectors.channel_managers_for(tenant=tenant, partner=partner) == [admin.user]
        first = make_member(tenant, Role.CHANNEL_MANAGER, email="cm1@acme.example")
        second = make_member(tenant, Role.CHANNEL_MANAGER, email="cm2@acme.example")
        assert selectors.channel_managers_for(tenant=tenant, partner=partner) == [
            first.user,
            second.user,
        ]
        partner.channel_manager = second
        partner.save()
        assert selectors.channel_managers_for(tenant=tenant, partner=partner) == [second.user]
        second.is_active = False
        second.save()
        assert selectors.channel_managers_for(tenant=tenant, partner=partner) == [first.user]


class TestPage:
    def test_lists_own_notifications_unread_highlighted(
        self, tenant, admin, partner_admin, portal_client, django_assert_max_num_queries
    ):
        for number in range(30):
            notify(tenant, [admin.user], title=f"News {number}", url="/tiers/")
        notify(tenant, [partner_admin.user], title="Not for the admin")
        client = portal_client(admin)
        client.get(reverse("notifications"))
        with django_assert_max_num_queries(9):
            response = client.get(reverse("notifications"))
        body = response.content.decode()
        assert response.status_code == 200
        assert "News 29" in body and "Not for the admin" not in body
        assert body.count("notification-unread") == 25  # first page
        assert 'class="bell-count">30<' in body
        assert "Page 1 of 2" in body

    def test_mark_one_read_and_open(self, tenant, admin, portal_client):
        notification = notify(tenant, [admin.user], url="/tiers/")[0]
        client = portal_client(admin)
        response = client.post(reverse("notification_read", args=[notification.pk]), {"open": "1"})
        assert response.status_code == 302 and response["Location"] == "/tiers/"
        notification.refresh_from_db()
        assert notification.read_at is not None
        response = client.get(reverse("notifications"))
        assert "notification-unread" not in response.content.decode()
        assert "bell-count" not in response.content.decode()

    def test_open_never_redirects_off_site(self, tenant, admin, portal_client):
        notification = notify(tenant, [admin.user], url="https://evil.example/")[0]
        response = portal_client(admin).post(
            reverse("notification_read", args=[notification.pk]), {"open": "1"}
        )
        assert response["Location"] == reverse("notifications")

    def test_mark_all_read(self, tenant, admin, portal_client):
        notify(tenant, [admin.user])
        notify(tenant, [admin.user])
        response = portal_client(admin).post(reverse("notifications_read_all"))
        assert response.status_code == 302
        assert selectors.unread_count(tenant=tenant, user=admin.user) == 0

    def test_someone_elses_is_404(self, tenant, admin, partner_admin, portal_client):
        theirs = notify(tenant, [partner_admin.user])[0]
        response = portal_client(admin).post(reverse("notification_read", args=[theirs.pk]))
        assert response.status_code == 404
        theirs.refresh_from_db()
        assert theirs.read_at is None

    def test_page_and_actions_need_sign_in_and_post(self, tenant, admin, portal_client):
        anonymous = portal_client(tenant=tenant)
        assert anonymous.get(reverse("notifications")).status_code == 302
        assert portal_client(admin).get(reverse("notifications_read_all")).status_code == 405

    def test_bell_is_only_for_signed_in_members(self, tenant, portal_client):
        response = portal_client(tenant=tenant).get(reverse("account_login"))
        assert 'class="bell"' not in response.content.decode()


class TestApi:
    def test_list_read_and_read_all(self, tenant, admin, partner_admin, api_client):
        mine = notify(tenant, [admin.user], url="/tiers/") + notify(tenant, [admin.user])
        notify(tenant, [partner_admin.user])
        client = api_client(admin)
        body = client.get("/api/v1/notifications/").json()
        assert [row["id"] for row in body["results"]] == [mine[1].pk, mine[0].pk]
        assert body["results"][0]["is_read"] is False
        response = client.post(f"/api/v1/notifications/{mine[0].pk}/read/")
        assert response.status_code == 200 and response.json()["is_read"] is True
        response = client.post("/api/v1/notifications/read-all/")
        assert response.json() == {"marked_read": 1}
        assert selectors.unread_count(tenant=tenant, user=partner_admin.user) == 1

    def test_list_query_count(
        self, tenant, partner_sales, api_client, django_assert_max_num_queries
    ):
        for number in range(30):
            notify(tenant, [partner_sales.user], title=f"News {number}")
        client = api_client(partner_sales)
        client.get("/api/v1/notifications/")
        with django_assert_max_num_queries(7):
            response = client.get("/api/v1/notifications/")
        assert len(response.json()["results"]) == 30

    def test_not_signed_in_is_401(self, tenant, api_client):
        assert api_client(tenant=tenant).get("/api/v1/notifications/").status_code == 401
