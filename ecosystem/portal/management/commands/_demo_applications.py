"""The demo program's partner applications (used by seed_demo): an ideal partner profile
and six applications that went through the application services, so fit scores, duplicate
flags and conversations are real.

They tell different stories: two strong fits waiting for review, one that looks like an
existing partner (a one-letter typo of Northwind Systems), one the team asked questions
about, one approved (now onboarding) and one rejected. Olivia Chen of Brightpath signs in
with the demo password to see an applicant's own page.
"""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.utils import timezone

from ecosystem.tenancy.models import User
from ecosystem.tenancy.roles import Role
from onboarding import application_services as services
from onboarding.models import PartnerApplication
from partners.models import Specialisation

PROFILE = {
    "partner_types": ["msp", "mssp", "gsi"],
    "partner_type_weight": 30,
    "regions": ["emea", "na"],
    "region_weight": 25,
    "specialisation_weight": 20,
    "min_employees": 20,
    "max_employees": 5000,
    "size_weight": 10,
    "certifications": ["ISO 27001", "SOC 2"],
    "certification_weight": 15,
}

APPLICANT = "olivia.chen@brightpath.example"
# (company, website, type, country, regions, employees, certifications, description,
#  contact, email, days ago, story)
APPLICATIONS = [
    (
        "Brightpath Cloud Services",
        "https://brightpath.io",
        "msp",
        "GB",
        ["emea"],
        140,
        ["ISO 27001", "SOC 2"],
        "Managed Kubernetes and cloud operations for UK retailers and insurers.",
        "Olivia Chen",
        "olivia.chen@brightpath.example",
        2,
        "submitted",
    ),
    (
        "Kestrel Security Labs",
        "https://kestrelsec.com",
        "mssp",
        "US",
        ["na"],
        45,
        ["SOC 2"],
        "24/7 managed detection and response for mid-market healthcare.",
        "Marcus Webb",
        "marcus.webb@kestrelsec.example",
        1,
        "submitted",
    ),
    (
        "Northwind Sytems",
        "https://northwindsytems.example",
        "var",
        "US",
        ["na"],
        12,
        [],
        "Reseller of cloud licences.",
        "Dan Hollis",
        "dan@northwindsytems.example",
        0,
        "submitted",
    ),
    (
        "Sakura Digital K.K.",
        "https://sakuradigital.jp",
        "var",
        "JP",
        ["apac"],
        800,
        [],
        "Value-added reseller for Japanese manufacturers.",
        "Haruto Sato",
        "haruto.sato@sakuradigital.example",
        6,
        "info_requested",
    ),
    (
        "Atlas Integration Partners",
        "https://atlas-integration.de",
        "gsi",
        "DE",
        ["emea", "na"],
        3200,
        ["ISO 27001"],
        "Systems integrator for SAP and cloud platform migrations.",
        "Greta Albers",
        "greta.albers@atlas-integration.example",
        10,
        "approved",
    ),
    (
        "QuickRef Leads",
        "https://quickref.example",
        "referral",
        "US",
        ["na"],
        3,
        [],
        "We pass on leads from our newsletter.",
        "Sam Quick",
        "sam@quickref.example",
        12,
        "rejected",
    ),
]


def seed_applications(*, tenant, staff, password_hash: str) -> None:
    reviewer = staff[Role.CHANNEL_MANAGER].user
    specialisations = list(Specialisation.objects.for_tenant(tenant).order_by("name")[:2])
    services.update_profile(
        tenant=tenant, actor=reviewer, data={**PROFILE, "specialisations": specialisations}
    )
    now = timezone.now()
    for (
        company,
        website,
        partner_type,
        country,
        regions,
        employees,
        certifications,
        description,
        contact,
        email,
        days_ago,
        story,
    ) in APPLICATIONS:
        # Another demo tenant may have the same applicant already: one account per person.
        user, _created = User.objects.get_or_create(
            email=email, defaults={"full_name": contact, "password": password_hash}
        )
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"primary": True, "verified": True}
        )
        application = services.submit_application(
            tenant=tenant,
            user=user,
            data={
                "company_name": company,
                "website": website,
                "partner_type": partner_type,
                "country": country,
                "regions": regions,
                "specialisations": specialisations[:1] if partner_type != "referral" else [],
                "employees": employees,
                "certifications": certifications,
                "description": description,
                "contact_name": contact,
                "contact_title": "Founder" if employees < 50 else "Head of Partnerships",
                "contact_phone": "",
            },
        )
        if story == "info_requested":
            services.request_information(
                tenant=tenant,
                actor=reviewer,
                application_id=application.pk,
                message="Which of your customers already run on our platform, and who would "
                "be your certified engineers?",
            )
        elif story == "approved":
            services.approve_application(
                tenant=tenant,
                actor=reviewer,
                application_id=application.pk,
                reason="Strong SAP practice in our two core regions.",
            )
        elif story == "rejected":
            services.reject_application(
                tenant=tenant,
                actor=reviewer,
                application_id=application.pk,
                reason="The program does not take referral-only partners with no sales team; "
                "our affiliate program may suit you better.",
            )
        PartnerApplication.objects.for_tenant(tenant).filter(pk=application.pk).update(
            submitted_at=now - timedelta(days=days_ago, hours=3)
        )
