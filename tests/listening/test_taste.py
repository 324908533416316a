"""Taste match between listeners who share their taste, and listeners like you
(listening/selectors/taste.py reads, listening/services/taste.py writes, their pages and API)."""

import math
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import profile_update
from listening import selectors, tasks
from listening.models import Artist, ArtistAffinity, ArtistGenre, Genre, Track
from listening.selectors import taste as taste_selectors
from listening.services import library as library_services
from listening.services import taste_sharing_set, taste_vector_refresh
from tests.accounts.test_profile import GOOD_PROFILE
from tests.conftest import client_for
from tests.factories import UserFactory, plays_add_for
from tests.listening.test_import import AUDIO_2023, spotify_zip

NOBODY = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def listen(user, plays_by_artist: dict[str, int], *, days_ago: int = 10) -> None:
    """`plays` plays of one song by each artist, `days_ago` days back, five minutes apart."""
    start = timezone.now() - timedelta(days=days_ago)
    plays = [
        (artist, f"{artist} song", start - timedelta(minutes=5 * (index * 1000 + n)), 3)
        for index, (artist, count) in enumerate(plays_by_artist.items())
        for n in range(count)
    ]
    plays_add_for(user, *plays)


def sharing(user):
    return taste_sharing_set(user=user, public=True)


def tag(artist_name: str, *genres: str) -> None:
    artist = Artist.objects.get(name=artist_name)
    for genre in genres:
        ArtistGenre.objects.create(artist=artist, genre=Genre.objects.get_or_create(name=genre)[0], source="spotify")


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- the score -----------------------------------------------------------------------------------------
def test_the_same_taste_scores_100_and_nothing_in_common_scores_0(client, listener, other_listener):
    stranger = UserFactory(display_name="Stella Stranger")
    listen(listener, {"Robyn": 10, "Björk": 5})
    listen(other_listener, {"Robyn": 20, "Björk": 10})
    listen(stranger, {"Slayer": 10})
    sharing(other_listener)
    sharing(stranger)
    client_for(client, listener)

    alike = client.get(f"/listening/taste/{other_listener.public_id}/")
    apart = client.get(f"/listening/taste/{stranger.public_id}/")

    assert alike.context["match"].score == 100
    assert [artist.name for artist in alike.context["match"].shared_artists] == ["Robyn", "Björk"]
    assert "You and Otto Other" in alike.content.decode()
    assert apart.context["match"].score == 0
    assert "You have no artists in common yet." in apart.content.decode()


def test_the_score_is_the_cosine_of_the_artist_vectors(listener, other_listener):
    listen(listener, {"Robyn": 3, "Björk": 4})  # (0.6, 0.8)
    listen(other_listener, {"Robyn": 7})  # (1, 0)
    sharing(other_listener)

    match = api(listener).get(f"/api/v1/listening/taste/matches/{other_listener.public_id}/").json()

    assert match["score"] == 60
    assert match["artist_similarity"] == pytest.approx(0.6)
    assert match["genre_similarity"] is None  # no genres known: artists alone
    assert [a["name"] for a in match["shared_artists"]] == ["Robyn"]
    assert match["listener"] == {"id": str(other_listener.public_id), "name": "Otto Other", "avatar_url": ""}


def test_shared_genres_lift_the_score_of_listeners_with_no_artist_in_common(listener, other_listener):
    listen(listener, {"Robyn": 3, "Björk": 4})
    listen(other_listener, {"Lykke Li": 5})
    tag("Robyn", "swedish pop")
    tag("Lykke Li", "swedish pop", "indie")
    tag("Björk", "art pop")
    sharing(other_listener)

    match = selectors.taste_match(viewer=listener, other=other_listener)

    # Genres: mine (0.6 swedish pop, 0.8 art pop), theirs (1, 1)/√2: cosine 0.6/√2.
    assert match.artist_similarity == 0
    assert match.genre_similarity == pytest.approx(0.6 / math.sqrt(2))
    assert match.score == round(100 * 0.3 * 0.6 / math.sqrt(2))
    assert [genre.name for genre in match.shared_genres] == ["swedish pop"]


def test_plays_from_years_ago_count_as_much_as_last_weeks(listener, other_listener):
    listen(listener, {"Robyn": 5}, days_ago=3 * 365)
    listen(listener, {"Slayer": 5})
    listen(other_listener, {"Robyn": 5})
    sharing(other_listener)

    match = selectors.taste_match(viewer=listener, other=other_listener)

    assert match.artist_similarity == pytest.approx(1 / math.sqrt(2))
    assert [artist.name for artist in match.shared_artists] == ["Robyn"]


