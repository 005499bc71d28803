from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.models import Title, TitleType
from catalog.selectors import _search_count_key, title_count, title_list
from tests.conftest import jwt_client_for
from tests.factories import UserFactory

from .conftest import image_bytes
from .factories import ReviewFactory, TitleFactory, WalkFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/titles"


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


# --- listing -----------------------------------------------------------------------------


def test_list_needs_a_user(api_client):
    response = api_client.get(URL, {"type": "game"})
    assert response.status_code == 401
    assert set(response.json()) >= {"detail", "code"}


def test_list_needs_a_type(auth_client):
    response = auth_client.get(URL)
    assert response.status_code == 400
    assert response.json()["code"] == "type_required"
    assert "type" in response.json()["errors"]


@pytest.mark.parametrize("bad", ["games", "GAME", "book", "game,film"])
def test_list_refuses_an_unknown_type(auth_client, bad):
    response = auth_client.get(URL, {"type": bad})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_type"


def test_list_shows_one_type_only_in_id_order(auth_client):
    games = [TitleFactory(type="game") for _ in range(3)]
    TitleFactory(type="film")
    response = auth_client.get(URL, {"type": "game"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    assert ids(response) == [t.pk for t in games]
    item = body["results"][0]
    assert set(item) == {
        "id",
        "name",
        "type",
        "release_year",
        "description",
        "cover",
        "cover_urls",
        "rating",
        "rating_count",
        "external_ids",
        "created_at",
        "updated_at",
    }
    assert item["external_ids"] == {}
    # A PNG a phone can draw (tests/catalog/test_cover_png.py); pages keep the SVG.
    assert item["cover"].startswith(settings.SITE_URL + "/covers/game/medium.png?")


def test_search_is_case_insensitive_on_the_name(auth_client):
    hit = TitleFactory(name="The Witcher 3: Wild Hunt")
    TitleFactory(name="Portal 2")
    TitleFactory(name="The Witcher", type="series")
    response = auth_client.get(URL, {"type": "game", "search": "  wItChEr "})
    assert ids(response) == [hit.pk]
    assert response.json()["count"] == 1


def test_search_too_long_is_refused(auth_client):
    response = auth_client.get(URL, {"type": "game", "search": "x" * 101})
    assert response.status_code == 400
    assert response.json()["code"] == "search_too_long"


def test_search_with_a_nul_character_is_refused(auth_client):
    response = auth_client.get(URL, {"type": "game", "search": "a\x00b"})
    assert response.status_code == 400


def test_orderings_with_stable_ties_and_unrated_last(auth_client):
    a = TitleFactory(release_year=2000)
    b = TitleFactory(release_year=1990)
    c = TitleFactory(release_year=2000)
    d = TitleFactory(release_year=2010)
    Title.objects.filter(pk=a.pk).update(rating=80, rating_count=1)
    Title.objects.filter(pk=b.pk).update(rating=60, rating_count=1)
    Title.objects.filter(pk=c.pk).update(rating=80, rating_count=2)
    # d has no rating: last both ways
    expectations = {
        "id": [a, b, c, d],
        "-id": [d, c, b, a],
        "release_year": [b, a, c, d],
        "-release_year": [d, c, a, b],
        "rating": [b, a, c, d],
        "-rating": [c, a, b, d],
    }
    for ordering, expected in expectations.items():
        response = auth_client.get(URL, {"type": "game", "ordering": ordering})
        assert response.status_code == 200, ordering
        assert ids(response) == [t.pk for t in expected], ordering


@pytest.mark.parametrize("bad", ["name", "rating,id", "-", "random", "updated_at"])
def test_unknown_ordering_is_refused(auth_client, bad):
    response = auth_client.get(URL, {"type": "game", "ordering": bad})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_ordering"


def test_pagination_pages_do_not_overlap(auth_client):
    made = [TitleFactory() for _ in range(5)]
    first = auth_client.get(URL, {"type": "game", "page_size": 2})
    second = auth_client.get(URL, {"type": "game", "page_size": 2, "page": 2})
    last = auth_client.get(URL, {"type": "game", "page_size": 2, "page": 3})
    assert first.json()["count"] == 5
    assert first.json()["previous"] is None and "page=2" in first.json()["next"]
    assert ids(first) + ids(second) + ids(last) == [t.pk for t in made]
    assert last.json()["next"] is None


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"page": "abc"}, 400, "invalid_page"),
        ({"page": "1.5"}, 400, "invalid_page"),
        ({"page": str(10**30)}, 404, "page_not_found"),
        ({"page": "0"}, 400, "invalid_page"),
        ({"page": "-3"}, 400, "invalid_page"),
    ],
)
def test_bad_page_numbers_are_4xx(auth_client, params, status, code):
    TitleFactory()
    response = auth_client.get(URL, {"type": "game", **params})
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["detail"]


