"""publish: deliveries that cannot be published end, with words for the reply."""

from __future__ import annotations

from sqlalchemy import select, update

from store.db import transaction
from store.models import Account, Delivery, OutboundMessage, TimelineEntry
from tests.factories import add_inbound, add_person
from workers.publishing.deliveries import publish
from workers.runtime import Runtime
from workers.texts_in.inbound import process_inbound


def one_delivery(rt: Runtime) -> int:
    """Make a person's text into a post with one local delivery; return its id."""
    add_person(rt)
    process_inbound(rt, add_inbound(rt, "A post"))
    with rt.sessions() as session:
        return session.scalars(select(Delivery.id)).one()


def ended(rt: Runtime, delivery_id: int) -> tuple[str, str | None, list[str]]:
    """Return the delivery's status, error kind, and the replies sent."""
    with rt.sessions() as session:
        delivery = session.get_one(Delivery, delivery_id)
        texts = session.scalars(select(OutboundMessage.body)).all()
        return delivery.status, delivery.error_kind, list(texts)


def test_a_published_delivery_is_not_published_again(rt: Runtime) -> None:
    delivery = one_delivery(rt)

    publish(rt, delivery)
    publish(rt, delivery)

    with rt.sessions() as session:
        assert len(session.scalars(select(TimelineEntry)).all()) == 1
        assert session.get_one(Delivery, delivery).attempts == 1
    assert ended(rt, delivery)[2] == ["Posted to Local timeline @aroha."]


def test_a_delivery_that_crashed_every_time_ends_instead_of_looping(rt: Runtime) -> None:
    delivery = one_delivery(rt)
    with transaction(rt.sessions) as session:
        session.execute(update(Delivery).values(attempts=rt.settings.publish_attempts))

    publish(rt, delivery)

    status, kind, texts = ended(rt, delivery)
    assert (status, kind) == ("failed", "transient")
    assert texts == [
        "Nothing posted. Local timeline @aroha: Local timeline did not answer, we gave up."
    ]


def test_unreadable_credentials_end_the_delivery_and_flag_the_account(rt: Runtime) -> None:
    delivery = one_delivery(rt)
    with transaction(rt.sessions) as session:
        session.execute(update(Account).values(credentials="not-a-fernet-token"))

    publish(rt, delivery)

    status, kind, texts = ended(rt, delivery)
    assert (status, kind) == ("failed", "auth")
    assert "needs linking again" in texts[0]
    with rt.sessions() as session:
        assert session.scalars(select(Account.status)).one() == "needs_relink"


def test_an_account_switched_off_after_the_post_was_made_is_not_published(rt: Runtime) -> None:
    delivery = one_delivery(rt)
    with transaction(rt.sessions) as session:
        session.execute(update(Account).values(status="disabled"))

    publish(rt, delivery)

    with rt.sessions() as session:
        assert session.scalars(select(TimelineEntry)).all() == []
        assert session.scalars(select(Account.status)).one() == "disabled"  # not relabelled
    assert ended(rt, delivery)[0] == "failed"
