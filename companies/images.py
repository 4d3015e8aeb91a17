"""Uploaded images (organisation logos): checked, then re-encoded with Pillow.

Re-encoding decodes the pixels and writes a fresh file from them alone. That drops metadata
(EXIF with GPS positions, comments, colour profiles) and anything appended to or hidden in the
original (a PNG that is also a ZIP or an HTML page), so what is stored is an image and nothing else."""

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from wfs_portal.l10n import format_decimal, format_megabytes

# Pillow format name → (file extension, content type). Only these are accepted and served.
IMAGE_FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
}
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 4000
# A logo is shown small; storing more pixels than this only costs space and bandwidth.
LOGO_STORED_MAX_SIDE = 1024


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    format: str  # a key of IMAGE_FORMATS

    @property
    def extension(self) -> str:
        return IMAGE_FORMATS[self.format][0]

    @property
    def content_type(self) -> str:
        return IMAGE_FORMATS[self.format][1]


def logo_reencode(upload) -> EncodedImage:
    """Check an uploaded logo (type from its content, not its name; size; dimensions) and return it
    re-encoded in the same format, at most LOGO_STORED_MAX_SIDE pixels wide and high."""
    if upload.size > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": format_megabytes(upload.size), "limit": format_decimal(LOGO_MAX_BYTES // 1024 // 1024)},
            code="file_too_large",
        )
    not_an_image = ValidationError(_("Upload a PNG, JPEG or WebP image."), code="invalid_image")
    upload.seek(0)
    try:
        # formats=... : Pillow tries only these decoders, so nothing else is even parsed.
        with Image.open(upload, formats=list(IMAGE_FORMATS)) as image:
            source_format = image.format
            width, height = image.size
            # Checked on the header, before the pixels are decoded: a small file can declare a
            # huge canvas (a decompression bomb).
            if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
                raise ValidationError(
                    _("The image is %(width)s × %(height)s pixels; at most %(limit)s × %(limit)s are allowed.")
                    % {
                        "width": format_decimal(width),
                        "height": format_decimal(height),
                        "limit": format_decimal(LOGO_MAX_SIDE),
                    },
                    code="image_too_large",
                )
            image.load()
            image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF data gave
            image.thumbnail((LOGO_STORED_MAX_SIDE, LOGO_STORED_MAX_SIDE))
            return EncodedImage(data=_encode(image, source_format), format=source_format)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise not_an_image from exc
    finally:
        upload.seek(0)


def _encode(image: Image.Image, image_format: str) -> bytes:
    buffer = io.BytesIO()
    if image_format == "JPEG":
        image.convert("RGB").save(buffer, "JPEG", quality=88, optimize=True)
    else:
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
        if image_format == "PNG":
            image.save(buffer, "PNG", optimize=True)
        else:
            image.save(buffer, "WEBP", quality=88)
    return buffer.getvalue()


def stored_image_format(data: bytes) -> str | None:
    """The format of stored image bytes as Pillow reads it from the content (None when it is not one
    of IMAGE_FORMATS): what the logo view's content type is taken from."""
    try:
        with Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS)) as image:
            return image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
