"""A post read into words: which begin a sentence, which are capitalised or possessive."""

from __future__ import annotations

import re
from dataclasses import dataclass

from workers.texts_in.confidentiality.words import (
    fold,
)

LETTER = r"[^\W\d_]"

WORD = re.compile(rf"{LETTER}+(?:['\u2019\-]{LETTER}+)*")

SENTENCE_END = re.compile(r"[.!?;:\n]|\s[-\u2013\u2014]\s|[\U0001F300-\U0001FAFF\u2600-\u27BF]")


@dataclass(frozen=True)
class Word:
    """One word of the post, with what the checks need to know about it."""

    text: str
    folded: str  # lowercase, no macrons, no "'s"
    start: int
    end: int
    starts_sentence: bool
    possessive: bool


def split_words(text: str) -> list[Word]:
    """Split the post into words, noting which begin a sentence and which are possessive."""
    words: list[Word] = []
    for match in WORD.finditer(text):
        raw = match.group()
        possessive = raw.endswith(("'s", "\u2019s")) or text[match.end() : match.end() + 1] in (
            "'",
            "\u2019",
        )
        base = raw[:-2] if raw.endswith(("'s", "\u2019s")) else raw
        before = text[words[-1].end if words else 0 : match.start()]
        starts = not words or bool(SENTENCE_END.search(before))
        words.append(Word(base, fold(base), match.start(), match.end(), starts, possessive))
    return words


def is_capitalised(word: Word) -> bool:
    """A word written with a capital first letter and not all in capitals (not OT, WINZ)."""
    return word.text[0].isupper() and not (len(word.text) > 1 and word.text.isupper())
