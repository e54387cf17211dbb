"""compose: the text and its event's hashtags, within one platform's limits."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from workers.platforms import CHARACTERS, GRAPHEMES, WEIGHTED, Limits
from workers.publishing.compose import (
    TooLong,
    compose_parts,
    counted_length,
    fits,
    hashtags_to_add,
)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # one grapheme, 7 code points
FLAG_NZ = "\U0001f1f3\U0001f1ff"  # two regional indicators
FLAG_SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
E_ACUTE = "e\u0301"  # a letter and a combining accent

X = Limits(280, url_length=23, unit=WEIGHTED)
BLUESKY = Limits(300, unit=GRAPHEMES, max_bytes=3000)
MASTODON = Limits(500, url_length=23)

TWITTER_TEXT = Path(__file__).resolve().parents[2] / "fixtures" / "twitter-text" / "validate.yml"
COUNTER_SECTIONS = (
    "WeightedTweetsWithDiscountedEmojiCounterTest",
    "UnicodeDirectionalMarkerCounterTest",
)


def counter_cases() -> list[Any]:
    """Return the twitter-text cases for X's weighted length, one pytest param each."""
    tests = yaml.safe_load(TWITTER_TEXT.read_text(encoding="utf-8"))["tests"]
    return [
        pytest.param(case["text"], case["expected"], id=f"{section}: {case['description']}")
        for section in COUNTER_SECTIONS
        for case in tests[section]
    ]


def body_words(parts: list[str], tags: list[str]) -> list[str]:
    """Return the words of a thread without its numbering and added tags."""
    numbering = re.compile(r"\d+/\d+")
    return [
        word
        for word in " ".join(parts).split()
        if word not in tags and not numbering.fullmatch(word)
    ]


@pytest.mark.parametrize(
    ("body", "tags", "expected"),
    [
        ("Great talk", ["#swrb13"], ["#swrb13"]),
        ("Great talk #SWRB13", ["#swrb13"], []),
        ("Great talk #swrb13!", ["#swrb13", "#socialwork"], ["#socialwork"]),
        ("Great talk #swrb130", ["#swrb13"], ["#swrb13"]),  # a longer tag is another tag
        ("Great talk", ["swrb13", "#SWRB13"], ["#swrb13"]),  # each once, '#' optional
        ("email me at a#swrb13", ["#swrb13"], ["#swrb13"]),  # not a hashtag mid-word
    ],
)
def test_hashtags_to_add(body: str, tags: list[str], expected: list[str]) -> None:
    assert hashtags_to_add(body, tags) == expected


def test_tags_are_appended_after_a_space() -> None:
    assert compose_parts("  Great talk \n", ["#a", "#b"], Limits(500)) == ["Great talk #a #b"]


def test_line_breaks_inside_the_text_are_kept() -> None:
    assert compose_parts("Line one\nLine two", ["#a"], Limits(500)) == ["Line one\nLine two #a"]


def test_tags_that_do_not_fit_beside_a_short_text_are_dropped() -> None:
    assert compose_parts("x" * 10, ["#abc", "#d"], Limits(13)) == ["x" * 10 + " #d"]


def test_a_word_longer_than_a_whole_post_is_refused_not_cut() -> None:
    with pytest.raises(TooLong) as raised:
        compose_parts("x" * 11, [], Limits(10))
    assert (raised.value.length, raised.value.limit) == (11, 10)


def test_urls_count_at_the_platform_weight() -> None:
    text = "See https://example.org/a/very/long/path/that/goes/on/and/on"
    assert counted_length(text, Limits(500, url_length=23)) == len("See ") + 23
    assert counted_length(text, Limits(500)) == len(text)
    assert counted_length(text, X) == len("See ") + 23


def test_trailing_punctuation_is_not_part_of_a_url() -> None:
    limits = Limits(500, url_length=23)
    assert counted_length("see https://example.org/a/long/page.", limits) == len("see ") + 23 + 1
    assert counted_length("(https://example.org/x), ok", limits) == 1 + 23 + len("), ok")


@pytest.mark.parametrize(
    ("text", "characters", "weighted", "graphemes"),
    [
        ("Great talk", 10, 10, 10),
        (FAMILY, 7, 2, 1),
        (FLAG_NZ, 2, 2, 1),
        (FLAG_SCOTLAND, 7, 2, 1),
        (f"caf{E_ACUTE}", 5, 4, 4),  # X counts the composed form
        ("日本語", 3, 6, 3),
    ],
)
def test_counted_length_by_unit(text: str, characters: int, weighted: int, graphemes: int) -> None:
    assert counted_length(text, Limits(500, unit=CHARACTERS)) == characters
    assert counted_length(text, Limits(500, unit=WEIGHTED)) == weighted
    assert counted_length(text, Limits(500, unit=GRAPHEMES)) == graphemes


