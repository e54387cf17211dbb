"""The confidentiality check's people: who a post points at, what it says, and what is public."""

from __future__ import annotations

from datetime import date

import pytest

from workers.texts_in.confidentiality import PERSON, describe_findings, find_identifying
from workers.texts_in.confidentiality.people import THRESHOLD, find_person
from workers.texts_out.replies import held
from workers.texts_out.segments import count_segments

TODAY = date(2026, 11, 23)


def reply_words(text: str, public_names: tuple[str, ...] = ()) -> str:
    """The hold reply's "Found: ..." sentence for a text, "" when it passes."""
    return describe_findings(find_identifying(text, TODAY, public_names=public_names))


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # a name with what happened to them
        ("Tama's FGC got adjourned to thurs", "Found: a name with a court matter."),
        ("Sione got stood down again today", "Found: a name with a school matter."),
        ("rāwiri back on ward 34, 3rd admission", "Found: a name with a health matter."),
        ("kylie's custody hearing moved to the 14th", "Found: a name with a court matter."),
        ("OT uplifted baby Mere last night", "Found: a name with care and protection."),
        ("Aroha Ngata got her hardship grant", "Found: a name with a benefit or housing matter."),
        ("Aroha finally got her kids back from care", "Found: a name with care and protection."),
        ("Hone's tangi is friday up the coast", "Found: a name with a death or loss."),
        ("Jake picked up by police again", "Found: a name with police."),
        # a private title
        ("Mrs Chen on Fraser Ave, 84, still no hot water", "Found: a name with a place."),
        ("Koro Hemi lost his wife last week", "Found: a name with a death or loss."),
        ("Ms Walker rang me crying during the break", "Found: a name."),  # Ms: no speaker
        (
            "whaea marama from the kohanga, dementia confirmed",
            "Found: a name with a health matter.",
        ),
        # a family named by its surname
        ("the Hohepa whānau are moving back to Wairoa", "Found: a family name with a place."),
        ("the 4 Brown kids all stood down", "Found: a family name with a school matter."),
        ("The Kerrs in Westport lost everything", "Found: a family name with a death or loss."),
        ("the singh family lost the dairy", "Found: a family name with a death or loss."),
        # a young person's age
        ("Tama (12) at the drop-in again, no lunch", "Found: a young person's age with a name."),
        ("Rawiri, 17, from Ōtara got accepted!", "Found: a young person's age with a name."),
        (
            "a 14-year-old from Flaxmere sleeping in a car",
            "Found: a young person's age with a benefit or housing matter.",
        ),
        ("the girl, 14, from the school in Huntly", "Found: a young person's age with a place."),
        ("sefo (8) at Mangere East school", "Found: a young person's age with a name."),
        (
            "she's only nine and in foster care",
            "Found: a young person's age with care and protection.",
        ),
        (
            "the youngest at the kura is 14, from Ashburton",
            "Found: a young person's age with a place.",
        ),
        (
            "so the 3 month old with the broken femur",
            "Found: a young person's age with a health matter.",
        ),
        # words about a client
        ("our client is back in hospital", "Found: words about a client with a health matter."),
        (
            "the girl we placed in Hamilton ran away",
            "Found: words about a client with care and protection.",
        ),
        ("a kid on my caseload made the team", "Found: words about a client."),
        (
            "one of the dads on our programme got his kids back",
            "Found: words about a client with care and protection.",
        ),
        ("patient in bed 12 went AWOL", "Found: words about a client with a health matter."),
        (
            "the whānau I work with in Kawerau had the power cut",
            "Found: words about a client with a benefit or housing matter.",
        ),
        (
            "That dad from the Monday parenting course got arrested",
            "Found: words about a client with police.",
        ),
        (
            "the only male nurse at the Ashburton practice is off on stress leave",
            "Found: words about a client with a health matter.",
        ),
        (
            "the lady who runs the dairy by our office came in with a black eye",
            "Found: words about a client with family harm.",
        ),
        (
            "One of my lads just got charged with robbery",
            "Found: words about a client with a court matter.",
        ),
        ("K.T. still waiting for a mental health bed in ED", "Found: a name with a health matter."),
        ("Dr Ashby's wife is on our ward again", "Found: a name with a health matter."),
        (
            "update on the Kowhai St Rangis: mum's out of hospital",
            "Found: a family name with a health matter.",
        ),
        # someone's home
        ("she lives at the end of Kiwi Ave in Maungatapu", "Found: someone's home with a place."),
    ],
)
def test_a_private_person_is_found_and_named_in_plain_words(text: str, found: str) -> None:
    assert reply_words(text) == found


