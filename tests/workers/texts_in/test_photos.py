"""MMS photos: fetched from a local Twilio with its credentials, cleaned, stored, deleted there."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from PIL import ExifTags, Image
from sqlalchemy import select

from store.db import transaction
from store.models import InboundMedia, InboundMessage, utcnow
from tests.factories import add_inbound
from tests.peers.twilio import ACCOUNT_SID, INTERNAL_ERROR, TwilioPeer
from tests.workers.texts_in.test_images import phone_photo
from workers.runtime import Runtime
from workers.texts_in.inbound import process_inbound
from workers.texts_in.photos import (
    NOT_FETCHED,
    TwilioUnavailable,
    discard_leftovers,
    fetch_photos,
)

MMS = "MM" + "d" * 32


@pytest.fixture
def peer(rt: Runtime) -> Iterator[TwilioPeer]:
    """A local Twilio for this installation's account."""
    with TwilioPeer(ACCOUNT_SID, rt.settings.twilio_auth_token) as running:
        yield running


@pytest.fixture
def mms_rt(rt: Runtime, peer: TwilioPeer) -> Runtime:
    """The runtime, fetching media from the local Twilio as if it were api.twilio.com."""
    settings = replace(rt.settings, twilio_api_url=peer.url, twilio_account_sid=ACCOUNT_SID)
    return replace(rt, settings=settings)


def text_with(rt: Runtime, peer: TwilioPeer, *attachments: tuple[bytes, str]) -> int:
    """Store an MMS as the webhook would, its attachments kept by the peer; return its id."""
    inbound_id = add_inbound(rt, "Our poster", sid=MMS)
    with transaction(rt.sessions) as session:
        session.get_one(InboundMessage, inbound_id).num_media = len(attachments)
        for position, (data, content_type) in enumerate(attachments):
            session.add(
                InboundMedia(
                    inbound_id=inbound_id,
                    position=position,
                    twilio_url=peer.add_media(MMS, data, content_type),
                    declared_type=content_type,
                    status="waiting",
                )
            )
    return inbound_id


def stored(rt: Runtime, inbound_id: int) -> list[InboundMedia]:
    """The text's attachments as stored, in order."""
    with rt.sessions() as session:
        return list(
            session.scalars(
                select(InboundMedia)
                .where(InboundMedia.inbound_id == inbound_id)
                .order_by(InboundMedia.position)
            )
        )


def test_each_photo_is_fetched_with_twilio_auth_stored_clean_and_deleted_there(
    mms_rt: Runtime, peer: TwilioPeer
) -> None:
    inbound_id = text_with(
        mms_rt,
        peer,
        (phone_photo(), "image/jpeg"),
        (phone_photo("HEIF", orientation=1), "image/heic"),
    )

    fetch_photos(mms_rt, inbound_id)

    first, second = stored(mms_rt, inbound_id)
    assert (first.status, first.content_type, first.width, first.height) == (
        "stored",
        "image/jpeg",
        32,
        64,
    )
    assert (second.status, second.content_type) == ("stored", "image/jpeg")  # HEIC became JPEG
    for row in (first, second):
        assert row.data is not None and row.deleted_at_twilio is not None
        with Image.open(io.BytesIO(row.data)) as image:  # read back: no EXIF, so no GPS
            assert dict(image.getexif()) == {}
            assert dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo)) == {}
            assert "exif" not in image.info
    assert peer.media == {}  # Twilio keeps no copy
    gets = [r for r in peer.requests if r.method == "GET" and "/Media/" in r.path]
    assert len(gets) == 2 and all(
        r.headers.get("Authorization", "").startswith("Basic ") for r in gets
    )


def test_what_is_no_photo_or_too_big_is_skipped_with_its_reason(
    mms_rt: Runtime, peer: TwilioPeer
) -> None:
    small = replace(mms_rt, settings=replace(mms_rt.settings, media_max_bytes=2000))
    big = phone_photo(size=(800, 600), orientation=1)
    assert len(big) > 2000
    inbound_id = text_with(
        small, peer, (b"\x00\x00\x00\x18ftypmp42", "video/mp4"), (big, "image/jpeg"),
        (b"BEGIN:VCARD", "text/vcard"), (b"not a jpeg", "image/jpeg"),
    )  # fmt: skip

    fetch_photos(small, inbound_id)

    rows = stored(small, inbound_id)
    assert [(row.status, row.problem) for row in rows] == [
        ("skipped", "a video can't be posted"),
        ("skipped", "a photo over 2 KB can't be posted"),
        ("skipped", "a contact card can't be posted"),
        ("skipped", "a photo was unreadable (the photo could not be read)"),
    ]
    assert all(row.data is None for row in rows)
    assert peer.media == {}  # skipped ones are not kept at Twilio either
    # Nothing was downloaded for what its declared type ruled out.
    fetched = [r.path for r in peer.requests if r.method == "GET"]
    assert not any(rows[0].twilio_url.endswith(path) for path in fetched)


