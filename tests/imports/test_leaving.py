"""Export, account deletion, and the round trip between them."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.models import Profile, User
from catalog.models import ExternalId, Title
from imports import services
from imports.exports import export_json, export_letterboxd, export_zip
from linking.models import LinkSecret
from reviews.models import Review
from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.conftest import jwt_client_for
from tests.factories import DEFAULT_PASSWORD, UserFactory
from walks.models import Walk, WatchlistEntry

pytestmark = pytest.mark.django_db(transaction=True)


def history(person):
    film = TitleFactory(name="Heat", type="film", release_year=1995)
    ExternalId.objects.create(title=film, provider="imdb", external_id="tt0113277")
    game = TitleFactory(name="=cmd|' /C calc'!A0", type="game", release_year=2020)
    anime = TitleFactory(name="Mushishi", type="anime", release_year=2005)
    wanted = TitleFactory(name="Stalker", type="film", release_year=1979)
    WalkFactory(user=person, title=film, state="completed")
    WalkFactory(user=person, title=game, state="hundred_percent")
    WalkFactory(user=person, title=anime, state="in_progress")
    ReviewFactory(user=person, title=film, rating=85, text="Tense.")
    ReviewFactory(user=person, title=game, rating=0, text="")
    WatchlistEntry.objects.create(user=person, title=wanted)
    return film, game, anime, wanted


def snapshot(person):
    return (
        sorted(Walk.objects.filter(user=person).values_list("title_id", "state")),
        sorted(Review.objects.filter(user=person).values_list("title_id", "rating", "text")),
        sorted(WatchlistEntry.objects.filter(user=person).values_list("title_id", flat=True)),
    )


def test_json_export_has_everything_and_is_valid_json():
    person = UserFactory(username="leaver")
    history(person)
    doc = json.loads(b"".join(export_json(user=person)))
    assert doc["format"] == "walks-export" and doc["profile"]["username"] == "leaver"
    assert doc["profile"]["email"] == person.email
    assert len(doc["walks"]) == 3 and len(doc["reviews"]) == 2 and len(doc["watchlist"]) == 1
    heat = next(w for w in doc["walks"] if w["title"]["name"] == "Heat")
    assert heat["title"]["external_ids"] == {"imdb": "tt0113277"} and heat["updated_at"]


def test_zip_export_is_a_zip_of_csvs_without_formulas():
    person = UserFactory()
    history(person)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(export_zip(user=person))))
    assert set(archive.namelist()) == {
        "profile.csv",
        "linked_accounts.csv",
        "walks.csv",
        "reviews.csv",
        "watchlist.csv",
    }
    walks = list(csv.DictReader(io.StringIO(archive.read("walks.csv").decode("utf-8-sig"))))
    assert len(walks) == 3 and {w["state"] for w in walks} == {"completed", "hundred_percent", "in_progress"}
    assert any(w["title"].startswith("'=") for w in walks)


def test_letterboxd_export_reads_back_with_the_letterboxd_importer():
    person = UserFactory()
    history(person)
    text = b"".join(export_letterboxd(user=person)).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows == [
        {
            "Title": "Heat",
            "Year": "1995",
            "imdbID": "tt0113277",
            "Rating10": "9",
            "WatchedDate": rows[0]["WatchedDate"],
            "Review": "Tense.",
        }
    ]


@pytest.mark.parametrize("fmt", ["json", "zip", "letterboxd"])
def test_export_api_streams(auth_client, fmt):
    history(auth_client.user)
    response = auth_client.get(f"/api/v1/user/@me/export?format={fmt}")
    assert response.status_code == 200 and response.streaming
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content)


def test_export_api_bad_format(auth_client):
    response = auth_client.get("/api/v1/user/@me/export?format=xml")
    assert response.status_code == 400 and response.json()["code"] == "invalid_format"


def test_export_delete_then_import_into_a_fresh_account_reproduces_the_history(mailoutbox):
    person = UserFactory(email="leaving@example.com")
    film, game, anime, wanted = history(person)
    before = snapshot(person)
    exported = b"".join(export_json(user=person))
    services.account_delete(user=person, password=DEFAULT_PASSWORD)
    assert not User.objects.filter(email="leaving@example.com").exists()
    film.refresh_from_db()
    assert film.rating is None and film.rating_count == 0  # its only review went: recomputed
    fresh = UserFactory()
    job = services.import_upload(user=fresh, source="walks", upload=SimpleUploadedFile("walks.json", exported))
    assert job.plan["match"] == 4 and job.plan["create"] == 0
    services.import_confirm(user=fresh, job_id=job.pk)
    assert snapshot(fresh) == before
    assert Title.objects.count() == 4  # nothing duplicated
    film.refresh_from_db()
    assert film.rating == 85


def test_account_deletion_over_the_api(mailoutbox):
    person = UserFactory(email="gone@example.com", username="gone")
    mate = UserFactory()
    history(person)
    import uuid

    group = uuid.uuid4()
    third = UserFactory()
    User.objects.filter(pk__in=[person.pk, mate.pk, third.pk]).update(group_uuid=group)
    person.refresh_from_db()
    LinkSecret.objects.create(
        secret_hash="x" * 64, source_user=person, target_user=mate, expires_at="2100-01-01T00:00:00Z"
    )
    profile = Profile.objects.get(user=person)
    profile.avatar.save("a.png", SimpleUploadedFile("a.png", b"png"), save=True)
    avatar_path = profile.avatar.path
    client = jwt_client_for(person)
    from django.test import Client

    browser = Client()
    browser.force_login(person)
    assert OutstandingToken.objects.filter(user=person).exists() and Session.objects.exists()

    wrong = client.delete("/api/v1/user/@me", {"password": "nope"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["code"] == "password_incorrect"
    assert User.objects.filter(pk=person.pk).exists()

    response = client.delete("/api/v1/user/@me", {"password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 204
    assert not User.objects.filter(pk=person.pk).exists()
    assert not Walk.objects.filter(user_id=person.pk).exists() and not Review.objects.filter(user_id=person.pk).exists()
    assert not WatchlistEntry.objects.filter(user_id=person.pk).exists()
    assert not LinkSecret.objects.exists() and not OutstandingToken.objects.filter(user_id=person.pk).exists()
    assert not Session.objects.exists()
    import os

    assert not os.path.exists(avatar_path)
    mate.refresh_from_db()
    assert mate.group_uuid == group  # the other two stay linked
    assert client.get("/api/v1/user/@me").status_code == 401
    assert browser.get("/settings/").status_code == 302
    last = [m for m in mailoutbox if m.to == ["gone@example.com"]]
    assert last and "deleted" in last[-1].subject


def test_an_account_without_a_password_confirms_with_an_emailed_code(mailoutbox):
    person = UserFactory(password=None)
    client = jwt_client_for(person)
    assert client.delete("/api/v1/user/@me", {"code": "000000"}, format="json").status_code == 400
    assert client.post("/api/v1/user/@me/delete-code").status_code == 202
    code = next(m for m in mailoutbox if "deletion code" in m.subject).subject.rsplit(" ", 1)[-1]
    assert client.delete("/api/v1/user/@me", {"code": code}, format="json").status_code == 204
    assert not User.objects.filter(pk=person.pk).exists()


def test_settings_page_deletion_has_a_confirmation_step(client, mailoutbox):
    person = UserFactory()
    client.force_login(person)
    assert "Your data" in client.get("/settings/").content.decode()
    page = client.get("/settings/delete/")
    assert page.status_code == 200
    unticked = client.post("/settings/delete/", {"password": DEFAULT_PASSWORD})
    assert unticked.status_code == 400 and User.objects.filter(pk=person.pk).exists()
    done = client.post("/settings/delete/", {"password": DEFAULT_PASSWORD, "confirm": "on"})
    assert done.status_code == 302 and not User.objects.filter(pk=person.pk).exists()
