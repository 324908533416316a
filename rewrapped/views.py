"""The home page and the welcome step after sign-up: the site's own, drawing on every app's reads."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.forms import TimeZoneForm
from events import selectors as event_selectors
from listening import selectors as listening_selectors
from listening.periods import period_parse
from rewrapped.time_zones import time_zone_aliases, time_zone_canonical


def home(request):
    context = {}
    if request.user.is_authenticated:
        all_time = period_parse(user=request.user, key="all")
        context = {
            "totals": listening_selectors.totals(user=request.user, period=all_time),
            "top_artists": listening_selectors.top(user=request.user, period=all_time, kind="artists", limit=5),
            "events": event_selectors.upcoming_events(),
            "spotify_connected": account_selectors.spotify_connected(user=request.user),
        }
    return render(request, "home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def welcome(request):
    """The first page after sign-up: the time zone the browser reports, to confirm, and the one next step."""
    form = TimeZoneForm(request.POST or None, initial={"time_zone": time_zone_canonical(request.user.time_zone)})
    if request.method == "POST" and form.is_valid():
        account_services.profile_update(user=request.user, time_zone=form.cleaned_data["time_zone"])
        messages.success(request, f"Time zone saved: your days and streaks follow {request.user.time_zone}.")
        return redirect("welcome")
    return render(request, "welcome.html", {
        "form": form,
        "has_history": listening_selectors.has_history(user=request.user),
        "spotify_connected": account_selectors.spotify_connected(user=request.user),
        "time_zone_aliases": time_zone_aliases(),
    })
