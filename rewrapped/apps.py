from django.apps import AppConfig


class RewrappedConfig(AppConfig):
    name = "rewrapped"
    verbose_name = "Re-Wrapped"
