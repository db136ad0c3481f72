"""Branding and security settings."""

import io
import random

import pytest
from allauth.mfa.models import Authenticator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, PngImagePlugin

from ecosystem.audit.models import AuditEntry
from ecosystem.portal.selectors import contrast_ratio, text_contrast_on
from ecosystem.tenancy.models import Tenant

from .conftest import image_bytes

BRANDING = {"name": "Acme Partners", "primary_colour": "#0b3d91", "accent_colour": "#d97706"}


def upload(content: bytes, name="logo.png", content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def fresh(tenant):
    return Tenant.objects.get(pk=tenant.pk)


def test_branding_page_shows_current_values_and_preview(admin, tenant, portal_client):
    response = portal_client(admin).get(reverse("settings_branding"))
    form = response.context["form"]
    assert form["primary_colour"].value() == tenant.primary_colour
    body = response.content.decode()
    assert 'type="color"' in body
    assert "data-brand-preview" in body
    assert 'aria-current="page"' in body  # the settings sub-navigation
    assert "style=" not in body


def test_save_name_and_colours(admin, tenant, portal_client):
    response = portal_client(admin).post(
        reverse("settings_branding"), {**BRANDING, "primary_colour": "0B3D91"}, follow=True
    )
    assert "Branding saved." in response.content.decode()
    tenant = fresh(tenant)
    assert (tenant.name, tenant.primary_colour, tenant.accent_colour) == (
        "Acme Partners",
        "#0b3d91",
        "#d97706",
    )
    entry = AuditEntry.objects.for_tenant(tenant).get(action="tenant.branding_updated")
    assert entry.changes["primary_colour"] == ["#1d4ed8", "#0b3d91"]
    # The theme served to every page follows.
    css = portal_client(admin).get(reverse("theme_css")).content.decode()
    assert "--brand-primary:#0b3d91" in css


@pytest.mark.parametrize(
    ("field", "value"),
    [("primary_colour", "blue"), ("accent_colour", "#12345g"), ("name", ""), ("name", "   ")],
)
def test_invalid_branding_is_an_error_on_the_field(field, value, admin, tenant, portal_client):
    response = portal_client(admin).post(reverse("settings_branding"), {**BRANDING, field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert fresh(tenant).name == "Acme Corp"


def test_logo_upload_is_reencoded_as_png_without_metadata(admin, tenant, portal_client):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret camera serial")
    response = portal_client(admin).post(
        reverse("settings_branding"),
        {**BRANDING, "logo": upload(image_bytes("PNG", pnginfo=info))},
    )
    assert response.status_code == 302
    tenant = fresh(tenant)
    assert tenant.logo.name.endswith(".png")
    with tenant.logo.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "PNG"
        assert image.size == (120, 40)
        assert "Comment" not in image.info
    served = portal_client(admin).get(reverse("tenant_logo"))
    assert served.status_code == 200
    assert AuditEntry.objects.for_tenant(tenant).filter(action="tenant.branding_updated").exists()


def test_jpeg_with_exif_is_stored_as_png_without_exif(admin, tenant, portal_client):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    content = image_bytes("JPEG", exif=exif.tobytes())
    response = portal_client(admin).post(
        reverse("settings_branding"),
        {**BRANDING, "logo": upload(content, "photo.jpg", "image/jpeg")},
    )
    assert response.status_code == 302
    with fresh(tenant).logo.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "PNG"
        assert not image.getexif()


def test_webp_logo_is_accepted(admin, tenant, portal_client):
    response = portal_client(admin).post(
        reverse("settings_branding"),
        {**BRANDING, "logo": upload(image_bytes("WEBP"), "logo.webp", "image/webp")},
    )
    assert response.status_code == 302
    assert fresh(tenant).logo


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (SVG, "logo.svg", "image/svg+xml"),
        (SVG, "logo.png", "image/png"),
        (b"just some text, honestly", "logo.png", "image/png"),
        (image_bytes("GIF", colour=(1, 2, 3, 255)), "logo.gif", "image/gif"),
        (image_bytes("PNG")[:60], "truncated.png", "image/png"),
        (b"", "empty.png", "image/png"),
    ],
    ids=["svg", "svg-renamed", "text-renamed", "gif", "truncated", "empty"],
)
def test_non_images_are_refused_on_the_logo_field(
    content, name, content_type, admin, tenant, portal_client
):
    response = portal_client(admin).post(
        reverse("settings_branding"), {**BRANDING, "logo": upload(content, name, content_type)}
    )
    assert response.status_code == 200
    assert "logo" in response.context["form"].errors
    assert not fresh(tenant).logo
    assert fresh(tenant).name == "Acme Corp"


def test_too_large_logo_is_refused(admin, tenant, portal_client, settings):
    settings.LOGO_MAX_BYTES = 1000
    noise = random.Random(7).randbytes(200 * 200 * 3)
    big = Image.frombytes("RGB", (200, 200), noise)
    buffer = io.BytesIO()
    big.save(buffer, format="PNG")
    assert len(buffer.getvalue()) > 1000
    response = portal_client(admin).post(
        reverse("settings_branding"), {**BRANDING, "logo": upload(buffer.getvalue())}
    )
    assert response.status_code == 200
    assert "at most" in response.context["form"].errors["logo"][0]
    assert not fresh(tenant).logo


def test_logo_with_too_many_pixels_is_refused(admin, tenant, portal_client):
    content = image_bytes("PNG", size=(2001, 50))
    response = portal_client(admin).post(
        reverse("settings_branding"), {**BRANDING, "logo": upload(content)}
    )
    assert response.status_code == 200
    assert "2001×50 pixels" in response.context["form"].errors["logo"][0]
    assert not fresh(tenant).logo


def test_remove_logo(admin, tenant, portal_client):
    client = portal_client(admin)
    client.post(reverse("settings_branding"), {**BRANDING, "logo": upload(image_bytes())})
    assert fresh(tenant).logo
    assert "Remove the current logo" in client.get(reverse("settings_branding")).content.decode()
    client.post(reverse("settings_branding"), {**BRANDING, "remove_logo": "on"})
    assert not fresh(tenant).logo
    assert client.get(reverse("tenant_logo")).status_code == 404


def test_low_contrast_primary_colour_gets_a_warning(admin, tenant, portal_client):
    assert not text_contrast_on("#777777")["passes"]
    response = portal_client(admin).post(
        reverse("settings_branding"), {**BRANDING, "primary_colour": "#777777"}, follow=True
    )
    body = response.content.decode()
    assert "Branding saved." in body
    assert "WCAG AA asks for at least 4.5:1" in body
    assert response.context["contrast"]["passes"] is False
    assert fresh(tenant).primary_colour == "#777777"


def test_good_contrast_hides_the_warning(admin, portal_client):
    response = portal_client(admin).get(reverse("settings_branding"))
    assert response.context["contrast"]["passes"] is True
    assert "data-contrast-warning hidden" in response.content.decode()


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0), ("#777777", "#ffffff", 4.48)],
)
def test_contrast_ratio(first, second, expected):
    assert round(contrast_ratio(first, second), 2) == expected


