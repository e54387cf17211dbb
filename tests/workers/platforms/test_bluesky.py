"""The Bluesky connector through the real atproto SDK, against a real PDS on 127.0.0.1."""

from __future__ import annotations

import io
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from PIL import Image
from sqlalchemy.orm import sessionmaker

from tests.conftest import free_port
from tests.peers.bluesky import BlueskyAccount, BlueskyPds
from tests.workers.platforms.photos import photo
from workers.platforms import (
    GRAPHEMES,
    ConnectorContext,
    Limits,
    LinkedAccount,
    Mentions,
    Published,
    Thread,
    build_connector,
    display_name,
)
from workers.platforms.bluesky import PAGE_SIZE, BlueskyConnector, post_url, record_key
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
    assert built.limits() == Limits(300, unit=GRAPHEMES, max_bytes=3000, max_images=4)


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


def embedded_images(
    pds: BlueskyPds, published: Published, did: str
) -> list[tuple[str, dict, bytes]]:
    """Each embedded photo's alt text, aspect ratio and blob bytes, as the PDS keeps them."""
    embed = pds.get_record(published.remote_id)["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    found = []
    for image in embed["images"]:
        blob = pds.get("com.atproto.sync.getBlob", did=did, cid=image["image"]["ref"]["$link"])
        assert blob.status_code == 200
        ratio = {key: image["aspectRatio"][key] for key in ("width", "height")}
        found.append((image["alt"], ratio, blob.content))
    return found


def test_one_and_two_photos_are_embedded_with_alt_text_and_aspect_ratio(
    bluesky_pds: BlueskyPds, connector: BlueskyConnector, aroha: BlueskyAccount
) -> None:
    one = connector.publish("Our poster", "SM0110-1", images=[photo(alt="A 64x32 poster")])
    two = connector.publish(
        "Both posters",
        "SM0111-1",
        images=[photo(alt="A 64x32 poster"), photo(40, 80, "A 40x80 poster")],
    )

    [(alt, ratio, data)] = embedded_images(bluesky_pds, one, aroha.did)
    assert (alt, ratio) == ("A 64x32 poster", {"width": 64, "height": 32})
    assert data == photo(alt="A 64x32 poster").data  # small: posted as stored
    assert [(a, r) for a, r, _ in embedded_images(bluesky_pds, two, aroha.did)] == [
        ("A 64x32 poster", {"width": 64, "height": 32}),
        ("A 40x80 poster", {"width": 40, "height": 80}),
    ]


def test_a_photo_over_a_megabyte_is_shrunk_to_fit(
    bluesky_pds: BlueskyPds, connector: BlueskyConnector, aroha: BlueskyAccount
) -> None:
    big = photo(1600, 1200, noise=True)
    assert len(big.data) > 1_000_000

    published = connector.publish("A big photo", "SM0112-1", images=[big])

    [(_, ratio, data)] = embedded_images(bluesky_pds, published, aroha.did)
    assert len(data) <= 1_000_000
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.size == (ratio["width"], ratio["height"])
        assert dict(stored.getexif()) == {}


def test_a_retry_with_photos_finds_the_post_and_uploads_nothing(
    bluesky_pds: BlueskyPds, store: Store, aroha: BlueskyAccount
) -> None:
    with bluesky_pds.counting("com.atproto.repo.uploadBlob") as uploads:
        first = store.connector(aroha.handle).publish("Kia ora", "SM0113-1", images=[photo()])
    with bluesky_pds.counting("com.atproto.repo.uploadBlob") as again_uploads:
        again = store.connector(aroha.handle).publish("Kia ora", "SM0113-1", images=[photo()])

    assert again == first
    assert (uploads, again_uploads) == ([1], [0])
    assert len(bluesky_pds.list_records(aroha.did)) == 1


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


# --- mentions: the PDS asks the AppView peer, which indexes the PDS's own posts ------------


def quote(pds: BlueskyPds, author: BlueskyAccount, text: str, quoted: Published) -> str:
    """Write a post quoting another, as a person's app would; return its URI."""
    session = pds.xrpc(
        "com.atproto.server.createSession",
        {"identifier": author.handle, "password": author.password},
    )
    record = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "embed": {
            "$type": "app.bsky.embed.record",
            "record": {"uri": quoted.remote_id, "cid": quoted.cid},
        },
    }
    created = pds.xrpc(
        "com.atproto.repo.createRecord",
        {"repo": author.did, "collection": "app.bsky.feed.post", "record": record},
        token=session["accessJwt"],
    )
    return str(created["uri"])


def test_mentions_are_replies_mentions_and_quotes_oldest_first(
    bluesky_pds: BlueskyPds, connector: BlueskyConnector, aroha: BlueskyAccount
) -> None:
    mere, hemi, tui = (new_account(bluesky_pds, name) for name in ("mere", "hemi", "tui"))
    post = connector.publish("Kia ora from the hui #swrb13", "SM0100-1")
    connector.publish("Part two", "SM0100-2", Thread(post, post))  # her own: no notification
    as_mere, as_hemi = (linked(bluesky_pds, a).connector(a.handle) for a in (mere, hemi))
    reply = as_mere.publish("Ka pai! 🎉", "M1", Thread(post, post))
    mention = as_hemi.publish(f"Great talk by @{aroha.handle} today", "H1")
    quoted = quote(bluesky_pds, tui, "This, exactly", post)
    as_mere.publish("Among ourselves", "M2", Thread(mention, mention))  # names no one
    assert connector.reads_replies

    read = connector.mentions(None)

    assert [(m.remote_id, m.author, m.text) for m in read.items] == [
        (reply.remote_id, mere.handle, "Ka pai! 🎉"),
        (mention.remote_id, hemi.handle, f"Great talk by @{aroha.handle} today"),
        (quoted, tui.handle, "This, exactly"),
    ]
    first, second, third = read.items
    assert first.url == post_url(mere.handle, reply.remote_id)
    assert first.in_reply_to == post.remote_id
    assert second.in_reply_to is None and third.in_reply_to is None
    assert first.created_at is not None
    assert read.cursor is not None
    assert bluesky_pds.appview is not None
    assert bluesky_pds.appview.requests[-1] == "app.bsky.notification.listNotifications"


