"""Find the numbers and addresses in a post that could identify a person.

Pure code: each finder yields (start, end, kind) spans of the text it is given.
What is looked for, and what is deliberately left alone:

- Phone numbers, NZ and international, through the `phonenumbers` library at
  its VALID leniency (a number in a real allocated range), so years, times,
  "3 of 5", "Session 3" and room numbers are not numbers. A run of seven or
  more digits right after "ph", "call", "txt", "mob"... counts too, for local
  numbers written without an area code.
- Email addresses; a fediverse handle (@name@instance) is a public handle, not one.
- NHI numbers, old (AAA9999) and new (AAA99AA) format, only when the check
  character is right, per HISO 10046:2023: letters are numbered 1-24 leaving
  out I and O, and the first six characters are weighted 7 down to 2 and summed.
  The old format's check digit is 11 minus the sum mod 11 (10 becomes 0; a
  remainder of 0 is never valid); the new format's check letter is the letter
  numbered 23 minus the sum mod 23. The earlier mod-24 rule of HISO 10046:2022
  is not accepted. Numbers starting with Z (the Ministry's test range) are
  flagged too, so demos and tests can use them.
- Dates of birth: a date within a few words of "born", "DOB", "d.o.b",
  "date of birth" or "birthday" (with or without a year, or a year alone after
  "born"); and, with no such word, a full date with a four-digit year between
  1 and 110 years before today, which is an age someone could have. So
  "23 Nov 2026" at a conference in 2026 is not flagged, and neither is
  "6 February 1840".
- Street addresses: a number (15, 15A, 2/15), one to three name words, and a
  street type (Street/St, Road/Rd, Avenue/Ave, Drive/Dr, Place/Pl, Crescent/Cres,
  Lane/Ln, Terrace/Tce, Way, Close, Court/Ct, Grove, Parade/Pde, Highway/Hwy,
  Boulevard/Blvd, Esplanade/Esp, Square/Sq, Quay, Rise, Mews, Row). The name must
  start with a capital unless the type is abbreviated ("12 main st"), and name
  words like "the", "hour" or "days" rule it out, so "a 2 hour drive" and
  "2 days on the road" pass.
- Case and file numbers: an identifier with four or more digits (or letters and
  digits, "JT22104", "YA/2023/1192", "312 445 872") within a few words after
  "case", "file", "ref", "claim", "client no", "NHI", "IRD", "MRN", "CRN", "intake",
  "referral" and the like; and the court's own form ("CRI-2021-092-004455")
  anywhere. A year alone, all zeros and placeholders are not.

The check errs toward asking: a YES posts anyway, so a false alarm costs one
text, while a missed NHI number cannot be taken back. An address right
after words like "venue", "conference", "hotel" or "dinner" is taken for the
event's ("the venue is 85 Willis St"); any other is flagged, since the check
cannot tell a venue from a client's home. Free and shared-cost numbers (0800,
0508) are helplines, not anyone's own, and pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date

import phonenumbers

PHONE = "phone"
EMAIL = "email"
NHI = "nhi"
BIRTH_DATE = "birth_date"
ADDRESS = "address"
CASE_NUMBER = "case_number"
CAR_PLATE_KIND = "car_plate"

LABELS = {
    PHONE: "a phone number",
    EMAIL: "an email address",
    NHI: "an NHI number",
    BIRTH_DATE: "a date of birth",
    ADDRESS: "a street address",
    CASE_NUMBER: "a case or file number",
    CAR_PLATE_KIND: "a number plate",
}

NHI_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # A=1 ... Z=24; no I or O
NHI_WEIGHTS = (7, 6, 5, 4, 3, 2)  # for the first six characters
OLDEST_AGE = 110

# Spans removed before looking for numbers: links, hashtags, @handles.
URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
# Not "#RF-88231", "#TN77213" or "#5521": a number, perhaps after a few letters, is a
# reference (no platform takes a hashtag of digits alone).
HASHTAG = re.compile(r"#(?!\d+(?!\w))(?![A-Za-z]{0,4}\d{5,}(?!\w))\w+(?!\w|[-/]\d)")
HANDLE = re.compile(r"@[\w.]+(?:@[\w-]+(?:\.[\w-]+)+)?")
MASK = "\x00"  # neither a word character nor a space, so nothing matches across it

EMAIL_ADDRESS = re.compile(
    r"(?<![\w.@+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)
NHI_CANDIDATE = re.compile(r"(?<!\w)[A-Za-z]{3}\d{2}(?:\d{2}|[A-Za-z]{2})(?!\w)")
PHONE_CUE = re.compile(
    r"\b(?:ph|phone|call|ring|txt|text|mob|mobile|cell|tel)\b[.:]?\s*(\+?\d[\d \-]{5,}\d)",
    re.IGNORECASE,
)

MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
ORDINAL = r"(?:st|nd|rd|th)?"
YEAR = r"(?P<year>\d{4}|'\d{2})"
DATE_FORMS = (
    # 3 March 1990, 3rd of Mar, 1990
    re.compile(
        rf"\b(?P<day>\d{{1,2}}){ORDINAL}(?:\s+of)?\s+{MONTH}(?:,?\s+{YEAR})?(?!\w)",
        re.IGNORECASE,
    ),
    # March 3, 1990, Mar 3rd
    re.compile(
        rf"\b{MONTH}\s+(?P<day>\d{{1,2}}){ORDINAL}(?:,?\s+{YEAR})?(?![\w:])",
        re.IGNORECASE,
    ),
    # March 1990
    re.compile(rf"\b{MONTH},?\s+{YEAR}(?!\w)", re.IGNORECASE),
    # 3/4/1990, 3.4.90, 3-4-1990: day first, as New Zealand writes them
    re.compile(
        r"\b(?P<day>\d{1,2})([/.\-])(?P<month>\d{1,2})\2(?P<year>\d{4}|\d{2})(?!\d)(?![/.\-]\d)"
    ),
    # 1990-04-03
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b"),
    # 3/4
    re.compile(r"(?<![\d/])(?P<day>\d{1,2})/(?P<month>\d{1,2})(?![\d/])"),
    # 1990 alone
    re.compile(r"\b(?P<year>(?:19|20)\d{2})\b"),
)
BIRTH_CUE = re.compile(
    r"(?<!\w)(?:born|d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|birth\s?date|birthday|b'?day)(?!\w)",
    re.IGNORECASE,
)
CUE_BEFORE = 40  # characters from the end of a cue to the date
CUE_AFTER = 25  # characters from the end of a date to a cue after it: "3/4/1990 (DOB)"

STREET_TYPES = {
    # full name: the abbreviations people write for it
    "street": ("st",),
    "road": ("rd",),
    "avenue": ("ave", "av"),
    "drive": ("dr",),
    "place": ("pl",),
    "crescent": ("cres",),
    "lane": ("ln",),
    "terrace": ("tce",),
    "way": (),
    "close": (),
    "court": ("ct",),
    "grove": (),
    "parade": ("pde",),
    "highway": ("hwy",),
    "boulevard": ("blvd",),
    "esplanade": ("esp",),
    "square": ("sq",),
    "quay": (),
    "rise": (),
    "mews": (),
    "row": (),
}
STREET_ABBREVIATIONS = frozenset(abbr for abbrs in STREET_TYPES.values() for abbr in abbrs)
STREET_TYPE = "|".join(sorted([*STREET_TYPES, *STREET_ABBREVIATIONS], key=len, reverse=True))
APOSTROPHE = "['\u2019]"  # typed or curly
NAME_WORD = rf"[A-Za-zĀĒĪŌŪāēīōū](?:[A-Za-zĀĒĪŌŪāēīōū\-]|{APOSTROPHE})*"
ADDRESS_CANDIDATE = re.compile(
    rf"(?<![\w/.,])(?:\d{{1,4}}\s?/\s?)?\d{{1,5}}[A-Za-z]?\s+"
    rf"(?P<name>{NAME_WORD}(?:\s+{NAME_WORD}){{0,2}}?)\s+(?P<type>{STREET_TYPE})\b\.?",
    re.IGNORECASE,
)
# Words that make "number words street-type" something other than an address.
NOT_STREET_NAMES = frozenset(
    (
        *("a", "an", "the", "of", "on", "in", "at", "to", "by", "for", "from", "with", "and", "or"),
        *("my", "our", "your", "their", "his", "her", "its", "this", "that", "these", "those"),
        *("more", "less", "other", "next", "last", "first", "people", "times"),
        *("hour", "hours", "minute", "minutes", "min", "mins", "day", "days", "week", "weeks"),
        *("month", "months", "year", "years", "km", "kms", "metre", "metres", "meter", "meters"),
        *("mile", "miles"),
    )
)

# "case", "file", "ref"... then perhaps "ID", "no." or "#", then the identifier.
CASE_CUE = re.compile(
    r"\b(?:case|file|ref|reference|referral|intake|claim|client|patient|tenancy|mrn|ird|crn|nhi"
    r"|matter|acc45|legal\s+aid|event|application|incident|nsn|attendance|record|episode"
    r"|admission|student|roc|cyras|id)\b\.?:?\s*(?:[A-Z]{2,6}\s+)?(?:(?:id|no|number|ref|#)\.?:?\s*)*#?\s*"
    r"(?P<id>(?:[A-Za-z]{1,4}[-/]){0,3}(?:[A-Za-z]{1,4})?\d+(?:[A-Za-z]{1,3}\d+)*[A-Za-z]{0,2}"
    r"(?:[-/](?:[A-Za-z]{1,4}|\d+)|\s\d{3,4}(?!\w))*)"
    r"(?![\w/-])",
    re.IGNORECASE,
)
# A long run of digits, perhaps after a letter or two, is someone's number in some system.
LONG_NUMBER = re.compile(r"(?<![\w$.,/#-])[A-Za-z]{0,3}\d{7,}(?![\w%]|[.,]\d)")
# Two runs of digits joined by a hyphen, eight digits or more in all: 24-118736.
HYPHENED_NUMBER = re.compile(r"(?<![\w$.,/#-])(?P<a>\d{2,4})-(?P<b>\d{4,7})(?![\w%/-]|[.,]\d)")
# A car's plate after a word that says so: "plate FZT91", "rego ABC123".
# A plate on its own: three capitals and three digits, as New Zealand's plates are now.
BARE_PLATE = re.compile(r"(?<![\w#@/-])[A-Z]{3}\d{3}(?![\w/-])")
CAR_PLATE = re.compile(
    r"\b(?:plate|plates|rego|registration|number\s+plate)\s*(?:no\.?|number)?[:#]?\s*"
    r"(?P<plate>[A-Z]{1,3}\d{1,4}|[A-Z]{2,3}\d{1,3}[A-Z]?|\d{1,3}[A-Z]{2,3})\b",
    re.IGNORECASE,
)
# Letters, a hyphen or slashes, and digits: RF-88231, ROC-78812, WO/BOP/0932, TN77213.
CODED_NUMBER = re.compile(
    r"(?<![\w/-])(?:[A-Z]{2,4}-\d{4,}|[A-Z]{2,4}(?:/[A-Z]{2,4})+/\d{3,}|[A-Z]{2}\d{5,})(?![\w/-])"
)
# Digits in groups of three: StudyLink 55 213 689, eight digits or more in all; not
# starting with 0, as phone numbers (0800 733 843) do.
SPACED_NUMBER = re.compile(r"(?<![\w$.,])[1-9]\d{1,3}(?: \d{3}){2,}(?![\w%]|[.,]\d)")
# The courts' file numbers and others like them: CRI-2021-092-004455, CSU-2022-AUK-611.
AGENCY_NUMBER = re.compile(r"\b[A-Z]{2,4}-\d{4}-[A-Z0-9]{2,4}-\d{2,6}\b")
MIN_CASE_DIGITS = 4
ORGANISATION_LINES = (
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.SHARED_COST,
    phonenumbers.PhoneNumberType.UAN,
)
# An address right after these is where the event is, not where someone lives.
VENUE_CUE = re.compile(
    r"\b(?:venue|conference|conf|hotel|registration|rego|dinner|workshop|session|held|"
    r"meet(?:ing)?\s+(?:up\s+)?at|parking|carpark|entrance|level\s+\d+|quiet\s+room)\b"
    r"[^.!?\n]{0,40}$",
    re.IGNORECASE,
)


def is_valid_nhi(value: str) -> bool:
    """Tell whether a string is an NHI number with a correct check character (either format)."""
    nhi = value.upper()
    if not re.fullmatch(r"[A-HJ-NP-Z]{3}\d{2}(?:\d{2}|[A-HJ-NP-Z]{2})", nhi):
        return False
    total = sum(nhi_value(char) * weight for char, weight in zip(nhi[:6], NHI_WEIGHTS, strict=True))
    if nhi[6].isdigit():
        remainder = total % 11
        return remainder != 0 and (11 - remainder) % 10 == int(nhi[6])
    return NHI_LETTERS[23 - total % 23 - 1] == nhi[6]


def nhi_value(char: str) -> int:
    """Return a character's value in the NHI check: a digit itself, a letter 1-24."""
    return int(char) if char.isdigit() else NHI_LETTERS.index(char) + 1


