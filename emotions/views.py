"""The mood page (live mood from the camera or your words, and songs that follow it) and the mood history page.
Both show the signed-in listener's own moods only."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from emotions import selectors
from emotions.moods import Mood, Strategy

RECOMMENDED_PLAYS_SHOWN = 20


@login_required
def mood(request):
    # The page is drawn empty and filled by the mood socket (static/emotions/mood.js): its first message
    # brings the latest mood and the songs for it.
    return render(request, "emotions/mood.html", {"moods": Mood.choices, "strategies": Strategy.choices})


@login_required
def history(request):
    by = "week" if request.GET.get("by") == "week" else "day"
    user = request.user
    start, end = selectors.mood_range(user=user, by=by)
    periods = selectors.mood_summary(user=user, by=by, start=start, end=end)
    chart = [{"start": p.start.isoformat(), "end": p.end.isoformat(), "shares": p.shares, "valence": p.valence}
             for p in periods]
    labels = dict(Mood.choices)
    return render(request, "emotions/history.html", {
        "by": by, "start": start, "end": end, "periods": periods,
        "any_mood": any(p.seconds for p in periods),
        "table": [{"period": p, "moods": [(labels[m], round(share * 100)) for m, share in p.shares.items()]}
                  for p in periods if p.seconds],
        "chart": {"by": by, "periods": chart, "moods": [{"mood": m, "label": labels[m]} for m in Mood.values]},
        "moods": labels,
        "songs_by_mood": selectors.songs_by_mood(user=user, start=start, end=end),
        "recommended_plays": selectors.recommended_plays_of(user=user)[:RECOMMENDED_PLAYS_SHOWN],
    })
