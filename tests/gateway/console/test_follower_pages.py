"""An event's followers in the console: open or close it, digest hours, notices and their cost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from config import Settings
from gateway.services import services
from store.db import transaction
from store.models import AuditEntry, Broadcast, Event, Follow, OutboundMessage, utcnow
from store.queueing import connect_redis, make_queue
from tests.conftest import free_port
from tests.factories import PHONE, add_event, add_person
from tests.gateway.console.conftest import SignIn, app_with, make_staff, post_form, sign_in
from workers.runtime import Runtime

PAGE = "/console/events/SWRB13/followers"
FOLLOWER = "+64215550301"


@pytest.fixture
def event(rt: Runtime, organiser: SignIn) -> int:
    """The organiser's event, closed to followers: Aroha attends it, one phone follows it."""
    event_id = add_event(rt, attendees=(add_person(rt),))
    with transaction(rt.sessions) as session:
        session.execute(update(Event).values(organiser_id=organiser.id))
        session.add(
            Follow(
                event_id=event_id,
                phone=FOLLOWER,
                level="notices",
                status="active",
                asked_with="FOLLOW SWRB13 NOTICES",
            )
        )
    return event_id


def audited(rt: Runtime) -> list[tuple[str, str, str]]:
    """The audit log's actions, targets and details, oldest first."""
    with rt.sessions() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.target, AuditEntry.detail).order_by(AuditEntry.id)
        ).all()
    return [(action, target, detail) for action, target, detail in rows if action != "sign-in"]


def stored(rt: Runtime, event_id: int) -> Event:
    """The event as stored."""
    with rt.sessions() as session:
        return session.get_one(Event, event_id)


def count(rt: Runtime, model: type[Broadcast] | type[OutboundMessage]) -> int:
    """How many rows of a table there are."""
    with rt.sessions() as session:
        return len(session.scalars(select(model.id)).all())


def use_budget(rt: Runtime, event_id: int, segments: int) -> None:
    """A broadcast of the event today whose texts handed over this many segments."""
    with transaction(rt.sessions) as session:
        broadcast = Broadcast(
            event_id=event_id, kind="notice", body="SWRB13: earlier", status="done"
        )
        session.add(broadcast)
        session.flush()
        for number in range(segments):
            session.add(
                OutboundMessage(
                    to_phone=f"+6421555{number:04d}",
                    body="SWRB13: earlier",
                    segments=1,
                    encoding="GSM-7",
                    kind="notice",
                    broadcast_id=broadcast.id,
                    status="outbox",
                )
            )


def test_opening_closing_and_the_digest_hours_are_saved_and_audited(
    client: FlaskClient, organiser: SignIn, rt: Runtime, event: int
) -> None:
    sign_in(client, organiser)
    page = client.get(PAGE).get_data(as_text=True)
    assert "closed to followers" in page and "Open to followers" in page

    opened = post_form(client, PAGE, f"{PAGE}/open")
    assert stored(rt, event).open_to_followers is True
    again = post_form(client, PAGE, f"{PAGE}/open")  # already open: nothing new to audit
    page = client.get(PAGE).get_data(as_text=True)
    post_form(client, PAGE, f"{PAGE}/close")
    closed = stored(rt, event).open_to_followers
    hours = post_form(client, PAGE, f"{PAGE}/digest", hours="6")
    too_many = post_form(client, PAGE, f"{PAGE}/digest", hours="49")
    none = post_form(client, PAGE, f"{PAGE}/digest", hours="0")

    assert opened.headers["Location"] == PAGE and again.status_code == 302
    assert "open to followers" in page and "FOLLOW SWRB13" in page and "Close to followers" in page
    assert closed is False
    assert hours.status_code == 302 and stored(rt, event).digest_hours == 6
    assert (too_many.status_code, none.status_code) == (400, 400)
    assert "Give a number of hours, 1 to 48." in too_many.get_data(as_text=True)
    assert audited(rt) == [
        ("event opened to followers", "SWRB13", ""),
        ("event closed to followers", "SWRB13", ""),
        ("digest hours set", "SWRB13", "6"),
    ]


def test_the_page_counts_live_follows_by_level(
    client: FlaskClient, organiser: SignIn, rt: Runtime, event: int
) -> None:
    with transaction(rt.sessions) as session:
        for phone, level, status in [
            ("+64215550302", "digest", "active"),
            ("+64215550303", "all", "active"),
            ("+64215550304", "all", "active"),
            ("+64215550305", "all", "ended"),
            ("+64215550306", "digest", "confirming"),
        ]:
            session.add(
                Follow(event_id=event, phone=phone, level=level, status=status, asked_with="x")
            )
    sign_in(client, organiser)

    page = client.get(PAGE).get_data(as_text=True)

    assert "Notices (NOTICES)</td><td>1<" in page
    assert "every 4 hours (DIGEST)</td><td>1<" in page
    assert "and notices (ALL)</td><td>2<" in page


