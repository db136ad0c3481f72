from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class OutboxConfig(AppConfig):
    name = "ecosystem.outbox"
    label = "outbox"

    def ready(self) -> None:
        # Each app's listeners.py registers its listeners on import.
        autodiscover_modules("listeners")
