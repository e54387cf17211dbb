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

What makes a name public, and so no signal at all: a title like Dr, Prof,
Judge, Sir or Dame before it; a talk around it ("Kieran's session", "keynote
from Tracie Mafile'o", "Hemi Smith … presented"); a colleague ("my colleague
Mere"); the event's own list of public names; a hashtag or @handle (removed
before this runs). A post that says its story is made up ("role play",
"fictional", "details changed") is let through as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise

from workers.texts_in.confidentiality.situations import SERIOUS, Situation, find_situation
from workers.texts_in.confidentiality.words import (
    aotearoa_names,
    common_words,
    english_words,
    fold,
    given_names,
    places,
    te_reo_words,
)

THRESHOLD = 3.0
MASK = "\x00"  # blanks out a public name, keeping every position

# The kinds of signal and what each weighs.
NAME = "name"  # a given name, or a capitalised word in a name's place
WEAK_NAME = "weak_name"  # an unknown capitalised word that begins a sentence about someone
TITLED = "titled"  # Mrs Chen, Mr Singh: no speaker is called that at a hui
KIN_TITLED = "kin_titled"  # Koro Hemi, Whaea Mere: elders, private or public
FAMILY = "family"  # the Hohepa whānau
YOUNG_AGE = "young_age"  # Tama (12)
CLIENT = "client"  # our client, the girl we placed
HOME = "home"  # she lives at, the family moved to
SOME_CLIENT = "some_client"  # a client, the patient: a person, but no more
SITUATION = "situation"
PLACE = "place"
JOB = "job"
BED = "bed"

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

LETTER = r"[^\W\d_]"
WORD = re.compile(rf"{LETTER}+(?:['\u2019\-]{LETTER}+)*")
SENTENCE_END = re.compile(r"[.!?;:\n]|\s[-\u2013\u2014]\s|[\U0001F300-\U0001FAFF\u2600-\u27BF]")

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
    r"(?:story|journey|life|experience|time)",
    re.IGNORECASE,
)
# A colleague's farewell or award: "Farewell drinks for our own Graham Pike".
CELEBRATION = re.compile(
    r"\b(?:farewell|retirement|retiring|award|awarded|honoured|honored|long\s+service)\b",
    re.IGNORECASE,
)
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
FAMILY_WORDS = (
    r"wh[aā]nau|family|kids|boys|girls|household|twins|children|tamariki|siblings|brothers"
    r"|sisters|sons|daughters|mokopuna|moko|clan|aiga|fam|boy|girl|kid|son|daughter|baby|twin"
    r"|lot|mob|cousins|nephews|nieces|grandkids|mokos"
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
        rf"\b(?:he|she|they|who|son|daughter|boy|girl|kid|youngest|eldest|oldest|baby|moko"
        rf"|tamaiti|pepi|pēpi|(?P<name>[A-Z][a-zāēīōū]+))(?:['\u2019]s|\s+is|\s+was|\s+(?:just\s+)?turned"
        rf"|\s+turns|\s+turning)(?:\s+(?:only|just|now|almost|nearly|barely))?\s+{YOUNG}\b"
        rf"{NOT_RANGE}"
        r"(?!\s*(?:min|mins|minutes|hours?|hrs?|weeks?|days?|months?|kids|people|times|am|pm))",
    ),
)

