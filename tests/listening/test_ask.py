"""Questions in plain English (listening/ask/): the question set on a fixture history, the API and the box."""

import json
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone
from rest_framework.throttling import ScopedRateThrottle

from listening.ask import EXAMPLES, ask
from listening.models import Artist
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.listening import ask_history
from tests.listening.ask_questions import QUESTIONS, REFUSE

ASK_API = "/api/v1/listening/ask/"
ASK_PAGE = "/listening/ask/"
REQUIRED_ACCURACY = 0.95


@pytest.fixture
def history(listener, other_listener):
    """The listener's fixture history, and a little of someone else's that must never show up in answers."""
    now = timezone.now()
    ask_history.load(other_listener, [
        ask_history.Play("music", "Taylor Swift", "Anti-Hero", "Midnights", None,
                         int((now - timedelta(days=n, hours=2)).timestamp()), 200_000) for n in range(1, 30)
    ] + [
        ask_history.Play("music", "Radiohead", "Creep", "Pablo Honey", None,
                         int((now - timedelta(days=n, hours=3)).timestamp()), 230_000) for n in range(1, 30)
    ])
    return ask_history.build(listener)


def _verdict(question, expected, history, listener) -> str | None:
    """Why the answer is wrong, or None when it is right."""
    answer = ask(user=listener, question=question)
    wanted = expected(history) if callable(expected) else expected
    if wanted == REFUSE:
        if answer.understood or answer.rows or answer.examples != EXAMPLES:
            return f"should be refused, got {answer.answer!r} {answer.rows[:3]}"
        return None
    if not answer.understood:
        return f"not understood: {answer.answer!r}"
    if answer.rows != wanted:
        return f"{answer.answer!r}\n      rows     {answer.rows[:6]}\n      expected {wanted[:6]}"
    return None


def test_the_question_set_is_answered_right(history, listener):
    assert len(QUESTIONS) >= 100
    failures = []
    for question, expected in QUESTIONS:
        problem = _verdict(question, expected, history, listener)
        if problem:
            failures.append(f"{question!r}: {problem}")
    right = len(QUESTIONS) - len(failures)
    accuracy = right / len(QUESTIONS)
    print(f"\nquestion set: {right}/{len(QUESTIONS)} right ({accuracy:.1%})")
    assert accuracy >= REQUIRED_ACCURACY, f"{accuracy:.1%} right; wrong:\n" + "\n".join(failures)


def test_the_answer_says_the_moment_in_the_listeners_time_zone(history, listener):
    answer = ask(user=listener, question="when did I first listen to Sigur Rós")

    # 00:30 in Amsterdam is still the 13th in UTC.
    assert answer.answer == "You first played Sigur Rós on Wednesday 14 February 2024 at 00:30."


def test_a_close_spelling_is_answered_and_the_answer_says_what_it_was_taken_to_mean(history, listener):
    answer = ask(user=listener, question="how many times did I play Radiohed in 2023")

    assert answer.understood
    assert answer.answer.startswith("I took “radiohed” to mean Radiohead (artist). You played Radiohead ")


def test_two_songs_of_the_same_name_are_not_guessed_between(history, listener):
    answer = ask(user=listener, question="how many times did I play Creep")

    assert not answer.understood
    assert "“Creep by Radiohead”" in answer.answer and "“Creep by TLC”" in answer.answer
    assert answer.rows == []


