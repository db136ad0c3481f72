"""The applications API (staff) and the ideal partner profile API."""

import pytest

from onboarding.models import PartnerApplication
from tests.partners.factories import SpecialisationFactory

from .factories import submit

pytestmark = pytest.mark.django_db


def test_staff_list_best_fit_first_and_filter(
    tenant, admin, api_client, django_assert_max_num_queries
):
    client = api_client(admin)
    client.patch(
        "/api/v1/ideal-partner-profile/",
        {"partner_types": ["isv"], "partner_type_weight": 60},
        format="json",
    )
    for number, kind in enumerate(["msp", "isv", "var", "isv"]):
        submit(
            tenant,
            email=f"a{number}@c{number}.example",
            company_name=f"Company {number}",
            partner_type=kind,
        )

    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/applications/")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["company_name"] for row in results[:2]] == ["Company 1", "Company 3"]
    assert results[0]["fit_score"] == "100.0"
    assert results[0]["fit_breakdown"][0]["criterion"] == "partner_type"
    isv_only = client.get("/api/v1/applications/", {"partner_type": "isv", "min_fit": 50})
    assert len(isv_only.json()["results"]) == 2


def test_decide_through_the_api(tenant, channel_manager, api_client):
    application = submit(tenant)
    client = api_client(channel_manager)
    url = f"/api/v1/applications/{application.pk}/"

    asked = client.post(url + "request-information/", {"message": "Send references."})
    assert asked.status_code == 200 and asked.json()["status"] == "info_requested"
    assert asked.json()["messages"][0]["body"] == "Send references."

    assert client.post(url + "reject/", {}).json() == {"reason": ["This field is required."]}
    approved = client.post(url + "approve/", {"reason": "Welcome"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = client.post(url + "reject/", {"reason": "Changed my mind"})
    assert again.status_code == 409
    assert again.json()["detail"] == ["This application was already approved."]


def test_partner_users_and_read_only_staff_cannot_decide(
    tenant, partner_admin, make_member, api_client
):
    application = submit(tenant)
    executive = make_member(tenant, "executive")

    assert api_client(partner_admin).get("/api/v1/applications/").status_code == 403
    assert api_client(executive).get("/api/v1/applications/").status_code == 200
    response = api_client(executive).post(f"/api/v1/applications/{application.pk}/approve/")
    assert response.status_code == 403
    assert PartnerApplication.objects.for_tenant(tenant).get().status == "submitted"


def test_profile_validation_names_the_field(tenant, other_tenant, admin, api_client):
    client = api_client(admin)
    theirs = SpecialisationFactory(tenant=other_tenant, name="Theirs")

    response = client.patch(
        "/api/v1/ideal-partner-profile/",
        {"regions": ["mars"], "specialisations": [theirs.pk], "size_weight": 101},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"regions", "specialisations", "size_weight"}
    inverted = client.patch(
        "/api/v1/ideal-partner-profile/", {"min_employees": 10, "max_employees": 5}, format="json"
    )
    assert inverted.status_code == 400 and "max_employees" in inverted.json()
