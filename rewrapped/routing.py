from django.urls import path

from accounts.consumers import NotificationConsumer
from emotions.consumers import MoodConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path("ws/mood/", MoodConsumer.as_asgi()),
]
