"""Photos made safe to post: no EXIF, no GPS, upright, in a format every platform takes."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image, PngImagePlugin

from workers.texts_in.images import LONGEST_SIDE, ImageRefused, clean_image, is_accepted

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "S",
    ExifTags.GPS.GPSLatitude: (41.0, 17.0, 12.5),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (174.0, 46.0, 33.0),
}


def phone_photo(fmt: str = "JPEG", size: tuple[int, int] = (64, 32), orientation: int = 6) -> bytes:
    """A photo as a phone writes it: EXIF with GPS, the phone's make and an orientation."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))  # left half blue
    exif = image.getexif()
    exif[ExifTags.Base.Make] = "Nokia"
    exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    out = io.BytesIO()
    image.save(out, fmt, exif=exif, xmp=b"<x:xmpmeta>Karori</x:xmpmeta>")
    return out.getvalue()


def metadata(data: bytes) -> dict:
    """Everything but pixels that a stored image carries."""
    with Image.open(io.BytesIO(data)) as image:
        return {
            "exif": dict(image.getexif()),
            "gps": dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo)),
            "info": {
                key
                for key in image.info
                if key not in ("dpi", "jfif", "jfif_version", "jfif_unit", "jfif_density")
            },
        }


def test_a_jpeg_loses_its_gps_and_exif_and_stands_upright() -> None:
    original = phone_photo()
    assert metadata(original)["gps"]  # the test photo does carry a position

    clean = clean_image(original, "image/jpeg")

    assert clean.content_type == "image/jpeg"
    assert metadata(clean.data) == {"exif": {}, "gps": {}, "info": set()}
    assert b"Exif" not in clean.data and b"Karori" not in clean.data and b"Nokia" not in clean.data
    # Orientation 6 (turn 90° clockwise to view) is applied to the pixels themselves.
    assert (clean.width, clean.height) == (32, 64)
    with Image.open(io.BytesIO(clean.data)) as image:
        top, bottom = image.getpixel((16, 4)), image.getpixel((16, 60))
    assert top[2] > 150 and bottom[0] > 150  # the blue half is now on top


def test_a_heic_photo_becomes_a_clean_jpeg() -> None:
    clean = clean_image(phone_photo("HEIF", orientation=1), "image/heic")

    assert clean.content_type == "image/jpeg"
    assert metadata(clean.data) == {"exif": {}, "gps": {}, "info": set()}
    assert (clean.width, clean.height) == (64, 32)


def test_a_png_loses_its_text_chunks_and_keeps_transparency() -> None:
    image = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    chunks = PngImagePlugin.PngInfo()
    chunks.add_text("Comment", "taken at 14 Kowhai St")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=chunks)

    clean = clean_image(out.getvalue(), "image/png")

    assert clean.content_type == "image/png"
    assert b"Kowhai" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as stored:
        assert stored.mode == "RGBA" and stored.getpixel((0, 0))[3] == 0


def test_a_gif_keeps_its_first_frame_as_a_png() -> None:
    frames = [Image.new("P", (10, 10), colour) for colour in (1, 2, 3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], comment=b"Karori")

    clean = clean_image(out.getvalue(), "image/gif")

    assert clean.content_type == "image/png" and b"Karori" not in clean.data


def test_a_big_photo_is_shrunk_to_the_longest_side() -> None:
    clean = clean_image(phone_photo(size=(LONGEST_SIDE * 2, 100), orientation=1), "image/jpeg")

    assert (clean.width, clean.height) == (LONGEST_SIDE, 50)


@pytest.mark.parametrize(
    ("data", "content_type", "words"),
    [
        (b"not an image at all", "image/jpeg", "the photo could not be read"),
        (phone_photo("PNG"), "image/jpeg", "the file is not the image/jpeg it says it is"),
        (b"\x00\x00\x00\x18ftypmp42", "video/mp4", "video/mp4 is not a photo"),
        (b"", "", "an unnamed file is not a photo"),
    ],
)
def test_what_is_no_photo_is_refused_in_plain_words(
    data: bytes, content_type: str, words: str
) -> None:
    with pytest.raises(ImageRefused, match=f"^{words}$"):
        clean_image(data, content_type)


def test_a_decompression_bomb_is_refused() -> None:
    out = io.BytesIO()
    Image.new("1", (10_000, 6_000)).save(out, "PNG")  # 60 megapixels in a few kilobytes

    with pytest.raises(ImageRefused, match="too large"):
        clean_image(out.getvalue(), "image/png")


@pytest.mark.parametrize(
    ("content_type", "accepted"),
    [
        ("image/jpeg", True),
        ("image/HEIC", True),
        ("image/png; q=1", True),
        ("video/mp4", False),
        ("text/vcard", False),
        ("application/pdf", False),
    ],
)
def test_the_accepted_types(content_type: str, accepted: bool) -> None:
    assert is_accepted(content_type) is accepted
