from datetime import timedelta

import factory
from django.utils import timezone

from events.models import Event
from listening.models import Genre
from listening.services import artist_genres_add
from tests.factories import plays_add_for


class EventFactory(factory.django.DjangoModelFactory):
    """A listed Ticketmaster show in Amsterdam a month from now."""

    class Meta:
        model = Event
        skip_postgeneration_save = True

    source = Event.Source.TICKETMASTER
    external_id = factory.Sequence(lambda n: f"tm-{n}")
    title = factory.Sequence(lambda n: f"Show number {n}")
    venue = "Paradiso"
    address = "Weteringschans 6-8"
    city = "Amsterdam"
    country = "NL"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    venue_time_zone = "Europe/Amsterdam"
    ticket_url = factory.Sequence(lambda n: f"https://tickets.example.com/event/{n}")
    moderation = Event.Moderation.APPROVED

    @factory.post_generation
    def performers(event, create, extracted, **kwargs):
        if create and extracted:
            event.performers.set(extracted)
            if not event.performer_names:
                event.performer_names = [artist.name for artist in extracted]
                event.save(update_fields=["performer_names"])

    @factory.post_generation
    def target_artists(event, create, extracted, **kwargs):
        if create and extracted:
            event.target_artists.set(extracted)


class PromoterEventFactory(EventFactory):
    """A promoter's own event on Re-Wrapped."""

    source = Event.Source.INTERNAL
    external_id = ""
    promoter = factory.SubFactory("tests.factories.UserFactory", role="promoter")


def listens(user, plays_by_artist: dict[str, int], *, days_ago: int = 400):
    """Give `user` a history: this many three-minute plays of each artist, long ago (all time counts)."""
    start = timezone.now() - timedelta(days=days_ago)
    rows, n = [], 0
    for artist, count in plays_by_artist.items():
        for i in range(count):
            rows.append((artist, f"{artist} song {i % 5}", start + timedelta(minutes=7 * n), 3))
            n += 1
    plays_add_for(user, *rows)


def genres_of(artist, *names: str):
    """Tag an artist with genres through the same service sync uses."""
    genres = [Genre.objects.get_or_create(name=name)[0] for name in names]
    artist_genres_add(pairs=[(artist.pk, genre.pk) for genre in genres], source="spotify")
