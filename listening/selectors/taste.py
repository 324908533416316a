"""Reads for taste match: a listener's taste vector, how alike two tastes are, listeners like you. Every write
is in listening/services/taste.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from django.db import connection
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import User
from listening.models import Artist, Genre

# Taste vectors: each artist's share of the time a listener has spent listening, the top artists only, unit length.
TASTE_ARTISTS = 300
# How much the artist overlap counts against the genre overlap. Artists say more ("you both play Mitski")
# than genres, which are broad and, for artists sync has not reached yet, missing.
ARTIST_SHARE = 0.7
SHARED_ARTISTS_SHOWN = 10
SHARED_GENRES_SHOWN = 5
# Listeners like you are found through shared artists (the affinity index); this many are scored in full.
LIKE_YOU_CANDIDATES = 200
LIKE_YOU_SHOWN = 10


@dataclass
class TasteMatch:
    """How alike two listeners' tastes are (0–100), and the artists and genres that explain it."""

    user: User
    score: int
    artist_similarity: float
    genre_similarity: float | None  # None when either side has no known genres
    shared_artists: list[Artist] = field(default_factory=list)
    shared_genres: list[Genre] = field(default_factory=list)
    has_taste: bool = True  # False when the viewer has nothing to compare yet

    @property
    def public_name(self) -> str:
        return public_name(self.user)


def public_name(user: User) -> str:
    """What others see of a user who shares their taste: never the email address."""
    return user.display_name or "A Re-Wrapped listener"


def taste_score(artist_similarity: float, genre_similarity: float | None) -> int:
    blend = artist_similarity if genre_similarity is None else (
        ARTIST_SHARE * artist_similarity + (1 - ARTIST_SHARE) * genre_similarity
    )
    return max(0, min(100, round(100 * blend)))


def artist_vector_sql(user_param: str) -> str:
    """A user's taste vector as SQL rows (artist_id, weight) with unit length: the time they spent listening to
    each artist over their whole history (the roll-ups, never the raw plays), top artists only. Time, not plays,
    so that skipped songs weigh little. A user with no plays at all counts their starter picks and favourites
    instead, so a new user has a taste too."""
    u = f"%({user_param})s"
    return f"""
    SELECT artist_id, weight / sqrt(sum(weight * weight) OVER ()) AS weight FROM (
        SELECT artist_id, weight FROM (
            SELECT artist_id, sum(ms_played)::float8 AS weight FROM listening_dailyartistplays
            WHERE user_id = {u} GROUP BY artist_id
            UNION ALL
            SELECT t.artist_id, count(*)::float8 FROM (
                SELECT track_id FROM listening_starterpick WHERE user_id = {u}
                UNION SELECT track_id FROM listening_favourite WHERE user_id = {u}
            ) picked JOIN listening_track t ON t.id = picked.track_id
            WHERE NOT EXISTS (SELECT 1 FROM listening_dailyartistplays WHERE user_id = {u})
            GROUP BY t.artist_id
        ) counted WHERE weight > 0 ORDER BY weight DESC, artist_id LIMIT {TASTE_ARTISTS}
    ) top"""


def _published_vector_sql(user_param: str) -> str:
    """The vector a user who shares their taste published (refreshed nightly and on opt-in), or, until the
    first refresh, the one their history gives now."""
    u = f"%({user_param})s"
    return f"""
    SELECT artist_id, weight FROM listening_artistaffinity WHERE user_id = {u}
    UNION ALL
    SELECT * FROM ({artist_vector_sql(user_param)}) live
    WHERE NOT EXISTS (SELECT 1 FROM listening_artistaffinity WHERE user_id = {u})"""


def _genre_vector_sql(artists: str) -> str:
    """The genre vector of an artist vector CTE: each genre weighs the sum of its artists' weights."""
    return f"""
    SELECT genre_id, w / sqrt(sum(w * w) OVER ()) AS weight FROM (
        SELECT genre_id, sum(weight) AS w FROM (
            SELECT DISTINCT v.artist_id, v.weight, ag.genre_id
            FROM {artists} v JOIN listening_artistgenre ag ON ag.artist_id = v.artist_id
        ) tagged GROUP BY genre_id
    ) g"""


_MATCH = f"""
WITH mine AS MATERIALIZED ({artist_vector_sql("viewer")}),
theirs AS MATERIALIZED ({_published_vector_sql("other")}),
my_genres AS MATERIALIZED ({_genre_vector_sql("mine")}),
their_genres AS MATERIALIZED ({_genre_vector_sql("theirs")})
SELECT
    (SELECT count(*) FROM mine),
    (SELECT coalesce(sum(m.weight * t.weight), 0) FROM mine m JOIN theirs t USING (artist_id)),
    (SELECT coalesce(sum(m.weight * t.weight), 0) FROM my_genres m JOIN their_genres t USING (genre_id)),
    EXISTS (SELECT 1 FROM my_genres) AND EXISTS (SELECT 1 FROM their_genres),
    ARRAY(SELECT artist_id FROM mine m JOIN theirs t USING (artist_id)
          ORDER BY m.weight * t.weight DESC, artist_id LIMIT {SHARED_ARTISTS_SHOWN}),
    ARRAY(SELECT genre_id FROM my_genres m JOIN their_genres t USING (genre_id)
          ORDER BY m.weight * t.weight DESC, genre_id LIMIT {SHARED_GENRES_SHOWN})
"""


