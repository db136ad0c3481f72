from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "onboarding"

    def ready(self) -> None:
        # Registers the applicants' guest landing (ecosystem.tenancy.guests) and the welcome-
        # sequence and survey event listeners (ecosystem.outbox).
        from . import (
            application_selectors,  # noqa: F401
            sequences_listeners,  # noqa: F401
        )
