"""compose: the text and its event's hashtags, within one platform's limits."""

from __future__ import annotations

import pytest

from workers.compose import TooLong, compose, counted_length, hashtags_to_add
from workers.platforms import Limits


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


def test_compose_appends_tags_after_a_space() -> None:
    assert compose("  Great talk \n", ["#a", "#b"], Limits(500)) == "Great talk #a #b"


def test_compose_keeps_line_breaks_inside_the_text() -> None:
    assert compose("Line one\nLine two", ["#a"], Limits(500)) == "Line one\nLine two #a"


def test_compose_drops_tags_that_do_not_fit() -> None:
    assert compose("x" * 10, ["#abc", "#d"], Limits(13)) == "x" * 10 + " #d"


def test_compose_refuses_a_text_longer_than_the_limit() -> None:
    with pytest.raises(TooLong) as raised:
        compose("x" * 11, [], Limits(10))
    assert (raised.value.length, raised.value.limit) == (11, 10)


def test_urls_count_at_the_platform_weight() -> None:
    text = "See https://example.org/a/very/long/path/that/goes/on/and/on"
    assert counted_length(text, Limits(500, url_length=23)) == len("See ") + 23
    assert counted_length(text, Limits(500)) == len(text)


def test_trailing_punctuation_is_not_part_of_a_url() -> None:
    limits = Limits(500, url_length=23)
    assert counted_length("see https://example.org/a/long/page.", limits) == len("see ") + 23 + 1
    assert counted_length("(https://example.org/x), ok", limits) == 1 + 23 + len("), ok")
