"""Find what could identify a client in a post before it is published.

Pure code: no I/O, no database. `find_identifying(text, today)` returns Findings
in the order they appear; `describe_findings` phrases them for one SMS ("Found:
a name with a court matter and a phone number."), never echoing the words.

Two families of rules: numbers.py (phone numbers, emails, NHI numbers, dates of
birth, street addresses, case and file numbers) and people.py (a private person
pointed at by name, title, family name, age or client words, with what happened
to them). The check errs toward asking: a YES posts anyway, so a false alarm costs
one text, while a name with a court date cannot be taken back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from workers.texts_in.confidentiality.numbers import (
    ADDRESS,
    BIRTH_DATE,
    CASE_NUMBER,
    EMAIL,
    HANDLE,
    HASHTAG,
    LABELS,
    NHI,
    PHONE,
    URL,
    find_addresses,
    find_birth_dates,
    find_car_plates,
    find_case_numbers,
    find_emails,
    find_nhis,
    find_phones,
    mask,
)
from workers.texts_in.confidentiality.people import FICTION, find_person

PERSON = "person"

__all__ = [
    "ADDRESS",
    "BIRTH_DATE",
    "CASE_NUMBER",
    "EMAIL",
    "LABELS",
    "NHI",
    "PERSON",
    "PHONE",
    "Finding",
    "describe_findings",
    "find_identifying",
]


@dataclass(frozen=True)
class Finding:
    """One thing in a text that could identify someone."""

    kind: str  # PHONE, EMAIL, NHI, BIRTH_DATE, ADDRESS, CASE_NUMBER or PERSON
    text: str  # the words matched, as written
    label: str  # plain words for the reply, e.g. "an NHI number"
    start: int  # where in the text it begins


def find_identifying(
    text: str, today: date, region: str = "NZ", public_names: Sequence[str] = ()
) -> list[Finding]:
    """Return what in the text could identify a person, in the order it appears."""
    without_links = mask(text, (match.span() for match in URL.finditer(text)))
    emails = list(find_emails(without_links))
    # Hashtags, handles and emails hold digits, letters and names that are none of the rest.
    plain = mask(
        without_links,
        [
            *(match.span() for match in HASHTAG.finditer(without_links)),
            *(match.span() for match in HANDLE.finditer(without_links)),
            *((start, end) for start, end, _ in emails),
        ],
    )
    made_up = FICTION.search(plain) is not None  # "sample form: Case 2023/00001"
    spans = [
        *emails,
        *find_phones(plain, region),
        *find_nhis(plain),
        *find_birth_dates(plain, today),
        *find_addresses(plain),
        *find_car_plates(plain),
        *([] if made_up else find_case_numbers(plain)),
    ]
    findings: list[Finding] = []
    taken: list[tuple[int, int]] = []
    # Longest first, so "12/03/1990" is one date, not a date and a year.
    for start, end, kind in sorted(spans, key=lambda span: (span[0] - span[1], span[0])):
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            continue
        taken.append((start, end))
        findings.append(Finding(kind, text[start:end], LABELS[kind], start))
    # People are looked for with the numbers blanked out, so a phone number is no age.
    person = find_person(mask(plain, taken), public_names)
    if person is not None:
        findings.append(
            Finding(PERSON, text[person.start : person.end], person.label, person.start)
        )
    return sorted(findings, key=lambda finding: finding.start)


def describe_findings(findings: Sequence[Finding]) -> str:
    """Phrase findings for one SMS: "Found: an NHI number and a phone number." ("" for none)."""
    labels = list(dict.fromkeys(finding.label for finding in findings))
    if not labels:
        return ""
    listed = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
    return f"Found: {listed}."
