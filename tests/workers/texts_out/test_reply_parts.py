"""Reply parts: how each kind of value is written and shortened, step by step."""

from __future__ import annotations

import pytest

from workers.texts_out.reply_parts import (
    CUT_QUOTE,
    CUT_WORD,
    DROP_HANDLE_SERVER,
    DROP_URL_QUERY,
    DROP_URL_SCHEME,
    SHORTEN_LIST,
    SHORTEN_NAME,
    SHORTEN_URL_PATH,
    Handle,
    Listing,
    Name,
    Part,
    Phrase,
    Quote,
    Url,
    spell_in_gsm7,
)


def ladder(part: Part, gsm7: bool = True) -> list[tuple[int, str]]:
    """Every form a part goes through, with the rank of the step that led to it."""
    forms = [(0, part.text(gsm7))]
    while (step := part.shorter()) is not None:
        part = step.part
        forms.append((step.rank, part.text(gsm7)))
    return forms


def test_a_url_loses_scheme_then_query_then_path() -> None:
    assert ladder(Url("https://www.example.org/timeline/2024?ref=sms#post-12")) == [
        (0, "https://www.example.org/timeline/2024?ref=sms#post-12"),
        (DROP_URL_SCHEME, "example.org/timeline/2024?ref=sms#post-12"),
        (DROP_URL_QUERY, "example.org/timeline/2024"),
        (SHORTEN_URL_PATH, "example.org/timeline"),
        (SHORTEN_URL_PATH, "example.org"),
    ]


def test_a_url_skips_steps_that_save_nothing() -> None:
    assert ladder(Url("http://127.0.0.1:5000/timeline#post-1")) == [
        (0, "http://127.0.0.1:5000/timeline#post-1"),
        (DROP_URL_SCHEME, "127.0.0.1:5000/timeline#post-1"),
        (DROP_URL_QUERY, "127.0.0.1:5000/timeline"),
        (SHORTEN_URL_PATH, "127.0.0.1:5000"),
    ]
    assert ladder(Url("https://example.org/")) == [
        (0, "https://example.org/"),
        (DROP_URL_SCHEME, "example.org"),
    ]
    assert ladder(Url("example.org")) == [(0, "example.org")]


def test_a_mastodon_handle_loses_its_server_then_letters() -> None:
    forms = ladder(Handle("averyveryverylonghandle@mastodon.social"))
    assert forms[:3] == [
        (0, "@averyveryverylonghandle@mastodon.social"),
        (DROP_HANDLE_SERVER, "@averyveryverylonghandle"),
        (CUT_WORD, "@averyveryverylonghandl"),
    ]
    assert forms[-1] == (CUT_WORD, "@averyver")
    assert [len(text) for _, text in forms[2:]] == list(range(23, 8, -1))


def test_a_bluesky_handle_keeps_its_first_label() -> None:
    assert ladder(Handle("@aroha.bsky.social")) == [
        (0, "@aroha.bsky.social"),
        (DROP_HANDLE_SERVER, "@aroha"),
    ]
    assert ladder(Handle("aroha_nz")) == [(0, "@aroha_nz")]


def test_a_name_keeps_ever_fewer_words() -> None:
    assert ladder(Name("Aroha Te Whare")) == [
        (0, "Aroha Te Whare"),
        (SHORTEN_NAME, "Aroha Te"),
        (SHORTEN_NAME, "Aroha"),
    ]
    assert ladder(Name("Wolfeschlegelsteinhausen"))[-1] == (CUT_WORD, "Wolfeschlege")


def test_a_quote_is_cut_from_the_end_and_says_so() -> None:
    assert ladder(Quote("we loved the keynote, truly")) == [
        (0, "we loved the keynote, truly"),
        (CUT_QUOTE, "we loved the keynote..."),
        (CUT_QUOTE, "we loved the..."),
        (CUT_QUOTE, "we loved..."),
        (CUT_QUOTE, "we..."),
    ]
    # Outside GSM-7 the mark is the one-character ellipsis.
    assert ladder(Quote("ka pai 👍"), gsm7=False)[-1] == (CUT_QUOTE, "ka…")


