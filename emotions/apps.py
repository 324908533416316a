from django.apps import AppConfig


class EmotionsConfig(AppConfig):
    name = "emotions"