def test_answers_count_only_the_askers_own_plays(history, listener, other_listener):
    mine = ask(user=listener, question="how many times did I play Creep by Radiohead")
    theirs = ask(user=other_listener, question="how many times did I play Creep by Radiohead")
    unknown = ask(user=listener, question="top songs by Taylor Swift")

    assert mine.rows == history.amount("tracks", "Creep", "Radiohead")
    assert theirs.rows == [["Creep", "Radiohead", 29, 29 * 230_000 // 60_000]]
    assert not unknown.understood
    assert "Taylor" not in json.dumps(ask(user=listener, question="top 50 artists").rows)


def test_seasons_are_said_to_be_northern_hemisphere_ones(history, listener):
    answer = ask(user=listener, question="top 5 artists last summer")

    assert "northern-hemisphere seasons" in answer.answer


def test_a_listener_with_no_history_is_told_so_not_given_a_guess(listener):
    assert ask(user=listener, question="top 5 artists this year").answer.startswith("You didn't play any music this")
    refused = ask(user=listener, question="how many minutes did I listen to Radiohead")
    assert not refused.understood and refused.examples == EXAMPLES


# --- the API ------------------------------------------------------------------------------------------------
def _post(client, body, content_type="application/json"):
    data = json.dumps(body) if content_type == "application/json" else body
    return client.post(ASK_API, data, content_type=content_type)


def test_the_api_answers_in_a_sentence_and_a_table(client, history, listener, django_assert_max_num_queries):
    client_for(client, listener)

    with django_assert_max_num_queries(14):
        response = _post(client, {"question": "how many minutes did I listen to Radiohead in 2023"})

    assert response.status_code == 200
    body = response.json()
    plays, minutes = history.amount("artists", "Radiohead", span=history.spans.year(2023))[0][1:]
    page = f"/listening/artists/{Artist.objects.get(name='Radiohead').public_id}/"
    assert body == {
        "understood": True,
        "answer": f"You listened to Radiohead for {minutes:,} minutes (about {minutes / 60:,.1f} hours) in 2023, "
                  f"across {plays} plays.",
        "intent": "amount",
        "period": {"key": "custom", "label": "2023", "start": "2023-01-01", "end": "2023-12-31"},
        "compared_with": None,
        "columns": ["Artist", "Plays", "Minutes"],
        "rows": [["Radiohead", plays, minutes]],
        "examples": [],
        "links": [{"text": "Radiohead", "url": page}],
        "row_links": [page],
    }


def test_the_api_keeps_to_a_query_budget_for_a_top_list_and_a_comparison(
        client, history, listener, django_assert_max_num_queries):
    client_for(client, listener)

    with django_assert_max_num_queries(8):
        top = _post(client, {"question": "top 5 artists last March"})
    with django_assert_max_num_queries(10):
        compared = _post(client, {"question": "my top genres this year vs last year"})

    assert top.json()["rows"] == history.top("artists", history.spans.last_named_month(3), 5)
    assert compared.json()["intent"] == "top_compare" and compared.json()["compared_with"]["label"] == "Last year"


def test_the_api_gives_first_plays_as_times_with_the_listeners_offset(client, history, listener):
    client_for(client, listener)

    body = _post(client, {"question": "when did I first play Bohemian Rhapsody"}).json()

    assert body["columns"] == ["Track", "Artist", "First played", "Last played", "Plays"]
    assert body["rows"][0][:3] == ["Bohemian Rhapsody", "Queen", "2022-03-05T21:15:00+01:00"]


def test_a_question_it_cannot_answer_gets_examples_not_a_number(client, history, listener):
    client_for(client, listener)

    body = _post(client, {"question": "how many times did I play Coldplay last year"}).json()

    assert body["understood"] is False
    assert body["answer"].startswith(
        "Sorry, I didn't understand that. I couldn't find “coldplay” among the artists, tracks and albums you've "
        "played. I can tell you about top artists")
    assert body["examples"] == EXAMPLES
    assert body["rows"] == [] and body["period"] is None and body["intent"] is None


@pytest.mark.parametrize(("body", "message"), [
    ({"question": ""}, "The question is empty"),
    ({"question": "   "}, "The question is empty"),
    ({"question": None}, "The question is empty"),
    ({}, "Send a question"),
    ({"question": "x" * 301}, "Keep the question to 300 characters or fewer."),
    ({"question": 5}, "Send the question as text"),
    ({"question": ["top artists"]}, "Send the question as text"),
    ({"question": {"text": "top artists"}}, "Send the question as text"),
    ({"question": True}, "Send the question as text"),
    (["top artists"], "Send a JSON object"),
    ("top artists", "Send a JSON object"),
])
def test_bad_input_is_a_400_with_a_clear_message(client, listener, body, message):
    client_for(client, listener)

    response = _post(client, body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_question"
    assert error["message"].startswith(message), error


def test_a_question_of_exactly_300_characters_is_read(client, listener):
    client_for(client, listener)

    response = _post(client, {"question": "top 5 artists " + " " * 286})

    assert response.status_code == 200
    assert response.json()["understood"] is True


def test_the_api_is_for_signed_in_listeners_only(client):
    response = _post(client, {"question": "top 5 artists"})

    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_the_api_and_the_box_share_one_budget_of_questions(client, listener, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"listening_ask": "3/min"})
    client_for(client, listener)

    statuses = [_post(client, {"question": "top artists"}).status_code for _ in range(2)]
    statuses.append(client.post(ASK_PAGE, {"question": "top artists"}, HTTP_HX_REQUEST="true").status_code)
    api_refused = _post(client, {"question": "top artists"})
    box_refused = client.post(ASK_PAGE, {"question": "top artists"}, HTTP_HX_REQUEST="true")

    assert statuses == [200, 200, 200]
    assert api_refused.status_code == 429 and api_refused.json()["error"]["code"] == "throttled"
    assert box_refused.status_code == 429 and "wait a minute" in box_refused.content.decode()


# --- the box on the dashboard ------------------------------------------------------------------------------------
def test_the_dashboard_has_a_labelled_questions_box_with_a_live_answer_region(client, listener):
    client_for(client, listener)

    html = client.get("/listening/").content.decode()

    assert '<label for="ask-question">Your question</label>' in html
    assert 'hx-post="/listening/ask/"' in html
    assert 'id="ask-answer" class="ask-answer" aria-live="polite"' in html
    assert "listening/ask" in html and ".js" in html


def test_the_box_answers_with_a_sentence_and_a_table(client, history, listener):
    client_for(client, listener)

    response = client.post(ASK_PAGE, {"question": "top 3 artists in 2023"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    rows = history.top("artists", history.spans.year(2023), 3)
    assert response.status_code == 200
    pages = {name: f"/listening/artists/{public_id}/" for name, public_id in
             Artist.objects.filter(name__in=[row[1] for row in rows]).values_list("name", "public_id")}
    linked = [f'<a href="{pages[row[1]]}">{row[1]}</a>' for row in rows]
    assert f"Your top 3 artists in 2023: {linked[0]}, {linked[1]} and {linked[2]}." in html
    assert '<th scope="col">Artist</th>' in html
    assert f"<td>{linked[0]}</td><td>{rows[0][2]:,}</td>" in html
    assert "<html" not in html


def test_the_box_offers_examples_for_a_question_it_cannot_answer(client, listener):
    client_for(client, listener)

    html = client.post(ASK_PAGE, {"question": "what's the weather like"}, HTTP_HX_REQUEST="true").content.decode()

    assert "<p class=\"ask-sentence\">Sorry, I didn&#x27;t understand that. I can tell you about" in html
    assert f'data-ask-example="{EXAMPLES[0]}"' in html
    assert "<table" not in html


@pytest.mark.parametrize(("question", "message"), [
    ("", "Type a question first"),
    ("x" * 301, "Keep the question to 300 characters or fewer (this one has 301)."),
])
def test_the_box_says_what_is_wrong_with_bad_input(client, listener, question, message):
    client_for(client, listener)

    response = client.post(ASK_PAGE, {"question": question}, HTTP_HX_REQUEST="true")

    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_without_javascript_the_box_answers_on_a_page_of_its_own(client, history, listener):
    client_for(client, listener)

    response = client.post(ASK_PAGE, {"question": "what's my longest streak"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and "Your longest streak was" in html
    assert 'value="what&#x27;s my longest streak"' in html


def test_the_box_is_for_signed_in_listeners_only(client):
    response = client.post(ASK_PAGE, {"question": "top artists"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_another_listener_asking_the_same_question_sees_only_their_own_numbers(client, history, listener):
    somebody = UserFactory()
    client_for(client, somebody)

    html = unescape(client.post(ASK_PAGE, {"question": "top 5 artists"}, HTTP_HX_REQUEST="true").content.decode())

    assert "You haven't played any music yet." in html
    assert "Radiohead" not in html
