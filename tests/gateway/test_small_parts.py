"""Phones, event details and the credentials box."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet

from gateway.events import EventError, normalise_code, parse_hashtags, parse_time
from gateway.phones import InvalidPhone, normalise_phone
from gateway.secrets_box import CredentialsUnreadable, SecretsBox


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


def test_hashtags_are_read_in_either_form() -> None:
    assert parse_hashtags("#swrb13 socialwork, #SWRB13") == ["#swrb13", "#socialwork"]
    with pytest.raises(EventError, match="not a hashtag"):
        parse_hashtags("#ok #not-ok")


def test_codes_are_capitals_letters_and_digits() -> None:
    assert normalise_code(" swrb13 ") == "SWRB13"
    with pytest.raises(EventError):
        normalise_code("no spaces")


def test_times_with_an_offset_are_converted_to_utc() -> None:
    assert parse_time("2026-11-24T09:00+13:00") == datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
    with pytest.raises(EventError):
        parse_time("tomorrow")


def test_credentials_are_encrypted_and_come_back() -> None:
    box = SecretsBox(Fernet.generate_key().decode())
    sealed = box.seal({"access_token": "s3cret-token"})

    assert "s3cret-token" not in sealed
    assert box.open(sealed) == {"access_token": "s3cret-token"}


def test_credentials_under_another_key_are_unreadable() -> None:
    sealed = SecretsBox(Fernet.generate_key().decode()).seal({"t": "x"})

    with pytest.raises(CredentialsUnreadable):
        SecretsBox(Fernet.generate_key().decode()).open(sealed)
