"""The Facebook Page connector over real HTTP, against a local Graph API."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy.orm import sessionmaker

from tests.conftest import free_port
from tests.peers.facebook import (
    API_VERSION,
    DUPLICATE_MESSAGE,
    EXPIRED_TOKEN,
    GATEWAY_TIMEOUT,
    MISSING_PERMISSION,
    POLICY_BLOCK,
    TEMPORARILY_UNAVAILABLE,
    UNAUTHORIZED,
    UNKNOWN_ERROR,
    FacebookPeer,
    GraphError,
    graph_error,
    rate_limited,
)
from tests.workers.platforms.photos import photo
from workers.platforms import (
    ConnectorContext,
    Limits,
    LinkedAccount,
    Mentions,
    Published,
    Thread,
    build_connector,
    display_name,
    platform_names,
)
from workers.platforms.errors import AuthError, ContentRejected, DuplicatePost, TransientError
from workers.platforms.facebook import PAGE_SIZE, FacebookConnector


@pytest.fixture
def peer() -> Iterator[FacebookPeer]:
    """A Graph API for one Page on 127.0.0.1 for one test."""
    with FacebookPeer() as running:
        yield running


@pytest.fixture
def connector(peer: FacebookPeer, http: requests.Session) -> FacebookConnector:
    """A connector for the peer's Page, with its valid token."""
    return FacebookConnector(peer.page_id, peer.access_token, http, api_base=peer.url)


def feed(peer: FacebookPeer) -> str:
    """The path of the Page's feed edge."""
    return f"/v21.0/{peer.page_id}/feed"


def test_the_registry_builds_it_from_stored_credentials(
    peer: FacebookPeer, http: requests.Session
) -> None:
    account = LinkedAccount(
        id=1,
        handle="Kai Community Garden",
        credentials={
            "page_id": peer.page_id,
            "access_token": peer.access_token,
            "api_base": peer.url,
        },
    )
    context = ConnectorContext(sessionmaker(), public_url="https://sms.example", http=http)

    connector = build_connector("facebook", account, context)
    connector.publish("Through the registry", idempotency_key="SM0100-1")

    assert "facebook" in platform_names()
    assert display_name("facebook") == "Facebook"
    assert isinstance(connector, FacebookConnector)
    assert connector.reads_replies is True
    assert len(peer.posts) == 1


def test_limits_are_a_page_posts(connector: FacebookConnector) -> None:
    assert connector.limits() == Limits(
        max_characters=63206, max_images=10, max_image_bytes=4 * 1024 * 1024
    )


def test_publish_posts_the_exact_text_to_the_pages_feed(
    peer: FacebookPeer, connector: FacebookConnector
) -> None:
    text = "Working bee Saturday 9am — bring gloves! #kaigarden (ask @Mere) https://x.org/a?b=c"

    published = connector.publish(text, idempotency_key="SM0101-1")

    (request,) = peer.requests_to("POST", feed(peer))
    assert request.body == {"message": text}
    assert request.query == {}
    # The token rides in a header: never in a URL, nor in the body.
    assert request.headers["Authorization"] == f"Bearer {peer.access_token}"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    (post,) = peer.posts
    assert post["message"] == text
    assert post["id"].startswith(f"{peer.page_id}_")
    assert published == Published(
        remote_id=post["id"], url=f"https://www.facebook.com/{post['id']}"
    )


def test_a_thread_continues_in_comments_on_the_first_post(
    peer: FacebookPeer, connector: FacebookConnector
) -> None:
    first = connector.publish("Part one (1/3)", idempotency_key="SM0102-1")
    second = connector.publish(
        "Part two (2/3)", idempotency_key="SM0102-2", thread=Thread(root=first, parent=first)
    )
    third = connector.publish(
        "Part three (3/3)", idempotency_key="SM0102-3", thread=Thread(root=first, parent=second)
    )

    assert len(peer.posts) == 1
    assert [(c["message"], c["parent"]) for c in peer.comments] == [
        ("Part two (2/3)", first.remote_id),
        ("Part three (3/3)", first.remote_id),
    ]
    (request, _) = peer.requests_to("POST", f"/v21.0/{first.remote_id}/comments")
    assert request.body == {"message": "Part two (2/3)"}
    comment_id = second.remote_id.rsplit("_", 1)[-1]
    assert second == Published(
        remote_id=peer.comments[0]["id"],
        url=f"https://www.facebook.com/{first.remote_id}?comment_id={comment_id}",
    )
    assert third.remote_id == peer.comments[1]["id"]


