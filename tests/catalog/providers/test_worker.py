from __future__ import annotations

import pytest

from catalog import provider_services, tasks
from catalog.models import Title

pytestmark = pytest.mark.integration


@pytest.fixture
def anilist_for_the_worker(fake_anilist, settings, monkeypatch):
    """The worker process reads its settings from the environment: point it
    at the fake AniList and at this test's media directory."""
    monkeypatch.setenv("ANILIST_ENABLED", "1")
    monkeypatch.setenv("ANILIST_API_URL", settings.ANILIST_API_URL)
    monkeypatch.setenv("ANILIST_IMAGE_URL", settings.ANILIST_IMAGE_URL)
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    return fake_anilist


def test_a_real_worker_fetches_the_cover(anilist_for_the_worker, celery_worker_process, monkeypatch, user):
    worker = celery_worker_process
    task = tasks.fetch_title_cover
    apply_async = task.apply_async

    def to_the_workers_queue(args=(), kwargs=None, **options):
        return apply_async(args=args, kwargs=kwargs, **{**options, "queue": worker.queue})

    monkeypatch.setattr(task, "apply_async", to_the_workers_queue)
    title, created = provider_services.title_add_from_provider(actor=user, provider="anilist", external_id="1")
    assert created and not title.cover  # the placeholder until the worker is done
    worker.wait_for(lambda: Title.objects.filter(pk=title.pk).exclude(cover="").exists())
    title.refresh_from_db()
    assert title.cover.name.endswith(".webp") and title.cover.storage.exists(title.cover.name)
    assert anilist_for_the_worker.image_requests == ["/images/bebop.png"]
