"""Replies and mentions back by text, and REPLY n answering them where they were made."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from rq import Queue
from sqlalchemy import select

from store.db import transaction
from store.models import (
    Account,
    OutboundMessage,
    Post,
    ReceivedMention,
    TimelineEntry,
    utcnow,
)
from store.opt_outs import opt_out
from tests.conftest import run_jobs
from tests.factories import PHONE, add_inbound, add_person
from tests.peers.bluesky import BlueskyPds
from tests.peers.mastodon import MastodonPeer, rate_limited
from workers.mentions.reading import due_accounts, read_account
from workers.platforms import LinkedAccount, Published, Thread, build_connector
from workers.runtime import Runtime
from workers.texts_in.inbound import process_inbound
from workers.texts_out.segments import count_segments


def texts(rt: Runtime, kind: str | None = None) -> list[str]:
    """Texts queued for the person, oldest first (of one kind, if given)."""
    query = select(OutboundMessage.body).order_by(OutboundMessage.id)
    if kind is not None:
        query = query.where(OutboundMessage.kind == kind)
    with rt.sessions() as session:
        return list(session.scalars(query))


def account_id(rt: Runtime) -> int:
    """The person's one account."""
    with rt.sessions() as session:
        return session.scalars(select(Account.id)).one()


def local_reply(rt: Runtime, handle: str, text: str, to: Published, key: str) -> Published:
    """Someone else replies on the local timeline, as a reader would."""
    other = build_connector("local", LinkedAccount(99, handle, {}), rt.connectors)
    return other.publish(text, key, Thread(to, to))


def posted_entry(rt: Runtime) -> Published:
    """The person's first entry on the local timeline."""
    with rt.sessions() as session:
        entry = session.scalars(select(TimelineEntry).order_by(TimelineEntry.id)).first()
        assert entry is not None
        return Published(str(entry.id), "")


def test_the_first_read_only_marks_where_to_start(rt: Runtime, queue: Queue) -> None:
    add_person(rt)
    process_inbound(rt, add_inbound(rt, "Kia ora #swrb13"))
    run_jobs(queue)
    local_reply(rt, "mere", "An old reply", posted_entry(rt), "old")

    read_account(rt, account_id(rt))

    assert texts(rt, "mention") == []
    with rt.sessions() as session:
        assert session.scalars(select(Account.mentions_cursor)).one()


def test_a_reply_is_texted_and_reply_n_answers_it_in_its_thread(rt: Runtime, queue: Queue) -> None:
    add_person(rt)
    process_inbound(rt, add_inbound(rt, "Kia ora #swrb13", sid="SM1"))
    run_jobs(queue)
    read_account(rt, account_id(rt))  # the first read
    mere = local_reply(rt, "mere", "Ka pai, what was the keynote about?", posted_entry(rt), "m1")

    read_account(rt, account_id(rt))
    read_account(rt, account_id(rt))  # nothing new: nothing texted twice
    process_inbound(rt, add_inbound(rt, "REPLY 1 Whanau-led practice", sid="SM2"))
    run_jobs(queue)

    assert texts(rt, "mention") == [
        '@mere on Local timeline: "Ka pai, what was the keynote about?" '
        "Text REPLY 1 and your words to answer."
    ]
    with rt.sessions() as session:
        answer = session.scalars(
            select(TimelineEntry).where(TimelineEntry.text == "Whanau-led practice")
        ).one()
        post = session.scalars(select(Post).order_by(Post.id.desc())).first()
    assert answer.reply_to_id == int(mere.remote_id)
    assert post is not None and post.hashtags == ""  # an answer gets no event tags
    assert texts(rt)[-1] == "Posted to Local timeline @aroha."


def test_reply_to_a_number_never_sent_says_so(rt: Runtime) -> None:
    add_person(rt)

    process_inbound(rt, add_inbound(rt, "REPLY 7 thanks"))

    assert texts(rt) == [
        "There is no message 7 to reply to. The number is in the text that brought it."
    ]


def test_the_daily_cap_sends_one_digest_then_nothing(rt: Runtime, queue: Queue) -> None:
    rt.settings = dataclasses.replace(rt.settings, mention_texts_per_day=2)
    add_person(rt)
    process_inbound(rt, add_inbound(rt, "Kia ora"))
    run_jobs(queue)
    read_account(rt, account_id(rt))
    for n in range(5):
        local_reply(rt, f"reader{n}", f"Reply number {n}", posted_entry(rt), f"r{n}")

    read_account(rt, account_id(rt))

    assert len(texts(rt, "mention")) == 2
    assert texts(rt, "mention_digest") == [
        "More replies came today than your limit of 2 texts. See the rest on the platforms."
    ]
    with rt.sessions() as session:
        numbers = session.scalars(select(ReceivedMention.number).order_by(ReceivedMention.id))
        statuses = session.scalars(select(ReceivedMention.status).order_by(ReceivedMention.id))
        assert list(numbers) == [1, 2, 3, 4, 5]  # still numbered: REPLY 5 works
        assert list(statuses) == ["texted", "texted", "capped", "capped", "capped"]


def test_an_opted_out_number_is_sent_no_mentions(rt: Runtime, queue: Queue) -> None:
    add_person(rt)
    process_inbound(rt, add_inbound(rt, "Kia ora"))
    run_jobs(queue)
    read_account(rt, account_id(rt))
    with transaction(rt.sessions) as session:
        opt_out(session, PHONE, "STOP")
    local_reply(rt, "mere", "Ka pai", posted_entry(rt), "m1")

    read_account(rt, account_id(rt))

    with rt.sessions() as session:
        statuses = session.scalars(
            select(OutboundMessage.status).where(OutboundMessage.kind == "mention")
        ).all()
    assert statuses == ["opted_out"]


