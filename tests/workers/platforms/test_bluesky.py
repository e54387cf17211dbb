"""The Bluesky connector through the real atproto SDK, against a real PDS on 127.0.0.1."""

from __future__ import annotations

import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from sqlalchemy.orm import sessionmaker

from tests.conftest import free_port
from tests.peers.bluesky import BlueskyAccount, BlueskyPds
from workers.platforms import (
    GRAPHEMES,
    ConnectorContext,
    Limits,
    LinkedAccount,
    Published,
    Thread,
    build_connector,
    display_name,
)
from workers.platforms.bluesky import BlueskyConnector, record_key
from workers.platforms.errors import AuthError, ContentRejected, TransientError

CREATE_SESSION = "com.atproto.server.createSession"
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


@dataclass
class Store:
    """Where the connector's saved credentials go: every version, in order."""

    credentials: dict[str, Any]
    saved: list[dict[str, Any]] = field(default_factory=list)

    def save(self, credentials: dict[str, Any]) -> None:
        """Keep the new credentials, as the worker's saver stores them."""
        self.saved.append(dict(credentials))
        self.credentials = dict(credentials)

    def connector(self, handle: str) -> BlueskyConnector:
        """Build a connector from the credentials stored now."""
        return BlueskyConnector(LinkedAccount(1, handle, dict(self.credentials), self.save))


def new_account(pds: BlueskyPds, prefix: str) -> BlueskyAccount:
    """Create an account with a handle no other test uses."""
    return pds.create_account(f"{prefix}{uuid.uuid4().hex[:8]}")


def linked(pds: BlueskyPds, account: BlueskyAccount, app_password: str | None = None) -> Store:
    """Link an account as an admin would: the service, the handle and an app password."""
    return Store(
        {
            "service": pds.url,
            "identifier": account.handle,
            "app_password": app_password or account.app_password,
        }
    )


