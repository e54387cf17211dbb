"""parse_text: commands, forgiven typos, platform prefixes, PINs, and posts that must stay posts."""

from __future__ import annotations

import pytest

from workers.texts_in.commands import (
    FOLLOW_HINT,
    HELP_WORDS,
    OPT_IN_WORDS,
    OPT_OUT_WORDS,
    Command,
    Confirm,
    Events,
    Follow,
    Help,
    Join,
    Leave,
    Malformed,
    OptIn,
    OptOut,
    Post,
    RemovePin,
    Reply,
    SetPin,
    Status,
    Undo,
    Unfollow,
    parse_text,
    typos_matching,
)
from workers.texts_out.segments import count_segments

BARE_KEYWORDS = (
    *HELP_WORDS,
    *OPT_OUT_WORDS,
    *OPT_IN_WORDS,
    "YES",
    "EVENTS",
    "STATUS",
    "UNDO",
    "LEAVE",
)
FORGIVEN_KEYWORDS = (*BARE_KEYWORDS, "JOIN", "REPLY")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("HELP", Help()),
        ("help", Help()),
        ("  Help!  ", Help()),
        ("info", Help()),
        ("?", Help()),
        ("Help?", Help()),
        ("STOP", OptOut("STOP")),
        ("stop.", OptOut("STOP")),
        ("Stop ", OptOut("STOP")),
        ("STOPALL", OptOut("STOPALL")),
        ("stop all", OptOut("STOPALL")),
        ("Unsubscribe", OptOut("UNSUBSCRIBE")),
        ("cancel", OptOut("CANCEL")),
        ("END", OptOut("END")),
        ("quit", OptOut("QUIT")),
        ("revoke", OptOut("REVOKE")),
        ("optout", OptOut("OPTOUT")),
        ("opt out", OptOut("OPTOUT")),
        ("Opt-out", OptOut("OPTOUT")),
        ("START", OptIn()),
        ("unstop", OptIn()),
        ("YES", Confirm()),
        ("yes!", Confirm()),
        ("y", Confirm()),
        ("EVENTS", Events()),
        ("status", Status()),
        ("UNDO", Undo()),
        ("LEAVE", Leave()),
        ("leave SWRB13", Leave("SWRB13")),
        ("JOIN SWRB13", Join("SWRB13")),
        ("join swrb13", Join("SWRB13")),
        ("Join #swrb13.", Join("SWRB13")),
        ("JOIN: SWRB13", Join("SWRB13")),
        ("REPLY 1 thanks", Reply(1, "thanks")),
        ("reply 12 Kia ora, see you there!", Reply(12, "Kia ora, see you there!")),
        ("Reply #3: cheers", Reply(3, "cheers")),
        ("REPLY 2 line one\nline two", Reply(2, "line one\nline two")),
        ("PIN 4821", SetPin("4821")),
        ("pin 12345678", SetPin("12345678")),
        ("PIN OFF", RemovePin()),
        ("pin off.", RemovePin()),
        ("PIN none", RemovePin()),
    ],
)
def test_commands(body: str, expected: object) -> None:
    assert parse_text(body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("HLEP", Help()),
        ("hellp", Help()),
        ("ifno", Help()),
        ("STPO", OptOut("STOP")),
        ("stopp", OptOut("STOP")),
        ("cancle", OptOut("CANCEL")),
        ("qiut", OptOut("QUIT")),
        ("unsubscibe", OptOut("UNSUBSCRIBE")),
        ("satrt", OptIn()),
        ("UNOD", Undo()),
        ("STAUTS", Status()),
        ("stats", Status()),
        ("evnets", Events()),
        ("event", Events()),
        ("laeve", Leave()),
        ("JION SWRB13", Join("SWRB13")),
        ("joinn swrb13", Join("SWRB13")),
        ("RPELY 2 thanks", Reply(2, "thanks")),
        ("relpy 1 ka pai", Reply(1, "ka pai")),
    ],
)
def test_typos_of_the_keyword_are_forgiven(body: str, expected: object) -> None:
    assert parse_text(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        # Bare commands count only as the whole text, as Twilio's opt-out words do.
        "Stop the stigma around mental health",
        "Help is on the way for rural whānau",
        "Info session at 2pm",
        "Cancel culture came up in the panel",
        "End of day one, exhausted",
        "Start small, says the keynote",
        "Yes to more funding for kaupapa Māori services",
        "Undo the damage of colonisation",
        "Status quo is not an option",
        "Events like this matter",
        "Leave it better than you found it",
        "Quit your job? No, change the system",
        # A typo counts only alone or in the command's shape.
        "Jion us at the keynote",
        "Relpy to all the emails tonight",
        "Hlep me find the room",
        # Substitutions make other words, which people do post.
        "Yelp",
        "Step",
        "shop",
        "Kelp",
        # Real words one slip from a keyword.
        "stoop",
        "vents",
        "evoke",
        # A leading number is not a PIN when the person has none.
        "2026 was a big year for the sector",
        "1234 people came",
        # Colons that are not platform prefixes.
        "Great talk: loved it",
        "TL:DR pay social workers more",
        "Meet at 10:30 by the stairs",
        "Note: bring your lanyard",
        "Q: who funds this? A: nobody",
    ],
)
def test_posts_stay_posts(body: str) -> None:
    assert parse_text(body) == Post(body.strip())


