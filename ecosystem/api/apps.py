from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ecosystem.api"
    label = "api"
