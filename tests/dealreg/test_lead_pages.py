"""Lead pages: the staff list, new lead, import, the lead with its replay and override, the
partner's inbox and answers, routing rules and the routing report."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dealreg import leads
from dealreg.models import Deal, Lead, LeadOffer, RoutingRule
from ecosystem.tenancy.roles import Role
from tests.dealreg.factories import LeadFactory, RoutingRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed(tenant, admin, partner, other_partner):
    other_partner.country = "US"
    other_partner.save()

    def make(**data):
        body = {
            "company_name": "Initech",
            "country": "GB",
            "contact_name": "Peter Gibbons",
            "contact_email": "peter@initech.com",
            "interest": "Cloud backup",
        }
        body.update(data)
        return leads.create_lead(tenant=tenant, actor=admin, data=body)

    return make


def labels(response):
    return [str(item["label"]) for item in response.context["navigation"]]


def test_navigation_by_role(portal_client, admin, partner_sales, make_member, tenant):
    assert "Leads" in labels(portal_client(admin).get("/"))
    assert "Lead inbox" not in labels(portal_client(admin).get("/"))
    assert "Lead inbox" in labels(portal_client(partner_sales).get("/"))
    assert "Leads" not in labels(portal_client(partner_sales).get("/"))
    finance = make_member(tenant, Role.FINANCE)
    assert not {"Leads", "Lead inbox"} & set(labels(portal_client(finance).get("/")))


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("leads:list", {"admin", "marketing_manager"}),
        ("leads:create", {"admin", "marketing_manager"}),
        ("leads:import", {"admin", "marketing_manager"}),
        ("leads:rules", {"admin", "marketing_manager"}),
        ("leads:rule_create", {"admin", "marketing_manager"}),
        ("leads:report", {"admin", "marketing_manager"}),
        ("leads:inbox", {"partner_admin", "partner_sales"}),
    ],
)
def test_pages_by_role(name, allowed, portal_client, tenant, partner, make_member):
    for role in ("admin", "marketing_manager", "finance", "partner_admin", "partner_sales"):
        member = make_member(tenant, Role(role), partner if role.startswith("partner") else None)
        response = portal_client(member).get(reverse(name))
        if name == "leads:list" and role.startswith("partner"):
            # A partner's people asking for the leads mean their own inbox.
            assert response.status_code == 302, role
            assert response["Location"] == reverse("leads:inbox")
            continue
        status = response.status_code
        assert status == (200 if role in allowed else 403), (name, role, status)


def test_staff_list_filters_paginates_and_shows_empty_states(
    portal_client, admin, tenant, routed, django_assert_max_num_queries
):
    client = portal_client(admin)
    empty = client.get(reverse("leads:list"))
    assert b"No leads yet" in empty.content
    routed()
    for number in range(30):
        LeadFactory(tenant=tenant, company_name=f"Waiting {number:02d}", country="DE")
    with django_assert_max_num_queries(20):
        page = client.get(reverse("leads:list"))
    assert page.status_code == 200 and b"Page 1 of 2" in page.content
    filtered = client.get(reverse("leads:list"), {"status": "offered"})
    assert b"Initech" in filtered.content and b"Waiting 0" not in filtered.content
    assert b"in 1\xc2\xa0day" in filtered.content or b"in 2\xc2\xa0days" in filtered.content
    none = client.get(reverse("leads:list"), {"q": "nothing like this"})
    assert b"No lead matches these filters" in none.content


def test_new_lead_form_routes_and_shows_the_decision(portal_client, admin, partner, tenant):
    client = portal_client(admin)
    response = client.post(
        reverse("leads:create"),
        {
            "company_name": "Initech",
            "country": "GB",
            "interest": "Backup",
            "products": "Backup, Archive",
            "route": "on",
        },
        follow=True,
    )
    lead = Lead.objects.for_tenant(tenant).get()
    assert response.redirect_chain[-1][0] == reverse("leads:detail", args=[lead.pk])
    assert lead.products == ["Backup", "Archive"] and lead.source == "manual"
    content = response.content.decode()
    assert f"Initech was offered to {partner.name}" in content
    assert f"Why {partner.name}" in content and "Win rate" in content and "Rotation" in content
    assert "data-percent=" in content and "style=" not in content
    invalid = client.post(reverse("leads:create"), {"company_name": "", "country": ""})
    assert invalid.status_code == 200 and b"Please correct the errors below." in invalid.content


def test_lead_without_partner_shows_why(portal_client, admin, tenant):
    client = portal_client(admin)
    response = client.post(
        reverse("leads:create"),
        {"company_name": "Initech", "country": "GB", "route": "on"},
        follow=True,
    )
    assert b"No partner is active in this program." in response.content
    assert b"Route now" in response.content


def test_override_from_the_page(portal_client, admin, routed, other_partner):
    lead = routed()
    client = portal_client(admin)
    response = client.post(
        reverse("leads:override", args=[lead.pk]),
        {"partner": other_partner.pk, "reason": "Customer asked for them"},
        follow=True,
    )
    content = response.content.decode()
    assert "(override)" in content and "Customer asked for them" in content
    assert LeadOffer.objects.for_tenant(lead.tenant).filter(lead=lead, is_override=True).exists()
    withdrawn = client.post(reverse("leads:withdraw", args=[lead.pk]), {"reason": ""}, follow=True)
    assert b"was withdrawn" in withdrawn.content
    lost = client.post(reverse("leads:lost", args=[lead.pk]), {"reason": "No budget"}, follow=True)
    assert b"closed as lost" in lost.content


def test_import_page(portal_client, admin, tenant, partner):
    client = portal_client(admin)
    bad = SimpleUploadedFile("l.csv", b"company_name,country\n,GB\nGlobex,Atlantis\n")
    response = client.post(reverse("leads:import"), {"file": bad, "route": "on"})
    assert response.status_code == 200
    assert b"2 mistakes found; nothing was imported" in response.content
    assert not Lead.objects.for_tenant(tenant).exists()
    check = SimpleUploadedFile("l.csv", b"company_name,country\nInitech,GB\n")
    response = client.post(reverse("leads:import"), {"file": check, "dry_run": "on"})
    assert b"The file is fine: 1 lead is ready to import." in response.content
    good = SimpleUploadedFile("l.csv", b"company_name,country\nInitech,GB\n")
    response = client.post(reverse("leads:import"), {"file": good, "route": "on"}, follow=True)
    assert b"1 leads imported; 1 offered to partners." in response.content


def test_partner_inbox_answer_and_convert(
    portal_client, routed, partner_sales, tenant, django_assert_max_num_queries
):
    lead = routed()
    second = routed(company_name="Hooli")
    client = portal_client(partner_sales)
    with django_assert_max_num_queries(20):
        inbox = client.get(reverse("leads:inbox"))
    content = inbox.content.decode()
    assert "Initech" in content and "Hooli" in content and "Answer within" in content
    assert "peter@initech.com" not in content  # contact shown once accepted
    detail = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "Shown once you accept the lead." in detail and "Why " not in detail

    accepted = client.post(reverse("leads:accept", args=[lead.pk]), {"from": "inbox"}, follow=True)
    assert b"You accepted Initech" in accepted.content
    assert b"peter@initech.com" in accepted.content
    declined = client.post(
        reverse("leads:decline", args=[second.pk]), {"reason": "", "from": "inbox"}, follow=True
    )
    assert b"This field is required." in declined.content
    declined = client.post(
        reverse("leads:decline", args=[second.pk]),
        {"reason": "Not our market", "from": "inbox"},
        follow=True,
    )
    assert (
        b"You declined Hooli" in declined.content
        and b"Hooli" not in declined.content.split(b"You declined Hooli")[1]
    )
    converted = client.post(reverse("leads:convert", args=[lead.pk]), follow=True)
    deal = Deal.objects.for_tenant(tenant).get()
    assert f"Initech is now deal #{deal.pk}".encode() in converted.content
    assert Lead.objects.for_tenant(tenant).get(pk=lead.pk).deal == deal


def test_partner_cannot_reach_another_partners_lead(
    portal_client, routed, partner_sales, other_partner
):
    theirs = routed(country="US")
    assert theirs.partner == other_partner
    client = portal_client(partner_sales)
    assert client.get(reverse("leads:detail", args=[theirs.pk])).status_code == 404
    for name in ("leads:accept", "leads:decline", "leads:convert", "leads:lost"):
        response = client.post(reverse(name, args=[theirs.pk]), {"reason": "x"})
        assert response.status_code == 404, name
    theirs.refresh_from_db()
    assert theirs.status == "offered" and theirs.partner == other_partner


def test_routing_rules_pages(portal_client, admin, tenant):
    client = portal_client(admin)
    assert b"No routing rules yet" in client.get(reverse("leads:rules")).content
    response = client.post(
        reverse("leads:rule_create"),
        {
            "name": "DACH MSSPs",
            "priority": "10",
            "is_active": "on",
            "lead_countries": ["DE", "AT"],
            "partner_types": ["mssp"],
            "partner_regions": ["emea"],
        },
        follow=True,
    )
    assert b"Rule \xe2\x80\x9cDACH MSSPs\xe2\x80\x9d added." in response.content
    rule = RoutingRule.objects.for_tenant(tenant).get()
    assert [str(c) for c in rule.lead_countries] == ["AT", "DE"]
    edit = client.get(reverse("leads:rule_edit", args=[rule.pk]))
    assert b'value="DACH MSSPs"' in edit.content
    client.post(
        reverse("leads:rule_edit", args=[rule.pk]),
        {"name": "DACH MSSPs", "priority": "20"},
    )
    rule.refresh_from_db()
    assert rule.priority == 20 and not rule.is_active and rule.partner_types == []
    client.post(reverse("leads:rule_delete", args=[rule.pk]))
    assert not RoutingRule.objects.for_tenant(tenant).exists()


def test_report_page(portal_client, admin, routed, partner_sales):
    empty = portal_client(admin).get(reverse("leads:report"))
    assert b"No offers in this period" in empty.content
    lead = routed()
    routed(country="US")
    leads.decline_offer(
        tenant=lead.tenant, actor=partner_sales, lead_id=lead.pk, reason="Too small"
    )
    page = portal_client(admin).get(reverse("leads:report"), {"start": "2000-01-01"})
    content = page.content.decode()
    assert page.status_code == 200
    assert "Offers by partner tier" in content and "Too small" in content
    assert 'class="bar-fill" data-percent="100"' in content


def test_another_tenants_rule_is_not_found(portal_client, admin, other_tenant):
    foreign = RoutingRuleFactory(tenant=other_tenant, name="Theirs")
    client = portal_client(admin)
    assert client.get(reverse("leads:rule_edit", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("leads:rule_delete", args=[foreign.pk])).status_code == 404
    assert RoutingRule.objects.for_tenant(other_tenant).get().name == "Theirs"


def test_inbox_and_report_queries_do_not_grow_with_leads(
    portal_client, admin, routed, partner, partner_sales
):
    partner.capacity = 100
    partner.save()

    def counted(client, url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for number in range(2):
        routed(company_name=f"Small {number}")
    inbox_small = counted(portal_client(partner_sales), reverse("leads:inbox"))
    report_small = counted(portal_client(admin), reverse("leads:report"))
    detail_small = counted(
        portal_client(admin), reverse("leads:detail", args=[Lead.objects.first().pk])
    )
    for number in range(12):
        lead = routed(company_name=f"Large {number}")
        if number % 3 == 0:
            leads.decline_offer(
                tenant=lead.tenant, actor=partner_sales, lead_id=lead.pk, reason="Busy"
            )
    assert counted(portal_client(partner_sales), reverse("leads:inbox")) == inbox_small
    assert counted(portal_client(admin), reverse("leads:report")) == report_small
    busiest = max(Lead.objects.all(), key=lambda lead: lead.offers.count())
    assert counted(portal_client(admin), reverse("leads:detail", args=[busiest.pk])) == (
        detail_small
    )
