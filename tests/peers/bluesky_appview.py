"""A small Bluesky AppView for tests: notifications, indexed from the real PDS.

The test PDS (`TestNetworkNoAppView`) has no AppView of its own and passes app.bsky.*
calls on to the one it is configured with, so scripts/bluesky-pds points it here.
This peer answers `app.bsky.notification.listNotifications` as the lexicon documents
(https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/notification/
listNotifications.json), for the account named by the PDS's service-auth token, whose
signature is checked against the DID document the PDS serves for it, and, to anyone,
`app.bsky.feed.searchPosts` (lexicons/app/bsky/feed/searchPosts.json) for words and
#tags, `sort=latest`, `since` (inclusive, on indexedAt), `limit` and `cursor`. Other
methods answer 501 MethodNotImplemented.

It indexes the PDS's posts as an AppView following the firehose sees them: it polls
`com.atproto.sync.listRepos` and lists again the repositories whose rev changed, so a
deleted post's notification goes with it; `indexedAt` is when this peer first saw a
post. Who is notified follows the AppView's own rules (@atproto/bsky's post indexing):
the accounts a post mentions, then the author of a post it quotes, then the authors of
its four nearest ancestors as replies; one notification per account, none to the author.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from atproto_core.did_doc import DidDocument
from atproto_identity.did.atproto_data import ensure_atproto_key
from atproto_server.auth.jwt import verify_jwt
from atproto_server.exceptions import InvalidTokenError, TokenDecodeError, TokenInvalidAudienceError
from werkzeug.wrappers import Request, Response

from tests.peers.server import LocalServer

DID = "did:web:appview.test"
LIST_NOTIFICATIONS = "app.bsky.notification.listNotifications"
SEARCH_POSTS = "app.bsky.feed.searchPosts"
TAG_FEATURE = "app.bsky.richtext.facet#tag"
SEARCH_LIMIT = 25
POST = "app.bsky.feed.post"
DEFAULT_LIMIT = 50
MAX_LIMIT = 100
REPLY_NOTIF_DEPTH = 5  # ancestors nearer than this are notified of a reply
MENTION_FEATURE = "app.bsky.richtext.facet#mention"


@dataclass(frozen=True)
class IndexedPost:
    """A post as this AppView knows it: where it is, who wrote it, when it was seen."""

    uri: str
    cid: str
    author: str  # the author's DID
    record: dict[str, Any]
    indexed_at: str


class BlueskyAppView(LocalServer):
    """An AppView on 127.0.0.1 that serves notifications from the PDS's repositories."""

    name = "bluesky-appview"
    did = DID

    def __init__(self) -> None:
        super().__init__()
        self.pds_url = ""  # set once the PDS is running
        self.requests: list[str] = []  # the XRPC method of every request, in order
        self._http = requests.Session()
        self._posts: dict[str, IndexedPost] = {}  # by at:// URI
        self._revs: dict[str, str] = {}  # the rev of each repository last indexed
        self._handles: dict[str, str] = {}
        self._keys: dict[str, str] = {}  # each account's signing key, as a did:key
        self._last_indexed = datetime.fromtimestamp(0, UTC)
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """The AppView's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop serving and close the connections to the PDS."""
        super().stop()
        self._http.close()

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        """The WSGI app: check the caller, index what is new, answer."""
        request = Request(environ)
        method = request.path.removeprefix("/xrpc/")
        with self._lock:
            self.requests.append(method)
            response = self._answer(method, request)
        return response(environ, start_response)

    def _answer(self, method: str, request: Request) -> Response:
        """Answer one XRPC request; the caller holds the lock."""
        if method == SEARCH_POSTS:
            return self._search(request)
        if method != LIST_NOTIFICATIONS:
            return _error(501, "MethodNotImplemented", "Method Not Implemented")
        try:
            viewer = self._viewer(request)
        except InvalidTokenError as exc:
            return _error(401, "AuthenticationRequired", str(exc) or type(exc).__name__)
        try:
            limit = int(request.args.get("limit") or DEFAULT_LIMIT)
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_LIMIT:
            return _error(400, "InvalidRequest", f"limit must be 1 to {MAX_LIMIT}")
        self._index()
        reasons = set(request.args.getlist("reasons"))
        found = [
            n
            for n in (self._notification(post, viewer) for post in self._posts.values())
            if n is not None and (not reasons or n["reason"] in reasons)
        ]
        found.sort(key=lambda n: n["indexedAt"], reverse=True)
        if request.args.get("cursor"):
            found = [n for n in found if n["indexedAt"] < request.args["cursor"]]
        page = found[:limit]
        body: dict[str, Any] = {"notifications": page}
        if page:
            body["cursor"] = page[-1]["indexedAt"]
        return _json(body)

    def _search(self, request: Request) -> Response:
        """Posts with every word and #tag of `q`, newest first, as searchPosts answers."""
        words = request.args.get("q", "").lower().split()
        if not words:
            return _error(400, "InvalidRequest", 'Params must have the property "q"')
        try:
            limit = int(request.args.get("limit") or SEARCH_LIMIT)
            start = int(request.args.get("cursor") or 0)
        except ValueError:
            return _error(400, "InvalidRequest", "limit and cursor must be numbers")
        if not 1 <= limit <= MAX_LIMIT:
            return _error(400, "InvalidRequest", f"limit must be 1 to {MAX_LIMIT}")
        self._index()
        since = request.args.get("since", "")
        found = [
            post
            for post in self._posts.values()
            if _has_words(post.record, words) and post.indexed_at >= since
        ]
        found.sort(key=lambda post: post.indexed_at, reverse=True)
        page = found[start : start + limit]
        body: dict[str, Any] = {"posts": [self._post_view(post) for post in page]}
        if start + limit < len(found):
            body["cursor"] = str(start + limit)
        return _json(body)

    def _post_view(self, post: IndexedPost) -> dict[str, Any]:
        """A post as app.bsky.feed.defs#postView has it."""
        return {
            "uri": post.uri,
            "cid": post.cid,
            "author": {
                "did": post.author,
                "handle": self._handles.get(post.author, "handle.invalid"),
                "labels": [],
            },
            "record": post.record,
            "indexedAt": post.indexed_at,
            "labels": [],
        }

    def _viewer(self, request: Request) -> str:
        """Return the DID the PDS's service-auth token speaks for, once it checks out."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise TokenDecodeError("no service-auth token")
        payload = verify_jwt(token, self._signing_key, own_did=self.did)
        lxm = getattr(payload, "lxm", None)
        if lxm not in (None, LIST_NOTIFICATIONS):
            raise TokenInvalidAudienceError(f"the token is for {lxm}")
        return str(payload.iss)

    def _signing_key(self, did: str, fresh: bool) -> str:
        """Return an account's signing key from the DID document the PDS serves for it."""
        if fresh or did not in self._keys:
            self._describe(did)
        return self._keys[did]

    def _describe(self, did: str) -> None:
        """Learn an account's handle and signing key from com.atproto.repo.describeRepo."""
        described = self._get("com.atproto.repo.describeRepo", repo=did)
        self._handles[did] = str(described["handle"])
        self._keys[did] = ensure_atproto_key(DidDocument.from_dict(described["didDoc"]))

    def _index(self) -> None:
        """Index every repository whose rev changed since the last look."""
        new: list[dict[str, Any]] = []
        for repo in self._pages("com.atproto.sync.listRepos", "repos"):
            did = str(repo["did"])
            if self._revs.get(did) == repo["rev"]:
                continue
            self._revs[did] = str(repo["rev"])
            self._describe(did)  # the handle may have changed with it
            listed = {
                r["uri"]: r
                for r in self._pages(
                    "com.atproto.repo.listRecords", "records", repo=did, collection=POST
                )
            }
            for uri in [u for u, p in self._posts.items() if p.author == did and u not in listed]:
                del self._posts[uri]  # deleted from the repository
            new.extend(r for uri, r in listed.items() if uri not in self._posts)
        # Seen in one look, they are indexed in the order their authors wrote them.
        new.sort(key=lambda r: (str(r["value"].get("createdAt", "")), r["uri"]))
        for record in new:
            self._last_indexed = max(
                datetime.now(UTC), self._last_indexed + timedelta(milliseconds=1)
            )
            self._posts[record["uri"]] = IndexedPost(
                uri=record["uri"],
                cid=record["cid"],
                author=record["uri"].removeprefix("at://").split("/")[0],
                record=record["value"],
                indexed_at=_iso(self._last_indexed),
            )

    def _notification(self, post: IndexedPost, viewer: str) -> dict[str, Any] | None:
        """Return the viewer's notification about a post, if the post gives one."""
        if post.author == viewer:
            return None
        why = self._reason(post, viewer)
        if why is None:
            return None
        reason, subject = why
        notification: dict[str, Any] = {
            "uri": post.uri,
            "cid": post.cid,
            "author": {
                "did": post.author,
                "handle": self._handles.get(post.author, "handle.invalid"),
                "labels": [],
            },
            "reason": reason,
            "record": post.record,
            "isRead": False,
            "indexedAt": post.indexed_at,
            "labels": [],
        }
        if subject:
            notification["reasonSubject"] = subject
        return notification

    def _reason(self, post: IndexedPost, viewer: str) -> tuple[str, str | None] | None:
        """Why a post notifies the viewer, and about which of their posts: the first that fits."""
        record = post.record
        for facet in record.get("facets") or []:
            for feature in facet.get("features") or []:
                if feature.get("$type") == MENTION_FEATURE and feature.get("did") == viewer:
                    return "mention", None
        quoted = _quoted_uri(record.get("embed") or {})
        if quoted and _did_of(quoted) == viewer and f"/{POST}/" in quoted:
            return "quote", quoted
        parent = ((record.get("reply") or {}).get("parent") or {}).get("uri")
        for _height in range(1, REPLY_NOTIF_DEPTH):
            if not parent:
                break
            if _did_of(parent) == viewer:
                return "reply", str(parent)
            ancestor = self._posts.get(parent)
            parent = (
                ((ancestor.record.get("reply") or {}).get("parent") or {}).get("uri")
                if ancestor
                else None
            )
        return None

    def _pages(self, method: str, key: str, **params: str) -> list[dict[str, Any]]:
        """Every item of a paged listing from the PDS."""
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            body = self._get(
                method, limit="100", **params, **({"cursor": cursor} if cursor else {})
            )
            items.extend(body.get(key) or [])
            cursor = body.get("cursor")
            if not cursor or not body.get(key):
                return items

    def _get(self, method: str, **params: str) -> dict[str, Any]:
        """Ask the PDS an XRPC query; fail loudly when it will not answer."""
        response = self._http.get(f"{self.pds_url}/xrpc/{method}", params=params, timeout=20)
        response.raise_for_status()
        return dict(response.json())


