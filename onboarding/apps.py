from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "onboarding"

    def ready(self) -> None:
        # Registers the applicants' guest landing (ecosystem.tenancy.guests) and each
        # area's event listeners (ecosystem.outbox).
        from . import (  # noqa: F401
            application_selectors,
            checklists_listeners,
            offboarding_services,
            screening_listeners,
            sequences_listeners,
        )
