from __future__ import annotations

import pytest

from catalog.models import Title
from reviews.models import Review
from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.factories import UserFactory
from walks.models import Walk
from walks.tally import tally_recount

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_client(client, user):
    client.force_login(user)
    client.user = user
    return client


def test_profile_shows_the_person_their_walks_by_type_and_reviews(client):
    person = UserFactory(username="mira")
    person.profile.bio = "Soulslikes and slow cinema."
    person.profile.links = [
        "https://example.com/mira",
        "javascript:alert(1)",
        {"url": "https://x.test/m", "label": "X"},
    ]
    person.profile.save()
    WalkFactory(user=person, title=TitleFactory(name="Dark Souls", type="game"))
    WalkFactory(user=person, title=TitleFactory(name="Stalker", type="film"), state="in_progress")
    ReviewFactory(user=person, title=TitleFactory(name="Akira", type="anime"), text="A landmark.")
    html = client.get(f"/u/{person.profile.username}/").content.decode()
    assert "mira" in html and "Soulslikes and slow cinema." in html
    assert "Dark Souls" in html and "Stalker" in html and "A landmark." in html
    assert html.index("Games") < html.index("Films")
    assert 'href="https://example.com/mira"' in html and ">X<" in html
    assert "javascript:" not in html


def test_profile_state_and_type_filters(client):
    person = UserFactory()
    WalkFactory(user=person, title=TitleFactory(name="Done Game"), state="completed")
    WalkFactory(user=person, title=TitleFactory(name="Going Game"), state="in_progress")
    ReviewFactory(user=person, title=TitleFactory(name="Reviewed Film", type="film"))
    ReviewFactory(user=person, title=TitleFactory(name="Reviewed Series", type="series"))
    html = client.get(f"/u/{person.profile.username}/", {"state": "in_progress"}).content.decode()
    assert "Going Game" in html and "Done Game" not in html
    html = client.get(f"/u/{person.profile.username}/", {"rtype": "series"}).content.decode()
    assert "Reviewed Series" in html and "Reviewed Film" not in html
    html = client.get(f"/u/{person.profile.username}/", {"type": "game"}).content.decode()
    assert "Done Game" in html and "Going Game" in html


def test_profile_bad_filters_and_unknown_people(client):
    person = UserFactory()
    # filters that mean nothing are ignored: the page stays
    assert client.get(f"/u/{person.profile.username}/", {"state": "nope"}).status_code == 200
    assert client.get(f"/u/{person.profile.username}/", {"rtype": "book", "type": "x"}).status_code == 200
    assert client.get("/u/999999/").status_code == 404
    person.is_active = False
    person.save()
    assert client.get(f"/u/{person.profile.username}/").status_code == 404


def test_own_profile_links_to_settings(member_client):
    html = member_client.get(f"/u/{member_client.user.profile.username}/").content.decode()
    assert "Edit profile" in html


@pytest.mark.parametrize("n", [1, 50])
def test_profile_query_count(member_client, django_assert_max_num_queries, n):
    person = UserFactory()
    titles = []
    for type_ in ("game", "film", "series", "anime"):
        titles += Title.objects.bulk_create(Title(name=f"{type_} {i}", type=type_, release_year=2000) for i in range(n))
    Walk.objects.bulk_create(Walk(user=person, title=t, state="completed") for t in titles)
    tally_recount(user_ids=[person.pk])
    Review.objects.bulk_create(Review(user=person, title=t, rating=70) for t in titles)
    # session, user, profile (layout); the person; counts by type; one shelf per type (4);
    # reviews count + page; and, cached after this request: whether I may see them (a
    # block?) and the follow panel (my follow and block, their followers and following);
    # the owner's own scores on the shown cards (1)
    with django_assert_max_num_queries(16):
        response = member_client.get(f"/u/{person.profile.username}/")
    assert response.status_code == 200
    # the same without the counts by type, which are cached now
    with django_assert_max_num_queries(11) as queries:
        assert member_client.get(f"/u/{person.profile.username}/").status_code == 200
    assert not [q for q in queries.captured_queries if 'COUNT("walks_walk"."id")' in q["sql"]]
    # session, user, profile (layout); the person; the type's walks count + page; reviews count + page
    with django_assert_max_num_queries(8):
        response = member_client.get(f"/u/{person.profile.username}/", {"type": "film", "rtype": "film"})
    assert response.content.decode().count("title-card--walk") == min(n, 24)


