"""fit_reply and cap_outbound: replies in one segment, every text under Twilio's limit."""

from __future__ import annotations

import random
import string
import unicodedata

import pytest

from workers.texts_out.reply_parts import (
    HANDLE_MIN,
    NAME_MIN,
    QUOTE_MIN,
    Handle,
    Listing,
    Name,
    Part,
    Phrase,
    Quote,
    Url,
    spell_in_gsm7,
)
from workers.texts_out.segments import count_segments
from workers.texts_out.smart_encoding import swap_lookalikes
from workers.texts_out.sms_fit import MAX_OUTBOUND_UNITS, cap_outbound, fit_reply

UNDO = "Text UNDO to delete it, STATUS to see your accounts, or HELP for the rest."


def one_gsm7_segment(text: str) -> bool:
    """Whether the text travels as one GSM-7 segment."""
    count = count_segments(text)
    return (count.encoding, count.segments) == ("GSM-7", 1)


def test_a_reply_that_fits_is_left_as_it_is() -> None:
    reply = fit_reply(
        "Posted to {where}. Text UNDO to delete it.",
        where=Listing(["X", Phrase("Mastodon {h}", h=Handle("aroha@mastodon.nz"))]),
    )
    assert reply == "Posted to X and Mastodon @aroha@mastodon.nz. Text UNDO to delete it."


def test_a_long_mastodon_handle_loses_its_server_first() -> None:
    reply = fit_reply(
        "Posted to Mastodon {handle} and {others}. " + UNDO,
        handle=Handle("averyveryverylonghandlename@social.example.co.nz"),
        others=Listing(["X", "Bluesky"]),
    )
    assert reply == ("Posted to Mastodon @averyveryverylonghandlename and X and Bluesky. " + UNDO)
    assert one_gsm7_segment(reply)


def test_a_handle_is_cut_only_when_nothing_else_is_left() -> None:
    reply = fit_reply(
        "Posted to Mastodon {handle} and {others}. "
        + UNDO
        + " Kia ora e hoa, ka kite ano. Thanks!",
        handle=Handle("averyveryverylonghandlename@social.example.co.nz"),
        others=Listing(["X", "Bluesky", "LinkedIn"]),
    )
    # 187 characters with the server dropped; "X +2" saves 19, cutting the handle 8 more.
    assert reply == (
        "Posted to Mastodon @averyveryverylongha and X +2. "
        + UNDO
        + " Kia ora e hoa, ka kite ano. Thanks!"
    )
    assert len(reply) == 160


def test_a_long_url_loses_scheme_then_query() -> None:
    reply = fit_reply(
        "Your post is at {url} - text UNDO within 10 minutes to delete it everywhere.",
        url=Url(
            "https://www.community.example.org.nz/events/swrb13/posts/2024/11/aroha-keynote"
            "?utm_source=sms&utm_medium=text#comment-4411"
        ),
    )
    assert reply == (
        "Your post is at community.example.org.nz/events/swrb13/posts/2024/11/aroha-keynote"
        " - text UNDO within 10 minutes to delete it everywhere."
    )
    assert one_gsm7_segment(reply)


def test_a_maori_name_is_spelled_in_gsm7() -> None:
    reply = fit_reply(
        "Kia ora {name}, you are at {event} now: your posts get {tags} until it ends. "
        "Text LEAVE to stop.",
        name=Name("Tāmati Kōhere"),
        event=Name("Hui-ā-Tau"),
        tags="#swrb13",
    )
    assert reply == (
        "Kia ora Tamati Kohere, you are at Hui-a-Tau now: your posts get #swrb13 until it "
        "ends. Text LEAVE to stop."
    )
    # One GSM-7 segment, though as written it would also have fitted one UCS-2 segment
    # or two: the spelling does not depend on how long the reply happens to be.
    assert one_gsm7_segment(reply)
    assert one_gsm7_segment(fit_reply("Kia ora {name}", name=Name("Tāmati")))


def test_someones_words_keep_their_macrons_and_the_name_too() -> None:
    reply = fit_reply("{who}: {what} REPLY 1 to answer", who=Name("Tāmati"), what=Quote("Tēnā koe"))
    assert reply == "Tāmati: Tēnā koe REPLY 1 to answer"
    assert count_segments(reply).encoding == "UCS-2"


