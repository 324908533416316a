import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewrapped.settings")

app = Celery("rewrapped")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every worker listens to these; a task names its queue in its decorator.
QUEUES = ("default", "sync", "imports", "ml")
