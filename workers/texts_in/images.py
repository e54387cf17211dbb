"""Photos made safe to post: decoded, turned upright, and re-encoded with no metadata.

Pure code: bytes in, bytes out. A phone's photo carries EXIF (the GPS position it
was taken at, the phone's make and serial, the time), XMP and IPTC blocks; none of
them survives, because the image is decoded to pixels and written anew from the
pixels alone. The orientation EXIF asks for is applied to the pixels first, so the
photo still stands the right way up once the tag is gone. HEIC/HEIF photos (what
iPhones send) become JPEG, which every platform takes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()  # lets Pillow open HEIC and HEIF

# What a text may carry, as Twilio names it, and how each is written back out.
ACCEPTED = {
    "image/jpeg": "JPEG",
    "image/jpg": "JPEG",
    "image/png": "PNG",
    "image/gif": "PNG",  # the first frame: an animation is no photo of a slide
    "image/heic": "JPEG",
    "image/heif": "JPEG",
}
# Pillow's names for what it found, for each declared type: a "JPEG" that is a PNG
# inside is refused as a forgery, not decoded as whatever it turns out to be.
FORMATS = {
    "image/jpeg": {"JPEG", "MPO"},
    "image/jpg": {"JPEG", "MPO"},
    "image/png": {"PNG"},
    "image/gif": {"GIF"},
    "image/heic": {"HEIF"},
    "image/heif": {"HEIF"},
}
MAX_PIXELS = 50_000_000  # a 50-megapixel photo is the most a phone sends; beyond it, a bomb
LONGEST_SIDE = 4096  # stored no larger: each platform's own limit is applied when posting
JPEG_QUALITY = 85
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


class ImageRefused(ValueError):
    """The attachment cannot be posted as a photo; the message says why, in plain words."""


@dataclass(frozen=True)
class CleanImage:
    """A photo ready to store: its bytes, with no metadata, and its size in pixels."""

    data: bytes
    content_type: str
    width: int
    height: int


def is_accepted(content_type: str) -> bool:
    """Tell whether a declared content type is a photo we post."""
    return content_type.split(";")[0].strip().lower() in ACCEPTED


def clean_image(data: bytes, content_type: str) -> CleanImage:
    """Decode a photo, turn it upright, shrink it to LONGEST_SIDE and write it with no metadata."""
    declared = content_type.split(";")[0].strip().lower()
    if declared not in ACCEPTED:
        raise ImageRefused(f"{declared or 'an unnamed file'} is not a photo")
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.format not in FORMATS[declared]:
                raise ImageRefused(f"the file is not the {declared} it says it is")
            if opened.width * opened.height > MAX_PIXELS:
                raise ImageRefused("the photo is too large to open")
            opened.seek(0)  # the first frame of a GIF or a burst
            upright = ImageOps.exif_transpose(opened)
            pixels = upright.convert("RGBA" if has_alpha(upright) else "RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ImageRefused("the photo could not be read") from exc
    pixels.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
    target = ACCEPTED[declared]
    if target == "JPEG" and pixels.mode == "RGBA":
        target = "PNG"  # JPEG has no transparency to keep
    out = io.BytesIO()
    # A new image from pixels alone: no exif, icc_profile, xmp or comment is passed on.
    fresh = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    if target == "JPEG":
        fresh.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        fresh.save(out, "PNG", optimize=True)
    return CleanImage(out.getvalue(), CONTENT_TYPES[target], fresh.width, fresh.height)


def has_alpha(image: Image.Image) -> bool:
    """Tell whether an image has transparency worth keeping."""
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
