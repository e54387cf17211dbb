"""Fit a text and its event's hashtags into one platform's limits. Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable

from workers.platforms import Limits

HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
# Trailing punctuation ends a sentence, not the URL, as the platforms count it.
URL = re.compile(r"https?://\S+?(?=[.,;:!?)\]'\"]*(?:\s|$))", re.IGNORECASE)


class TooLong(ValueError):
    """The text alone is longer than the platform allows."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"{length} characters, the limit is {limit}")
        self.length = length
        self.limit = limit


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
    """Return the text's length as the platform counts it (URLs at their fixed weight)."""
    if limits.url_length is None:
        return len(text)
    return len(URL.sub("x" * limits.url_length, text))


def compose(body: str, tags: Iterable[str], limits: Limits) -> str:
    """Return the text with as many of the tags as fit; raise TooLong if the text cannot."""
    text = body.strip()
    length = counted_length(text, limits)
    if length > limits.max_characters:
        raise TooLong(length, limits.max_characters)
    for tag in tags:
        candidate = f"{text} {tag}"
        if counted_length(candidate, limits) <= limits.max_characters:
            text = candidate
    return text
