"""Words pointing at one client: "our client", "the girl we placed", "my lady in room 4"."""

from __future__ import annotations

import re
from collections.abc import Iterator

from workers.texts_in.confidentiality.signals import CLIENT, SOME_CLIENT, Signal
from workers.texts_in.confidentiality.words import (
    fold,
)

CLIENT_NOUNS = (
    r"client|patient|service\s+user|tangata\s+whaiora|t[aā]ngata\s+whaiora|family|wh[aā]nau"
    r"|mum|mom|dad|mother|father|parent|kid|child|tamaiti|boy|girl|teen|teenager|lady|woman"
    r"|man|guy|fella|koro|nan|nana|kuia|rangatahi|young\s+person|young\s+man|young\s+woman"
    r"|baby|p[eē]pi|whaea|aunty|uncle|elder|student|tenant|resident|one|fulla|fullah|fella"
    r"|lad|bro|uso|sis|chick|young\s+one|old\s+boy|old\s+lady|referral|ex-student|aunties"
    r"|mama|neighbour|neighbor|student|pupil|tenant|kaum[aā]tua|caregiver|wahine|w[aā]hine"
    r"|t[aā]ne|koroua|player|redhead"
    r"|\w+\s*-?\s*(?:yr|year)s?\s*-?\s*old|\d+yo|\d+\s*y/?o"
)

CLIENT_NOUNS_PLURAL = (
    r"clients|patients|families|mums|dads|parents|kids|children|boys|girls|teens|ladies"
    r"|women|men|guys|rangatahi|young\s+people|students|tenants|residents"
)

HELPING = (
    r"work\s+with|working\s+with|worked\s+with|support|supporting|supported|see|seeing|saw"
    r"|visit|visiting|visited|placed|place|took|uplifted|removed|met|helped|help|helping"
    r"|look\s+after|looking\s+after|looked\s+after|referred|assessed|counsel|counselled"
    r"|case\s+manage|have|had|care\s+for|cared\s+for|drove|picked\s+up|resettled|housed"
    r"|mentor|mentored|mentoring|teach|taught|treated|nursed|admitted|interviewed"
    r"|represented|transported|moved|rehoused|brought|told\s+you\s+about|mentioned"
    r"|wrote\s+about|posted\s+about|put|rehomed|resettled|fostered"
)

CLIENT_FORMS = (
    re.compile(
        r"\b(?:my|our)\s+(?:\w+\s+){0,2}?(?:client|patient|service\s+user|tangata\s+whaiora"
        r"|t[aā]ngata\s+whaiora|regular|[aā]konga|resident|tenant|young\s+person|youngest"
        r"|eldest)(?!s)(?![\w\-])",
        re.IGNORECASE,
    ),
    re.compile(
        r"\bone\s+of\s+(?:my|our)\s+(?:[\w\-]+\s+){0,3}?(?:clients|patients|service\s+users|families"
        r"|whanau|whānau|kids|young\s+people|rangatahi|mums|dads|tamariki|[aā]konga|students"
        r"|boys|girls|youth|residents|tenants|learners|regulars|guys|ladies|men|women|lads"
        r"|fellas|fullas|blokes|aunties|uncles|nanas|koros|old\s+fellas|old\s+ladies)\b",
        re.IGNORECASE,
    ),
    re.compile(r"\ba\s+(?:client|patient)\s+of\s+(?:mine|ours)\b", re.IGNORECASE),
    re.compile(r"\b(?:one|1)\s+of\s+(?:mine|ours)\b", re.IGNORECASE),
    re.compile(r"\bon\s+(?:my|our)\s+(?:caseload|case\s+load|books)\b", re.IGNORECASE),
    re.compile(
        rf"\b(?:the|a|this|that|one)\s+(?:[\w\-]+\s+){{0,3}}?(?P<noun>{CLIENT_NOUNS}"
        rf"|{CLIENT_NOUNS_PLURAL}|siblings|twins)\s+(?:(?:that|who)\s+)?"
        r"(?:I|we)(?:['\u2019](?:m|re|ve|d))?(?:\s+(?:am|are|have|had|was|were|been|just|"
        r"recently|now|used\s+to))*"
        rf"\s+(?:{HELPING})\b",
        re.IGNORECASE,
    ),
    re.compile(
        rf"^(?P<noun>{CLIENT_NOUNS})\s+(?:(?:that|who)\s+)?(?:I|we)(?:['\u2019](?:m|re|ve|d))?"
        rf"(?:\s+(?:am|are|have|had|was|were|been|just))*\s+(?:{HELPING})\b",
        re.IGNORECASE,
    ),
    re.compile(r"\b(?:client|patient)\s+(?:in|on)\s+(?:bed|ward|room)\s+\d+", re.IGNORECASE),
)

# "my lady in room 4", "our mum from the Tuesday group": a person of the writer's work.
OUR_PERSON = re.compile(
    rf"\b(?:my|our)\s+(?:[\w\-]+\s+){{0,3}}?(?P<noun>{CLIENT_NOUNS}|\d+-year-old|\d+yo)"
    r"(?!s)(?![\w\-])",
    re.IGNORECASE,
)