def taste_top_artists(*, user: User, limit: int = 10) -> list[tuple[Artist, float]]:
    """The artists that weigh most in the user's taste as it is now, with their share of it (0–1)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT artist_id, weight / sum(weight) OVER () FROM ({artist_vector_sql('viewer')}) v "
            f"ORDER BY weight DESC, artist_id LIMIT %(limit)s",
            {"viewer": user.pk, "limit": limit},
        )
        rows = cursor.fetchall()
    artists = Artist.objects.in_bulk([artist_id for artist_id, _ in rows])
    return [(artists[artist_id], share) for artist_id, share in rows if artist_id in artists]


def taste_match_user(*, viewer: User, public_id) -> User:
    """The user to compare with, or 404 when they do not share their taste (or do not exist): the two look
    the same from outside. Looking at yourself is allowed."""
    user = get_object_or_404(User, public_id=public_id, is_active=True)
    if not user.public_profile and user.pk != viewer.pk:
        raise Http404("No listener with a public taste profile has that id.")
    return user


def taste_match(*, viewer: User, other: User) -> TasteMatch:
    """The viewer's taste (as their history is now) against the other's published taste."""
    with connection.cursor() as cursor:
        cursor.execute(_MATCH, {"viewer": viewer.pk, "other": other.pk})
        size, artist_similarity, genre_similarity, genres_known, artist_ids, genre_ids = cursor.fetchone()
    genre_similarity = genre_similarity if genres_known else None
    artists = Artist.objects.in_bulk(artist_ids) if artist_ids else {}
    genres = Genre.objects.in_bulk(genre_ids) if genre_ids else {}
    return TasteMatch(
        user=other,
        score=taste_score(artist_similarity, genre_similarity),
        artist_similarity=artist_similarity,
        genre_similarity=genre_similarity,
        shared_artists=[artists[i] for i in artist_ids if i in artists],
        shared_genres=[genres[i] for i in genre_ids if i in genres],
        has_taste=size > 0,
    )


_LIKE_YOU = f"""
WITH mine AS MATERIALIZED ({artist_vector_sql("viewer")}),
my_genres AS MATERIALIZED ({_genre_vector_sql("mine")}),
candidates AS MATERIALIZED (
    SELECT f.user_id, sum(f.weight * m.weight) AS artist_similarity
    FROM mine m
    JOIN listening_artistaffinity f ON f.artist_id = m.artist_id
    JOIN accounts_user u ON u.id = f.user_id
    WHERE f.user_id <> %(viewer)s AND u.public_profile AND u.is_active
    GROUP BY f.user_id ORDER BY artist_similarity DESC, f.user_id LIMIT {LIKE_YOU_CANDIDATES}
),
their_genre_weights AS (
    SELECT user_id, genre_id, sum(weight) AS w FROM (
        SELECT DISTINCT f.user_id, f.artist_id, f.weight, ag.genre_id
        FROM candidates c
        JOIN listening_artistaffinity f ON f.user_id = c.user_id
        JOIN listening_artistgenre ag ON ag.artist_id = f.artist_id
    ) tagged GROUP BY user_id, genre_id
),
their_genres AS MATERIALIZED (
    SELECT user_id, genre_id, w / sqrt(sum(w * w) OVER (PARTITION BY user_id)) AS weight FROM their_genre_weights
)
SELECT c.user_id, c.artist_similarity,
    (SELECT coalesce(sum(t.weight * g.weight), 0) FROM their_genres t JOIN my_genres g USING (genre_id)
     WHERE t.user_id = c.user_id),
    EXISTS (SELECT 1 FROM my_genres) AND EXISTS (SELECT 1 FROM their_genres t WHERE t.user_id = c.user_id),
    ARRAY(SELECT f.artist_id FROM mine m JOIN listening_artistaffinity f ON f.artist_id = m.artist_id
          WHERE f.user_id = c.user_id ORDER BY f.weight * m.weight DESC, f.artist_id LIMIT 3)
FROM candidates c
"""


def listeners_like_you(*, viewer: User, limit: int = LIKE_YOU_SHOWN) -> list[TasteMatch]:
    """The listeners who share their taste and are most like the viewer, best first, each with the artists
    that make them alike. Only listeners who share at least one artist with the viewer are considered."""
    with connection.cursor() as cursor:
        cursor.execute(_LIKE_YOU, {"viewer": viewer.pk})
        rows = cursor.fetchall()
    scored = sorted(
        (
            (taste_score(artist_similarity, genre_similarity if known else None), user_id, artist_similarity,
             genre_similarity if known else None, artist_ids)
            for user_id, artist_similarity, genre_similarity, known, artist_ids in rows
        ),
        key=lambda row: (-row[0], -row[2], row[1]),
    )[:limit]
    users = User.objects.in_bulk([row[1] for row in scored])
    artists = Artist.objects.in_bulk({i for row in scored for i in row[4]})
    return [
        TasteMatch(
            user=users[user_id], score=score, artist_similarity=artist_similarity, genre_similarity=genre_similarity,
            shared_artists=[artists[i] for i in artist_ids if i in artists],
        )
        for score, user_id, artist_similarity, genre_similarity, artist_ids in scored
        if user_id in users
    ]
