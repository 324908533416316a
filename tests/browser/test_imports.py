"""Undoing an import in a real browser: the page offers it, asks first, and shows it done when the worker is."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from listening.models import ImportJob, Play
from tests.browser.conftest import serious_violations
from tests.browser.test_dashboard import sign_in, stack_page  # noqa: F401 (fixture)
from tests.factories import plays_add_for
from tests.listening.test_import import VIDEO_2023, spotify_zip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_listener_undoes_the_wrong_file_and_their_stats_are_their_own_again(stack_page, listener, axe_source):
    page = stack_page
    yesterday = timezone.now() - timedelta(days=1)
    plays_add_for(listener, *[("Björk", "Joga", yesterday - timedelta(minutes=5 * n), 4) for n in range(3)])
    sign_in(page, listener)
    page.goto("/listening/import/")
    page.get_by_label("Your Spotify data export").set_input_files(
        files=[{"name": "someone_elses.zip", "mimeType": "application/zip", "buffer": spotify_zip(VIDEO_2023)}]
    )
    page.get_by_role("button", name="Import").click()
    job = page.locator("[data-job]").first
    expect(job.locator(".job-status")).to_have_text("Done", timeout=60_000)

    job.get_by_role("link", name="Undo this import").click()
    expect(page.get_by_role("heading", name="Undo the import of someone_elses.zip?")).to_be_visible()
    expect(page.get_by_text("it added 16 plays to your history")).to_be_visible()
    assert serious_violations(page, axe_source) == []
    page.get_by_role("button", name="Undo this import").click()

    job = page.locator("[data-job]").first
    expect(job.locator(".job-status")).to_have_text("Undone", timeout=60_000)
    expect(job).to_contain_text("the 16 plays it had added are no longer in your history")
    expect(job.get_by_role("link", name="Undo this import")).to_have_count(0)
    assert ImportJob.objects.get(user=listener).status == ImportJob.Status.UNDONE
    assert Play.objects.filter(user=listener).count() == 3
    page.goto("/listening/?period=all")
    expect(page.locator('[data-total="plays"]')).to_have_text("3")
