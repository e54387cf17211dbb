"""Fit a text and its event's hashtags into one platform's posts. Pure: no I/O.

A text that fits becomes one post; a longer one becomes a numbered thread, split
between words. Only a single word longer than a whole post raises TooLong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

import regex
from twitter_text import parse_tweet
from twitter_text.config import config as twitter_config

from workers.platforms import GRAPHEMES, WEIGHTED, Limits

HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
# Trailing punctuation ends a sentence, not the URL, as the platforms count it.
URL = re.compile(r"https?://\S+?(?=[.,;:!?)\]'\"]*(?:\s|$))", re.IGNORECASE)
GRAPHEME = regex.compile(r"\X")  # an extended grapheme cluster: one perceived character
# Byte-order marks and noncharacters carry no text, and X refuses any post holding one.
UNPOSTABLE = re.compile("[\ufeff\ufffe\uffff]")
# A word that ends a sentence, perhaps inside closing quotes or brackets.
SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")


class TooLong(ValueError):
    """A text, or one word of it, is longer than a whole post may be."""

    def __init__(self, length: int, limit: int, unit: str = "characters") -> None:
        super().__init__(f"{length} {unit}, the limit is {limit}")
        self.length = length
        self.limit = limit


class Word(NamedTuple):
    """A run of text without whitespace, and the whitespace before it."""

    gap: str
    text: str


def hashtags_to_add(body: str, tags: Iterable[str]) -> list[str]:
    """Return the tags not already in the text, compared without case, each once."""
    present = {match.casefold() for match in HASHTAG.findall(body)}
    wanted: list[str] = []
    for tag in tags:
        name = tag.lstrip("#")
        if name and name.casefold() not in present:
            present.add(name.casefold())
            wanted.append(f"#{name}")
    return wanted


def counted_length(text: str, limits: Limits) -> int:
    """Return the text's length in the platform's unit (URLs at their fixed weight)."""
    if limits.unit == WEIGHTED:
        return int(_parse_weighted(text, limits).weightedLength)
    if limits.url_length is not None:
        text = URL.sub("x" * limits.url_length, text)
    if limits.unit == GRAPHEMES:
        return len(GRAPHEME.findall(text))
    return len(text)


def fits(text: str, limits: Limits) -> bool:
    """Return whether the text may be one post: its length, its UTF-8 bytes, X's rules."""
    if limits.max_bytes is not None and len(text.encode()) > limits.max_bytes:
        return False
    if limits.unit == WEIGHTED:
        # twitter-text's verdict also refuses an empty text and characters X will not take.
        return bool(_parse_weighted(text, limits).valid)
    return counted_length(text, limits) <= limits.max_characters


def compose_parts(
    body: str, tags: Iterable[str], limits: Limits, tags_on_every_part: bool = False
) -> list[str]:
    """Return the posts for the text: one with as many tags as fit, or a numbered thread."""
    text = _clean(body)
    if not text or fits(text, limits):
        return [_with_tags(text, tags, limits)]
    return _thread(_words(text), list(tags), limits, tags_on_every_part)


def _clean(body: str) -> str:
    """Return the body without characters no platform shows, and trimmed."""
    return UNPOSTABLE.sub("", body).strip()


def _with_tags(text: str, tags: Iterable[str], limits: Limits) -> str:
    """Append each tag that still fits, in order, after a space."""
    for tag in tags:
        candidate = f"{text} {tag}" if text else tag
        if fits(candidate, limits):
            text = candidate
    return text


def _thread(words: Sequence[Word], tags: list[str], limits: Limits, every: bool) -> list[str]:
    """Split the words into parts ending " 1/3", " 2/3"…, the tags on the first or every part."""
    widest = "9"
    while (parts := _numbered(words, tags, limits, every, widest)) is None:
        widest += "9"
    return parts


