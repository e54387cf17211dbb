"""Fit texts to SMS: a system reply into one segment, and any text under Twilio's length limit."""

from __future__ import annotations

import re

from workers.texts_out.reply_parts import Part, Phrase
from workers.texts_out.segments import count_segments, is_gsm7

# Twilio refuses a body over 1,600 characters. We count UTF-16 units (an emoji is two), never
# fewer than the characters Twilio counts, so a capped text is under the limit either way.
MAX_OUTBOUND_UNITS = 1600
CUT_MARK = "...(cut)"  # GSM-7, so marking a cut never turns a text into UCS-2


def fit_reply(template: str, /, **values: str | int | Part) -> str:
    """Write a reply in one segment where its fixed words allow, shortening values least-loss first.

    `template` holds the fixed words and {name} fields, as in str.format; each value is a
    plain string or number (kept as given) or a part from reply_parts (Url, Handle,
    Name, Quote, Listing, Phrase) that can shorten itself. When even the shortest forms do
    not fit one segment, they are returned as they are, capped by cap_outbound.
    """
    return fit_segments(Phrase(template, **values), 1)


def fit_broadcast(template: str, segments: int, /, **values: str | int | Part) -> str:
    """Write a notice, digest or followed post in this many segments, as fit_reply does."""
    return fit_segments(Phrase(template, **values), segments)


def fit_segments(reply: Part, segments: int) -> str:
    """Shorten the part, least loss first, until it fits this many segments (or cannot)."""
    while True:
        text = write(reply)
        if count_segments(text).segments <= segments:
            return text
        step = reply.shorter()
        if step is None:
            return cap_outbound(text)
        reply = step.part


def write(part: Part) -> str:
    """Write a part in GSM-7 when its meaning allows, else exactly as given (as Twilio does)."""
    text = part.text(gsm7=True)
    return text if is_gsm7(text) else part.text(gsm7=False)


def cap_outbound(text: str) -> str:
    """Cut a text longer than Twilio allows at a word boundary, ending it with "...(cut)"."""
    if _utf16_units(text) <= MAX_OUTBOUND_UNITS:
        return text
    budget, used, end = MAX_OUTBOUND_UNITS - len(CUT_MARK), 0, 0
    for char in text:
        used += _utf16_units(char)
        if used > budget:
            break
        end += 1
    head = text[:end]
    if not text[end].isspace():
        # Back up to the last space, unless that would throw away half the text.
        boundary = max((m.start() for m in re.finditer(r"\s", head)), default=-1)
        if boundary > budget // 2:
            head = head[:boundary]
    return head.rstrip() + CUT_MARK


def _utf16_units(text: str) -> int:
    """Count UTF-16 code units: one per character, two for one outside the BMP."""
    return len(text.encode("utf-16-le")) // 2
