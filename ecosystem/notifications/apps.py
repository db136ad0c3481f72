from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "ecosystem.notifications"
    label = "notifications"
