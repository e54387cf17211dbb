"""count_segments: GSM-7 and UCS-2, single and concatenated, at every boundary."""

from __future__ import annotations

import pytest

from workers.texts_out.segments import count_segments, is_gsm7


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("Posted to Mastodon @aroha.", "GSM-7", 26, 1),
        ("", "GSM-7", 0, 1),
        # GSM-7 basic characters: 160 in one segment, 153 in each of several
        ("x" * 160, "GSM-7", 160, 1),
        ("x" * 161, "GSM-7", 161, 2),
        ("x" * 153 * 2, "GSM-7", 306, 2),
        ("x" * (153 * 2 + 1), "GSM-7", 307, 3),
        ("x" * 153 * 3, "GSM-7", 459, 3),
        (
            "@£$¥èéùìòÇØøÅå" + "ΔΦΓΛΩΠΨΣΘΞ" + "ÆæßÉ¤¡\u00c4\u00d6\u00d1\u00dc\u00a7¿äöñüà",
            "GSM-7",
            41,
            1,
        ),
        # the extension table: each character takes an escape and a septet
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        ("^{}\\[~]|€\f", "GSM-7", 20, 1),
        ("x" * 158 + "[", "GSM-7", 160, 1),
        ("x" * 159 + "[", "GSM-7", 161, 2),
        # UCS-2: 70 UTF-16 units in one segment, 67 in each of several
        ("Kia ora Māori", "UCS-2", 13, 1),
        ("ā" * 70, "UCS-2", 70, 1),
        ("ā" * 71, "UCS-2", 71, 2),
        ("ā" * 67 * 2, "UCS-2", 134, 2),
        ("ā" * (67 * 2 + 1), "UCS-2", 135, 3),
        # an emoji outside the BMP is a surrogate pair: two units
        ("😀", "UCS-2", 2, 1),
        ("x" * 68 + "😀", "UCS-2", 70, 1),
        ("x" * 69 + "😀", "UCS-2", 71, 2),
        ("“quoted”", "UCS-2", 8, 1),  # smart quotes are not GSM-7 until swapped
    ],
)
def test_count_segments(text: str, encoding: str, units: int, segments: int) -> None:
    count = count_segments(text)
    assert (count.encoding, count.units, count.segments) == (encoding, units, segments)


def test_an_escape_sequence_is_not_split_between_segments() -> None:
    # 306 septets would fill two segments, but "€" at 153-154 moves to the second,
    # pushing the last septet into a third.
    text = "x" * 152 + "€" + "x" * 152
    assert (count_segments(text).units, count_segments(text).segments) == (306, 3)
    assert count_segments("x" * 151 + "€" + "x" * 153).segments == 2


def test_a_surrogate_pair_is_not_split_between_segments() -> None:
    text = "ā" * 66 + "😀" + "ā" * 66
    assert (count_segments(text).units, count_segments(text).segments) == (134, 3)
    assert count_segments("ā" * 65 + "😀" + "ā" * 67).segments == 2


@pytest.mark.parametrize(
    ("text", "gsm7"),
    [("Kia ora", True), ("{€}", True), ("Māori", False), ("…", False), ("👍", False), ("", True)],
)
def test_is_gsm7(text: str, gsm7: bool) -> None:
    assert is_gsm7(text) is gsm7
