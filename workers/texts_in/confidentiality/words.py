"""The word lists the check reads names against, loaded once from data/.

Every word is compared folded: lowercase, macrons and accents removed, curly
apostrophes straightened, so "Rāwiri", "RAWIRI" and "rawiri" are one name.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


def fold(word: str) -> str:
    """Return a word lowercased, without macrons or accents, with a straight apostrophe."""
    decomposed = unicodedata.normalize("NFD", word.lower().replace("\u2019", "'"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def read_list(name: str) -> frozenset[str]:
    """Read one of data/'s lists: one entry a line, '#' lines are comments."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(fold(line.strip()) for line in lines if line.strip() and line[0] != "#")


@cache
def given_names() -> frozenset[str]:
    """Given names: the US census list and the Aotearoa list, folded."""
    return read_list("given_names_census.txt") | read_list("given_names_aotearoa.txt")


@cache
def common_words() -> frozenset[str]:
    """Everyday English, te reo Māori, Pasifika and conference words: not names."""
    return (
        read_list("common_words.txt")
        | read_list("common_words_te_reo.txt")
        | read_list("common_words_hui.txt")
    )


@cache
def te_reo_words() -> frozenset[str]:
    """The te reo Māori and Pasifika words of common_words, some of them also names."""
    return read_list("common_words_te_reo.txt")


@cache
def aotearoa_names() -> frozenset[str]:
    """The Aotearoa list alone: Māori and Pasifika names, some of them also words."""
    return read_list("given_names_aotearoa.txt")


@cache
def places() -> frozenset[str]:
    """Places in Aotearoa: a capitalised word here is a place, not a person."""
    return read_list("places_aotearoa.txt")


@cache
def english_words() -> frozenset[str]:
    """Everyday English words alone: "If", "The", "When" begin sentences, not names."""
    return read_list("common_words.txt") | read_list("common_words_hui.txt")
