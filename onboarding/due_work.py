"""Onboarding's timed-work handlers, one module per area; importing registers them."""

from . import (
    contracts_due_work,  # noqa: F401
    screening_due_work,  # noqa: F401
    sequences_due_work,  # noqa: F401
)
