"""Genres as tags: how a genre a provider, a promoter or a listener wrote is matched against another.

The same fold is SQL in migration 0011 (events_genre_tags and friends), which the indexes hold; the two agree
(tests/events/test_genres.py)."""

import re

from django.contrib.postgres.fields import ArrayField
from django.db.models import F, Func, Q, TextField

_NOT_WORD = re.compile(r"[\W_]+")
_SPACES = re.compile(r"\s+")


def genre_tag(genre: str) -> str:
    """"Indie-Rock", "indie  rock!" → "indie rock": lower case, runs of punctuation and spacing one space."""
    return _NOT_WORD.sub(" ", genre.lower()).strip()


def tag_matches(tag: str, wanted: str) -> bool:
    """Whether `wanted`'s words appear together in `tag`: "indie" is in "indie pop", not in "hindie"."""
    return bool(wanted) and f" {wanted} " in f" {tag} "


def genre_filter(wanted: str) -> Q:
    """The events with a genre tag holding the words of `wanted` (a tag) together, as `tag_matches` says: the
    indexed words find the candidates, the stored text (" indie pop | rock ") keeps the right ones."""
    if not wanted:
        return Q(pk__in=[])
    return Q(genre_words__contains=wanted.split(), genre_text__contains=f" {wanted} ")


def performer_key(name: str) -> str:
    """A performer's name as events_performer_keys folds it, to find a show by a listener's artist."""
    return _SPACES.sub(" ", name.lower()).strip()


class GenreTags(Func):
    """An event's genres as tags, the expression migration 0011 indexes."""

    function = "events_genre_tags"
    output_field = ArrayField(TextField())

    def __init__(self):
        super().__init__(F("genres"))


class PerformerKeys(Func):
    """An event's performer names as `performer_key` folds them, the expression migration 0011 indexes."""

    function = "events_performer_keys"
    output_field = ArrayField(TextField())

    def __init__(self):
        super().__init__(F("performer_names"))
