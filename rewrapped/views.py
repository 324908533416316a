"""The home page: the site's own, drawing on every app's reads."""

from django.shortcuts import render

from events import selectors as event_selectors
from listening import selectors as listening_selectors
from listening.periods import period_parse


def home(request):
    context = {}
    if request.user.is_authenticated:
        all_time = period_parse(user=request.user, key="all")
        context = {
            "totals": listening_selectors.totals(user=request.user, period=all_time),
            "top_artists": listening_selectors.top(user=request.user, period=all_time, kind="artists", limit=5),
            "events": event_selectors.upcoming_events(),
        }
    return render(request, "home.html", context)
