"""The LinkedIn connector over real HTTP against a local REST API, and little text escaping."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
import requests
from sqlalchemy.orm import sessionmaker

from tests.peers.linkedin import (
    ACCESS_DENIED,
    GATEWAY_TIMEOUT,
    INTERNAL_ERROR,
    NO_OPENID_SCOPE,
    REVOKED_TOKEN,
    TOO_LONG,
    LinkedInError,
    LinkedInPeer,
    rate_limited,
    read_little_text,
)
from tests.workers.platforms.photos import photo
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
from workers.platforms.errors import (
    AuthError,
    ContentRejected,
    DuplicatePost,
    TransientError,
    Unsupported,
)
from workers.platforms.linkedin import LINKEDIN_VERSION, LinkedInConnector, escape_little_text

POSTS = "/rest/posts"


@pytest.fixture
def peer() -> Iterator[LinkedInPeer]:
    """LinkedIn's REST API for one member on 127.0.0.1 for one test."""
    with LinkedInPeer() as running:
        yield running


@pytest.fixture
def connector(peer: LinkedInPeer, http: requests.Session) -> LinkedInConnector:
    """A connector for the peer's member, with its valid token."""
    return LinkedInConnector(peer.access_token, peer.author, http, api_base=peer.url)


# --- escape_little_text ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain words, stay plain. 100% ok!", "plain words, stay plain. 100% ok!"),
        ("\\|{}@[]()<>#*_~", "\\\\\\|\\{\\}\\@\\[\\]\\(\\)\\<\\>\\#\\*\\_\\~"),
        (
            "a|b {c} @d [e] (f) <g> *h* _i_ ~j~",
            r"a\|b \{c\} \@d \[e\] \(f\) \<g\> \*h\* \_i\_ \~j\~",
        ),
        ("#kaigarden rocks", "#kaigarden rocks"),
        ("Hui today #kaigarden #Te_Reo!", r"Hui today #kaigarden #Te\_Reo!"),
        ("(#swrb13)", r"\(#swrb13\)"),
        ("kia ora #māori\n#2026", "kia ora #māori\n#2026"),
        ("# not a tag", r"\# not a tag"),
        ("ends with #", r"ends with \#"),
        ("C# and F#", r"C\# and F\#"),
        ("no#tag", r"no\#tag"),
        ("##double", r"\#\#double"),
        ("#!bang", r"\#!bang"),
        ("see https://x.org/page#intro", r"see https://x.org/page\#intro"),
        ("see https://x.org/#anchor", r"see https://x.org/\#anchor"),
        ("https://x.org/a_b?q=(1)", r"https://x.org/a\_b?q=\(1\)"),
        ("C:\\Users\\aroha", r"C:\\Users\\aroha"),
        ("a \\n is not a newline", r"a \\n is not a newline"),
        ("\\#escaped stays literal", r"\\\#escaped stays literal"),
        ("emoji 🌱 and — dashes", "emoji 🌱 and — dashes"),
        ("", ""),
    ],
)
def test_escape_little_text(text: str, escaped: str) -> None:
    assert escape_little_text(text) == escaped


@pytest.mark.parametrize(
    "text",
    ["\\|{}@[]()<>#*_~", "#tag (x) \\#y C# https://x.org/#z", "\\\\ \\ #a_b", "~~__**"],
)
def test_escaped_text_reads_back_as_the_original(text: str) -> None:
    assert read_little_text(escape_little_text(text)) == text


# --- the connector ----------------------------------------------------------------------


def test_the_registry_builds_it_from_stored_credentials(
    peer: LinkedInPeer, http: requests.Session
) -> None:
    account = LinkedAccount(
        id=2,
        handle="Aroha Te Whare",
        credentials={
            "access_token": peer.access_token,
            "author": peer.author,
            "api_base": peer.url,
        },
    )
    context = ConnectorContext(sessionmaker(), public_url="https://sms.example", http=http)

    connector = build_connector("linkedin", account, context)
    connector.publish("Through the registry", idempotency_key="SM0200-1")

    assert "linkedin" in platform_names()
    assert display_name("linkedin") == "LinkedIn"
    assert isinstance(connector, LinkedInConnector)
    assert connector.reads_replies is False
    assert len(peer.posts) == 1