@pytest.fixture
def mastodon() -> Iterator[MastodonPeer]:
    """A Mastodon instance on 127.0.0.1."""
    with MastodonPeer() as running:
        yield running


def test_a_mastodon_reply_arrives_by_text_and_reply_1_answers_it(
    rt: Runtime, queue: Queue, mastodon: MastodonPeer
) -> None:
    credentials = {"instance": mastodon.url, "access_token": mastodon.access_token}
    add_person(rt, accounts=[("mastodon", f"aroha@{mastodon.host}", credentials)])
    process_inbound(rt, add_inbound(rt, "Kia ora from the hui", sid="SM1"))
    run_jobs(queue)
    read_account(rt, account_id(rt))
    [ours] = mastodon.statuses
    theirs = mastodon.add_status_from(
        "mere@kiwi.social", "@aroha Ka pai! Slides anywhere?", in_reply_to_id=ours["id"]
    )

    read_account(rt, account_id(rt))
    process_inbound(rt, add_inbound(rt, "reply 1 thanks", sid="SM2"))
    run_jobs(queue)

    [mention] = texts(rt, "mention")
    assert mention.startswith("@mere")
    assert mention.endswith(
        '"@aroha Ka pai! Slides anywhere?" Text REPLY 1 and your words to answer.'
    )
    assert count_segments(mention).segments == 1
    answer = mastodon.statuses[-1]
    assert answer["in_reply_to_id"] == theirs["id"]
    assert mastodon.source(answer["id"]) == "@mere@kiwi.social thanks"  # so Mere is told
    assert texts(rt)[-1] == f"Posted to Mastodon @aroha@{mastodon.host}."


def test_a_bluesky_reply_arrives_by_text_and_reply_1_answers_it_in_its_thread(
    rt: Runtime, queue: Queue, bluesky_pds: BlueskyPds
) -> None:
    aroha = bluesky_pds.create_account(f"aroha{uuid.uuid4().hex[:8]}")
    mere = bluesky_pds.create_account(f"mere{uuid.uuid4().hex[:8]}")
    credentials = {
        "service": bluesky_pds.url,
        "identifier": aroha.handle,
        "app_password": aroha.app_password,
    }
    add_person(rt, accounts=[("bluesky", aroha.handle, credentials)])
    process_inbound(rt, add_inbound(rt, "Kia ora from the hui", sid="SM1"))
    run_jobs(queue)
    read_account(rt, account_id(rt))
    [ours] = bluesky_pds.list_records(aroha.handle)
    mere_connector = build_connector(
        "bluesky",
        LinkedAccount(
            98,
            mere.handle,
            {
                "service": bluesky_pds.url,
                "identifier": mere.handle,
                "app_password": mere.app_password,
            },
        ),
        rt.connectors,
    )
    root = Published(ours["uri"], "", ours["cid"])
    theirs = mere_connector.publish("Ka pai! Slides anywhere?", "mere-1", Thread(root, root))

    read_account(rt, account_id(rt))
    process_inbound(rt, add_inbound(rt, "REPLY 1 thanks", sid="SM2"))
    run_jobs(queue)

    [mention] = texts(rt, "mention")
    assert mention.endswith('"Ka pai! Slides anywhere?" Text REPLY 1 and your words to answer.')
    answer = next(
        r for r in bluesky_pds.list_records(aroha.handle) if r["value"]["text"] == "thanks"
    )
    assert answer["value"]["reply"]["parent"]["uri"] == theirs.remote_id
    assert answer["value"]["reply"]["root"]["uri"] == ours["uri"]
    assert texts(rt)[-1] == f"Posted to Bluesky @{aroha.handle}."


def test_a_rate_limited_read_waits_for_the_platforms_reset(
    rt: Runtime, queue: Queue, mastodon: MastodonPeer
) -> None:
    credentials = {"instance": mastodon.url, "access_token": mastodon.access_token}
    add_person(rt, accounts=[("mastodon", f"aroha@{mastodon.host}", credentials)])
    mastodon.fail_next(rate_limited(seconds=600), endpoint="notifications")
    now = utcnow()

    read_account(rt, account_id(rt), now=now)

    with rt.sessions() as session:
        account = session.get_one(Account, account_id(rt))
        due = due_accounts(
            session, now + timedelta(seconds=300), rt.settings.mentions_every_seconds
        )
    assert account.mentions_cursor is None  # nothing was read
    assert account.mentions_read_at is not None and account.mentions_read_at > now
    assert due == []  # not asked again before the reset
    with rt.sessions() as session:
        later = now + timedelta(seconds=600 + rt.settings.mentions_every_seconds + 1)
        assert due_accounts(session, later, rt.settings.mentions_every_seconds) == [account.id]


def test_a_revoked_token_flags_the_account_and_tells_its_person_once(
    rt: Runtime, queue: Queue, mastodon: MastodonPeer
) -> None:
    credentials = {"instance": mastodon.url, "access_token": "revoked-token"}
    add_person(rt, accounts=[("mastodon", f"aroha@{mastodon.host}", credentials)])

    read_account(rt, account_id(rt))
    read_account(rt, account_id(rt))
    run_jobs(queue)

    with rt.sessions() as session:
        assert session.get_one(Account, account_id(rt)).status == "needs_relink"
    assert texts(rt) == [
        f"Your Mastodon account @aroha@{mastodon.host} needs linking again: nothing goes "
        "there until then. Text LINK, or ask your admin."
    ]
