"""Twilio's Smart Encoding: swap Unicode look-alikes for GSM-7 characters, keeping the meaning."""

from __future__ import annotations

import unicodedata

from workers.texts_out.segments import is_gsm7

# Twilio's table of characters replaced by Smart Encoding, grouped by what each becomes.
# Source: https://www.twilio.com/docs/messaging/services/smart-encoding-char-list, the same
# table Twilio's segment calculator applies (github.com/TwilioDevEd/message-segment-calculator,
# src/libs/SmartEncodingMap.ts). tests/fixtures/twilio/smart_encoding.json holds it row by row.
# Where we differ from it, it is to keep the meaning:
# - every space-like character becomes one space (the calculator writes two, and seven for a
#   tab), so a text is not made longer than it reads;
# - U+2039 and U+203A become "<" and ">", the way they point (the table turns them round).
_BY_REPLACEMENT: dict[str, str] = {
    # quotation marks and apostrophes
    '"': "\u00ab\u00bb\u201c\u201d\u02ba\u02ee\u201f\u201e\u275d\u275e\u301d\u301e\uff02",
    "'": (
        "\u2018\u2019\u02bb\u02c8\u02bc\u02bd\u02b9\u201b\uff07\u00b4\u02ca\u0060\u02cb"
        "\u275b\u275c\u0313\u0314\ufe10\ufe11"
    ),
    "<": "\u2039\ufe64\uff1c",
    ">": "\u203a\ufe65\uff1e",
    # dashes, lines and bullets
    "-": "\u2010\u2013\u2014\u2015\u2022\u2043\u23bc\u23bd\ufe63\uff0d",
    "_": "\u0332\u2017\uff3f",
    "|": "\u20d2\u20d3\u2223\u239c\u239f\u23b8\u23b9\u23d0\uff5c",
    # slashes and fractions
    "/": "\u00f7\u0337\u0338\u2044\u2215\u29f8\uff0f",
    "\\": "\u20e5\u29f5\u29f9\ufe68\uff3c",
    "1/4": "\u00bc",
    "1/2": "\u00bd",
    "3/4": "\u00be",
    # other punctuation in small, fullwidth and ornamental forms
    "...": "\u2026",
    "!!": "\u203c",
    "!": "\u01c3\ufe15\ufe57\uff01",
    "?": "\ufe16\ufe56\uff1f",
    ",": "\u0326\u201a\u3001\ufe50\ufe51\uff0c\uff64",
    ".": "\u3002\ufe52\uff0e\uff61",
    ":": "\u02d0\u02f8\u2982\ua789\ufe13\uff1a",
    ";": "\u204f\ufe14\ufe54\uff1b",
    "@": "\ufe6b\uff20",
    "$": "\ufe69\uff04",
    "#": "\ufe5f\uff03",
    "%": "\ufe6a\uff05",
    "&": "\ufe60\uff06",
    "*": (
        "\u204e\u2217\u229b\u2722\u2723\u2724\u2725\u2731\u2732\u2733\u273a\u273b\u273c"
        "\u273d\u2743\u2749\u274a\u274b\u29c6\ufe61\uff0a"
    ),
    "+": "\u02d6\ufe62\uff0b",
    "=": "\u0347\ua78a\ufe66\uff1d",
    "^": "\u02c6\u0302\u1dcd\uff3e",
    "~": "\u02dc\u02f7\u0303\u0330\u0334\u223c\uff5e",
    "(": "\u2768\u276a\u27ee\u2985\ufe59\uff08",
    ")": "\u2769\u276b\u27ef\u2986\ufe5a\uff09",
    "{": "\u2774\ufe5b\uff5b",
    "}": "\u2775\ufe5c\uff5d",
    "[": "\uff3b",
    "]": "\uff3d",
    # small capital letters (the fullwidth capitals and digits follow below)
    "A": "\u1d00",
    "B": "\u0299",
    "C": "\u1d04",
    "D": "\u1d05",
    "E": "\u1d07",
    "F": "\ua730",
    "G": "\u0262",
    "H": "\u029c",
    "I": "\u026a",
    "J": "\u1d0a",
    "K": "\u1d0b",
    "L": "\u029f",
    "M": "\u1d0d",
    "N": "\u0274",
    "O": "\u1d0f",
    "P": "\u1d18",
    "R": "\u0280",
    "S": "\ua731",
    "T": "\u1d1b",
    "U": "\u1d1c",
    "V": "\u1d20",
    "W": "\u1d21",
    "Y": "\u028f",
    "Z": "\u1d22",
    # spaces of every width, the line and paragraph separators, a tab, and C1 controls
    # that display as a space
    " ": (
        "\u0009\u0080\u008d\u0090\u009b\u009f\u00a0\u2000\u2001\u2002\u2003\u2004\u2005"
        "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
    ),
    # invisible characters and C0 controls, dropped
    "": "\u0000\u0003\u0004\u0010\u0011\u0012\u0013\u0014\u0017\u0019\u200b\u2060\ufeff",
}

LOOKALIKES: dict[str, str] = {
    char: replacement for replacement, chars in _BY_REPLACEMENT.items() for char in chars
}
# Twilio lists the fullwidth digits and capital letters (not the small ones) one by one.
LOOKALIKES.update({chr(0xFF10 + n): str(n) for n in range(10)})
LOOKALIKES.update({chr(0xFF21 + n): chr(ord("A") + n) for n in range(26)})

_TRANSLATION = str.maketrans(LOOKALIKES)


def swap_lookalikes(text: str) -> str:
    """Replace every character in Twilio's Smart Encoding table by its GSM-7 look-alike."""
    # NFC first: a letter typed as base + combining mark ("n" + U+0303) becomes the one
    # character it reads as ("ñ", which GSM-7 has) instead of "n~" from the table.
    return unicodedata.normalize("NFC", text).translate(_TRANSLATION)


def smart_encode(text: str) -> str:
    """Return the text as Twilio's Smart Encoding sends it: swapped only if that makes it GSM-7."""
    swapped = swap_lookalikes(text)
    return swapped if is_gsm7(swapped) else text
