"""Sign-in rate limits, counted in the Redis the app already has.

Only failed sign-ins count: per address (someone trying many accounts) and per
account (many addresses trying one). If Redis is down the limits fall back to
each web process's memory rather than refusing every sign-in.
"""

from __future__ import annotations

from flask import Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

FAILED_PER_ADDRESS = "20 per 15 minutes"
FAILED_PER_ACCOUNT = "5 per 15 minutes"
UNAUTHORIZED = 401

limiter = Limiter(
    get_remote_address,
    strategy="moving-window",
    in_memory_fallback_enabled=True,
    swallow_errors=True,
)


def account_key() -> str:
    """The account a sign-in names, as the limit's key."""
    return "account:" + request.form.get("email", "").strip().lower()


def failed(response: Response) -> bool:
    """Say whether a sign-in answer was a refusal, which is what the limits count."""
    return response.status_code == UNAUTHORIZED


per_address = limiter.limit(FAILED_PER_ADDRESS, methods=["POST"], deduct_when=failed)
per_account = limiter.limit(
    FAILED_PER_ACCOUNT, key_func=account_key, methods=["POST"], deduct_when=failed
)
