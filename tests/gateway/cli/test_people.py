"""smsbridge users and accounts: registering phones, switching them off, linking accounts."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from store.codes import MAX_WRONG_CODES
from store.db import transaction
from store.models import Account, AuditEntry, OutboundMessage, Person, Post, SenderNotice, utcnow
from tests.conftest import run_jobs
from tests.factories import add_inbound
from tests.gateway.cli.conftest import smsbridge, texted_code
from tests.peers.bluesky import BlueskyPds
from workers.runtime import Runtime
from workers.texts_in.inbound import process_inbound
from workers.texts_out.replies import (
    CHECK_OFF,
    CHECK_ON,
    CODE_VOIDED,
    PHONE_CONFIRMED,
    UNCONFIRMED,
)


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


def test_five_wrong_codes_void_the_code_until_the_admin_sends_a_new_one(rt: Runtime) -> None:
    smsbridge("users", "add", "--phone", "021 123 4567", "--name", "Aroha")
    code = texted_code(rt)
    wrong = [f"{(int(code) + n) % 1000000:06d}" for n in range(1, MAX_WRONG_CODES + 1)]

    process_inbound(rt, add_inbound(rt, "A post is no guess", sid="SMg0"))
    for n, guess in enumerate(wrong):
        process_inbound(rt, add_inbound(rt, guess, sid=f"SMg{n + 1}"))
    process_inbound(rt, add_inbound(rt, code, sid="SMg9"))  # right, but too late
    listed = smsbridge("users", "list").output

    with rt.sessions() as session:
        person = session.scalars(select(Person)).one()
        told = session.scalars(select(OutboundMessage.body).order_by(OutboundMessage.id)).all()
    assert person.phone_confirmed_at is None
    assert person.confirm_failures == MAX_WRONG_CODES
    assert "code void after wrong tries: smsbridge users send-code" in listed
    assert told[-1] == UNCONFIRMED  # answered at most hourly: the owner is not flooded

    smsbridge("users", "send-code", "--phone", "021 123 4567")
    process_inbound(rt, add_inbound(rt, texted_code(rt), sid="SMg10"))

    with rt.sessions() as session:
        person = session.scalars(select(Person)).one()
    assert person.phone_confirmed_at is not None and person.confirm_failures == 0


def test_a_voided_code_is_told_to_the_phone_in_plain_words(rt: Runtime) -> None:
    smsbridge("users", "add", "--phone", "021 123 4567", "--name", "Aroha")
    code = texted_code(rt)
    for n in range(MAX_WRONG_CODES):
        process_inbound(rt, add_inbound(rt, f"{(int(code) + n + 1) % 1000000:06d}", sid=f"SMv{n}"))
    with transaction(rt.sessions) as session:  # an hour on: the number may be told again
        session.execute(update(SenderNotice).values(sent_at=utcnow() - timedelta(hours=2)))

    process_inbound(rt, add_inbound(rt, code, sid="SMv9"))

    with rt.sessions() as session:
        told = session.scalars(select(OutboundMessage.body).order_by(OutboundMessage.id)).all()
    assert told[-1] == CODE_VOIDED


def test_a_code_ends_after_two_days(rt: Runtime) -> None:
    smsbridge("users", "add", "--phone", "021 123 4567", "--name", "Aroha")
    code = texted_code(rt)
    with transaction(rt.sessions) as session:
        session.execute(
            update(Person).values(confirm_code_sent_at=utcnow() - timedelta(days=2, minutes=1))
        )

    process_inbound(rt, add_inbound(rt, code, sid="SMold"))

    with rt.sessions() as session:
        assert session.scalars(select(Person.phone_confirmed_at)).one() is None


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


def test_users_disable_stops_the_next_text_being_posted(registered: Runtime) -> None:
    assert smsbridge("users", "disable", "--phone", "+64211234567").exit_code == 0
    process_inbound(registered, add_inbound(registered, "after the switch"))

    with registered.sessions() as session:
        assert session.scalars(select(Post)).all() == []


def test_accounts_list_never_shows_credentials(registered: Runtime) -> None:
    with transaction(registered.sessions) as session:
        account = session.scalars(select(Account)).one()
        account.credentials = registered.secrets.seal({"access_token": "s3cret-token"})

    output = smsbridge("accounts", "list").output

    assert "aroha" in output
    assert "s3cret" not in output and account.credentials not in output


def test_accounts_add_mastodon_checks_the_token_and_stores_it_encrypted(rt: Runtime) -> None:
    from tests.peers.mastodon import MastodonPeer

    smsbridge("users", "add", "--phone", "+64211234567", "--name", "Aroha")
    with MastodonPeer() as peer:
        base = ["accounts", "add", "--phone", "+64211234567", "--platform", "mastodon"]
        base += ["--instance", peer.url]
        wrong = smsbridge(*base, env={"SMSBRIDGE_TOKEN": "wrong-token"})
        right = smsbridge(*base, env={"SMSBRIDGE_TOKEN": peer.access_token})
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

    result = smsbridge(
        "accounts", "add", "--phone", "+64211234567", "--platform", "mastodon", typed="\n"
    )

    assert result.exit_code == 1
    assert result.output.endswith("Error: --platform mastodon needs --instance SMSBRIDGE_TOKEN\n")


def test_a_token_is_never_a_flag(rt: Runtime) -> None:
    smsbridge("users", "add", "--phone", "+64211234567", "--name", "Aroha")

    result = smsbridge(
        "accounts", "add", "--phone", "+64211234567", "--platform", "linkedin", "--token", "t"
    )

    assert result.exit_code == 2
    assert "No such option '--token'" in result.output


def test_a_plain_http_server_is_refused_except_on_this_machine(rt: Runtime) -> None:
    smsbridge("users", "add", "--phone", "+64211234567", "--name", "Aroha")
    base = ["accounts", "add", "--phone", "+64211234567", "--platform", "mastodon"]

    result = smsbridge(*base, "--instance", "http://mastodon.example", env={"SMSBRIDGE_TOKEN": "t"})

    assert result.exit_code == 1
    assert "--instance must start with https://" in result.output


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

    wrong = smsbridge(*base, typed="wrong-password-0000\n")
    right = smsbridge(*base, typed=f"{member.app_password}\n")  # typed at the hidden prompt

    assert wrong.exit_code == 1
    assert "\nError: Bluesky refused these credentials:" in wrong.output
    assert right.exit_code == 0, right.output
    with rt.sessions() as session:
        account = session.scalars(select(Account)).one()
    stored = rt.secrets.open(account.credentials)
    assert (account.platform, account.handle) == ("bluesky", member.handle)
    assert stored["app_password"] == member.app_password
    assert stored["session"]  # the login's session, reused by the first post
    assert member.app_password not in account.credentials
    assert member.app_password not in right.output  # the prompt did not echo it
    assert "App password (or set SMSBRIDGE_APP_PASSWORD):" in right.output


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
    # The first text was posted (and answered) with the check off; the second is held.
    assert texts[0] == CHECK_OFF and texts[2] == CHECK_ON
    assert texts[1].startswith("Posted to ")
    assert texts[3].startswith("Not posted yet: it may identify someone.")
    assert posts == ["Ring 021 555 1234"]


def test_what_an_admin_does_at_the_command_line_is_audited(registered: Runtime) -> None:
    smsbridge("users", "disable", "--phone", "+64211234567")
    smsbridge("users", "enable", "--phone", "+64211234567")
    smsbridge("users", "unlock", "--phone", "+64211234567")

    with registered.sessions() as session:
        entries = session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.target).order_by(AuditEntry.id)
        ).all()
    assert [tuple(entry) for entry in entries] == [
        ("cli", "person added", "+64211234567"),
        ("cli", "account linked", "+64211234567"),
        ("cli", "phone switched off", "+64211234567"),
        ("cli", "phone switched on", "+64211234567"),
        ("cli", "phone unlocked", "+64211234567"),
    ]


def test_a_number_handed_over_is_the_new_persons_and_the_old_ones_posts_stay(
    registered: Runtime,
) -> None:
    rt = registered
    process_inbound(rt, add_inbound(rt, "Posted by Aroha", sid="SMhandover1"))
    process_inbound(rt, add_inbound(rt, "Tama's FGC got adjourned again", sid="SMhandover2"))

    handed = smsbridge("users", "hand-over", "--phone", "021 123 4567", "--name", "Mere")
    process_inbound(rt, add_inbound(rt, texted_code(rt), sid="SMhandover3"))
    process_inbound(rt, add_inbound(rt, "YES", sid="SMhandover4"))  # not Aroha's held post

    assert handed.exit_code == 0, handed.output
    assert handed.output.startswith("+64211234567 is now Mere's: a code was texted to it.")
    with rt.sessions() as session:
        people = {p.name: p for p in session.scalars(select(Person))}
        posts = session.scalars(select(Post.person_id)).all()
        audit = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    aroha, mere = people["Aroha"], people["Mere"]
    assert (aroha.phone, aroha.active) == (f"retired-{aroha.id}", False)
    assert (mere.phone, mere.phone_confirmed_at is not None) == ("+64211234567", True)
    assert posts == [aroha.id]  # Aroha's one post stays hers; the held one never went
    assert audit is not None
    assert (audit.action, audit.detail) == ("phone handed over", "Aroha to Mere")
