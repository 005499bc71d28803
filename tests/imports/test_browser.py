from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.catalog.test_browser import sign_in
from tests.factories import UserFactory
from walks.models import Walk

from .conftest import FILES

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("screen", ["page", "mobile_page"])
def test_upload_preview_progress_done(screen, request, transactional_db, monkeypatch):
    from imports import services

    # Small batches, so that the progress bar has several steps to show.
    monkeypatch.setattr(services, "BATCH", 1)
    page = request.getfixturevalue(screen)
    person = UserFactory(username="mover")
    sign_in(page, person)

    page.goto(f"{page.base}/settings/")
    page.get_by_role("link", name="Import a history").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import your history")
    page.get_by_label("From").select_option("mal")
    page.get_by_label("Export file").set_input_files(str(FILES / "animelist.xml.gz"))
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Preview")
    expect(page.get_by_test_id("count-create")).to_have_text("5")
    expect(page.get_by_text("2 anime are On-Hold or Dropped.")).to_be_visible()
    page.get_by_label("Skip them").check()
    page.get_by_role("button", name=re.compile(r"Import 5 rows")).click()

    # Eager here: the job ran before the page loaded, so the result shows;
    # the polling page is covered below.
    expect(page.get_by_role("heading", level=1)).to_have_text("Imported")
    expect(page.get_by_test_id("done-walks")).to_have_text("2")
    expect(page.get_by_test_id("done-watchlist")).to_have_text("1")
    assert Walk.objects.filter(user=person).count() == 2
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report (CSV)").click()
    assert "Fullmetal Alchemist" in Path(download.value.path()).read_text(encoding="utf-8-sig")


def test_the_progress_bar_follows_the_job_without_a_reload(page, transactional_db):
    from imports import services
    from imports.models import ImportJob, Status

    from .conftest import upload

    person = UserFactory()
    job = services.import_upload(user=person, source="hltb", upload=upload("hltb.csv"))
    ImportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, done=2)
    sign_in(page, person)
    page.goto(f"{page.base}/imports/{job.pk}/")
    bar = page.get_by_test_id("import-progress")
    expect(bar).to_have_attribute("value", "2")
    page.evaluate("window.__marker = 1")
    ImportJob.objects.filter(pk=job.pk).update(done=4)
    expect(page.locator("[data-import-done]")).to_have_text("4")
    assert page.evaluate("window.__marker") == 1  # the same page: no reload
    services.import_run(job_id=job.pk)  # the worker finishes it
    expect(page.get_by_role("heading", level=1)).to_have_text("Imported", timeout=15_000)
