"""The questions box's test set: questions, and what the answer's table must hold on the fixture history.

Each expectation is worked out from ask_history.History (plain Python over the fixture rows), or is REFUSE: the
answer must be "I can answer questions like …" with examples and no table, never a number.
"""

from __future__ import annotations

from datetime import date, datetime

from tests.listening.ask_history import ZONE, History

REFUSE = "refuse"
WEEKEND = {6, 7}
WORKWEEK = {1, 2, 3, 4, 5}


class _Any:
    """A cell whose value the question does not pin down (a period's label)."""

    def __eq__(self, other):
        return True

    def __repr__(self):
        return "ANY"


ANY = _Any()


def local(*parts) -> datetime:
    return datetime(*parts, tzinfo=ZONE)


def top(kind, span, n=10, by="plays", weekdays=None):
    """Rows of a top list; REFUSE when the span is still to come."""
    return lambda h: REFUSE if span(h) is None else h.top(kind, span(h), n, by, weekdays)


def compare_top(kind, first, second, n=10, by="plays"):
    def rows(h: History):
        a, b = h.top(kind, first(h), n, by), h.top(kind, second(h), n, by)

        def cells(entries, rank):
            if rank >= len(entries):
                return ["", ""]
            entry = entries[rank]
            name = f"{entry[1]} by {entry[2]}" if kind in ("tracks", "albums") else entry[1]
            return [name, entry[-2] if by == "plays" else entry[-1]]

        return [[rank + 1, *cells(a, rank), *cells(b, rank)] for rank in range(max(len(a), len(b)))]

    return rows


def amount(kind, name, artist=None, span=None):
    return lambda h: h.amount(kind, name, artist, span(h) if span else None)


def compare_amount(kind, name, artist, first, second):
    return lambda h: [[ANY, *h.amount(kind, name, artist, span(h))[0][-2:]] for span in (first, second)]


def first_last(kind, name, artist=None, span=None, first=None, last=None):
    def rows(h: History):
        found = h.first_last(kind, name, artist, span(h) if span else None)
        if first is not None:
            assert found[0][-3] == first, f"the fixture's first play of {name} moved: {found[0][-3]}"
        if last is not None:
            assert found[0][-2] == last, f"the fixture's last play of {name} moved: {found[0][-2]}"
        return found

    return rows


def totals(span=None, weekdays=None):
    return lambda h: [h.totals(span(h) if span else None, weekdays)]


def compare_totals(first, second):
    return lambda h: [[ANY, *h.totals(first(h))], [ANY, *h.totals(second(h))]]


