"""Fixtures for portal page tests: one member of every role, and objects to act on."""

import io

import pytest
from PIL import Image

from ecosystem.api.services import create_token
from ecosystem.tenancy import services as tenancy_services
from ecosystem.tenancy.roles import Role

STAFF_ROLE_NAMES = ["admin", "channel_manager", "marketing_manager", "finance", "executive"]
PARTNER_ROLE_NAMES = ["partner_admin", "partner_sales", "partner_marketing"]
ALL_ROLE_NAMES = STAFF_ROLE_NAMES + PARTNER_ROLE_NAMES


@pytest.fixture
def member_of_role(tenant, partner, make_member):
    """member_of_role("finance") -> a Membership with that role (partner roles in `partner`)."""
    made = {}

    def make(role: str):
        if role not in made:
            organisation = partner if role in PARTNER_ROLE_NAMES else None
            made[role] = make_member(
                tenant, Role(role), organisation, email=f"{role}@roles.example"
            )
        return made[role]

    return make


@pytest.fixture
def invite():
    """invite(by_membership, email, role, partner=None) -> a pending Invitation."""

    def make(by, email, role, partner=None):
        return tenancy_services.invite_member(
            tenant=by.tenant,
            actor=by.user,
            actor_membership=by,
            email=email,
            role=role,
            partner_organisation=partner,
        )

    return make


@pytest.fixture
def token_for():
    """token_for(membership, name="CI") -> (ApiToken, raw value)."""

    def make(membership, name="CI"):
        return create_token(
            tenant=membership.tenant, actor=membership.user, membership=membership, name=name
        )

    return make


def image_bytes(image_format="PNG", size=(120, 40), colour=(29, 78, 216, 255), **save_options):
    mode = "RGBA" if image_format in {"PNG", "WEBP"} else "RGB"
    image = Image.new(mode, size, colour if mode == "RGBA" else colour[:3])
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **save_options)
    return buffer.getvalue()
