"""Shared by the operator commands: domain errors become one readable CommandError."""

from django.core.management.base import CommandError

from ecosystem.errors import DomainError


def command_error(error: DomainError) -> CommandError:
    """A CommandError listing every message of `error` (field: message; …)."""
    parts = []
    for field, messages in error.as_dict().items():
        text = " ".join(str(message) for message in messages)
        parts.append(text if field in {"detail", "__all__"} else f"{field}: {text}")
    return CommandError("; ".join(parts) or error.__class__.__name__)
