"""Partner applications: the public page, review, and the decision's consequences."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from ecosystem.errors import Conflict
from ecosystem.notifications.models import Notification
from ecosystem.outbox.models import OutboxEvent
from ecosystem.tenancy.models import Membership, User
from ecosystem.tenancy.roles import Role
from onboarding import application_services as services
from onboarding.models import ApplicationStatus, PartnerApplication
from tests.partners.factories import PartnerOrganisationFactory, SpecialisationFactory
from tests.tenancy.factories import UserFactory

from .factories import submit

pytestmark = pytest.mark.django_db

FORM = {
    "company_name": "Fabrikam Managed Services",
    "website": "fabrikam.example",
    "partner_type": "msp",
    "country": "DE",
    "regions": ["emea", "na"],
    "employees": "120",
    "certifications": "ISO 27001, SOC 2",
    "description": "Managed cloud operations.",
    "contact_name": "Frieda Fabrikam",
    "contact_title": "CEO",
    "contact_phone": "+49 30 1234567",
    "email": "frieda@fabrikam.example",
    "password": "a-long-pass-2026",
    "consent": "on",
}


@pytest.fixture
def profile(tenant, admin):
    return services.update_profile(
        tenant=tenant,
        actor=admin.user,
        data={
            "partner_types": ["msp"],
            "partner_type_weight": 50,
            "regions": ["emea"],
            "region_weight": 50,
        },
    )


def test_the_public_page_needs_no_account(tenant, portal_client):
    response = portal_client(tenant=tenant).get(reverse("applications:apply"))

    assert response.status_code == 200
    assert "Join the Acme Corp partner program" in response.content.decode()


def test_applying_creates_the_account_the_applicant_and_a_scored_application(
    tenant, profile, channel_manager, portal_client
):
    specialisation = SpecialisationFactory(tenant=tenant, name="Cloud operations")
    response = portal_client(tenant=tenant).post(
        reverse("applications:apply"), {**FORM, "specialisations": [specialisation.pk]}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("applications:submitted")
    user = User.objects.get(email="frieda@fabrikam.example")
    assert user.full_name == "Frieda Fabrikam" and user.check_password("a-long-pass-2026")
    assert not EmailAddress.objects.get(user=user).verified
    application = PartnerApplication.objects.for_tenant(tenant).get()
    assert application.applicant == user
    assert application.partner.status == "applicant"
    assert application.partner.name == "Fabrikam Managed Services"
    assert application.partner.website == "https://fabrikam.example"
    assert list(application.specialisations.all()) == [specialisation]
    assert application.certifications == ["ISO 27001", "SOC 2"]
    assert str(application.fit_score) == "100.0"
    assert not Membership.objects.for_tenant(tenant).filter(user=user).exists()
    # The applicant confirms the address; the reviewers hear about it.
    verification = [m for m in mail.outbox if m.to == ["frieda@fabrikam.example"]]
    assert len(verification) == 1 and "/accounts/confirm-email/" in verification[0].body
    notice = Notification.objects.for_tenant(tenant).get(recipient=channel_manager.user)
    assert notice.title == "New partner application: Fabrikam Managed Services"
    assert OutboxEvent.objects.for_tenant(tenant).filter(name="application.submitted").exists()


def test_invalid_input_is_a_400_naming_the_fields(tenant, portal_client):
    response = portal_client(tenant=tenant).post(
        reverse("applications:apply"),
        {**FORM, "website": "not a url", "employees": "0", "regions": [], "consent": ""},
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"website", "employees", "regions", "consent"}
    assert not PartnerApplication.objects.for_tenant(tenant).exists()
    assert not User.objects.filter(email=FORM["email"]).exists()


def test_an_existing_account_signs_in_first(tenant, portal_client):
    UserFactory(email="frieda@fabrikam.example")

    response = portal_client(tenant=tenant).post(reverse("applications:apply"), FORM)

    assert response.status_code == 400
    assert "already exists: sign in, then apply" in response.context["form"].errors["email"][0]
    assert not PartnerApplication.objects.for_tenant(tenant).exists()


def test_a_company_already_in_the_program_is_told_whom_to_ask(tenant, partner, portal_client):
    response = portal_client(tenant=tenant).post(
        reverse("applications:apply"), {**FORM, "company_name": partner.name}
    )

    assert response.status_code == 400
    assert "ask its partner administrator" in response.context["form"].errors["company_name"][0]
    # Nothing half-made: no account, no organisation.
    assert not User.objects.filter(email=FORM["email"]).exists()


def test_possible_duplicates_are_flagged_by_domain_and_by_name(tenant):
    PartnerOrganisationFactory(
        tenant=tenant, name="Fabrikam GmbH", website="https://www.fabrikam.de", country="DE"
    )
    PartnerOrganisationFactory(tenant=tenant, name="Tailspin Toys", country="DE")
    same_name = submit(tenant, company_name="Fabrikam, Inc.", website="https://fabrikam.io")
    same_domain = submit(
        tenant,
        email="ops@fabrikam.example",
        company_name="FMS Cloud Operations",
        website="https://shop.fabrikam.de/apply",
    )

    assert [d["name"] for d in same_name.duplicates] == ["Fabrikam GmbH"]
    # The second is the domain's own name: "fabrikam" from shop.fabrikam.de.
    assert [d["name"] for d in same_domain.duplicates] == ["Fabrikam GmbH", "Fabrikam, Inc."]
    assert "same domain fabrikam.de" in same_domain.duplicates[0]["reasons"]


def test_unverified_applicants_cannot_sign_in_and_verified_ones_land_on_their_page(
    tenant, portal_client
):
    application = submit(tenant)
    client = portal_client(tenant=tenant)
    credentials = {"login": "frieda@fabrikam.example", "password": "a-long-pass-2026"}

    client.post(reverse("account_login"), credentials)
    assert "_auth_user_id" not in client.session

    EmailAddress.objects.filter(user=application.applicant).update(verified=True)
    response = client.post(reverse("account_login"), credentials)
    assert response.status_code == 302 and response["Location"] == reverse("applications:mine")
    assert client.get(reverse("home"))["Location"] == reverse("applications:mine")
    page = client.get(reverse("applications:mine"))
    assert page.status_code == 200
    assert "The program team is reviewing your application" in page.content.decode()
    # Still no member: the partner portal stays closed.
    assert client.get(reverse("deals:list")).status_code == 403


def test_information_requested_answered_then_approved(tenant, channel_manager, portal_client):
    application = submit(tenant)
    staff = portal_client(channel_manager)
    applicant = portal_client(tenant=tenant)
    applicant.force_login(application.applicant)

    response = staff.post(
        reverse("applications:decide", args=[application.pk]),
        {"action": "request_info", "reason": "Which data centres do you run?"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INFO_REQUESTED
    assert (
        Notification.objects.for_tenant(tenant).get(recipient=application.applicant).title
        == "More information needed on your application"
    )
    page = applicant.get(reverse("applications:mine")).content.decode()
    assert "Which data centres do you run?" in page

    applicant.post(reverse("applications:mine"), {"message": "Frankfurt and Dublin."})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED

    response = staff.post(
        reverse("applications:decide", args=[application.pk]),
        {"action": "approve", "reason": "Strong managed-services fit."},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    partner = application.partner
    partner.refresh_from_db()
    membership = Membership.objects.for_tenant(tenant).get(user=application.applicant)
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_by == channel_manager.user
    assert partner.status == "onboarding"
    assert membership.role == Role.PARTNER_ADMIN and membership.partner_organisation == partner
    assert partner.primary_contact == membership
    event = OutboxEvent.objects.for_tenant(tenant).get(name="application.approved")
    assert event.payload["partner_id"] == partner.pk
    # The applicant is now a member: home is the partner portal.
    assert applicant.get(reverse("home")).status_code == 200
    bodies = [m.body for m in application.messages.all()]
    assert bodies == [
        "Which data centres do you run?",
        "Frankfurt and Dublin.",
        "Strong managed-services fit.",
    ]


def test_rejection_needs_a_reason_and_archives_the_applicant(tenant, admin, portal_client):
    application = submit(tenant)
    staff = portal_client(admin)
    url = reverse("applications:decide", args=[application.pk])

    response = staff.post(url, {"action": "reject", "reason": ""})
    assert response.status_code == 400
    assert "Say why" in response.content.decode()

    staff.post(url, {"action": "reject", "reason": "We cover Germany fully today."})
    application.refresh_from_db()
    application.partner.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.partner.status == "offboarded"
    with pytest.raises(Conflict, match="already rejected"):
        services.approve_application(tenant=tenant, actor=admin.user, application_id=application.pk)


def test_one_open_application_per_person(tenant):
    application = submit(tenant)

    with pytest.raises(Conflict, match="already have an application"):
        services.submit_application(
            tenant=tenant,
            user=application.applicant,
            data={"company_name": "Another Co", "regions": ["emea"]},
        )


def test_saving_the_profile_rescores_open_applications(tenant, admin):
    application = submit(tenant)
    assert application.fit_score == 0

    services.update_profile(
        tenant=tenant,
        actor=admin.user,
        data={"partner_types": ["isv"], "partner_type_weight": 40, "min_employees": 100},
    )

    application.refresh_from_db()
    # Type 0 of 40, size (120 ≥ 100) 20 of 20.
    assert str(application.fit_score) == "33.3"


def test_the_profile_rejects_an_inverted_size_range(tenant, admin, portal_client):
    response = portal_client(admin).post(
        reverse("applications:profile"),
        {
            "partner_type_weight": 20,
            "region_weight": 20,
            "specialisation_weight": 20,
            "size_weight": 20,
            "certification_weight": 20,
            "min_employees": 500,
            "max_employees": 50,
        },
    )

    assert response.status_code == 400
    assert "must not be above the largest" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "queue", "decide"),
    [
        (Role.PARTNER_ADMIN, 403, 403),
        (Role.EXECUTIVE, 200, 403),
        (Role.CHANNEL_MANAGER, 200, 302),
    ],
)
def test_who_may_read_and_decide(tenant, partner, make_member, portal_client, role, queue, decide):
    application = submit(tenant)
    member = make_member(tenant, role, partner if role == Role.PARTNER_ADMIN else None)
    client = portal_client(member)

    assert client.get(reverse("applications:queue")).status_code == queue
    response = client.post(
        reverse("applications:decide", args=[application.pk]), {"action": "approve"}
    )
    assert response.status_code == decide


def test_queue_is_best_fit_first_in_bounded_queries(
    tenant, profile, channel_manager, portal_client, django_assert_max_num_queries
):
    for number in range(6):
        submit(
            tenant,
            email=f"owner{number}@company{number}.example",
            company_name=f"Company {number}",
            website=f"https://company{number}.example",
            partner_type="msp" if number % 2 else "var",
        )
    client = portal_client(channel_manager)

    with django_assert_max_num_queries(13):  # none per row
        response = client.get(reverse("applications:queue"))

    names = [application.company_name for application in response.context["page"]]
    assert names[:3] == ["Company 1", "Company 3", "Company 5"]
    assert (
        client.get(reverse("applications:queue"), {"status": "approved"})
        .context["page"]
        .paginator.count
        == 0
    )
