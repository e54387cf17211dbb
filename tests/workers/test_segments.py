"""count_segments: GSM-7 and UCS-2, single and concatenated."""

from __future__ import annotations

import pytest

from workers.segments import count_segments


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("Posted to Mastodon @aroha.", "GSM-7", 26, 1),
        ("x" * 160, "GSM-7", 160, 1),
        ("x" * 161, "GSM-7", 161, 2),
        ("x" * 306, "GSM-7", 306, 2),
        ("x" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # extension characters count two
        ("€" * 81, "GSM-7", 162, 2),
        ("Kia ora Māori", "UCS-2", 13, 1),
        ("x" * 69 + "😀", "UCS-2", 71, 2),  # an emoji is two UTF-16 units
        ("ā" * 70, "UCS-2", 70, 1),
        ("ā" * 134, "UCS-2", 134, 2),
        ("ā" * 135, "UCS-2", 135, 3),
    ],
)
def test_count_segments(text: str, encoding: str, units: int, segments: int) -> None:
    count = count_segments(text)
    assert (count.encoding, count.units, count.segments) == (encoding, units, segments)
