from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import Title
from reviews.models import Review
from tests.conftest import admin_login
from tests.factories import UserFactory

from .conftest import image_bytes
from .factories import ReviewFactory, TitleFactory, WalkFactory

pytestmark = pytest.mark.django_db
# The title form's inline of external ids, empty.
NO_IDS = {"external_ids-TOTAL_FORMS": "0", "external_ids-INITIAL_FORMS": "0"}


@pytest.fixture
def admin_client_(client):
    admin_login(client, UserFactory(is_staff=True, is_superuser=True))
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
    data = {"name": title.name, "type": "game", "release_year": 2001, "description": "", "cover": upload, **NO_IDS}
    response = admin_client_.post(f"/admin/catalog/title/{title.pk}/change/", data)
    assert response.status_code == 302
    title.refresh_from_db()
    assert title.cover.name.endswith(".webp")


def test_admin_refuses_a_bad_year(admin_client_):
    title = TitleFactory(release_year=2001)
    data = {"name": title.name, "type": "game", "release_year": 1500, "description": "", **NO_IDS}
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


# The admin is one more door to the same services: what it writes drops the
# cached answers and leaves no cover file behind.


def _cover_post(title, **extra):
    return {
        "name": title.name,
        "type": title.type,
        "release_year": title.release_year,
        "description": "",
        **NO_IDS,
        **extra,
    }


def _upload(color=(200, 40, 40)):
    return SimpleUploadedFile("c.png", image_bytes(color=color), content_type="image/png")


def test_replacing_clearing_and_deleting_a_cover_in_admin_leave_no_file(admin_client_, committed):
    title = TitleFactory()
    url = f"/admin/catalog/title/{title.pk}/change/"
    committed(lambda: admin_client_.post(url, _cover_post(title, cover=_upload())))
    title.refresh_from_db()
    first = title.cover.name
    storage = title.cover.storage
    assert first and storage.exists(first)

    committed(lambda: admin_client_.post(url, _cover_post(title, cover=_upload(color=(10, 200, 10)))))
    title.refresh_from_db()
    second = title.cover.name
    assert second != first and storage.exists(second)
    assert not storage.exists(first)  # the replaced cover is gone

    committed(lambda: admin_client_.post(url, _cover_post(title, **{"cover-clear": "on"})))
    title.refresh_from_db()
    assert not title.cover and not storage.exists(second)

    committed(lambda: admin_client_.post(url, _cover_post(title, cover=_upload())))
    title.refresh_from_db()
    third = title.cover.name
    committed(lambda: admin_client_.post(f"/admin/catalog/title/{title.pk}/delete/", {"post": "yes"}))
    assert not Title.objects.filter(pk=title.pk).exists()
    assert not storage.exists(third)


def test_bulk_delete_in_admin_removes_the_covers(admin_client_, committed):
    titles = [TitleFactory(), TitleFactory()]
    names = []
    for title in titles:
        committed(
            lambda t=title: admin_client_.post(f"/admin/catalog/title/{t.pk}/change/", _cover_post(t, cover=_upload()))
        )
        title.refresh_from_db()
        names.append(title.cover.name)
    storage = titles[0].cover.storage
    assert all(storage.exists(n) for n in names)
    data = {"action": "delete_selected", "_selected_action": [t.pk for t in titles], "post": "yes"}
    committed(lambda: admin_client_.post("/admin/catalog/title/", data))
    assert not Title.objects.filter(pk__in=[t.pk for t in titles]).exists()
    assert not any(storage.exists(n) for n in names)


def test_admin_edits_show_at_once_in_the_cached_answers(admin_client_, committed, user):
    from tests.conftest import jwt_client_for
    from walks.models import Walk

    title = TitleFactory(name="Alpha", type="game", release_year=2001)
    api = jwt_client_for(user)
    names = lambda: [t["name"] for t in api.get("/api/v1/titles", {"type": "game"}).json()["results"]]  # noqa: E731
    assert names() == ["Alpha"]
    assert api.get(f"/api/v1/titles/{title.pk}").json()["name"] == "Alpha"

    committed(lambda: admin_client_.post(f"/admin/catalog/title/{title.pk}/change/", _cover_post(title, name="Beta")))
    assert names() == ["Beta"]  # the list's scope was bumped
    assert api.get(f"/api/v1/titles/{title.pk}").json()["name"] == "Beta"  # and the title's

    walk = WalkFactory(user=user, title=title, state="in_progress")
    walks = lambda: [w["state"] for w in api.get(f"/api/v1/user/{user.pk}/walks").json()["results"]]  # noqa: E731
    assert walks() == ["in_progress"]
    committed(lambda: admin_client_.post(f"/admin/walks/walk/{walk.pk}/change/", {"state": "completed"}))
    assert walks() == ["completed"]
    committed(lambda: admin_client_.post(f"/admin/walks/walk/{walk.pk}/delete/", {"post": "yes"}))
    assert walks() == [] and not Walk.objects.filter(pk=walk.pk).exists()

    review = ReviewFactory(user=user, title=title, rating=40)
    reviews = lambda: [r["rating"] for r in api.get(f"/api/v1/titles/{title.pk}/reviews").json()["results"]]  # noqa: E731
    assert reviews() == [40]
    committed(lambda: admin_client_.post(f"/admin/reviews/review/{review.pk}/change/", {"rating": 90, "text": "ok"}))
    assert reviews() == [90]
    title.refresh_from_db()
    assert (title.rating, title.rating_count) == (90, 1)  # recomputed

    committed(lambda: admin_client_.post(f"/admin/catalog/title/{title.pk}/delete/", {"post": "yes"}))
    assert names() == []
    assert api.get(f"/api/v1/titles/{title.pk}/reviews").status_code == 404  # the reviews compose the title's scope


def test_admin_refuses_a_bad_rating_and_keeps_the_review(admin_client_):
    review = ReviewFactory(rating=40)
    response = admin_client_.post(f"/admin/reviews/review/{review.pk}/change/", {"rating": 500, "text": ""})
    assert response.status_code == 200
    review.refresh_from_db()
    assert review.rating == 40
