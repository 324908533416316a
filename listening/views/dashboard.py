from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse

from listening import selectors
from listening.forms import PeriodForm
from listening.periods import Period, period_parse

TOP_PAGE = 10
RECENT_PAGE = 25


def _period(request) -> tuple[PeriodForm, Period, str]:
    """The period and ranking the page asks for, else the latest period with listening; an invalid custom
    range falls back to that, with the form showing why."""
    form = PeriodForm(request.GET or None)
    if form.is_valid() and form.cleaned_data["period"]:
        data = form.cleaned_data
        period = period_parse(user=request.user, key=data["period"], start=data["start"], end=data["end"])
        return form, period, data["by"] or "plays"
    period = selectors.default_period(user=request.user)
    if not form.is_bound:
        form = PeriodForm(initial={"start": period.start, "end": period.end})
    return form, period, (form.cleaned_data["by"] if form.is_valid() else None) or "plays"


@login_required
def dashboard(request):
    form, period, by = _period(request)
    user = request.user
    context = {
        "form": form, "period": period, "by": by,
        "other_by": "minutes" if by == "plays" else "plays",
        "other_by_query": _query(period, "minutes" if by == "plays" else "plays"),
        "totals": selectors.totals(user=user, period=period),
        "tops": {kind: _top_page(request, period, by, kind, 0) for kind in ("tracks", "artists", "albums", "genres")},
        "recent": _recent_page(request, None),
        "clock": selectors.listening_clock(user=user, period=period),
        "streaks": selectors.streaks(user=user, period=period),
        "sessions": selectors.sessions(user=user, period=period),
        "genre_evolution": selectors.genre_evolution(user=user, period=period),
    }
    return render(request, "listening/dashboard.html", context)


@login_required
def top_more(request, kind):
    _, period, by = _period(request)
    offset = _int(request.GET.get("offset"))
    return render(request, "listening/_top_rows.html", {"page": _top_page(request, period, by, kind, offset)})


@login_required
def recent_more(request):
    if selectors.history_cursor_parse(request.GET.get("before")) is None:
        return HttpResponseBadRequest("Give ?before=<time>~<id> of the last play shown.")
    return render(request, "listening/_recent_rows.html", {"page": _recent_page(request, request.GET.get("before"))})


@login_required
def item(request, kind, public_id):
    subject = selectors.catalog_item(kind=kind, public_id=public_id)
    stats = selectors.item_stats(user=request.user, item=subject)
    return render(request, "listening/item.html", {"item": subject, "kind": kind, "stats": stats})


def _top_page(request, period: Period, by: str, kind: str, offset: int) -> dict:
    entries = selectors.top(user=request.user, period=period, kind=kind, by=by, offset=offset, limit=TOP_PAGE)
    more = None
    if len(entries) == TOP_PAGE:
        more = f"{reverse('listening:top-more', args=[kind])}?{_query(period, by)}&offset={offset + TOP_PAGE}"
    return {"kind": kind, "entries": entries, "more": more, "by": by}


def _recent_page(request, cursor: str | None) -> dict:
    before = selectors.history_cursor_parse(cursor)
    plays = selectors.recent_plays(user=request.user, before=before, limit=RECENT_PAGE)
    more = None
    if len(plays) == RECENT_PAGE:
        more = f"{reverse('listening:recent-more')}?{urlencode({'before': selectors.history_cursor(plays[-1])})}"
    return {"plays": plays, "more": more}


def _query(period: Period, by: str) -> str:
    query = f"period={period.key}&by={by}"
    if period.key == "custom":
        query += f"&start={period.start}&end={period.end}"
    return query


def _int(value) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0
