"""Photos shrunk to what one platform takes: bytes and pixels, re-encoded only when needed.

The stored photo is already clean (no metadata) and at most 4096 pixels a side;
each platform has its own caps (Bluesky: 1,000,000 bytes a photo), so a connector
asks for a copy that fits. Each step makes the photo smaller (fewer pixels, then a
lower JPEG quality) until it fits; nothing is added back in the process.
"""

from __future__ import annotations

import io
from dataclasses import replace

from PIL import Image

from workers.platforms import PostImage

QUALITIES = (85, 75, 65)  # JPEG quality tried at each size
SHRINK = 0.8  # each size is this much of the one before, on each side
SMALLEST_SIDE = 320  # below this a photo is no use to anyone: give up


class ImageTooLarge(ValueError):
    """No copy of the photo small enough is worth posting."""


def fit_image(image: PostImage, max_bytes: int, max_side: int | None = None) -> PostImage:
    """Return the photo as it is if it fits, or a smaller copy that does."""
    longest = max(image.width, image.height)
    if len(image.data) <= max_bytes and (max_side is None or longest <= max_side):
        return image
    with Image.open(io.BytesIO(image.data)) as opened:
        pixels = opened.convert("RGBA" if opened.mode in ("RGBA", "LA", "P") else "RGB")
    lowest_alpha = pixels.getchannel("A").getextrema()[0] if pixels.mode == "RGBA" else 255
    keep_alpha = isinstance(lowest_alpha, int) and lowest_alpha < 255  # some see-through
    side = min(longest, max_side or longest)
    while side >= SMALLEST_SIDE:
        scaled = pixels.copy()
        scaled.thumbnail((side, side))
        for data, content_type in encodings(scaled, keep_alpha):
            if len(data) <= max_bytes:
                return replace(
                    image,
                    data=data,
                    content_type=content_type,
                    width=scaled.width,
                    height=scaled.height,
                )
        side = int(side * SHRINK)
    raise ImageTooLarge(f"no copy under {max_bytes} bytes")


def encodings(image: Image.Image, keep_alpha: bool) -> list[tuple[bytes, str]]:
    """The ways to write an image, largest first: PNG where transparency matters, else JPEG."""
    if keep_alpha:
        out = io.BytesIO()
        image.save(out, "PNG", optimize=True)
        return [(out.getvalue(), "image/png")]
    rgb = image.convert("RGB")
    written = []
    for quality in QUALITIES:
        out = io.BytesIO()
        rgb.save(out, "JPEG", quality=quality, optimize=True)
        written.append((out.getvalue(), "image/jpeg"))
    return written
