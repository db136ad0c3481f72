"""Due-diligence pages and API: upload and activate, the queue and a decision, the
application panel, settings; roles; query counts on lists."""

import pytest
from django.urls import reverse

from onboarding.models import (
    ComplianceReview,
    HitDisposition,
    ListStatus,
    RestrictedPartyList,
    ReviewStatus,
    ScreeningHit,
)
from partners.models import PartnerStatus
from tests.onboarding.factories import submit
from tests.onboarding.screening_factories import HEADER, LIST_ROWS, csv_file, upload
from tests.partners.factories import PartnerOrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviews(tenant, admin, django_capture_on_commit_callbacks):
    """Five flagged active partners with an open review each."""
    names = [
        "Volga Industrial",
        "Baikal Shipping",
        "Ural Metals Trading",
        "Kazan Aviation Works",
        "Amur Timber Export",
    ]
    for name in names:
        PartnerOrganisationFactory(tenant=tenant, name=name, status=PartnerStatus.ACTIVE)
    rows = "".join(f"{name} Ltd,,RU,entity,EU,EU-{number}\n" for number, name in enumerate(names))
    with django_capture_on_commit_callbacks(execute=True):
        upload(tenant, admin, rows)
    return list(ComplianceReview.objects.for_tenant(tenant))


def test_upload_preview_and_activate_on_pages(
    tenant, admin, portal_client, django_capture_on_commit_callbacks
):
    client = portal_client(admin)
    response = client.post(
        reverse("screening:lists"), {"file": csv_file(HEADER + LIST_ROWS + ",,,,,\nX,,ZZ,,,\n")}
    )
    party_list = RestrictedPartyList.objects.for_tenant(tenant).get()
    assert response.status_code == 302
    page = client.get(reverse("screening:list_detail", args=[party_list.pk]))
    assert "is not a country" in page.content.decode()
    client.post(reverse("screening:list_activate", args=[party_list.pk]))
    party_list.refresh_from_db()
    assert party_list.status == ListStatus.PREVIEWED  # errors: refused whole
    client.post(reverse("screening:lists"), {"file": csv_file(HEADER + LIST_ROWS)})
    good = RestrictedPartyList.objects.for_tenant(tenant).order_by("-id").first()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("screening:list_activate", args=[good.pk]))
    good.refresh_from_db()
    assert good.status == ListStatus.ACTIVE
    page = client.get(reverse("screening:list_detail", args=[good.pk]))
    assert "Rosneft Trading S.A." in page.content.decode()


def test_a_file_that_is_not_csv_gets_a_400_naming_the_file(admin, portal_client):
    response = portal_client(admin).post(reverse("screening:lists"), {"file": csv_file("nom\nx\n")})
    assert response.status_code == 400
    assert "name column" in response.content.decode()


def test_channel_managers_decide_but_do_not_upload(channel_manager, partner_admin, portal_client):
    assert portal_client(channel_manager).get(reverse("screening:reviews")).status_code == 200
    assert portal_client(channel_manager).get(reverse("screening:lists")).status_code == 403
    assert portal_client(partner_admin).get(reverse("screening:reviews")).status_code == 403


def test_the_queue_and_a_decision_with_suspension(
    tenant, admin, reviews, portal_client, django_assert_max_num_queries
):
    client = portal_client(admin)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("screening:reviews"))
    assert page.status_code == 200 and "Amur Timber Export" in page.content.decode()
    review = reviews[0]
    url = reverse("screening:review", args=[review.pk])
    assert client.post(url, {"decision": "confirmed", "reason": ""}).status_code == 400
    response = client.post(
        url, {"decision": "confirmed", "reason": "Same registry number.", "suspend_partner": "on"}
    )
    assert response.status_code == 302
    review.refresh_from_db()
    review.partner.refresh_from_db()
    assert review.status == ReviewStatus.CONFIRMED
    assert review.partner.status == PartnerStatus.SUSPENDED


