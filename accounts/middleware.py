import zoneinfo

from django.utils import timezone


def user_time_zone(get_response):
    """Times on pages show in the signed-in user's own time zone (stored times stay UTC)."""

    def middleware(request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        else:
            timezone.deactivate()
        return get_response(request)

    return middleware
