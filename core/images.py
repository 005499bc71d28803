"""Uploaded images: checked by content, size-limited, re-encoded (never served as uploaded)."""

from __future__ import annotations

import io
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import Invalid, PayloadTooLarge

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
# The most pixels an upload may declare in its header. A JPEG is decoded in
# draft mode at the smallest DCT scale that still covers what the output
# needs (a 40-megapixel photo decodes at 1/4 or 1/8 of its size), so its
# bound is generous; PNG and WebP have no such mode and are decoded whole
# (4 bytes a pixel), so theirs is what a cover or an avatar can use. Both are
# checked on the header, before a single pixel is decoded: a 150 KiB PNG
# that declares 40 megapixels is refused without allocating 160 MB.
MAX_JPEG_PIXELS = 40_000_000
MAX_OTHER_PIXELS = 6_000_000


def reencode_image(upload, *, field: str, max_side: int, square: bool = False) -> ContentFile:
    """Return the upload as a fresh WebP no larger than ``max_side`` pixels.

    Raises :class:`Invalid` (``invalid_image``) for anything that is not a
    JPEG, PNG or WebP by content, and :class:`PayloadTooLarge`
    (``file_too_large``) above ``MAX_UPLOAD_BYTES``. Re-encoding drops
    metadata (EXIF location) and anything smuggled after the image data.
    """
    if upload is None:
        raise Invalid(_("No file was sent."), code="required", errors={field: [_("No file was sent.")]})
    if upload.size > settings.MAX_UPLOAD_BYTES:
        message = _("The file is too large: at most %(mb)d MB.") % {"mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024)}
        raise PayloadTooLarge(message, code="file_too_large", errors={field: [message]})
    bad = _("Upload a JPEG, PNG or WebP image.")
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise Invalid(bad, code="invalid_image", errors={field: [bad]})
            bound = MAX_JPEG_PIXELS if probe.format == "JPEG" else MAX_OTHER_PIXELS
            if probe.width * probe.height > bound:
                message = _("The image is too large: at most %(mp)d megapixels.") % {"mp": bound // 1_000_000}
                raise Invalid(message, code="image_too_large", errors={field: [message]})
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            if image.format == "JPEG":
                # Decode at the smallest scale that still gives twice the output.
                image.draft("RGB", (max_side * 2, max_side * 2))
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
            if square:
                image = ImageOps.fit(image, (max_side, max_side), Image.Resampling.LANCZOS)
            else:
                image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, "WEBP", quality=82, method=4)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise Invalid(bad, code="invalid_image", errors={field: [bad]}) from exc
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.webp")