@pytest.mark.parametrize(
    "text",
    [
        # a name alone, or a situation alone, is not enough
        "Tama was at the conference too",
        "kids in care need stable placements",
        "the Family Court reforms session was clear",
        # speakers and authors: titles, talks, colleagues
        "Prof Liz Beddoe nailed it on supervision",
        "Dr Smith's research on court outcomes for rangatahi",
        "Kieran's session on supervision and court work was great",
        "keynote from Assoc Prof Tracie Mafileo on Pacific families in care",
        "Hemi Smith from Te Whatu Ora presented the new discharge pathway",
        "Mike King's session on youth mental health packed",
        "so proud of my colleague Mere Parata for her talk on hospital social work",
        "Judge Becroft on children's rights in the Youth Court",
        "Whaea Mere for the opening karakia, chills",
        # public figures by title
        "Dame Whina was 79 when she led the land march",
        "Sir Apirana Ngata's words on the closing slide",
        # agencies and places
        "Oranga Tamariki's new practice framework getting grilled",
        "Kāinga Ora's rep taking heat on the housing panel",
        "Whānau Ora navigators in Te Tai Tokerau and MSD",
        "Le Va's suicide prevention resources are free",
        "the Hastings uplift footage in 2019 changed the conversation",
        # ages that are no one's
        "young people aged 12-17 are the fastest growing group in emergency housing",
        "research says babies under 1 are most likely to enter care",
        # stories that say they are made up
        "role play: 'Aroha', 16, a fictional rangatahi in Youth Court",
        "the made-up client Mrs Jones in the role play",
        "a composite case, all details changed, about a teen in care",
        # plural and general clients
        "our clients are tired of being assessed",
        "families we work with deserve better than 15 min assessments",
        "every family I've ever worked with wanted to be heard",
        "client-centred practice in hospital",
        # names inside hashtags and handles
        "#TamaTalks session was packed, court stories galore",
        "@kahu_sw your notes on the hospital panel pls",
        # te reo
        "Mauri ora e te whānau, what a start to the hui",
        "mahi tahi, aroha tahi #nzswconf",
        # an elder's title with a speaker's talk, counted once
        "Wow. Whaea Kiri Haenga just covered 20 yrs of Whānau Ora history in 20 mins",
        # conference words starting a sentence are not names
        "Venue is 17 Queens Wharf, Wellington - use the side door",
        "Speaker shared her own story of going into care at age 8",
        "Remember the Kahui twins case? still shapes the work",
        "Met the crew from Whaiora Whānau Services in Masterton",
        "Speaker Jo Henare talked about being a patient herself after her cancer",
        "Farewell drinks for Brian Kemp, 30 yrs in probation, legend",
        "Stat: 1 in 4 kids aged 0-14 in NZ live in hardship",
        "would love to replicate in our patch if we ever get funding",
        # months are not names
        "court reforms land in May, says the minister",
    ],
)
def test_what_a_backchannel_is_full_of_passes(text: str) -> None:
    assert reply_words(text) == ""


def test_the_events_public_names_pass() -> None:
    text = "Losa Moata'ane on families in court, the Q and A ran long"
    assert reply_words(text) == "Found: a name with a court matter."
    assert reply_words(text, ("Losa Moata'ane",)) == ""
    # a listed full name also makes its surname alone public
    assert reply_words("Moata'ane's take on court was fierce", ("Losa Moata'ane",)) == ""
    # matching ignores case, and another name is still found
    both = "losa moata'ane and Tama, whose court date moved"
    assert reply_words(both, ("Losa Moata'ane",)) == "Found: a name with a court matter."


def test_the_finding_points_at_the_person_not_the_situation() -> None:
    text = "ugh court ran late again, Tama's FGC adjourned"
    (finding,) = find_identifying(text, TODAY)
    assert finding.kind == PERSON
    assert finding.text.startswith("Tama")


def test_the_score_adds_signals_and_holds_at_the_threshold() -> None:
    person = find_person("Tama's hearing moved")  # a name 1.5 and a court matter 1.5
    assert person is not None
    assert person.score == THRESHOLD
    assert find_person("Tama moved") is None  # a name 1.5 and news 1.0


def test_numbers_are_not_read_as_ages() -> None:
    # the phone number is found as a phone number, not as "Sione 021 and"
    findings = find_identifying("Sione 021 555 1234 after the hearing", TODAY)
    assert [finding.kind for finding in findings] == [PERSON, "phone"]


@pytest.mark.parametrize(
    "text",
    [
        "Tama (12), the Hohepa whānau and our client: court, NHI ZAC5361, 021 555 1234,"
        " aroha@example.org, born 3/4/2010, 12 Main St, Case 2023/44120",
        "a 14-year-old on my caseload, lost her benefit, sleeping in a car",
    ],
)
def test_the_longest_hold_reply_stays_one_segment(text: str) -> None:
    found = describe_findings(find_identifying(text, TODAY))
    assert found.startswith("Found: ")
    reply = held(found, 60)
    count = count_segments(reply)
    assert (count.encoding, count.segments) == ("GSM-7", 1), reply
