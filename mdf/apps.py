from django.apps import AppConfig


class MdfConfig(AppConfig):
    name = "mdf"

    def ready(self) -> None:
        # Registers incentives' event listeners (ecosystem.outbox).
        from . import incentives_listeners  # noqa: F401
