"""The local timeline connector: stored in our database, one entry per key."""

from __future__ import annotations

from sqlalchemy import select

from store.models import TimelineEntry
from workers.platforms import (
    Connector,
    LinkedAccount,
    Mentions,
    Thread,
    build_connector,
    display_name,
    platform_names,
)
from workers.runtime import Runtime


def test_publish_stores_an_entry_and_links_to_it(rt: Runtime) -> None:
    connector = build_connector("local", LinkedAccount(1, "aroha", {}), rt.connectors)

    published = connector.publish("Kia ora #swrb13", idempotency_key="SM1-1")

    with rt.sessions() as session:
        entry = session.scalars(select(TimelineEntry)).one()
    assert (entry.handle, entry.text) == ("aroha", "Kia ora #swrb13")
    assert published.remote_id == str(entry.id)
    assert published.url == f"{rt.settings.public_url}/timeline#post-{entry.id}"


def test_the_same_key_twice_makes_one_entry(rt: Runtime) -> None:
    connector = build_connector("local", LinkedAccount(1, "aroha", {}), rt.connectors)

    first = connector.publish("once", idempotency_key="SM1-1")
    second = connector.publish("once", idempotency_key="SM1-1")

    assert first == second
    with rt.sessions() as session:
        assert len(session.scalars(select(TimelineEntry)).all()) == 1


def test_delete_hides_the_entry(rt: Runtime) -> None:
    connector = build_connector("local", LinkedAccount(1, "aroha", {}), rt.connectors)
    published = connector.publish("oops", idempotency_key="SM2-1")

    connector.delete(published.remote_id)

    with rt.sessions() as session:
        assert session.scalars(select(TimelineEntry)).one().deleted_at is not None


def test_the_registry_knows_both_platforms_by_name() -> None:
    assert {"local", "mastodon"} <= set(platform_names())
    assert display_name("local") == "Local timeline"
    assert display_name("mastodon") == "Mastodon"


def connector_for(rt: Runtime, handle: str) -> Connector:
    """The local timeline connector of one handle."""
    return build_connector("local", LinkedAccount(1, handle, {}), rt.connectors)


def test_mentions_are_other_handles_replies_oldest_first(rt: Runtime) -> None:
    aroha, mere = connector_for(rt, "aroha"), connector_for(rt, "mere")
    post = aroha.publish("Kia ora #swrb13", "SM3-1")
    part = aroha.publish("Part two", "SM3-2", Thread(post, post))  # her own thread: not a reply
    first = mere.publish("Ka pai!", "M1", Thread(post, post))
    second = mere.publish("Tell us more", "M2", Thread(post, part))
    mere.delete(mere.publish("Oops", "M3", Thread(post, post)).remote_id)
    mere.publish("Unrelated", "M4", Thread(first, first))  # replies to mere's own entry
    assert aroha.reads_replies

    read = aroha.mentions(None)

    assert [m.remote_id for m in read.items] == [first.remote_id, second.remote_id]
    mention = read.items[0]
    assert (mention.author, mention.text, mention.url) == ("mere", "Ka pai!", first.url)
    assert mention.in_reply_to == post.remote_id
    assert read.items[1].in_reply_to == part.remote_id
    assert mention.created_at is not None
    assert read.cursor == second.remote_id


def test_the_cursor_gives_only_newer_replies(rt: Runtime) -> None:
    aroha, mere = connector_for(rt, "aroha"), connector_for(rt, "mere")
    post = aroha.publish("Kia ora", "SM4-1")
    mere.publish("One", "M1", Thread(post, post))
    cursor = aroha.mentions(None).cursor

    assert aroha.mentions(cursor) == Mentions([], cursor)
    later = connector_for(rt, "hemi").publish("Two", "H1", Thread(post, post))
    newer = aroha.mentions(cursor)

    assert [m.remote_id for m in newer.items] == [later.remote_id]
    assert [m.author for m in newer.items] == ["hemi"]
    assert newer.cursor == later.remote_id


def test_an_answer_replies_to_the_mention(rt: Runtime) -> None:
    aroha, mere = connector_for(rt, "aroha"), connector_for(rt, "mere")
    post = aroha.publish("Kia ora", "SM5-1")
    reply = mere.publish("Where is the hui?", "M1", Thread(post, post))
    (mention,) = aroha.mentions(None).items

    answer = aroha.publish("In the wharenui", "SM5-answer", mention.answer)

    with rt.sessions() as session:
        entry = session.get(TimelineEntry, int(answer.remote_id))
        assert entry is not None
        assert (entry.handle, entry.reply_to_id) == ("aroha", int(reply.remote_id))
    (seen,) = mere.mentions(None).items
    assert (seen.remote_id, seen.author) == (answer.remote_id, "aroha")
