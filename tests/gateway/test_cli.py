"""The smsbridge command: admin tasks as a user types them, on the test database."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import delete, select

from gateway.cli import main
from gateway.db import transaction
from gateway.models import (
    Account,
    Delivery,
    Event,
    OutboundMessage,
    Person,
    Post,
    TimelineEntry,
    utcnow,
)
from tests.conftest import run_jobs
from tests.factories import add_inbound
from tests.peers.bluesky import BlueskyPds
from workers.inbound import process_inbound
from workers.mentions import read_account
from workers.replies import CHECK_OFF, CHECK_ON, PHONE_CONFIRMED, UNCONFIRMED
from workers.runtime import Runtime


def smsbridge(*args: str) -> Result:
    """Run the command in this process, with the test environment."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def registered(rt: Runtime) -> Runtime:
    """A person added through the CLI, with a local account, who confirmed their phone."""
    assert smsbridge("users", "add", "--phone", "021 123 4567", "--name", "Aroha").exit_code == 0
    result = smsbridge(
        "accounts", "add", "--phone", "+64211234567", "--platform", "local", "--handle", "@aroha"
    )
    assert result.exit_code == 0, result.output
    process_inbound(rt, add_inbound(rt, texted_code(rt), sid="SMconfirm"))
    run_jobs(rt.queue)
    with transaction(rt.sessions) as session:
        session.execute(delete(OutboundMessage))  # the tests below count the texts they cause
    return rt


def texted_code(rt: Runtime, phone: str = "+64211234567") -> str:
    """The confirmation code in the last code text to the phone."""
    with rt.sessions() as session:
        body = session.scalars(
            select(OutboundMessage.body)
            .where(OutboundMessage.to_phone == phone, OutboundMessage.kind == "confirm_code")
            .order_by(OutboundMessage.id.desc())
        ).first()
    assert body is not None
    match = re.search(r"\b(\d{6})\b", body)
    assert match is not None
    return match.group(1)


def test_a_new_phone_is_texted_a_code_and_posts_only_once_it_comes_back(rt: Runtime) -> None:
    result = smsbridge("users", "add", "--phone", "021 123 4567", "--name", "Aroha")
    smsbridge("accounts", "add", "--phone", "+64211234567", "--platform", "local", "--handle", "a")
    assert "A code was texted to the phone" in result.output
    assert "unconfirmed" in smsbridge("users", "list").output
    code = texted_code(rt)

    process_inbound(rt, add_inbound(rt, "Posting before confirming", sid="SM1"))
    process_inbound(rt, add_inbound(rt, "Again before confirming", sid="SM2"))
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    process_inbound(rt, add_inbound(rt, wrong, sid="SM3"))
    process_inbound(rt, add_inbound(rt, f" {code} ", sid="SM4"))
    process_inbound(rt, add_inbound(rt, "Now it posts", sid="SM5"))
    run_jobs(rt.queue)

    with rt.sessions() as session:
        posts = session.scalars(select(Post.body)).all()
        texts = session.scalars(select(OutboundMessage.body).order_by(OutboundMessage.id)).all()
    assert posts == ["Now it posts"]
    assert texts[1:] == [
        UNCONFIRMED,  # once an hour at most, however many texts come before the code
        PHONE_CONFIRMED,
        "Posted to Local timeline @a.",
    ]
    assert "unconfirmed" not in smsbridge("users", "list").output


def test_a_new_code_replaces_the_old_one(rt: Runtime) -> None:
    smsbridge("users", "add", "--phone", "021 123 4567", "--name", "Aroha")
    old = texted_code(rt)

    result = smsbridge("users", "send-code", "--phone", "021 123 4567")
    new = texted_code(rt)
    process_inbound(rt, add_inbound(rt, old, sid="SM1"))
    with rt.sessions() as session:
        assert session.scalars(select(Person.phone_confirmed_at)).one() is None or old == new
    process_inbound(rt, add_inbound(rt, new, sid="SM2"))

    assert result.output == "A new code was texted to +64211234567.\n"
    with rt.sessions() as session:
        assert session.scalars(select(Person.phone_confirmed_at)).one() is not None
    again = smsbridge("users", "send-code", "--phone", "021 123 4567")
    assert again.output == "Error: +64211234567 is already confirmed\n"


