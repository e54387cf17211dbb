"""A photo by MMS, through the real processes: simulate --media, YES, then the timeline."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import requests
from PIL import ExifTags, Image
from sqlalchemy import select

from store.models import InboundMedia, TimelineImage
from tests.e2e.conftest import Stack, simulate
from tests.factories import add_person
from tests.workers.texts_in.test_images import phone_photo
from workers.runtime import Runtime

pytestmark = pytest.mark.e2e


def test_a_photo_with_gps_is_held_then_posted_with_no_exif(
    stack: Stack, rt: Runtime, tmp_path: Path
) -> None:
    add_person(rt)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(phone_photo())

    held = simulate(stack, "--media", str(photo), "Our poster")
    posted = simulate(stack, "YES")

    assert "Not posted yet: photos can show faces, homes, car plates." in held
    assert "Reply to +64211234567: Posted to Local timeline @aroha." in posted
    with rt.sessions() as session:
        image = session.scalars(select(TimelineImage)).one()
        media = session.scalars(select(InboundMedia)).one()
    assert image.alt_text == "Our poster"
    served = requests.get(f"{stack.url}/timeline/images/{image.id}", timeout=10)
    with Image.open(io.BytesIO(served.content)) as stored:
        assert dict(stored.getexif()) == {} and "exif" not in stored.info
        assert dict(stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)) == {}
    # The stand-in for Twilio no longer has the file: it was deleted once stored.
    assert media.deleted_at_twilio is not None
    assert not any((Path(stack.env["SMSBRIDGE_VAR"]) / "dev-media").rglob("ME*"))
    page = requests.get(f"{stack.url}/timeline", timeout=10).text
    assert f'src="/timeline/images/{image.id}" alt="Our poster"' in page