def test_delete_removes_the_post(peer: FacebookPeer, connector: FacebookConnector) -> None:
    published = connector.publish("Oops", idempotency_key="SM0103-1")

    connector.delete(published.remote_id)

    assert peer.posts == []
    (request,) = peer.requests_to("DELETE", f"/v21.0/{published.remote_id}")
    assert request.query == {}
    assert request.headers["Authorization"] == f"Bearer {peer.access_token}"


def test_delete_removes_a_comment(peer: FacebookPeer, connector: FacebookConnector) -> None:
    first = connector.publish("Root", idempotency_key="SM0104-1")
    second = connector.publish("Reply", "SM0104-2", Thread(root=first, parent=first))

    connector.delete(second.remote_id)

    assert peer.comments == []
    assert len(peer.posts) == 1


def test_deleting_a_post_that_is_gone_is_rejected_in_graphs_words(
    connector: FacebookConnector,
) -> None:
    with pytest.raises(ContentRejected, match="Object with ID '1_2' does not exist"):
        connector.delete("1_2")


def test_the_api_base_and_version_come_from_the_credentials(
    peer: FacebookPeer, http: requests.Session
) -> None:
    connector = FacebookConnector(
        peer.page_id, peer.access_token, http, api_base=peer.url + "/", api_version="v22.0"
    )

    connector.publish("Newer", idempotency_key="SM0105-1")

    assert [r.path for r in peer.requests] == [f"/v22.0/{peer.page_id}/feed"]


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_rate_limits_are_transient_and_say_when_to_retry(
    peer: FacebookPeer, connector: FacebookConnector, code: int
) -> None:
    peer.fail_next(rate_limited(code=code, minutes=7))

    with pytest.raises(TransientError, match=f"#{code}") as caught:
        connector.publish("Too fast", idempotency_key="SM0106-1")

    assert caught.value.retry_after == 420
    assert peer.posts == []


def test_a_retry_after_header_wins_over_usage_headers(
    peer: FacebookPeer, connector: FacebookConnector
) -> None:
    limited = rate_limited(code=4, minutes=7)
    peer.fail_next(GraphError(429, limited.body, headers=(("Retry-After", "30"),)))

    with pytest.raises(TransientError) as caught:
        connector.publish("Too fast", idempotency_key="SM0107-1")

    assert caught.value.retry_after == 30


@pytest.mark.parametrize(
    "error",
    [TEMPORARILY_UNAVAILABLE, UNKNOWN_ERROR, GATEWAY_TIMEOUT, graph_error(400, 2, "Try again")],
    ids=["code-2-503", "code-1-500", "504-html", "code-2-400"],
)
def test_temporary_and_server_errors_are_transient(
    peer: FacebookPeer, connector: FacebookConnector, error: GraphError
) -> None:
    peer.fail_next(error, endpoint="feed")

    with pytest.raises(TransientError):
        connector.publish("Try later", idempotency_key="SM0108-1")


def test_a_stopped_api_is_transient(peer: FacebookPeer, connector: FacebookConnector) -> None:
    peer.stop()

    with pytest.raises(TransientError, match="no answer"):
        connector.publish("Anyone there?", idempotency_key="SM0109-1")


def test_an_expired_token_is_an_auth_error(
    peer: FacebookPeer, connector: FacebookConnector
) -> None:
    peer.fail_next(EXPIRED_TOKEN)

    with pytest.raises(AuthError, match="Session has expired"):
        connector.publish("Who am I?", idempotency_key="SM0110-1")


def test_a_wrong_token_is_an_auth_error(peer: FacebookPeer, http: requests.Session) -> None:
    connector = FacebookConnector(peer.page_id, "not-the-token", http, api_base=peer.url)

    with pytest.raises(AuthError, match="Invalid OAuth access token"):
        connector.publish("Who am I?", idempotency_key="SM0111-1")


