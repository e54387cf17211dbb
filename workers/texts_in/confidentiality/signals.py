"""The kinds of signal the people rules find, and where in the post each is."""

from __future__ import annotations

from dataclasses import dataclass

# The kinds of signal (people.WEIGHTS says what each weighs).
NAME = "name"  # a given name, or a capitalised word in a name's place
WEAK_NAME = "weak_name"  # an unknown capitalised word that begins a sentence about someone
TITLED = "titled"  # Mrs Chen, Mr Singh: no speaker is called that at a hui
KIN_TITLED = "kin_titled"  # Koro Hemi, Whaea Mere: elders, private or public
FAMILY = "family"  # the Hohepa whānau
YOUNG_AGE = "young_age"  # Tama (12)
CLIENT = "client"  # our client, the girl we placed
HOME = "home"  # she lives at, the family moved to
SOME_CLIENT = "some_client"  # a client, the patient: a person, but no more
PLACE = "place"
JOB = "job"
BED = "bed"


@dataclass(frozen=True)
class Signal:
    """One thing the post says about someone, and where it says it."""

    kind: str
    start: int
    end: int


def overlaps(one: Signal, other: Signal) -> bool:
    """Tell whether two signals cover some of the same words."""
    return one.start < other.end and other.start < one.end