@pytest.mark.parametrize(
    ("body", "text", "platforms"),
    [
        ("X: Great keynote", "Great keynote", {"x"}),
        ("x: great keynote", "great keynote", {"x"}),
        ("BS: hello", "hello", {"bluesky"}),
        ("bsky: hello", "hello", {"bluesky"}),
        ("M: hello", "hello", {"mastodon"}),
        ("Masto: hello", "hello", {"mastodon"}),
        ("FB: hello", "hello", {"facebook"}),
        ("LI: hello", "hello", {"linkedin"}),
        ("LinkedIn: hello", "hello", {"linkedin"}),
        ("TL: hello", "hello", {"local"}),
        ("X,BS: both", "both", {"x", "bluesky"}),
        ("X, BS, M: three", "three", {"x", "bluesky", "mastodon"}),
        ("x+m: two", "two", {"x", "mastodon"}),
        ("X and BS: two", "two", {"x", "bluesky"}),
        ("X BS: two", "two", {"x", "bluesky"}),
        ("X:\nnew line", "new line", {"x"}),
    ],
)
def test_a_prefix_names_the_platforms(body: str, text: str, platforms: set[str]) -> None:
    assert parse_text(body) == Post(text, frozenset(platforms))


def test_all_posts_everywhere_and_lets_a_post_start_with_join() -> None:
    assert parse_text("ALL: Join us at stand 4") == Post("Join us at stand 4", None)
    assert parse_text("all, x: hello") == Post("hello", None)


@pytest.mark.parametrize(
    ("body", "command"),
    [
        ("JOIN", "JOIN"),
        ("join.", "JOIN"),
        ("Jion", "JOIN"),
        ("JOIN us at the keynote", "JOIN"),
        ("JOIN SWRB 13", "JOIN"),
        ("JOIN ab", "JOIN"),
        ("REPLY", "REPLY"),
        ("REPLY x", "REPLY"),
        ("REPLY thanks", "REPLY"),
        ("REPLY 2", "REPLY"),
        ("REPLY 0 hi", "REPLY"),
        ("REPLY 1234 hi", "REPLY"),
        ("PIN", "PIN"),
        ("PIN 12", "PIN"),
        ("PIN 123456789", "PIN"),
        ("PIN abcd", "PIN"),
        ("Pin badges for sale", "PIN"),
        ("", "POST"),
        ("   \n ", "POST"),
        ("X:", "POST"),
        ("BS, M:   ", "POST"),
        ("X: UNDO", "UNDO"),
        ("BS: stop", "STOP"),
        ("M: help", "HELP"),
        ("X: YES", "YES"),
    ],
)
def test_malformed_commands_say_how_to_write_them(body: str, command: str) -> None:
    parsed = parse_text(body)
    assert isinstance(parsed, Malformed)
    assert parsed.command == command
    assert parsed.hint


