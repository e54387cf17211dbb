"""Find a private person in a post: who is pointed at, and what it says about them.

No single pattern says "this is a client". The check gathers weak signals and
adds them up:

- who: a given name (from the name lists, or a capitalised word in a person's
  place: "Shane's hearing"), a private title and a name ("Mrs Chen", "Koro
  Hemi"), a family named by surname ("the Hohepa whānau", "the 4 Brown kids",
  "the Murphys"), a young person's age ("Tama (12)", "a 14-year-old", "Rawiri,
  17,"), or words about a client ("our client", "the girl we placed", "a kid
  on my caseload");
- what: a situation (a court date, an uplift, a stand-down, a ward, a benefit,
  a death: see situations.py);
- where and which: a place ("from Ōtara", "at Tawa College"), a street, a bed
  number, a job ("the bus driver", "runs the dairy").

Each kind counts once, at its strongest; a post is held when someone is pointed
at and the weights reach THRESHOLD. So a name alone, or a court date alone, is
let through; a name with a court date is held.

Each family of signal has its module: names.py (and what makes a name public),
families.py, ages.py, clients.py and details.py. Public names from the event's
list are blanked out first; a post that says its story is made up ("role play",
"fictional", "details changed"), a speaker's own story and a colleague's farewell
are let through whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from workers.texts_in.confidentiality.ages import find_young_ages
from workers.texts_in.confidentiality.clients import find_client_words
from workers.texts_in.confidentiality.details import find_details
from workers.texts_in.confidentiality.families import find_families
from workers.texts_in.confidentiality.names import find_names, find_titled
from workers.texts_in.confidentiality.numbers import MASK
from workers.texts_in.confidentiality.reading import split_words
from workers.texts_in.confidentiality.signals import (
    BED,
    CLIENT,
    FAMILY,
    HOME,
    JOB,
    KIN_TITLED,
    NAME,
    PLACE,
    SOME_CLIENT,
    TITLED,
    WEAK_NAME,
    YOUNG_AGE,
    Signal,
    overlaps,
)
from workers.texts_in.confidentiality.situations import SERIOUS, Situation, find_situation

THRESHOLD = 3.0


WEIGHTS = {
    NAME: 1.5,
    WEAK_NAME: 1.0,
    TITLED: 3.0,
    KIN_TITLED: 2.0,
    FAMILY: 3.0,
    YOUNG_AGE: 2.0,
    CLIENT: 3.0,
    SOME_CLIENT: 2.0,
    HOME: 2.0,
    PLACE: 1.0,
    JOB: 1.0,
    BED: 1.0,
}

WHO = (
    CLIENT,
    FAMILY,
    TITLED,
    KIN_TITLED,
    YOUNG_AGE,
    SOME_CLIENT,
    HOME,
    NAME,
    WEAK_NAME,
)  # strongest first

WHO_LABELS = {
    NAME: "a name",
    WEAK_NAME: "a name",
    TITLED: "a name",
    KIN_TITLED: "a name",
    FAMILY: "a family name",
    YOUNG_AGE: "a young person's age",
    CLIENT: "words about a client",
    SOME_CLIENT: "words about a client",
    HOME: "someone's home",
}

DETAIL_LABELS = {PLACE: "a place", JOB: "a job", BED: "a bed number"}

FICTION = re.compile(
    r"\b(?:fictional|fictitious|made[\s-]up|role[\s-]?play|vignette|composite|case\s+study"
    r"|scenario|hypothetical|mock[\s-]?up|placeholders?|pretend|not\s+real|fake|imaginary"
    r"|example\s+(?:patient|client|case|family|wh[aā]nau)"
    r"|details?\s+(?:were\s+|was\s+|are\s+)?changed|names?\s+(?:were\s+|was\s+)?changed)\b",
    re.IGNORECASE,
)

# A speaker telling their own life: "speaker Jayden Rewi told his story".
SPEAKERS_OWN_STORY = re.compile(
    r"\b(?:speaker|keynote|presenter|panellist|panelist|kaik[oō]rero|mc)\b.*\b(?:told|shared"
    r"|tells|shares|telling|sharing)\s+(?:us\s+)?(?:about\s+)?(?:his|her|their)\s+(?:own\s+)?"
    r"(?:story|journey|life|experience|time)"
    r"|\b(?:speaker|keynote|presenter|panellist|panelist)\b.*\b(?:herself|himself|themselves)\b",
    re.IGNORECASE,
)

# A colleague's farewell or award: "Farewell drinks for our own Graham Pike".
CELEBRATION = re.compile(
    r"\b(?:farewell|retirement|retiring|award|awarded|honoured|honored|long\s+service)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PersonFinding:
    """A private person found: where they are named and the reply's plain words."""

    start: int
    end: int
    label: str  # "a name with a court matter"
    score: float


