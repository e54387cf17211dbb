"""The order of an outbound text's statuses, so a late callback cannot undo a later one."""

from __future__ import annotations

# pending and handing are ours (not yet with Twilio; being handed over); outbox is
# final when no Twilio account is set; the rest are Twilio's message statuses.
STATUS_RANK = {
    "pending": -2,
    "handing": -1,
    "queued": 0,
    "accepted": 0,
    "scheduled": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "undelivered": 3,
    "failed": 3,
    "canceled": 3,
    "outbox": 3,
    "read": 4,
}
FINAL_STATUSES = frozenset(s for s, rank in STATUS_RANK.items() if rank >= 3)


def lower_statuses(status: str) -> list[str]:
    """Return the statuses that the given one may replace."""
    rank = STATUS_RANK.get(status)
    if rank is None:
        return []
    return [s for s, r in STATUS_RANK.items() if r < rank]