def test_taste_weighs_the_time_spent_listening_not_the_number_of_plays(listener):
    plays_add_for(listener, *[("Skipped Often", "Intro", timezone.now() - timedelta(hours=n), 0.1, {"skipped": True})
                              for n in range(1, 31)])
    plays_add_for(listener, *[("Played Through", "Epic", timezone.now() - timedelta(days=2, hours=n), 6)
                              for n in range(1, 4)])

    shares = {artist.name: share for artist, share in selectors.taste_top_artists(user=listener)}

    # 30 plays of 6 seconds are 3 minutes; 3 plays of 6 minutes are 18.
    assert shares == {"Played Through": pytest.approx(18 / 21), "Skipped Often": pytest.approx(3 / 21)}


def test_a_2023_export_gives_a_taste_of_the_whole_history_not_of_one_picked_song(client, listener, run_import):
    plays_add_for(UserFactory(), ("Adele", "Hello", timezone.now(), 5))  # puts the song in the catalog
    library_services.starter_pick_add(user=listener, track=Track.objects.get(name="Hello"))
    run_import(listener, spotify_zip(AUDIO_2023))
    client_for(client, listener)

    page = client.get("/listening/taste/").content.decode()

    top = [(artist.name, round(100 * share)) for artist, share in selectors.taste_top_artists(user=listener)]
    assert len(top) == 10 and "Adele" not in dict(top)
    # Ruth B. has the most listening time in that export, under 4 % of it: no artist stands out.
    assert top[0] == ("Ruth B.", 4)
    assert "Ruth B. <small class=\"muted\">· 4%</small>" in page
    assert "100%" not in page


def test_a_new_listener_with_only_picks_and_favourites_has_a_taste(listener, other_listener):
    listen(other_listener, {"Robyn": 5, "Björk": 5})  # puts the songs in the catalog
    sharing(other_listener)
    robyn, bjork = Track.objects.get(artist__name="Robyn"), Track.objects.get(artist__name="Björk")

    assert selectors.taste_match(viewer=listener, other=other_listener).has_taste is False
    library_services.starter_pick_add(user=listener, track=robyn)
    library_services.favourite_add(user=listener, track=bjork)

    match = selectors.taste_match(viewer=listener, other=other_listener)
    assert match.has_taste and match.score == 100


# --- who may see a match -------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["guest", "listener", "promoter", "other_promoter", "staff"])
def test_a_listener_who_does_not_share_their_taste_looks_like_nobody(request, persona, other_listener):
    listen(other_listener, {"Robyn": 5})
    user = request.getfixturevalue(persona)
    client = client_for(Client(), user)

    private = [client.get(f"/listening/taste/{other_listener.public_id}/"),
               client.get(f"/api/v1/listening/taste/matches/{other_listener.public_id}/")]
    missing = [client.get(f"/listening/taste/{NOBODY}/"), client.get(f"/api/v1/listening/taste/matches/{NOBODY}/")]

    assert [r.status_code for r in private] == [r.status_code for r in missing] == [404, 404]
    assert private[1].json() == missing[1].json()


def test_anonymous_visitors_see_no_match(client, other_listener):
    sharing(other_listener)

    assert client.get(f"/listening/taste/{other_listener.public_id}/")["Location"].startswith("/accounts/login/")
    assert client.get(f"/api/v1/listening/taste/matches/{other_listener.public_id}/").status_code == 401
    assert client.get("/api/v1/listening/taste/listeners/").status_code == 401


def test_your_own_link_works_even_before_you_share(client, listener):
    listen(listener, {"Robyn": 5})
    client_for(client, listener)

    assert client.get(f"/listening/taste/{listener.public_id}/").context["match"].score == 100


# --- sharing and the published vectors -----------------------------------------------------------------
def test_sharing_publishes_a_unit_length_vector_of_the_top_artists_and_stopping_withdraws_it(
    client, listener, monkeypatch
):
    monkeypatch.setattr(taste_selectors, "TASTE_ARTISTS", 3)
    listen(listener, {"Robyn": 8, "Björk": 6, "Slayer": 1, "Lykke Li": 4})
    client_for(client, listener)

    shared = client.post("/listening/taste/sharing/", {"public": "on"}, follow=True)

    assert "Your taste is shared" in shared.content.decode()
    weights = dict(ArtistAffinity.objects.filter(user=listener).values_list("artist__name", "weight"))
    assert set(weights) == {"Robyn", "Björk", "Lykke Li"}
    assert sum(w * w for w in weights.values()) == pytest.approx(1)
    assert weights["Robyn"] == pytest.approx(8 / math.sqrt(8 * 8 + 6 * 6 + 4 * 4))
    assert f"/listening/taste/{listener.public_id}/" in shared.content.decode()

    stopped = client.post("/listening/taste/sharing/", {}, follow=True)

    assert "Your taste is private again" in stopped.content.decode()
    listener.refresh_from_db()
    assert listener.public_profile is False
    assert not ArtistAffinity.objects.filter(user=listener).exists()


def test_the_sharing_api(listener):
    client = api(listener)

    assert client.get("/api/v1/listening/taste/sharing/").json() == {"public": False}
    assert client.put("/api/v1/listening/taste/sharing/", {"public": True}, format="json").json() == {"public": True}
    bad = client.put("/api/v1/listening/taste/sharing/", {"public": "perhaps"}, format="json")

    assert bad.status_code == 400 and "public" in bad.json()["error"]["fields"]
    listener.refresh_from_db()
    assert listener.public_profile is True


