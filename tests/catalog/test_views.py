from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import Title
from reviews.models import Review
from tests.factories import UserFactory
from walks.models import Walk

from .conftest import image_bytes
from .factories import ReviewFactory, TitleFactory, WalkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_client(client, user):
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def curator_browser(client, curator):
    client.force_login(curator)
    return client


# --- titles page -------------------------------------------------------------------------


def test_titles_page_defaults_to_games_with_tabs(client):
    TitleFactory(name="Hollow Knight", type="game")
    TitleFactory(name="Alien", type="film")
    response = client.get("/titles/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hollow Knight" in html and "Alien" not in html
    for tab in ("?type=game", "?type=film", "?type=series", "?type=anime"):
        assert tab in html
    assert 'class="tab is-active" href="?type=game"' in html


def test_titles_page_search_sort_and_pages(client):
    for i in range(30):
        TitleFactory(name=f"Film {i:02d}", type="film", release_year=1950 + i)
    TitleFactory(name="Casablanca", type="film", release_year=1942)
    html = client.get("/titles/", {"type": "film", "q": "casa"}).content.decode()
    assert "Casablanca" in html and "Film 00" not in html
    newest = client.get("/titles/", {"type": "film", "sort": "-release_year"}).content.decode()
    assert newest.index("Film 29") < newest.index("Film 28")
    assert "Casablanca" not in newest  # on page 2
    page2 = client.get("/titles/", {"type": "film", "sort": "-release_year", "page": 2}).content.decode()
    assert "Casablanca" in page2
    assert client.get("/titles/", {"type": "film", "page": "abc"}).status_code == 200
    assert client.get("/titles/", {"type": "film", "page": str(10**30)}).status_code == 200


def test_titles_page_ignores_bad_parameters(client):
    """A hand-edited URL keeps the page: what means nothing is ignored."""
    TitleFactory(name="Kept", type="game")
    for params in ({"type": "book"}, {"sort": "name"}, {"sort": "bogus", "q": "x" * 500}):
        response = client.get("/titles/", params)
        assert response.status_code == 200
    assert "Kept" in client.get("/titles/", {"type": "book", "sort": "bogus"}).content.decode()


@pytest.mark.parametrize("n", [1, 50])
def test_titles_page_query_count(member_client, django_assert_max_num_queries, n):
    Title.objects.bulk_create(Title(name=f"T{i}", type="game", release_year=2000) for i in range(n))
    # session, user, profile (layout), curator permission (one query), count (then cached), page
    with django_assert_max_num_queries(7):
        response = member_client.get("/titles/", {"type": "game", "sort": "-rating"})
    assert response.status_code == 200
    assert response.content.decode().count('class="title-card"') == min(n, 24)


# --- title page --------------------------------------------------------------------------


def test_title_page_for_a_visitor(client):
    title = TitleFactory(name="Portal 2", description="Think with portals.")
    ReviewFactory(title=title, rating=90, text="Clever")
    html = client.get(f"/titles/{title.pk}/").content.decode()
    assert "Portal 2" in html and "Think with portals." in html and "Clever" in html
    assert "Sign in to track this title." in html


def test_title_page_shows_my_walk_and_review(member_client):
    title = TitleFactory()
    WalkFactory(title=title, user=member_client.user, state="hundred_percent")
    ReviewFactory(title=title, user=member_client.user, rating=64, text="My own words")
    html = member_client.get(f"/titles/{title.pk}/").content.decode()
    assert "state-picker__btn--hundred_percent is-active" in html
    assert "My own words" in html and "Delete review" in html and "Edit your review" in html


def test_title_page_unknown_is_404(client):
    assert client.get("/titles/999999/").status_code == 404


def test_title_page_lists_order_and_filter(client):
    title = TitleFactory()
    ReviewFactory(title=title, rating=12, text="low one")
    ReviewFactory(title=title, rating=99, text="high one")
    WalkFactory(title=title, state="in_progress", user=UserFactory(username="doing"))
    WalkFactory(title=title, state="completed", user=UserFactory(username="donedone"))
    html = client.get(f"/titles/{title.pk}/", {"reviews": "-rating"}).content.decode()
    assert html.index("high one") < html.index("low one")
    html = client.get(f"/titles/{title.pk}/", {"reviews": "rating", "state": "in_progress"}).content.decode()
    assert html.index("low one") < html.index("high one")
    assert "doing" in html and "donedone" not in html


@pytest.mark.parametrize("n", [1, 50])
def test_title_page_query_count(member_client, django_assert_max_num_queries, n):
    title = TitleFactory()
    people = [UserFactory(password=None) for _ in range(n)]
    Review.objects.bulk_create(Review(user=p, title=title, rating=50, text="x") for p in people)
    Title.objects.filter(pk=title.pk).update(rating=50, rating_count=n)  # as the recompute leaves it
    Walk.objects.bulk_create(Walk(user=p, title=title, state="completed") for p in people)
    # user (with profile); title, its external ids, my walk, my review, my watchlist entry;
    # reviews page (their number is the title's rating_count); walks count + page; the
    # rating histogram (cached afterwards); the curator check (one query for both actions)
    with django_assert_max_num_queries(11) as queries:
        response = member_client.get(f"/titles/{title.pk}/")
    assert response.status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [q for q in sql if q.startswith("SELECT COUNT(*)") and '"reviews_review"' in q]
    assert len([q for q in sql if '"auth_permission"' in q]) == 1
    html = response.content.decode()
    assert html.count('class="item review"') == min(n, 10)
    assert html.count('class="person"') == min(n, 12)
    assert f'<span class="muted count">{n}</span>' in html


def test_title_page_lists_a_review_its_rating_count_does_not_have_yet(client):
    title = TitleFactory()  # rating_count 0: the recompute has not run yet
    ReviewFactory(title=title, rating=70, text="Just posted")
    assert "Just posted" in client.get(f"/titles/{title.pk}/").content.decode()


def _curator_links(client, title) -> tuple[bool, bool]:
    html = client.get(f"/titles/{title.pk}/").content.decode()
    return f"/titles/{title.pk}/edit/" in html, f"/titles/{title.pk}/delete/" in html


@pytest.mark.parametrize(
    ("kind", "links"),
    [
        ("member", (False, False)),
        ("curator", (True, True)),
        ("staff", (True, True)),
        ("superuser", (True, True)),
        ("may-change", (True, False)),  # a permission of the user's own, not the group's
        ("other-group", (False, True)),  # a permission of another group
        ("inactive-curator", (False, False)),
    ],
)
def test_title_page_curator_links_follow_permissions_as_has_perm_does(client, kind, links):
    from django.contrib.auth.models import Group, Permission

    title = TitleFactory()
    user = UserFactory(is_staff=kind == "staff", is_superuser=kind == "superuser")
    if kind in ("curator", "inactive-curator"):
        user.groups.add(Group.objects.get(name="Curators"))
    if kind == "may-change":
        user.user_permissions.add(Permission.objects.get(codename="change_title"))
    if kind == "other-group":
        group = Group.objects.create(name="Cleaners")
        group.permissions.add(Permission.objects.get(codename="delete_title"))
        user.groups.add(group)
    client.force_login(user)
    if kind == "inactive-curator":
        type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert _curator_links(client, title) == links
    user.refresh_from_db()
    assert links == (
        user.is_active and (user.is_staff or user.has_perm("catalog.change_title")),
        user.is_active and (user.is_staff or user.has_perm("catalog.delete_title")),
    )


def test_title_page_asks_nothing_about_permissions_of_visitors_and_staff(client, django_assert_max_num_queries):
    title = TitleFactory()
    with django_assert_max_num_queries(10) as queries:
        client.get(f"/titles/{title.pk}/")
    assert not [q for q in queries.captured_queries if '"auth_permission"' in q["sql"]]
    client.force_login(UserFactory(is_staff=True))
    with django_assert_max_num_queries(12) as queries:
        assert _curator_links(client, title) == (True, True)
    assert not [q for q in queries.captured_queries if '"auth_permission"' in q["sql"]]


# --- walk and review forms ---------------------------------------------------------------


def test_walk_state_form_sets_changes_and_removes(member_client):
    title = TitleFactory()
    url = f"/titles/{title.pk}/walk/"
    assert member_client.post(url, {"state": "in_progress"}).status_code == 302
    assert Walk.objects.get(user=member_client.user).state == "in_progress"
    member_client.post(url, {"state": "completed"})
    assert Walk.objects.get(user=member_client.user).state == "completed"
    member_client.post(url, {"action": "remove"})
    assert not Walk.objects.filter(user=member_client.user).exists()


def test_walk_form_with_a_bad_state_writes_nothing(member_client):
    title = TitleFactory()
    response = member_client.post(f"/titles/{title.pk}/walk/", {"state": "finished"}, follow=True)
    assert "Choose a state" in response.content.decode()
    assert not Walk.objects.exists()
    assert member_client.post("/titles/999999/walk/", {"state": "completed"}).status_code == 404


def test_forms_need_sign_in(client):
    title = TitleFactory()
    response = client.post(f"/titles/{title.pk}/walk/", {"state": "completed"})
    assert response.status_code == 302 and "signin" in response["Location"]
    client.post(f"/titles/{title.pk}/review/", {"rating": 50})
    assert not Walk.objects.exists() and not Review.objects.exists()


def test_review_form_publishes_updates_and_deletes(member_client, django_capture_on_commit_callbacks):
    title = TitleFactory()
    url = f"/titles/{title.pk}/review/"
    with django_capture_on_commit_callbacks(execute=True):
        assert member_client.post(url, {"rating": "80", "text": "Nice"}).status_code == 302
    title.refresh_from_db()
    assert (title.rating, title.rating_count) == (80, 1)
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(url, {"rating": "60", "text": "Less nice"})
    review = Review.objects.get()
    assert (review.rating, review.text) == (60, "Less nice")
    title.refresh_from_db()
    assert title.rating == 60
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(f"/reviews/{review.pk}/delete/", {"title_id": title.pk})
    assert response["Location"] == f"/titles/{title.pk}/"
    title.refresh_from_db()
    assert (title.rating, title.rating_count) == (None, 0)


@pytest.mark.parametrize(
    "data", [{"rating": "101"}, {"rating": "abc"}, {"rating": ""}, {"rating": "50", "text": "x" * 10_001}]
)
def test_review_form_errors_are_shown_and_nothing_is_written(member_client, data):
    """A rejected review goes back to the title page (a URL whose links all
    work), which shows the errors once."""
    title = TitleFactory()
    response = member_client.post(f"/titles/{title.pk}/review/", data)
    assert response.status_code == 302
    assert response["Location"] == f"/titles/{title.pk}/#my-review"
    assert not Review.objects.exists()
    html = member_client.get(f"/titles/{title.pk}/").content.decode()
    assert 'class="errorlist' in html
    assert 'class="errorlist' not in member_client.get(f"/titles/{title.pk}/").content.decode()


def test_cannot_delete_someone_elses_review_from_the_page(member_client):
    review = ReviewFactory()
    assert member_client.post(f"/reviews/{review.pk}/delete/").status_code == 404
    assert Review.objects.filter(pk=review.pk).exists()


# --- curator pages -----------------------------------------------------------------------


def test_curator_pages_are_forbidden_to_others(member_client):
    from django.test import Client

    client = Client()
    title = TitleFactory()
    for url in (
        "/titles/new/",
        f"/titles/{title.pk}/edit/",
        f"/titles/{title.pk}/cover/",
        f"/titles/{title.pk}/delete/",
    ):
        assert member_client.get(url).status_code == 403
        assert member_client.post(url, {"name": "X"}).status_code == 403
        assert client.get(url).status_code == 302  # anonymous: sign in first
    assert Title.objects.get().name == title.name
    assert "Add a title" not in member_client.get("/titles/").content.decode()


def test_curator_creates_edits_uploads_and_deletes(curator_browser):
    assert "Add a title" in curator_browser.get("/titles/").content.decode()
    response = curator_browser.post(
        "/titles/new/", {"name": "Outer Wilds", "type": "game", "release_year": "2019", "description": "Loop."}
    )
    title = Title.objects.get(name="Outer Wilds")
    assert response["Location"] == f"/titles/{title.pk}/"

    curator_browser.post(
        f"/titles/{title.pk}/edit/", {"name": "Outer Wilds", "type": "game", "release_year": "2020", "description": ""}
    )
    title.refresh_from_db()
    assert title.release_year == 2020 and title.description == ""

    upload = SimpleUploadedFile("c.png", image_bytes(), content_type="image/png")
    assert curator_browser.post(f"/titles/{title.pk}/cover/", {"cover": upload}).status_code == 302
    title.refresh_from_db()
    assert title.cover.name.endswith(".webp")
    assert title.cover.url in curator_browser.get(f"/titles/{title.pk}/").content.decode()

    assert curator_browser.get(f"/titles/{title.pk}/delete/").status_code == 200
    curator_browser.post(f"/titles/{title.pk}/delete/")
    assert not Title.objects.exists()


def test_curator_forms_show_errors(curator_browser):
    response = curator_browser.post("/titles/new/", {"name": "", "type": "book", "release_year": "12"})
    assert response.status_code == 200
    assert response.content.decode().count('class="errorlist') >= 3
    assert not Title.objects.exists()
    title = TitleFactory()
    bad = SimpleUploadedFile("c.png", b"not an image", content_type="image/png")
    response = curator_browser.post(f"/titles/{title.pk}/cover/", {"cover": bad})
    assert response.status_code == 200 and "Upload a JPEG, PNG or WebP image." in response.content.decode()


# --- placeholder covers ------------------------------------------------------------------


def test_placeholder_cover_is_a_cacheable_svg(client):
    response = client.get("/covers/film.svg", {"n": "Blade Runner", "l": "en", "v": "1"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert "max-age=31536000" in response["Cache-Control"] and "public" in response["Cache-Control"]
    body = response.content.decode()
    assert ">BR<" in body and "Blade Runner" in body and "FILM" in body


def test_placeholder_escapes_the_name(client):
    body = client.get("/covers/game.svg", {"n": '<script>alert(1)</script>"&'}).content.decode()
    assert "<script>" not in body and "&lt;script&gt;" in body


def test_placeholder_is_translated_and_rejects_unknown_types(client):
    assert "ИГРА" in client.get("/covers/game.svg", {"n": "x", "l": "ru"}).content.decode()
    assert client.get("/covers/book.svg").status_code == 404


def test_titles_without_a_cover_use_the_placeholder(client):
    title = TitleFactory(name="Akira", type="anime")
    html = client.get(f"/titles/{title.pk}/").content.decode()
    assert "/covers/anime.svg?n=Akira" in html
