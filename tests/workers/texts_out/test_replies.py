"""replies: the words of the texts we send, one segment where they allow."""

from __future__ import annotations

from workers.texts_out import replies
from workers.texts_out.replies import (
    DeliveryOutcome,
    post_reply,
)
from workers.texts_out.segments import count_segments

MASTODON = DeliveryOutcome("Mastodon", "aroha@mastodon.nz", published=True)
LOCAL = DeliveryOutcome("Local timeline", "aroha", published=True)


def test_all_posted() -> None:
    assert post_reply([MASTODON, LOCAL]) == (
        "Posted to Mastodon @aroha@mastodon.nz and Local timeline @aroha."
    )


def test_some_failed_says_which_and_why() -> None:
    failed = DeliveryOutcome("Mastodon", "aroha@mastodon.nz", published=False, error_kind="auth")
    assert post_reply([LOCAL, failed]) == (
        "Posted to Local timeline @aroha. Not posted to Mastodon @aroha@mastodon.nz: "
        "the account needs linking again, text LINK."
    )


def test_all_failed() -> None:
    failed = DeliveryOutcome("Mastodon", "a@m.nz", published=False, error_kind="transient")
    assert post_reply([failed]) == (
        "Nothing posted. Mastodon @a@m.nz: Mastodon did not answer, we gave up."
    )


def test_fixed_replies_fit_one_gsm7_segment() -> None:
    fixed = [v for name, v in vars(replies).items() if name.isupper() and isinstance(v, str)]
    assert len(fixed) >= 12
    for text in (*fixed, post_reply([MASTODON, LOCAL])):
        count = count_segments(text)
        assert (count.encoding, count.segments) == ("GSM-7", 1), text


def test_five_accounts_with_long_handles_still_fit_one_segment() -> None:
    outcomes = [
        DeliveryOutcome("Mastodon", "aroha.te.whare@social.community.example.nz", True),
        DeliveryOutcome("Bluesky", "aroha-te-whare.bsky.social", True),
        DeliveryOutcome("X", "aroha_te_whare_nz", True),
        DeliveryOutcome("Facebook", "Kai Community Garden Trust", False, "auth"),
        DeliveryOutcome("LinkedIn", "Aroha Te Whare", False, "content", "the text was too long"),
    ]

    text = post_reply(outcomes)

    count = count_segments(text)
    assert (count.encoding, count.segments) == ("GSM-7", 1), text
    assert text.startswith("Posted to Mastodon @aroha")
    assert "Not posted to " in text


def test_a_mention_in_maori_with_a_long_handle_fits_one_segment() -> None:
    text = replies.mention(
        "Mastodon",
        "tama.rangi@mastodon.example.social",
        "Ka pai tō kōrero mō te kaupapa Māori, tēnā koe e hoa! " * 3,
        12,
    )

    assert count_segments(text).segments == 1, text
    assert text.startswith('@tama on Mastodon: "Ka pai to korero mo te kaupapa Maori')
    assert text.endswith("Text REPLY 12 and your words to answer.")


def test_the_reply_names_where_fewer_photos_went() -> None:
    bluesky = DeliveryOutcome("Bluesky", "aroha.bsky.social", published=True, photos=4)
    facebook = DeliveryOutcome("Facebook", "Hui Page", published=True, photos=6)

    assert post_reply([bluesky, facebook], photos=6) == (
        "Posted to Bluesky @aroha.bsky.social and Facebook @Hui Page. "
        "Only 4 of 6 photos on Bluesky."
    )
    assert post_reply([facebook], photos=6) == "Posted to Facebook @Hui Page."