def test_home_shows_recent_activity(member_client):
    WalkFactory(user=member_client.user, title=TitleFactory(name="Celeste"), state="in_progress")
    ReviewFactory(user=member_client.user, title=TitleFactory(name="Hades"), rating=93, text="Again and again")
    WalkFactory(title=TitleFactory(name="Someone else's"))
    html = member_client.get("/").content.decode()
    assert "Your recent walks" in html and "Celeste" in html and "Hades" in html and "Again and again" in html
    assert "Someone else" not in html


def test_home_with_no_activity(member_client):
    html = member_client.get("/").content.decode()
    assert "Mark a game, film, series or anime" in html


@pytest.mark.parametrize("n", [1, 50])
def test_home_query_count(member_client, django_assert_max_num_queries, n):
    titles = Title.objects.bulk_create(Title(name=f"T{i}", type="game", release_year=2000) for i in range(n))
    Walk.objects.bulk_create(Walk(user=member_client.user, title=t, state="completed") for t in titles)
    Review.objects.bulk_create(Review(user=member_client.user, title=t, rating=70) for t in titles)
    # session, user, profile (layout); recent walks; recent reviews; the other apps' hooks
    with django_assert_max_num_queries(10):
        response = member_client.get("/")
    assert response.status_code == 200


def test_the_id_url_and_former_usernames_redirect_to_the_username(client):
    from accounts.services import profile_update

    person = UserFactory(username="first-name")
    assert client.get(f"/u/{person.pk}/").headers["Location"] == "/u/first-name/"
    assert client.get("/u/FIRST-NAME/?state=completed").headers["Location"] == "/u/first-name/?state=completed"
    profile_update(user=person, username="second-name")
    profile_update(user=person, username="third-name")
    for old in ("first-name", "second-name", str(person.pk)):
        assert client.get(f"/u/{old}/").headers["Location"] == "/u/third-name/"
    assert client.get("/u/third-name/").status_code == 200
    # Someone else may take a freed name: then it is theirs.
    newcomer = UserFactory(username="first-name")
    assert client.get("/u/first-name/").status_code == 200
    assert newcomer.profile.username in client.get("/u/first-name/").content.decode()
    assert client.get("/u/second-name/stats/").headers["Location"] == "/u/third-name/stats/"
    assert client.get("/u/nobody-at-all/").status_code == 404


@pytest.mark.parametrize("n", [1, 50])
def test_a_cold_profile_is_computed_once_and_shares_its_counts(
    member_client, clear_cache, django_capture_on_commit_callbacks, n
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from walks import selectors, services

    person = UserFactory()
    titles = Title.objects.bulk_create(Title(name=f"T{i}", type="game", release_year=2000) for i in range(n))
    Walk.objects.bulk_create(Walk(user=person, title=t, state="completed") for t in titles)
    tally_recount(user_ids=[person.pk])
    url = f"/u/{person.profile.username}/"
    member_client.get("/")  # the session and the user cached
    clear_cache()
    member_client.force_login(member_client.user)
    assert member_client.get(url).status_code == 200  # cold: computes the body once and stores it
    with CaptureQueriesContext(connection) as second:
        assert member_client.get(url).status_code == 200
    assert not [q for q in second.captured_queries if '"walks_walk"' in q["sql"]]
    # another state filter reads the same (type, state) tallies: no GROUP BY again
    with CaptureQueriesContext(connection) as filtered:
        html = member_client.get(url, {"state": "in_progress"}).content.decode()
    assert not [q for q in filtered.captured_queries if 'COUNT("walks_walk"."id")' in q["sql"]]
    # a write shows at once
    with django_capture_on_commit_callbacks(execute=True):
        services.walk_upsert(user=person, title_id=titles[0].pk, state="in_progress")
    html = member_client.get(url, {"state": "in_progress"}).content.decode()
    assert html.count("title-card--walk") == 1
    assert selectors.user_walk_counts(user_id=person.pk) == {"game": n}
    assert selectors.user_walk_counts(user_id=person.pk, state="completed") == ({"game": n - 1} if n > 1 else {})