def test_huge_page_size_is_capped(auth_client):
    for _ in range(3):
        TitleFactory()
    response = auth_client.get(URL, {"type": "game", "page_size": str(10**9)})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


def test_page_size_is_capped_at_100(auth_client):
    Title.objects.bulk_create(Title(name=f"T{i}", type="game", release_year=2000) for i in range(105))
    response = auth_client.get(URL, {"type": "game", "page_size": "1000"})
    assert len(response.json()["results"]) == 100


@pytest.mark.parametrize("n", [1, 50])
def test_list_runs_a_constant_number_of_queries(auth_client, django_assert_max_num_queries, n):
    Title.objects.bulk_create(Title(name=f"T{i}", name_key=f"t{i}", type="game", release_year=2000) for i in range(n))
    # session client: session + user (2); the count of the type (1, then cached); the page (1)
    with django_assert_max_num_queries(4):
        response = auth_client.get(URL, {"type": "game", "page_size": 50})
    assert len(response.json()["results"]) == n
    # a search: the same, plus whether every word matches (1) before the typo fallback
    with django_assert_max_num_queries(5):
        response = auth_client.get(URL, {"type": "game", "page_size": 50, "search": "T", "ordering": "-rating"})
    assert len(response.json()["results"]) == n


def test_the_count_of_a_type_follows_new_and_deleted_titles(curator_client, django_capture_on_commit_callbacks):
    TitleFactory()
    assert curator_client.get(URL, {"type": "game"}).json()["count"] == 1  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        created = curator_client.post(URL, {"name": "New", "type": "game", "release_year": 2020}, format="json")
    assert curator_client.get(URL, {"type": "game"}).json()["count"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        curator_client.patch(f"{URL}/{created.json()['id']}", {"type": "film"}, format="json")
    assert curator_client.get(URL, {"type": "game"}).json()["count"] == 1
    assert curator_client.get(URL, {"type": "film"}).json()["count"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        curator_client.delete(f"{URL}/{created.json()['id']}")
    assert curator_client.get(URL, {"type": "film"}).json()["count"] == 0


# --- detail ------------------------------------------------------------------------------


def test_detail_without_own_walk_or_review(auth_client):
    title = TitleFactory()
    WalkFactory(title=title)  # someone else's
    ReviewFactory(title=title)
    response = auth_client.get(f"{URL}/{title.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == title.pk and body["name"] == title.name
    assert body["walk"] is None and body["review"] is None


def test_detail_with_own_walk_and_review(auth_client):
    title = TitleFactory()
    walk = WalkFactory(title=title, user=auth_client.user, state="in_progress")
    review = ReviewFactory(title=title, user=auth_client.user, rating=91, text="Loved it")
    body = auth_client.get(f"{URL}/{title.pk}").json()
    assert body["walk"]["id"] == walk.pk and body["walk"]["state"] == "in_progress"
    assert body["review"]["id"] == review.pk and body["review"]["rating"] == 91
    assert body["review"]["text"] == "Loved it"


@pytest.mark.parametrize("pk", ["999999", str(10**20)])
def test_detail_of_an_unknown_title_is_404(auth_client, pk):
    response = auth_client.get(f"{URL}/{pk}")
    assert response.status_code == 404
    assert response.json()["code"] in {"title_not_found", "not_found"}


# --- curator writes ----------------------------------------------------------------------

NEW = {"name": "Outer Wilds", "description": "A solar system in a time loop.", "type": "game", "release_year": 2019}


def test_plain_user_cannot_write_the_catalogue(auth_client):
    title = TitleFactory()
    assert auth_client.post(URL, NEW, format="json").status_code == 403
    assert auth_client.patch(f"{URL}/{title.pk}", {"name": "X"}, format="json").status_code == 403
    assert auth_client.delete(f"{URL}/{title.pk}").status_code == 403
    upload = SimpleUploadedFile("c.png", image_bytes(), content_type="image/png")
    assert auth_client.post(f"{URL}/{title.pk}/cover", {"cover": upload}, format="multipart").status_code == 403
    assert Title.objects.count() == 1
    title.refresh_from_db()
    assert title.name != "X" and not title.cover


def test_forbidden_answer_shape(auth_client):
    response = auth_client.post(URL, NEW, format="json")
    assert response.json()["code"] == "permission_denied"
    assert response.json()["detail"]


def test_anonymous_cannot_write(api_client):
    assert api_client.post(URL, NEW, format="json").status_code == 401


def test_curator_creates_edits_and_deletes(curator_client):
    response = curator_client.post(URL, NEW, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Outer Wilds" and body["rating"] is None and body["rating_count"] == 0
    assert body["walk"] is None and body["review"] is None
    pk = body["id"]

    response = curator_client.patch(f"{URL}/{pk}", {"name": "Outer Wilds (2019)", "type": "game"}, format="json")
    assert response.status_code == 200
    assert Title.objects.get(pk=pk).name == "Outer Wilds (2019)"
    assert Title.objects.get(pk=pk).release_year == 2019

    assert curator_client.delete(f"{URL}/{pk}").status_code == 204
    assert not Title.objects.filter(pk=pk).exists()
    assert curator_client.delete(f"{URL}/{pk}").status_code == 404


@pytest.mark.parametrize("kind", ["staff", "superuser"])
def test_staff_and_superusers_curate_too(kind):
    user = UserFactory(is_staff=True) if kind == "staff" else UserFactory(is_staff=True, is_superuser=True)
    response = jwt_client_for(user).post(URL, NEW, format="json")
    assert response.status_code == 201


def test_deleting_a_title_takes_its_walks_and_reviews(curator_client):
    title = TitleFactory()
    WalkFactory(title=title)
    ReviewFactory(title=title)
    assert curator_client.delete(f"{URL}/{title.pk}").status_code == 204
    assert not title.walks.exists() and not title.reviews.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"type": "book"}, "type"),
        ({"release_year": 1500}, "release_year"),
        ({"release_year": 3000}, "release_year"),
        ({"release_year": "2000"}, "release_year"),
        ({"release_year": 2000.5}, "release_year"),
        ({"release_year": True}, "release_year"),
        ({"description": "x" * 5001}, "description"),
        ({"name": "a\x00b"}, "name"),
    ],
)
def test_bad_title_values_are_400_and_write_nothing(curator_client, change, field):
    response = curator_client.post(URL, {**NEW, **change}, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json().get("errors", {}), response.json()
    assert not Title.objects.exists()

    title = TitleFactory(name="Kept")
    response = curator_client.patch(f"{URL}/{title.pk}", change, format="json")
    assert response.status_code == 400
    title.refresh_from_db()
    assert title.name == "Kept"


def test_create_needs_the_required_fields(curator_client):
    response = curator_client.post(URL, {"name": "Only a name"}, format="json")
    assert response.status_code == 400
    assert {"type", "release_year"} <= set(response.json()["errors"])


def test_rating_is_read_only_through_the_api(curator_client):
    title = TitleFactory()
    curator_client.patch(f"{URL}/{title.pk}", {"rating": 100, "rating_count": 9}, format="json")
    title.refresh_from_db()
    assert title.rating is None and title.rating_count == 0


def test_patch_of_an_unknown_title_is_404(curator_client):
    assert curator_client.patch(f"{URL}/424242", {"name": "X"}, format="json").status_code == 404


# --- covers ------------------------------------------------------------------------------


def test_cover_upload_is_reencoded_and_resized(curator_client, settings):
    title = TitleFactory()
    upload = SimpleUploadedFile("cover.jpg", image_bytes("JPEG", size=(1000, 1500)), content_type="image/jpeg")
    response = curator_client.post(f"{URL}/{title.pk}/cover", {"cover": upload}, format="multipart")
    assert response.status_code == 200, response.json()
    title.refresh_from_db()
    assert title.cover.name.endswith(".webp")
    assert "/media/covers/" in response.json()["cover"]
    with Image.open(title.cover.path) as image:
        assert image.format == "WEBP"
        assert image.size == (400, 600)


def test_a_new_cover_replaces_and_removes_the_old_file(curator_client, django_capture_on_commit_callbacks):
    title = TitleFactory()
    for color in ((1, 2, 3), (4, 5, 6)):
        upload = SimpleUploadedFile("c.png", image_bytes(color=color), content_type="image/png")
        with django_capture_on_commit_callbacks(execute=True):
            curator_client.post(f"{URL}/{title.pk}/cover", {"cover": upload}, format="multipart")
        if color == (1, 2, 3):
            title.refresh_from_db()
            first = title.cover.path
    title.refresh_from_db()
    import os

    assert os.path.exists(title.cover.path) and not os.path.exists(first)


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (b"GIF89a" + b"\x00" * 100, 400),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", 400),
        (b"not an image at all", 400),
    ],
)
def test_wrong_uploads_are_refused(curator_client, payload, status):
    title = TitleFactory()
    upload = SimpleUploadedFile("cover.png", payload, content_type="image/png")
    response = curator_client.post(f"{URL}/{title.pk}/cover", {"cover": upload}, format="multipart")
    assert response.status_code == status
    assert response.json()["code"] == "invalid_image"
    title.refresh_from_db()
    assert not title.cover


