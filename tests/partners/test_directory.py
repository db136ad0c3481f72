"""The staff partner directory (filters, sorts, CSV export) and the partner page."""

import csv
import io

import pytest
from django.urls import reverse

from ecosystem.tenancy.roles import Role
from partners import services
from tests.partners.factories import (
    PartnerOrganisationFactory,
    SpecialisationFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(tenant, channel_manager):
    gold = TierFactory(tenant=tenant, name="Gold", rank=3)
    silver = TierFactory(tenant=tenant, name="Silver", rank=2)
    cloud = SpecialisationFactory(tenant=tenant, name="Cloud")
    alpha = PartnerOrganisationFactory(
        tenant=tenant,
        name="Alpha Systems",
        tier=silver,
        country="DE",
        regions=["emea"],
        channel_manager=channel_manager,
    )
    alpha.specialisations.add(cloud, through_defaults={"tenant": tenant})
    beta = PartnerOrganisationFactory(
        tenant=tenant, name="Beta Labs", tier=gold, partner_type="isv", status="onboarding"
    )
    gamma = PartnerOrganisationFactory(tenant=tenant, name="=Gamma", regions=["apac"])
    return {"gold": gold, "cloud": cloud, "alpha": alpha, "beta": beta, "gamma": gamma}


def names(response):
    return [partner.name for partner in response.context["page"].object_list]


def test_filters(admin, program, channel_manager, portal_client):
    client = portal_client(admin)
    url = reverse("partners:list")
    assert names(client.get(url, {"q": "alpha"})) == ["Alpha Systems"]
    assert names(client.get(url, {"type": "isv"})) == ["Beta Labs"]
    assert names(client.get(url, {"status": "onboarding"})) == ["Beta Labs"]
    assert names(client.get(url, {"tier": program["gold"].pk})) == ["Beta Labs"]
    assert names(client.get(url, {"tier": "none"})) == ["=Gamma"]
    assert names(client.get(url, {"country": "DE"})) == ["Alpha Systems"]
    assert names(client.get(url, {"manager": channel_manager.pk})) == ["Alpha Systems"]
    assert names(client.get(url, {"specialisation": program["cloud"].pk})) == ["Alpha Systems"]
    assert names(client.get(url, {"region": "apac"})) == ["=Gamma"]


def test_sorts(admin, program, portal_client):
    client = portal_client(admin)
    url = reverse("partners:list")
    assert names(client.get(url, {"sort": "tier"})) == ["Beta Labs", "Alpha Systems", "=Gamma"]
    assert names(client.get(url, {"sort": "newest"})) == ["=Gamma", "Beta Labs", "Alpha Systems"]
    assert names(client.get(url, {"sort": "revenue"}))[0] == "=Gamma"  # unknown: by name


@pytest.mark.parametrize(
    "params",
    [{"tier": "x"}, {"manager": "99999999999999"}, {"specialisation": "-1"}, {"region": "\x00"}],
)
def test_odd_filter_values_find_nothing_rather_than_fail(params, admin, program, portal_client):
    response = portal_client(admin).get(reverse("partners:list"), params)
    assert response.status_code == 200


def test_csv_export_uses_the_filters_and_neutralises_formulas(admin, program, portal_client):
    response = portal_client(admin).get(reverse("partners:export"), {"region": "apac"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:7] == [
        "Name",
        "Website",
        "Type",
        "Country",
        "Status",
        "Tier",
        "Channel manager",
    ]
    assert [row[0] for row in rows[1:]] == ["'=Gamma"]


def test_csv_export_columns(admin, program, channel_manager, portal_client):
    response = portal_client(admin).get(reverse("partners:export"), {"q": "alpha"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Tier"] == "Silver"
    assert row["Channel manager"] == channel_manager.user.email
    assert row["Specialisations"] == "Cloud"
    assert row["Regions"] == "Europe, Middle East and Africa"


def test_csv_export_query_count_does_not_grow(
    admin, tenant, program, portal_client, django_assert_max_num_queries
):
    for _ in range(40):
        partner = PartnerOrganisationFactory(tenant=tenant, tier=program["gold"])
        partner.specialisations.add(program["cloud"], through_defaults={"tenant": tenant})
    client = portal_client(admin)
    client.get(reverse("partners:list"))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("partners:export"))
        body = b"".join(response.streaming_content).decode()
    assert body.count("\n") == 44


@pytest.mark.parametrize("role", ["partner_admin", "partner_sales"])
def test_partner_users_cannot_export(role, make_member, partner, portal_client):
    member = make_member(partner.tenant, role, partner)
    assert portal_client(member).get(reverse("partners:export")).status_code == 403


def test_list_with_filters_query_count(
    admin, tenant, program, portal_client, django_assert_max_num_queries
):
    for _ in range(30):
        PartnerOrganisationFactory(tenant=tenant, regions=["emea"], tier=program["gold"])
    client = portal_client(admin)
    client.get(reverse("partners:list"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("partners:list"), {"region": "emea", "sort": "tier"})
    assert len(response.context["page"].object_list) == 25


# --- the partner page -------------------------------------------------------------------------


def test_partner_page_shows_profile_history_and_activity(
    admin, partner, partner_sales, channel_manager, tenant, portal_client
):
    cloud = SpecialisationFactory(tenant=tenant, name="Cloud migration")
    services.update_partner(
        tenant=tenant,
        actor=admin.user,
        partner_id=partner.pk,
        data={
            "description": "Nordic reseller.",
            "regions": ["emea"],
            "industries": ["retail"],
            "countries_served": ["SE"],
            "specialisations": [cloud.pk],
            "primary_contact": partner_sales.pk,
            "channel_manager": channel_manager.pk,
            "status": "suspended",
            "status_reason": "Missed the annual review",
        },
    )
    page = portal_client(admin).get(reverse("partners:detail", args=[partner.pk]))
    html = page.content.decode()
    for text in (
        "Nordic reseller.",
        "Europe, Middle East and Africa",
        "Retail and consumer goods",
        "Sweden",
        "Cloud migration",
        "Missed the annual review",
        "Recent activity",
        "Partner status changed",
        "Partner updated",
    ):
        assert text in html, text
    assert "style=" not in html
    assert html.count("<script") == html.count("<script src=")


def test_partner_users_see_no_activity(partner_admin, partner, portal_client):
    page = portal_client(partner_admin).get(reverse("partners:detail", args=[partner.pk]))
    assert "Recent activity" not in page.content.decode()


def test_partner_page_query_count_is_bounded(
    admin, partner, tenant, make_member, portal_client, django_assert_max_num_queries
):
    specialisations = [SpecialisationFactory(tenant=tenant) for _ in range(5)]
    partner.specialisations.add(*specialisations, through_defaults={"tenant": tenant})
    for number in range(10):
        make_member(tenant, Role.PARTNER_SALES, partner)
        services.update_partner(
            tenant=tenant,
            actor=admin.user,
            partner_id=partner.pk,
            data={"capacity": number + 20},
        )
    client = portal_client(admin)
    client.get(reverse("partners:detail", args=[partner.pk]))
    with django_assert_max_num_queries(18):  # 3 of them: the tier progress panel
        client.get(reverse("partners:detail", args=[partner.pk]))
