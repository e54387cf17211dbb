"""An event's kill switch: nothing its attendees text goes out, new or on its way, until resumed."""

from __future__ import annotations

from sqlalchemy import select, update

from store.db import transaction
from store.models import Delivery, Event, HeldPost, Post, TimelineEntry, utcnow
from tests.factories import PHONE, add_event, add_person, add_post
from tests.workers.following.conftest import text_from, texts_to
from workers.publishing.deliveries import publish
from workers.runtime import Runtime
from workers.texts_out import replies


def pause(rt: Runtime, paused: bool = True) -> None:
    """The organiser's switch."""
    with transaction(rt.sessions) as session:
        session.execute(update(Event).values(posting_paused_at=utcnow() if paused else None))


def test_a_paused_event_posts_nothing_and_says_so(rt: Runtime) -> None:
    add_event(rt, attendees=(add_person(rt),))
    pause(rt)

    refused = text_from(rt, PHONE, "Great keynote")
    pause(rt, paused=False)
    posted = text_from(rt, PHONE, "Great keynote, again")

    assert refused == [replies.posting_paused("SWRB13")]
    assert posted == ["Posted to Local timeline @aroha."]
    with rt.sessions() as session:
        assert session.scalars(select(Post.body)).all() == ["Great keynote, again"]


def test_a_held_post_waits_through_a_pause(rt: Runtime) -> None:
    add_event(rt, attendees=(add_person(rt),))
    text_from(rt, PHONE, "Tama's FGC got adjourned again, gutted for him")  # held
    pause(rt)

    refused = text_from(rt, PHONE, "YES")
    pause(rt, paused=False)
    posted = text_from(rt, PHONE, "YES")

    assert refused == [replies.posting_paused("SWRB13")]
    assert posted == ["Posted to Local timeline @aroha."]
    with rt.sessions() as session:
        assert session.scalars(select(HeldPost.status)).one() == "posted"


def test_a_post_on_its_way_when_paused_does_not_go(rt: Runtime) -> None:
    add_event(rt, attendees=(add_person(rt),))
    (delivery_id,) = add_post(rt, "On its way")
    pause(rt)

    publish(rt, delivery_id)

    with rt.sessions() as session:
        delivery = session.get_one(Delivery, delivery_id)
        assert (delivery.status, delivery.error_kind) == ("failed", "content")
        assert session.scalars(select(TimelineEntry)).all() == []
    assert [t.body for t in texts_to(rt, PHONE)] == [
        "Nothing posted. Local timeline @aroha: SWRB13's organiser paused posting before it "
        "went out."
    ]