def test_fits_holds_a_text_to_the_byte_cap_as_well() -> None:
    limits = Limits(300, unit=GRAPHEMES, max_bytes=100)
    assert fits(FAMILY * 4, limits)  # 4 graphemes, 100 bytes
    assert not fits(FAMILY * 4 + "!", limits)  # 5 graphemes, 101 bytes


@pytest.mark.parametrize(("text", "expected"), counter_cases())
def test_weighted_length_passes_the_twitter_text_conformance_suite(
    text: str, expected: dict[str, Any]
) -> None:
    assert counted_length(text, Limits(280, unit=WEIGHTED)) == expected["weightedLength"]
    assert fits(text, Limits(280, unit=WEIGHTED)) is expected["valid"]


def test_a_text_that_fits_is_one_part_with_its_tags() -> None:
    assert compose_parts("  Great talk \n", ["#a", "#b"], MASTODON) == ["Great talk #a #b"]


def test_one_part_drops_tags_that_do_not_fit_rather_than_start_a_thread() -> None:
    assert compose_parts("x" * 10, ["#abc", "#d"], Limits(13)) == ["x" * 10 + " #d"]


def test_an_empty_text_is_its_tags() -> None:
    assert compose_parts("  ", ["#a"], X) == ["#a"]


def test_characters_x_refuses_are_left_out() -> None:
    assert compose_parts("\ufeffHello\uffff", [], X) == ["Hello"]


@pytest.mark.parametrize(
    ("body", "limits", "expected"),
    [
        pytest.param(
            "The bus is running late today. We start at ten instead of nine.",
            Limits(40),
            ["The bus is running late today. 1/2", "We start at ten instead of nine. 2/2"],
            id="at a sentence end",
        ),
        pytest.param(
            "No sentence ends here so the split falls between two words",
            Limits(30),
            ["No sentence ends here so 1/3", "the split falls between 2/3", "two words 3/3"],
            id="between words without a sentence end",
        ),
        pytest.param(
            "Hi. This sentence is far too long to end a part early",
            Limits(40),
            ["Hi. This sentence is far too long to 1/2", "end a part early 2/2"],
            id="not at a sentence end that leaves a short part",
        ),
        pytest.param(
            "Agenda:\nTalks at ten\nLunch at one\nPanel at three",
            Limits(26),
            ["Agenda:\nTalks at ten 1/3", "Lunch at one 2/3", "Panel at three 3/3"],
            id="at line breaks, kept inside a part",
        ),
        pytest.param(
            "Doors open.   Lunch\nat one.",
            Limits(17),
            ["Doors open. 1/2", "Lunch\nat one. 2/2"],
            id="spaces at the split dropped",
        ),
        pytest.param(
            "Slides: https://example.org/slides/2024/keynote-final.pdf thanks @ana_k #opening",
            Limits(40, url_length=23),
            [
                "Slides: https://example.org/slides/2024/keynote-final.pdf 1/2",
                "thanks @ana_k #opening 2/2",
            ],
            id="a url whole, at its own weight",
        ),
        pytest.param(
            "Thanks @organiser_team for #socialworkweek",
            Limits(20),
            ["Thanks 1/4", "@organiser_team 2/4", "for 3/4", "#socialworkweek 4/4"],
            id="mentions and hashtags whole",
        ),
        pytest.param(
            "今日は 東京で 会議が あります。 皆さん 来てください。",
            Limits(20, unit=WEIGHTED),
            [
                "今日は 東京で 1/5",
                "会議が 2/5",
                "あります。 3/5",
                "皆さん 4/5",
                "来てください。 5/5",
            ],
            id="weighted: CJK counts two",
        ),
    ],
)
def test_a_long_text_becomes_a_numbered_thread(
    body: str, limits: Limits, expected: list[str]
) -> None:
    assert compose_parts(body, [], limits) == expected


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (13, ["aaaa bbbb 1/2", "cccc dddd 2/2"]),  # each part exactly at the limit
        (12, ["aaaa 1/4", "bbbb 2/4", "cccc 3/4", "dddd 4/4"]),  # two words leave no room for it
    ],
)
def test_the_numbering_counts_toward_each_part(limit: int, expected: list[str]) -> None:
    assert compose_parts("aaaa bbbb cccc dddd", [], Limits(limit)) == expected


def test_ten_parts_or_more_number_with_two_digits() -> None:
    parts = compose_parts(" ".join("abcdefghijklmnopqrstu"), [], Limits(8))
    assert parts[:2] == ["a b 1/12", "c d 2/12"]
    assert parts[8:] == ["q r 9/12", "s 10/12", "t 11/12", "u 12/12"]


