"""read_tag_posts: everyone's public posts on an event's hashtags, from a Mastodon
instance's tag timeline and Bluesky's post search, kept once, the gateway's own left out."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from store.db import transaction
from store.models import Event, TagPost, utcnow
from store.wall import event_posts
from tests.factories import add_event, add_inbound, add_person
from tests.peers.bluesky import BlueskyPds
from tests.peers.mastodon import MastodonPeer
from workers.platforms import LinkedAccount
from workers.platforms.bluesky import BlueskyConnector
from workers.platforms.mastodon import tag_posts
from workers.runtime import Runtime
from workers.texts_in.inbound import process_inbound
from workers.walls.tag_reading import due_events, read_event_tags


@pytest.fixture
def mastodon() -> Iterator[MastodonPeer]:
    """A Mastodon instance whose public tag timeline the wall reads."""
    with MastodonPeer() as running:
        yield running


def on_tags(rt: Runtime, event_id: int, server: str = "") -> None:
    """The organiser's choice: the wall shows everyone on the hashtags."""
    with transaction(rt.sessions) as session:
        session.execute(
            update(Event)
            .where(Event.id == event_id)
            .values(wall_tag_posts=True, tag_mastodon_server=server)
        )


def found(rt: Runtime) -> list[tuple[str, str, str]]:
    """The tag posts kept: platform, author, text, oldest first."""
    with rt.sessions() as session:
        return [
            (t.platform, t.author, t.text)
            for t in session.scalars(select(TagPost).order_by(TagPost.id))
        ]


def test_the_tag_timeline_is_read_oldest_first_then_only_what_is_new(
    mastodon: MastodonPeer,
) -> None:
    mastodon.add_status_from("mere", "Great panel #SWRB13")
    mastodon.add_status_from("hemi@other.example", "Lunch queue #swrb13")
    mastodon.add_status_from("tui", "Nothing to do with it")
    mastodon.add_status_from("rua", "Private #swrb13", visibility="private")

    first = tag_posts(mastodon.url, "swrb13", None)
    mastodon.add_status_from("mere", "And the keynote #swrb13")
    second = tag_posts(mastodon.url, "swrb13", first.cursor)

    host = mastodon.host
    assert [(p.author, p.text) for p in first.items] == [
        (f"mere@{host}", "Great panel #SWRB13"),
        ("hemi@other.example", "Lunch queue #swrb13"),
    ]
    assert [p.text for p in second.items] == ["And the keynote #swrb13"]
    assert first.items[0].url.startswith("http")


def test_an_event_reads_mastodon_and_bluesky_and_leaves_its_own_posts_out(
    rt: Runtime, mastodon: MastodonPeer, bluesky_pds: BlueskyPds
) -> None:
    assert bluesky_pds.appview is not None
    rt = replace(rt, settings=replace(rt.settings, bluesky_appview_url=bluesky_pds.appview.url))
    # The PDS lives for the whole session: a tag of this test's own finds only its posts.
    tag = f"hui{uuid.uuid4().hex[:8]}"
    person = add_person(
        rt,
        accounts=[
            ("mastodon", "aroha", {"instance": mastodon.url, "access_token": mastodon.access_token})
        ],
    )
    event = add_event(rt, hashtags=f"#{tag}", attendees=(person,))
    on_tags(rt, event, mastodon.url)
    process_inbound(rt, add_inbound(rt, "Texted from the hall"))  # ours: on the tag too
    mastodon.add_status_from("mere", f"From the floor #{tag}")
    kiri = bluesky_pds.create_account(f"kiri{uuid.uuid4().hex[:6]}")
    BlueskyConnector(
        LinkedAccount(
            1,
            kiri.handle,
            {
                "service": bluesky_pds.url,
                "identifier": kiri.handle,
                "app_password": kiri.app_password,
            },
        )
    ).publish(f"Slides please #{tag}", f"kiri-{uuid.uuid4().hex}")

    added = read_event_tags(rt, event)
    again = read_event_tags(rt, event)

    assert added == 2 and again == 0
    assert found(rt) == [
        ("mastodon", f"mere@{mastodon.host}", f"From the floor #{tag}"),
        ("bluesky", kiri.handle, f"Slides please #{tag}"),
    ]
    with rt.sessions() as session:
        shown = event_posts(session, session.get_one(Event, event))
    assert sorted((p.text, p.from_tag) for p in shown) == [
        (f"From the floor #{tag}", True),
        (f"Slides please #{tag}", True),
        (f"Texted from the hall #{tag}", False),
    ]


def test_only_events_showing_tags_on_now_and_not_read_lately_are_due(rt: Runtime) -> None:
    now = utcnow()
    showing = add_event(rt, code="NOW1")
    add_event(rt, code="NOTAGS")
    over = add_event(rt, code="OVER", starts=now - timedelta(days=3), ends=now - timedelta(days=2))
    for event in (showing, over):
        on_tags(rt, event)

    due = due_events_now(rt)
    with transaction(rt.sessions) as session:
        session.get_one(Event, showing).tags_read_at = now
    later = due_events_now(rt)

    assert due == [showing]
    assert later == []


def due_events_now(rt: Runtime) -> list[int]:
    """The events due a read of their hashtags now."""
    with rt.sessions() as session:
        return due_events(session, utcnow())
