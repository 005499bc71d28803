from __future__ import annotations

import pytest

from imports.models import ImportJob
from tests.factories import UserFactory
from walks.models import Walk

from .conftest import FILES, upload

pytestmark = pytest.mark.django_db(transaction=True)


def post(client, name, source, **extra):
    with open(FILES / name, "rb") as handle:
        return client.post("/api/v1/imports", {"file": handle, "source": source, **extra}, format="multipart")


def test_import_is_202_and_runs(auth_client):
    response = post(auth_client, "hltb.csv", "hltb")
    assert response.status_code == 202
    body = response.json()
    assert set(body) >= {"id", "status", "source", "progress", "counts"}
    assert body["source"] == "hltb" and body["progress"] == {"total": 5, "done": 5} and body["status"] == "done"
    assert Walk.objects.filter(user=auth_client.user).count() == 3
    again = auth_client.get(f"/api/v1/imports/{body['id']}")
    assert again.status_code == 200 and again.json()["counts"] == body["counts"]
    report = auth_client.get(f"/api/v1/imports/{body['id']}/report")
    assert report.status_code == 200 and report["Content-Type"].startswith("text/csv")
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "line,name,year,type,plan,reason,title_id,outcome"
    assert "Hollow Knight" in text and len(text.splitlines()) == 6


def test_dry_run_is_a_preview_then_confirm(auth_client):
    response = post(auth_client, "mal.xml", "mal", dry_run="true", held="skip")
    body = response.json()
    assert response.status_code == 202 and body["status"] == "preview" and body["plan"]["create"] == 5
    assert not Walk.objects.exists()
    confirmed = auth_client.post(f"/api/v1/imports/{body['id']}/confirm", {}, format="json")
    assert confirmed.status_code == 202 and confirmed.json()["status"] == "done"
    assert Walk.objects.filter(user=auth_client.user).count() == 2  # On-Hold and Dropped skipped


@pytest.mark.parametrize(
    ("name", "source", "status", "code"),
    [
        ("hltb.csv", "imdb", 415, "unsupported_file"),
        ("mal.xml", "letterboxd", 415, "unsupported_file"),
        ("hltb.csv", "trakt", 400, "invalid"),
    ],
)
def test_bad_files_and_sources(auth_client, name, source, status, code):
    response = post(auth_client, name, source)
    assert response.status_code == status and response.json()["code"] == code
    assert not ImportJob.objects.exists()


def test_missing_file_is_400(auth_client):
    response = auth_client.post("/api/v1/imports", {"source": "hltb"}, format="multipart")
    assert response.status_code == 400


def test_too_large_is_413(auth_client, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    response = post(auth_client, "mal.xml", "mal")
    assert response.status_code == 413


def test_someone_elses_import_is_404(auth_client):
    other = UserFactory()
    response = post(auth_client, "hltb.csv", "hltb")
    from tests.conftest import jwt_client_for

    assert jwt_client_for(other).get(f"/api/v1/imports/{response.json()['id']}").status_code == 404
    assert jwt_client_for(other).get(f"/api/v1/imports/{response.json()['id']}/report").status_code == 404


def test_needs_a_user(api_client):
    assert api_client.post("/api/v1/imports", {"source": "hltb", "file": upload("hltb.csv")}).status_code == 401


def test_pages_upload_preview_confirm_done(client):
    person = UserFactory()
    client.force_login(person)
    assert client.get("/imports/").status_code == 200
    with open(FILES / "letterboxd.zip", "rb") as handle:
        response = client.post("/imports/", {"source": "letterboxd", "file": handle, "mode": "new"})
    job = ImportJob.objects.get(user=person)
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    preview = client.get(f"/imports/{job.pk}/").content.decode()
    assert "Preview" in preview and "Parasite" in preview
    client.post(f"/imports/{job.pk}/confirm/")
    done = client.get(f"/imports/{job.pk}/").content.decode()
    assert "Imported" in done and "Download the report" in done
    assert client.get(f"/imports/{job.pk}/report.csv").status_code == 200


def test_page_shows_a_wrong_file_on_the_form(client):
    client.force_login(UserFactory())
    with open(FILES / "hltb.csv", "rb") as handle:
        response = client.post("/imports/", {"source": "mal", "file": handle, "mode": "new"})
    assert response.status_code == 400 and "not an export" in response.content.decode()