def test_a_preview_shows_the_text_and_its_cost_and_sends_nothing(
    client: FlaskClient, organiser: SignIn, rt: Runtime, event: int
) -> None:
    sign_in(client, organiser)

    preview = post_form(client, PAGE, f"{PAGE}/preview", words="Lunch is in the atrium")
    long = post_form(client, PAGE, f"{PAGE}/preview", words="Room change for the keynote " * 10)

    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert '<p class="text">SWRB13: Lunch is in the atrium</p>' in page
    assert "To 2 phones, 1 segment each: 2 segments in all." in page
    assert "Sending takes about 2 s at 1 segment a second." in page
    assert "Today's budget left: 1000 of 1000 segments." in page
    assert "Send to 2 phones" in page
    assert 'type="hidden" value="Lunch is in the atrium"' in page  # the words, to send
    assert "Shortened to fit 1 segment." not in page
    assert "Shortened to fit 1 segment." in long.get_data(as_text=True)
    assert (count(rt, Broadcast), count(rt, OutboundMessage)) == (0, 0)
    assert audited(rt) == []


def test_an_empty_notice_is_named_on_its_field(
    client: FlaskClient, organiser: SignIn, rt: Runtime, event: int
) -> None:
    sign_in(client, organiser)

    response = post_form(client, PAGE, f"{PAGE}/preview", words="  ")

    assert response.status_code == 400
    assert "Write the notice first." in response.get_data(as_text=True)


def test_sending_stores_one_waiting_text_for_each_phone_audits_it_and_queues_it(
    client: FlaskClient, organiser: SignIn, rt: Runtime, event: int
) -> None:
    sign_in(client, organiser)

    response = post_form(client, PAGE, f"{PAGE}/send", words="Lunch is in the atrium")

    assert response.headers["Location"] == PAGE
    with rt.sessions() as session:
        broadcast = session.scalars(select(Broadcast)).one()
        texts = session.execute(
            select(OutboundMessage.to_phone, OutboundMessage.status, OutboundMessage.kind).where(
                OutboundMessage.broadcast_id == broadcast.id
            )
        ).all()
    assert (broadcast.event_id, broadcast.kind, broadcast.status) == (event, "notice", "sending")
    assert (broadcast.body, broadcast.created_by) == (
        "SWRB13: Lunch is in the atrium",
        organiser.email,
    )
    assert sorted(texts) == [(PHONE, "waiting", "notice"), (FOLLOWER, "waiting", "notice")]
    assert audited(rt) == [("notice sent", "SWRB13", "to 2: SWRB13: Lunch is in the atrium")]
    assert f"send_broadcast-{broadcast.id}" in rt.queue.job_ids
    page = client.get(PAGE).get_data(as_text=True)
    assert "The notice is sending to 2 phones" in page
    assert "0 sent, 2 waiting, 0 failed, 0 not sent" in page
    assert '<meta http-equiv="refresh"' not in page  # reloading only when asked
    watched = client.get(f"{PAGE}?watch=1").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="5">' in watched.split("</head>")[0]


def test_a_notice_the_queue_cannot_take_is_stored_for_the_sweeper(
    client: FlaskClient, organiser: SignIn, settings: Settings, rt: Runtime, event: int
) -> None:
    sign_in(client, organiser)
    app_services = services(client.application)
    working = app_services.queue
    app_services.queue = make_queue(settings, connect_redis(f"redis://127.0.0.1:{free_port()}/0"))
    try:
        response = post_form(client, PAGE, f"{PAGE}/send", words="Lunch is in the atrium")
    finally:
        app_services.queue.connection.close()
        app_services.queue = working

    assert response.headers["Location"] == PAGE
    assert "the worker&#39;s sweeper will send it" in client.get(PAGE).get_data(as_text=True)
    with rt.sessions() as session:
        assert session.scalars(select(Broadcast.status)).one() == "sending"
    assert count(rt, OutboundMessage) == 2


def test_the_list_shows_how_far_each_broadcast_got_newest_first_and_stops_refreshing(
    client: FlaskClient, organiser: SignIn, rt: Runtime, event: int
) -> None:
    sign_in(client, organiser)
    post_form(client, PAGE, f"{PAGE}/send", words="First notice")
    post_form(client, PAGE, f"{PAGE}/send", words="Second notice")
    with transaction(rt.sessions) as session:
        first = session.scalars(select(Broadcast).where(Broadcast.body.endswith("First notice")))
        first_id = first.one().id
        texts = session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.broadcast_id == first_id)
            .order_by(OutboundMessage.to_phone)
        ).all()
        texts[0].status, texts[1].status = "outbox", "failed"
        session.execute(update(Broadcast).values(status="done"))

    page = client.get(PAGE).get_data(as_text=True)

    assert "1 sent, 0 waiting, 1 failed, 0 not sent" in page
    assert "0 sent, 2 waiting, 0 failed, 0 not sent" in page  # not sent yet, though done
    assert page.index("SWRB13: Second notice") < page.index("SWRB13: First notice")
    assert '<meta http-equiv="refresh"' not in page  # none is sending


