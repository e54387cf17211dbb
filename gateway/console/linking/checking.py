"""Check new credentials with the platform and store them, as `smsbridge accounts add` does.

The one place the web app calls worker code: the connectors know how to ask each
platform whose credentials these are. It is imported by the linking pages only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import requests

from gateway.services import Services
from store import audit
from store.accounts import link_account
from store.db import transaction
from store.models import Account, Person
from workers.platforms import ConnectorContext, display_name
from workers.publishing.linking import Linked, LinkError, check_account

__all__ = ["LinkError", "check_and_store", "display_name"]


def check_and_store(
    svc: Services,
    person_id: int,
    platform: str,
    credentials: dict[str, Any],
    actor: str,
    address: str,
    handle: str = "",
    expires_at: datetime | None = None,
) -> tuple[Account, bool]:
    """Ask the platform whose credentials these are, then store them encrypted, audited.

    Raises LinkError (with words for the page) when the platform refuses them.
    Returns the account and whether it is new (False: an existing one mended).
    """
    with requests.Session() as http:
        context = ConnectorContext(
            sessions=svc.sessions, public_url=svc.settings.public_url, http=http
        )
        linked: Linked = check_account(platform, handle, credentials, context)
    sealed = svc.secrets.seal(linked.credentials)
    with transaction(svc.sessions) as session:
        account, new = link_account(
            session, person_id, platform, linked.handle, sealed, expires_at=expires_at
        )
        action = "account linked" if new else "account linked again"
        detail = f"{display_name(platform)} @{linked.handle}"
        phone = session.get_one(Person, person_id).phone
        audit.record(session, actor, action, phone, detail, address)
    return account, new
