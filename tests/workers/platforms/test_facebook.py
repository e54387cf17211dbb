"""The Facebook Page connector over real HTTP, against a local Graph API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from sqlalchemy.orm import sessionmaker

from tests.peers.facebook import (
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
from workers.platforms import (
    ConnectorContext,
    Limits,
    LinkedAccount,
    Published,
    Thread,
    build_connector,
    display_name,
    platform_names,
)
from workers.platforms.errors import AuthError, ContentRejected, DuplicatePost, TransientError
from workers.platforms.facebook import FacebookConnector


@pytest.fixture
def peer() -> Iterator[FacebookPeer]:
    """A Graph API for one Page on 127.0.0.1 for one test."""
    with FacebookPeer() as running:
        yield running


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """The HTTP session the connector is given, as the runtime would give it."""
    with requests.Session() as session:
        yield session


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
    assert connector.limits() == Limits(max_characters=63206)


def test_publish_posts_the_exact_text_to_the_pages_feed(
    peer: FacebookPeer, connector: FacebookConnector
) -> None:
    text = "Working bee Saturday 9am — bring gloves! #kaigarden (ask @Mere) https://x.org/a?b=c"

    published = connector.publish(text, idempotency_key="SM0101-1")

    (request,) = peer.requests_to("POST", feed(peer))
    assert request.body == {"message": text, "access_token": peer.access_token}
    assert request.query == {}  # the token stays out of the URL
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
    assert request.body == {"message": "Part two (2/3)", "access_token": peer.access_token}
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
    assert request.query == {"access_token": peer.access_token}


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
    assert request.query == {"fields": "id,name", "access_token": peer.access_token}
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
