from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "ecosystem.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from . import signals  # noqa: F401
