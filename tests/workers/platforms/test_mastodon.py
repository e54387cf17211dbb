"""The Mastodon connector through the real Mastodon.py client, against a local instance."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import requests
from PIL import Image

from tests.peers.mastodon import (
    INTERNAL_ERROR,
    INVALID_TOKEN,
    SERVICE_UNAVAILABLE,
    TEXT_TOO_LONG,
    MastodonError,
    MastodonPeer,
    api_error,
    rate_limited,
)
from tests.workers.platforms.photos import photo
from workers.platforms import (
    Limits,
    LinkedAccount,
    Mentions,
    Published,
    build_connector,
)
from workers.platforms.errors import AuthError, ContentRejected, TransientError
from workers.platforms.mastodon import PAGE_SIZE, MastodonConnector, plain_text
from workers.runtime import Runtime

STATUSES = "/api/v1/statuses"
MEDIA = "/api/v2/media"
# What the recorded instance says, with this test's status length.
INSTANCE_LIMITS = Limits(
    max_characters=640,
    url_length=23,
    max_images=4,
    max_image_bytes=16777216,
    max_image_pixels=33177600,
)


@pytest.fixture
def peer() -> Iterator[MastodonPeer]:
    """A Mastodon instance on 127.0.0.1 for one test."""
    with MastodonPeer() as running:
        yield running


@pytest.fixture
def connector(peer: MastodonPeer, http: requests.Session) -> MastodonConnector:
    """A connector for the peer's user, with the peer's valid token."""
    return MastodonConnector(peer.url, peer.access_token, http)


def test_whoami_names_the_account_at_its_instance(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    assert connector.whoami() == f"aroha@{peer.host}"
    request = peer.requests_to("GET", "/api/v1/accounts/verify_credentials")[0]
    assert request.headers["Authorization"] == f"Bearer {peer.access_token}"


def test_a_token_the_instance_refuses_raises_auth_error(
    peer: MastodonPeer, http: requests.Session
) -> None:
    connector = MastodonConnector(peer.url, "revoked-token", http)

    with pytest.raises(AuthError):
        connector.whoami()


def test_limits_are_the_instances_own(peer: MastodonPeer, connector: MastodonConnector) -> None:
    peer.max_characters = 640

    assert connector.limits() == INSTANCE_LIMITS


def instance_reads(peer: MastodonPeer) -> int:
    """How often the instance was asked for its description (Mastodon.py adds a slash)."""
    return sum(r.path.rstrip("/") == "/api/v2/instance" for r in peer.requests)


def test_limits_are_read_once_for_every_worker_and_account_on_the_instance(
    peer: MastodonPeer, rt: Runtime
) -> None:
    peer.max_characters = 640
    credentials = {"instance": peer.url, "access_token": peer.access_token}
    first = build_connector("mastodon", LinkedAccount(1, "aroha", credentials), rt.connectors)
    second = build_connector("mastodon", LinkedAccount(2, "mere", credentials), rt.connectors)

    assert first.limits() == second.limits() == INSTANCE_LIMITS
    assert instance_reads(peer) == 1


def test_limits_are_read_again_when_the_cache_is_gone(peer: MastodonPeer, rt: Runtime) -> None:
    credentials = {"instance": peer.url, "access_token": peer.access_token}
    connector = build_connector("mastodon", LinkedAccount(1, "aroha", credentials), rt.connectors)
    connector.limits()
    rt.queue.connection.flushdb()
    peer.max_characters = 1000

    assert connector.limits().max_characters == 1000
    assert instance_reads(peer) == 2


def test_publish_posts_the_exact_text_with_the_key(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    text = "Kia ora from the hui, see https://example.org/a-long-page #swrb13"

    published = connector.publish(text, idempotency_key="SM0001-7")

    (request,) = peer.requests_to("POST", STATUSES)
    assert request.body["status"] == text
    assert request.headers["Idempotency-Key"] == "SM0001-7"
    (status,) = peer.statuses
    assert published == Published(remote_id=status["id"], url=f"{peer.url}/@aroha/{status['id']}")


def test_the_same_key_twice_makes_one_status(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    first = connector.publish("Once only", idempotency_key="SM0002-7")
    second = connector.publish("Once only", idempotency_key="SM0002-7")

    assert first == second
    assert len(peer.requests_to("POST", STATUSES)) == 2
    assert len(peer.statuses) == 1


def test_different_keys_make_different_statuses(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    first = connector.publish("Same words", idempotency_key="SM0003-7")
    second = connector.publish("Same words", idempotency_key="SM0004-7")

    assert first.remote_id != second.remote_id
    assert len(peer.statuses) == 2


@pytest.mark.parametrize("error", [INTERNAL_ERROR, SERVICE_UNAVAILABLE], ids=["500", "503"])
def test_server_errors_are_transient(
    peer: MastodonPeer, connector: MastodonConnector, error: MastodonError
) -> None:
    peer.fail_next(error, endpoint="create_status")

    with pytest.raises(TransientError, match="server unavailable"):
        connector.publish("Try later", idempotency_key="SM0005-7")
    assert peer.statuses == []


def test_a_stopped_instance_is_transient(peer: MastodonPeer, connector: MastodonConnector) -> None:
    peer.stop()

    with pytest.raises(TransientError):
        connector.publish("Anyone there?", idempotency_key="SM0006-7")


def test_rate_limiting_is_transient_and_says_when_to_retry(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    peer.fail_next(rate_limited(seconds=120))

    with pytest.raises(TransientError, match="rate limited") as caught:
        connector.publish("Too fast", idempotency_key="SM0007-7")

    assert caught.value.retry_after is not None
    assert 110 < caught.value.retry_after <= 122  # the Date header has whole seconds


def test_a_refused_token_while_posting_is_an_auth_error(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    peer.fail_next(INVALID_TOKEN, endpoint="create_status")

    with pytest.raises(AuthError):
        connector.publish("Who am I?", idempotency_key="SM0008-7")


def test_a_token_without_the_write_scope_is_an_auth_error(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    peer.fail_next(api_error(403, "This action is outside the authorized scopes"))

    with pytest.raises(AuthError, match="outside the authorized scopes"):
        connector.publish("Read only", idempotency_key="SM0009-7")


def test_a_validation_error_is_rejected_content_in_the_servers_words(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    peer.fail_next(TEXT_TOO_LONG)

    with pytest.raises(ContentRejected) as caught:
        connector.publish("Rejected", idempotency_key="SM0010-7")

    assert caught.value.message == "Validation failed: Text character limit of 500 exceeded"


def test_text_over_the_instances_limit_is_rejected_by_the_instance(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    peer.max_characters = 20

    with pytest.raises(ContentRejected) as caught:
        connector.publish("x" * 21, idempotency_key="SM0011-7")

    assert caught.value.message == "Validation failed: Text character limit of 20 exceeded"
    assert peer.statuses == []


def test_delete_removes_the_status(peer: MastodonPeer, connector: MastodonConnector) -> None:
    published = connector.publish("Oops", idempotency_key="SM0012-7")

    connector.delete(published.remote_id)

    assert peer.statuses == []
    (request,) = peer.requests_to("DELETE", f"{STATUSES}/{published.remote_id}")
    assert request.headers["Authorization"] == f"Bearer {peer.access_token}"


def test_deleting_a_status_that_is_gone_already_is_done(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    published = connector.publish("Oops", idempotency_key="SM0013-7")
    connector.delete(published.remote_id)

    connector.delete(published.remote_id)

    assert [r.method for r in peer.requests_to("DELETE", f"{STATUSES}/{published.remote_id}")] == [
        "DELETE",
        "DELETE",
    ]
    assert peer.statuses == []


# --- mentions ---------------------------------------------------------------------------------


def test_mentions_are_replies_and_mentions_oldest_first(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    post = connector.publish("Kia ora from the hui #swrb13", idempotency_key="SM0100-7")
    reply = peer.add_status_from(
        "mere", "@aroha Ka pai! See https://example.org/a/long/path", post.remote_id
    )
    mention = peer.add_status_from("hemi@other.example", "Listen to @aroha on Friday\n\n<3")
    peer.add_status_from("mere", "Talking among ourselves", reply["id"])  # names no one
    assert connector.reads_replies

    read = connector.mentions(None)

    assert [m.remote_id for m in read.items] == [reply["id"], mention["id"]]
    first, second = read.items
    assert first.author == f"mere@{peer.host}"
    assert first.text == "@aroha Ka pai! See https://example.org/a/long/path"
    assert first.url == reply["url"]
    assert first.in_reply_to == post.remote_id
    assert first.created_at is not None
    assert second.author == "hemi@other.example"
    assert second.text == "Listen to @aroha on Friday\n\n<3"
    assert second.in_reply_to is None
    assert read.cursor == peer.notifications[-1]["id"]
    (request,) = peer.requests_to("GET", "/api/v1/notifications")
    assert request.headers["Authorization"] == f"Bearer {peer.access_token}"


def test_direct_messages_are_not_read_as_mentions(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    public = peer.add_status_from("mere", "@aroha see you there")
    peer.add_status_from("mere", "@aroha private: my number is 021 555 1234", visibility="direct")

    read = connector.mentions(None)

    assert [m.remote_id for m in read.items] == [public["id"]]
    assert read.cursor == peer.notifications[-1]["id"]  # read past it all the same


def test_the_cursor_gives_only_newer_mentions(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    post = connector.publish("Kia ora", idempotency_key="SM0101-7")
    peer.add_status_from("mere", "@aroha one", post.remote_id)
    cursor = connector.mentions(None).cursor
    assert cursor is not None

    assert connector.mentions(cursor) == Mentions([], cursor)
    later = peer.add_status_from("hemi", "@aroha two", post.remote_id)
    newer = connector.mentions(cursor)

    assert [(m.remote_id, m.text) for m in newer.items] == [(later["id"], "@aroha two")]
    assert newer.cursor == peer.notifications[-1]["id"] != cursor


def test_many_new_mentions_are_read_page_by_page_without_a_gap(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    post = connector.publish("Kia ora", idempotency_key="SM0102-7")
    peer.add_status_from("mere", "@aroha before", post.remote_id)
    cursor = connector.mentions(None).cursor
    texts = [f"@aroha number {n}" for n in range(PAGE_SIZE + 5)]
    for text in texts:
        peer.add_status_from("hemi", text, post.remote_id)

    read = connector.mentions(cursor)

    assert [m.text for m in read.items] == texts
    assert read.cursor == peer.notifications[-1]["id"]
    pages = peer.requests_to("GET", "/api/v1/notifications")[1:]
    assert len(pages) == 2


def test_an_answer_is_threaded_under_the_mention(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    post = connector.publish("Kia ora", idempotency_key="SM0103-7")
    reply = peer.add_status_from("mere@other.example", "@aroha where is it?", post.remote_id)
    (mention,) = connector.mentions(None).items

    answer = connector.publish("@mere@other.example In the wharenui", "SM0104-7", mention.answer)

    status = next(s for s in peer.statuses if s["id"] == answer.remote_id)
    assert status["in_reply_to_id"] == reply["id"]
    assert status["in_reply_to_account_id"] == reply["account"]["id"]


def test_rate_limited_mentions_are_transient(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    peer.fail_next(rate_limited(seconds=60), endpoint="notifications")

    with pytest.raises(TransientError) as caught:
        connector.mentions("17")

    assert caught.value.retry_after is not None
    assert 50 < caught.value.retry_after <= 62


def test_a_token_without_the_read_scope_is_an_auth_error_when_reading_mentions(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    peer.fail_next(api_error(403, "This action is outside the authorized scopes"))

    # Mastodon.py casts an error body to the type the call returns, so for a list
    # the server's words are lost and only the status is left to say.
    with pytest.raises(AuthError, match="not allowed"):
        connector.mentions(None)


def test_plain_text_reads_mastodons_html_as_written() -> None:
    # As Mastodon renders a status: a linked mention, a long link cut short for display
    # (the hidden parts are kept in spans), escaped characters and paragraphs.
    content = (
        '<p><span class="h-card" translate="no"><a href="https://mastodon.example/@aroha" '
        'class="u-url mention">@<span>aroha</span></a></span> see <a href="https://example.org/'
        'hui/2025/programme-and-venues" target="_blank" rel="nofollow noopener" translate="no">'
        '<span class="invisible">https://</span><span class="ellipsis">example.org/hui/2025/'
        'programme-an</span><span class="invisible">d-venues</span></a> &amp; more<br />'
        "line two</p><p>Kia &lt;3 ora</p>"
    )

    assert plain_text(content) == (
        "@aroha see https://example.org/hui/2025/programme-and-venues & more\n"
        "line two\n\nKia <3 ora"
    )


def test_one_and_two_photos_are_uploaded_with_descriptions_then_attached(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    connector.publish("Our poster", "SM0101-1", images=[photo()])
    connector.publish("", "SM0102-1", images=[photo(alt="Room 4"), photo(40, 80, "Room 5")])

    first, second = peer.statuses
    assert [m["description"] for m in first["media_attachments"]] == ["Our poster"]
    assert [m["description"] for m in second["media_attachments"]] == ["Room 4", "Room 5"]
    assert all(m["url"] for m in first["media_attachments"] + second["media_attachments"])
    uploads = peer.requests_to("POST", MEDIA)
    assert len(uploads) == 3 and all(
        r.headers["Content-Type"].startswith("multipart/form-data") for r in uploads
    )
    kept = [peer.media[m["id"]] for m in second["media_attachments"]]
    assert [(k["content_type"], k["data"][:2]) for k in kept] == [("image/jpeg", b"\xff\xd8")] * 2
    # Each upload was waited for: asked after until it was no longer processing (206).
    assert len(peer.requests_to("GET", "/api/v1/media/" + first["media_attachments"][0]["id"])) == 2


def test_a_retry_with_photos_makes_no_second_status(
    peer: MastodonPeer, connector: MastodonConnector
) -> None:
    first = connector.publish("Kia ora", "SM0103-1", images=[photo()])
    again = connector.publish("Kia ora", "SM0103-1", images=[photo()])

    assert again == first
    assert len(peer.statuses) == 1  # uploaded twice, posted once


def test_a_photo_over_the_instances_pixel_limit_is_shrunk() -> None:
    with MastodonPeer() as peer, requests.Session() as http:
        connector = MastodonConnector(peer.url, peer.access_token, http)
        big = photo(8000, 5000)  # 40 megapixels, over the 33,177,600 the instance allows

        connector.publish("A wide one", "SM0104-1", images=[big])

        (status,) = peer.statuses
        data = peer.media[status["media_attachments"][0]["id"]]["data"]
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.width * stored.height <= 33_177_600
        assert abs(stored.width / stored.height - 1.6) < 0.01
