"""replies: the words of the texts we send, one segment where they allow."""

from __future__ import annotations

from workers.replies import (
    EMPTY_TEXT,
    NO_ACCOUNTS,
    UNKNOWN_SENDER,
    DeliveryOutcome,
    post_reply,
)
from workers.segments import count_segments

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
        "the account needs linking again, ask your admin."
    )


def test_all_failed() -> None:
    failed = DeliveryOutcome("Mastodon", "a@m.nz", published=False, error_kind="transient")
    assert post_reply([failed]) == (
        "Nothing posted. Mastodon @a@m.nz: Mastodon did not answer, we gave up."
    )


def test_fixed_replies_fit_one_gsm7_segment() -> None:
    for text in (UNKNOWN_SENDER, NO_ACCOUNTS, EMPTY_TEXT, post_reply([MASTODON, LOCAL])):
        count = count_segments(text)
        assert (count.encoding, count.segments) == ("GSM-7", 1), text
