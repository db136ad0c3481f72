"""The specialisations catalogue: services, the settings-like page and the API."""

import pytest
from django.urls import reverse

from ecosystem.errors import Conflict, ValidationFailed
from partners import services
from partners.models import PartnerSpecialisation, Specialisation
from tests.partners.factories import SpecialisationFactory

pytestmark = pytest.mark.django_db


def names(tenant):
    return list(Specialisation.objects.for_tenant(tenant).values_list("name", flat=True))


def test_create_rename_delete(admin, partner, tenant):
    created = services.create_specialisation(tenant=tenant, actor=admin.user, name=" Zero trust ")
    assert created.name == "Zero trust"
    services.rename_specialisation(
        tenant=tenant, actor=admin.user, specialisation_id=created.pk, name="Zero-trust security"
    )
    assert names(tenant) == ["Zero-trust security"]
    partner.specialisations.add(created, through_defaults={"tenant": tenant})
    services.delete_specialisation(tenant=tenant, actor=admin.user, specialisation_id=created.pk)
    assert names(tenant) == []
    assert not PartnerSpecialisation.objects.for_tenant(tenant).exists()


def test_names_are_unique_per_tenant_only(admin, tenant, other_tenant):
    SpecialisationFactory(tenant=other_tenant, name="Cloud")
    services.create_specialisation(tenant=tenant, actor=admin.user, name="Cloud")
    with pytest.raises(Conflict):
        services.create_specialisation(tenant=tenant, actor=admin.user, name="Cloud")
    with pytest.raises(ValidationFailed) as caught:
        services.create_specialisation(tenant=tenant, actor=admin.user, name="  ")
    assert "name" in caught.value.as_dict()


def test_page_adds_renames_and_deletes(channel_manager, tenant, portal_client):
    client = portal_client(channel_manager)
    url = reverse("partners:specialisations")
    assert client.post(url, {"name": "Data platforms"}).status_code == 302
    item = Specialisation.objects.for_tenant(tenant).get()
    duplicate = client.post(url, {"name": "Data platforms"})
    assert duplicate.status_code == 400
    assert "already exists" in duplicate.content.decode()
    client.post(reverse("partners:specialisation_rename", args=[item.pk]), {"name": "Data"})
    assert names(tenant) == ["Data"]
    client.post(reverse("partners:specialisation_delete", args=[item.pk]))
    assert names(tenant) == []
    assert "No specialisations yet" in client.get(url).content.decode()


@pytest.mark.parametrize("role", ["finance", "partner_admin"])
def test_only_partner_managers_change_the_catalogue(
    role, make_member, partner, tenant, portal_client
):
    item = SpecialisationFactory(tenant=tenant, name="Kept")
    member = make_member(tenant, role, partner if role.startswith("partner") else None)
    client = portal_client(member)
    assert client.post(reverse("partners:specialisations"), {"name": "X"}).status_code == 403
    assert client.post(reverse("partners:specialisation_delete", args=[item.pk])).status_code == 403
    assert names(tenant) == ["Kept"]


def test_api_lists_for_members_and_creates_for_managers(
    admin, partner_sales, tenant, other_tenant, api_client
):
    SpecialisationFactory(tenant=tenant, name="Cloud")
    SpecialisationFactory(tenant=other_tenant, name="Foreign")
    listed = api_client(partner_sales).get("/api/v1/specialisations/")
    assert [item["name"] for item in listed.json()["results"]] == ["Cloud"]
    refused = api_client(partner_sales).post("/api/v1/specialisations/", {"name": "X"})
    assert refused.status_code == 403
    created = api_client(admin).post("/api/v1/specialisations/", {"name": "Security"})
    assert created.status_code == 201
    again = api_client(admin).post("/api/v1/specialisations/", {"name": "Security"})
    assert again.status_code == 409
    blank = api_client(admin).post("/api/v1/specialisations/", {"name": ""})
    assert blank.status_code == 400
    assert "name" in blank.json()