def test_a_notice_over_the_days_budget_is_refused_and_nothing_is_stored(
    settings: Settings, organiser: SignIn, rt: Runtime, event: int
) -> None:
    with app_with(settings, event_daily_segments=1) as app:
        client = app.test_client()
        sign_in(client, organiser)

        preview = post_form(client, PAGE, f"{PAGE}/preview", words="Lunch is in the atrium")
        response = post_form(client, PAGE, f"{PAGE}/send", words="Lunch is in the atrium")

    assert (
        "That is 2 segments and SWRB13 has 1 left today (EVENT_DAILY_SEGMENTS): it cannot be sent."
        in preview.get_data(as_text=True)
    )
    assert "Send to 2 phones" not in preview.get_data(as_text=True)
    assert response.status_code == 409
    assert (
        "That is 2 segments and SWRB13 has 1 left today (EVENT_DAILY_SEGMENTS): nothing was sent."
        in response.get_data(as_text=True)
    )
    assert "Lunch is in the atrium</textarea>" in response.get_data(as_text=True)  # kept
    assert (count(rt, Broadcast), count(rt, OutboundMessage)) == (0, 0)
    assert audited(rt) == []


def test_a_notice_to_nobody_is_refused(client: FlaskClient, organiser: SignIn, rt: Runtime) -> None:
    event_id = add_event(rt)
    with transaction(rt.sessions) as session:
        session.get_one(Event, event_id).organiser_id = organiser.id
    sign_in(client, organiser)

    response = post_form(client, PAGE, f"{PAGE}/send", words="Anyone there?")

    assert response.status_code == 409
    assert "Nobody follows or attends SWRB13 yet: nothing was sent." in response.get_data(
        as_text=True
    )
    assert count(rt, Broadcast) == 0


def test_an_organiser_cannot_open_or_change_another_organisers_event(
    client: FlaskClient, organiser: SignIn, admin: SignIn, rt: Runtime, event: int
) -> None:
    other = make_staff(rt, "other@example.org", "organiser")
    sign_in(client, other)
    token_page = "/console/password"  # any page of theirs with a form, for its token

    assert client.get(PAGE).status_code == 403
    assert post_form(client, token_page, f"{PAGE}/open").status_code == 403
    assert post_form(client, token_page, f"{PAGE}/digest", hours="2").status_code == 403
    assert post_form(client, token_page, f"{PAGE}/preview", words="Hi").status_code == 403
    assert post_form(client, token_page, f"{PAGE}/send", words="Hi").status_code == 403
    assert stored(rt, event).open_to_followers is False
    assert stored(rt, event).digest_hours == 4
    assert count(rt, Broadcast) == 0
    admin_client = client.application.test_client()
    sign_in(admin_client, admin)
    assert admin_client.get(PAGE).status_code == 200


def test_the_page_warns_at_80_percent_of_the_days_texts(
    settings: Settings, organiser: SignIn, rt: Runtime, event: int
) -> None:
    with app_with(settings, event_daily_segments=10) as app:
        client = app.test_client()
        sign_in(client, organiser)
        use_budget(rt, event, 7)
        below = client.get(PAGE).get_data(as_text=True)
        use_budget(rt, event, 1)
        at = client.get(PAGE).get_data(as_text=True)

    assert "Texts today: 7 of 10 segments." in below
    assert "80 % of today's texts are used" not in below
    assert "Texts today: 8 of 10 segments." in at
    assert "80 % of today's texts are used" in at
    assert "Broadcasts stopped today" not in at


def test_the_page_says_when_broadcasts_stopped_today(
    client: FlaskClient, organiser: SignIn, rt: Runtime, event: int
) -> None:
    sign_in(client, organiser)
    with transaction(rt.sessions) as session:
        session.get_one(Event, event).budget_stopped_at = utcnow() - timedelta(days=2)
    earlier = client.get(PAGE).get_data(as_text=True)
    with transaction(rt.sessions) as session:
        session.get_one(Event, event).budget_stopped_at = utcnow()

    today = client.get(PAGE).get_data(as_text=True)

    assert "Broadcasts stopped today" not in earlier
    assert (
        "Broadcasts stopped today: the day's 1000 segments are spent. What they had not "
        "sent is not sent; new ones go from tomorrow (EVENT_DAILY_SEGMENTS)." in today
    )


def test_the_event_page_links_to_its_followers(
    client: FlaskClient, organiser: SignIn, event: int
) -> None:
    sign_in(client, organiser)

    page = client.get("/console/events/SWRB13").get_data(as_text=True)

    assert f'href="{PAGE}"' in page