def test_the_profile_form_offers_sharing_with_an_explanation_and_publishes_at_once(client, listener):
    listen(listener, {"Robyn": 3})
    client_for(client, listener)

    page = client.get("/profile/").content.decode()
    client.post("/profile/", {**GOOD_PROFILE, "public_profile": "on"})

    assert "Share my music taste" in page and "never your history" in page
    listener.refresh_from_db()
    assert listener.public_profile is True
    assert list(ArtistAffinity.objects.filter(user=listener).values_list("artist__name", flat=True)) == ["Robyn"]


def test_the_nightly_refresh_republishes_shared_tastes_and_drops_withdrawn_ones(listener, other_listener):
    listen(listener, {"Robyn": 5})
    listen(other_listener, {"Björk": 5})
    sharing(listener)
    sharing(other_listener)
    listen(listener, {"Slayer": 5}, days_ago=2)
    User.objects.filter(pk=other_listener.pk).update(public_profile=False)  # a bulk edit: no refresh yet

    counts = tasks.taste_vectors_refresh.run()

    assert counts == {"refreshed": 1, "withdrawn": 1}
    assert set(ArtistAffinity.objects.values_list("user", "artist__name")) == {
        (listener.pk, "Robyn"), (listener.pk, "Slayer"),
    }


def test_the_refresh_runs_every_night():
    entry = django_settings.CELERY_BEAT_SCHEDULE["refresh-taste-vectors"]

    assert entry["task"] == "listening.tasks.taste_vectors_refresh"
    assert entry["schedule"].hour == {3}


# --- listeners like you --------------------------------------------------------------------------------
@pytest.fixture
def neighbourhood(listener, other_listener):
    """The listener, and others who are more or less like them."""
    listen(listener, {"Robyn": 10, "Björk": 6, "Lykke Li": 3})
    twin = UserFactory(display_name="Tina Twin")
    listen(twin, {"Robyn": 10, "Björk": 6, "Lykke Li": 3})
    cousin = UserFactory(display_name="", email="cousin@example.com")
    listen(cousin, {"Lykke Li": 10, "Slayer": 10})
    stranger = UserFactory(display_name="Stella Stranger")
    listen(stranger, {"Slayer": 10})
    listen(other_listener, {"Robyn": 10, "Björk": 6})  # alike, but stopped sharing
    for user in (listener, twin, cousin, stranger, other_listener):
        sharing(user)
    profile_update(user=other_listener, public_profile=False)
    return {"twin": twin, "cousin": cousin, "stranger": stranger}


def test_listeners_like_you_are_those_who_share_their_taste_best_first(client, listener, neighbourhood):
    client_for(client, listener)

    page = client.get("/listening/taste/")

    matches = page.context["like_you"]
    assert [(m.public_name, m.score) for m in matches] == [
        ("Tina Twin", 100), ("A Re-Wrapped listener", round(100 * 3 / math.sqrt(145) / math.sqrt(2))),
    ]
    assert [a.name for a in matches[0].shared_artists] == ["Robyn", "Björk", "Lykke Li"]
    html = page.content.decode()
    assert "You both play Robyn, Björk, Lykke Li" in html
    assert "cousin@example.com" not in html and "Otto Other" not in html
    assert f"/listening/taste/{neighbourhood['twin'].public_id}/" in html


def test_the_listeners_like_you_api_agrees_with_the_match(listener, neighbourhood):
    client = api(listener)

    listed = client.get("/api/v1/listening/taste/listeners/").json()
    cousin = client.get(f"/api/v1/listening/taste/matches/{neighbourhood['cousin'].public_id}/").json()

    assert [entry["listener"]["name"] for entry in listed] == ["Tina Twin", "A Re-Wrapped listener"]
    assert listed[1]["score"] == cousin["score"]


def test_a_listener_with_no_taste_yet_is_told_how_to_get_one(client, guest, neighbourhood):
    page = client_for(client, guest).get("/listening/taste/").content.decode()

    assert "There is nothing to compare yet." in page


def test_taste_pages_keep_to_a_query_budget(client, listener, neighbourhood, django_assert_max_num_queries):
    client_for(client, listener)
    twin = neighbourhood["twin"].public_id

    for url in ("/listening/taste/", f"/listening/taste/{twin}/"):
        with django_assert_max_num_queries(8):  # 2 of them load the session and the user
            assert client.get(url).status_code == 200
    for url in ("/api/v1/listening/taste/listeners/", f"/api/v1/listening/taste/matches/{twin}/"):
        with django_assert_max_num_queries(4):
            assert api(listener).get(url).status_code == 200


def test_refreshing_a_private_listener_publishes_nothing(listener):
    listen(listener, {"Robyn": 5})

    assert taste_vector_refresh(user=listener) == 0
    assert not ArtistAffinity.objects.exists()