Span = tuple[int, int, str]


def mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Return the text with the spans blanked out, keeping every position."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = MASK * (end - start)
    return "".join(chars)


def find_emails(text: str) -> Iterator[Span]:
    """Yield email addresses."""
    for match in EMAIL_ADDRESS.finditer(text):
        yield match.start(), match.end(), EMAIL


def find_phones(text: str, region: str) -> Iterator[Span]:
    """Yield phone numbers: valid ones anywhere, and long digit runs after a word like "ph"."""
    for match in phonenumbers.PhoneNumberMatcher(
        text, region, leniency=phonenumbers.Leniency.VALID
    ):
        if not is_organisations_line(match.raw_string, region):
            yield match.start, match.end, PHONE
    for cue in PHONE_CUE.finditer(text):
        digits = cue.group(1)
        if sum(char.isdigit() for char in digits) >= 7 and not is_organisations_line(
            digits, region
        ):
            yield cue.start(1), cue.end(1), PHONE


def is_organisations_line(number: str, region: str) -> bool:
    """Tell whether a number is a free or shared-cost line (0800, 0508): a helpline's."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(parsed) in ORGANISATION_LINES


def find_nhis(text: str) -> Iterator[Span]:
    """Yield NHI numbers whose check character is right."""
    for match in NHI_CANDIDATE.finditer(text):
        if is_valid_nhi(match.group()):
            yield match.start(), match.end(), NHI


def find_birth_dates(text: str, today: date) -> Iterator[Span]:
    """Yield dates near a word about birth, and full dates that could be someone's birth date."""
    cues = [cue.span() for cue in BIRTH_CUE.finditer(text)]
    for form in DATE_FORMS:
        for match in form.finditer(text):
            near_cue = any(
                0 <= match.start() - cue_end <= CUE_BEFORE
                or 0 <= cue_start - match.end() <= CUE_AFTER
                for cue_start, cue_end in cues
            )
            # Near a word about birth any real date counts; elsewhere only a possible age.
            if names_a_date(match) if near_cue else is_possible_birth_date(match, today):
                yield match.start(), match.end(), BIRTH_DATE