def facet_slices(record: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Return each facet's text, cut from the UTF-8 bytes at its offsets, with its feature."""
    text: bytes = record["value"]["text"].encode()
    slices = []
    for facet in record["value"].get("facets", []):
        index = facet["index"]
        (feature,) = facet["features"]
        slices.append((text[index["byteStart"] : index["byteEnd"]].decode(), feature))
    return slices


def ref(strong_ref: dict[str, Any]) -> tuple[str, str]:
    """Return the uri and cid of a com.atproto.repo.strongRef."""
    return strong_ref["uri"], strong_ref["cid"]


@pytest.fixture
def aroha(bluesky_pds: BlueskyPds) -> BlueskyAccount:
    """The account the connector posts as."""
    return new_account(bluesky_pds, "aroha")


@pytest.fixture
def store(bluesky_pds: BlueskyPds, aroha: BlueskyAccount) -> Store:
    """Aroha's linked credentials."""
    return linked(bluesky_pds, aroha)


@pytest.fixture
def connector(store: Store, aroha: BlueskyAccount) -> BlueskyConnector:
    """A connector for Aroha's account."""
    return store.connector(aroha.handle)


def test_record_keys_are_tids_derived_from_the_key() -> None:
    first = record_key("SM0001-7")

    assert TID.match(first)
    assert record_key("SM0001-7") == first
    assert record_key("SM0001-7-2") != first
    assert all(TID.match(record_key(f"SM{n}-1")) for n in range(500))


def test_the_registry_builds_it_with_bluesky_limits(
    bluesky_pds: BlueskyPds, aroha: BlueskyAccount
) -> None:
    with requests.Session() as http:
        context = ConnectorContext(sessionmaker(), public_url="http://127.0.0.1", http=http)
        built = build_connector("bluesky", LinkedAccount(1, aroha.handle, {}), context)

    assert isinstance(built, BlueskyConnector)
    assert display_name("bluesky") == "Bluesky"
    assert built.limits() == Limits(300, unit=GRAPHEMES, max_bytes=3000)


def test_whoami_logs_in_with_the_app_password(
    connector: BlueskyConnector, aroha: BlueskyAccount
) -> None:
    assert connector.whoami() == aroha.handle


def test_publish_writes_facets_at_utf8_byte_offsets(
    bluesky_pds: BlueskyPds, connector: BlueskyConnector, aroha: BlueskyAccount
) -> None:
    mere = new_account(bluesky_pds, "mere")
    link = "https://example.org/hui/2025"
    text = f"Māori 🎉 kia ora whānau #hui2025 see {link} with @{mere.handle} and @nobody-here.test"

    published = connector.publish(text, idempotency_key="SM0001-1")

    record = bluesky_pds.get_record(published.remote_id)
    assert record["value"]["text"] == text
    assert record["cid"] == published.cid
    rkey = published.remote_id.rsplit("/", 1)[1]
    assert published.remote_id == f"at://{aroha.did}/app.bsky.feed.post/{rkey}"
    assert published.url == f"https://bsky.app/profile/{aroha.handle}/post/{rkey}"
    assert rkey == record_key("SM0001-1")
    assert facet_slices(record) == [
        ("#hui2025", {"$type": "app.bsky.richtext.facet#tag", "tag": "hui2025"}),
        (link, {"$type": "app.bsky.richtext.facet#link", "uri": link}),
        (f"@{mere.handle}", {"$type": "app.bsky.richtext.facet#mention", "did": mere.did}),
    ]  # the unknown handle has no facet
    assert len(text.encode()) != len(text)  # offsets in bytes and in characters differ here
    assert [r["uri"] for r in bluesky_pds.list_records(aroha.did)] == [published.remote_id]


def test_a_thread_replies_with_root_and_parent_refs(
    bluesky_pds: BlueskyPds, connector: BlueskyConnector, aroha: BlueskyAccount
) -> None:
    first = connector.publish("Part one of three 🧵", "SM0002-1-1")
    second = connector.publish("Part two", "SM0002-1-2", Thread(root=first, parent=first))
    third = connector.publish("Part three", "SM0002-1-3", Thread(root=first, parent=second))

    assert "reply" not in bluesky_pds.get_record(first.remote_id)["value"]
    reply_two = bluesky_pds.get_record(second.remote_id)["value"]["reply"]
    reply_three = bluesky_pds.get_record(third.remote_id)["value"]["reply"]
    root = (first.remote_id, first.cid)
    assert (ref(reply_two["root"]), ref(reply_two["parent"])) == (root, root)
    assert ref(reply_three["root"]) == root
    assert ref(reply_three["parent"]) == (second.remote_id, second.cid)
    assert len(bluesky_pds.list_records(aroha.did)) == 3


def test_a_reply_to_a_post_kept_without_its_cid_reads_the_cid(
    bluesky_pds: BlueskyPds, connector: BlueskyConnector
) -> None:
    first = connector.publish("Kept from before cids were stored", "SM0003-1-1")
    bare = Published(first.remote_id, first.url)

    second = connector.publish("A reply", "SM0003-1-2", Thread(root=bare, parent=bare))

    reply = bluesky_pds.get_record(second.remote_id)["value"]["reply"]
    assert ref(reply["parent"]) == (first.remote_id, first.cid)


def test_the_same_key_twice_makes_one_record(
    bluesky_pds: BlueskyPds, store: Store, aroha: BlueskyAccount
) -> None:
    first = store.connector(aroha.handle).publish("Kia ora #hui", "SM0004-1")
    again = store.connector(aroha.handle).publish("Kia ora #hui", "SM0004-1")
    other = store.connector(aroha.handle).publish("Kia ora #hui", "SM0005-1")

    assert again == first
    assert other.remote_id != first.remote_id
    uris = sorted(r["uri"] for r in bluesky_pds.list_records(aroha.did))
    assert uris == sorted([first.remote_id, other.remote_id])


def test_delete_removes_the_record(
    bluesky_pds: BlueskyPds, connector: BlueskyConnector, aroha: BlueskyAccount
) -> None:
    published = connector.publish("Oops, wrong hui", "SM0006-1")

    connector.delete(published.remote_id)

    repo, collection, rkey = published.remote_id.removeprefix("at://").split("/")
    gone = bluesky_pds.get(
        "com.atproto.repo.getRecord", repo=repo, collection=collection, rkey=rkey
    )
    assert gone.status_code == 400
    assert gone.json()["error"] == "RecordNotFound"
    assert bluesky_pds.list_records(aroha.did) == []
    connector.delete(published.remote_id)  # already gone: nothing to do


def test_300_graphemes_pass_and_301_are_rejected_by_the_pds(
    bluesky_pds: BlueskyPds, connector: BlueskyConnector, aroha: BlueskyAccount
) -> None:
    connector.publish("🎉" * 300, "SM0007-1")  # 1200 bytes, 300 graphemes

    with pytest.raises(ContentRejected) as rejected:
        connector.publish("🎉" * 301, "SM0008-1")

    assert "grapheme too big (maximum 300, got 301)" in rejected.value.message
    assert len(bluesky_pds.list_records(aroha.did)) == 1


def test_the_session_is_saved_and_reused_without_a_new_login(
    bluesky_pds: BlueskyPds, store: Store, aroha: BlueskyAccount
) -> None:
    first = store.connector(aroha.handle)
    with bluesky_pds.counting(CREATE_SESSION) as logins:
        first.publish("One", "SM0009-1")
        first.publish("Two", "SM0010-1")
    assert logins == [1]
    (saved,) = store.saved
    assert saved["session"].split(":::")[:2] == [aroha.handle, aroha.did]
    assert saved["app_password"] == aroha.app_password

    second = store.connector(aroha.handle)  # as the next job builds it, from the stored row
    with bluesky_pds.counting(CREATE_SESSION) as logins:
        second.publish("Three", "SM0011-1")
        second.delete(second.publish("Four", "SM0012-1").remote_id)

    assert logins == [0]
    assert store.saved == [saved]  # the stored session was good: nothing new to save
    assert len(bluesky_pds.list_records(aroha.did)) == 3


def test_a_refused_session_logs_in_again_once_and_is_replaced(
    bluesky_pds: BlueskyPds, store: Store, aroha: BlueskyAccount
) -> None:
    store.connector(aroha.handle).whoami()
    handle, did, access, refresh, endpoint = store.credentials["session"].split(":::")
    forged = access[:-6] + ("AAAAAA" if not access.endswith("AAAAAA") else "BBBBBB")
    store.credentials["session"] = ":::".join([handle, did, forged, refresh, endpoint])

    with bluesky_pds.counting(CREATE_SESSION) as logins:
        published = store.connector(aroha.handle).publish("After a refused session", "SM0013-1")

    assert logins == [1]
    assert len(store.saved) == 2  # the first session, then the one that replaced it
    _, _, new_access, new_refresh, _ = store.credentials["session"].split(":::")
    assert new_access != forged
    assert new_refresh != refresh
    assert bluesky_pds.get_record(published.remote_id)["value"]["text"] == "After a refused session"


def test_a_wrong_app_password_raises_auth_error(
    bluesky_pds: BlueskyPds, aroha: BlueskyAccount
) -> None:
    store = linked(bluesky_pds, aroha, app_password="aaaa-bbbb-cccc-dddd")

    with pytest.raises(AuthError) as refused:
        store.connector(aroha.handle).publish("Never posted", "SM0014-1")

    assert "Invalid identifier or password" in refused.value.message
    assert store.saved == []
    assert bluesky_pds.list_records(aroha.did) == []


def test_too_many_logins_raise_transient_error_until_the_window_resets(
    bluesky_pds: BlueskyPds, connector: BlueskyConnector, aroha: BlueskyAccount
) -> None:
    # The PDS allows 30 createSession calls per identifier in 5 minutes, failed or not;
    # each takes at least 350 ms there, so they are sent ten at a time.
    body = {"identifier": aroha.handle, "password": "not-the-password"}
    url = f"{bluesky_pds.url}/xrpc/{CREATE_SESSION}"
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: requests.post(url, json=body, timeout=20), range(30)))
    assert {answer.status_code for answer in answers} == {401}

    with pytest.raises(TransientError) as limited:
        connector.publish("Not now", "SM0015-1")

    over = bluesky_pds.http.post(url, json=body, timeout=20)
    assert over.status_code == 429
    wait = int(over.headers["ratelimit-reset"]) - time.time()
    assert limited.value.retry_after is not None
    assert 0 < limited.value.retry_after <= 300
    assert abs(limited.value.retry_after - wait) < 5


def test_an_unreachable_pds_raises_transient_error(aroha: BlueskyAccount) -> None:
    store = Store(
        {
            "service": f"http://127.0.0.1:{free_port()}",
            "identifier": aroha.handle,
            "app_password": aroha.app_password,
        }
    )

    with pytest.raises(TransientError):
        store.connector(aroha.handle).publish("Nobody home", "SM0016-1")
