from __future__ import annotations

import pytest

from catalog.models import ExternalId, Title
from tests.catalog.factories import TitleFactory
from tests.conftest import admin_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client, user):
    client.force_login(user)
    return client


def test_a_search_with_few_local_results_offers_the_provider(member, fake_anilist):
    html = member.get("/titles/", {"type": "anime", "q": "bebop"}).content.decode()
    assert "Search AniList" in html and "remote=1" in html
    assert fake_anilist.requests == []  # only an offer: the provider is asked when the person asks


def test_many_local_results_or_no_search_offer_nothing(member, fake_anilist):
    assert "provider-block" not in member.get("/titles/", {"type": "anime"}).content.decode()
    for i in range(5):
        TitleFactory(type="anime", name=f"Bebop {i}")
    assert "provider-block" not in member.get("/titles/", {"type": "anime", "q": "bebop"}).content.decode()
    assert "provider-block" not in member.get("/titles/", {"type": "game", "q": "bebop"}).content.decode()


def test_provider_results_with_covers_years_and_add_buttons(member, fake_anilist):
    known = TitleFactory(type="anime", name="Bebop movie (here)")
    ExternalId.objects.create(title=known, provider="anilist", external_id="5")
    response = member.get("/titles/", {"type": "anime", "q": "bebop", "remote": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cowboy Bebop" in html and "1998" in html
    assert f'src="{fake_anilist.base}/images/bebop.png"' in html
    assert 'name="external_id" value="1"' in html
    assert f'href="/titles/{known.pk}/"' in html and "In Walks" in html
    assert "Anime data from AniList" in html


def test_visitors_see_results_but_sign_in_to_add(client, fake_anilist):
    html = client.get("/titles/", {"type": "anime", "q": "bebop", "remote": "1"}).content.decode()
    assert "Cowboy Bebop" in html and "Sign in to add" in html and 'name="external_id"' not in html


def test_a_provider_down_leaves_the_local_catalogue_answering(member, fake_anilist):
    TitleFactory(type="anime", name="Bebop local")
    fake_anilist.down = True
    response = member.get("/titles/", {"type": "anime", "q": "bebop", "remote": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bebop local" in html
    assert "AniList is unavailable at the moment" in html


def test_add_lands_on_the_new_titles_page(member, fake_anilist, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = member.post(
            "/titles/from-provider/", {"provider": "anilist", "external_id": "1", "type": "anime", "q": "bebop"}
        )
    title = Title.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/titles/{title.pk}/"
    page = member.get(response["Location"]).content.decode()
    assert "was added to the catalogue" in page and "Cowboy Bebop" in page
    assert title.cover.url in page
    again = member.post("/titles/from-provider/", {"provider": "anilist", "external_id": "1"})
    assert again["Location"] == f"/titles/{title.pk}/"
    assert "in the catalogue already" in member.get(again["Location"]).content.decode()


def test_add_failing_goes_back_to_the_search_with_the_message(member, fake_anilist):
    fake_anilist.down = True
    response = member.post(
        "/titles/from-provider/", {"provider": "anilist", "external_id": "1", "type": "anime", "q": "bebop"}
    )
    assert response.status_code == 302 and "remote=1" in response["Location"]
    assert "unavailable" in member.get(response["Location"]).content.decode()


def test_add_needs_sign_in_and_post(member, fake_anilist):
    from django.test import Client

    response = Client().post("/titles/from-provider/", {"provider": "anilist", "external_id": "1"})
    assert response.status_code == 302 and "/signin" in response["Location"]
    assert member.get("/titles/from-provider/").status_code == 405
    assert not Title.objects.exists()


@pytest.mark.parametrize("n", [1, 10])
def test_the_provider_block_runs_constant_queries(member, fake_anilist, django_assert_max_num_queries, n):
    for i in range(n):
        ExternalId.objects.create(
            title=TitleFactory(type="anime", name=f"Other {i}"), provider="anilist", external_id=str(100 + i)
        )
    member.get("/titles/", {"type": "anime", "q": "bebop", "remote": "1"})  # warm the caches
    # the page's own queries are cached by the warm-up; what is left is the
    # typo fallback of a search that found nothing here (whether each type has
    # it, then its near names: 2 per type, 8) and the known provider ids (1),
    # the same for any number of titles
    with django_assert_max_num_queries(9):
        assert member.get("/titles/", {"type": "anime", "q": "bebop", "remote": "1"}).status_code == 200


# --- The curator's provider page -------------------------------------------------------------


@pytest.fixture
def curator_browser(client, curator):
    client.force_login(curator)
    return client


def test_the_provider_page_is_for_curators(member):
    title = TitleFactory(type="anime")
    assert member.get(f"/titles/{title.pk}/provider/").status_code == 403


def test_a_curator_links_refreshes_and_unlinks(curator_browser, fake_anilist, django_capture_on_commit_callbacks):
    title = TitleFactory(type="anime", name="Bebop?", release_year=2000, description="")
    url = f"/titles/{title.pk}/provider/"
    assert curator_browser.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = curator_browser.post(url, {"action": "link", "provider": "anilist", "external_id": "1"})
    assert response.status_code == 302
    assert dict(title.external_ids.values_list("provider", "external_id")) == {"anilist": "1", "mal": "1"}
    title.refresh_from_db()
    assert title.cover  # a missing cover came with the link

    with django_capture_on_commit_callbacks(execute=True):
        response = curator_browser.post(url, {"action": "refresh"})
    assert response.status_code == 302
    title.refresh_from_db()
    assert title.name == "Cowboy Bebop" and title.release_year == 1998 and "Bounty" in title.description
    page = curator_browser.get(f"/titles/{title.pk}/").content.decode()
    assert "Cowboy Bebop" in page and 'data-testid="external-ids"' in page

    other = TitleFactory(type="anime")
    response = curator_browser.post(
        f"/titles/{other.pk}/provider/", {"action": "link", "provider": "anilist", "external_id": "1"}
    )
    assert response.status_code == 200 and "Another title is linked to this id already" in response.content.decode()

    curator_browser.post(url, {"action": "unlink", "provider": "mal"})
    assert dict(title.external_ids.values_list("provider", "external_id")) == {"anilist": "1"}


def test_a_link_of_another_type_is_refused(curator_browser, fake_anilist):
    title = TitleFactory(type="game")
    response = curator_browser.post(
        f"/titles/{title.pk}/provider/", {"action": "link", "provider": "anilist", "external_id": "1"}
    )
    assert response.status_code == 200 and "another type" in response.content.decode()
    assert not title.external_ids.exists()


def test_admin_inline_and_refresh_action(client, fake_anilist, django_capture_on_commit_callbacks):
    from tests.factories import UserFactory

    admin_login(client, UserFactory(is_staff=True, is_superuser=True))
    title = TitleFactory(type="anime", name="Bebop?", release_year=2000)
    data = {
        "name": title.name,
        "type": "anime",
        "release_year": 2000,
        "description": "",
        "external_ids-TOTAL_FORMS": "1",
        "external_ids-INITIAL_FORMS": "0",
        "external_ids-0-provider": "anilist",
        "external_ids-0-external_id": "1",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/catalog/title/{title.pk}/change/", data)
    assert response.status_code == 302
    assert dict(title.external_ids.values_list("provider", "external_id")) == {"anilist": "1", "mal": "1"}
    html = client.get(f"/admin/catalog/title/{title.pk}/change/").content.decode()
    assert 'value="anilist" selected' in html or "anilist" in html
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/catalog/title/", {"action": "refresh_from_provider", "_selected_action": [title.pk]})
    title.refresh_from_db()
    assert title.name == "Cowboy Bebop"


def test_the_block_speaks_russian(client, fake_anilist):
    html = client.get("/titles/", {"type": "anime", "q": "bebop"}, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Искать в AniList" in html
    html = client.get(
        "/titles/", {"type": "anime", "q": "bebop", "remote": "1"}, HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()
    assert "Войдите, чтобы добавить" in html and "Данные об аниме: AniList." in html
