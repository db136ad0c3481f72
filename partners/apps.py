from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        # Every app's metrics.py registers its tier metrics (partners.metrics registry).
        autodiscover_modules("metrics")
        # …and its commitments.py the checks of what tiers promise (partners.commitments).
        autodiscover_modules("commitments")
