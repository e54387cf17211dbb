"""What narrows a person down: a place, a street, a bed number, a job, a home."""

from __future__ import annotations

import re
from collections.abc import Iterator

from workers.texts_in.confidentiality.names import MONTHS_DAYS
from workers.texts_in.confidentiality.signals import BED, HOME, JOB, PLACE, Signal
from workers.texts_in.confidentiality.words import (
    common_words,
    fold,
)

PLACE_FORMS = (
    re.compile(
        r"\b(?:from|in|at|near|out\s+at|up\s+in|down\s+in|outside|back\s+to|moved\s+to"
        r"|moving\s+to)\s+(?:the\s+)?"
        r"(?P<place>[A-ZĀĒĪŌŪ][\w'\u2019\-]+(?:\s+[A-ZĀĒĪŌŪ][\w'\u2019\-]+){0,2})"
    ),
    re.compile(
        r"\b[A-ZĀĒĪŌŪ][\w'\u2019\-]+\s+(?:College|School|High|Primary|Intermediate|Kura|Kindy"
        r"|Kindergarten|Marae|Hospital|Station|Prison|Residence|Kōhanga|Kohanga|Boys|Girls)"
    ),
    re.compile(
        r"\b(?:on|off)\s+[A-ZĀĒĪŌŪ][\w'\u2019\-]+(?:\s+[A-Z][\w'\-]+)?\s+"
        r"(?:St|Street|Rd|Road|Ave|Avenue|Cres|Crescent|Tce|Terrace|Pl|Place|Lane|Way|Drive)\b"
    ),
)

HOME_FORM = re.compile(
    r"\b(?:he|she|they|who|family|whanau|whānau)\s+(?:lives|lived|is\s+living|stays|is\s+staying"
    r"|moved)\s+(?:at|on|in|near|down|up|to)\b",
    re.IGNORECASE,
)

# "at my school", "in our program": where the writer works, so someone they know
AT_OUR_PLACE = re.compile(
    r"\b(?:at|in|from|into|on|for)\s+(?:my|our)\s+(?:[\w\-]+\s+)?(?:school|kura|class|program"
    r"|programme|group|clinic|practice|ward|unit|office|service|church|round|centre|center"
    r"|residence|home|house|rest\s+home|hospice|marae|clinic)\b",
    re.IGNORECASE,
)

LOWERCASE_SCHOOL = re.compile(
    r"\b[a-zāēīōū][\w\-]{3,}\s+(?:school|college|primary|intermediate|kura|kindy|high)\b"
)

BED_FORM = re.compile(r"\b(?:bed|ward|flat|unit|cell)\s+\d+\b", re.IGNORECASE)

JOB_FORMS = (
    re.compile(
        r"\b(?:works?|working|worked)\s+(?:at|for|the|in|as)\b|\b(?:runs|ran|owns|drives|drove"
        r"|manages|sews|cleans|coaches|teaches|sells)\s+(?:the|a|an|all)\b|\bwho\s+(?:runs|owns"
        r"|works|drives|sews|cleans|teaches|coaches|sells)\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"\bthe\s+(?:\w+\s+)?(?:driver|receptionist|caretaker|cleaner|principal|headmaster"
        r"|farmer|fisherman|artist|owner|chef|cook|builder|mechanic|cop|officer|attendant"
        r"|pastor|janitor|shopkeeper|lollipop\s+lady|nurse|teacher|coach|sparky|plumber"
        r"|barber|hairdresser|tattooist|security\s+guard|librarian|postie|vicar|priest)\b",
        re.IGNORECASE,
    ),
)


def find_details(text: str) -> Iterator[Signal]:
    """Yield what narrows a person down: a place, a street, a bed number, a job."""
    for form in PLACE_FORMS:
        for match in form.finditer(text):
            place = match.groupdict().get("place")
            if place is None or any(
                fold(word) not in common_words() and fold(word) not in MONTHS_DAYS
                for word in place.split()
            ):
                yield Signal(PLACE, match.start(), match.end())
    for match in AT_OUR_PLACE.finditer(text):
        yield Signal(PLACE, match.start(), match.end())
    for match in LOWERCASE_SCHOOL.finditer(text):
        if fold(match.group().split()[0]) not in common_words():
            yield Signal(PLACE, match.start(), match.end())
    for match in HOME_FORM.finditer(text):
        yield Signal(HOME, match.start(), match.end())
    for match in BED_FORM.finditer(text):
        yield Signal(BED, match.start(), match.end())
    for form in JOB_FORMS:
        for match in form.finditer(text):
            yield Signal(JOB, match.start(), match.end())
