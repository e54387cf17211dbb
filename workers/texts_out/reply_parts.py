"""The values a system reply is built from, each knowing how to shorten itself.

A reply is a `Phrase`: fixed words with values in it. A value is a plain string or number
(kept as given) or a part that knows its shorter forms, each step ranked by how much
meaning it loses:

    rank  step                                  example
    1     drop a URL's scheme and "www."        https://www.example.org/a -> example.org/a
    2     drop the server part of a handle      @aroha@mastodon.nz -> @aroha
    3     drop a URL's query and fragment       example.org/a?b=1#c -> example.org/a
    4     list fewer items                      X, Bluesky, Mastodon and LinkedIn -> X, Bluesky +2
    5     shorten a URL's path                  example.org/a/b -> example.org/a -> example.org
    5     keep fewer words of a name            Aroha Te Whare -> Aroha Te -> Aroha
    6     drop words from the end of a quote    we loved the keynote -> we loved...
    7     cut a handle or a one-word name       @averyverylonghandle -> @averyvery

Every part can be written two ways. `text(gsm7=True)` swaps Twilio's look-alikes and spells
names and handles in GSM-7 (ā as a, emoji dropped), because that loses nothing of who is
meant and shows on every phone; a `Quote` keeps its characters, since in someone's words
a macron or an emoji may be the meaning. `text(gsm7=False)` is the value exactly as given.
"""

from __future__ import annotations

import copy
import re
import string
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from workers.texts_out.segments import is_gsm7
from workers.texts_out.smart_encoding import swap_lookalikes

DROP_URL_SCHEME = 1
DROP_HANDLE_SERVER = 2
DROP_URL_QUERY = 3
SHORTEN_LIST = 4
SHORTEN_URL_PATH = 5
SHORTEN_NAME = 5
CUT_QUOTE = 6
CUT_WORD = 7

HANDLE_MIN = 8  # letters after "@" a cut handle keeps: enough for its owner to know it
NAME_MIN = 12  # letters a cut one-word name keeps
QUOTE_MIN = 20  # letters of a quote's first word kept when even that word is too long

# Letters Unicode does not decompose, spelled the way their own languages fall back to.
_UNDECOMPOSED = {
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "\u0131": "i",  # dotless i
    "œ": "oe",
    "Œ": "Oe",
    "þ": "th",
    "Þ": "Th",
    "ħ": "h",
    "Ħ": "H",
}

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_WWW = re.compile(r"^www\.", re.IGNORECASE)


class Step(NamedTuple):
    """One shortening: how much meaning it loses, and the part it leaves."""

    rank: int
    part: Part


class Part(ABC):
    """A value in a reply: written in GSM-7 or as given, and able to offer a shorter form."""

    @abstractmethod
    def text(self, gsm7: bool) -> str:
        """Write the value, GSM-7 look-alikes and spellings when gsm7, else exactly as given."""

    @abstractmethod
    def shorter(self) -> Step | None:
        """Return the step that loses least meaning, or None when this is the shortest form."""


def spell_in_gsm7(text: str) -> str | None:
    """Spell a name or handle in GSM-7 without losing a letter (ā as a, emoji dropped), or None."""
    swapped = swap_lookalikes(text)
    if is_gsm7(swapped):
        return swapped
    spelled = []
    for char in swapped:
        kind = unicodedata.category(char)[0]
        if is_gsm7(char):
            spelled.append(char)
        elif kind in "LN":
            plain = _UNDECOMPOSED.get(char) or "".join(
                c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
            )
            if not plain or not is_gsm7(plain):
                return None  # a letter GSM-7 cannot write: dropping it would change the name
            spelled.append(plain)
        elif kind == "Z":
            spelled.append(" ")
        # Marks, symbols (emoji among them), punctuation GSM-7 lacks and invisible format
        # characters carry no letter of the name, so they are left out.
    written = " ".join("".join(spelled).split())
    return written or None


def as_part(value: str | int | Part) -> Part:
    """Wrap a plain string or number as a part kept as given."""
    if isinstance(value, Part):
        return value
    return Plain(str(value))


