"""A young person's age: "Tama (12)", "a 14-year-old", "Rawiri, 17,", "aged 9"; not ranges."""

from __future__ import annotations

import re
from collections.abc import Iterator

from workers.texts_in.confidentiality.reading import LETTER
from workers.texts_in.confidentiality.signals import YOUNG_AGE, Signal
from workers.texts_in.confidentiality.words import (
    common_words,
    fold,
    given_names,
)

YOUNG = (
    r"(?P<age>1[0-9]|[1-9]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
)

NOT_RANGE = r"(?!\s*(?:-|\u2013|to|or|and|&)\s*\d)(?!\s*%)(?![.:]\d)"

AGE_FORMS = (
    # 12 yr old, 14-year-old, 15 y/o, 16yo, 17 y.o.
    re.compile(
        rf"(?<!\d[-\u2013])(?<!\d\s[-\u2013]\s)(?<!\dto\s)(?<!\d\sto\s)"
        rf"\b{YOUNG}\s*-?\s*(?:(?:yr|yrs|year|years)\s*-?\s*olds?|y\s*[/-]\s*o|y\.o\.?|yo)(?!\w)",
        re.IGNORECASE,
    ),
    # a 4 month old, 6 week old baby
    re.compile(
        rf"\b(?:\d{{1,2}}|{YOUNG[8:-1]})\s*-?\s*(?:month|mth|week|wk|day)s?\s*-?\s*old\b",
        re.IGNORECASE,
    ),
    # Tama (12), Kahu 11 and, Rawiri, 17,
    re.compile(rf"(?P<name>{LETTER}[\w'\u2019\-]+)\s*\(\s*{YOUNG}\s*\)"),
    re.compile(rf"(?P<name>[A-ZĀĒĪŌŪ][\w'\u2019\-]+),\s*(?:aged\s+)?{YOUNG}\s*,"),
    re.compile(rf"(?P<name>[A-ZĀĒĪŌŪ][\w'\u2019\-]+)\s+{YOUNG}\s+(?=and\b|&|from\b|in\b|at\b)"),
    # the girl, 14, / a boy (9)
    re.compile(
        r"\b(?:girl|boy|kid|teen|son|daughter|baby|brother|sister|moko|tamaiti|pēpi|pepi)"
        r"\s*(?:,\s*(?:1[0-9]|[1-9])\s*,|\(\s*(?:1[0-9]|[1-9])\s*\))",
        re.IGNORECASE,
    ),
    # One of ours, 15, Samoan girl
    re.compile(rf"\b[A-Za-z]+,\s*{YOUNG},\s+(?!\d|and\s+\d|or\s+\d)"),
    # aged 14, age 9
    re.compile(rf"(?<!at )(?<!at the )\b(?:aged|age)\s+{YOUNG}\b{NOT_RANGE}", re.IGNORECASE),
    # the youngest at the residence is 14
    re.compile(
        rf"\b(?:youngest|eldest|oldest)\b(?:\s+[\w\-']+){{0,8}}?\s+(?:is|was)\s+{YOUNG}\b"
        rf"{NOT_RANGE}",
        re.IGNORECASE,
    ),
    # he is 15, she turned 17, the youngest is 14
    re.compile(
        rf"\b(?:he|she|they|who|son|daughter|boy|girl|kid|youngest|eldest|oldest|baby|moko|mum"
        rf"|mama|mother|dad|father|sister|brother|cousin|partner"
        rf"|tamaiti|pepi|pēpi|(?P<name>[A-Z][a-zāēīōū]+))(?:['\u2019]s|\s+is|\s+was|\s+(?:just\s+)?turned"
        rf"|\s+turns|\s+turning)(?:\s+(?:only|just|now|almost|nearly|barely))?\s+{YOUNG}\b"
        rf"{NOT_RANGE}"
        r"(?!\s*(?:min|mins|minutes|hours?|hrs?|weeks?|days?|months?|kids|people|times|am|pm))",
    ),
)


def find_young_ages(text: str) -> Iterator[Signal]:
    """Yield a young person's age: Tama (12), a 14-year-old, Rawiri, 17, aged 9."""
    for form in AGE_FORMS:
        for match in form.finditer(text):
            name = match.groupdict().get("name")
            if name and fold(name) not in given_names() and fold(name) in common_words():
                continue  # "Room (12)", "Session, 3,", "Venue is 17 Queens Wharf"
            if (
                name
                and name.islower()
                and (fold(name) not in given_names() or fold(name) in common_words())
            ):
                continue  # "sefo (8)" is a name; "slide (3)" is not
            yield Signal(YOUNG_AGE, match.start(), match.end())
