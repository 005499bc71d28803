"""core.images: an upload's decoded size is bounded by what the output needs,
checked on the header before anything is decoded."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.errors import Invalid, RateLimited
from core.images import MAX_OTHER_PIXELS, reencode_image
from tests.conftest import jwt_client_for


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height), 0).save(out, "PNG", optimize=True)  # one colour: a tiny file
    return out.getvalue()


def _jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 30, 30)).save(out, "JPEG", quality=70)
    return out.getvalue()


def test_a_small_png_declaring_huge_dimensions_is_refused_on_its_header(monkeypatch):
    data = _png(8000, 5000)  # 40 megapixels in a few tens of KiB
    assert len(data) < 200 * 1024
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self.size))
    with pytest.raises(Invalid) as refused:
        reencode_image(SimpleUploadedFile("a.png", data, "image/png"), field="avatar", max_side=256, square=True)
    assert refused.value.code == "image_too_large"
    assert decoded == []  # not one pixel decoded


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(monkeypatch):
    from core import images

    seen = []
    transpose = images.ImageOps.exif_transpose

    def spy(image, **kwargs):
        seen.append(image.size)
        return transpose(image, **kwargs)

    monkeypatch.setattr(images.ImageOps, "exif_transpose", spy)
    content = reencode_image(
        SimpleUploadedFile("p.jpg", _jpeg(6000, 4000), "image/jpeg"), field="avatar", max_side=256, square=True
    )
    assert Image.open(content).size == (256, 256)
    width, height = seen[0]
    assert width * height <= 6000 * 4000 / 16  # draft mode: 1/4 scale or smaller
    assert min(width, height) >= 512  # still twice what the avatar needs


def test_a_png_within_the_bound_is_accepted():
    side = int(MAX_OTHER_PIXELS**0.5) - 1
    content = reencode_image(SimpleUploadedFile("c.png", _png(side, side), "image/png"), field="cover", max_side=600)
    assert max(Image.open(content).size) == 600


def test_twelve_large_dimension_pngs_at_once_stay_within_bounded_memory():
    """The probe's reproduction: twelve 40-megapixel PNGs of a few KiB, at
    once. Measured in a fresh process: the peak resident size grows by less
    than 100 MB (it was 4 GiB)."""
    script = textwrap.dedent(
        """
        import io, resource, sys, threading
        import django, os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()
        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image
        from core.images import reencode_image
        from core.errors import Invalid
        out = io.BytesIO(); Image.new("L", (8000, 5000), 0).save(out, "PNG", optimize=True)
        data = out.getvalue()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        refused = []
        def upload():
            try:
                reencode_image(SimpleUploadedFile("a.png", data, "image/png"), field="avatar", max_side=256, square=True)
            except Invalid as exc:
                refused.append(exc.code)
        threads = [threading.Thread(target=upload) for _ in range(12)]
        [t.start() for t in threads]; [t.join() for t in threads]
        grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        print(len(refused), round(grown_mb))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    refused, grown_mb = map(int, result.stdout.split()[-2:])
    assert refused == 12
    assert grown_mb < 100, f"peak memory grew by {grown_mb} MB"


@pytest.mark.django_db
def test_uploads_are_rate_limited_per_person(user, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "image-upload-user": (2, 600)}
    client = jwt_client_for(user)

    def put():
        upload = SimpleUploadedFile("a.jpg", _jpeg(300, 300), "image/jpeg")
        return client.put("/api/v1/user/@me/avatar", {"avatar": upload}, format="multipart")

    assert [put().status_code for _ in range(3)] == [200, 200, 429]
    assert put().json()["code"] == "rate_limited"
    with pytest.raises(RateLimited):
        from accounts.services import profile_avatar_set

        profile_avatar_set(user=user, upload=SimpleUploadedFile("a.jpg", _jpeg(300, 300), "image/jpeg"))