def _cheapest(current: Part, steps: Sequence[Step]) -> Step | None:
    """Pick the step that loses least meaning; among equals, the one that saves most."""
    if not steps:
        return None
    length = len(current.text(gsm7=True))
    return min(steps, key=lambda step: (step.rank, len(step.part.text(gsm7=True)) - length))


class Plain(Part):
    """Words kept as given: only Twilio's look-alikes are swapped."""

    def __init__(self, words: str) -> None:
        self.words = words

    def text(self, gsm7: bool) -> str:
        """Write the words, look-alikes swapped when gsm7."""
        return swap_lookalikes(self.words) if gsm7 else self.words

    def shorter(self) -> Step | None:
        """Plain words are never shortened."""
        return None


class _Ladder(Part):
    """A value with a fixed list of ever shorter forms, taken one at a time."""

    def __init__(self, value: str) -> None:
        self.value = value
        self._forms = _shrinking(self._ladder(value))
        self._level = 0

    @staticmethod
    @abstractmethod
    def _ladder(value: str) -> list[tuple[int, str]]:
        """List (rank, form) from the full value (rank 0) to the shortest form."""

    @property
    def form(self) -> str:
        """The form this part is at."""
        return self._forms[self._level][1]

    @property
    def is_cut(self) -> bool:
        """Whether this part is shorter than given."""
        return self._level > 0

    def text(self, gsm7: bool) -> str:
        """Write the current form, look-alikes swapped when gsm7."""
        return swap_lookalikes(self.form) if gsm7 else self.form

    def shorter(self) -> Step | None:
        """Take the next form of the ladder."""
        if self._level + 1 >= len(self._forms):
            return None
        next_part = copy.copy(self)
        next_part._level = self._level + 1
        return Step(self._forms[next_part._level][0], next_part)