@pytest.mark.parametrize("error", [UNAUTHORIZED, MISSING_PERMISSION], ids=["401", "code-200"])
def test_refused_sessions_and_missing_permissions_are_auth_errors(
    peer: FacebookPeer, connector: FacebookConnector, error: GraphError
) -> None:
    peer.fail_next(error)

    with pytest.raises(AuthError):
        connector.publish("Not allowed", idempotency_key="SM0112-1")


def test_a_policy_block_is_rejected_content_in_graphs_words(
    peer: FacebookPeer, connector: FacebookConnector
) -> None:
    peer.fail_next(POLICY_BLOCK)

    with pytest.raises(ContentRejected) as caught:
        connector.publish("Buy now!!!", idempotency_key="SM0113-1")

    assert caught.value.message == (
        "(#368) The action attempted has been deemed abusive or is otherwise disallowed"
    )


def test_a_duplicate_message_is_its_own_refusal_in_plain_words(
    peer: FacebookPeer, connector: FacebookConnector
) -> None:
    peer.fail_next(DUPLICATE_MESSAGE)

    with pytest.raises(DuplicatePost) as caught:
        connector.publish("Same again", idempotency_key="SM0116-1")

    assert caught.value.message == "you posted the same text there recently"
    assert caught.value.existing is None  # Graph does not say which post it repeats


def test_a_friendlier_user_message_is_preferred(
    peer: FacebookPeer, connector: FacebookConnector
) -> None:
    error = graph_error(400, 100, "(#100) Invalid parameter")
    body = error.body.replace('"code": 100', '"code": 100, "error_user_msg": "Too many links"')
    peer.fail_next(GraphError(400, body))

    with pytest.raises(ContentRejected) as caught:
        connector.publish("Links", idempotency_key="SM0114-1")

    assert caught.value.message == "Too many links"


def test_a_blank_message_is_rejected_by_graph(connector: FacebookConnector) -> None:
    with pytest.raises(ContentRejected, match="Missing message"):
        connector.publish("   ", idempotency_key="SM0115-1")


# --- whoami ---------------------------------------------------------------------------------


def test_whoami_names_the_page(peer: FacebookPeer, connector: FacebookConnector) -> None:
    assert connector.whoami() == "Kai Community Garden"

    (request,) = peer.requests_to("GET", f"/v21.0/{peer.page_id}")
    assert request.query == {"fields": "id,name"}
    assert peer.posts == []


def test_whoami_with_a_wrong_token_is_an_auth_error(
    peer: FacebookPeer, http: requests.Session
) -> None:
    connector = FacebookConnector(peer.page_id, "not-the-token", http, api_base=peer.url)

    with pytest.raises(AuthError, match="Invalid OAuth access token"):
        connector.whoami()


def test_whoami_with_an_expired_token_is_an_auth_error(
    peer: FacebookPeer, connector: FacebookConnector
) -> None:
    peer.fail_next(EXPIRED_TOKEN, endpoint="read")

    with pytest.raises(AuthError, match="Session has expired"):
        connector.whoami()


def test_whoami_for_a_page_that_is_not_there_is_rejected(
    peer: FacebookPeer, http: requests.Session
) -> None:
    connector = FacebookConnector("999", peer.access_token, http, api_base=peer.url)

    with pytest.raises(ContentRejected, match="Object with ID '999' does not exist"):
        connector.whoami()


def test_whoami_when_graph_is_down_is_transient(
    peer: FacebookPeer, connector: FacebookConnector
) -> None:
    peer.fail_next(TEMPORARILY_UNAVAILABLE, endpoint="read")

    with pytest.raises(TransientError):
        connector.whoami()


# --- mentions ---------------------------------------------------------------------------------

SECOND = timedelta(seconds=1)
NOON = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


