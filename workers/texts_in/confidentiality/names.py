"""Names in a post: given names, capitalised words used as names, titles.

A name is private unless something makes it public: a title like Dr, Prof,
Judge, Sir or Dame before it; a talk around it ("Kieran's session", "keynote
from Tracie Mafile'o", "Hemi Smith ... presented"); a colleague ("my colleague
Mere"). A capitalised word in a longer proper noun (Te Tai Tokerau, Kāinga Ora,
Grace Hospital) or on the list of places is no name."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from itertools import pairwise

from workers.texts_in.confidentiality.reading import Word, is_capitalised
from workers.texts_in.confidentiality.signals import KIN_TITLED, NAME, TITLED, WEAK_NAME, Signal
from workers.texts_in.confidentiality.words import (
    aotearoa_names,
    common_words,
    english_words,
    given_names,
    places,
    te_reo_words,
)

PUBLIC_TITLES = frozenset(
    (
        *("dr", "doctor", "prof", "professor", "assoc", "associate", "sir", "dame", "judge"),
        *("justice", "minister", "hon", "commissioner", "mp", "rev", "reverend", "bishop"),
        *("archbishop", "kingi", "king", "queen", "mayor", "councillor", "colleague"),
        *("colleagues", "manager", "supervisor", "boss", "ceo", "chair", "author", "keynote"),
        *("speaker", "presenter", "panellist", "panelist", "facilitator", "mc", "coach"),
        *("practitioner", "researcher", "lecturer", "academic", "director", "adviser"),
        *("advisor", "chief", "kaumatua", "poet", "writer", "artist", "mp", "councillor"),
    )
)

PRIVATE_TITLES = frozenset(("mr", "mrs", "ms", "miss", "mx", "mister"))

KIN_TITLES = frozenset(
    (
        *("whaea", "matua", "nana", "nan", "nanny", "koro", "kui", "kuia", "aunty", "auntie"),
        *("aunt", "uncle", "mama", "papa", "baby", "tupuna", "poua", "taua", "bro", "sis"),
        *("sister", "brother", "pastor", "father"),
    )
)

# Words around a name that make it a speaker's or an author's.
TALK_WORDS = frozenset(
    (
        *("session", "sessions", "talk", "talks", "keynote", "presentation", "presented"),
        *("presenting", "presents", "panel", "workshop", "poster", "slides", "slide"),
        *("thesis", "book", "books", "paper", "research", "study", "article", "q&a", "quote"),
        *("quoting", "quoted", "mc", "facilitator", "facilitated", "facilitating", "chair"),
        *("chaired", "chairing", "speech", "lecture", "webinar", "podcast", "framework"),
        *("model", "mihi", "karakia", "waiata", "kaikorero", "spoke", "speaking", "plenary"),
        *("abstract", "launch", "launched", "tweeting", "tweets", "blog", "findings", "stall"),
        *("stand", "chairs", "hosting", "hosted", "opened", "opening", "closing"),
        *("talking", "talked", "sharing", "shared", "explaining", "explained", "discussing"),
        *("unpacking", "outlining", "reminding", "reminded", "presenter", "speaker", "keynote"),
        *("discussed", "discussion", "panellist", "panelist", "kaikōrero", "interview"),
        *("farewell", "award", "awards", "retiring", "retirement", "story", "journey"),
        *("legend",),
    )
)

TALK_REACH_AFTER = (
    6  # words from a name to a talk word after it: "Losa ... for the talanoa session"
)

BY_WORDS = frozenset(("from", "by", "with", "w", "featuring", "ft", "feat"))

# Capitalised words that come right after a name-like word and make it a place or
# an organisation: "Grace Hospital", "Tama Street", "Hohepa Trust".
ORGANISATION_WORDS = frozenset(
    (
        *("court", "hospital", "college", "school", "high", "primary", "intermediate"),
        *("university", "uni", "centre", "center", "trust", "ora", "council", "station"),
        *("marae", "unit", "house", "clinic", "services", "service", "health", "hauora"),
        *("foundation", "society", "street", "st", "road", "rd", "ave", "avenue", "park"),
        *("church", "mission", "refuge", "kindergarten", "kindy", "library", "bay", "city"),
        *("district", "island", "valley", "beach", "river", "lodge", "hall", "club", "group"),
        *("network", "association", "board", "ministry", "commission", "whare", "kura"),
        *("kohanga", "academy", "institute", "polytech", "wananga", "pools", "prison"),
        *("residence", "programme", "program", "award", "awards", "cup", "fund", "report"),
        *("act", "bill", "model", "framework", "method", "scale", "inc", "ltd", "limited"),
        *("hospice", "team", "crew", "centre", "foundation", "collective", "project"),
    )
)

MONTHS_DAYS = frozenset(
    (
        *("january", "february", "march", "april", "may", "june", "july", "august"),
        *("september", "october", "november", "december", "monday", "tuesday"),
        *("wednesday", "thursday", "friday", "saturday", "sunday", "christmas", "easter"),
    )
)

# Someone's relation, private even when they are public: "Dr Ashby's wife".
RELATIONS = frozenset(
    (
        *("wife", "husband", "partner", "son", "daughter", "kids", "children", "baby", "mum"),
        *("dad", "mother", "father", "moko", "mokopuna", "nan", "nana", "koro", "brother"),
        *("sister", "boy", "girl", "ex", "stepdad", "stepmum", "grandson", "granddaughter"),
    )
)

INITIALS = re.compile(r"(?<![\w.])[A-Z]\.\s?[A-Z]\.(?!\w)")

# Words right before a name: "txt from Liang", "poor Sefo", "sat with Ana".
NAME_CUES = (
    *("txt from", "text from", "call from", "message from", "msg from", "email from"),
    *("visit from", "heard from", "poor", "little", "wee", "bro", "sis", "visited", "rang"),
    *("texted", "txted", "told", "met with", "sat with", "drove", "took", "picked up"),
    *("dropped", "checked on", "saw", "baby", "mate", "visited"),
    *("seen", "see", "find", "found", "looking for", "thinking of", "worried about", "pray for"),
    *("prayers for", "pray for", "praying for", "lost contact w", "lost contact with"),
    *("dad of", "mum of", "mother of", "father of", "son of", "daughter of", "nan of"),
    *("whanau of", "family of", "brother of", "sister of", "partner of", "cousin of"),
)

# Words right after a name: "siaosi from my boys group", "Tama in our program".
NAME_CUES_AFTER = frozenset(
    f"{word} {whose}" for word in ("from", "in", "at", "on") for whose in ("my", "our")
)

# Small words that begin names of people and groups: "Le Va", "Van Asch", "De Thierry".
NAME_PARTICLES = frozenset(("le", "la", "de", "da", "di", "du", "van", "von", "al", "el", "mc"))

PERSON_VERBS = frozenset(
    (
        *("got", "was", "is", "has", "had", "been", "went", "walked", "turned", "moved"),
        *("relapsed", "finally", "still", "rang", "called", "told", "asked", "started"),
        *("left", "lost", "came", "needs", "wants", "just", "back", "can't", "couldn't"),
        *("didn't", "won't", "hasn't", "isn't", "wasn't", "and", "now", "disclosed"),
        *("on", "in", "at", "with", "arrived", "breached", "relapsed", "died", "passed"),
    )
)


def find_names(text: str, words: Sequence[Word]) -> Iterator[Signal]:
    """Yield given names, and capitalised words used as a name, that are not public."""
    for word, relation in pairwise(words):
        if word.possessive and is_capitalised(word) and relation.folded in RELATIONS:
            yield Signal(NAME, word.start, relation.end)  # "Dr Ashby's wife": private all the same
    for match in INITIALS.finditer(text):
        if match.group().replace(".", "").replace(" ", "") not in (
            "NZ",
            "US",
            "UK",
            "EU",
            "AM",
            "PM",
        ):
            yield Signal(NAME, match.start(), match.end())  # "K.T. still waiting for a bed"
    for index, word in enumerate(words):
        kind = name_kind(words, index) or name_by_cue(words, index)
        if kind is None or names_organisation(words, index):
            continue
        span = 2 if index + 1 < len(words) and is_capitalised(words[index + 1]) else 1
        if not is_public(words, index, span):
            yield Signal(kind, word.start, words[index + span - 1].end)


def name_kind(words: Sequence[Word], index: int) -> str | None:
    """Say whether a word is a name (NAME), may be one (WEAK_NAME), or is not (None)."""
    word = words[index]
    if word.folded in ORGANISATION_WORDS or word.folded in MONTHS_DAYS:
        return None  # "Ave", "Court", "May"
    preceding = words[index - 1] if index > 0 else None
    following = words[index + 1] if index + 1 < len(words) else None
    if preceding and continues_proper_noun(preceding):
        return None  # the rest of a longer proper noun: Te Tai Tokerau, Kāinga Ora
    common = word.folded in common_words()
    given = is_given_name(word.folded)
    if not is_capitalised(word):
        return NAME if word.text.islower() and given and not common else None  # "rāwiri"
    if given and following and begins_surname(following) and len(word.folded) > 2:
        return NAME  # a given name and a surname: "Aroha Ngata", "Grace Tuilagi"
    if given and not (word.starts_sentence and common):
        return NAME
    if (
        given
        and word.folded in te_reo_words()
        and following
        and (word.possessive or following.folded in PERSON_VERBS)
    ):
        return NAME  # "Aroha finally got her kids back": a name, not the word aroha
    if common or word.folded in places():
        return None
    if word.possessive and (following is None or following.folded not in TALK_WORDS):
        return NAME  # "Shane's protection order": a capitalised word owning something
    if following and not following.starts_sentence and following.folded in PERSON_VERBS:
        return WEAK_NAME  # "Fetu finally started at the alt ed unit"; not "Stat: 1 in 4"
    return None


def is_given_name(folded: str) -> bool:
    """Tell whether a folded word is a given name, or a hyphenated one ("kiri-ann")."""
    first = folded.split("-")[0]
    return folded in given_names() or (
        "-" in folded and first in given_names() and first not in common_words()
    )


def begins_surname(word: Word) -> bool:
    """Tell whether a word after a given name can be a surname: "Ngata" but not "Hospital"."""
    return (
        is_capitalised(word)
        and word.folded not in common_words()
        and word.folded not in ORGANISATION_WORDS
    )


def continues_proper_noun(preceding: Word) -> bool:
    """Tell whether the word before makes this one part of a place's or group's name."""
    if not is_capitalised(preceding) or preceding.folded in PRIVATE_TITLES | KIN_TITLES:
        return False
    if (
        preceding.starts_sentence
        and preceding.folded in english_words()
        and preceding.folded not in NAME_PARTICLES  # "Le Va", "De Lacy"
    ):
        return False  # "If Ruby's dad...": an English word capitalised to begin a sentence
    # "Whatu Ora", "Te Tai": after a capitalised word that is no given name, or is a word too
    return preceding.folded not in given_names() or preceding.folded in common_words()


def name_by_cue(words: Sequence[Word], index: int) -> str | None:
    """Say whether a word is a name by the words before it: "txt from Liang", "poor Sefo"."""
    word = words[index]
    if word.folded in MONTHS_DAYS or word.folded in PUBLIC_TITLES or len(word.text) < 2:
        return None
    # A word that is also a name counts when it is written or listed as one: "my mate
    # Ruby", "manu from my programme"; "poor thing" does not.
    named = (is_capitalised(word) and word.folded in given_names()) or (
        word.folded in aotearoa_names()
    )
    if word.folded in common_words() and not named:
        return None
    if not (is_capitalised(word) or word.text.islower() or len(word.text) <= 3):
        return None  # "JT from my caseload": initials count too
    before = " ".join(other.folded for other in words[max(0, index - 2) : index])
    if any(before.endswith(cue) for cue in NAME_CUES):
        return NAME
    # After it only a word that looks like a name: "siaosi from my boys group", not
    # "replicate in our patch".
    looks_like_one = is_capitalised(word) or is_given_name(word.folded) or len(word.text) <= 3
    after = " ".join(other.folded for other in words[index + 1 : index + 3])
    return NAME if looks_like_one and after in NAME_CUES_AFTER else None


def is_public(words: Sequence[Word], index: int, span: int = 1) -> bool:
    """Tell whether the name at words[index:index+span] is a speaker's or a colleague's."""
    start = index
    while start > 0 and (
        words[start - 1].folded in PUBLIC_TITLES or is_capitalised(words[start - 1])
    ):
        start -= 1  # back over "Assoc Prof" and a given name before a surname
    if any(word.folded in PUBLIC_TITLES for word in words[start:index]):
        return True  # Dr Leland Ruwhiu, Assoc Prof Tracie Mafileo
    before = [word.folded for word in words[max(0, start - 2) : start]]
    if before and before[-1] in TALK_WORDS:
        return True  # "panellist Sione Tuitahi"
    if len(before) == 2 and before[-1] in BY_WORDS and before[0] in TALK_WORDS:
        return True  # "keynote from Tracie Mafileo", "session with Hemi"
    after = words[index + span : index + span + TALK_REACH_AFTER]
    return any(word.folded in TALK_WORDS for word in after)


def names_organisation(words: Sequence[Word], index: int) -> bool:
    """Tell whether the capitalised word is part of a place or organisation's name."""
    for following in words[index + 1 : index + 3]:
        if not is_capitalised(following):
            break
        if following.folded in ORGANISATION_WORDS:
            return True  # "Grace Hospital", "Mary Potter Hospice"
    preceding = words[index - 1] if index > 0 else None
    return bool(preceding and preceding.folded == "the" and not words[index].possessive)


def find_titled(text: str, words: Sequence[Word]) -> Iterator[Signal]:
    """Yield a private title and a name: Mrs Chen, Mr Singh, Koro Hemi, aunty mere."""
    for index, (title, name) in enumerate(pairwise(words)):
        if is_titled_name(title, name) and not is_public(words, index, 2):
            kind = TITLED if title.folded in PRIVATE_TITLES else KIN_TITLED
            last = index + 1
            while last + 1 < len(words) and begins_surname(words[last + 1]):
                last += 1  # "Whaea Kiri Haenga": the title covers the whole name
            yield Signal(kind, title.start, words[last].end)


def is_titled_name(title: Word, name: Word) -> bool:
    """Tell whether two words are a private title and a name."""
    if title.folded in PRIVATE_TITLES:  # Mr, Mrs: whatever follows is a name
        return is_capitalised(name) or name.folded not in common_words()
    if title.folded not in KIN_TITLES:
        return False
    if is_capitalised(title) and is_capitalised(name):
        return True  # Koro Hemi, Aunty Losa
    if name.folded in aotearoa_names():
        return True  # "whaea marama", "aunty mere's son": names that are words too
    return name.folded in given_names() and (
        is_capitalised(name) or name.folded not in common_words()
    )