def test_gif_is_not_an_accepted_format(curator_client):
    import io

    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    title = TitleFactory()
    upload = SimpleUploadedFile("c.gif", out.getvalue(), content_type="image/gif")
    response = curator_client.post(f"{URL}/{title.pk}/cover", {"cover": upload}, format="multipart")
    assert response.status_code == 400


def test_missing_cover_file_is_400(curator_client):
    title = TitleFactory()
    response = curator_client.post(f"{URL}/{title.pk}/cover", {}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "required"


def test_too_large_cover_is_413(curator_client, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    title = TitleFactory()
    upload = SimpleUploadedFile("c.png", image_bytes(), content_type="image/png")
    response = curator_client.post(f"{URL}/{title.pk}/cover", {"cover": upload}, format="multipart")
    assert response.status_code == 413
    title.refresh_from_db()
    assert not title.cover


def test_title_types_are_the_four_of_the_spec():
    assert set(TitleType.values) == {"game", "film", "series", "anime"}


def test_a_search_keeps_its_count_briefly(auth_client, django_assert_num_queries):
    Title.objects.bulk_create(
        Title(name=f"Star {i}", name_key=f"star {i}", type="film", release_year=2000) for i in range(3)
    )
    films = title_list(type="film", search="star")
    with django_assert_num_queries(1):
        assert title_count(type="film", search="star", queryset=films) == 3
    TitleFactory(name="Star 4", type="film")
    # every search's count is reused for a few seconds, however small, whatever
    # the case and the spaces around it; per type and per search
    with django_assert_num_queries(0):
        assert title_count(type="film", search=" STAR ", queryset=films) == 3
    # per type: no game matches (on SQLite the typo fallback already knows: no count query)
    assert title_count(type="game", search="star", queryset=title_list(type="game", search="star")) == 0
    assert title_count(type="film", search="star 4", queryset=title_list(type="film", search="star 4")) == 1
    assert auth_client.get(URL, {"type": "film", "search": "star"}).json()["count"] == 3
    cache.delete(_search_count_key("film", "star"))
    assert title_count(type="film", search="star", queryset=films) == 4
