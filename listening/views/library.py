"""Library pages: playlists, favourites, ratings and starter picks. Every page and form acts on the signed-in
user's own rows; another user's playlist is a 404 for everyone, staff included.

Forms post and redirect back (so everything works without JavaScript); htmx posts the same forms and swaps
the page region it names from the page the redirect lands on."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors as account_selectors
from listening import selectors, services
from rewrapped.api import ApplicationError

FAVOURITES_SHOWN = 50
RATINGS_SHOWN = 50


class PlaylistForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Up to 100 characters.")
    description = forms.CharField(max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TrackForm(forms.Form):
    track = forms.UUIDField(error_messages={"invalid": "Choose a song from the search results."})


class MoveForm(forms.Form):
    position = forms.IntegerField(min_value=1)


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(
        coerce=int, choices=[(0, "Not rated")] + [(n, f"{n} star{'s' if n > 1 else ''}") for n in range(1, 6)]
    )


class FavouriteForm(forms.Form):
    favourite = forms.TypedChoiceField(coerce=lambda value: value == "on", choices=[("on", "on"), ("off", "off")])


def _back(request, fallback: str):
    """Back to the page the form was on (a local path only), or to `fallback`."""
    target = request.POST.get("next", "")
    local = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    if not local:
        target = fallback
    return redirect(target)


def _search(request, user):
    query = request.GET.get("q", "").strip()[:200]
    results = selectors.with_library_marks(selectors.catalog_search(query=query), user=user) if query else []
    return query, results


# --- the library -----------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def library_home(request):
    form = PlaylistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            playlist = services.playlist_create(user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(next(iter(error.fields), None), error.message)
        else:
            messages.success(request, f"Playlist “{playlist.name}” created. Search below to add songs.")
            return redirect("listening:playlist", playlist.public_id)
    query, results = _search(request, request.user)
    return render(request, "listening/library/library.html", {
        "form": form,
        "query": query,
        "results": results,
        "playlists": selectors.playlists_of(user=request.user).order_by("-updated_at", "pk"),
        "favourites": selectors.favourites_of(user=request.user)[:FAVOURITES_SHOWN],
        "ratings": selectors.ratings_of(user=request.user)[:RATINGS_SHOWN],
        "picks": selectors.starter_picks_of(user=request.user).count(),
        "picks_limit": selectors.STARTER_PICKS_MAX,
        "has_history": selectors.has_history(user=request.user),
    })


@login_required
@require_POST
def favourite(request, track_id):
    track = selectors.track_by_public_id(track_id)
    form = FavouriteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That did not work; try again from the page.")
    elif form.cleaned_data["favourite"]:
        services.favourite_add(user=request.user, track=track)
        messages.success(request, f"“{track.name}” is one of your favourites.")
    else:
        services.favourite_remove(user=request.user, track=track)
        messages.info(request, f"“{track.name}” is no longer a favourite.")
    return _back(request, reverse("listening:library"))


@login_required
@require_POST
def rating(request, track_id):
    track = selectors.track_by_public_id(track_id)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose from 1 to 5 stars.")
    elif stars := form.cleaned_data["stars"]:
        services.rating_set(user=request.user, track=track, stars=stars)
        messages.success(request, f"You rated “{track.name}” {stars} star{'s' if stars > 1 else ''}.")
    else:
        services.rating_remove(user=request.user, track=track)
        messages.info(request, f"Rating of “{track.name}” cleared.")
    return _back(request, reverse("listening:library"))


# --- one playlist ----------------------------------------------------------------------------------------
def _playlist_page(request, playlist, *, rename_form=None, status=200):
    query, results = _search(request, request.user)
    items = selectors.playlist_items(playlist=playlist)
    present = {item.track_id for item in items}
    return render(request, "listening/library/playlist.html", {
        "playlist": playlist,
        "items": items,
        "unexportable": sum(1 for item in items if not item.track.spotify_id),
        "spotify_ready": account_selectors.spotify_sign_in_configured(request=request),
        "spotify_connected": account_selectors.spotify_connected(user=request.user),
        "rename_form": rename_form or PlaylistForm(initial={"name": playlist.name,
                                                            "description": playlist.description}),
        "query": query,
        "results": [(track, track.pk in present) for track in results],
    }, status=status)


@login_required
@require_http_methods(["GET"])
def playlist(request, public_id):
    return _playlist_page(request, selectors.playlist_of(user=request.user, public_id=public_id))


@login_required
@require_POST
def playlist_rename(request, public_id):
    playlist = selectors.playlist_of(user=request.user, public_id=public_id)
    form = PlaylistForm(request.POST)
    if form.is_valid():
        try:
            services.playlist_rename(playlist=playlist, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(next(iter(error.fields), None), error.message)
        else:
            messages.success(request, f"Saved as “{playlist.name}”.")
            return redirect("listening:playlist", playlist.public_id)
    playlist.refresh_from_db()
    return _playlist_page(request, playlist, rename_form=form)


@login_required
@require_POST
def playlist_delete(request, public_id):
    playlist = selectors.playlist_of(user=request.user, public_id=public_id)
    services.playlist_delete(playlist=playlist)
    messages.success(request, f"Playlist “{playlist.name}” deleted.")
    return redirect("listening:library")


@login_required
@require_POST
def playlist_track_add(request, public_id):
    playlist = selectors.playlist_of(user=request.user, public_id=public_id)
    form = TrackForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["track"][0])
    else:
        track = selectors.track_by_public_id(form.cleaned_data["track"])
        try:
            added = services.playlist_tracks_add(playlist=playlist, tracks=[track])
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            if added:
                messages.success(request, f"Added “{track.name}”.")
            else:
                messages.info(request, f"“{track.name}” is already in this playlist.")
    return _back(request, reverse("listening:playlist", args=[playlist.public_id]))


@login_required
@require_POST
def playlist_track_move(request, public_id, track_id):
    playlist = selectors.playlist_of(user=request.user, public_id=public_id)
    track = selectors.track_by_public_id(track_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a position from 1 up.")
    else:
        try:
            services.playlist_track_move(playlist=playlist, track=track, position=form.cleaned_data["position"] - 1)
        except ApplicationError as error:
            messages.error(request, error.message)
    return _back(request, reverse("listening:playlist", args=[playlist.public_id]))


@login_required
@require_POST
def playlist_track_remove(request, public_id, track_id):
    playlist = selectors.playlist_of(user=request.user, public_id=public_id)
    track = selectors.track_by_public_id(track_id)
    services.playlist_track_remove(playlist=playlist, track=track)
    messages.info(request, f"Removed “{track.name}”.")
    return _back(request, reverse("listening:playlist", args=[playlist.public_id]))


@login_required
@require_POST
def playlist_export(request, public_id):
    playlist = selectors.playlist_of(user=request.user, public_id=public_id)
    try:
        export = services.playlist_export(playlist=playlist)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        text = f"Exported {_songs(export.exported)} to Spotify as “{playlist.name}”."
        if export.skipped:
            text += " " + ngettext(
                "%d song is not on Spotify and was left out.", "%d songs are not on Spotify and were left out.",
                export.skipped,
            ) % export.skipped
        messages.success(request, text)
    return redirect("listening:playlist", playlist.public_id)


def _songs(count: int) -> str:
    return ngettext("%d song", "%d songs", count) % count


# --- starter picks ---------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def picks(request):
    if request.method == "POST":
        form = TrackForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.errors["track"][0])
        else:
            track = selectors.track_by_public_id(form.cleaned_data["track"])
            try:
                services.starter_pick_add(user=request.user, track=track)
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, f"Picked “{track.name}”.")
        return _back(request, reverse("listening:picks"))
    query, results = _search(request, request.user)
    summary = selectors.starter_picks_summary(user=request.user)
    return render(request, "listening/library/picks.html", {
        **summary, "query": query, "results": results, "full": summary["count"] >= summary["limit"],
        "has_history": selectors.has_history(user=request.user),
    })


@login_required
@require_POST
def pick_remove(request, track_id):
    track = selectors.track_by_public_id(track_id)
    services.starter_pick_remove(user=request.user, track=track)
    messages.info(request, f"“{track.name}” is no longer a pick.")
    return _back(request, reverse("listening:picks"))
