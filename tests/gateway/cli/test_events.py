"""smsbridge events: creating events, joining them, their confidentiality check."""

from __future__ import annotations

from sqlalchemy import select

from store.models import AuditEntry, Event, Person
from tests.gateway.cli.conftest import smsbridge
from workers.runtime import Runtime


def test_events_create_and_join(registered: Runtime) -> None:
    created = smsbridge(
        "events",
        "create",
        "--code",
        "swrb13",
        "--name",
        "SWRB",
        "--hashtags",
        "#swrb13 socialwork",
        "--starts",
        "2026-01-01T09:00+13:00",
        "--ends",
        "2099-01-01T00:00+00:00",
    )
    joined = smsbridge("events", "join", "--code", "SWRB13", "--phone", "+64211234567")

    assert created.exit_code == 0, created.output
    assert joined.exit_code == 0, joined.output
    with registered.sessions() as session:
        event = session.scalars(select(Event)).one()
        person = session.scalars(select(Person)).one()
    assert (event.code, event.hashtags) == ("SWRB13", "#swrb13 #socialwork")
    assert person.current_event_id == event.id
    assert "SWRB13" in smsbridge("events", "list").output


def test_a_duplicate_code_is_one_clear_line(rt: Runtime) -> None:
    smsbridge("events", "create", "--code", "ABC", "--name", "A", "--hashtags", "#a")
    result = smsbridge("events", "create", "--code", "abc", "--name", "B", "--hashtags", "#b")

    assert result.exit_code == 1
    assert result.output == "Error: the code ABC is already taken\n"


def test_an_event_that_ends_before_it_starts_is_refused(rt: Runtime) -> None:
    result = smsbridge(
        "events",
        "create",
        "--code",
        "ABC",
        "--name",
        "A",
        "--hashtags",
        "#a",
        "--starts",
        "2026-02-01T00:00",
        "--ends",
        "2026-01-01T00:00",
    )

    assert result.exit_code == 1
    assert "end after it starts" in result.output


def test_an_event_check_can_be_turned_off(rt: Runtime) -> None:
    smsbridge("events", "create", "--code", "SWRB13", "--name", "S", "--hashtags", "#s")

    result = smsbridge("events", "check", "--code", "swrb13", "--off")
    unknown = smsbridge("events", "check", "--code", "NOPE1", "--on")

    assert result.output == (
        "Posts at SWRB13 are no longer checked for details that could identify someone.\n"
    )
    assert unknown.output == "Error: no event has the code NOPE1\n"
    with rt.sessions() as session:
        assert session.scalars(select(Event.check_confidentiality)).one() is False


def test_an_events_public_names_are_added_listed_and_removed(rt: Runtime) -> None:
    smsbridge("events", "create", "--code", "SWRB13", "--name", "S", "--hashtags", "#s")

    empty = smsbridge("events", "public-names", "--code", "swrb13")
    added = smsbridge(
        "events", "public-names", "--code", "SWRB13", "--add", "Liz Beddoe",
        "--add", "  Whānau Ora   Waikato ", "--add", "liz beddoe",
    )  # fmt: skip
    removed = smsbridge("events", "public-names", "--code", "SWRB13", "--remove", "LIZ BEDDOE")
    unknown = smsbridge("events", "public-names", "--code", "SWRB13", "--remove", "Nobody")

    assert empty.output == "SWRB13 has no public names yet: add them with --add.\n"
    assert added.output == (
        "Posts at SWRB13 may name, without being held:\n  Liz Beddoe\n  Whānau Ora Waikato\n"
    )
    assert removed.output == "Posts at SWRB13 may name, without being held:\n  Whānau Ora Waikato\n"
    assert (unknown.exit_code, unknown.output) == (1, "Error: nobody is not on SWRB13's list\n")
    with rt.sessions() as session:
        assert session.scalars(select(Event.public_names)).one() == "Whānau Ora Waikato"


def test_a_public_name_too_long_is_refused(rt: Runtime) -> None:
    smsbridge("events", "create", "--code", "SWRB13", "--name", "S", "--hashtags", "#s")

    result = smsbridge("events", "public-names", "--code", "SWRB13", "--add", "x" * 101)

    assert result.exit_code == 1
    assert "100 characters at most" in result.output


def test_an_events_photos_can_go_out_without_a_hold(rt: Runtime) -> None:
    smsbridge("events", "create", "--code", "SWRB13", "--name", "S", "--hashtags", "#s")

    posting = smsbridge("events", "photos", "--code", "swrb13", "--post")
    holding = smsbridge("events", "photos", "--code", "SWRB13", "--hold")
    unknown = smsbridge("events", "photos", "--code", "NOPE1", "--post")

    assert posting.output == "Posts with photos at SWRB13 go out without asking first.\n"
    assert holding.output == "Posts with photos at SWRB13 wait for their sender's YES.\n"
    assert unknown.output == "Error: no event has the code NOPE1\n"
    with rt.sessions() as session:
        assert session.scalars(select(Event.hold_photos)).one() is True
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["event photos not held", "event photos held"]


def test_an_events_posting_can_be_paused_and_resumed(rt: Runtime) -> None:
    smsbridge("events", "create", "--code", "SWRB13", "--name", "S", "--hashtags", "#s")

    paused = smsbridge("events", "posting", "--code", "swrb13", "--pause")
    with rt.sessions() as session:
        assert session.scalars(select(Event.posting_paused_at)).one() is not None
    resumed = smsbridge("events", "posting", "--code", "SWRB13", "--resume")

    assert paused.output == "Posting at SWRB13 is paused: nothing more goes out until --resume.\n"
    assert resumed.output == "Posting at SWRB13 is back on.\n"
    with rt.sessions() as session:
        assert session.scalars(select(Event.posting_paused_at)).one() is None
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["event posting paused", "event posting resumed"]