def test_mentions_are_peoples_comments_on_the_posts_oldest_first(
    peer: FacebookPeer, connector: FacebookConnector
) -> None:
    first = connector.publish("Working bee Saturday (1/2)", idempotency_key="SM0300-1")
    connector.publish("Bring gloves (2/2)", "SM0300-2", Thread(first, first))  # the Page's own
    other = connector.publish("Seedlings for sale", idempotency_key="SM0301-1")
    mere = peer.add_comment(first.remote_id, "I'll be there", "Mere Tane", at=NOON)
    hemi = peer.add_comment(other.remote_id, "How much?", "Hemi Walker", at=NOON + SECOND)
    reply = peer.add_comment(mere["id"], "Me too!", "Ana Ruru", at=NOON + 2 * SECOND)
    peer.add_comment(first.remote_id, "Same second as Mere", "Tui Kaha", at=NOON)
    unasked = connector.publish("Not asked about", idempotency_key="SM0302-1")
    peer.add_comment(unasked.remote_id, "Ignored", "Nobody")
    assert connector.reads_replies

    read = connector.mentions(None, posts=[first.remote_id, other.remote_id])

    assert [(m.author, m.text) for m in read.items] == [
        ("Mere Tane", "I'll be there"),
        ("Tui Kaha", "Same second as Mere"),
        ("Hemi Walker", "How much?"),
        ("Ana Ruru", "Me too!"),
    ]
    first_mention, _, second_mention, third_mention = read.items
    assert first_mention.remote_id == mere["id"]
    assert first_mention.in_reply_to == first.remote_id
    assert first_mention.created_at == NOON
    local = mere["id"].rsplit("_", 1)[-1]
    post_path = first.remote_id.replace("_", "/posts/")
    assert first_mention.url == f"https://www.facebook.com/{post_path}?comment_id={local}"
    assert second_mention.remote_id == hemi["id"]
    assert (third_mention.remote_id, third_mention.in_reply_to) == (reply["id"], mere["id"])
    (request,) = peer.requests_to("GET", f"/v21.0/{first.remote_id}/comments")
    assert request.query["filter"] == "stream"
    assert "access_token" not in request.query
    assert request.headers["Authorization"] == f"Bearer {peer.access_token}"


def test_the_cursor_gives_only_newer_comments_even_in_the_same_second(
    peer: FacebookPeer, connector: FacebookConnector
) -> None:
    post = connector.publish("Working bee Saturday", idempotency_key="SM0303-1")
    peer.add_comment(post.remote_id, "One", "Mere Tane", at=NOON)
    cursor = connector.mentions(None, posts=[post.remote_id]).cursor
    assert cursor is not None

    assert connector.mentions(cursor, posts=[post.remote_id]) == Mentions([], cursor)
    same_second = peer.add_comment(post.remote_id, "Two", "Hemi Walker", at=NOON)
    later = peer.add_comment(post.remote_id, "Three", "Ana Ruru", at=NOON + SECOND)
    newer = connector.mentions(cursor, posts=[post.remote_id])

    assert [m.remote_id for m in newer.items] == [same_second["id"], later["id"]]
    assert connector.mentions(newer.cursor, posts=[post.remote_id]).items == []


def test_many_new_comments_are_read_page_by_page(
    peer: FacebookPeer, connector: FacebookConnector
) -> None:
    post = connector.publish("Working bee Saturday", idempotency_key="SM0304-1")
    peer.add_comment(post.remote_id, "Before", "Mere Tane", at=NOON)
    cursor = connector.mentions(None, posts=[post.remote_id]).cursor
    texts = [f"Comment {n}" for n in range(PAGE_SIZE + 5)]
    for n, text in enumerate(texts):
        peer.add_comment(post.remote_id, text, "Hemi Walker", at=NOON + (n + 1) * SECOND)

    read = connector.mentions(cursor, posts=[post.remote_id])

    assert [m.text for m in read.items] == texts
    assert len(peer.requests_to("GET", f"/v21.0/{post.remote_id}/comments")) == 3


def test_an_answer_replies_under_the_comment(
    peer: FacebookPeer, connector: FacebookConnector
) -> None:
    post = connector.publish("Working bee Saturday", idempotency_key="SM0305-1")
    question = peer.add_comment(post.remote_id, "What time?", "Mere Tane", at=NOON)
    follow_up = peer.add_comment(question["id"], "And where?", "Hemi Walker", at=NOON + SECOND)
    to_question, to_follow_up = connector.mentions(None, posts=[post.remote_id]).items

    first = connector.publish("9am", "SM0305-answer-1", to_question.answer)
    second = connector.publish("At the gate", "SM0305-answer-2", to_follow_up.answer)

    # Graph nests one level: both answers are replies to the question's comment.
    assert peer.objects[first.remote_id]["parent"] == question["id"]
    assert peer.objects[second.remote_id]["parent"] == question["id"]
    assert follow_up["parent"] == question["id"]
    assert connector.mentions(None, posts=[post.remote_id]).items == [to_question, to_follow_up]


