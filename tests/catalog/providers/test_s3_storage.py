"""Covers and avatars through Django's storage API on S3-compatible object
storage: a local S3 (moto in server mode) on a loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.catalog.conftest import image_bytes
from tests.catalog.factories import TitleFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

BUCKET = "walks-test-media"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    pytest.importorskip("moto")
    boto3 = pytest.importorskip("boto3")
    exe = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    if not os.path.exists(exe):
        pytest.skip("moto_server not installed (pip install 'moto[server]')")
    port = _free_port()
    process = subprocess.Popen(
        [exe, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("moto_server did not start")
                time.sleep(0.2)
        client = boto3.client(
            "s3", endpoint_url=url, aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
        )
        client.create_bucket(Bucket=BUCKET)
        yield url, client
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def s3_storage(settings, s3_server):
    url, client = s3_server
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": url,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "querystring_auth": False,
                "file_overwrite": False,
            },
        },
    }
    return client


def _keys(client) -> set[str]:
    return {o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def _upload(color=(200, 40, 40)):
    return SimpleUploadedFile("c.png", image_bytes(color=color), content_type="image/png")


def test_a_cover_is_uploaded_replaced_and_deleted_in_the_bucket(
    s3_storage, curator, django_capture_on_commit_callbacks
):
    from catalog import services

    title = TitleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.title_set_cover(actor=curator, title=title, upload=_upload())
    first = title.cover.name
    assert first in _keys(s3_storage)
    assert title.cover.url.startswith(f"http://127.0.0.1:{s3_storage.meta.endpoint_url.rsplit(':', 1)[1]}")
    body = s3_storage.get_object(Bucket=BUCKET, Key=first)["Body"].read()
    assert body[:4] == b"RIFF" and body[8:12] == b"WEBP"  # re-encoded before it left

    with django_capture_on_commit_callbacks(execute=True):
        services.title_set_cover(actor=curator, title=title, upload=_upload(color=(10, 200, 10)))
    second = title.cover.name
    assert second in _keys(s3_storage) and first not in _keys(s3_storage)

    with django_capture_on_commit_callbacks(execute=True):
        services.title_remove_cover(actor=curator, title=title)
    assert second not in _keys(s3_storage)


def test_an_avatar_goes_to_the_bucket(s3_storage, user, django_capture_on_commit_callbacks):
    from accounts.services import profile_avatar_remove, profile_avatar_set

    with django_capture_on_commit_callbacks(execute=True):
        profile = profile_avatar_set(user=user, upload=_upload())
    name = profile.avatar.name
    assert name in _keys(s3_storage)
    with django_capture_on_commit_callbacks(execute=True):
        profile_avatar_remove(user=user)
    assert name not in _keys(s3_storage)


def test_a_provider_cover_goes_to_the_bucket(s3_storage, fake_anilist, user, django_capture_on_commit_callbacks):
    from catalog import provider_services

    with django_capture_on_commit_callbacks(execute=True):
        title, _ = provider_services.title_add_from_provider(actor=user, provider="anilist", external_id="1")
    title.refresh_from_db()
    assert title.cover.name in _keys(s3_storage)