def test_a_listing_joins_with_and_then_counts_what_it_hides() -> None:
    assert ladder(Listing(["X", "Bluesky", "Mastodon", "LinkedIn"])) == [
        (0, "X, Bluesky, Mastodon and LinkedIn"),
        (SHORTEN_LIST, "X, Bluesky, Mastodon +1"),
        (SHORTEN_LIST, "X, Bluesky +2"),
        (SHORTEN_LIST, "X +3"),
    ]
    assert Listing(["X", "Bluesky"]).text(gsm7=True) == "X and Bluesky"
    assert Listing([]).text(gsm7=True) == ""


def test_a_listing_shortens_its_items_before_hiding_one() -> None:
    where = Listing(
        [
            Phrase("{p} {h}", p="Bluesky", h=Handle("aroha.bsky.social")),
            Phrase("{p} {h}", p="Mastodon", h=Handle("aroha@mastodon.social")),
            "X",
        ]
    )
    assert ladder(where) == [
        (0, "Bluesky @aroha.bsky.social, Mastodon @aroha@mastodon.social and X"),
        # Of two steps that lose as little, the one that saves more comes first.
        (DROP_HANDLE_SERVER, "Bluesky @aroha.bsky.social, Mastodon @aroha and X"),
        (DROP_HANDLE_SERVER, "Bluesky @aroha, Mastodon @aroha and X"),
        (SHORTEN_LIST, "Bluesky @aroha, Mastodon @aroha +1"),
        (SHORTEN_LIST, "Bluesky @aroha +2"),
    ]


def test_a_phrase_shortens_the_value_that_loses_least() -> None:
    phrase = Phrase(
        "{name} posted to {where} at {url}",
        name=Name("Aroha Te Whare"),
        where=Listing(["X", "Bluesky", "Mastodon"]),
        url=Url("https://example.org/p/1"),
    )
    assert [rank for rank, _ in ladder(phrase)] == [0, 1, 4, 4, 5, 5, 5, 5]
    assert ladder(phrase)[-1] == (SHORTEN_URL_PATH, "Aroha posted to X +2 at example.org")


def test_a_phrase_writes_numbers_and_swaps_lookalikes_in_its_words() -> None:
    phrase = Phrase("You\u2019ve {count} replies — text {cmd}", count=3, cmd="REPLY 1")
    assert phrase.text(gsm7=True) == "You've 3 replies - text REPLY 1"
    assert phrase.text(gsm7=False) == "You\u2019ve 3 replies — text REPLY 1"


@pytest.mark.parametrize(
    ("template", "values"),
    [
        ("Posted to {where}", {}),
        ("Posted", {"where": "X"}),
        ("Posted to {where!r}", {"where": "X"}),
        ("Posted to {where:>10}", {"where": "X"}),
        ("Posted to {}", {}),
        ("Posted to {where.name}", {"where": "X"}),
    ],
)
def test_a_phrase_refuses_fields_it_cannot_fill(template: str, values: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        Phrase(template, **values)


@pytest.mark.parametrize(
    ("name", "spelled"),
    [
        ("Tāmati Kōhere", "Tamati Kohere"),
        ("ĀĒĪŌŪ āēīōū", "AEIOU aeiou"),
        ("Aroha 🌺", "Aroha"),
        ("👩‍💻 Mere", "Mere"),
        ("Hawai\u02bbi", "Hawai'i"),  # the okina (U+02BB) is in Twilio's table
        ("Zoë Ångström", "Zoe Ångström"),  # Å and ö are GSM-7 already
        ("Łukasz Dąbrowski", "Lukasz Dabrowski"),
        ("François", "Francois"),
        ("\uff34\uff45 \uff32\uff45\uff4f", "Te Reo"),  # fullwidth,
        ("Aroha", "Aroha"),
    ],
)
def test_names_spelled_in_gsm7(name: str, spelled: str) -> None:
    assert spell_in_gsm7(name) == spelled


@pytest.mark.parametrize("name", ["王芳", "Αλέξανδρος", "🌺", "Мария"])
def test_names_gsm7_cannot_spell_are_kept(name: str) -> None:
    assert spell_in_gsm7(name) is None
    assert Name(name).text(gsm7=True) == name


def test_a_quote_keeps_characters_that_may_be_its_meaning() -> None:
    assert Quote("kēkē “not” keke 👍").text(gsm7=True) == 'kēkē "not" keke 👍'
    assert Name("Kēkē").text(gsm7=True) == "Keke"