def test_a_deleted_post_has_no_comments_to_read(
    peer: FacebookPeer, connector: FacebookConnector
) -> None:
    gone = connector.publish("Deleted on Facebook", idempotency_key="SM0306-1")
    kept = connector.publish("Still there", idempotency_key="SM0307-1")
    comment = peer.add_comment(kept.remote_id, "Kia ora", "Mere Tane")
    connector.delete(gone.remote_id)

    read = connector.mentions(None, posts=[gone.remote_id, kept.remote_id])

    assert [m.remote_id for m in read.items] == [comment["id"]]


def test_a_rate_limit_while_reading_comments_is_transient(
    peer: FacebookPeer, connector: FacebookConnector
) -> None:
    post = connector.publish("Working bee Saturday", idempotency_key="SM0308-1")
    peer.fail_next(rate_limited(code=32, minutes=3), endpoint="read_comments")

    with pytest.raises(TransientError) as caught:
        connector.mentions(None, posts=[post.remote_id])

    assert caught.value.retry_after == 180


def test_no_posts_ask_nothing_of_graph(peer: FacebookPeer, connector: FacebookConnector) -> None:
    assert connector.mentions(None) == Mentions([], None)
    assert peer.requests == []


def test_a_failed_call_leaves_the_token_in_no_log_and_no_traceback(
    http: requests.Session, caplog: pytest.LogCaptureFixture
) -> None:
    token = "EAAGsecretPageToken0123456789"
    dead = FacebookConnector("1234", token, http, api_base=f"http://127.0.0.1:{free_port()}")
    calls = [
        lambda: dead.publish("Kia ora", idempotency_key="SM0999-1"),
        lambda: dead.find_published("Kia ora", datetime.now(UTC), None),
        lambda: dead.delete("1234_5"),
        lambda: dead.whoami(),
        lambda: dead.mentions(None, ["1234_5"]),
    ]
    told = []

    with caplog.at_level(logging.DEBUG):
        for call in calls:
            with pytest.raises(TransientError) as failed:
                call()
            told.append("".join(traceback.format_exception(failed.value)))

    assert len(told) == len(calls)
    assert all("127.0.0.1" in trace for trace in told)  # the traces are the real ones
    assert not [trace for trace in told if token in trace]
    assert token not in caplog.text


def test_one_and_two_photos_are_uploaded_unpublished_then_attached_to_the_post(
    peer: FacebookPeer, connector: FacebookConnector
) -> None:
    one = connector.publish("Our poster", "SM0101-1", images=[photo()])
    two = connector.publish("", "SM0102-1", images=[photo(alt="Room 4"), photo(40, 80, "Room 5")])

    attached = {
        post: [
            (p["alt_text"], p["data"][:2]) for p in peer.photos.values() if p["attached_to"] == post
        ]
        for post in (one.remote_id, two.remote_id)
    }
    assert attached == {
        one.remote_id: [("Our poster", b"\xff\xd8")],
        two.remote_id: [("Room 4", b"\xff\xd8"), ("Room 5", b"\xff\xd8")],
    }
    uploads = peer.requests_to("POST", f"/{API_VERSION}/{peer.page_id}/photos")
    assert len(uploads) == 3
    assert all(r.headers["Content-Type"].startswith("multipart/form-data") for r in uploads)
    assert all("access_token" not in r.query for r in uploads)  # the token stays in a header


def test_a_post_with_photos_whose_answer_was_lost_is_found_not_made_again(
    peer: FacebookPeer, connector: FacebookConnector
) -> None:
    since = datetime.now(UTC) - timedelta(minutes=5)
    peer.lose_answer()
    with pytest.raises(TransientError):
        connector.publish("Our poster #hui", "SM0103-1", images=[photo()])

    found = connector.find_published("Our poster #hui", since, None)

    assert found is not None
    assert [p["attached_to"] for p in peer.photos.values()] == [found.remote_id]
