"""The confidentiality check's numbers: phones, emails, NHI, birth dates, addresses, case files."""

from __future__ import annotations

from datetime import date

import pytest

from workers.texts_in.confidentiality import (
    ADDRESS,
    BIRTH_DATE,
    CASE_NUMBER,
    EMAIL,
    LABELS,
    NHI,
    PERSON,
    PHONE,
    Finding,
    describe_findings,
    find_identifying,
)
from workers.texts_in.confidentiality.numbers import CAR_PLATE_KIND, NHI_LETTERS, is_valid_nhi
from workers.texts_out.segments import count_segments

TODAY = date(2026, 11, 23)  # the conference day these posts are written on


def found(text: str) -> list[tuple[str, str]]:
    """Return (kind, matched text) for each finding."""
    return [(finding.kind, finding.text) for finding in find_identifying(text, TODAY)]


# Published examples: the Ministry's test range (Z...) and the open-source validators'
# documented cases (nhiValidator, python-nhi, the nhi crate), which follow HISO 10046:2023.
@pytest.mark.parametrize(
    "nhi",
    [
        "ZAC5361",
        "JBX3656",
        "ZZZ0016",
        "ZZZ0024",
        "AAA1116",
        "BBB2221",
        "WLD9413",
        "ZAA0105",
        "zac5361",
        "ZZZ00AC",
        "ABC12DS",
        "AAA11AU",
        "ZBN77VL",
        "ZSC21TN",
        "ZVB97XQ",
        "zsc21tn",
    ],
)
def test_valid_nhi_numbers(nhi: str) -> None:
    assert is_valid_nhi(nhi)


@pytest.mark.parametrize(
    "nhi",
    [
        "JBX3657",  # wrong check digit
        "ZAC3561",  # two digits swapped
        "ZZZ0044",  # the sum is a multiple of 11: no check digit exists
        "ZZZ0017",
        "ZZZ00AA",  # wrong check letter
        "ZZZ00AX",  # right only under the withdrawn mod-24 rule of HISO 10046:2022
        "IAA1116",  # I and O are never used
        "OAA1116",
        "ZZZ00AI",
        "AB12345",
        "ABC123",
        "ABC12D1",
        "ABCD1234",
    ],
)
def test_invalid_nhi_numbers(nhi: str) -> None:
    assert not is_valid_nhi(nhi)


@pytest.mark.parametrize("base", ["ZZZ00A", "ABC12D", "AAA11A", "JBX97Q", "ZBN77V"])
def test_a_new_format_nhi_has_exactly_one_check_letter(base: str) -> None:
    assert sum(is_valid_nhi(base + letter) for letter in NHI_LETTERS) == 1


