"""Staff moderate promoter events in the main admin: the queue, bulk approve, bulk reject with a reason."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission

from events.models import Event
from promoters.models import PromoterApplication
from tests.conftest import client_for, wait_until
from tests.factories import UserFactory
from tests.promoters.conftest import event_for

ADMIN_EVENTS = "/admin/events/event/"


@pytest.fixture
def queue(promoter, other_promoter):
    return [
        event_for(promoter, title="First In Line", moderation=Event.Moderation.PENDING),
        event_for(other_promoter, title="Second In Line", moderation=Event.Moderation.PENDING),
    ]


def test_the_moderation_queue_lists_only_pending_events(client, staff, queue, promoter):
    event_for(promoter, title="Still A Draft")
    client_for(client, staff)
    page = client.get(ADMIN_EVENTS, {"moderation": "pending"}).content.decode()
    assert "First In Line" in page and "Second In Line" in page and "Still A Draft" not in page


@pytest.mark.django_db(transaction=True)
def test_staff_approve_in_bulk_and_promoters_are_emailed(client, staff, queue, promoter, celery_worker, worker_mail):
    draft = event_for(promoter, title="Still A Draft")
    client_for(client, staff)
    response = client.post(ADMIN_EVENTS, {"action": "approve", "_selected_action": [e.pk for e in [*queue, draft]]},
                           follow=True)
    assert "Approved 2 events; their promoters are told." in response.content.decode()
    assert set(Event.objects.values_list("title", "moderation")) == {
        ("First In Line", "approved"), ("Second In Line", "approved"), ("Still A Draft", "draft"),
    }
    promoters = ("promoter@example.com", "promoter2@example.com")
    wait_until(lambda: len(worker_mail(*promoters)) == 2, "the worker's emails")
    assert sorted(mail["To"] for mail in worker_mail(*promoters)) == sorted(promoters)
    assert all("is approved" in mail["Subject"] for mail in worker_mail(*promoters))

    client_for(client, promoter)
    assert "Approved" in client.get("/promoter/events/event/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_staff_reject_in_bulk_with_a_reason_the_promoter_sees(client, staff, queue, promoter, celery_worker,
                                                              worker_mail):
    client_for(client, staff)
    ids = [event.pk for event in queue]
    asked = client.post(ADMIN_EVENTS, {"action": "reject", "_selected_action": ids})
    page = asked.content.decode()
    assert "Give a reason" in page and "First In Line" in page and "Second In Line" in page
    assert not Event.objects.filter(moderation="rejected").exists()

    still_asking = client.post(ADMIN_EVENTS, {"action": "reject", "_selected_action": ids, "apply": "1", "reason": ""})
    assert "This field is required." in still_asking.content.decode()

    done = client.post(ADMIN_EVENTS, {"action": "reject", "_selected_action": ids, "apply": "1",
                                      "reason": "Ticket link does not work."}, follow=True)
    assert "Rejected 2 events; their promoters see the reason." in done.content.decode()
    assert set(Event.objects.values_list("moderation", "rejection_reason")) == {
        ("rejected", "Ticket link does not work."),
    }
    promoters = ("promoter@example.com", "promoter2@example.com")
    wait_until(lambda: len(worker_mail(*promoters)) == 2, "the worker's emails")
    assert all("Ticket link does not work." in mail.get_content() for mail in worker_mail(*promoters))

    client_for(client, promoter)
    console = client.get("/promoter/events/event/").content.decode()
    assert "Ticket link does not work." in console and "Second In Line" not in console


def test_promoters_cannot_moderate_in_the_main_admin(client, promoter, queue):
    client_for(client, promoter)
    response = client.post(ADMIN_EVENTS, {"action": "approve", "_selected_action": [queue[0].pk]})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    queue[0].refresh_from_db()
    assert queue[0].moderation == Event.Moderation.PENDING


@pytest.mark.parametrize(("model", "permission"), [(Event, "view_event"),
                                                   (PromoterApplication, "view_promoterapplication")])
def test_staff_who_may_only_view_cannot_approve_or_reject(db, rf, model, permission):
    viewer = UserFactory(is_staff=True)
    # By app as well: dj-stripe has an Event model (and a view_event permission) of its own.
    viewer.user_permissions.add(Permission.objects.get(codename=permission,
                                                       content_type__app_label=model._meta.app_label))
    request = rf.get("/admin/")
    request.user = viewer

    actions = admin.site._registry[model].get_actions(request)

    assert "approve" not in actions and "reject" not in actions
    request.user = UserFactory(is_staff=True, is_superuser=True)
    assert {"approve", "reject"} <= set(admin.site._registry[model].get_actions(request))
