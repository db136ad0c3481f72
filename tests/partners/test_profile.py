"""Editing a partner's profile: through the service, the API and the edit page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ecosystem.audit.models import AuditEntry
from ecosystem.errors import ValidationFailed
from ecosystem.tenancy.roles import Role
from partners import services
from partners.models import PartnerOrganisation
from tests.partners.factories import PartnerOrganisationFactory, SpecialisationFactory
from tests.portal.conftest import image_bytes

pytestmark = pytest.mark.django_db


def update(partner, actor, as_partner=False, **data):
    return services.update_partner(
        tenant=partner.tenant,
        actor=actor.user,
        partner_id=partner.pk,
        data=data,
        as_partner=as_partner,
    )


def test_staff_set_every_profile_field(admin, channel_manager, partner, partner_sales, tenant):
    cloud, security = SpecialisationFactory(tenant=tenant), SpecialisationFactory(tenant=tenant)
    update(
        partner,
        admin,
        description="We migrate banks to the cloud.",
        regions=["emea", "na", "emea"],
        countries_served=["gb", "FR"],
        industries=["financial_services"],
        specialisations=[cloud.pk, security.pk],
        capacity=25,
        primary_contact=partner_sales.pk,
        channel_manager=channel_manager.pk,
        is_listed=True,
        listed_fields=["description", "regions"],
        public_contact_email="partners@northwind.example",
    )
    partner = PartnerOrganisation.objects.for_tenant(tenant).get(pk=partner.pk)
    assert partner.regions == ["emea", "na"]
    assert {c.code for c in partner.countries_served} == {"GB", "FR"}
    assert set(partner.specialisations.all()) == {cloud, security}
    assert (partner.capacity, partner.primary_contact, partner.channel_manager) == (
        25,
        partner_sales,
        channel_manager,
    )
    entry = AuditEntry.objects.for_tenant(tenant).get(action="partner.updated")
    assert entry.changes["capacity"] == [10, 25]
    assert entry.changes["specialisations"] == sorted([cloud.name, security.name])


def test_specialisations_are_replaced_as_a_set(admin, partner, tenant):
    one, two, three = (SpecialisationFactory(tenant=tenant) for _ in range(3))
    update(partner, admin, specialisations=[one.pk, two.pk])
    update(partner, admin, specialisations=[two.pk, three.pk])
    assert set(partner.specialisations.all()) == {two, three}
    update(partner, admin, specialisations=[])
    assert not partner.specialisations.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("regions", ["mars"]),
        ("regions", "emea"),
        ("industries", ["farming-on-the-moon"]),
        ("countries_served", ["XX"]),
        ("listed_fields", ["primary_contact"]),
        ("capacity", -1),
        ("capacity", "lots"),
        ("is_listed", "maybe"),
        ("primary_contact", 999999),
        ("channel_manager", 999999),
        ("specialisations", [999999]),
        ("specialisations", "1"),
        ("public_contact_email", "not-an-email"),
        ("logo", SimpleUploadedFile("x.svg", b"<svg onload=alert(1)>")),
    ],
)
def test_bad_input_names_the_field(field, value, admin, partner):
    with pytest.raises(ValidationFailed) as caught:
        update(partner, admin, **{field: value})
    assert field in caught.value.as_dict()


def test_ids_must_be_this_tenants_and_this_partners(
    admin, partner, other_partner_admin, other_tenant, make_member, partner_sales
):
    foreign = SpecialisationFactory(tenant=other_tenant)
    foreign_staff = make_member(other_tenant, Role.ADMIN)
    for field, value in [
        ("specialisations", [foreign.pk]),
        ("primary_contact", other_partner_admin.pk),  # another partner's person
        ("primary_contact", admin.pk),  # staff are not the partner's contact
        ("channel_manager", foreign_staff.pk),
        ("channel_manager", partner_sales.pk),  # a partner user cannot manage partners
    ]:
        with pytest.raises(ValidationFailed) as caught:
            update(partner, admin, **{field: value})
        assert field in caught.value.as_dict()


def test_inactive_people_cannot_be_chosen(admin, partner, partner_sales):
    partner_sales.is_active = False
    partner_sales.save()
    with pytest.raises(ValidationFailed):
        update(partner, admin, primary_contact=partner_sales.pk)


@pytest.mark.parametrize(
    "field", ["status", "tier", "partner_type", "channel_manager", "specialisations"]
)
def test_partner_admin_cannot_change_staff_only_fields(field, partner_admin, partner):
    with pytest.raises(ValidationFailed) as caught:
        update(partner_admin.partner_organisation, partner_admin, as_partner=True, **{field: None})
    assert field in caught.value.as_dict()


def test_partner_admin_controls_own_listing(partner_admin, partner_sales, partner):
    update(
        partner,
        partner_admin,
        as_partner=True,
        description="Resellers of note.",
        is_listed=True,
        listed_fields=["website", "tier"],
        public_contact_email="hello@northwind.example",
        primary_contact=partner_sales.pk,
        capacity=0,
    )
    partner.refresh_from_db()
    assert partner.is_listed and partner.listed_fields == ["website", "tier"]
    assert partner.capacity == 0


def test_logo_is_validated_and_re_encoded(admin, partner):
    upload = SimpleUploadedFile("logo.jpg", image_bytes("JPEG"), content_type="image/jpeg")
    partner = update(partner, admin, logo=upload)
    assert partner.logo.name.endswith(".png")
    assert partner.logo.read(8) == b"\x89PNG\r\n\x1a\n"
    partner = update(partner, admin, logo=None)
    assert not partner.logo


# --- API --------------------------------------------------------------------------------------


def test_api_reads_and_writes_profile_fields(admin, channel_manager, partner, api_client, tenant):
    cloud = SpecialisationFactory(tenant=tenant)
    client = api_client(admin)
    response = client.patch(
        f"/api/v1/partners/{partner.pk}/",
        {
            "regions": ["apac"],
            "countries_served": ["SG"],
            "specialisations": [cloud.pk],
            "channel_manager": channel_manager.pk,
            "capacity": 3,
            "is_listed": True,
            "listed_fields": ["regions"],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = client.get(f"/api/v1/partners/{partner.pk}/").json()
    assert body["regions"] == ["apac"]
    assert body["countries_served"] == ["SG"]
    assert body["specialisations"] == [cloud.pk]
    assert body["channel_manager"] == channel_manager.pk
    assert body["primary_contact"] is None
    assert body["tier"] is None  # existing fields stay


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"regions": ["mars"]}, "regions"),
        ({"industries": "retail"}, "industries"),
        ({"countries_served": ["ZZ"]}, "countries_served"),
        ({"capacity": -5}, "capacity"),
        ({"specialisations": [999999]}, "specialisations"),
        ({"specialisations": ["x"]}, "specialisations"),
        ({"primary_contact": 999999}, "primary_contact"),
        ({"channel_manager": "abc"}, "channel_manager"),
        ({"listed_fields": ["capacity"]}, "listed_fields"),
        ({"public_contact_email": "nope"}, "public_contact_email"),
        ({"is_listed": "perhaps"}, "is_listed"),
    ],
)
def test_api_bad_profile_input_is_400_naming_the_field(body, field, admin, partner, api_client):
    response = api_client(admin).patch(f"/api/v1/partners/{partner.pk}/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "body",
    [
        {"channel_manager": None},
        {"specialisations": []},
        {"status": "suspended", "status_reason": "x"},
        {"partner_type": "gsi"},
    ],
)
def test_api_partner_admin_cannot_change_staff_only_fields(
    body, partner_admin, partner, api_client
):
    response = api_client(partner_admin).patch(
        f"/api/v1/partners/{partner.pk}/", body, format="json"
    )
    assert response.status_code == 400
    assert next(iter(body)) in response.json()


def test_api_list_query_count_does_not_grow(
    admin, tenant, api_client, django_assert_max_num_queries
):
    specialisations = [SpecialisationFactory(tenant=tenant) for _ in range(3)]
    for _ in range(30):
        partner = PartnerOrganisationFactory(tenant=tenant, regions=["emea"])
        partner.specialisations.add(*specialisations, through_defaults={"tenant": tenant})
    client = api_client(admin)
    with django_assert_max_num_queries(9):
        response = client.get("/api/v1/partners/?page_size=200&region=emea")
    assert len(response.json()["results"]) == 30
    assert len(response.json()["results"][0]["specialisations"]) == 3


def test_api_filters_channel_manager_specialisation_region(
    admin, channel_manager, tenant, api_client
):
    cloud = SpecialisationFactory(tenant=tenant)
    wanted = PartnerOrganisationFactory(
        tenant=tenant, regions=["latam"], channel_manager=channel_manager
    )
    wanted.specialisations.add(cloud, through_defaults={"tenant": tenant})
    PartnerOrganisationFactory(tenant=tenant, regions=["emea"])
    client = api_client(admin)
    for query in (
        f"channel_manager={channel_manager.pk}",
        f"specialisation={cloud.pk}",
        "region=latam",
    ):
        results = client.get(f"/api/v1/partners/?{query}").json()["results"]
        assert [item["id"] for item in results] == [wanted.pk], query
    assert client.get("/api/v1/partners/?region=mars").status_code == 400


# --- the edit page ----------------------------------------------------------------------------


def test_partner_admin_edits_profile_on_the_page(
    partner_admin, partner_sales, partner, portal_client
):
    response = portal_client(partner_admin).post(
        reverse("partners:edit", args=[partner.pk]),
        {
            "name": partner.name,
            "website": "https://northwind.example",
            "country": "GB",
            "description": "Value-added reseller for the Nordics.",
            "regions": ["emea"],
            "countries_served": ["SE", "NO"],
            "industries": ["retail"],
            "capacity": "12",
            "primary_contact": partner_sales.pk,
            "is_listed": "on",
            "listed_fields": ["description", "regions"],
            "public_contact_email": "hello@northwind.example",
            "logo": SimpleUploadedFile("l.png", image_bytes(), content_type="image/png"),
            # Staff-only fields are not on the partner's form: posting them changes nothing.
            "status": "offboarded",
            "channel_manager": partner_admin.pk,
        },
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.regions == ["emea"]
    assert partner.capacity == 12
    assert partner.primary_contact == partner_sales
    assert partner.is_listed
    assert partner.logo
    assert partner.status == "active"
    assert partner.channel_manager is None


def test_partner_admin_sees_staff_fields_read_only(partner_admin, partner, portal_client):
    body = portal_client(partner_admin).get(reverse("partners:edit", args=[partner.pk]))
    html = body.content.decode()
    assert 'name="channel_manager"' not in html
    assert 'name="specialisations"' not in html
    assert "Channel manager" in html  # shown in the “Managed by the program” panel
    assert 'enctype="multipart/form-data"' in html


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"capacity": "-3"}, "capacity"),
        ({"logo": b"not an image"}, "logo"),
        ({"status": "offboarded"}, "status_reason"),
        ({"regions": ["mars"]}, "regions"),
    ],
)
def test_page_shows_errors_next_to_the_field(data, field, admin, partner, portal_client):
    if "logo" in data:
        data = {"logo": SimpleUploadedFile("l.png", data["logo"], content_type="image/png")}
    response = portal_client(admin).post(
        reverse("partners:edit", args=[partner.pk]),
        {"name": partner.name, "partner_type": "var", "country": "GB", "status": "active", **data},
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    partner.refresh_from_db()
    assert partner.status == "active"