@pytest.mark.parametrize("base", ["JBX365", "ZAC536", "ZZZ001", "AAA111", "ZZZ004"])
def test_an_old_format_nhi_has_at_most_one_check_digit(base: str) -> None:
    assert sum(is_valid_nhi(base + digit) for digit in "0123456789") <= 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # phone numbers
        ("Call her on 021 123 4567", [(PHONE, "021 123 4567")]),
        ("ring +64 21 123 4567 tonight", [(PHONE, "+64 21 123 4567")]),
        ("office (04) 384 7123", [(PHONE, "(04) 384 7123")]),
        ("Tel: 09 379 4000", [(PHONE, "09 379 4000")]),
        ("mob 0274123456", [(PHONE, "0274123456")]),
        ("021-123-4567 is his", [(PHONE, "021-123-4567")]),
        ("uk number +44 20 7946 0958", [(PHONE, "+44 20 7946 0958")]),
        ("us cell +1 415 555 2671", [(PHONE, "+1 415 555 2671")]),
        ("ph 384 7123 after 5", [(PHONE, "384 7123")]),
        # email addresses
        ("email aroha@example.org.nz", [(EMAIL, "aroha@example.org.nz")]),
        ("J.Smith+work@health.govt.nz.", [(EMAIL, "J.Smith+work@health.govt.nz")]),
        # NHI numbers, old and new, any case
        ("NHI ZAC5361 was flagged", [(NHI, "ZAC5361")]),
        ("her nhi is abc12ds", [(NHI, "abc12ds")]),
        ("(JBX3656)", [(NHI, "JBX3656")]),
        # dates of birth: near a word about birth
        ("born 3 March 1990", [(BIRTH_DATE, "3 March 1990")]),
        ("DOB: 12/03/1990", [(BIRTH_DATE, "12/03/1990")]),
        ("d.o.b 3/4/90", [(BIRTH_DATE, "3/4/90")]),
        ("D.O.B. 3.4.1990", [(BIRTH_DATE, "3.4.1990")]),
        ("date of birth 1990-04-03", [(BIRTH_DATE, "1990-04-03")]),
        ("her birthday is 12 June", [(BIRTH_DATE, "12 June")]),
        ("birthday: June 12th", [(BIRTH_DATE, "June 12th")]),
        ("She was born in 1987", [(BIRTH_DATE, "1987")]),
        ("born March 2019, now in care", [(BIRTH_DATE, "March 2019")]),
        ("3/4/1990 (DOB)", [(BIRTH_DATE, "3/4/1990")]),
        ("pēpi born 3/10/2025", [(BIRTH_DATE, "3/10/2025")]),
        # dates of birth: a full date that gives an age of 1 to 110
        ("On 12 March 1990 she arrived", [(BIRTH_DATE, "12 March 1990")]),
        ("seen 1990-04-03", [(BIRTH_DATE, "1990-04-03")]),
        ("14/02/2008 placed", [(BIRTH_DATE, "14/02/2008")]),
        ("12/25/1990 it was", [(BIRTH_DATE, "12/25/1990")]),  # month first when day first cannot be
        # street addresses
        ("Lives at 12 Main Street", [(ADDRESS, "12 Main Street")]),
        ("lives at 12 main st", [(ADDRESS, "12 main st")]),
        ("2/15 Te Awa Road", [(ADDRESS, "2/15 Te Awa Road")]),
        ("15A Queen St, Auckland", [(ADDRESS, "15A Queen St")]),
        ("at 7 Kowhai Cres.", [(ADDRESS, "7 Kowhai Cres.")]),
        ("3 Seaview Tce", [(ADDRESS, "3 Seaview Tce")]),
        ("101 Lambton Quay", [(ADDRESS, "101 Lambton Quay")]),
        ("moved to 44 Pōhutukawa Drive", [(ADDRESS, "44 Pōhutukawa Drive")]),
        # an address with nothing saying it is the venue's is flagged: it could be a home
        ("ring the bell at 85 Willis St", [(ADDRESS, "85 Willis St")]),
        # case and file numbers, after a word that says so or in a court's form
        ("chasing Case 2023/44120 again", [(CASE_NUMBER, "2023/44120")]),
        ("file 2018/3307 closed", [(CASE_NUMBER, "2018/3307")]),
        ("case ID 7781290 escalated", [(CASE_NUMBER, "7781290")]),
        ("client no 312 445 872 stopped", [(CASE_NUMBER, "312 445 872")]),
        ("ACC claim no. 45-889-1 declined", [(CASE_NUMBER, "45-889-1")]),
        ("ref YA/2023/1192 tmrw", [(CASE_NUMBER, "YA/2023/1192")]),
        ("referral #RF-88231 sat there", [(CASE_NUMBER, "RF-88231")]),
        ("hospital MRN 00458812", [(CASE_NUMBER, "00458812")]),
        (
            "NHI ABC1234 on the list",
            [(CASE_NUMBER, "ABC1234")],
        ),  # a wrong check digit, still an NHI
        ("set down for CRI-2021-092-004455", [(CASE_NUMBER, "CRI-2021-092-004455")]),
        ("coroner CSU-2022-AUK-611 heard", [(CASE_NUMBER, "CSU-2022-AUK-611")]),
        ("follow up on 24-118736 pls", [(CASE_NUMBER, "24-118736")]),
        ("event P055123987 was logged", [(CASE_NUMBER, "P055123987")]),
        ("ROC 1987-2234 is the one", [(CASE_NUMBER, "1987-2234")]),
        ("oral health ref 3309A booked", [(CASE_NUMBER, "3309A")]),
        ("Case #5521 contested", [(CASE_NUMBER, "5521")]),  # no hashtag is digits alone
        ("tenancy #TN77213 has mould", [(CASE_NUMBER, "TN77213")]),
        ("file HB/FC/2023/1187 resent", [(CASE_NUMBER, "HB/FC/2023/1187")]),
        # a car's plate, after a word that says so
        ("Plate FZT91, silver Mazda", [(CAR_PLATE_KIND, "FZT91")]),
        ("rego ABC123 outside the school", [(CAR_PLATE_KIND, "ABC123")]),
    ],
)
def test_what_identifies_a_person_is_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Great keynote on kaupapa Māori practice #swrb13",
        "Day 2 of #SWRB2026: Session 3 in Room 204 at 10:30",
        "Conference runs 23 Nov 2026 to 25 Nov 2026",
        "See you on 25/11/2026 for the closing panel",
        "Registrations close 2026-12-01",
        "3 of 5 panels done and 2026 is the year",
        "Slides: https://swrb.govt.nz/conf/2026/slides?id=12345678",
        "Workshop 10:30-11:45, then lunch 12pm-1pm",
        "Scores 3-1 and a 2019-2026 trend",
        "Room 12, Level 3, 9am-5pm",
        "Top 10 tips from Session 4",
        "5,100,000 people live in Aotearoa",
        "We raised $12,345 for the food bank",
        "ISBN 978-0-12-345678-9",
        "Oranga Tamariki Act 1989 review",
        "On 6 February 1840 Te Tiriti was signed",
        "Budget 2025/26 and 24/7 support lines",
        "Three quarters (3/4) of us agreed",
        "Follow @aroha@mastodon.social and @swrb",
        "Contact form: https://example.org/contact?phone=0211234567&to=a@b.nz",
        "Ticket #ZAC5361 at the desk",
        "SDG2030 goals",
        "ZZZ0044 is not an NHI",
        "a 2 hour drive from Wellington",
        "2 days on the road to get here",
        "It has been 1 long road",
        "Table 12 Row 3",
        "families we work with deserve better",
        "the whānau we work with lead the way",
        "the whānau I work with are amazing",
        "my clients inspire me every day",
        "service users deserve respect",
        "service user voice matters",
        "The Crown case for change",
        "Today's case study was great",
        "Happy birthday to our tumuaki!",
        "I was born to do this work",
        "Newborn care in 2026",
        # helplines are free or shared-cost numbers, no one's own
        "Youthline 0800 376 633",
        "need to talk? call 0508 828 865",
        # the event's own address
        "the venue is 85 Willis St, go in the side door",
        "conference dinner at 12 Queen St tonight",
        "quiet room on Level 2, 85 Willis St",
        # numbers near case words that are no identifiers
        "case 2019 was the turning point",
        "sample form: Case 0000/00000",
        "file 12 pages of notes",
        "the case study used Case 2023/00001, made up",
        "data from 2019-2026 shows the trend",
        "call (415) 555-2671",  # 7 digits with a hyphen: a US number, not a file
        "the plate of kai was huge",
    ],
)
def test_ordinary_conference_posts_pass(text: str) -> None:
    assert found(text) == []


