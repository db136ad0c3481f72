from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "onboarding"

    def ready(self) -> None:
        # Registers the applicants' guest landing (ecosystem.tenancy.guests) and the
        # offboarding clean-up listener (ecosystem.outbox).
        from . import application_selectors, offboarding_services  # noqa: F401
