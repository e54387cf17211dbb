"""Short secrets people type on a keypad: PINs and phone confirmation codes, kept hashed."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# scrypt's cost: a 4-digit PIN has only 10,000 values, so each guess must be slow
# for anyone holding a copy of the database (n=2**14 takes ~30 ms here).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
CODE_DIGITS = 6
# Anyone can fake a phone's number as a sender: this many wrong confirmation codes
# void the code, so the million codes cannot be tried; an admin sends a new one.
MAX_WRONG_CODES = 5


def new_code(digits: int = CODE_DIGITS) -> str:
    """Return a random code of this many digits, leading zeros kept."""
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def hash_secret(secret: str) -> str:
    """Return a salted scrypt hash of the secret, as 'scrypt$salt$hash' in hex."""
    salt = secrets.token_bytes(16)
    return f"scrypt${salt.hex()}${_scrypt(secret, salt).hex()}"


def check_secret(secret: str, stored: str | None) -> bool:
    """Say whether the secret matches the stored hash, in constant time."""
    if not stored:
        return False
    try:
        scheme, salt, digest = stored.split("$")
        expected = bytes.fromhex(digest)
        computed = _scrypt(secret, bytes.fromhex(salt))
    except ValueError:
        return False
    return scheme == "scrypt" and hmac.compare_digest(computed, expected)


def _scrypt(secret: str, salt: bytes) -> bytes:
    """The scrypt digest of a secret with this salt."""
    return hashlib.scrypt(secret.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
