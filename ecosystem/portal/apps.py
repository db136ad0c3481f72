from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ecosystem.portal"
    label = "portal"
