from django.apps import AppConfig


class TcmaConfig(AppConfig):
    name = "tcma"
