"""Demo data for `make run`: a listener with a year of plays, a promoter with events, a staff user."""

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User

DEMO_PASSWORD = "listen-to-this-2026"
DEMO_USERS = [
    {"email": "listener@demo.rewrapped", "display_name": "Demo Listener", "role": User.Role.REGULAR,
     "country": "US", "time_zone": "America/New_York", "interests": ["indie pop", "r&b", "pop"]},
    {"email": "promoter@demo.rewrapped", "display_name": "Demo Promoter", "role": User.Role.PROMOTER,
     "country": "NL", "time_zone": "Europe/Amsterdam"},
    {"email": "staff@demo.rewrapped", "display_name": "Demo Staff", "role": User.Role.REGULAR,
     "is_staff": True, "is_superuser": True},
]


class Command(BaseCommand):
    help = "Load demo users and data; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="URL to print for the site.")

    def handle(self, *args, url, **options):
        users = {spec["email"]: self._user(spec) for spec in DEMO_USERS}
        self.stdout.write(self.style.SUCCESS(f"\nRe-Wrapped is starting at {url}"))
        self.stdout.write("Demo logins (password for all: %s):" % DEMO_PASSWORD)
        for email, user in users.items():
            self.stdout.write(f"  {user.get_role_display():<9} {'(staff) ' if user.is_staff else ''}{email}")
        self.stdout.write("")

    @transaction.atomic
    def _user(self, spec: dict) -> User:
        spec = dict(spec)
        email = spec.pop("email")
        user, created = User.objects.get_or_create(email=email, defaults={"username": email.split("@")[0], **spec})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"primary": True, "verified": True})
        return user