def date_parts(match: re.Match[str]) -> tuple[int | None, int | None, int | None]:
    """Return the year, month and day a date match names (None where it names none)."""
    groups = match.groupdict()
    year = groups.get("year")
    month = groups.get("month")
    day = groups.get("day")
    month_number = (
        None if month is None else int(month) if month.isdigit() else MONTHS[month[:3].lower()]
    )
    day_number = None if day is None else int(day)
    # Day first unless that is impossible and the other way round is not: 12/25/1990.
    if (
        day_number is not None
        and month_number is not None
        and month is not None
        and month.isdigit()
        and month_number > 12 >= day_number
    ):
        day_number, month_number = month_number, day_number
    year_number = None if year is None else int(year.lstrip("'"))
    return year_number, month_number, day_number


def names_a_date(match: re.Match[str]) -> bool:
    """Tell whether a date match is a real day, month or year."""
    year, month, day = date_parts(match)
    if month is not None and not 1 <= month <= 12:
        return False
    if day is not None and month is not None:
        try:
            date(2000 if year is None or year < 100 else year, month, day)  # 2000: a leap year
        except ValueError:
            return False
    return True


def is_possible_birth_date(match: re.Match[str], today: date) -> bool:
    """Tell whether a full date with a four-digit year makes an age of 1 to 110 years."""
    year, month, day = date_parts(match)
    if year is None or month is None or day is None or year < 1000:
        return False
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return 1 <= age <= OLDEST_AGE