def test_tags_go_on_the_first_part() -> None:
    parts = compose_parts(
        "Doors open at nine. Lunch is at one. Bring your badge.", ["#swrb13", "#sw"], Limits(40)
    )
    assert parts == [
        "Doors open at nine. #swrb13 #sw 1/2",
        "Lunch is at one. Bring your badge. 2/2",
    ]


def test_tags_go_on_every_part_when_asked() -> None:
    parts = compose_parts(
        "Doors open at nine. Lunch is at one. Bring your badge.",
        ["#swrb13"],
        Limits(40),
        tags_on_every_part=True,
    )
    assert parts == [
        "Doors open at nine. #swrb13 1/3",
        "Lunch is at one. #swrb13 2/3",
        "Bring your badge. #swrb13 3/3",
    ]


def test_a_thread_drops_tags_that_leave_no_room_for_a_word() -> None:
    parts = compose_parts("alpha beta gamma", ["#longtagname", "#t"], Limits(14))
    assert parts == ["alpha #t 1/2", "beta gamma 2/2"]


def test_grapheme_clusters_are_never_split() -> None:
    body = f"Family {FAMILY}{FAMILY} flags {FLAG_NZ}{FLAG_SCOTLAND} and caf{E_ACUTE} tu\u0308r"
    # Parts 2 and 4 hold exactly 12 graphemes: 24 and 14 code points.
    assert compose_parts(body, [], Limits(12, unit=GRAPHEMES)) == [
        "Family 1/4",
        f"{FAMILY}{FAMILY} flags 2/4",
        f"{FLAG_NZ}{FLAG_SCOTLAND} and 3/4",
        f"caf{E_ACUTE} tu\u0308r 4/4",
    ]


def test_a_space_before_a_combining_mark_is_no_place_to_split() -> None:
    # The space and the accent form one grapheme cluster, so "ef \u0301gh" is one word.
    assert compose_parts("abc ef \u0301gh ij", [], Limits(11)) == [
        "abc 1/3",
        "ef \u0301gh 2/3",
        "ij 3/3",
    ]


def test_bluesky_splits_a_301_grapheme_text_in_two() -> None:
    body = "ab " * 100 + "c"
    assert counted_length(body, BLUESKY) == 301
    assert compose_parts(body, [], BLUESKY) == [" ".join(["ab"] * 99) + " 1/2", "ab c 2/2"]


def test_bluesky_byte_cap_bites_before_the_grapheme_limit() -> None:
    body = " ".join([FAMILY * 5] * 40)  # 239 graphemes, 5039 bytes
    assert counted_length(body, BLUESKY) <= 300

    parts = compose_parts(body, ["#swrb13"], BLUESKY)

    assert len(parts) == 2
    assert all(len(part.encode()) <= 3000 for part in parts)
    assert body_words(parts, ["#swrb13"]) == body.split()
    assert parts[0].endswith(f"{FAMILY * 5} #swrb13 1/2")


def test_a_word_longer_than_a_whole_part_is_refused_not_cut() -> None:
    url = "https://example.org/" + "a" * 380
    with pytest.raises(TooLong) as raised:
        compose_parts(f"Read {url} now", [], BLUESKY)
    assert (raised.value.length, raised.value.limit) == (400, 300)


def test_a_word_over_the_byte_cap_is_refused_in_bytes() -> None:
    with pytest.raises(TooLong) as raised:
        compose_parts(f"{FAMILY * 121} ok", [], BLUESKY)
    assert (raised.value.length, raised.value.limit) == (3025, 3000)
    assert "bytes" in str(raised.value)


SMS = (
    "Great first day at the conference! The keynote on community-led practice was "
    "excellent, see https://example.org/talks/2024/keynote-community-led-practice.pdf "
    "for the slides. Thanks to @ana_k and the panel.\n\nTomorrow: workshops from nine, "
    "lunch at one, and the closing plenary at four. Bring your badge and a 🍎 or two "
    "— the café is shut. Questions to the desk by the main entrance, or text back."
)


@pytest.mark.parametrize(
    "limits",
    [X, BLUESKY, MASTODON, Limits(80), Limits(60, unit=WEIGHTED), Limits(80, unit=GRAPHEMES)],
)
@pytest.mark.parametrize("every", [False, True])
def test_every_word_appears_in_order_and_every_part_fits(limits: Limits, every: bool) -> None:
    body = f"{SMS}\n{SMS}"
    parts = compose_parts(body, ["#swrb13"], limits, tags_on_every_part=every)
    assert all(fits(part, limits) for part in parts)
    assert all(part == part.strip() for part in parts)
    assert body_words(parts, ["#swrb13"]) == body.split()
    assert "#swrb13" in parts[0]
