"""Platform credentials encrypted at rest with TOKEN_KEY (Fernet: AES-CBC plus HMAC)."""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken


class CredentialsUnreadable(RuntimeError):
    """Stored credentials cannot be decrypted: TOKEN_KEY changed or the row was altered."""


class SecretsBox:
    """Encrypt and decrypt an account's credentials as one JSON object."""

    def __init__(self, token_key: str) -> None:
        self._fernet = Fernet(token_key.encode())

    def seal(self, credentials: dict[str, Any]) -> str:
        """Return the credentials encrypted, as text fit for a column."""
        return self._fernet.encrypt(json.dumps(credentials).encode()).decode()

    def open(self, sealed: str) -> dict[str, Any]:
        """Return the credentials decrypted from a column's text."""
        if not sealed:
            return {}
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(sealed.encode()))
        except InvalidToken as exc:
            raise CredentialsUnreadable("credentials cannot be decrypted with TOKEN_KEY") from exc
        return data
