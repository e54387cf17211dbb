"""Event details as organisers type them: hashtags, codes and times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from store.events import EventError, normalise_code, parse_hashtags, parse_time


def test_hashtags_are_read_in_either_form() -> None:
    assert parse_hashtags("#swrb13 socialwork, #SWRB13") == ["#swrb13", "#socialwork"]
    with pytest.raises(EventError, match="not a hashtag"):
        parse_hashtags("#ok #not-ok")


def test_codes_are_capitals_letters_and_digits() -> None:
    assert normalise_code(" swrb13 ") == "SWRB13"
    with pytest.raises(EventError):
        normalise_code("no spaces")


def test_times_with_an_offset_are_converted_to_utc() -> None:
    assert parse_time("2026-11-24T09:00+13:00") == datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
    with pytest.raises(EventError):
        parse_time("tomorrow")
