"""Applications made through the services, as the public page makes them."""

from onboarding import application_services


def application_data(**overrides) -> dict:
    """The cleaned data of a valid application form."""
    data = {
        "company_name": "Fabrikam Managed Services",
        "website": "https://fabrikam.example",
        "partner_type": "msp",
        "country": "DE",
        "regions": ["emea"],
        "specialisations": [],
        "employees": 120,
        "certifications": ["ISO 27001"],
        "description": "Managed cloud operations for the German Mittelstand.",
        "contact_name": "Frieda Fabrikam",
        "contact_title": "CEO",
        "contact_phone": "+49 30 1234567",
    }
    data.update(overrides)
    return data


def submit(tenant, email="frieda@fabrikam.example", **overrides):
    """An applicant account (unverified) and its submitted application."""
    data = application_data(**overrides)
    user = application_services.create_applicant_account(
        email=email, full_name=data["contact_name"], password="a-long-pass-2026"
    )
    return application_services.submit_application(tenant=tenant, user=user, data=data)
