"""Count SMS segments the way carriers do: GSM-7 where every character allows it, else UCS-2."""

from __future__ import annotations

from dataclasses import dataclass

# GSM 03.38 basic character set (one septet each) and its extension table (two each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67


@dataclass(frozen=True)
class SegmentCount:
    """How a text will travel: its encoding, its length in units, and its segments."""

    encoding: str  # "GSM-7" or "UCS-2"
    units: int
    segments: int


def is_gsm7(text: str) -> bool:
    """Say whether every character of the text has a GSM-7 code."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def count_segments(text: str) -> SegmentCount:
    """Return the encoding and number of segments the text needs."""
    if is_gsm7(text):
        widths = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        single, multi, encoding = GSM7_SINGLE, GSM7_MULTI, "GSM-7"
    else:
        # UTF-16 code units: a character outside the BMP (most emoji) takes a surrogate pair.
        widths = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
        single, multi, encoding = UCS2_SINGLE, UCS2_MULTI, "UCS-2"
    units = sum(widths)
    if units <= single:
        return SegmentCount(encoding, units, 1)
    # An escape sequence or a surrogate pair is never split between two segments: when
    # it does not fit in what is left of one, it starts the next, as Twilio's own
    # segment calculator does.
    segments, used = 1, 0
    for width in widths:
        if used + width > multi:
            segments, used = segments + 1, 0
        used += width
    return SegmentCount(encoding, units, segments)
