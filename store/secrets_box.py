"""Platform credentials encrypted at rest with TOKEN_KEY (Fernet: AES-CBC plus HMAC).

TOKEN_KEY may hold several keys, newest first: the newest seals, any of them
opens, so a key can be replaced without a moment when credentials are unreadable
(`smsbridge keys rotate` then re-seals every row with the newest).
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class CredentialsUnreadable(RuntimeError):
    """Stored credentials cannot be decrypted: TOKEN_KEY changed or the row was altered."""


class SecretsBox:
    """Encrypt and decrypt an account's credentials as one JSON object."""

    def __init__(self, token_key: str) -> None:
        self._fernet = MultiFernet([Fernet(key.strip().encode()) for key in token_key.split(",")])

    def seal(self, credentials: dict[str, Any]) -> str:
        """Return the credentials encrypted with the newest key, as text fit for a column."""
        return self._fernet.encrypt(json.dumps(credentials).encode()).decode()

    def open(self, sealed: str) -> dict[str, Any]:
        """Return the credentials decrypted from a column's text, with whichever key sealed them."""
        if not sealed:
            return {}
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(sealed.encode()))
        except InvalidToken as exc:
            raise CredentialsUnreadable(UNREADABLE) from exc
        return data

    def reseal(self, sealed: str) -> str:
        """Return the same credentials sealed with the newest key."""
        try:
            return self._fernet.rotate(sealed.encode()).decode()
        except InvalidToken as exc:
            raise CredentialsUnreadable(UNREADABLE) from exc


UNREADABLE = (
    "stored credentials cannot be decrypted with TOKEN_KEY: this process has the wrong "
    "key (or lacks the one they were sealed with); set TOKEN_KEY as the web app has it"
)
