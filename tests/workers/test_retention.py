"""Retention: texts' words erased after RETAIN_DAYS, held posts' a day after; rows kept."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from store.db import transaction
from store.models import HeldPost, InboundMedia, InboundMessage, OutboundMessage, utcnow
from tests.factories import add_inbound, add_person
from workers.retention import purge_if_due, purge_old_words
from workers.runtime import Runtime
from workers.texts_in.inbound import process_inbound


def bodies(rt: Runtime) -> tuple[list[str], list[str], list[str]]:
    """The words of every inbound text, outbound text and held post, oldest first."""
    with rt.sessions() as session:
        return (
            list(session.scalars(select(InboundMessage.body).order_by(InboundMessage.id))),
            list(session.scalars(select(OutboundMessage.body).order_by(OutboundMessage.id))),
            list(session.scalars(select(HeldPost.body).order_by(HeldPost.id))),
        )


def test_old_words_are_erased_and_the_rows_counts_and_statuses_stay(rt: Runtime) -> None:
    add_person(rt)
    process_inbound(rt, add_inbound(rt, "Saw ZZZ0016, my client is well", sid="SMold1"))
    process_inbound(rt, add_inbound(rt, "An old post", sid="SMold2"))
    days = rt.settings.retain_days
    with transaction(rt.sessions) as session:
        long_ago = utcnow() - timedelta(days=days, minutes=1)
        session.execute(update(InboundMessage).values(received_at=long_ago))
        session.execute(update(OutboundMessage).values(created_at=long_ago))
        session.execute(update(HeldPost).values(expires_at=long_ago))
    process_inbound(rt, add_inbound(rt, "A new post", sid="SMnew"))
    with rt.sessions() as session:
        statuses = session.scalars(select(InboundMessage.status).order_by(InboundMessage.id)).all()
        texts_out = session.scalar(select(func.count(OutboundMessage.id)))

    erased = purge_old_words(rt, utcnow())

    inbound, outbound, held = bodies(rt)
    assert (erased.inbound, erased.held) == (2, 1)
    assert inbound == ["", "", "A new post"]
    assert held == [""]
    assert outbound[: erased.outbound] == [""] * erased.outbound
    assert all(outbound[erased.outbound :])  # the new text's reply keeps its words
    with rt.sessions() as session:
        assert (
            session.scalars(select(InboundMessage.status).order_by(InboundMessage.id)).all()
            == statuses
        )
        assert session.scalar(select(func.count(OutboundMessage.id))) == texts_out


def test_a_held_post_keeps_its_words_a_day_after_it_stopped_waiting(rt: Runtime) -> None:
    add_person(rt)
    process_inbound(rt, add_inbound(rt, "Ring 021 555 1234 about the client"))
    with transaction(rt.sessions) as session:
        session.execute(update(HeldPost).values(expires_at=utcnow() - timedelta(hours=23)))

    purge_old_words(rt, utcnow())
    kept = bodies(rt)[2]
    purge_old_words(rt, utcnow() + timedelta(hours=2))

    assert kept == ["Ring 021 555 1234 about the client"]
    assert bodies(rt)[2] == [""]


def test_photos_go_with_their_texts_words_or_a_day_after_an_unposted_hold(
    rt: Runtime,
) -> None:
    person = add_person(rt)
    old, held = add_inbound(rt, "Old photo", sid="MMold"), add_inbound(rt, "Held", sid="MMheld")
    with transaction(rt.sessions) as session:
        for inbound_id in (old, held):
            session.add(
                InboundMedia(
                    inbound_id=inbound_id, position=0, twilio_url="https://x", status="stored",
                    declared_type="image/jpeg", content_type="image/jpeg", data=b"jpeg",
                    alt_text="a poster",
                )
            )  # fmt: skip
        session.get_one(InboundMessage, old).received_at = utcnow() - timedelta(
            days=rt.settings.retain_days, minutes=1
        )
        session.add(
            HeldPost(
                person_id=person, inbound_id=held, body="Held", findings="a photo",
                status="dropped", expires_at=utcnow() - timedelta(hours=23),
            )
        )  # fmt: skip

    def kept() -> list[bytes | None]:
        with rt.sessions() as session:
            return list(session.scalars(select(InboundMedia.data).order_by(InboundMedia.id)))

    first = purge_old_words(rt, utcnow())
    assert (first.photos, kept()) == (1, [None, b"jpeg"])
    later = purge_old_words(rt, utcnow() + timedelta(hours=2))
    assert (later.photos, kept()) == (1, [None, None])


def test_the_purge_runs_at_most_once_an_hour_across_workers(rt: Runtime) -> None:
    now = utcnow()

    first = purge_if_due(rt, now)
    second = purge_if_due(rt, now)

    assert first is not None and second is None
