"""Demo due diligence: a small restricted-party list, uploaded and activated like a real
one, that near-matches one applicant's company (Kestrel Security Labs), its contact
(Marcus Webb) and one active partner, so the demo shows a flagged application and open
compliance reviews. Called by seed_demo after the applications are seeded."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from partners.models import PartnerOrganisation, PartnerStatus

from . import screening_services

# Realistic-looking, fictional entries: (name, aliases, country, type, source, reference).
ENTRIES = [
    ("Kestrel Securities Lab LLC", "Kestrel Sec Labs", "AE", "entity", "OFAC SDN", "SDN-48213"),
    ("WEBB, Markus", "Mark Webb", "CY", "person", "UK HMT", "HMT-17765"),
    ("Rosnefteprom Trading S.A.", "", "CH", "entity", "EU Consolidated", "EU-3.1146"),
    ("Volga Maritime Holdings", "Volga Marine Ltd", "RU", "entity", "OFAC SDN", "SDN-50127"),
    ("Petrov, Ivan Sergeyevich", "Ivan Petrov", "RU", "person", "EU Consolidated", "EU-1.0932"),
    ("Golden Crescent Exchange", "", "IR", "entity", "UN Security Council", "UN-QDe.161"),
    ("Pyongyang Trade Bureau 39", "Office 39", "KP", "entity", "UN Security Council", "UN-KPe.030"),
]


def _near_match(name: str) -> str:
    """The partner's name with one letter doubled and a legal form, as lists spell it."""
    words = name.split()
    longest = max(range(len(words)), key=lambda index: len(words[index]))
    word = words[longest]
    words[longest] = word[:3] + word[2] + word[3:] if len(word) > 3 else word
    return " ".join(words) + " Ltd"


def seed_screening(*, tenant, staff) -> None:
    from ecosystem.tenancy.roles import Role

    admin = staff[Role.ADMIN]
    entries = list(ENTRIES)
    flagged_partner = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .filter(status=PartnerStatus.ACTIVE)
        .order_by("-id")
        .first()
    )
    if flagged_partner is not None:
        entries.append(
            (_near_match(flagged_partner.name), "", "", "entity", "BIS Entity List", "EL-2291")
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["name", "aliases", "country", "type", "source", "reference"])
    writer.writerows(entries)
    upload = SimpleUploadedFile(
        "consolidated-restricted-parties.csv", buffer.getvalue().encode(), "text/csv"
    )
    party_list = screening_services.preview_list(tenant=tenant, actor=admin, uploaded_file=upload)
    # Activating re-screens everyone once the transaction commits (in process here).
    with transaction.atomic():
        screening_services.activate_list(tenant=tenant, actor=admin, list_id=party_list.pk)
