"""Restricted-party lists made through the services, as an upload makes them."""

from django.core.files.uploadedfile import SimpleUploadedFile

from onboarding import screening_services

HEADER = "name,aliases,country,type,source,reference\n"
LIST_ROWS = (
    "Rosneft Trading S.A.,Rosneft Trade,CH,entity,OFAC SDN,SDN-1001\n"
    "Volga Industrial Holdings,,RU,entity,EU Consolidated,EU-2002\n"
    '"Petrov, Ivan",Ivan Petrov,RU,person,UK HMT,HMT-3003\n'
)


def csv_file(text: str, name: str = "parties.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def upload(tenant, actor, rows: str = LIST_ROWS, *, activate: bool = True, name="parties.csv"):
    """A previewed list from these CSV rows, activated unless told otherwise."""
    party_list = screening_services.preview_list(
        tenant=tenant, actor=actor, uploaded_file=csv_file(HEADER + rows, name)
    )
    if activate:
        party_list = screening_services.activate_list(
            tenant=tenant, actor=actor, list_id=party_list.pk
        )
    return party_list
