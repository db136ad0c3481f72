from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class SchedulingConfig(AppConfig):
    name = "ecosystem.scheduling"
    label = "scheduling"
    verbose_name = "Due work"

    def ready(self) -> None:
        # Each app's due_work.py registers its handlers on import.
        autodiscover_modules("due_work")
