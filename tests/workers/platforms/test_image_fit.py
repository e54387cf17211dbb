"""Photos shrunk to a platform's caps: as they are when they fit, smaller copies when not."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from workers.platforms import PostImage
from workers.platforms.image_fit import ImageTooLarge, fit_image


def noisy_photo(width: int, height: int, mode: str = "RGB") -> PostImage:
    """A photo that compresses badly, as real ones do: random pixels."""
    image = Image.frombytes(mode, (width, height), os.urandom(width * height * len(mode)))
    out = io.BytesIO()
    fmt = "PNG" if mode == "RGBA" else "JPEG"
    image.save(out, fmt, **({} if fmt == "PNG" else {"quality": 95}))
    content_type = "image/png" if fmt == "PNG" else "image/jpeg"
    return PostImage(out.getvalue(), content_type, width, height, "alt words")


def test_a_photo_that_fits_is_posted_as_it_is() -> None:
    photo = noisy_photo(100, 50)

    assert fit_image(photo, max_bytes=len(photo.data)) is photo


def test_a_photo_too_big_becomes_a_smaller_jpeg_with_its_shape_and_alt_text() -> None:
    photo = noisy_photo(1600, 1200)
    assert len(photo.data) > 1_000_000

    fitted = fit_image(photo, max_bytes=1_000_000)

    assert len(fitted.data) <= 1_000_000
    assert fitted.content_type == "image/jpeg" and fitted.alt_text == "alt words"
    with Image.open(io.BytesIO(fitted.data)) as image:
        assert image.size == (fitted.width, fitted.height)
        assert abs(image.width / image.height - 4 / 3) < 0.01


def test_a_side_cap_shrinks_even_a_small_file() -> None:
    fitted = fit_image(noisy_photo(2000, 500), max_bytes=10_000_000, max_side=1000)

    assert (fitted.width, fitted.height) == (1000, 250)


def test_transparency_is_kept_as_png() -> None:
    fitted = fit_image(noisy_photo(800, 800, "RGBA"), max_bytes=1_000_000)

    assert fitted.content_type == "image/png" and len(fitted.data) <= 1_000_000


def test_no_photo_is_shrunk_past_use() -> None:
    with pytest.raises(ImageTooLarge):
        fit_image(noisy_photo(1000, 1000), max_bytes=1_000)