def test_limits_are_a_posts_commentary(connector: LinkedInConnector) -> None:
    assert connector.limits() == Limits(
        max_characters=3000,
        max_images=20,
        max_image_bytes=8 * 1024 * 1024,
        max_image_pixels=36_152_320,
    )


def test_publish_sends_a_public_post_in_little_text(
    peer: LinkedInPeer, connector: LinkedInConnector
) -> None:
    text = "Working bee (Saturday) — bring gloves! #kaigarden ask @Mere, C# devs welcome"

    published = connector.publish(text, idempotency_key="SM0201-1")

    (request,) = peer.requests_to("POST", POSTS)
    assert request.headers["Authorization"] == f"Bearer {peer.access_token}"
    assert request.headers["Linkedin-Version"] == LINKEDIN_VERSION
    assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert request.headers["Content-Type"] == "application/json"
    assert request.body == {
        "author": peer.author,
        "commentary": (
            r"Working bee \(Saturday\) — bring gloves! #kaigarden ask \@Mere, C\# devs welcome"
        ),
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    (post,) = peer.posts
    assert post["text"] == text
    assert published == Published(
        remote_id=post["urn"], url=f"https://www.linkedin.com/feed/update/{post['urn']}"
    )
    assert published.remote_id.startswith("urn:li:share:")


def test_a_thread_continues_in_comments_on_the_first_post(
    peer: LinkedInPeer, connector: LinkedInConnector
) -> None:
    first = connector.publish("Part one (1/2)", idempotency_key="SM0202-1")
    second = connector.publish(
        "Part two (2/2) #kaigarden", "SM0202-2", Thread(root=first, parent=first)
    )

    assert len(peer.posts) == 1
    (request,) = peer.requests_to("POST", f"/rest/socialActions/{first.remote_id}/comments")
    assert request.raw_path == f"/rest/socialActions/{quote(first.remote_id, safe='')}/comments"
    assert request.body == {
        "actor": peer.author,
        "object": first.remote_id,
        "message": {"text": "Part two (2/2) #kaigarden"},  # comments are plain text
    }
    (comment,) = peer.comments
    assert second == Published(
        remote_id=comment["$URN"],
        url=f"{first.url}?commentUrn={quote(comment['$URN'], safe='')}",
    )


def test_mentions_are_unsupported_and_ask_nothing_of_linkedin(
    peer: LinkedInPeer, connector: LinkedInConnector
) -> None:
    published = connector.publish("Anyone there?", idempotency_key="SM0201-1")
    asked = len(peer.requests)

    with pytest.raises(Unsupported) as refused:
        connector.mentions(None, posts=[published.remote_id])

    assert refused.value.platform == "linkedin"
    assert "personal profile" in refused.value.message
    assert len(peer.requests) == asked  # nothing was sent: there is no API to ask


def test_delete_removes_the_post(peer: LinkedInPeer, connector: LinkedInConnector) -> None:
    published = connector.publish("Oops", idempotency_key="SM0203-1")

    connector.delete(published.remote_id)

    assert peer.posts == []
    (request,) = peer.requests_to("DELETE", f"{POSTS}/{published.remote_id}")
    assert request.raw_path == f"{POSTS}/{quote(published.remote_id, safe='')}"


def test_delete_removes_a_comment_as_its_author(
    peer: LinkedInPeer, connector: LinkedInConnector
) -> None:
    first = connector.publish("Root", idempotency_key="SM0204-1")
    second = connector.publish("Reply", "SM0204-2", Thread(root=first, parent=first))

    connector.delete(second.remote_id)

    assert peer.comments == []
    assert len(peer.posts) == 1
    request = peer.requests[-1]
    assert request.method == "DELETE"
    assert request.query == {"actor": peer.author}


def test_every_request_names_the_api_version(
    peer: LinkedInPeer, connector: LinkedInConnector
) -> None:
    first = connector.publish("One", idempotency_key="SM0205-1")
    second = connector.publish("Two", "SM0205-2", Thread(root=first, parent=first))
    connector.delete(second.remote_id)
    connector.delete(first.remote_id)

    assert len(peer.requests) == 4
    for request in peer.requests:
        assert request.headers["Linkedin-Version"] == LINKEDIN_VERSION
        assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"


def test_a_repeated_post_is_refused_naming_the_earlier_one(
    peer: LinkedInPeer, connector: LinkedInConnector
) -> None:
    first = connector.publish("Once only", idempotency_key="SM0206-1")
    with pytest.raises(DuplicatePost) as caught:
        connector.publish("Once only", idempotency_key="SM0206-1")

    assert caught.value.existing == first
    assert isinstance(caught.value, ContentRejected)
    assert len(peer.posts) == 1
    assert len(peer.requests_to("POST", POSTS)) == 2


def test_deleting_a_post_that_is_gone_is_rejected(connector: LinkedInConnector) -> None:
    with pytest.raises(ContentRejected, match="Not Found"):
        connector.delete("urn:li:share:1")


def test_rate_limiting_is_transient(peer: LinkedInPeer, connector: LinkedInConnector) -> None:
    peer.fail_next(rate_limited())

    with pytest.raises(TransientError, match="throttle") as caught:
        connector.publish("Too fast", idempotency_key="SM0207-1")

    assert caught.value.retry_after is None


def test_rate_limiting_with_retry_after_says_when(
    peer: LinkedInPeer, connector: LinkedInConnector
) -> None:
    peer.fail_next(rate_limited(retry_after=90))

    with pytest.raises(TransientError) as caught:
        connector.publish("Too fast", idempotency_key="SM0208-1")

    assert caught.value.retry_after == 90


@pytest.mark.parametrize("error", [INTERNAL_ERROR, GATEWAY_TIMEOUT], ids=["500", "504-html"])
def test_server_errors_are_transient(
    peer: LinkedInPeer, connector: LinkedInConnector, error: LinkedInError
) -> None:
    peer.fail_next(error, endpoint="create_post")

    with pytest.raises(TransientError):
        connector.publish("Try later", idempotency_key="SM0209-1")
    assert peer.posts == []


def test_a_stopped_api_is_transient(peer: LinkedInPeer, connector: LinkedInConnector) -> None:
    peer.stop()

    with pytest.raises(TransientError, match="no answer"):
        connector.publish("Anyone there?", idempotency_key="SM0210-1")


def test_a_wrong_token_is_an_auth_error(peer: LinkedInPeer, http: requests.Session) -> None:
    connector = LinkedInConnector("expired", peer.author, http, api_base=peer.url)

    with pytest.raises(AuthError, match="Invalid access token"):
        connector.publish("Who am I?", idempotency_key="SM0211-1")


def test_a_revoked_token_while_commenting_is_an_auth_error(
    peer: LinkedInPeer, connector: LinkedInConnector
) -> None:
    first = connector.publish("Root", idempotency_key="SM0212-1")
    peer.fail_next(REVOKED_TOKEN, endpoint="create_comment")

    with pytest.raises(AuthError, match="revoked"):
        connector.publish("Reply", "SM0212-2", Thread(root=first, parent=first))


def test_a_missing_permission_is_an_auth_error(
    peer: LinkedInPeer, connector: LinkedInConnector
) -> None:
    peer.fail_next(ACCESS_DENIED)

    with pytest.raises(AuthError, match="Not enough permissions"):
        connector.publish("Not allowed", idempotency_key="SM0213-1")


def test_posting_as_another_author_is_refused(peer: LinkedInPeer, http: requests.Session) -> None:
    connector = LinkedInConnector(
        peer.access_token, "urn:li:organization:1", http, api_base=peer.url
    )

    with pytest.raises(AuthError):
        connector.publish("Not mine", idempotency_key="SM0214-1")


def test_a_validation_error_is_rejected_content_in_linkedins_words(
    peer: LinkedInPeer, connector: LinkedInConnector
) -> None:
    peer.fail_next(TOO_LONG)

    with pytest.raises(ContentRejected) as caught:
        connector.publish("Long", idempotency_key="SM0215-1")

    assert caught.value.message == (
        "Text exceeds the maximum allowed length; Length of commentary exceeds the maximum of 3000"
    )


def test_text_over_the_limit_is_rejected_by_linkedin(
    peer: LinkedInPeer, connector: LinkedInConnector
) -> None:
    with pytest.raises(ContentRejected, match="maximum allowed length"):
        connector.publish("x" * 3001, idempotency_key="SM0216-1")
    assert peer.posts == []


# --- whoami and member_urn ------------------------------------------------------------------

USERINFO = "/v2/userinfo"


def test_whoami_names_the_member_from_userinfo(
    peer: LinkedInPeer, connector: LinkedInConnector
) -> None:
    assert connector.whoami() == "Mere Tāwhiri"

    (request,) = peer.requests_to("GET", USERINFO)
    assert request.headers["Authorization"] == f"Bearer {peer.access_token}"
    # userinfo is not part of the versioned REST API.
    assert "Linkedin-Version" not in request.headers
    assert peer.posts == []


def test_member_urn_is_the_person_urn_of_userinfos_sub(
    peer: LinkedInPeer, http: requests.Session
) -> None:
    # Not yet linked: the author is not known, only the token.
    connector = LinkedInConnector(peer.access_token, "", http, api_base=peer.url)

    assert connector.member_urn() == "urn:li:person:8675309aB" == peer.author


def test_whoami_with_a_wrong_token_is_an_auth_error(
    peer: LinkedInPeer, http: requests.Session
) -> None:
    connector = LinkedInConnector("expired", peer.author, http, api_base=peer.url)

    with pytest.raises(AuthError, match="Invalid access token"):
        connector.whoami()
    with pytest.raises(AuthError, match="Invalid access token"):
        connector.member_urn()


def test_whoami_without_the_openid_scope_is_an_auth_error(
    peer: LinkedInPeer, connector: LinkedInConnector
) -> None:
    peer.fail_next(NO_OPENID_SCOPE, endpoint="userinfo")

    with pytest.raises(AuthError, match="userinfo"):
        connector.whoami()


def test_whoami_when_linkedin_fails_is_transient(
    peer: LinkedInPeer, connector: LinkedInConnector
) -> None:
    peer.fail_next(INTERNAL_ERROR, endpoint="userinfo")

    with pytest.raises(TransientError):
        connector.whoami()


def test_one_photo_is_a_media_post_and_two_a_multi_image_one(
    peer: LinkedInPeer, connector: LinkedInConnector
) -> None:
    connector.publish("Our poster", "SM0101-1", images=[photo()])
    connector.publish(
        "Both rooms", "SM0102-1", images=[photo(alt="Room 4"), photo(40, 80, "Room 5")]
    )

    first, second = (post["body"]["content"] for post in peer.posts)
    media = first["media"]
    assert media["altText"] == "Our poster"
    assert peer.images[media["id"]]["data"][:2] == b"\xff\xd8"
    assert [i["altText"] for i in second["multiImage"]["images"]] == ["Room 4", "Room 5"]
    assert all(peer.images[i["id"]]["data"] for i in second["multiImage"]["images"])
    starts = peer.requests_to("POST", "/rest/images")
    assert len(starts) == 3 and all(r.query == {"action": "initializeUpload"} for r in starts)


def test_a_retry_with_photos_takes_the_post_linkedin_names_as_a_duplicate(
    peer: LinkedInPeer, connector: LinkedInConnector
) -> None:
    first = connector.publish("Kia ora", "SM0103-1", images=[photo()])

    with pytest.raises(DuplicatePost) as refused:
        connector.publish("Kia ora", "SM0103-1", images=[photo()])

    assert refused.value.existing == first
    assert len(peer.posts) == 1
