"""Onboarding's models, one module per area (applications, training, contracts …).

Each area's module is imported here so Django finds its models.
"""

from .contracts import *  # noqa: F403