def test_security_toggle(admin, tenant, portal_client):
    Authenticator.objects.create(
        user=admin.user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    client = portal_client(admin)
    page = client.get(reverse("settings_security"))
    assert page.context["form"]["requires_mfa_for_staff"].value() is False
    assert "You have not set up an authenticator app yet" not in page.content.decode()
    response = client.post(reverse("settings_security"), {"requires_mfa_for_staff": "on"})
    assert response.status_code == 302
    assert fresh(tenant).requires_mfa_for_staff is True
    entry = AuditEntry.objects.for_tenant(tenant).get(action="tenant.security_updated")
    assert entry.changes == {"requires_mfa_for_staff": True}
    client.post(reverse("settings_security"), {})
    assert fresh(tenant).requires_mfa_for_staff is False


def test_admin_without_authenticator_is_warned_then_sent_to_set_one_up(
    admin, tenant, portal_client
):
    client = portal_client(admin)
    page = client.get(reverse("settings_security"))
    assert "You have not set up an authenticator app yet" in page.content.decode()
    client.post(reverse("settings_security"), {"requires_mfa_for_staff": "on"})
    assert fresh(tenant).requires_mfa_for_staff is True
    response = client.get(reverse("settings_security"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_settings_index_goes_to_branding(admin, portal_client):
    response = portal_client(admin).get(reverse("settings"))
    assert response["Location"] == reverse("settings_branding")


def test_replacing_the_logo_deletes_the_old_file(
    admin, tenant, portal_client, django_capture_on_commit_callbacks
):
    client = portal_client(admin)
    client.post(reverse("settings_branding"), {**BRANDING, "logo": upload(image_bytes())})
    first = fresh(tenant).logo
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("settings_branding"), {**BRANDING, "logo": upload(image_bytes())})
    second = fresh(tenant).logo
    assert second.name != first.name
    assert second.storage.exists(second.name)
    assert not first.storage.exists(first.name)