def find_addresses(text: str) -> Iterator[Span]:
    """Yield street addresses: a number, a street name and a street type."""
    for match in ADDRESS_CANDIDATE.finditer(text):
        name_words = match.group("name").split()
        street_type = match.group("type")
        if any(word.lower() in NOT_STREET_NAMES for word in name_words):
            continue
        if VENUE_CUE.search(text[: match.start()]):
            continue  # "the venue is 200 Victoria St West"
        if street_type.lower() in STREET_ABBREVIATIONS or name_words[0][0].isupper():
            yield match.start(), match.end(), ADDRESS


def find_case_numbers(text: str) -> Iterator[Span]:
    """Yield case and file numbers: an identifier after a word like "case", or a court's form."""
    for match in CASE_CUE.finditer(text):
        identifier = match.group("id")
        digits = "".join(char for char in identifier if char.isdigit())
        if len(digits) < MIN_CASE_DIGITS or not digits.strip("0"):
            continue  # too short to be an identifier, or a placeholder like 0000/00000
        if identifier.isdigit() and len(identifier) == 4 and identifier[:2] in ("19", "20"):
            continue  # a year: "the case in 2019"
        yield match.start("id"), match.end("id"), CASE_NUMBER
    for match in AGENCY_NUMBER.finditer(text):
        yield match.start(), match.end(), CASE_NUMBER
    for form in (LONG_NUMBER, CODED_NUMBER, SPACED_NUMBER):
        for match in form.finditer(text):
            yield match.start(), match.end(), CASE_NUMBER
    for match in HYPHENED_NUMBER.finditer(text):
        first, second = match.group("a"), match.group("b")
        years = len(first) == len(second) == 4 and first[:2] in ("19", "20")
        if len(first) + len(second) >= 8 and not years:
            yield match.start(), match.end(), CASE_NUMBER  # not a span of years: 2019-2026


def find_car_plates(text: str) -> Iterator[Span]:
    """Yield a car's number plate written after "plate" or "rego"."""
    for match in CAR_PLATE.finditer(text):
        if any(char.isdigit() for char in match.group("plate")):
            yield match.start("plate"), match.end("plate"), CAR_PLATE_KIND
    for match in BARE_PLATE.finditer(text):
        yield match.start(), match.end(), CAR_PLATE_KIND
