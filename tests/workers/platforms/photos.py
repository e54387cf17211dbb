"""Photos for the connectors' tests, as the gateway stores them: clean JPEGs with alt text."""

from __future__ import annotations

import io
import os

from PIL import Image

from workers.platforms import PostImage


def photo(
    width: int = 64, height: int = 32, alt: str = "Our poster", noise: bool = False
) -> PostImage:
    """A clean photo (noise makes it compress badly, as real ones do)."""
    image = (
        Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
        if noise
        else Image.new("RGB", (width, height), (200, 30, 30))
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return PostImage(out.getvalue(), "image/jpeg", width, height, alt)
