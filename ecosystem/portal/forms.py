"""Forms for the portal's own pages (team, settings, audit log, API tokens) and the helper
that shows a service's domain error on a form."""

from __future__ import annotations

import io
import warnings

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from ecosystem.errors import DomainError
from ecosystem.tenancy.models import HEX_COLOUR_VALIDATOR
from ecosystem.tenancy.roles import STAFF_ROLE_CHOICES

LOGO_FORMATS = ("PNG", "JPEG", "WEBP")
LOGO_MAX_SIDE = 2000


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's error next to the field it names, or above the form."""
    per_field = getattr(error, "errors", None)
    if per_field:
        for field, messages in per_field.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        return
    form.add_error(error.field if error.field in form.fields else None, error.message)


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label=_("Your full name"), max_length=150)
    password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class InviteStaffForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "placeholder": "name@company.com"}),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", _("Choose a role")), *STAFF_ROLE_CHOICES],
        help_text=_("Administrators can change settings and manage the team."),
        error_messages={"required": _("Choose what the person will do.")},
    )


def _normalise_colour(value: str) -> str:
    value = (value or "").strip().lower()
    if value and not value.startswith("#"):
        value = f"#{value}"
    return value


class ColourField(forms.CharField):
    """A #RRGGBB colour; accepts "1D4ED8" and stores "#1d4ed8"."""

    default_validators = [HEX_COLOUR_VALIDATOR]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 7)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "pattern": "#?[0-9a-fA-F]{6}",
                    "spellcheck": "false",
                    "autocomplete": "off",
                    "inputmode": "text",
                    "class": "colour-text",
                }
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        return _normalise_colour(super().to_python(value))


def sanitise_logo(upload) -> ContentFile:
    """Validate an uploaded logo and return it re-encoded as a metadata-free PNG.

    The format is what Pillow finds in the bytes (never the client's content type or file
    name): PNG, JPEG or WebP only — SVG can carry scripts. The size and pixel limits are
    checked before the image is decoded, so a small file cannot expand into a huge bitmap.
    """
    if upload.size is not None and upload.size > settings.LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is %(size)s; upload an image of at most %(limit)s."),
            params={
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.LOGO_MAX_BYTES),
            },
            code="too_large",
        )
    not_an_image = ValidationError(
        _("Upload a PNG, JPEG or WebP image (SVG and other formats are not accepted)."),
        code="invalid_image",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload, formats=LOGO_FORMATS) as image:
                width, height = image.size
                if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
                    raise ValidationError(
                        _(
                            "The logo is %(width)s×%(height)s pixels; use at most "
                            "%(limit)s×%(limit)s."
                        ),
                        params={"width": width, "height": height, "limit": LOGO_MAX_SIDE},
                        code="too_many_pixels",
                    )
                image.verify()
            # verify() leaves the image unusable: open it again to decode it.
            upload.seek(0)
            with Image.open(upload, formats=LOGO_FORMATS) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
                has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
                    upright.mode == "P" and "transparency" in upright.info
                )
                clean = upright.convert("RGBA" if has_alpha else "RGB")
                # Drop EXIF, ICC profiles, text chunks and anything else that came along.
                clean.info = {}
                output = io.BytesIO()
                clean.save(output, format="PNG", optimize=True)
    except ValidationError:
        raise
    except Exception as error:  # any decoder failure is the upload's fault, never a 500
        raise not_an_image from error
    return ContentFile(output.getvalue(), name="logo.png")


class BrandingForm(forms.Form):
    name = forms.CharField(
        label=_("Program name"),
        max_length=200,
        help_text=_("Shown in the top bar, page titles and emails."),
        error_messages={"required": _("Enter the program's name.")},
    )
    primary_colour = ColourField(
        label=_("Primary colour"),
        help_text=_("Top bar, buttons and links. Format: #RRGGBB."),
    )
    accent_colour = ColourField(
        label=_("Accent colour"),
        help_text=_("Highlights and focus outlines. Format: #RRGGBB."),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["logo"].help_text = _(
            "PNG, JPEG or WebP, at most %(size)s and %(side)s×%(side)s pixels. "
            "A wide logo on a transparent background looks best."
        ) % {"size": filesizeformat(settings.LOGO_MAX_BYTES), "side": LOGO_MAX_SIDE}

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        return sanitise_logo(upload)


class SecurityForm(forms.Form):
    requires_mfa_for_staff = forms.BooleanField(
        label=_("Require two-factor authentication for staff"),
        required=False,
        help_text=_(
            "Staff members who have not set up an authenticator app will be asked to do so "
            "the next time they open the portal. Partner users are not affected."
        ),
    )


class AuditFilterForm(forms.Form):
    """Filters of the audit log. Unknown values are ignored rather than refused."""

    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Person (email contains)"), required=False, max_length=254)

    def __init__(self, *args, action_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Any action")), *action_choices]

    def filters(self) -> dict[str, str]:
        """The valid filters; an invalid one (a stale action name) is simply left out."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {"action": cleaned.get("action", ""), "actor_email": cleaned.get("actor", "")}


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “CRM sync”, so you can tell tokens apart."),
        error_messages={"required": _("Give the token a name, e.g. “CRM sync”.")},
    )