def test_twilio_failing_leaves_the_photo_waiting_for_the_next_try(
    mms_rt: Runtime, peer: TwilioPeer
) -> None:
    inbound_id = text_with(mms_rt, peer, (phone_photo(), "image/jpeg"))
    peer.fail_next(INTERNAL_ERROR)

    with pytest.raises(TwilioUnavailable):
        fetch_photos(mms_rt, inbound_id)
    assert stored(mms_rt, inbound_id)[0].status == "waiting"

    fetch_photos(mms_rt, inbound_id)  # the sweeper's next try
    fetch_photos(mms_rt, inbound_id)  # and a repeat does nothing more
    assert stored(mms_rt, inbound_id)[0].status == "stored"
    assert len([r for r in peer.requests if r.method == "GET" and "/Media/" in r.path]) == 2


def test_media_gone_at_twilio_is_a_failure_not_a_retry(mms_rt: Runtime, peer: TwilioPeer) -> None:
    inbound_id = text_with(mms_rt, peer, (phone_photo(), "image/jpeg"))
    peer.media.clear()

    fetch_photos(mms_rt, inbound_id)

    [row] = stored(mms_rt, inbound_id)
    assert (row.status, row.problem) == ("failed", "Twilio no longer has the photo")


def test_twilios_copy_is_kept_when_the_setting_says_so(mms_rt: Runtime, peer: TwilioPeer) -> None:
    keeping = replace(mms_rt, settings=replace(mms_rt.settings, media_keep_at_twilio=True))
    inbound_id = text_with(keeping, peer, (phone_photo(), "image/jpeg"))

    fetch_photos(keeping, inbound_id)

    [row] = stored(keeping, inbound_id)
    assert row.status == "stored" and row.deleted_at_twilio is None
    assert len(peer.media) == 1


def test_a_strangers_photos_are_deleted_at_twilio_unread(mms_rt: Runtime, peer: TwilioPeer) -> None:
    inbound_id = text_with(
        mms_rt, peer, (phone_photo(), "image/jpeg"), (b"BEGIN:VCARD", "text/vcard")
    )

    process_inbound(mms_rt, inbound_id)  # nobody registered this number

    rows = stored(mms_rt, inbound_id)
    assert [(row.status, row.problem) for row in rows] == [("discarded", NOT_FETCHED)] * 2
    assert all(row.data is None and row.deleted_at_twilio is not None for row in rows)
    assert peer.media == {}
    assert not [r for r in peer.requests if r.method == "GET" and "/Media/" in r.path]


def test_a_photo_twilio_would_not_delete_then_goes_with_the_retention_pass(
    mms_rt: Runtime, peer: TwilioPeer
) -> None:
    inbound_id = text_with(mms_rt, peer, (phone_photo(), "image/jpeg"))
    peer.fail_next(INTERNAL_ERROR)  # when asked to delete it

    process_inbound(mms_rt, inbound_id)  # handled all the same
    left = stored(mms_rt, inbound_id)[0].status
    too_soon = discard_leftovers(mms_rt, utcnow())
    later = discard_leftovers(mms_rt, utcnow() + timedelta(hours=2))

    assert (left, too_soon, later) == ("waiting", 0, 1)
    assert stored(mms_rt, inbound_id)[0].status == "discarded"
    assert peer.media == {}


def test_a_strangers_photos_stay_at_twilio_when_the_setting_says_so(
    mms_rt: Runtime, peer: TwilioPeer
) -> None:
    keeping = replace(mms_rt, settings=replace(mms_rt.settings, media_keep_at_twilio=True))
    inbound_id = text_with(keeping, peer, (phone_photo(), "image/jpeg"))

    process_inbound(keeping, inbound_id)

    [row] = stored(keeping, inbound_id)
    assert (row.status, row.deleted_at_twilio) == ("discarded", None)
    assert len(peer.media) == 1