def test_findings_come_in_the_order_written_with_labels() -> None:
    text = "my client (NHI ZAC5361, DOB 3/4/1990) at 12 Main St, ph 021 123 4567, a@b.nz"
    findings = find_identifying(text, TODAY)
    assert [finding.kind for finding in findings] == [
        PERSON,
        NHI,
        BIRTH_DATE,
        ADDRESS,
        PHONE,
        EMAIL,
    ]
    for finding in findings:
        assert finding.label == LABELS.get(finding.kind, "words about a client")
        assert text[finding.start :].startswith(finding.text)


def test_national_numbers_are_read_in_the_region_given() -> None:
    text = "call (415) 555-2671"
    assert find_identifying(text, TODAY, region="US")[0].text == "(415) 555-2671"
    assert find_identifying(text, TODAY, region="NZ") == []


def test_a_birth_date_is_reckoned_from_today() -> None:
    assert find_identifying("seen 23/11/2025", date(2026, 11, 23))  # one year old
    assert not find_identifying("seen 23/11/2025", date(2026, 11, 22))  # not yet one
    assert find_identifying("seen 1/12/1916", date(2026, 11, 23))  # 109
    assert not find_identifying("seen 1/12/1915", date(2026, 12, 2))  # 111


def test_an_impossible_date_is_not_a_date() -> None:
    assert found("seen 31/02/1990") == []
    assert found("seen 13/13/1990") == []
    assert found("born 12/13/14/15") == []
    # near a word about birth, its year still counts
    assert found("DOB 31/02/1990") == [(BIRTH_DATE, "1990")]


@pytest.mark.parametrize(
    ("kinds", "message"),
    [
        ([NHI], "Found: an NHI number."),
        ([NHI, PHONE], "Found: an NHI number and a phone number."),
        ([PHONE, PHONE, EMAIL], "Found: a phone number and an email address."),
        (
            [CASE_NUMBER, ADDRESS, BIRTH_DATE],
            "Found: a case or file number, a street address and a date of birth.",
        ),
        ([], ""),
    ],
)
def test_describe_findings(kinds: list[str], message: str) -> None:
    findings = [Finding(kind, "x", LABELS[kind], i) for i, kind in enumerate(kinds)]
    assert describe_findings(findings) == message


def test_every_number_finding_fits_one_gsm_segment() -> None:
    findings = [Finding(kind, "x", label, i) for i, (kind, label) in enumerate(LABELS.items())]
    count = count_segments(describe_findings(findings))
    assert (count.encoding, count.segments) == ("GSM-7", 1)
