"""What the site says: counts agree with their numbers ("1 play", "2 plays") on pages and in emails, the admin
sites are named for Re-Wrapped and list their records in plain words, allauth's pages speak in the site's sentence
case, and a greeting names the listener, never their whole email address."""

import gettext
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string
from django.test import Client

from events.models import Event
from listening.periods import user_today
from tests.conftest import ROOT, client_for
from tests.factories import UserFactory, plays_add_for
from tests.promoters.conftest import event_for


def text_of(response) -> str:
    """The page's visible words, tags gone and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.mark.parametrize(
    ("plays", "totals", "top_artist"),
    [(1, "1 play 1 artist 1 track", "Björk 1 play · 1 min"), (2, "2 plays 1 artist 2 tracks", "Björk 2 plays · 2 min")],
)
def test_the_dashboard_counts_agree_with_their_numbers(client, listener, plays, totals, top_artist):
    yesterday = user_today(listener) - timedelta(days=1)
    plays_add_for(listener, *[("Björk", f"Song {n}", _noon(listener, yesterday) + timedelta(minutes=5 * n), 1)
                              for n in range(plays)])

    page = text_of(client_for(client, listener).get("/listening/"))

    assert totals in page
    assert "1 day current streak" in page
    assert top_artist in page
    assert "1 session · about" in page


def test_the_home_page_counts_agree_with_their_numbers(client, listener):
    plays_add_for(listener, ("Björk", "Joga", _noon(listener, user_today(listener) - timedelta(days=1)), 1))

    page = text_of(client_for(client, listener).get("/"))

    assert "1 play 1 minute 1 artist" in page
    assert "Björk · 1 play, 1 min" in page


@pytest.mark.parametrize(
    ("count", "line"),
    [(1, "1 play added (1 song, 0 podcast episodes, 1 audiobook chapter)"),
     (2, "2 plays added (1 song, 1 podcast episode, 0 audiobook chapters)")],
)
def test_an_import_summary_counts_agree_with_their_numbers(count, line):
    summary = {"added": count, "music": 1, "podcasts": count - 1, "audiobooks": 2 - count,
               "duplicates_in_upload": count, "unreadable": {"no end time": count}}

    html = render_to_string("listening/_import_summary.html", {"summary": summary})
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())

    assert line in text
    assert f"{count} duplicate row{'s' if count > 1 else ''} inside this upload" in text
    assert f"{count} row{'s' if count > 1 else ''} not imported: no end time" in text


def test_staff_moderating_one_event_are_told_in_the_singular(client, staff, promoter):
    event = event_for(promoter, title="Solo Night", moderation=Event.Moderation.PENDING)

    response = client_for(client, staff).post(
        "/admin/events/event/", {"action": "approve", "_selected_action": [event.pk]}, follow=True
    )

    assert "Approved 1 event; its promoter is told." in response.content.decode()


def test_the_staff_admin_is_named_for_re_wrapped_and_lists_its_records_in_plain_words(client, staff):
    page = client_for(client, staff).get("/admin/").content.decode()

    assert "<title>Records and settings | Re-Wrapped staff console</title>" in page
    assert ">Re-Wrapped staff console<" in page
    for name in ("Daily event metrics", "API call log", "Spotify syncs", "Authentication and authorization",
                 "Social accounts", "Periodic tasks"):
        assert f">{name}<" in page, name
    for stock in ("Django", "dailys", "Api call", "Spotify Sync", "Social Accounts"):
        assert stock not in page, stock


def test_the_promoter_console_is_named_for_re_wrapped(client, promoter):
    page = client_for(client, promoter).get("/promoter/").content.decode()

    assert "<title>Your events | Re-Wrapped promoter console</title>" in page
    assert "Django" not in page


def test_the_login_page_offers_the_password_reset_once_in_sentence_case(db):
    page = Client().get("/accounts/login/").content.decode()

    assert page.count("Forgot your password?") == 1
    assert "Remember me" in page and "Remember Me" not in page


def test_the_compiled_wording_says_what_its_source_says():
    source = (ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text()
    pairs = re.findall(r'^msgid "(.+)"\nmsgstr "(.+)"$', source, re.M)
    with (ROOT / "locale" / "en" / "LC_MESSAGES" / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)

    assert len(pairs) > 40
    assert [(msgid, catalog.gettext(msgid)) for msgid, _ in pairs] == pairs


def test_allauths_pages_and_emails_speak_in_sentence_case(db, mailoutbox):
    password = "a long new passphrase"
    signed_up = Client().post(
        "/accounts/signup/", {"email": "nina@example.com", "password1": password, "password2": password}, follow=True
    )
    reset = Client().get("/accounts/password/reset/").content.decode()

    assert "<h1> Verify your email address </h1>" in " ".join(signed_up.content.decode().split())
    [confirm] = mailoutbox
    assert confirm.subject.endswith("] Please confirm your email address")
    assert "Reset your password" in reset and "Reset my password" in reset
    assert "Password Reset" not in reset and "Reset My Password" not in reset


@pytest.mark.parametrize(
    ("display_name", "greeting"), [("", "Hi nina.k"), ("Nina K", "Hi Nina K")],
)
def test_the_home_page_greets_by_name_never_by_the_whole_email_address(db, client, display_name, greeting):
    nina = UserFactory(email="nina.k@example.com", display_name=display_name)

    page = text_of(client_for(client, nina).get("/"))

    assert greeting in page
    assert "nina.k@example.com" not in page


def _noon(user, day):
    return datetime.combine(day, time(12), ZoneInfo(user.time_zone))