def test_the_cursor_gives_only_newer_mentions(
    bluesky_pds: BlueskyPds, connector: BlueskyConnector
) -> None:
    mere = new_account(bluesky_pds, "mere")
    as_mere = linked(bluesky_pds, mere).connector(mere.handle)
    post = connector.publish("Kia ora", "SM0101-1")
    as_mere.publish("One", "M1", Thread(post, post))
    cursor = connector.mentions(None).cursor
    assert cursor is not None

    assert connector.mentions(cursor) == Mentions([], cursor)
    later = as_mere.publish("Two", "M2", Thread(post, post))
    newer = connector.mentions(cursor)

    assert [(m.remote_id, m.text) for m in newer.items] == [(later.remote_id, "Two")]
    assert newer.cursor is not None and newer.cursor > cursor


def test_many_new_mentions_are_read_page_by_page(
    bluesky_pds: BlueskyPds, connector: BlueskyConnector
) -> None:
    mere = new_account(bluesky_pds, "mere")
    as_mere = linked(bluesky_pds, mere).connector(mere.handle)
    post = connector.publish("Kia ora", "SM0102-1")
    as_mere.publish("Before", "M0", Thread(post, post))
    cursor = connector.mentions(None).cursor
    texts = [f"Reply {n}" for n in range(PAGE_SIZE + 3)]
    for n, text in enumerate(texts):
        as_mere.publish(text, f"M{n + 1}", Thread(post, post))

    with bluesky_pds.counting("app.bsky.notification.listNotifications") as asked:
        read = connector.mentions(cursor)

    assert [m.text for m in read.items] == texts
    assert asked == [2]


def test_answers_are_threaded_under_the_mention_and_in_its_thread(
    bluesky_pds: BlueskyPds, connector: BlueskyConnector, aroha: BlueskyAccount
) -> None:
    mere, hemi = new_account(bluesky_pds, "mere"), new_account(bluesky_pds, "hemi")
    as_mere, as_hemi = (linked(bluesky_pds, a).connector(a.handle) for a in (mere, hemi))
    post = connector.publish("Kia ora", "SM0103-1")
    question = as_mere.publish("Where is it?", "M1", Thread(post, post))
    follow_up = as_hemi.publish("And when?", "H1", Thread(post, question))  # notifies her too
    shout = as_hemi.publish(f"See you there @{aroha.handle}", "H2")
    to_question, to_follow_up, to_shout = connector.mentions(None).items
    assert to_follow_up.remote_id == follow_up.remote_id

    answers = [
        connector.publish(text, f"SM0103-answer-{n}", mention.answer)
        for n, (text, mention) in enumerate(
            [("Wharenui", to_question), ("At nine", to_follow_up), ("Ka kite!", to_shout)]
        )
    ]

    replies = [bluesky_pds.get_record(a.remote_id)["value"]["reply"] for a in answers]
    root = (post.remote_id, post.cid)
    assert (ref(replies[0]["root"]), ref(replies[0]["parent"])) == (
        root,
        (question.remote_id, question.cid),
    )
    assert (ref(replies[1]["root"]), ref(replies[1]["parent"])) == (
        root,
        (follow_up.remote_id, follow_up.cid),
    )
    shout_ref = (shout.remote_id, shout.cid)
    assert (ref(replies[2]["root"]), ref(replies[2]["parent"])) == (shout_ref, shout_ref)
    # Mere sees Hemi's question under hers and both answers in her thread as replies.
    as_mere_later = linked(bluesky_pds, mere).connector(mere.handle)
    assert [(m.author, m.text) for m in as_mere_later.mentions(None).items] == [
        (hemi.handle, "And when?"),
        (aroha.handle, "Wharenui"),
        (aroha.handle, "At nine"),
    ]


def test_mentions_reuse_the_stored_session(
    bluesky_pds: BlueskyPds, store: Store, aroha: BlueskyAccount
) -> None:
    store.connector(aroha.handle).whoami()

    with bluesky_pds.counting(CREATE_SESSION) as logins:
        store.connector(aroha.handle).mentions(None)
        store.connector(aroha.handle).mentions(None)

    assert logins == [0]
    assert len(store.saved) == 1


def test_mentions_from_an_unreachable_pds_raise_transient_error(aroha: BlueskyAccount) -> None:
    store = Store(
        {
            "service": f"http://127.0.0.1:{free_port()}",
            "identifier": aroha.handle,
            "app_password": aroha.app_password,
        }
    )

    with pytest.raises(TransientError):
        store.connector(aroha.handle).mentions("2026-01-01T00:00:00.000Z")
