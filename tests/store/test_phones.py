"""Phone numbers read as people type them, stored in E.164."""

from __future__ import annotations

import pytest

from store.phones import InvalidPhone, normalise_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("021 123 4567", "+64211234567"),
        ("+64 21 123 4567", "+64211234567"),
        ("+1 (415) 555-0100", "+14155550100"),
    ],
)
def test_phones_are_stored_in_e164(raw: str, expected: str) -> None:
    assert normalise_phone(raw, "NZ") == expected


@pytest.mark.parametrize("raw", ["hello", "123", "+64 1"])
def test_a_non_number_is_refused(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        normalise_phone(raw, "NZ")