def test_every_hint_fits_one_gsm_segment() -> None:
    bodies = ["JOIN", "JOIN us at the keynote", "REPLY x", "REPLY 2", "PIN", "", "X:", "X: UNDO"]
    hints = [parse_text(body) for body in bodies]
    hints.append(parse_text("1234", has_pin=True))
    for parsed in hints:
        assert isinstance(parsed, Malformed)
        count = count_segments(parsed.hint)
        assert (count.encoding, count.segments) == ("GSM-7", 1), parsed.hint


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("1234 Great keynote", Post("Great keynote", None, "1234")),
        ("12345678 Great keynote", Post("Great keynote", None, "12345678")),
        ("1234: Great keynote", Post("Great keynote", None, "1234")),
        ("1234, Great keynote", Post("Great keynote", None, "1234")),
        ("1234 X: hi", Post("hi", frozenset({"x"}), "1234")),
        ("X: 1234 hi", Post("hi", frozenset({"x"}), "1234")),
        ("Great keynote", Post("Great keynote", None, None)),
        ("123 people came", Post("123 people came", None, None)),
        ("123456789 people", Post("123456789 people", None, None)),
        ("1234people", Post("1234people", None, None)),
        ("1234 UNDO", Undo("1234")),
        ("UNDO", Undo(None)),
        ("1234 JOIN SWRB13", Join("SWRB13", "1234")),
        ("1234 LEAVE", Leave(None, "1234")),
        ("1234 REPLY 1 thanks", Reply(1, "thanks", "1234")),
        ("1234 PIN 5678", SetPin("5678", "1234")),
        ("PIN 5678", SetPin("5678", None)),
        ("1234 PIN OFF", RemovePin("1234")),
        ("STOP", OptOut("STOP")),
        ("1234 STOP", OptOut("STOP")),
        ("HELP", Help()),
        ("YES", Confirm()),
    ],
)
def test_a_leading_pin_is_read_when_the_person_has_one(body: str, expected: object) -> None:
    assert parse_text(body, has_pin=True) == expected


def test_a_pin_alone_asks_for_the_post() -> None:
    parsed = parse_text("1234", has_pin=True)
    assert isinstance(parsed, Malformed)
    assert "1234" not in parsed.hint


def test_a_leading_number_is_content_without_a_pin() -> None:
    assert parse_text("1234 Great keynote") == Post("1234 Great keynote")
    assert parse_text("1234 UNDO") == Post("1234 UNDO")


@pytest.mark.parametrize("keyword", BARE_KEYWORDS)
@pytest.mark.parametrize("shape", ["{}", "{}!", "  {}  ", "X: {}", "1234 {}"])
def test_no_command_word_is_posted(keyword: str, shape: str) -> None:
    for word in (keyword, keyword.lower(), keyword.title()):
        parsed = parse_text(shape.format(word), has_pin=True)
        assert not isinstance(parsed, Post), (shape, word)


def test_the_post_text_is_kept_as_typed() -> None:
    body = "  Kia ora!  Great panel on whānau-centred practice…  "
    assert parse_text(body) == Post("Kia ora!  Great panel on whānau-centred practice…")


def test_no_typo_belongs_to_two_keywords() -> None:
    for keyword in FORGIVEN_KEYWORDS:
        for word in slips_of(keyword):
            assert len(typos_matching(word, FORGIVEN_KEYWORDS)) <= 1, word


def slips_of(word: str) -> set[str]:
    """Return every one-letter slip of a word: swapped, doubled, or missing letters."""
    slips = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
    slips |= {word[: i + 1] + word[i] + word[i + 1 :] for i in range(len(word))}
    slips |= {word[:i] + word[i + 1 :] for i in range(len(word))}
    return slips - {word}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("FOLLOW SWRB13", Follow("SWRB13", "notices")),
        ("follow #swrb13 all", Follow("SWRB13", "all")),
        ("Follow SWRB13 Digest.", Follow("SWRB13", "digest")),
        ("FOLLOW SWRB13 notice", Follow("SWRB13", "notices")),
        ("FOLOW SWRB13 ALL", Follow("SWRB13", "all")),  # a forgiven typo, in the exact shape
        ("FOLLOW", Malformed("FOLLOW", FOLLOW_HINT)),
        ("UNFOLLOW", Unfollow()),
        ("unfollow swrb13", Unfollow("SWRB13")),
        ("UNFOLOW", Unfollow()),
    ],
)
def test_follow_and_unfollow(body: str, expected: Command) -> None:
    assert parse_text(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "Follow the money trail, says the keynote",
        "Follow the money",  # not a level after the code-shaped word: words, not a command
        "Follow us at stand 4",
        "Unfollow culture is real",
    ],
)
def test_follow_in_words_is_a_post(body: str) -> None:
    assert parse_text(body) == Post(body)


def test_follow_carries_the_pin_typed_in_front() -> None:
    assert parse_text("4821 FOLLOW SWRB13 ALL", has_pin=True) == Follow("SWRB13", "all", "4821")
