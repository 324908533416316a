"""Becoming a promoter: a regular listener applies, staff approve or reject in the admin."""

import pytest
from django.urls import reverse

from accounts.models import User
from promoters.models import PromoterApplication
from tests.conftest import client_for, wait_until

APPLY = "/promoters/apply/"
GOOD = {"organisation": "Lowlands Live", "website": "https://lowlands.example",
        "reason": "We run twelve club nights a year in Amsterdam and want our regulars to find them."}
ADMIN_LIST = "/admin/promoters/promoterapplication/"


def test_a_listener_applies_and_sees_the_application_waiting(client, listener):
    client_for(client, listener)
    response = client.post(APPLY, GOOD, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "your application is waiting for review" in page
    assert "Waiting for review" in page and "Lowlands Live" in page
    assert "Send application" not in page
    application = PromoterApplication.objects.get(user=listener)
    assert application.status == "pending" and application.website == "https://lowlands.example"


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("organisation", "", "This field is required."),
        ("organisation", " x ", "Give your organisation&#x27;s name."),
        ("website", "not a website", "Enter a valid URL."),
        ("website", "", "This field is required."),
        ("reason", "", "This field is required."),
        ("reason", "Because.", "Tell us a little more"),
        ("organisation", "x" * 201, "Ensure this value has at most 200 characters"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_sent(client, listener, field, value, error):
    client_for(client, listener)
    response = client.post(APPLY, {**GOOD, field: value})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not PromoterApplication.objects.exists()


def test_one_application_waits_at_a_time(client, listener):
    client_for(client, listener)
    client.post(APPLY, GOOD)
    response = client.post(APPLY, {**GOOD, "organisation": "Second try"}, follow=True)
    assert "already waiting for review" in response.content.decode()
    assert PromoterApplication.objects.filter(user=listener).count() == 1


@pytest.mark.parametrize("persona", ["guest", "promoter"])
def test_guests_and_promoters_cannot_apply(client, request, persona):
    user = request.getfixturevalue(persona)
    client_for(client, user)
    page = client.get(APPLY).content.decode()
    assert "Send application" not in page
    response = client.post(APPLY, GOOD)
    assert response.status_code == 403
    assert not PromoterApplication.objects.exists()
    user.refresh_from_db()
    assert user.role == persona


def test_visitors_sign_in_before_applying(client):
    response = client.get(APPLY)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _apply(client, listener):
    client_for(client, listener)
    client.post(APPLY, GOOD)
    client.logout()
    return PromoterApplication.objects.get(user=listener)


@pytest.mark.django_db(transaction=True)
def test_staff_approve_and_the_listener_becomes_a_promoter_and_is_emailed(client, listener, staff, celery_worker,
                                                                          worker_mail):
    application = _apply(client, listener)
    client_for(client, staff)
    response = client.post(ADMIN_LIST, {"action": "approve", "_selected_action": [application.pk]}, follow=True)
    assert "Approved 1 application." in response.content.decode()
    listener.refresh_from_db()
    application.refresh_from_db()
    assert listener.role == User.Role.PROMOTER
    assert application.status == "approved" and application.reviewed_by == staff

    client_for(client, listener)
    page = client.get(APPLY).content.decode()
    assert "Approved" in page and "promoter console" in page
    assert client.get(reverse("promoters:console"), follow=True).status_code == 200
    wait_until(lambda: worker_mail(listener.email), "the worker's email")
    [mail] = worker_mail(listener.email)
    assert mail["To"] == listener.email and mail["Subject"] == "You are a promoter on Re-Wrapped"
    assert "Lowlands Live is approved" in mail.get_content() and "/promoters/console/" in mail.get_content()


@pytest.mark.django_db(transaction=True)
def test_staff_reject_with_a_reason_the_listener_reads_on_the_page_and_by_email(client, listener, staff,
                                                                                 celery_worker, worker_mail):
    application = _apply(client, listener)
    client_for(client, staff)
    asked = client.post(ADMIN_LIST, {"action": "reject", "_selected_action": [application.pk]})
    assert "Give a reason" in asked.content.decode() and "Lowlands Live" in asked.content.decode()
    empty = client.post(ADMIN_LIST, {"action": "reject", "_selected_action": [application.pk], "apply": "1",
                                     "reason": "  "})
    assert "This field is required." in empty.content.decode()
    application.refresh_from_db()
    assert application.status == "pending"

    client.post(ADMIN_LIST, {"action": "reject", "_selected_action": [application.pk], "apply": "1",
                             "reason": "We could not find your events online."}, follow=True)
    application.refresh_from_db()
    listener.refresh_from_db()
    assert application.status == "rejected" and listener.role == User.Role.REGULAR

    client_for(client, listener)
    page = client.get(APPLY).content.decode()
    assert "Rejected" in page and "We could not find your events online." in page
    # A rejected applicant may try again.
    assert "Send application" in page
    wait_until(lambda: worker_mail(listener.email), "the worker's email")
    [mail] = worker_mail(listener.email)
    assert mail["To"] == listener.email and mail["Subject"] == "Your promoter application was not approved"
    assert "We could not find your events online." in mail.get_content()
