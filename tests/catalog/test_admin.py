from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import Title
from reviews.models import Review
from tests.factories import UserFactory

from .conftest import image_bytes
from .factories import ReviewFactory, TitleFactory, WalkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_title_changelist_search_and_filters(admin_client_):
    TitleFactory(name="Hollow Knight", type="game", release_year=2017)
    TitleFactory(name="Casablanca", type="film", release_year=1942)
    html = admin_client_.get("/admin/catalog/title/", {"q": "hollow"}).content.decode()
    assert "Hollow Knight" in html and "Casablanca" not in html
    html = admin_client_.get("/admin/catalog/title/", {"type__exact": "film"}).content.decode()
    assert "Casablanca" in html and "Hollow Knight" not in html
    html = admin_client_.get("/admin/catalog/title/", {"decade": "old"}).content.decode()
    assert "Casablanca" in html and "Hollow Knight" not in html
    html = admin_client_.get("/admin/catalog/title/", {"decade": "2010"}).content.decode()
    assert "Hollow Knight" in html and "Casablanca" not in html


def test_title_change_page_shows_a_preview_and_a_read_only_rating(admin_client_):
    title = TitleFactory()
    html = admin_client_.get(f"/admin/catalog/title/{title.pk}/change/").content.decode()
    assert "/covers/game.svg" in html
    assert 'name="rating"' not in html and 'name="rating_count"' not in html


def test_admin_cover_upload_is_reencoded(admin_client_):
    title = TitleFactory()
    upload = SimpleUploadedFile("c.png", image_bytes(), content_type="image/png")
    data = {"name": title.name, "type": "game", "release_year": 2001, "description": "", "cover": upload}
    response = admin_client_.post(f"/admin/catalog/title/{title.pk}/change/", data)
    assert response.status_code == 302
    title.refresh_from_db()
    assert title.cover.name.endswith(".webp")


def test_admin_refuses_a_bad_year(admin_client_):
    title = TitleFactory(release_year=2001)
    data = {"name": title.name, "type": "game", "release_year": 1500, "description": ""}
    assert admin_client_.post(f"/admin/catalog/title/{title.pk}/change/", data).status_code == 200
    title.refresh_from_db()
    assert title.release_year == 2001


def test_deleting_a_review_in_admin_recomputes(admin_client_, django_capture_on_commit_callbacks):
    title = TitleFactory()
    keep = ReviewFactory(title=title, rating=20)
    gone = ReviewFactory(title=title, rating=80)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_.post(f"/admin/reviews/review/{gone.pk}/delete/", {"post": "yes"})
    assert not Review.objects.filter(pk=gone.pk).exists()
    title.refresh_from_db()
    assert (title.rating, title.rating_count) == (keep.rating, 1)


@pytest.mark.parametrize("n", [1, 30])
def test_walk_and_review_changelists_select_related(admin_client_, django_assert_max_num_queries, n):
    for _ in range(n):
        WalkFactory()
        ReviewFactory()
    with django_assert_max_num_queries(8):
        assert admin_client_.get("/admin/walks/walk/").status_code == 200
    with django_assert_max_num_queries(8):
        assert admin_client_.get("/admin/reviews/review/").status_code == 200
    with django_assert_max_num_queries(8):
        assert admin_client_.get("/admin/catalog/title/").status_code == 200
    assert Title.objects.count() == 2 * n
