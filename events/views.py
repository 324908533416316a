"""Events pages: search with infinite scroll, an event's page and tickets for anyone, visitors included;
saving for signed-in listeners (a visitor's Save signs them in first, then saves)."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from events import interactions, pictures, selectors, services
from events.forms import EventSearchForm
from events.models import Event, EventInteraction

PAGE = 20


def shown(events: list[Event], user) -> list[Event]:
    """Ready events for a template or an answer: saved or not, and the price (one query for the page)."""
    saved = selectors.saved_ids(user=user, events=events)
    for event in events:
        event.is_saved = event.pk in saved
        event.price_label = selectors.price_label(event)
    return events


def listed(events: list[Event], user) -> list[Event]:
    """Events shown in a list (search results, recommendations): ready, and their impressions recorded in
    one push."""
    shown(events, user)
    interactions.impressions_record(events=events, user=user)
    return events


def viewed(event: Event, user) -> Event:
    """An event's own page or answer: ready, and the view recorded when the event is listed."""
    shown([event], user)
    if event.moderation == Event.Moderation.APPROVED:
        interactions.interaction_record(event=event, user=user, kind=EventInteraction.Kind.VIEW)
    return event


def _results(request, form: EventSearchForm, offset: int, exclude: set[int]) -> dict:
    """A page of search results, not yet `listed`, without the shows in `exclude` (recommended above)."""
    events = selectors.event_search(filters=form.filters(), user=request.user, offset=offset, limit=PAGE,
                                    exclude=exclude)
    more = None
    if len(events) == PAGE:
        query = {key: value for key, value in form.data.items() if key != "offset" and value}
        more = f"{reverse('events:search-more')}?{urlencode({**query, 'offset': offset + PAGE})}"
    return {"events": events, "more": more}


def _recommended(request, form: EventSearchForm) -> list:
    """"Recommended for you" for a listener browsing without filters; a search shows only what it found."""
    if not request.user.is_authenticated or _filtered(form):
        return []
    return selectors.recommended_events(user=request.user)


def _filtered(form: EventSearchForm) -> bool:
    return any(value for key, value in form.cleaned_data.items() if key != "sort")


@require_GET
def search(request):
    form = EventSearchForm(request.GET)
    valid = form.is_valid()
    recommendations = _recommended(request, form) if valid else []
    shown_above = {rec.event.pk for rec in recommendations}
    page = _results(request, form, 0, shown_above) if valid else None
    listed([rec.event for rec in recommendations] + (page["events"] if page else []), request.user)
    context = {"form": form, "page": page, "recommendations": recommendations, "filtered": valid and _filtered(form)}
    return render(request, "events/search.html", context, status=200 if valid else 400)


@require_GET
def search_more(request):
    form = EventSearchForm(request.GET)
    offset = _offset(request.GET.get("offset"))
    if not form.is_valid() or offset is None:
        return render(request, "events/_event_rows.html", {"page": None}, status=400)
    # The first page left out the recommended shows; so do the next ones, or one would come twice.
    shown_above = {rec.event.pk for rec in _recommended(request, form)}
    page = _results(request, form, offset, shown_above)
    listed(page["events"], request.user)
    return render(request, "events/_event_rows.html", {"page": page})


def _offset(value) -> int | None:
    try:
        offset = int(value)
    except (TypeError, ValueError):
        return None
    return offset if 0 <= offset <= 10_000 else None


@require_GET
def detail(request, public_id):
    event = viewed(selectors.event_for(user=request.user, public_id=public_id), request.user)
    performers = list(event.performers.all())
    linked = {artist.name.casefold() for artist in performers}
    context = {
        "event": event,
        "map_url": selectors.map_url(event),
        "ticket_url": selectors.ticket_url(event),
        "performers": performers,
        "unlinked_performers": [name for name in event.performer_names if name.casefold() not in linked],
    }
    return render(request, "events/detail.html", context)


@require_GET
def tickets(request, public_id):
    """Counts the click, then sends the listener to the event's own ticket page (and nowhere else)."""
    event = selectors.event_for(user=request.user, public_id=public_id)
    url = selectors.ticket_url(event)
    if url is None:
        raise Http404("This event has no ticket page.")
    if event.moderation == Event.Moderation.APPROVED:
        interactions.interaction_record(event=event, user=request.user, kind=EventInteraction.Kind.TICKET_CLICK)
    return HttpResponseRedirect(url)


@require_GET
def image(request, public_id):
    """A promoter's uploaded picture, to whoever may see the event, as the format its bytes are (never what its
    name says: a browser must not be handed a PDF or a page to open in our origin)."""
    event = selectors.event_for(user=request.user, public_id=public_id)
    if not event.image:
        raise Http404("This event has no picture of its own.")
    file = event.image.open("rb")
    found = pictures.picture_format(file)
    if found is None:
        file.close()
        raise Http404("This event's picture is not one we show.")
    extension, content_type = pictures.FORMATS[found]
    return FileResponse(file, content_type=content_type, filename=f"event-{event.public_id}.{extension}")


PENDING_SAVE = "events:pending_save"


@require_POST
def save(request, public_id):
    if not request.user.is_authenticated:
        return _sign_in_to_save(request, public_id)
    event = _listed(request, public_id)
    services.saved_event_add(user=request.user, event=event)
    return _saved_answer(request, event, saved=True)


def _sign_in_to_save(request, public_id):
    """A visitor's Save: remembered in their session (the POST passed the CSRF check, so it is theirs), then
    sign-in, which keeps the session's data and comes back to `save_pending` to save it."""
    event = _listed(request, public_id)
    request.session[PENDING_SAVE] = str(event.public_id)
    back = reverse("events:save-pending", args=[event.public_id])
    next_url = _safe_next(request, request.POST.get("next"))
    if next_url:
        back = f"{back}?{urlencode({'next': next_url})}"
    return redirect_to_login(back)


@login_required
@require_GET
def save_pending(request, public_id):
    """Where sign-in returns a visitor who pressed Save: saves the event they asked for, and only that (a GET
    alone never saves: a link from elsewhere finds no save waiting in the session)."""
    event = _listed(request, public_id)
    if request.session.pop(PENDING_SAVE, None) == str(event.public_id):
        services.saved_event_add(user=request.user, event=event)
    return _saved_answer(request, event, saved=True, next_url=request.GET.get("next"))


@login_required
@require_POST
def unsave(request, public_id):
    event = selectors.event_for(user=request.user, public_id=public_id, or_saved=True)
    services.saved_event_remove(user=request.user, event=event)
    return _saved_answer(request, event, saved=False)


def _listed(request, public_id) -> Event:
    """Only a listed event can be saved: a draft seen in preview by its promoter cannot."""
    event = selectors.event_for(user=request.user, public_id=public_id)
    if event.moderation != Event.Moderation.APPROVED:
        raise Http404("No such event.")
    return event


def _saved_answer(request, event: Event, *, saved: bool, next_url: str | None = None):
    if request.htmx:
        event.is_saved = saved
        return render(request, "events/_save_button.html", {"event": event})
    next_url = _safe_next(request, next_url or request.POST.get("next"))
    return redirect(next_url) if next_url else redirect("events:detail", public_id=event.public_id)


def _safe_next(request, next_url: str | None) -> str | None:
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return next_url
    return None


@login_required
@require_GET
def saved(request):
    upcoming = shown(selectors.saved_events(user=request.user, when="upcoming", limit=200), request.user)
    past = shown(selectors.saved_events(user=request.user, when="past", limit=200), request.user)
    return render(request, "events/saved.html", {"upcoming": upcoming, "past": past})
