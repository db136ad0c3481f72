"""Forms for the portal's own pages (team, settings, audit log, API tokens) and the helper
that shows a service's domain error on a form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ecosystem.errors import DomainError
from ecosystem.tenancy.models import HEX_COLOUR_VALIDATOR
from ecosystem.tenancy.roles import STAFF_ROLE_CHOICES
from ecosystem.uploads import LOGO_FORMATS, LOGO_MAX_SIDE, logo_help_text, sanitise_logo

__all__ = ["LOGO_FORMATS", "LOGO_MAX_SIDE", "sanitise_logo"]  # re-exported: older imports


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's error next to the field it names, or above the form."""
    per_field = getattr(error, "errors", None)
    if per_field:
        for field, messages in per_field.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        return
    form.add_error(error.field if error.field in form.fields else None, error.message)


class NameListField(forms.CharField):
    """Names as typed, separated by commas or new lines → a sorted list without repeats."""

    def __init__(self, *, noun=None, max_names: int = 50, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 2000)
        self.noun, self.max_names = noun or _("name"), max_names
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return ", ".join(str(item) for item in value)
        return value

    def clean(self, value):
        text = super().clean(value) or ""
        names = sorted({part.strip() for part in text.replace("\n", ",").split(",")} - {""})
        if any(len(name) > 100 for name in names):
            raise forms.ValidationError(
                _("Keep each %(noun)s under 100 characters.") % {"noun": self.noun}
            )
        if len(names) > self.max_names:
            raise forms.ValidationError(
                _("List at most %(count)s entries.") % {"count": self.max_names}
            )
        return names


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
        self.fields["logo"].help_text = logo_help_text()

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