def spoken(kind, span=None, weekdays=None):
    def rows(h: History):
        chosen = [p for p in h.select(span(h) if span else None, weekdays, kind=kind)]
        return [[ANY, len(chosen), sum(p.ms for p in chosen) // 60_000]]

    return rows


def streaks(h: History):
    found = h.streaks()
    return [["Current", *found["current"]], ["Longest", *found["longest"]]]


def clock(which, span=None):
    def rows(h: History):
        by_hour, by_day = h.clock(span(h) if span else None)
        hours = sorted(range(24), key=lambda hour: (-by_hour[hour], hour))
        days = sorted(range(7), key=lambda day: (-by_day[day], day))
        names = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        if which == "hour":
            return [[i + 1, f"{hour:02d}:00", by_hour[hour]] for i, hour in enumerate(hours[:5])]
        if which == "day":
            return [[i + 1, names[day], by_day[day]] for i, day in enumerate(days)]
        return [[i + 1, f"{hours[i]:02d}:00", by_hour[hours[i]], names[days[i]], by_day[days[i]]] for i in range(7)]

    return rows


def year(y):
    return lambda h: h.spans.year(y)


def between(start, end):
    return lambda h: (start, min(end, h.today))


S = lambda name: (lambda h: getattr(h.spans, name))
last_march = lambda h: h.spans.last_named_month(3)
FOREVER = date(1900, 1, 1)

QUESTIONS: list[tuple[str, object]] = [
    # --- top lists ------------------------------------------------------------------------------------------
    ("top 5 artists last March", top("artists", last_march, 5)),
    ("Top 10 tracks this year", top("tracks", S("this_year"), 10)),
    ("my top albums in 2023", top("albums", year(2023))),
    ("top 3 genres in 2024", top("genres", year(2024), 3)),
    ("What were my top 5 songs last month?", top("tracks", S("last_month"), 5)),
    ("who was my top artist in 2023", top("artists", year(2023), 5)),
    ("what's my favourite album", top("albums", lambda h: (FOREVER, h.today), 5)),
    ("most played songs of all time", top("tracks", lambda h: (FOREVER, h.today))),
    ("my 3 most played artists since 2022", top("artists", lambda h: h.spans.since(date(2022, 1, 1)), 3)),
    ("which artists did I listen to the most last year", top("artists", S("last_year"))),
    ("what did I play most on weekends this summer", top("tracks", S("this_summer"), 5, weekdays=WEEKEND)),
    ("top artists by minutes in the last 30 days", top("artists", lambda h: h.spans.last_days(30), by="minutes")),
    ("top 5 tracks on weekdays in 2023", top("tracks", year(2023), 5, weekdays=WORKWEEK)),
    ("which album did I spend the most time listening to in 2022", top("albums", year(2022), 5, by="minutes")),
    ("top genres", top("genres", lambda h: (FOREVER, h.today))),
    ("what did I listen to yesterday", top("tracks", S("yesterday"))),
    ("top 5 artists in March 2023", top("artists", lambda h: h.spans.month(2023, 3), 5)),
    ("top tracks between March 2023 and May 2023", top("tracks", between(date(2023, 3, 1), date(2023, 5, 31)))),
    ("top 5 artists last summer", top("artists", S("last_summer"), 5)),
    ("top 5 albums last winter", top("albums", S("last_winter"), 5)),
    ("top 5 artists in the last 6 months", top("artists", lambda h: h.spans.last_months(6), 5)),
    ("top 10 songs in the past week", top("tracks", lambda h: h.spans.last_days(7), 10)),
    ("top artists last week", top("artists", S("last_week"))),
    ("top 5 tracks this week", top("tracks", S("this_week"), 5)),
    ("top 3 artists this month", top("artists", S("this_month"), 3)),
    ("top artists on Sundays in 2023", top("artists", year(2023), weekdays={7})),
    ("my favourite genre last year", top("genres", S("last_year"), 5)),
    ("who did I listen to most in 2022", top("artists", year(2022), 5)),
    ("what was my most played song in the summer of 2023",
     top("tracks", between(date(2023, 6, 1), date(2023, 8, 31)), 5)),
    ("top 5 artists ranked by minutes in 2024", top("artists", year(2024), 5, by="minutes")),
    ("top 20 tracks of 2025", top("tracks", year(2025), 20)),
    ("top 5 artists since March 2023", top("artists", lambda h: h.spans.since(date(2023, 3, 1)), 5)),
    ("Top 5 artists on 14 February 2024", top("artists", lambda h: h.spans.day(date(2024, 2, 14)), 5)),
    ("top tracks yesterday", top("tracks", S("yesterday"))),
    ("top 3 albums in the 2020s", top("albums", between(date(2020, 1, 1), date(2029, 12, 31)), 3)),
    ("Top 100 artists", top("artists", lambda h: (FOREVER, h.today), 50)),
    ("top 5 artists in December 2023", top("artists", lambda h: h.spans.month(2023, 12), 5)),
    ("list my top 4 albums of 2022 by minutes", top("albums", year(2022), 4, by="minutes")),
    ("which songs did I play most last week", top("tracks", S("last_week"))),
    ("top 5 songs at the weekend last month", top("tracks", S("last_month"), 5, weekdays=WEEKEND)),
    ("show me my top 10 tracks from last year", top("tracks", S("last_year"), 10)),
    ("top 5 artists from January to March 2024", top("artists", between(date(2024, 1, 1), date(2024, 3, 31)), 5)),
    ("top 5 artists from December to February 2024",
     top("artists", between(date(2023, 12, 1), date(2024, 2, 29)), 5)),
    ("what music did I listen to most last month", top("tracks", S("last_month"), 5)),
    ("which band did I play most in spring 2024", top("artists", between(date(2024, 3, 1), date(2024, 5, 31)), 5)),
    ("top albums since last summer", top("albums", lambda h: h.spans.since(h.spans.last_summer[0]))),
    ("top 5 radiohead songs", lambda h: h.top("tracks", None, 5, artist="Radiohead")),
    ("top songs by the beatles in 2023", lambda h: h.top("tracks", h.spans.year(2023), 10, artist="The Beatles")),
    # --- comparisons ------------------------------------------------------------------------------------------
    ("my top genres this year vs last year", compare_top("genres", S("this_year"), S("last_year"))),
    ("compare my top artists in 2023 and 2024", compare_top("artists", year(2023), year(2024))),
    ("top 5 tracks 2022 versus 2023", compare_top("tracks", year(2022), year(2023), 5)),
    ("top 3 albums last month compared to this month", compare_top("albums", S("last_month"), S("this_month"), 3)),
    ("how many minutes did I listen this month vs last month", compare_totals(S("this_month"), S("last_month"))),
    ("how many plays in 2023 vs 2024", compare_totals(year(2023), year(2024))),
    ("how many times did I play Karma Police in 2023 vs 2024",
     compare_amount("tracks", "Karma Police", "Radiohead", year(2023), year(2024))),
    ("top 5 artists by minutes: 2022 vs 2024", compare_top("artists", year(2022), year(2024), 5, by="minutes")),
    ("was I listening to more music this year than last year", compare_totals(S("this_year"), S("last_year"))),
    # --- amounts of one thing -----------------------------------------------------------------------------------
    ("how many minutes did I listen to Radiohead in 2023", amount("artists", "Radiohead", span=year(2023))),
    ("how many times did I play Karma Police", amount("tracks", "Karma Police", "Radiohead")),
    ("how often did I listen to Daft Punk last year", amount("artists", "Daft Punk", span=S("last_year"))),
    ("how long did I listen to Björk this year", amount("artists", "Björk", span=S("this_year"))),
    ("how many minutes did I listen to bjork in 2024", amount("artists", "Björk", span=year(2024))),
    ("how many hours did I listen to Queen in 2023", amount("artists", "Queen", span=year(2023))),
    ("how many plays of Creep by TLC in 2023", amount("tracks", "Creep", "TLC", year(2023))),
    ("how many times did I play Creep by Radiohead", amount("tracks", "Creep", "Radiohead")),
    ("how many times did I play Radiohed in 2023", amount("artists", "Radiohead", span=year(2023))),
    ("how many times did I play Bohemian Rhapsody", amount("tracks", "Bohemian Rhapsody", "Queen")),
    ("how many minutes of jazz music did I listen to last year", amount("genres", "jazz", span=S("last_year"))),
    ("how much did I listen to AC/DC in 2022", amount("artists", "AC/DC", span=year(2022))),
    ("how many times have I played acdc", amount("artists", "AC/DC")),
    ("how many times did I listen to guns n roses this year", amount("artists", "Guns N' Roses", span=S("this_year"))),
    ("how many minutes did I listen to sigur ros", amount("artists", "Sigur Rós")),
    ("how many times did I play the album OK Computer in 2023",
     amount("albums", "OK Computer", "Radiohead", year(2023))),
    ("how much time did I spend listening to Weezer last month", amount("artists", "Weezer", span=S("last_month"))),
    ("how many times did I play the album Weezer", amount("albums", "Weezer", "Weezer")),
    ("did I listen to Nina Simone last week", amount("artists", "Nina Simone", span=S("last_week"))),
    ("did I listen to Daft Punk yesterday", amount("artists", "Daft Punk", span=S("yesterday"))),
    ("how many times did I play 1999 by Prince in 2023", amount("tracks", "1999", "Prince", year(2023))),
    ("how many times did I play Yesterday", amount("tracks", "Yesterday", "The Beatles")),
    ("how many times did I play Today by The Smashing Pumpkins last year",
     amount("tracks", "Today", "The Smashing Pumpkins", S("last_year"))),
    ("how many minutes of The Beatles in 2023", amount("artists", "The Beatles", span=year(2023))),
    ("how many plays does Prince have", amount("artists", "Prince")),
    ("how many times did I play 'Here Comes the Sun' since 2024",
     amount("tracks", "Here Comes the Sun", "The Beatles", lambda h: h.spans.since(date(2024, 1, 1)))),
    ("how many minutes did I listen to simon and garfunkel", amount("artists", "Simon & Garfunkel")),
    ("how many times did I play the song Hyperballad last summer",
     amount("tracks", "Hyperballad", "Björk", S("last_summer"))),
    ("how much Daft Punk did I listen to this year", amount("artists", "Daft Punk", span=S("this_year"))),
    ("how many minutes of electronic music did I listen to in 2025", amount("genres", "electronic", span=year(2025))),
    ("how many times did I play Feeling Good in 2026", amount("tracks", "Feeling Good", "Nina Simone", year(2026))),
    ("how many times did I play 1999 in March 2024",
     amount("tracks", "1999", "Prince", lambda h: h.spans.month(2024, 3))),
    ("how many minutes did I listen to the band Queen last winter",
     amount("artists", "Queen", span=S("last_winter"))),
    ("number of plays for Radiohead in 2024", amount("artists", "Radiohead", span=year(2024))),
    ("Daft Punk minutes this year", amount("artists", "Daft Punk", span=S("this_year"))),
    ("how much Weezer last year", amount("artists", "Weezer", span=S("last_year"))),
    ("how many times did I play Boxer", amount("tracks", "The Boxer", "Simon & Garfunkel")),
    ("how many times did I listen to Bohemian Rhapsody - Remastered 2011",
     amount("tracks", "Bohemian Rhapsody - Remastered 2011", "Queen")),
    # --- totals -------------------------------------------------------------------------------------------
    ("how many minutes did I listen yesterday", totals(S("yesterday"))),
    ("how much music did I listen to last month", totals(S("last_month"))),
    ("how many different artists did I listen to this year", totals(S("this_year"))),
    ("how many songs did I play today", totals(S("today_"))),
    ("how many days did I listen last month", totals(S("last_month"))),
    ("my total listening time", totals()),
    ("how many hours did I listen in 2023", totals(year(2023))),
    ("how many minutes did I listen on weekends last month", totals(S("last_month"), WEEKEND)),
    ("how many plays in 2022", totals(year(2022))),
    ("how many different songs did I play last year", totals(S("last_year"))),
    ("how long did I listen to music this week", totals(S("this_week"))),
    ("how many minutes did I listen between 1 March 2024 and 15 March 2024",
     totals(between(date(2024, 3, 1), date(2024, 3, 15)))),
    ("how many minutes did I listen before 2023", totals(between(FOREVER, date(2022, 12, 31)))),
    ("how many minutes did I listen after 2024", totals(lambda h: h.spans.since(date(2025, 1, 1)))),
    ("how many minutes did I listen on 2024-02-14", totals(lambda h: h.spans.day(date(2024, 2, 14)))),
    ("how many hours have I spent on Spotify", totals()),
    ("How much did I listen yesterday", totals(S("yesterday"))),
    # --- podcasts and audiobooks ----------------------------------------------------------------------------
    ("how many podcasts did I listen to last month", spoken("podcast", S("last_month"))),
    ("how many podcast episodes did I play in 2023", spoken("podcast", year(2023))),
    ("how many hours of podcasts did I listen to this year", spoken("podcast", S("this_year"))),
    ("how many audiobook chapters did I listen to in 2024", spoken("audiobook", year(2024))),
    ("how much time did I spend on audiobooks last year", spoken("audiobook", S("last_year"))),
    ("how many minutes of podcasts did I listen to in 2022", spoken("podcast", year(2022))),
    ("how many podcasts did I listen to on weekdays this year", spoken("podcast", S("this_year"), WORKWEEK)),
    # --- first and last plays ----------------------------------------------------------------------------------
    ("when did I first play Bohemian Rhapsody",
     first_last("tracks", "Bohemian Rhapsody", "Queen", first=local(2022, 3, 5, 21, 15))),
    ("when did I last play Feeling Good",
     first_last("tracks", "Feeling Good", "Nina Simone", last=local(2025, 12, 24, 22, 10))),
    ("when did I first listen to Sigur Rós", first_last("artists", "Sigur Rós", first=local(2024, 2, 14, 0, 30))),
    ("when was the first time I heard Yesterday",
     first_last("tracks", "Yesterday", "The Beatles", first=local(2022, 9, 10, 8, 5))),
    ("when did I last listen to Radiohead", first_last("artists", "Radiohead")),
    ("when did I first play Karma Police in 2024", first_last("tracks", "Karma Police", "Radiohead", year(2024))),
    ("when did I discover Daft Punk", first_last("artists", "Daft Punk")),
    ("when did I start listening to Weezer", first_last("artists", "Weezer")),
    ("when did I play Hoppipolla for the first time",
     first_last("tracks", "Hoppípolla", "Sigur Rós", first=local(2024, 2, 14, 0, 30))),
    ("first play of Purple Rain", first_last("tracks", "Purple Rain", "Prince")),
    ("when did I last play the album Homogenic", first_last("albums", "Homogenic", "Björk")),
    ("when did I play One More Time", first_last("tracks", "One More Time", "Daft Punk")),
    ("When did I first play “Bohemian Rapsody”?",
     first_last("tracks", "Bohemian Rhapsody", "Queen", first=local(2022, 3, 5, 21, 15))),
    # --- streaks and the clock ----------------------------------------------------------------------------------
    ("what's my longest streak", streaks),
    ("what is my current streak", streaks),
    ("how many days in a row have I listened", streaks),
    ("my listening streaks", streaks),
    ("what time of day do I listen most", clock("hour")),
    ("which day of the week do I listen to music most", clock("day")),
    ("what's my most active hour in 2023", clock("hour", year(2023))),
    ("when do I listen the most", clock(None)),
    ("what was my busiest day of the week last year", clock("day", S("last_year"))),
    ("when is my busiest hour", clock("hour")),
    # --- questions that must be refused ---------------------------------------------------------------------------
    ("what's the weather tomorrow", REFUSE),
    ("top artists next year", REFUSE),
    ("how many times did I play Taylor Swift", REFUSE),  # the other listener's, never this one's
    ("how many times did I play Creep", REFUSE),  # Radiohead's or TLC's?
    ("top artists in Narnia", REFUSE),
    ("asdf qwerty zxcv", REFUSE),
    ("what did Otto listen to last week", REFUSE),
    ("recommend me a song", REFUSE),
    ("how many minutes did I listen to Coldplay in 2023", REFUSE),
    ("top artists in 2031", REFUSE),
    ("when did I first play jazz music", REFUSE),
    ("how many minutes did I listen to Radiohead on weekends", REFUSE),
    ("what's my longest streak in 2023", REFUSE),
    ("how many times did I play Creeep", REFUSE),
    ("delete my account", REFUSE),
    ("how many minutes did I listen between 2024 and 2023", REFUSE),
    ("top artists on 31 February 2023", REFUSE),
    ("hello", REFUSE),
    ("top artists this year vs last year vs 2023", REFUSE),
    ("top 5 artists in the last few weeks", REFUSE),
    ("how many plays does Muse have", REFUSE),
    ("how many minutes of jazz did I listen to last year", REFUSE),  # the genre, or Queen's album Jazz?
    ("what will I listen to next week", REFUSE),
    ("top artists in 2023 in 2024", REFUSE),
    ("how many different albums did I listen to this year", REFUSE),
    ("how many minutes did I listen to music between christmas and new year", REFUSE),
]
