from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ecosystem.audit"
    label = "audit"