def _shrinking(forms: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Keep only forms shorter than the one before, so every step saves something."""
    kept = forms[:1]
    for rank, form in forms[1:]:
        if len(form) < len(kept[-1][1]):
            kept.append((rank, form))
    return kept


class Url(_Ladder):
    """A link: loses its scheme and "www." first, then its query, then its path."""

    @staticmethod
    def _ladder(value: str) -> list[tuple[int, str]]:
        """List the URL, bare, without query, with one path segment, and its host alone."""
        bare = _WWW.sub("", _SCHEME.sub("", value))
        host, _, path = bare.partition("/")
        if not path:
            bare = host  # "example.org/" reads the same as "example.org"
        no_query = re.split(r"[?#]", bare, maxsplit=1)[0]
        host, _, path = no_query.partition("/")
        segments = [segment for segment in path.split("/") if segment]
        forms = [(0, value), (DROP_URL_SCHEME, bare), (DROP_URL_QUERY, no_query)]
        if segments:
            forms.append((SHORTEN_URL_PATH, f"{host}/{segments[0]}"))
        forms.append((SHORTEN_URL_PATH, host))
        return forms


class Handle(_Ladder):
    """An account handle, written with "@": loses its server part, then letters from the end."""

    def text(self, gsm7: bool) -> str:
        """Write the handle, spelled in GSM-7 when gsm7 and it can be."""
        return (spell_in_gsm7(self.form) or swap_lookalikes(self.form)) if gsm7 else self.form

    @staticmethod
    def _ladder(value: str) -> list[tuple[int, str]]:
        """List @user@server, @user, then @user cut down to HANDLE_MIN letters."""
        full = value if value.startswith("@") else f"@{value}"
        user = re.split(r"[@.]", full[1:], maxsplit=1)[0]
        forms = [(0, full), (DROP_HANDLE_SERVER, f"@{user}")]
        forms += [(CUT_WORD, f"@{user[:n]}") for n in range(len(user) - 1, HANDLE_MIN - 1, -1)]
        return forms


class Name(_Ladder):
    """A person's or group's name: spelled in GSM-7 when it can be, then fewer words."""

    def text(self, gsm7: bool) -> str:
        """Write the name, spelled in GSM-7 when gsm7 and it can be."""
        return (spell_in_gsm7(self.form) or swap_lookalikes(self.form)) if gsm7 else self.form

    @staticmethod
    def _ladder(value: str) -> list[tuple[int, str]]:
        """List the name, then ever fewer of its words, then its first word cut."""
        words = value.split()
        forms = [(0, value)]
        forms += [(SHORTEN_NAME, " ".join(words[:n])) for n in range(len(words) - 1, 0, -1)]
        if words:
            forms.append((CUT_WORD, words[0][:NAME_MIN]))
        return forms


class Quote(_Ladder):
    """Someone's words: kept character for character, cut from the end with a mark."""

    def text(self, gsm7: bool) -> str:
        """Write the words, with "..." (or "…" outside GSM-7) where they were cut."""
        if not self.is_cut:
            return super().text(gsm7)
        return super().text(gsm7) + ("..." if gsm7 else "…")

    @staticmethod
    def _ladder(value: str) -> list[tuple[int, str]]:
        """List the words, then ever fewer of them, then the first word cut."""
        words = value.split()
        forms = [(0, value)]
        forms += [
            (CUT_QUOTE, " ".join(words[:n]).rstrip(",;:")) for n in range(len(words) - 1, 0, -1)
        ]
        if words:
            forms.append((CUT_QUOTE, words[0][:QUOTE_MIN]))
        return forms


class Listing(Part):
    """Items joined as "a, b and c", shortened to "a, b +1"; each item may shorten too."""

    def __init__(self, items: Iterable[str | int | Part]) -> None:
        self.items = tuple(as_part(item) for item in items)
        self._shown = len(self.items)

    def text(self, gsm7: bool) -> str:
        """Write the items shown, and how many more there are."""
        shown = [item.text(gsm7) for item in self.items[: self._shown]]
        hidden = len(self.items) - self._shown
        if hidden:
            return ", ".join(shown) + f" +{hidden}"
        if len(shown) <= 1:
            return "".join(shown)
        return ", ".join(shown[:-1]) + " and " + shown[-1]

    def shorter(self) -> Step | None:
        """Shorten an item shown, or show one item fewer, whichever loses least."""
        steps = []
        for index, item in enumerate(self.items[: self._shown]):
            step = item.shorter()
            if step is not None:
                steps.append(Step(step.rank, self._replacing(index, step.part)))
        if self._shown > 1:
            fewer = copy.copy(self)
            fewer._shown = self._shown - 1
            steps.append(Step(SHORTEN_LIST, fewer))
        return _cheapest(self, steps)

    def _replacing(self, index: int, item: Part) -> Listing:
        """Return a copy with one item replaced."""
        changed = copy.copy(self)
        changed.items = (*self.items[:index], item, *self.items[index + 1 :])
        return changed


class Phrase(Part):
    """Fixed words with named values, written like str.format: "Posted to {where}."."""

    def __init__(self, template: str, /, **values: str | int | Part) -> None:
        self.pieces: list[tuple[str, str | None]] = []
        for literal, field, spec, conversion in string.Formatter().parse(template):
            if field is not None and (not field.isidentifier() or spec or conversion):
                raise ValueError(f"only plain {{name}} fields are allowed: {template!r}")
            self.pieces.append((literal, field))
        fields = {field for _, field in self.pieces if field is not None}
        if fields != set(values):
            missing, unused = sorted(fields - set(values)), sorted(set(values) - fields)
            raise ValueError(f"values do not fit the template: missing {missing}, unused {unused}")
        self.values = {name: as_part(value) for name, value in values.items()}

    def text(self, gsm7: bool) -> str:
        """Write the fixed words and every value."""
        written = []
        for literal, field in self.pieces:
            written.append(swap_lookalikes(literal) if gsm7 else literal)
            if field is not None:
                written.append(self.values[field].text(gsm7))
        return "".join(written)

    def shorter(self) -> Step | None:
        """Shorten the value whose next step loses least meaning."""
        steps = []
        for name, value in self.values.items():
            step = value.shorter()
            if step is not None:
                changed = copy.copy(self)
                changed.values = {**self.values, name: step.part}
                steps.append(Step(step.rank, changed))
        return _cheapest(self, steps)
