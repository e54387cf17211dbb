"""`smsbridge events followers|notify|notices`, run as an organiser types them."""

from __future__ import annotations

from sqlalchemy import select

from store.models import AuditEntry, Broadcast, Event, OutboundMessage
from tests.conftest import run_jobs
from tests.gateway.cli.conftest import smsbridge
from tests.workers.following.conftest import add_followers
from workers.runtime import Runtime


def event_open(rt: Runtime) -> int:
    """SWRB13, made and opened to followers at the command line; its id."""
    smsbridge("events", "create", "--code", "SWRB13", "--name", "S", "--hashtags", "#s")
    opened = smsbridge("events", "followers", "--code", "swrb13", "--open")
    assert opened.exit_code == 0, opened.output
    with rt.sessions() as session:
        return session.scalars(select(Event.id)).one()


def test_followers_opens_an_event_and_counts_its_followers(rt: Runtime) -> None:
    event = event_open(rt)
    add_followers(rt, event, 2, level="all")
    add_followers(rt, event, 1, level="digest", first=2)

    shown = smsbridge("events", "followers", "--code", "SWRB13", "--digest-hours", "6")

    assert shown.output == (
        "SWRB13 is open to followers: FOLLOW SWRB13 NOTICES, DIGEST or ALL.\n"
        "Following: 0 notices, 1 digest (every 6h), 2 all.\n"
        "Texts today: 0 of 1000 segments.\n"
    )
    with rt.sessions() as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["event opened to followers", "digest hours set"]


def test_notify_shows_the_cost_asks_then_sends(rt: Runtime) -> None:
    event = event_open(rt)
    add_followers(rt, event, 3)

    declined = smsbridge(
        "events", "notify", "--code", "SWRB13", "Keynote moved to room 4", typed="n\n"
    )
    with rt.sessions() as session:
        assert session.scalars(select(Broadcast)).all() == []
    sent = smsbridge("events", "notify", "--code", "SWRB13", "Keynote moved to room 4", typed="y\n")
    run_jobs(rt.queue)
    listed = smsbridge("events", "notices", "--code", "SWRB13")

    assert declined.exit_code == 1 and "Aborted" in declined.output
    assert sent.output.startswith(
        "Text: SWRB13: Keynote moved to room 4\n"
        "To 3 phone(s), 1 segment(s) each: 3 in all; 1000 of 1000 left today.\n"
        "At 1 segment(s) a second: about 3 s.\n"
        "Send it? [y/N]: y\n"
    )
    with rt.sessions() as session:
        bodies = session.scalars(select(OutboundMessage.body)).all()
        audit = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert bodies == ["SWRB13: Keynote moved to room 4"] * 3
    assert audit is not None and (audit.action, audit.detail) == (
        "notice sent", "to 3: SWRB13: Keynote moved to room 4",
    )  # fmt: skip
    assert "notice  done: 3 sent, 0 waiting, 0 failed, 0 not sent  SWRB13: Keynote" in listed.output


def test_notify_refuses_what_nobody_would_get_or_the_budget_cannot_pay(rt: Runtime) -> None:
    event = event_open(rt)

    nobody = smsbridge("events", "notify", "--code", "SWRB13", "--yes", "Hello")
    add_followers(rt, event, 3)
    over = smsbridge(
        "events", "notify", "--code", "SWRB13", "--yes", "Hello",
        env={"EVENT_DAILY_SEGMENTS": "2"},
    )  # fmt: skip

    assert nobody.exit_code == 1
    assert "Error: nobody follows or attends SWRB13 yet: nothing was sent" in nobody.output
    assert over.exit_code == 1
    assert "Error: that is 3 segments and SWRB13 has 2 left today" in over.output
    with rt.sessions() as session:
        assert session.scalars(select(Broadcast)).all() == []


def test_a_long_notice_is_shortened_to_one_segment_and_says_so(rt: Runtime) -> None:
    event = event_open(rt)
    add_followers(rt, event, 1)
    words = "The keynote has moved to room 4 on level 2 because of the fire drill " * 4

    shown = smsbridge("events", "notify", "--code", "SWRB13", words, typed="n\n")

    assert "(shortened to fit 1 segment(s))" in shown.output