def test_the_kill_switch_stops_the_very_next_text_and_can_be_undone(
    registered: Runtime,
) -> None:
    assert smsbridge("users", "disable", "--phone", "+64211234567").exit_code == 0
    process_inbound(registered, add_inbound(registered, "After the switch", sid="SM1"))
    assert smsbridge("users", "enable", "--phone", "+64211234567").exit_code == 0
    process_inbound(registered, add_inbound(registered, "Back on", sid="SM2"))

    with registered.sessions() as session:
        assert session.scalars(select(Post.body)).all() == ["Back on"]
        texts = session.scalars(select(OutboundMessage.body).order_by(OutboundMessage.id)).all()
    assert (
        texts[0] == "This phone is switched off for posting, so nothing was posted. Ask your admin."
    )


def test_users_add_stores_the_number_in_e164(registered: Runtime) -> None:
    with registered.sessions() as session:
        person = session.scalars(select(Person)).one()
        account = session.scalars(select(Account)).one()
    assert (person.phone, person.name, person.active) == ("+64211234567", "Aroha", True)
    assert (account.platform, account.handle, account.status) == ("local", "aroha", "active")
    assert "aroha" in smsbridge("users", "list").output


def test_a_duplicate_phone_is_one_clear_line(registered: Runtime) -> None:
    result = smsbridge("users", "add", "--phone", "+64211234567", "--name", "Again")

    assert result.exit_code == 1
    assert result.output == "Error: the phone +64211234567 is already registered\n"


def test_linking_an_account_again_mends_one_that_needs_it(registered: Runtime) -> None:
    with transaction(registered.sessions) as session:
        account = session.scalars(select(Account)).one()
        account.status = "needs_relink"
        sealed_before = account.credentials
    assert "[needs_relink]" in smsbridge("accounts", "list").output

    result = smsbridge(
        "accounts", "add", "--phone", "+64211234567", "--platform", "local", "--handle", "@aroha"
    )

    assert result.exit_code == 0, result.output
    assert result.output == "Linked again local @aroha to +64211234567.\n"
    with registered.sessions() as session:
        account = session.scalars(select(Account)).one()
    assert account.status == "active"
    assert account.credentials != sealed_before  # sealed afresh
    assert "[active]" in smsbridge("accounts", "list").output


def test_an_unknown_phone_is_one_clear_line(rt: Runtime) -> None:
    result = smsbridge(
        "accounts", "add", "--phone", "+64219999999", "--platform", "local", "--handle", "x"
    )

    assert result.exit_code == 1
    assert result.output.startswith("Error: no person has the phone +64219999999")


def test_a_malformed_phone_is_refused(rt: Runtime) -> None:
    result = smsbridge("users", "add", "--phone", "not a phone", "--name", "X")

    assert result.exit_code == 1
    assert "is not a phone number" in result.output


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


def test_users_disable_stops_the_next_text_being_posted(registered: Runtime) -> None:
    assert smsbridge("users", "disable", "--phone", "+64211234567").exit_code == 0
    process_inbound(registered, add_inbound(registered, "after the switch"))

    with registered.sessions() as session:
        assert session.scalars(select(Post)).all() == []


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


def test_accounts_list_never_shows_credentials(registered: Runtime) -> None:
    with transaction(registered.sessions) as session:
        account = session.scalars(select(Account)).one()
        account.credentials = registered.secrets.seal({"access_token": "s3cret-token"})

    output = smsbridge("accounts", "list").output

    assert "aroha" in output
    assert "s3cret" not in output and account.credentials not in output


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


def test_seed_demo_runs_once(rt: Runtime) -> None:
    first = smsbridge("seed-demo")
    second = smsbridge("seed-demo")

    assert (first.output, second.output) == ("Demo added.\n", "Demo already there.\n")
    with rt.sessions() as session:
        assert len(session.scalars(select(Delivery)).all()) == 0
        person = session.scalars(select(Person)).one()
        assert person.current_event is not None and person.current_event.code == "SWRB13"


