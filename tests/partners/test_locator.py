"""The public partner locator and the partner-to-partner directory: only listed, active
partners, only the fields each chose to show, never a person's email."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partners import services
from tests.partners.factories import (
    PartnerOrganisationFactory,
    SpecialisationFactory,
    TierFactory,
)
from tests.portal.conftest import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def listings(tenant, other_tenant, partner, partner_admin):
    gold = TierFactory(tenant=tenant, name="Gold")
    cloud = SpecialisationFactory(tenant=tenant, name="Cloud")
    shown = PartnerOrganisationFactory(
        tenant=tenant,
        name="Shown Integrators",
        partner_type="gsi",
        tier=gold,
        is_listed=True,
        listed_fields=["regions", "specialisations", "tier", "public_contact_email"],
        regions=["emea"],
        countries_served=["FR"],
        description="Secret strategy",
        public_contact_email="hello@shown.example",
    )
    shown.specialisations.add(cloud, through_defaults={"tenant": tenant})
    # Serves APAC but does not list its regions: a region filter must not reveal it.
    quiet = PartnerOrganisationFactory(
        tenant=tenant,
        name="Quiet Software",
        partner_type="isv",
        is_listed=True,
        listed_fields=["countries_served"],
        regions=["apac"],
        countries_served=["JP"],
        tier=gold,
    )
    PartnerOrganisationFactory(tenant=tenant, name="Unlisted Ltd", is_listed=False)
    suspended = PartnerOrganisationFactory(
        tenant=tenant, name="Suspended Co", is_listed=True, status="suspended"
    )
    foreign = PartnerOrganisationFactory(tenant=other_tenant, name="Foreign Co", is_listed=True)
    return {
        "shown": shown,
        "quiet": quiet,
        "suspended": suspended,
        "foreign": foreign,
        "gold": gold,
        "cloud": cloud,
    }


def names(response):
    return [partner.name for partner in response.context["page"].object_list]


def test_anonymous_visitors_see_only_listed_active_partners(listings, tenant, portal_client):
    response = portal_client(tenant=tenant).get(reverse("locator:list"))
    assert response.status_code == 200
    assert names(response) == ["Quiet Software", "Shown Integrators"]
    html = response.content.decode()
    assert "Secret strategy" not in html  # description not listed
    assert "hello@shown.example" in html  # listed
    assert "boss@northwind.example" not in html
    assert "Gold" in html
    assert "style=" not in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "emea"}, ["Shown Integrators"]),
        ({"region": "apac"}, []),  # Quiet serves APAC but keeps its regions private
        ({"country": "JP"}, ["Quiet Software"]),
        ({"country": "FR"}, []),  # Shown does not list its countries
        ({"type": "gsi"}, ["Shown Integrators"]),
        ({"tier": "gold"}, []),
        ({"specialisation": "x"}, []),
    ],
)
def test_filters_only_match_listed_fields(params, expected, listings, tenant, portal_client):
    response = portal_client(tenant=tenant).get(reverse("locator:list"), params)
    assert response.status_code == 200
    assert names(response) == expected


def test_tier_and_specialisation_filters(listings, tenant, portal_client):
    client = portal_client(tenant=tenant)
    url = reverse("locator:list")
    assert names(client.get(url, {"tier": listings["gold"].pk})) == ["Shown Integrators"]
    assert names(client.get(url, {"specialisation": listings["cloud"].pk})) == ["Shown Integrators"]


def test_detail_is_404_for_unlisted_inactive_and_other_tenants(listings, tenant, portal_client):
    client = portal_client(tenant=tenant)
    assert client.get(reverse("locator:detail", args=[listings["shown"].pk])).status_code == 200
    for key in ("suspended", "foreign"):
        assert client.get(reverse("locator:detail", args=[listings[key].pk])).status_code == 404


def test_logo_only_when_listed(admin, listings, tenant, portal_client):
    for partner, fields in ((listings["shown"], None), (listings["quiet"], ["logo"])):
        data = {"logo": SimpleUploadedFile("l.png", image_bytes(), content_type="image/png")}
        if fields:
            data["listed_fields"] = fields
        services.update_partner(tenant=tenant, actor=admin.user, partner_id=partner.pk, data=data)
    client = portal_client(tenant=tenant)
    assert client.get(reverse("locator:logo", args=[listings["shown"].pk])).status_code == 404
    response = client.get(reverse("locator:logo", args=[listings["quiet"].pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


def test_locator_query_count_does_not_grow(
    tenant, listings, portal_client, django_assert_max_num_queries
):
    for _ in range(30):
        partner = PartnerOrganisationFactory(
            tenant=tenant,
            is_listed=True,
            tier=listings["gold"],
            listed_fields=["specialisations", "tier", "regions"],
        )
        partner.specialisations.add(listings["cloud"], through_defaults={"tenant": tenant})
    client = portal_client(tenant=tenant)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("locator:list"))
    assert len(response.context["page"].object_list) == 24


def test_anonymous_pages_link_to_the_locator(tenant, portal_client):
    html = portal_client(tenant=tenant).get(reverse("account_login")).content.decode()
    assert reverse("locator:list") in html


# --- partner-to-partner directory -------------------------------------------------------------


def test_partner_users_find_listed_partners_only(listings, partner_sales, portal_client):
    response = portal_client(partner_sales).get(reverse("partners:directory"))
    assert response.status_code == 200
    assert names(response) == ["Quiet Software", "Shown Integrators"]
    html = response.content.decode()
    assert "Secret strategy" not in html
    assert "Unlisted Ltd" not in html


def test_directory_filters(listings, partner_sales, portal_client):
    client = portal_client(partner_sales)
    assert names(client.get(reverse("partners:directory"), {"type": "isv"})) == ["Quiet Software"]


def test_directory_needs_sign_in(tenant, portal_client):
    response = portal_client(tenant=tenant).get(reverse("partners:directory"))
    assert response.status_code == 302


def test_partner_users_see_listed_logos_but_not_unlisted(
    admin, listings, partner_sales, tenant, portal_client
):
    for partner in (listings["quiet"], listings["shown"]):
        services.update_partner(
            tenant=tenant,
            actor=admin.user,
            partner_id=partner.pk,
            data={"logo": SimpleUploadedFile("l.png", image_bytes(), content_type="image/png")},
        )
    services.update_partner(
        tenant=tenant,
        actor=admin.user,
        partner_id=listings["quiet"].pk,
        data={"listed_fields": ["logo"]},
    )
    client = portal_client(partner_sales)
    assert client.get(reverse("partners:logo", args=[listings["quiet"].pk])).status_code == 200
    assert client.get(reverse("partners:logo", args=[listings["shown"].pk])).status_code == 404