# "the young mum from our Kaiti group", "one of the dads on our programme": someone
# from a group the writer runs; "that dad from the Monday parenting course" may be too.
FROM_A_GROUP = re.compile(
    rf"\b(?:the|a|that|this|one\s+of\s+the)\s+(?:[\w\-]+\s+){{0,2}}?"
    rf"(?:{CLIENT_NOUNS}|{CLIENT_NOUNS_PLURAL})\s+(?:from|in|on|at|with|of)\s+(?P<whose>my|our|the)"
    r"\s+(?:[\w\-]+\s+){0,3}?(?:group|programme|program|service|caseload|books|unit|ward"
    r"|class|r[oō]{1,2}pu|clinic|project|course|list|team|drop-in|session)s?\b",
    re.IGNORECASE,
)

# "the only male nurse at the Ashburton practice": one of a kind, so someone
ONLY_ONE = re.compile(
    rf"\b(?:the|our|my)\s+only\s+(?:[\w\-]+\s+){{0,2}}?(?:{CLIENT_NOUNS}|nurse|teacher|doctor"
    r"|worker|kid|family|student|driver|member|person|one)\b",
    re.IGNORECASE,
)

# Nouns for many people at once: "our whānau", "our rangatahi" are everyone's.
COLLECTIVE_NOUNS = frozenset(("whanau", "family", "rangatahi", "tamariki", "young people"))

# "that dad with the prosthetic leg", "supporting a fourteen year old mum": one person
THAT_PERSON = re.compile(
    rf"\b(?:that|this)\s+(?!(?:the|a|an|my|our|your|their|his|her)\s)(?:[\w\-]+\s+)?"
    rf"(?P<noun>{CLIENT_NOUNS})(?!s)\b"
    rf"|\b(?:supporting|visiting|seeing|helping|working\s+with|mentoring)\s+(?:a|an|this|one)\s+"
    rf"(?:[\w\-]+\s+){{0,3}}?(?:{CLIENT_NOUNS}|\w+[\s-](?:year|yr)[\s-]old|\d+yo)\b",
    re.IGNORECASE,
)

# "the lady who runs the dairy", "the young fella who fixes cars": one person,
# described by what they do
WHO_DOES = re.compile(
    rf"(?:\b(?:the|that|this)\s+(?:[\w\-]+\s+){{0,3}}?|^)(?P<noun>{CLIENT_NOUNS})"
    r"\s+(?:who|whose|w(?:ith)?\s+the)\s+(?!(?:are|were|have)\b)",  # not "the one that"
    re.IGNORECASE,
)
# "the dentist's wife": someone's relation, so a particular person
RELATION_OF = re.compile(
    r"\b(?:the|a|our|my)\s+(?:[\w\-]+\s+)?[\w\-]+['\u2019]s\s+(?:wife|husband|partner|son|daughter"
    r"|kids|children|baby|mum|dad|mother|father|moko|nan|nana|koro|brother|sister|ex|boy|girl)\b",
    re.IGNORECASE,
)

# "a client", "the patient", "client's": someone, but which one the post has to say.
SOME_CLIENT_FORM = re.compile(
    r"(?<!\w)(?:client|patient|service\s+user|t[aā]ngata\s+whaiora|student|pupil|neighbour"
    r"|neighbor)(?:['\u2019]s)?(?!s)(?![\w\-])"
    r"(?!\s+(?:centred|centered|led|voice|voices|group|groups|outcomes?|feedback|data|base"
    r"|satisfaction|management|work|focus|information|system|systems|portal|records?|needs"
    r"|experience|perspective|engagement|participation|social|loan|loans|nurse|nurses|placement"
    r"|placements|union|allowance|worker|workers|body|services|support|hub|life|days|visa))",
    re.IGNORECASE,
)

GENERIC_BEFORE = re.compile(
    r"\b(?:every|any|all|no|most|many|each|some|other|those|these|what|which)\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)


def find_client_words(text: str) -> Iterator[Signal]:
    """Yield words pointing at one client ("our client", "the girl we placed")."""
    for form in CLIENT_FORMS:
        for match in form.finditer(text):
            if GENERIC_BEFORE.search(text[: match.start()][-30:]):
                continue  # "every family I work with"
            noun = fold(match.groupdict().get("noun") or "")
            # "the whānau we work with", "the kids we see" may mean all of them: it needs a
            # detail to be one.
            many = noun in ("whanau", "family") or re.fullmatch(CLIENT_NOUNS_PLURAL, noun)
            kind = SOME_CLIENT if many else CLIENT
            yield Signal(kind, match.start(), match.end())
    for match in FROM_A_GROUP.finditer(text):
        ours = match.group("whose").lower() in ("my", "our")
        yield Signal(CLIENT if ours else SOME_CLIENT, match.start(), match.end())
    for form in (OUR_PERSON, ONLY_ONE, THAT_PERSON, RELATION_OF, WHO_DOES):
        for match in form.finditer(text):
            if fold(match.groupdict().get("noun") or "") not in COLLECTIVE_NOUNS:
                yield Signal(SOME_CLIENT, match.start(), match.end())  # not "our whānau"
    for match in SOME_CLIENT_FORM.finditer(text):
        if not GENERIC_BEFORE.search(text[: match.start()][-30:]):
            yield Signal(SOME_CLIENT, match.start(), match.end())
