"""Who may open each portal page and use each action: one row per (page, role)."""

import pytest
from django.urls import reverse

from ecosystem.tenancy.roles import Role

from .conftest import ALL_ROLE_NAMES, PARTNER_ROLE_NAMES, STAFF_ROLE_NAMES

STAFF = set(STAFF_ROLE_NAMES)
EVERYONE = set(ALL_ROLE_NAMES)
PARTNER_MANAGERS = {"admin", "channel_manager"}
ADMINS = {"admin"}

# (url name, needs the partner's id, roles that get 200; every other role gets 403)
PAGES = [
    ("home", False, EVERYONE),
    ("partners:list", False, STAFF),
    ("applications:queue", False, STAFF),
    ("applications:profile", False, STAFF),
    ("partners:create", False, PARTNER_MANAGERS),
    ("partners:detail", True, EVERYONE),
    ("partners:edit", True, PARTNER_MANAGERS | {"partner_admin"}),
    ("partners:directory", False, EVERYONE),
    ("partners:specialisations", False, PARTNER_MANAGERS),
    ("team", False, STAFF),
    ("settings_branding", False, ADMINS),
    ("settings_security", False, ADMINS),
    ("audit_log", False, ADMINS),
    ("api_tokens", False, EVERYONE),
    ("notifications", False, EVERYONE),
    ("program_tiers", False, EVERYONE),
    ("settings_tiers", False, PARTNER_MANAGERS),
    ("settings_tier_create", False, PARTNER_MANAGERS),
    ("mdf:home", False, EVERYONE),
    ("mdf:review", False, {"admin", "channel_manager", "marketing_manager"}),
    ("mdf:request_new", False, {"partner_admin", "partner_marketing"}),
    ("mdf_finance:funds", False, {"admin", "finance", "channel_manager", "marketing_manager"}),
    ("mdf_finance:payouts", False, {"admin", "finance"}),
    ("mdf_finance:roi", False, EVERYONE),
    ("mdf_finance:settings", False, {"admin", "finance"}),
]


def _url(name, needs_partner, partner):
    return reverse(name, args=[partner.pk] if needs_partner else [])


@pytest.mark.parametrize(
    ("name", "needs_partner", "role", "expected"),
    [
        (name, needs_partner, role, 200 if role in allowed else 403)
        for name, needs_partner, allowed in PAGES
        for role in ALL_ROLE_NAMES
    ],
)
def test_page_status_by_role(
    name, needs_partner, role, expected, member_of_role, partner, portal_client
):
    member = member_of_role(role)
    response = portal_client(member).get(_url(name, needs_partner, partner))
    assert response.status_code == expected


@pytest.mark.parametrize(("name", "needs_partner"), [(name, np) for name, np, _ in PAGES])
def test_page_sends_anonymous_people_to_sign_in(
    name, needs_partner, tenant, partner, portal_client
):
    url = _url(name, needs_partner, partner)
    response = portal_client(tenant=tenant).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_my_organisation_redirects_partner_admin_only(member_of_role, partner, portal_client):
    response = portal_client(member_of_role("partner_admin")).get(reverse("partners:mine"))
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:detail", args=[partner.pk])
    assert (
        portal_client(member_of_role("partner_sales")).get(reverse("partners:mine")).status_code
        == 403
    )


MEMBER_MANAGERS = PARTNER_MANAGERS | {"partner_admin"}

# (action, roles allowed): allowed roles are redirected back (302), others get 403.
ACTIONS = [
    ("partners:invite", MEMBER_MANAGERS),
    ("partners:invitation_revoke", MEMBER_MANAGERS),
    ("partners:member_deactivate", MEMBER_MANAGERS),
    ("team_invite", ADMINS),
    ("team_invitation_revoke", ADMINS),
    ("team_member_deactivate", ADMINS),
    ("api_token_revoke", EVERYONE),
]


@pytest.fixture
def action_targets(tenant, partner, make_member, invite, token_for):
    inviter = make_member(tenant, Role.ADMIN, email="inviter@acme.example")
    targets = {
        "partner_invitation": invite(inviter, "new@northwind.example", "partner_sales", partner),
        "partner_member": make_member(
            tenant, Role.PARTNER_SALES, partner, email="leaving@northwind.example"
        ),
        "staff_invitation": invite(inviter, "new@acme.example", "finance"),
        "staff_member": make_member(tenant, Role.FINANCE, email="leaving@acme.example"),
    }

    def request_for(name, actor):
        if name == "partners:invite":
            return reverse(name, args=[partner.pk]), {
                "email": "fresh@northwind.example",
                "role": "partner_sales",
            }
        if name == "partners:invitation_revoke":
            return reverse(name, args=[partner.pk, targets["partner_invitation"].pk]), {}
        if name == "partners:member_deactivate":
            return reverse(name, args=[partner.pk, targets["partner_member"].pk]), {}
        if name == "team_invite":
            return reverse(name), {"email": "fresh@acme.example", "role": "finance"}
        if name == "team_invitation_revoke":
            return reverse(name, args=[targets["staff_invitation"].pk]), {}
        if name == "team_member_deactivate":
            return reverse(name, args=[targets["staff_member"].pk]), {}
        token, _ = token_for(actor)
        return reverse(name, args=[token.pk]), {}

    return request_for