def test_the_application_page_shows_due_diligence_and_marks_a_false_positive(
    tenant, admin, channel_manager, portal_client
):
    upload(tenant, admin)
    application = submit(tenant, company_name="Rosnef Trading Ltd", website="https://r.example")
    from ecosystem.outbox.services import dispatch_pending

    dispatch_pending()
    client = portal_client(channel_manager)
    url = reverse("applications:detail", args=[application.pk])
    page = client.get(url).content.decode()
    assert "Due diligence" in page and "Rosneft Trading S.A." in page and "OFAC SDN" in page
    hit = ScreeningHit.objects.for_tenant(tenant).get()
    response = client.post(
        reverse("screening:hit_decide", args=[hit.pk]),
        {
            "decision": "false_positive",
            "reason": "Different company, checked registry.",
            "next": url,
        },
    )
    assert response.status_code == 302 and response.url == url
    hit.refresh_from_db()
    assert hit.disposition == HitDisposition.FALSE_POSITIVE
    application.refresh_from_db()
    assert application.status == "submitted"


def test_settings_page_saves(tenant, admin, portal_client):
    response = portal_client(admin).post(
        reverse("screening:settings"),
        {
            "match_threshold": "0.9",
            "rescreen_interval_days": "14",
            "required_var": ["contact_phone"],
        },
    )
    assert response.status_code == 302
    from onboarding.screening_services import settings_for

    found = settings_for(tenant)
    assert (str(found.match_threshold), found.rescreen_interval_days) == ("0.90", 14)
    assert found.required_fields == {"var": ["contact_phone"]}
    bad = portal_client(admin).post(
        reverse("screening:settings"), {"match_threshold": "3", "rescreen_interval_days": "0"}
    )
    assert bad.status_code == 400


# --- API ----------------------------------------------------------------------------------


def test_api_upload_activate_and_list(
    tenant, admin, api_client, django_capture_on_commit_callbacks
):
    client = api_client(admin)
    response = client.post(
        "/api/v1/restricted-party-lists/",
        {"file": csv_file(HEADER + LIST_ROWS)},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["errors"] == [] and len(response.json()["rows"]) == 3
    list_id = response.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        activated = client.post(f"/api/v1/restricted-party-lists/{list_id}/activate/")
    assert activated.json()["status"] == "active"
    assert client.post(f"/api/v1/restricted-party-lists/{list_id}/activate/").status_code == 409
    bad = client.post("/api/v1/restricted-party-lists/", {}, format="multipart")
    assert bad.status_code == 400 and "file" in bad.json()


def test_api_screening_results_and_review_decision(
    tenant, admin, reviews, api_client, django_assert_max_num_queries
):
    client = api_client(admin)
    with django_assert_max_num_queries(8):
        listed = client.get("/api/v1/compliance-reviews/?status=open")
    assert len(listed.json()["results"]) == 5
    partner_id = reviews[0].partner_id
    with django_assert_max_num_queries(8):
        runs = client.get(f"/api/v1/screening-runs/?partner={partner_id}")
    assert runs.json()["results"][0]["checks"][0]["status"] == "flagged"
    with django_assert_max_num_queries(8):
        client.get("/api/v1/screening-runs/")
    with django_assert_max_num_queries(8):
        client.get("/api/v1/screening-hits/")
    with django_assert_max_num_queries(8):
        client.get("/api/v1/restricted-party-lists/")
    assert client.get("/api/v1/screening-runs/?partner=x").status_code == 400
    assert client.get("/api/v1/compliance-reviews/?status=nope").status_code == 400
    review_id = reviews[0].pk
    missing_reason = client.post(
        f"/api/v1/compliance-reviews/{review_id}/decide/", {"decision": "cleared"}
    )
    assert missing_reason.status_code == 400 and "reason" in missing_reason.json()
    decided = client.post(
        f"/api/v1/compliance-reviews/{review_id}/decide/",
        {"decision": "cleared", "reason": "Different company."},
    )
    assert decided.status_code == 200 and decided.json()["status"] == "cleared"
    assert decided.json()["hit"]["disposition"] == "false_positive"
    again = client.post(
        f"/api/v1/compliance-reviews/{review_id}/decide/", {"decision": "confirmed", "reason": "x"}
    )
    assert again.status_code == 409


def test_partner_people_cannot_read_screening(partner_admin, api_client):
    assert api_client(partner_admin).get("/api/v1/compliance-reviews/").status_code == 403
    assert api_client(partner_admin).get("/api/v1/screening-runs/").status_code == 403