def _numbered(
    words: Sequence[Word], tags: list[str], limits: Limits, every: bool, widest: str
) -> list[str] | None:
    """Return the thread if it needs no more parts than `widest` (all nines), else None."""
    kept = _tags_beside_every_word(words, tags, f" {widest}/{widest}", limits)

    def suffix(number: int, total: str) -> str:
        tagged = kept if number == 1 or every else []
        return "".join(f" {tag}" for tag in tagged) + f" {number}/{total}"

    # Packed against the widest total of that many digits: the real one is never wider.
    groups = _pack(words, lambda number: suffix(number, widest), limits, most=int(widest))
    if groups is None:
        return None
    total = str(len(groups))
    return [_join(group) + suffix(number, total) for number, group in enumerate(groups, 1)]


def _tags_beside_every_word(
    words: Sequence[Word], tags: list[str], numbering: str, limits: Limits
) -> list[str]:
    """Keep the tags, in order, that leave room in a part for any one word and its number."""
    # Lengths add up across a space, so the longest words, counted and in bytes, decide.
    longest = {
        max(words, key=lambda word: counted_length(word.text, limits)),
        max(words, key=lambda word: len(word.text.encode())),
    }
    kept: list[str] = []
    for tag in tags:
        tail = "".join(f" {name}" for name in [*kept, tag]) + numbering
        if all(fits(word.text + tail, limits) for word in longest):
            kept.append(tag)
    return kept


def _pack(
    words: Sequence[Word], suffix: Callable[[int], str], limits: Limits, most: int
) -> list[Sequence[Word]] | None:
    """Group the words, in order, into parts that fit with their suffixes; None if over `most`."""
    groups: list[Sequence[Word]] = []
    start = 0
    while start < len(words):
        if len(groups) == most:
            return None
        tail = suffix(len(groups) + 1)
        end = _longest_fit(words, start, tail, limits)
        if end == start:
            # A word longer than a whole part: cutting it would change what was said.
            word = words[start].text
            raise _too_long(word if not fits(word, limits) else word + tail, limits)
        if end < len(words):
            end = _sentence_break(words, start, end)
        groups.append(words[start:end])
        start = end
    return groups


def _longest_fit(words: Sequence[Word], start: int, tail: str, limits: Limits) -> int:
    """Return the end of the most words from `start` that fit in one part before the tail."""
    # Every word counts at least one, so no part holds more words than the limit.
    low, high = start, min(len(words), start + limits.max_characters)
    # Bisect rather than add a word at a time: X's count parses the whole text each time.
    while low < high:
        middle = (low + high + 1) // 2
        if fits(_join(words[start:middle]) + tail, limits):
            low = middle
        else:
            high = middle - 1
    return low


def _sentence_break(words: Sequence[Word], start: int, end: int) -> int:
    """Return where to end the part words[start:end]: its last sentence or line, if late enough."""
    full = len(_join(words[start:end]))
    for cut in range(end - 1, start, -1):
        # An early sentence end would leave a short part and lengthen the thread.
        if 2 * len(_join(words[start:cut])) < full:
            break
        if SENTENCE_END.search(words[cut - 1].text) or "\n" in words[cut].gap:
            return cut
    return end


def _words(text: str) -> list[Word]:
    """Split the text at whitespace between grapheme clusters, keeping the whitespace."""
    words: list[Word] = []
    gap = word = ""
    # Whole clusters only, so a combining mark after a space stays with that space.
    for cluster in GRAPHEME.findall(text):
        if cluster.isspace():
            if word:
                words.append(Word(gap, word))
                gap = word = ""
            gap += cluster
        else:
            word += cluster
    if word:
        words.append(Word(gap, word))
    return words


def _join(words: Sequence[Word]) -> str:
    """Return some words (one at least) as written, without the whitespace before the first."""
    return words[0].text + "".join(word.gap + word.text for word in words[1:])


def _too_long(text: str, limits: Limits) -> TooLong:
    """Return the error for a text that does not fit, in the unit that it overflows."""
    length = counted_length(text, limits)
    if length <= limits.max_characters and limits.max_bytes is not None:
        return TooLong(len(text.encode()), limits.max_bytes, "bytes")
    return TooLong(length, limits.max_characters)


def _parse_weighted(text: str, limits: Limits) -> Any:
    """Return twitter-text's parse of the text under these limits."""
    options = {**twitter_config["defaults"], "max_weighted_tweet_length": limits.max_characters}
    if limits.url_length is not None:
        options["transformed_url_length"] = limits.url_length
    return parse_tweet(text, options)