def test_accounts_add_mastodon_checks_the_token_and_stores_it_encrypted(rt: Runtime) -> None:
    from tests.peers.mastodon import MastodonPeer

    smsbridge("users", "add", "--phone", "+64211234567", "--name", "Aroha")
    with MastodonPeer() as peer:
        wrong = smsbridge(
            "accounts",
            "add",
            "--phone",
            "+64211234567",
            "--platform",
            "mastodon",
            "--instance",
            peer.url,
            "--token",
            "wrong-token",
        )
        right = smsbridge(
            "accounts",
            "add",
            "--phone",
            "+64211234567",
            "--platform",
            "mastodon",
            "--instance",
            peer.url,
            "--token",
            peer.access_token,
        )
        host, url = peer.host, peer.url

    assert wrong.exit_code == 1
    assert wrong.output.startswith("Error: Mastodon refused these credentials:")
    assert right.exit_code == 0, right.output
    with rt.sessions() as session:
        account = session.scalars(select(Account)).one()
    assert account.handle == f"aroha@{host}"
    assert peer.access_token not in account.credentials
    assert rt.secrets.open(account.credentials) == {
        "instance": url,
        "access_token": peer.access_token,
    }


def test_accounts_add_mastodon_needs_instance_and_token(rt: Runtime) -> None:
    smsbridge("users", "add", "--phone", "+64211234567", "--name", "Aroha")

    result = smsbridge("accounts", "add", "--phone", "+64211234567", "--platform", "mastodon")

    assert result.exit_code == 1
    assert result.output == "Error: --platform mastodon needs --instance --token\n"


def test_a_database_without_tables_is_one_clear_line(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("SMSBRIDGE_VAR", str(tmp_path))

    result = smsbridge("posts")

    assert result.exit_code == 1
    assert "has no tables yet: run `make run` once, or `smsbridge db upgrade`" in result.output


def test_accounts_add_bluesky_logs_in_once_and_keeps_the_session(
    rt: Runtime, bluesky_pds: BlueskyPds
) -> None:
    member = bluesky_pds.create_account(f"cli{uuid.uuid4().hex[:8]}")
    smsbridge("users", "add", "--phone", "+64211234567", "--name", "Aroha")
    base = [
        "accounts",
        "add",
        "--phone",
        "+64211234567",
        "--platform",
        "bluesky",
        "--handle",
        member.handle,
        "--service",
        bluesky_pds.url,
    ]

    wrong = smsbridge(*base, "--app-password", "wrong-password-0000")
    right = smsbridge(*base, "--app-password", member.app_password)

    assert wrong.exit_code == 1
    assert wrong.output.startswith("Error: Bluesky refused these credentials:")
    assert right.exit_code == 0, right.output
    with rt.sessions() as session:
        account = session.scalars(select(Account)).one()
    stored = rt.secrets.open(account.credentials)
    assert (account.platform, account.handle) == ("bluesky", member.handle)
    assert stored["app_password"] == member.app_password
    assert stored["session"]  # the login's session, reused by the first post
    assert member.app_password not in account.credentials


def test_unlock_lets_a_locked_phone_post_again(registered: Runtime) -> None:
    with transaction(registered.sessions) as session:
        session.scalars(select(Person)).one().posting_locked_at = utcnow()
        session.scalars(select(Person)).one().pin_failures = 3

    result = smsbridge("users", "unlock", "--phone", "+64211234567")
    process_inbound(registered, add_inbound(registered, "Unlocked now", sid="SMu1"))

    assert result.output == "Unlocked +64211234567: it can post again with its PIN.\n"
    with registered.sessions() as session:
        assert session.scalars(select(Post.body)).all() == ["Unlocked now"]


def test_turning_a_persons_check_on_or_off_tells_them(registered: Runtime) -> None:
    off = smsbridge("users", "check", "--phone", "+64211234567", "--off")
    process_inbound(registered, add_inbound(registered, "Ring 021 555 1234", sid="SMk1"))
    on = smsbridge("users", "check", "--phone", "+64211234567", "--on")
    process_inbound(registered, add_inbound(registered, "Ring 021 555 9876", sid="SMk2"))

    assert off.exit_code == on.exit_code == 0
    with registered.sessions() as session:
        texts = session.scalars(select(OutboundMessage.body).order_by(OutboundMessage.id)).all()
        posts = session.scalars(select(Post.body)).all()
    assert texts[0] == CHECK_OFF and texts[1] == CHECK_ON
    assert texts[2].startswith("Not posted yet: it may identify someone.")
    assert posts == ["Ring 021 555 1234"]


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
