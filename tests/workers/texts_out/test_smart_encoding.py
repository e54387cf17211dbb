"""Smart Encoding: every character of Twilio's table, and when Twilio applies it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workers.texts_out.segments import count_segments, is_gsm7
from workers.texts_out.smart_encoding import LOOKALIKES, smart_encode, swap_lookalikes

TABLE = json.loads(
    (Path(__file__).parents[2] / "fixtures" / "twilio" / "smart_encoding.json").read_text()
)["rows"]

# Where we write something other than Twilio's table, and why (see smart_encoding.py):
# one space for any space-like character, and angle quotes that point the way they did.
SPACE_LIKE = {"U+0009", "U+0080", "U+008D", "U+0090", "U+009B", "U+009F", "U+00A0", "U+2000"}
SPACE_LIKE |= {f"U+{n:04X}" for n in range(0x2002, 0x200B)} | {"U+202F", "U+205F", "U+3000"}
OURS = {code: " " for code in SPACE_LIKE} | {"U+2039": "<", "U+203A": ">"}


def test_the_table_is_twilios_list() -> None:
    assert len(TABLE) == 270
    assert {chr(int(row["code_point"][2:], 16)) for row in TABLE} == set(LOOKALIKES)


@pytest.mark.parametrize("row", TABLE, ids=lambda row: f"{row['code_point']} {row['name']}")
def test_every_character_of_twilios_table(row: dict[str, str]) -> None:
    char = chr(int(row["code_point"][2:], 16))
    expected = OURS.get(row["code_point"], row["replacement"])
    # Between letters, so NFC has nothing to compose a combining character with.
    assert swap_lookalikes(f"x{char}x") == f"x{expected}x"
    assert is_gsm7(expected)


def test_only_the_documented_differences() -> None:
    differ = {
        row["code_point"]
        for row in TABLE
        if OURS.get(row["code_point"]) not in (None, row["replacement"])
    }
    assert differ == set(OURS)
    assert all(row["replacement"].strip() == "" for row in TABLE if row["code_point"] in SPACE_LIKE)


def test_a_pasted_sentence_becomes_one_gsm7_segment() -> None:
    pasted = "“Kia ora” — it\u2019s the keynote… ½ past 2 at the\u00a0hall \uff03swrb13"
    assert count_segments(pasted).encoding == "UCS-2"
    assert smart_encode(pasted) == '"Kia ora" - it\'s the keynote... 1/2 past 2 at the hall #swrb13'
    assert count_segments(smart_encode(pasted)).encoding == "GSM-7"


def test_nothing_is_swapped_when_the_text_stays_ucs2() -> None:
    # As Twilio does: a character with no GSM-7 look-alike keeps the whole text as written.
    assert smart_encode("“Ka pai” 👍") == "“Ka pai” 👍"
    assert smart_encode("Tēnā koe — ka kite") == "Tēnā koe — ka kite"


def test_gsm7_text_is_unchanged() -> None:
    text = "Posted to X @aroha and Bluesky @aroha.bsky.social. Text UNDO to delete it. {€}"
    assert smart_encode(text) == text


def test_combining_marks_join_their_letter_before_the_table_applies() -> None:
    # "n" + combining tilde reads as "ñ", which GSM-7 has: not "n~".
    assert smart_encode("man\u0303ana") == "mañana"
    assert smart_encode("caf" + "e\u0301") == "café"
    # A combining tilde with nothing to join is still the table's "~".
    assert smart_encode("x\u0303") == "x~"


def test_invisible_characters_are_dropped() -> None:
    assert smart_encode("UNDO\u200b\ufeff") == "UNDO"
