"""Texts with photos: held for YES, described for people who can't see them, then posted."""

from __future__ import annotations

import itertools

from rq import Queue
from sqlalchemy import select, update

from store.db import transaction
from store.models import (
    Event,
    InboundMedia,
    InboundMessage,
    OutboundMessage,
    Post,
    TimelineEntry,
    TimelineImage,
)
from tests.conftest import run_jobs
from tests.factories import add_event, add_inbound, add_person
from tests.workers.texts_in.test_images import phone_photo
from workers.runtime import Runtime
from workers.texts_in.images import clean_image
from workers.texts_in.inbound import process_inbound
from workers.texts_out import replies

_sids = itertools.count(1)
POSTED = "Posted to Local timeline @aroha."
HELD_PHOTO = replies.held_photo("", 60)


def text(rt: Runtime, body: str, photos: int = 0, skipped: tuple[str, ...] = ()) -> list[str]:
    """Handle one text (an MMS with photos already fetched and stored); return the replies."""
    with rt.sessions() as session:
        before = session.scalar(select(OutboundMessage.id).order_by(OutboundMessage.id.desc()))
    inbound_id = add_inbound(rt, body, sid=f"MM{next(_sids):032x}")
    clean = clean_image(phone_photo(), "image/jpeg")
    with transaction(rt.sessions) as session:
        session.get_one(InboundMessage, inbound_id).num_media = photos + len(skipped)
        for n in range(photos):
            session.add(
                InboundMedia(
                    inbound_id=inbound_id, position=n, twilio_url=f"https://x/{n}",
                    declared_type="image/jpeg", status="stored", content_type=clean.content_type,
                    data=clean.data, width=clean.width, height=clean.height,
                )
            )  # fmt: skip
        for n, problem in enumerate(skipped, start=photos):
            session.add(
                InboundMedia(
                    inbound_id=inbound_id, position=n, twilio_url=f"https://x/{n}",
                    declared_type="video/mp4", status="skipped", problem=problem,
                )
            )  # fmt: skip
    process_inbound(rt, inbound_id)
    with rt.sessions() as session:
        return list(
            session.scalars(
                select(OutboundMessage.body)
                .where(OutboundMessage.id > (before or 0))
                .order_by(OutboundMessage.id)
            )
        )


def timeline(rt: Runtime) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each local timeline entry's text and its images' (content type, alt text)."""
    with rt.sessions() as session:
        entries = session.scalars(select(TimelineEntry).order_by(TimelineEntry.id)).all()
        return [
            (
                entry.text,
                [
                    (image.content_type, image.alt_text)
                    for image in session.scalars(
                        select(TimelineImage)
                        .where(TimelineImage.entry_id == entry.id)
                        .order_by(TimelineImage.position)
                    )
                ],
            )
            for entry in entries
        ]


def test_a_photo_with_words_is_held_then_posted_with_them_as_its_description(
    rt: Runtime, queue: Queue
) -> None:
    add_person(rt)

    assert text(rt, "Our poster, level 2", photos=2) == [HELD_PHOTO]
    assert timeline(rt) == []
    assert text(rt, "YES") == [POSTED]
    run_jobs(queue)

    alt = "Our poster, level 2"
    assert timeline(rt) == [(alt, [("image/jpeg", alt), ("image/jpeg", alt)])]


def test_a_photo_with_no_words_asks_for_a_description_first(rt: Runtime, queue: Queue) -> None:
    add_person(rt)

    assert text(rt, "", photos=1) == [replies.PHOTO_DESCRIBE]
    assert text(rt, "Packed room for the keynote") == [HELD_PHOTO]
    assert text(rt, "yes") == [POSTED]
    run_jobs(queue)

    assert timeline(rt) == [("", [("image/jpeg", "Packed room for the keynote")])]
    with rt.sessions() as session:
        assert session.scalars(select(Post.body)).all() == [""]


def test_skip_posts_a_photo_without_a_description(rt: Runtime, queue: Queue) -> None:
    add_person(rt)

    text(rt, "", photos=1)
    assert text(rt, "skip") == [HELD_PHOTO]
    assert text(rt, "YES") == [POSTED]
    run_jobs(queue)

    assert timeline(rt) == [("", [("image/jpeg", "")])]


def test_the_description_is_checked_like_any_post(rt: Runtime) -> None:
    add_person(rt)

    text(rt, "", photos=1)
    assert text(rt, "Tama's FGC, the family outside court") == [
        replies.held_photo("Found: a name with a court matter.", 60)
    ]


def test_words_that_identify_someone_are_named_in_the_photo_hold(rt: Runtime) -> None:
    add_person(rt)

    assert text(rt, "Tama's FGC got adjourned", photos=1) == [
        replies.held_photo("Found: a name with a court matter.", 60)
    ]


def test_an_event_can_let_photos_through_without_a_hold(rt: Runtime, queue: Queue) -> None:
    person = add_person(rt)
    event = add_event(rt, attendees=(person,))
    with transaction(rt.sessions) as session:
        session.execute(update(Event).where(Event.id == event).values(hold_photos=False))

    assert text(rt, "The venue at night", photos=1) == [POSTED]
    run_jobs(queue)

    assert timeline(rt) == [("The venue at night #swrb13", [("image/jpeg", "The venue at night")])]


def test_what_is_not_a_photo_is_named_and_the_words_still_go_out(rt: Runtime, queue: Queue) -> None:
    add_person(rt)

    assert text(rt, "Great keynote", skipped=("a video can't be posted",)) == [
        "Skipped: a video can't be posted. Only photos (JPEG, PNG, GIF, HEIC) are posted.",
        POSTED,
    ]
    run_jobs(queue)
    assert timeline(rt) == [("Great keynote", [])]


def test_any_other_text_after_a_photo_hold_drops_it(rt: Runtime) -> None:
    add_person(rt)

    text(rt, "Our poster", photos=1)
    assert text(rt, "no thanks") == [replies.HELD_DROPPED]
    assert timeline(rt) == []


def test_photos_past_what_a_platform_takes_are_named_in_the_reply(
    rt: Runtime, queue: Queue
) -> None:
    add_person(rt)

    text(rt, "Six slides", photos=6)  # an MMS may carry ten; the local timeline takes four

    assert text(rt, "YES") == [
        "Posted to Local timeline @aroha. Only 4 of 6 photos on Local timeline."
    ]
    run_jobs(queue)
    assert len(timeline(rt)[0][1]) == 4