@pytest.mark.parametrize(
    ("name", "role", "expected"),
    [
        (name, role, 302 if role in allowed else 403)
        for name, allowed in ACTIONS
        for role in ALL_ROLE_NAMES
    ],
)
def test_action_status_by_role(name, role, expected, member_of_role, action_targets, portal_client):
    actor = member_of_role(role)
    url, data = action_targets(name, actor)
    response = portal_client(actor).post(url, data)
    assert response.status_code == expected
    if expected == 302:
        assert not response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", [name for name, _ in ACTIONS])
def test_action_sends_anonymous_people_to_sign_in(
    name, member_of_role, action_targets, tenant, portal_client
):
    url, data = action_targets(name, member_of_role("admin"))
    response = portal_client(tenant=tenant).post(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "name",
    [
        "partners:invite",
        "partners:invitation_revoke",
        "partners:member_deactivate",
        "team_invite",
        "team_invitation_revoke",
        "team_member_deactivate",
        "api_token_revoke",
    ],
)
def test_actions_refuse_get(name, member_of_role, action_targets, portal_client):
    admin = member_of_role("admin")
    url, _ = action_targets(name, admin)
    assert portal_client(admin).get(url).status_code == 405


NAVIGATION_BY_ROLE = {
    "admin": [
        "Home",
        "Partners",
        "Onboarding",
        "Partner directory",
        "Tiers",
        "Deals",
        "Review queue",
        "Leads",
        "CRM records",
        "Funds",
        "Training",
        "Team",
        "Audit log",
        "Settings",
    ],
    "channel_manager": [
        "Home",
        "Partners",
        "Onboarding",
        "Partner directory",
        "Tiers",
        "Deals",
        "Review queue",
        "Leads",
        "CRM records",
        "Funds",
        "Training",
        "Team",
    ],
    "finance": [
        "Home",
        "Partners",
        "Onboarding",
        "Partner directory",
        "Tiers",
        "Deals",
        "CRM records",
        "Funds",
        "Training",
        "Team",
    ],
    # Two onboarding entries stay in the top row: a group collapses above two.
    "partner_admin": [
        "Home",
        "My organisation",
        "Agreements",
        "Surveys",
        "Partner directory",
        "Tiers",
        "Deals",
        "Lead inbox",
        "Funds",
        "Training",
    ],
    "partner_sales": [
        "Home",
        "Agreements",
        "Partner directory",
        "Tiers",
        "Deals",
        "Lead inbox",
        "Funds",
        "Training",
    ],
}


@pytest.mark.parametrize(("role", "labels"), NAVIGATION_BY_ROLE.items())
def test_navigation_shows_what_the_role_may_open(role, labels, member_of_role, portal_client):
    response = portal_client(member_of_role(role)).get("/")
    assert [str(item["label"]) for item in response.context["navigation"]] == labels


def test_an_onboarding_page_shows_its_section_row(member_of_role, portal_client):
    response = portal_client(member_of_role("admin")).get(reverse("applications:queue"))
    top = [str(item["label"]) for item in response.context["navigation"] if item["active"]]
    row = [(str(item["label"]), item["active"]) for item in response.context["subnavigation"]]
    assert top == ["Onboarding"]
    assert row[0] == ("Applications", True)
    assert [label for label, _ in row] == [
        "Applications",
        "Checklists",
        "Agreements",
        "Compliance",
        "Welcome sequence",
        "Surveys",
    ]
    assert 'class="subnav"' in response.content.decode()


def test_funds_pages_share_one_top_entry_with_a_section_row(member_of_role, portal_client):
    response = portal_client(member_of_role("channel_manager")).get(reverse("mdf:review"))
    top = [str(item["label"]) for item in response.context["navigation"] if item["active"]]
    row = [str(item["label"]) for item in response.context["subnavigation"]]
    assert top == ["Funds"]
    assert row == ["Funds", "MDF review", "Budgets", "MDF ROI", "Incentives"]


def test_settings_stays_highlighted_across_settings_pages(member_of_role, portal_client):
    response = portal_client(member_of_role("admin")).get(reverse("settings_security"))
    active = [str(item["label"]) for item in response.context["navigation"] if item["active"]]
    assert active == ["Settings"]


@pytest.mark.parametrize("role", sorted(PARTNER_ROLE_NAMES))
def test_partner_users_cannot_reach_another_partners_page(
    role, member_of_role, other_partner, portal_client
):
    response = portal_client(member_of_role(role)).get(
        reverse("partners:detail", args=[other_partner.pk])
    )
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "needs_partner"), [(name, np) for name, np, _ in PAGES])
def test_pages_respect_the_content_security_policy(
    name, needs_partner, member_of_role, partner, portal_client
):
    """No inline styles or scripts: the policy would block them in the browser."""
    response = portal_client(member_of_role("admin")).get(_url(name, needs_partner, partner))
    body = response.content.decode()
    assert "style=" not in body
    assert body.count("<script") == body.count("<script src=")
    assert "Content-Security-Policy" in response.headers