def test_someones_words_are_cut_to_one_ucs2_segment() -> None:
    reply = fit_reply(
        "Reply from {who}: “{what}” REPLY 1 to answer",
        who=Handle("mere@mastodon.nz"),
        what=Quote("ka pai tō kōrero 👍 we loved the keynote on kaupapa Māori practice"),
    )
    assert reply == "Reply from @mere: “ka pai tō kōrero 👍 we loved…” REPLY 1 to answer"
    assert count_segments(reply).units == 67  # one more word would make 71


def test_a_name_gsm7_cannot_spell_is_kept() -> None:
    reply = fit_reply("Reply from {who}: {what}", who=Name("王芳"), what=Quote("thanks"))
    assert reply == "Reply from 王芳: thanks"


def test_when_the_fixed_words_do_not_fit_values_are_at_their_shortest() -> None:
    words = "Your post is live. " * 8  # 152 characters of fixed words
    reply = fit_reply(
        words + "{where} {url}",
        where=Listing(["X", "Bluesky"]),
        url=Url("https://example.org/p/1"),
    )
    assert reply == words + "X +1 example.org"
    assert count_segments(reply).segments == 2


def test_a_reply_longer_than_twilio_allows_is_capped() -> None:
    reply = fit_reply("{a}" + "word " * 400, a="x")
    assert len(reply) <= MAX_OUTBOUND_UNITS
    assert reply.endswith("word...(cut)")


# cap_outbound


def test_a_text_within_the_limit_is_unchanged() -> None:
    assert cap_outbound("x" * MAX_OUTBOUND_UNITS) == "x" * MAX_OUTBOUND_UNITS
    assert cap_outbound("😀" * (MAX_OUTBOUND_UNITS // 2)) == "😀" * (MAX_OUTBOUND_UNITS // 2)


def test_a_long_text_is_cut_at_a_word_and_says_so() -> None:
    text = " ".join(f"word{n}" for n in range(400))
    capped = cap_outbound(text)
    assert capped.endswith("...(cut)")
    kept = capped.removesuffix("...(cut)")
    assert text.startswith(kept + " ")  # ends at a whole word
    assert MAX_OUTBOUND_UNITS - 8 - len("word399") <= len(capped) <= MAX_OUTBOUND_UNITS
    assert count_segments(capped).encoding == "GSM-7"


def test_emoji_count_two_towards_the_limit() -> None:
    capped = cap_outbound("😀 " * 600)  # 1800 UTF-16 units
    assert len(capped.encode("utf-16-le")) // 2 <= MAX_OUTBOUND_UNITS
    assert capped.endswith("😀...(cut)")


def test_one_long_word_is_cut_where_it_must_be() -> None:
    capped = cap_outbound("x" * 2000)
    assert capped == "x" * (MAX_OUTBOUND_UNITS - 8) + "...(cut)"


# Properties over many generated replies


PLATFORMS = ["X", "Bluesky", "Mastodon", "Facebook", "LinkedIn", "Local timeline"]
WORDS = ["Posted", "to", "your", "post", "text", "UNDO", "HELP", "kia", "ora", "it", "is"]
LOOKALIKE_WORDS = ["it\u2019s", "“done”", "—", "now…", "a\u00a0b"]
MAORI = ["Tāmati", "Kōhere", "Ngāi", "Tahu", "Mere", "Hēmi", "Rūnanga", "Aroha"]


def word(rng: random.Random, low: int, high: int) -> str:
    """A random lower-case word."""
    return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(low, high)))


def random_value(rng: random.Random) -> tuple[Part, list[str], int]:
    """A random value, what must survive of it, and how long its shortest form can be."""
    kind = rng.choice(["url", "handle", "name", "listing", "quote"])
    if kind == "url":
        host = f"{word(rng, 2, 10)}.{rng.choice(['nz', 'org', 'co.nz'])}"
        path = "/".join(word(rng, 1, 12) for _ in range(rng.randint(0, 5)))
        query = rng.choice(["", f"?utm={word(rng, 1, 20)}", f"#post-{rng.randint(1, 10**9)}"])
        url = f"{rng.choice(['https://', 'http://www.', ''])}{host}/{path}{query}"
        return Url(url), [host], len(host)
    if kind == "handle":
        user = word(rng, 1, 40)
        server = rng.choice(["", f"@{word(rng, 3, 20)}.social", ".bsky.social"])
        kept = "@" + user[:HANDLE_MIN]
        return Handle(user + server), [kept], len(kept)
    if kind == "name":
        words = rng.sample(MAORI, rng.randint(1, 4)) + rng.choice([[], ["🌺"]])
        first = spell_in_gsm7(words[0])
        assert first is not None
        return Name(" ".join(words)), [first[:NAME_MIN]], min(len(first), NAME_MIN)
    if kind == "listing":
        items = rng.sample(PLATFORMS, rng.randint(1, len(PLATFORMS)))
        return Listing(items), [items[0]], len(items[0]) + len(" +9")
    words = [word(rng, 1, 30) for _ in range(rng.randint(1, 30))]
    first = words[0][:QUOTE_MIN]
    return Quote(" ".join(words)), [first], len(first) + len("...")


