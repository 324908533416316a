import os

from django.core.wsgi import get_wsgi_application

from rewrapped.bodies import BodyLimitMiddleware

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewrapped.settings")

application = BodyLimitMiddleware(get_wsgi_application())
