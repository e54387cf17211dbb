"""smsbridge posts, outbox, sweep, simulate and timeline-reply."""

from __future__ import annotations

import json

from sqlalchemy import select

from store.models import Account, OutboundMessage, TimelineEntry
from tests.conftest import run_jobs
from tests.factories import add_inbound
from tests.gateway.cli.conftest import smsbridge
from workers.mentions.reading import read_account
from workers.runtime import Runtime
from workers.texts_in.inbound import process_inbound


def test_posts_and_outbox_json(registered: Runtime) -> None:
    process_inbound(registered, add_inbound(registered, "A post"))
    run_jobs(registered.queue)

    posts = json.loads(smsbridge("posts", "--json").output)
    outbox = json.loads(smsbridge("outbox", "--json").output)

    [post] = posts
    assert (post["text"], post["phone"]) == ("A post", "+64211234567")
    [delivery] = post["deliveries"]
    assert (delivery["platform"], delivery["status"]) == ("local", "published")
    assert delivery["remote_url"].startswith(registered.settings.public_url + "/timeline#post-")
    [text] = outbox
    assert (text["to"], text["body"], text["segments"], text["encoding"], text["status"]) == (
        "+64211234567",
        "Posted to Local timeline @aroha.",
        1,
        "GSM-7",
        "outbox",
    )
    assert "A post" in smsbridge("posts").output
    assert "Posted to Local timeline @aroha." in smsbridge("outbox").output


def test_sweep_reports_what_it_enqueued(rt: Runtime) -> None:
    add_inbound(rt, "lost")

    result = smsbridge("sweep")

    assert result.exit_code == 0
    assert result.output.startswith("Enqueued 1 inbound")


def test_simulate_says_when_nothing_is_listening(rt: Runtime, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PUBLIC_URL", "http://127.0.0.1:1")

    result = smsbridge("simulate", "--from", "+64211234567", "hello")

    assert result.exit_code == 1
    assert "nothing answers at http://127.0.0.1:1/sms/inbound" in result.output


def test_timeline_reply_makes_a_reply_the_author_is_texted(registered: Runtime) -> None:
    process_inbound(registered, add_inbound(registered, "Kia ora", sid="SMt1"))
    run_jobs(registered.queue)
    with registered.sessions() as session:
        entry = session.scalars(select(TimelineEntry.id)).one()
        account = session.scalars(select(Account.id)).one()
    read_account(registered, account)  # the first read marks where to start

    result = smsbridge("timeline-reply", "--to", str(entry), "--as", "@mere", "Ka pai!")
    missing = smsbridge("timeline-reply", "--to", str(entry + 999), "--as", "mere", "Hello?")
    read_account(registered, account)

    assert result.exit_code == 0, result.output
    assert result.output.startswith("@mere replied: ")
    assert missing.output == f"Error: the local timeline has no post {entry + 999}\n"
    with registered.sessions() as session:
        texts = session.scalars(
            select(OutboundMessage.body).where(OutboundMessage.kind == "mention")
        ).all()
    assert texts == ['@mere on Local timeline: "Ka pai!" Text REPLY 1 and your words to answer.']