def random_reply(
    rng: random.Random, max_words: int = 12, emoji_quote: bool = False
) -> tuple[str, dict[str, Part], list[str], int]:
    """A random template and values, what must survive, and the most its shortest form takes."""
    literals, values, survive, shortest = [], {}, [], 0
    for n in range(rng.randint(1, 4)):
        literal = " ".join(rng.choices(WORDS + LOOKALIKE_WORDS, k=rng.randint(0, max_words)))
        literals.append(literal + " ")
        value, kept, length = random_value(rng)
        values[f"v{n}"] = value
        survive += kept
        shortest += length
    if emoji_quote:
        # Someone's words that start with an emoji: the reply stays UCS-2 however short.
        first = "👍" + word(rng, 0, 25)
        quote = Quote(" ".join([first] + [word(rng, 1, 9) for _ in range(rng.randint(0, 20))]))
        literals.append("said ")
        values[f"v{len(values)}"] = quote
        survive.append(first[:QUOTE_MIN])
        shortest += len(first[:QUOTE_MIN]) + 1 + len("...")  # the emoji is two units
    template = "".join(f"{literal}{{v{n}}}" for n, literal in enumerate(literals)) + "."
    fixed = swap_lookalikes("".join(literals) + ".")
    return (
        template,
        values,
        [*(swap_lookalikes(lit) for lit in literals), *survive],
        (len(fixed) + shortest),
    )


def check_survivors(reply: str, survive: list[str], fixed_pieces: int) -> None:
    """Assert the fixed words are all there, in order, and so is the core of every value."""
    # A UCS-2 reply keeps look-alikes and macrons: compare it as its GSM-7 spelling.
    reply = "".join(
        c
        for c in unicodedata.normalize("NFKD", swap_lookalikes(reply))
        if not unicodedata.combining(c)
    )
    position = 0
    for piece in survive[:fixed_pieces]:
        position = reply.index(piece.strip(), position)
    for piece in survive[fixed_pieces:]:
        assert piece in reply, (piece, reply)


@pytest.mark.parametrize("seed", range(8))
def test_a_reply_fits_one_segment_whenever_its_fixed_words_allow(seed: int) -> None:
    rng = random.Random(seed)
    checked = 0
    for _ in range(60):
        template, values, survive, shortest = random_reply(rng)
        reply = fit_reply(template, **values)
        check_survivors(reply, survive, len(values))
        if shortest <= 160:
            assert one_gsm7_segment(reply), (template, reply)
            checked += 1
    assert checked >= 40  # most generated replies can fit, so the property is really tested


@pytest.mark.parametrize("seed", range(4))
def test_a_ucs2_reply_fits_one_segment_whenever_its_fixed_words_allow(seed: int) -> None:
    rng = random.Random(seed)
    checked = 0
    for _ in range(60):
        template, values, survive, shortest = random_reply(rng, max_words=3, emoji_quote=True)
        reply = fit_reply(template, **values)
        check_survivors(reply, survive, len(values))
        assert count_segments(reply).encoding == "UCS-2"
        if shortest <= 70:
            assert count_segments(reply).segments == 1, (template, reply)
            checked += 1
    assert checked >= 20


@pytest.mark.parametrize("seed", range(4))
def test_a_reply_that_fits_as_written_is_never_shortened(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(60):
        host, user, words = word(rng, 2, 12), word(rng, 1, 15), [word(rng, 1, 9) for _ in range(9)]
        url = f"https://{host}.nz/{word(rng, 1, 30)}"
        quote = " ".join(words[: rng.randint(1, 9)])
        template = "Posted to X {handle} at {url}: {quote}"
        reply = fit_reply(template, handle=Handle(user), url=Url(url), quote=Quote(quote))
        written = template.format(handle=f"@{user}", url=url, quote=quote)
        if len(written) <= 160:
            assert reply == written
        else:
            assert len(reply) <= 160 and reply.startswith("Posted to X @")