def find_person(text: str, public_names: Sequence[str] = ()) -> PersonFinding | None:
    """Return the private person the post points at, or None when it points at no one."""
    if FICTION.search(text) or SPEAKERS_OWN_STORY.search(text) or CELEBRATION.search(text):
        return None
    text = mask_public_names(text, public_names)
    words = split_words(text)
    signals = [
        *find_names(text, words),
        *find_titled(text, words),
        *find_families(text, words),
        *find_young_ages(text),
        *find_client_words(text),
        *find_details(text),
    ]
    situation = find_situation(text)
    titled = [signal for signal in signals if signal.kind in (TITLED, KIN_TITLED)]
    signals = [
        signal
        for signal in signals
        if not (
            signal.kind in (NAME, WEAK_NAME) and any(overlaps(signal, title) for title in titled)
        )
    ]  # "Whaea Kiri Haenga" is one person, counted once as a titled name
    who_spans = [signal for signal in signals if signal.kind in WHO]
    signals = [
        signal
        for signal in signals
        if signal.kind in WHO or not any(overlaps(signal, who) for who in who_spans)
    ]  # "one of the dads on our programme" is who; "on our programme" is no extra detail
    strongest: dict[str, Signal] = {}
    for signal in signals:
        strongest.setdefault(signal.kind, signal)
    who = [strongest[kind] for kind in WHO if kind in strongest]
    if not who:
        return None
    score = sum(WEIGHTS[kind] for kind in strongest) + (situation.weight if situation else 0)
    # Two ways of naming one person (a name and a client) count once.
    if CLIENT in strongest and SOME_CLIENT in strongest:
        score -= WEIGHTS[SOME_CLIENT]
    if NAME in strongest and WEAK_NAME in strongest:
        score -= WEIGHTS[WEAK_NAME]
    if score < THRESHOLD:
        return None
    first = who[0]
    what = describe_what(first, who[1:], situation, strongest)
    return PersonFinding(first.start, first.end, what, score)


def describe_what(
    first: Signal,
    others: Sequence[Signal],
    situation: Situation | None,
    strongest: dict[str, Signal],
) -> str:
    """Phrase the finding: who, then the situation, a detail or a second who."""
    who = WHO_LABELS[first.kind]
    # The most telling first: a serious matter, a second way of pointing, a detail, news.
    serious = situation.label if situation and situation.weight >= SERIOUS else None
    second = next((WHO_LABELS[o.kind] for o in others if WHO_LABELS[o.kind] != who), None)
    detail = next((DETAIL_LABELS[kind] for kind in DETAIL_LABELS if kind in strongest), None)
    news = situation.label if situation else None
    also = serious or second or detail or news
    return f"{who} with {also}" if also else who


def mask_public_names(text: str, public_names: Iterable[str]) -> str:
    """Blank out the event's public names: each as listed, and a listed full name's surname."""
    phrases = {name for name in public_names if name.strip()}
    phrases |= {name.split()[-1] for name in phrases if len(name.split()) > 1}
    for phrase in sorted(phrases, key=len, reverse=True):  # full names before surnames
        pattern = re.compile(rf"(?<!\w){re.escape(phrase)}(?:['\u2019]s)?(?!\w)", re.IGNORECASE)
        text = pattern.sub(lambda match: MASK * len(match.group()), text)
    return text
