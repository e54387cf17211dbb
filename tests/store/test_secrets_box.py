"""The secrets box: credentials sealed at rest, readable only under their key."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from store.secrets_box import CredentialsUnreadable, SecretsBox


def test_credentials_are_encrypted_and_come_back() -> None:
    box = SecretsBox(Fernet.generate_key().decode())
    sealed = box.seal({"access_token": "s3cret-token"})

    assert "s3cret-token" not in sealed
    assert box.open(sealed) == {"access_token": "s3cret-token"}


def test_credentials_under_another_key_are_unreadable() -> None:
    sealed = SecretsBox(Fernet.generate_key().decode()).seal({"t": "x"})

    with pytest.raises(CredentialsUnreadable):
        SecretsBox(Fernet.generate_key().decode()).open(sealed)


def test_with_two_keys_the_newest_seals_and_either_opens() -> None:
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed_before = SecretsBox(old).seal({"t": "before"})
    both = SecretsBox(f"{new}, {old}")

    sealed_now = both.seal({"t": "now"})

    assert both.open(sealed_before) == {"t": "before"}
    assert SecretsBox(new).open(sealed_now) == {"t": "now"}  # sealed with the newest
    assert SecretsBox(new).open(both.reseal(sealed_before)) == {"t": "before"}
    with pytest.raises(CredentialsUnreadable):
        SecretsBox(old).open(sealed_now)
