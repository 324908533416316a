from django.apps import AppConfig


class PromotersConfig(AppConfig):
    name = "promoters"
