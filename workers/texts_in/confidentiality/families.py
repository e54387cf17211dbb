"""Families named by surname: "the Hohepa whānau", "the 4 Brown kids", "the Murphys"."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from workers.texts_in.confidentiality.names import NAME_PARTICLES, ORGANISATION_WORDS
from workers.texts_in.confidentiality.reading import LETTER, SENTENCE_END, WORD, Word
from workers.texts_in.confidentiality.signals import FAMILY, Signal
from workers.texts_in.confidentiality.words import (
    common_words,
    english_words,
    fold,
    places,
    te_reo_words,
)

# Words before "whānau", "family" or "kids" that are not surnames.
NOT_SURNAMES = frozenset(
    (
        *("maori", "pacific", "pasifika", "samoan", "tongan", "fijian", "niuean", "cook"),
        *("asian", "chinese", "indian", "korean", "kiwi", "nz", "pakeha", "european"),
        *("refugee", "migrant", "rural", "foster", "whanau", "ora", "host", "blended"),
        *("aotearoa", "zealand", "island", "islander", "tangata", "whenua", "iwi", "hapu"),
        *("tokelauan", "tuvaluan", "filipino", "african", "somali", "ethiopian", "muslim"),
        *("christian", "catholic", "mormon", "deaf", "disabled", "kapa", "haka", "church"),
        *("islands", "tahu", "porou", "whatua", "tuhoe", "tainui", "kahungunu", "waikato"),
        *("mosque", "church", "marae", "school", "kura", "team", "club", "community", "rugby"),
        *("netball", "gym", "office", "unit", "ward", "hapu", "lil", "little", "wee", "big"),
        # sports teams: "the Warriors are playing"
        *("crusader", "hurricane", "chief", "blue", "highlander", "warrior", "breaker"),
        *("steeler", "kiwi", "fern", "black", "mystic", "star", "knight", "tui", "magpie"),
        *("oranga", "whatu", "puni", "kainga", "all", "our", "my", "your", "their", "his", "her"),
    )
)

# Words before a capitalised word and "whānau" that make it a group, not a family.
GROUP_WORDS = frozenset(("our", "my", "your", "their", "all", "ngai", "ngati", "nga"))

FAMILY_WORDS = (
    r"wh[aā]nau|family|kids|boys|girls|household|twins|children|tamariki|siblings|brothers"
    r"|sisters|sons|daughters|mokopuna|moko|clan|aiga|fam|boy|girl|kid|son|daughter|baby|twin"
    r"|lot|mob|cousins|nephews|nieces|grandkids|mokos|bros|sistas"
)

# "the Hohepa whānau", "the 4 Brown kids", "Zhang family's eldest", "the singh family".
FAMILY_NAME = re.compile(
    rf"(?P<the>\bthe\s+)?(?:\d+\s+|both\s+|two\s+|three\s+)?"
    rf"(?P<surname>{LETTER}[\w'\u2019]*(?:[\s-]{LETTER}[\w'\u2019]*)?)\s+"
    rf"(?P<kin>{FAMILY_WORDS})(?!\w)",
    re.IGNORECASE,
)

# "whānau Te Wera", "family Tuilagi": the kin word first.
KIN_THEN_SURNAME = re.compile(
    r"\b(?i:wh[aā]nau|family|aiga|mum\s+and\s+dad)\s+(?P<surname>(?:Te\s+)?[A-ZĀĒĪŌŪ][\w'\u2019\-]+)"
)

# "the Murphys", "the Nguyens' place".
PLURAL_SURNAME = re.compile(
    r"\b[Tt]he\s+(?:[A-ZĀĒĪŌŪ][\w\-]*\s+){0,2}(?P<surname>[A-ZĀĒĪŌŪ](?:[\w\-]|['\u2019](?=\w))*?)"
    r"(?:s|['\u2019]s)(?:['\u2019]|\b)"
)

# Words that can follow "the Murphys" when it names a family.
AFTER_FAMILY = frozenset(
    (
        *("in", "at", "from", "are", "were", "have", "had", "got", "lost", "all", "both"),
        *("next", "down", "up", "again", "still", "and", "on", "who", "need", "needs"),
        *("with", "moved", "came", "went", "were", "did", "didn't", "have", "haven't"),
        *("ever", "never", "always", "still", "finally", "already", "will", "would", "could"),
        *("today", "yesterday", "tonight", "again", "last", "this", "are", "is", "was", "said"),
        *("can", "can't", "do", "don't", "must", "should", "might", "need", "in", "for", "to"),
    )
)


def find_families(text: str, words: Sequence[Word]) -> Iterator[Signal]:
    """Yield a family named by its surname: the Hohepa whānau, the Murphys."""
    for match in FAMILY_NAME.finditer(text):
        if is_surname_before_kin(text, match):
            yield Signal(FAMILY, match.start(), match.end())
    for match in PLURAL_SURNAME.finditer(text):
        if is_plural_surname(text, match):
            yield Signal(FAMILY, match.start(), match.end())
    for match in KIN_THEN_SURNAME.finditer(text):
        surname = fold(match.group("surname").split()[-1])
        if not (
            surname.startswith("i'")  # "every family I've worked with"
            or surname in te_reo_words()  # "Whānau Āwhina Plunket"
            or surname in NOT_SURNAMES
            or surname in ORGANISATION_WORDS
            or surname in places()
        ):
            yield Signal(FAMILY, match.start(), match.end())


def is_surname_before_kin(text: str, match: re.Match[str]) -> bool:
    """Tell whether the word before "whānau", "family" or "kids" is a surname."""
    words = match.group("surname").split()
    surname = words[-1]
    folded = fold(surname[:-2] if surname.endswith(("'s", "\u2019s")) else surname)
    capital = surname[0].isupper() and not surname.isupper()
    te_surname = len(words) == 2 and fold(words[0]) == "te"  # Te Rangi, Te Kani
    preceding = fold(text[max(0, match.start() - 12) : match.start()]).split()
    raw = text[: match.start()].split()
    if (
        raw
        and not match.group("the")
        and (raw[-1][:1].isupper() or raw[-1] == "o")
        and fold(raw[-1]) not in NAME_PARTICLES
    ):
        return False  # "Te Hauora o Te Hiku o Te Ika whānau": an organisation's people
    if folded in NOT_SURNAMES or (preceding and preceding[-1] in GROUP_WORDS):
        return False  # "Pasifika families", "all our Cook Islands whānau", "Ngāi Tahu whānau"
    after = WORD.match(text[match.end() :].lstrip())
    if after and (
        fold(after.group()) in ("ora", "case") or fold(after.group()) in ORGANISATION_WORDS
    ):
        return False  # Whānau Ora, Whaiora Whānau Services, the Kahui twins case
    if folded in te_reo_words() and not te_surname:
        return False  # "kapa haka whānau", "ma te wā whānau"
    starts_sentence = match.start("surname") == 0 or bool(
        SENTENCE_END.search(text[max(0, match.start("surname") - 3) : match.start("surname")])
    )
    if capital:
        # "Foster families need...": a common word capitalised only to begin a sentence
        return not (folded in common_words() and starts_sentence and len(words) == 1)
    # In lowercase only a family, whānau or household, and a surname no word or place
    # shares: "the singh family", "mcallister whānau"; not "Linwood mosque whānau"
    before = text[: match.start("surname")].rstrip().split()
    if (before and before[-1][:1].isupper()) or folded in places():
        return False
    kin = fold(match.group("kin"))
    if kin != "family" and not match.group("the"):
        return False  # "chur whānau": a greeting; "the singh whānau", "mcallister family"
    return (
        kin in ("whanau", "family", "household", "fam", "aiga", "boys")
        and len(folded) >= 4
        and folded not in common_words()
    )


def is_plural_surname(text: str, match: re.Match[str]) -> bool:
    """Tell whether "the Murphys" names a family: a surname in the plural, then a verb or a stop."""
    surname = match.group("surname")
    if surname.isupper():
        return False  # all in capitals: no telling names from shouting
    after = text[match.end() :]
    if after.startswith(" "):
        next_word = WORD.match(after, 1)
        following = fold(next_word.group()) if next_word else ""
        if following and following not in AFTER_FAMILY and not following.endswith("ed"):
            return False  # "the Hastings uplift": a place, or a name used as an adjective
    base = fold(surname)
    if len(base) < 4 or base + "s" in places():
        return False  # "Jake the Muss", "the Hastings"
    # A surname may be a te reo word (the Rangis) but not an English one (the Blues).
    return not (base + "s" in english_words() or base in NOT_SURNAMES or base in english_words())
