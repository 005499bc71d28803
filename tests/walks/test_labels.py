"""State labels fit the title's type on pages (issue 16, item 13); the
stored and API values stay in_progress / completed / hundred_percent."""

from __future__ import annotations

import pytest

from tests.catalog.factories import TitleFactory, WalkFactory
from tests.factories import UserFactory
from walks.labels import state_choices, state_label

pytestmark = pytest.mark.django_db


def test_labels_by_type_and_the_neutral_ones():
    assert state_choices("game") == [("in_progress", "Playing"), ("completed", "Beaten"), ("hundred_percent", "100%")]
    for type_ in ("film", "series", "anime"):
        assert [label for _v, label in state_choices(type_)] == ["Watching", "Watched", "100%"]
    assert [label for _v, label in state_choices(None)] == ["In progress", "Completed", "100%"]
    assert state_label("bogus", "game") == "bogus"


def _page(client, user, path):
    client.force_login(user)
    return client.get(path).content.decode()


@pytest.mark.parametrize(
    ("locale", "game", "film"),
    [
        ("en", ["Playing", "Beaten", "100%"], ["Watching", "Watched", "100%"]),
        ("ru", ["Играю", "Пройдено", "100%"], ["Смотрю", "Просмотрено", "100%"]),
    ],
)
def test_title_page_picker_and_badge_speak_of_the_type(client, locale, game, film):
    person = UserFactory(locale=locale)
    zelda = TitleFactory(name="Zelda", type="game")
    akira = TitleFactory(name="Akira", type="film")
    WalkFactory(user=person, title=zelda, state="completed")
    WalkFactory(user=person, title=akira, state="completed")
    html = _page(client, person, f"/titles/{zelda.pk}/")
    for label in game:
        assert f">{label}</button>" in html
    assert f'href="#walk">{game[1]}</a>' in html  # the badge beside the title
    assert f">{film[0]}</button>" not in html
    html = _page(client, person, f"/titles/{akira.pk}/")
    for label in film:
        assert f">{label}</button>" in html
    assert f'href="#walk">{film[1]}</a>' in html
    assert f">{game[0]}</button>" not in html


def test_profile_cards_and_filters_use_the_type_or_the_neutral_words(client):
    person = UserFactory(username="mira")
    WalkFactory(user=person, title=TitleFactory(name="Dark Souls", type="game"), state="completed")
    WalkFactory(user=person, title=TitleFactory(name="Stalker", type="film"), state="completed")
    html = _page(client, person, "/u/mira/")
    assert ">Beaten</span>" in html and ">Watched</span>" in html  # each card its own type
    assert ">Completed</a>" in html and ">Beaten</a>" not in html  # all types: neutral filter
    html = _page(client, person, "/u/mira/?type=game")
    assert ">Beaten</a>" in html and ">Playing</a>" in html and ">Completed</a>" not in html


def test_marking_says_the_type_s_word_and_the_api_keeps_its_values(client):
    person = UserFactory()
    film = TitleFactory(type="film")
    client.force_login(person)
    response = client.post(f"/titles/{film.pk}/walk/", {"state": "in_progress"}, follow=True)
    assert "Marked as “Watching”." in response.content.decode()
    body = client.get(f"/api/v1/user/{person.pk}/walks").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [row["state"] for row in rows] == ["in_progress"]


def test_a_newcomer_s_home_explains_the_word_walk_once(client):
    client.force_login(UserFactory())
    html = client.get("/").content.decode()
    assert html.count("A walk is your record of one title") == 1
    client.force_login(UserFactory(locale="ru"))
    assert "Прохождение — ваша отметка о тайтле" in client.get("/").content.decode()