CLIENT_NOUNS = (
    r"client|patient|service\s+user|tangata\s+whaiora|t[aā]ngata\s+whaiora|family|wh[aā]nau"
    r"|mum|mom|dad|mother|father|parent|kid|child|tamaiti|boy|girl|teen|teenager|lady|woman"
    r"|man|guy|fella|koro|nan|nana|kuia|rangatahi|young\s+person|young\s+man|young\s+woman"
    r"|baby|p[eē]pi|whaea|aunty|uncle|elder|student|tenant|resident|one|fulla|fullah|fella"
    r"|lad|bro|uso|sis|chick|young\s+one|old\s+boy|old\s+lady|referral|ex-student|aunties"
    r"|mama|neighbour|neighbor|student|pupil|tenant|kaum[aā]tua|caregiver"
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
        r"|boys|girls|youth|residents|tenants|learners|regulars|guys|ladies|men|women)\b",
        re.IGNORECASE,
    ),
    re.compile(r"\ba\s+(?:client|patient)\s+of\s+(?:mine|ours)\b", re.IGNORECASE),
    re.compile(r"\bone\s+of\s+(?:mine|ours)\b", re.IGNORECASE),
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
    # the young mum from our Kaiti group, one of the dads on our programme
    re.compile(
        rf"\b(?:the|a|that|this|one\s+of\s+the)\s+(?:\w+\s+){{0,2}}?(?:{CLIENT_NOUNS}|{CLIENT_NOUNS_PLURAL})"
        r"\s+(?:from|in|on|at|with|of)\s+(?:my|our)\s+(?:[\w\-]+\s+){0,2}?"
        r"(?:group|programme|program|service|caseload|books|unit|ward|class|r[oō]{1,2}pu|clinic"
        r"|project|course|list|team)s?\b",
        re.IGNORECASE,
    ),
)
# "my lady in room 4", "our mum from the Tuesday group": a person of the writer's work.
OUR_PERSON = re.compile(
    rf"\b(?:my|our)\s+(?:[\w\-]+\s+){{0,3}}?(?P<noun>{CLIENT_NOUNS}|\d+-year-old|\d+yo)"
    r"(?!s)(?![\w\-])",
    re.IGNORECASE,
)
# "that dad from the Monday parenting course": someone from a group the writer runs
FROM_A_GROUP = re.compile(
    rf"\b(?:the|that|this|a)\s+(?:[\w\-]+\s+){{0,2}}?(?:{CLIENT_NOUNS})\s+(?:from|at|in|on)"
    r"\s+the\s+(?:[\w\-]+\s+){0,3}?(?:group|programme|program|course|clinic|drop-in|class"
    r"|session|r[oō]{1,2}pu|unit|ward|caseload)\b",
    re.IGNORECASE,
)
# "the only male nurse at the Ashburton practice": one of a kind, so someone
ONLY_ONE = re.compile(
    rf"\b(?:the|our|my)\s+only\s+(?:[\w\-]+\s+){{0,2}}?(?:{CLIENT_NOUNS}|nurse|teacher|doctor"
    r"|worker|kid|family|student|driver|member|person|one)\b",
    re.IGNORECASE,
)
# Nouns for many people at once: "our whānau", "our rangatahi" are everyone's.
COLLECTIVE_NOUNS = frozenset(("whanau", "family", "one", "rangatahi", "tamariki", "young people"))
# "that dad with the prosthetic leg", "supporting a fourteen year old mum": one person
THAT_PERSON = re.compile(
    rf"\b(?:that|this)\s+(?!(?:the|a|an|my|our|your|their|his|her)\s)(?:[\w\-]+\s+)?"
    rf"(?P<noun>{CLIENT_NOUNS})(?!s)\b"
    rf"|\b(?:supporting|visiting|seeing|helping|working\s+with|mentoring)\s+(?:a|an|this|one)\s+"
    rf"(?:[\w\-]+\s+){{0,3}}?(?:{CLIENT_NOUNS}|\w+[\s-](?:year|yr)[\s-]old|\d+yo)\b",
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


@dataclass(frozen=True)
class Signal:
    """One thing the post says about someone, where it says it, and what it weighs."""

    kind: str
    start: int
    end: int
    label: str = ""


@dataclass(frozen=True)
class PersonFinding:
    """A private person found: where they are named and the reply's plain words."""

    start: int
    end: int
    label: str  # "a name with a court matter"
    score: float


@dataclass(frozen=True)
class Word:
    """One word of the post, with what the checks need to know about it."""

    text: str
    folded: str  # lowercase, no macrons, no "'s"
    start: int
    end: int
    starts_sentence: bool
    possessive: bool


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


def overlaps(one: Signal, other: Signal) -> bool:
    """Tell whether two signals cover some of the same words."""
    return one.start < other.end and other.start < one.end


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


def split_words(text: str) -> list[Word]:
    """Split the post into words, noting which begin a sentence and which are possessive."""
    words: list[Word] = []
    for match in WORD.finditer(text):
        raw = match.group()
        possessive = raw.endswith(("'s", "\u2019s")) or text[match.end() : match.end() + 1] in (
            "'",
            "\u2019",
        )
        base = raw[:-2] if raw.endswith(("'s", "\u2019s")) else raw
        before = text[words[-1].end if words else 0 : match.start()]
        starts = not words or bool(SENTENCE_END.search(before))
        words.append(Word(base, fold(base), match.start(), match.end(), starts, possessive))
    return words


def is_capitalised(word: Word) -> bool:
    """A word written with a capital first letter and not all in capitals (not OT, WINZ)."""
    return word.text[0].isupper() and not (len(word.text) > 1 and word.text.isupper())


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
    if following and following.folded in PERSON_VERBS:
        return WEAK_NAME  # "Fetu finally started at the alt ed unit"
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
    after = " ".join(other.folded for other in words[index + 1 : index + 3])
    return NAME if after in NAME_CUES_AFTER else None


# Words right before a name: "txt from Liang", "poor Sefo", "sat with Ana".
NAME_CUES = (
    *("txt from", "text from", "call from", "message from", "msg from", "email from"),
    *("visit from", "heard from", "poor", "little", "wee", "bro", "sis", "visited", "rang"),
    *("texted", "txted", "told", "met with", "sat with", "drove", "took", "picked up"),
    *("dropped", "checked on", "saw", "baby", "mate", "visited"),
    *("seen", "see", "find", "found", "looking for", "thinking of", "worried about", "pray for"),
    *("dad of", "mum of", "mother of", "father of", "son of", "daughter of", "nan of"),
    *("whanau of", "family of", "brother of", "sister of", "partner of", "cousin of"),
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
    if raw and not match.group("the") and (raw[-1][:1].isupper() or raw[-1] == "o"):
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
    return not (base + "s" in common_words() or base in NOT_SURNAMES or base in common_words())


# Words before a capitalised word and "whānau" that make it a group, not a family.
GROUP_WORDS = frozenset(("our", "my", "your", "their", "all", "ngai", "ngati", "nga"))


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
    for form in (OUR_PERSON, FROM_A_GROUP, ONLY_ONE, THAT_PERSON, RELATION_OF):
        for match in form.finditer(text):
            if fold(match.groupdict().get("noun") or "") not in COLLECTIVE_NOUNS:
                yield Signal(SOME_CLIENT, match.start(), match.end())  # not "our whānau"
    for match in SOME_CLIENT_FORM.finditer(text):
        if not GENERIC_BEFORE.search(text[: match.start()][-30:]):
            yield Signal(SOME_CLIENT, match.start(), match.end())


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