def _has_words(record: dict[str, Any], words: list[str]) -> bool:
    """Whether a post has every word (in its text) and every #tag (in its text or facets)."""
    text = str(record.get("text") or "").lower()
    tags = {
        str(feature.get("tag", "")).lower()
        for facet in record.get("facets") or []
        for feature in facet.get("features") or []
        if feature.get("$type") == TAG_FEATURE
    }
    tags |= {tag.lower() for tag in re.findall(r"#(\w+)", text)}
    return all(word[1:] in tags if word.startswith("#") else word in text.split() for word in words)


def _quoted_uri(embed: dict[str, Any]) -> str | None:
    """The post a record or record-with-media embed quotes, if any."""
    kind = embed.get("$type")
    if kind == "app.bsky.embed.record":
        return (embed.get("record") or {}).get("uri")
    if kind == "app.bsky.embed.recordWithMedia":
        return ((embed.get("record") or {}).get("record") or {}).get("uri")
    return None


def _did_of(uri: str) -> str:
    """The repository (DID) an at:// URI is in."""
    return uri.removeprefix("at://").split("/")[0]


def _iso(moment: datetime) -> str:
    """A time as the AppView writes it: milliseconds, Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _error(status: int, error: str, message: str) -> Response:
    """An XRPC error body."""
    return _json({"error": error, "message": message}, status)


def _json(body: dict[str, Any], status: int = 200) -> Response:
    """A JSON response."""
    return Response(json.dumps(body), status=status, content_type="application/json")
