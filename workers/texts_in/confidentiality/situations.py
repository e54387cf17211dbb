"""What happens to people that makes a name in a post a private matter.

Each situation has the plain words the hold reply uses for it ("a court matter")
and the terms that point at it, matched as whole words in the folded text
(lowercase, no macrons). The terms are the ones practitioners write: agencies'
shorthand (FGC, WINZ, OT, s78) as well as plain English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workers.texts_in.confidentiality.words import fold


@dataclass(frozen=True)
class Situation:
    """A kind of private matter and how strongly it makes a name private."""

    label: str
    weight: float
    pattern: re.Pattern[str]


def terms(*words: str) -> re.Pattern[str]:
    """One pattern for whole-word terms (each a regular expression; a space is any spaces)."""
    longest_first = sorted(words, key=len, reverse=True)
    alternatives = "|".join(word.replace(" ", r"\s+") for word in longest_first)
    return re.compile(rf"(?<![\w'])(?:{alternatives})(?![\w])")


# "hearing" and "missing" as conference talk uses them are not court dates or police.
HEARING = r"hearing(?! (?:from|about|how|what|you|that|it|him|her|them|everyone|stories|voices?))"
MISSING = r"missing(?! (?:the|out|my|our|a|this|you|it|home|everyone))"

SERIOUS = 1.5  # a court date, an uplift, a ward: private by its nature
NEWS = 1.0  # good news in a life: private, but less telling on its own

SITUATIONS = (
    Situation(
        "a court matter",
        SERIOUS,
        terms(
            *("court", "courts", HEARING, "hearings", "judge", "fgc", "fgcs", "family group"),
            *("sentencing", "sentenced", "remand", "remanded", "bail", "custody", "parole"),
            *("probation", "protection order", "trespass order", "charged", "charges"),
            *("convicted", "conviction", "prison", "jail", "lawyer", "lay advocate", "legal aid"),
            *("adjourned", "stood down to", "appeal", "appealing", "tribunal", "coroner"),
            *("inquest", "warrant", "community work", "home detention", "lawyer for child"),
        ),
    ),
    Situation(
        "care and protection",
        SERIOUS,
        terms(
            *("uplift", "uplifted", "uplifts", "removed", "removal", "placement", "placements"),
            *("placed", "foster", "fostered", "kin care", "whanau care", "in care", "into care"),
            *(
                "caregiver",
                "approved as",
                "from care",
                "back from care",
                "kids back",
                "my kids",
                "her kids",
                "his kids",
            ),
            *("out of care", "aged out", "oranga tamariki", "ot", "cyfs", "cyf", "s78", "s101"),
            *("custody order", "notification", "notifications", "report of concern"),
            *("residence", "day to day care", "safety plan", "disclosed", "disclosure"),
            *("abuse", "abused", "neglect", "neglected", "guardianship", "care order"),
        ),
    ),
    Situation(
        "a school matter",
        SERIOUS,
        terms(
            *("stood down", "stand-down", "stand down", "stand downs", "suspended", "suspension"),
            *("excluded", "exclusion", "expelled", "expulsion", "kicked out", "truant", "truancy"),
            *("attendance", "alt ed", "alternative education", "school refusal"),
            *("refusing school", "bullied", "bullying", "not been to school", "hasnt been to kura"),
            *("hasn't been to kura", "back at school", "back to school", "out of school"),
            *("hasnt been in", "hasn't been in", "not been in"),
        ),
    ),
    Situation(
        "a health matter",
        SERIOUS,
        terms(
            *("hospital", "hosp", "ward", "icu", "nicu", "admitted", "admission", "readmitted"),
            *("discharged", "discharge", "diagnosed", "diagnosis", "cancer", "stroke"),
            *("dementia", "dialysis", "surgery", "overdose", "overdosed", "relapse", "relapsed"),
            *("rehab", "detox", "mental health unit", "psych", "psychiatric", "inpatient"),
            *("self harm", "self-harm", "self harming", "suicidal", "suicide", "hospice"),
            *("palliative", "respite", "asthma", "diabetes", "pregnant", "pregnancy"),
            *("miscarriage", "miscarried", "failure to thrive", "fell", "had a fall", "injury"),
            *("injured", "accident", "crash", "cochlear", "wheelchair", "chemo"),
            *("terminal", "unwell", "seizure", "seizures", "awol", "sober", "meth"),
            *("methadone", "inhaler", "oxygen", "ambulance", "emergency department", "a&e"),
            *("collapsed", "od", "od'd", "type 1", "type 2", "autism", "adhd", "fasd"),
            *("broken", "fracture", "fractured", "non-accidental", "parkinson's", "scan", "icu"),
            *("gout", "the cells", "in the cells", "stress leave", "sick leave", "burns"),
            *("scalded", "head injury", "concussion"),
            *("sugars", "blood sugar", "contraception", "using again", "on the piss"),
            *("mental health", "in ed", "to ed", "at ed", "in a&e"),
            *("hba1c", "insulin", "gaining weight", "weight loss", "speech therapy", "hearing aid"),
            *("pokies", "gambling", "ptsd", "biopsy", "vaping", "morning-after pill", "the pill"),
            *("rest home", "resthome", "care home", "aged care", "dementia unit", "toenails"),
        ),
    ),
    Situation(
        "a benefit or housing matter",
        SERIOUS,
        terms(
            *("winz", "w&i", "work and income", "msd", "benefit", "hardship", "the grant"),
            *("payment", "payments", "sanction", "sanctioned", "debt", "power cut", "food parcel"),
            *("foodbank", "food bank", "evicted", "eviction", "motel", "emergency housing"),
            *("homeless", "sleeping rough", "sleeping in", "couch surfing", "couchsurfing"),
            *("waitlist", "wait list", "waiting list", "state house", "state housing"),
            *("kainga ora", "tenancy", "rent arrears", "boarding house", "garage", "mould"),
            *("pension", "no heater", "no power", "acc claim", "acc", "budget advice", "budgeting"),
            *("housing", "rental", "renting", "landlord", "house fire", "flood", "flooded"),
        ),
    ),
    Situation(
        "family harm",
        SERIOUS,
        terms(
            *("violence", "family harm", "domestic", "assault", "assaulted", "bruises"),
            *(
                "bruised",
                "bruising",
                "hurting her",
                "hurting him",
                "hit her",
                "hit him",
                "strangled",
            ),
            *("callout", "call out", "callouts", "abusive", "his ex", "her ex", "stalking"),
            *("leaving him", "leaving her", "left him", "left her", "stepdad", "rocks thrown"),
            *("black eye", "burnt down", "burned down", "house burnt"),
            *(
                "protection order",
                "she's safe",
                "he's safe",
                "they're safe",
                "is safe now",
                "safe house",
                "refuge",
            ),
            *("won't let her", "won't let him", "took her passport", "controlling"),
        ),
    ),
    Situation(
        "a death or loss",
        SERIOUS,
        terms(
            *("passed away", "died", "death", "dead", "tangi", "tangihanga", "funeral"),
            *("lost her", "lost his", "lost their", "lost everything", "lost the"),
            *("lost him", "lost them", "widow", "widowed", "widower", "grieving", "killed"),
            *("stillborn", "stillbirth", "hospice"),
        ),
    ),
    Situation(
        "police",
        SERIOUS,
        terms(
            *("police", "cops", "arrested", "arrest", MISSING, "ran away", "run away"),
            *("runaway", "absconded", "stolen", "stole", "robbery", "robbed", "scammed"),
            *("drugs", "drunk", "drinking", "gang", "youth aid", "deported"),
            *("deportation", "residency", "visa", "overstayer", "overstaying", "disqualified"),
            *("drink driving", "drink-driving", "drunk driving", "dui", "stabbed", "locked up"),
            *("sectioned", "crisis team", "crisis"),
            *("breach", "breached", "breaching", "conditions", "curfew", "ankle bracelet"),
            *("in trouble", "the cops", "radar", "slept in the park", "sleeping in the park"),
        ),
    ),
    Situation(
        "news about them",
        NEWS,
        terms(
            *("accepted", "apprenticeship", "scholarship", "adopted", "reunited", "graduated"),
            *("got into", "got his", "got her", "got their", "got the job", "ncea", "licence"),
            *("learners", "passed his", "passed her", "married", "baby", "pepi"),
            *("birthday", "turned", "moved", "moving", "new school", "first day"),
        ),
    ),
)


def find_situation(text: str) -> Situation | None:
    """Return the weightiest situation the text names (the first of equals), or None."""
    folded = fold(text)
    found = [situation for situation in SITUATIONS if situation.pattern.search(folded)]
    return max(found, key=lambda situation: situation.weight, default=None)
