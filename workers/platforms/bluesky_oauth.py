"""The AT Protocol's OAuth client side: discovery, PAR with PKCE, DPoP-bound tokens, refresh.

As https://atproto.com/specs/oauth describes it. Shared by the console's linking
page (which starts and finishes the flow) and the Bluesky connector (which signs
every call with the account's DPoP key and refreshes its tokens). JWTs and keys
come from joserfc; the HTTP is plain requests/httpx.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import requests
from atproto_core.did_doc import DidDocument, is_valid_did_doc
from joserfc import jwt
from joserfc.jwk import ECKey

SCOPE = "atproto transition:generic"  # the scope for posting with the old lexicon permissions
ALGORITHM = "ES256"
TIMEOUT_SECONDS = 10
NONCE_HEADER = "DPoP-Nonce"
USE_NONCE = "use_dpop_nonce"


class OAuthProblem(Exception):
    """A step of the flow failed; the message says why, `transient` whether a retry may help."""

    def __init__(self, words: str, transient: bool = False, error: str = "") -> None:
        super().__init__(words)
        self.transient = transient
        self.error = error  # the OAuth error code, where the server gave one


@dataclass(frozen=True)
class AuthServer:
    """An authorization server's endpoints, from its metadata."""

    issuer: str
    authorization_endpoint: str
    par_endpoint: str
    token_endpoint: str


@dataclass(frozen=True)
class Tokens:
    """What a token endpoint granted: DPoP-bound tokens for one account (its DID)."""

    access_token: str
    refresh_token: str
    expires_at: float | None
    sub: str


def new_dpop_key() -> dict[str, Any]:
    """A fresh P-256 key pair, as a private JWK: one per account, kept with its tokens."""
    return dict(ECKey.generate_key("P-256", private=True).as_dict(private=True))


def dpop_proof(
    key: dict[str, Any], method: str, url: str, nonce: str = "", access_token: str = ""
) -> str:
    """A DPoP proof JWT for one request (RFC 9449), with the server's nonce and token hash."""
    signing_key = ECKey.import_key(key)
    parts = urlsplit(url)
    claims: dict[str, Any] = {
        "jti": secrets.token_urlsafe(16),
        "htm": method.upper(),
        "htu": urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
        "iat": int(time.time()),
    }
    if nonce:
        claims["nonce"] = nonce
    if access_token:
        claims["ath"] = _b64(hashlib.sha256(access_token.encode()).digest())
    header = {"typ": "dpop+jwt", "alg": ALGORITHM, "jwk": signing_key.as_dict(private=False)}
    return jwt.encode(header, claims, signing_key, algorithms=[ALGORITHM])


def code_challenge(verifier: str) -> str:
    """PKCE's S256 challenge of a verifier."""
    return _b64(hashlib.sha256(verifier.encode()).digest())


def discover(http: requests.Session, server: str) -> AuthServer:
    """Find the authorization server of a PDS (or of an entryway such as bsky.social)."""
    resource = _get_json(http, f"{server}/.well-known/oauth-protected-resource", missing_ok=True)
    issuer = server
    if resource is not None:
        servers = resource.get("authorization_servers") or []
        if not servers:
            raise OAuthProblem(f"{server} names no sign-in server")
        issuer = str(servers[0]).rstrip("/")
    metadata = _get_json(http, f"{issuer}/.well-known/oauth-authorization-server")
    if metadata is None or str(metadata.get("issuer", "")).rstrip("/") != issuer:
        raise OAuthProblem(f"{server} is not a Bluesky server that takes OAuth sign-in")
    needs = {
        "pushed_authorization_request_endpoint": metadata.get(
            "pushed_authorization_request_endpoint"
        ),
        "DPoP": ALGORITHM in (metadata.get("dpop_signing_alg_values_supported") or []),
        "atproto scope": "atproto" in (metadata.get("scopes_supported") or []),
    }
    missing = [name for name, present in needs.items() if not present]
    if missing:
        raise OAuthProblem(f"{server}'s sign-in lacks what Bluesky's OAuth needs: {missing}")
    return AuthServer(
        issuer=str(metadata["issuer"]),
        authorization_endpoint=str(metadata["authorization_endpoint"]),
        par_endpoint=str(metadata["pushed_authorization_request_endpoint"]),
        token_endpoint=str(metadata["token_endpoint"]),
    )


def push_authorization(
    http: requests.Session,
    server: AuthServer,
    client_id: str,
    redirect_uri: str,
    state: str,
    verifier: str,
    dpop_key: dict[str, Any],
    login_hint: str = "",
) -> str:
    """Send the request by PAR (RFC 9126); return the browser's way to the consent page."""
    form = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "scope": SCOPE,
        "state": state,
        "code_challenge": code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    if login_hint:
        form["login_hint"] = login_hint
    pushed = _post_with_nonce(http, server.par_endpoint, form, dpop_key)
    query = urlencode({"client_id": client_id, "request_uri": pushed["request_uri"]})
    return f"{server.authorization_endpoint}?{query}"


def exchange_code(
    http: requests.Session,
    server: AuthServer,
    client_id: str,
    redirect_uri: str,
    code: str,
    verifier: str,
    dpop_key: dict[str, Any],
) -> Tokens:
    """Trade the authorization code (and the PKCE verifier) for DPoP-bound tokens."""
    form = {
        "client_id": client_id,
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
    }
    return _tokens(_post_with_nonce(http, server.token_endpoint, form, dpop_key))


def refresh(
    http: requests.Session,
    token_endpoint: str,
    client_id: str,
    refresh_token: str,
    dpop_key: dict[str, Any],
) -> Tokens:
    """Trade the refresh token for new tokens; the old refresh token is spent by this."""
    form = {"client_id": client_id, "grant_type": "refresh_token", "refresh_token": refresh_token}
    return _tokens(_post_with_nonce(http, token_endpoint, form, dpop_key))


def verify_identity(http: requests.Session, sub: str, issuer: str, plc_url: str) -> str:
    """Check that the account's own PDS trusts this issuer; return the PDS's URL.

    A sign-in server could name any DID as `sub`: the account's DID document says
    which PDS holds it, and that PDS names the server allowed to sign it in.
    """
    pds = (did_document(http, sub, plc_url).get_pds_endpoint() or "").rstrip("/")
    if not pds:
        raise OAuthProblem(f"the account {sub} names no Bluesky server")
    if discover(http, pds).issuer != issuer:
        raise OAuthProblem(f"the sign-in server is not the one {sub}'s own server trusts")
    return pds


def did_document(http: requests.Session, did: str, plc_url: str) -> DidDocument:
    """Read an account's DID document: from the PLC directory, or its own host for did:web."""
    if did.startswith("did:plc:"):
        url = f"{plc_url}/{did}"
    elif did.startswith("did:web:"):
        url = f"https://{did.removeprefix('did:web:')}/.well-known/did.json"
    else:
        raise OAuthProblem(f"the account {did} is not a did:plc or did:web")
    document = _get_json(http, url)
    if not is_valid_did_doc(document):
        raise OAuthProblem(f"the account {did} has no DID document we can read")
    found = DidDocument.from_dict(document)
    if found.get_did() != did:
        raise OAuthProblem(f"the DID document found is not {did}'s")
    return found


class DPoPAuth(httpx.Auth):
    """Signs each call to the PDS with a DPoP proof for the access token, again on a nonce."""

    def __init__(self, key: dict[str, Any], access_token: Callable[[], str]) -> None:
        self._key = key
        self._access_token = access_token  # read per call: a refresh may have replaced it
        self._nonce = ""

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Sign the request; sign it again with the nonce the PDS asks for, if it asks."""
        self._sign(request)
        response = yield request
        self._nonce = response.headers.get(NONCE_HEADER, self._nonce)
        if response.status_code == 401 and USE_NONCE in response.headers.get(
            "WWW-Authenticate", ""
        ):
            self._sign(request)
            yield request

    def _sign(self, request: httpx.Request) -> None:
        """Set the Authorization and DPoP headers for this request."""
        token = self._access_token()
        request.headers["Authorization"] = f"DPoP {token}"
        request.headers["DPoP"] = dpop_proof(
            self._key, request.method, str(request.url), self._nonce, token
        )


def _post_with_nonce(
    http: requests.Session, url: str, form: dict[str, str], dpop_key: dict[str, Any]
) -> dict[str, Any]:
    """POST to an authorization server with a DPoP proof, again with its nonce if it wants one."""
    nonce = ""
    for _ in range(2):
        headers = {"DPoP": dpop_proof(dpop_key, "POST", url, nonce)}
        try:
            response = http.post(url, data=form, headers=headers, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            raise OAuthProblem(f"could not reach {_host(url)}", transient=True) from exc
        body = _json(response)
        if response.status_code == 400 and body.get("error") == USE_NONCE and not nonce:
            nonce = response.headers.get(NONCE_HEADER, "")
            if nonce:
                continue
        if response.ok:
            return body
        error = str(body.get("error") or "")
        words = str(body.get("error_description") or error or f"HTTP {response.status_code}")
        transient = response.status_code == 429 or response.status_code >= 500
        raise OAuthProblem(f"{_host(url)} said: {words}", transient, error)
    raise OAuthProblem(f"{_host(url)} kept asking for a new DPoP nonce", transient=True)


def _tokens(body: dict[str, Any]) -> Tokens:
    """Read a token response; refuse one that is not for the atproto scope or not DPoP-bound."""
    if "atproto" not in str(body.get("scope", "")).split():
        raise OAuthProblem("the token is not for the atproto scope")
    if str(body.get("token_type", "")).lower() != "dpop":
        raise OAuthProblem("the token is not bound to our DPoP key")
    if not body.get("sub") or not body.get("refresh_token"):
        raise OAuthProblem("the token response names no account or gives no refresh token")
    expires_in = body.get("expires_in")
    return Tokens(
        access_token=str(body["access_token"]),
        refresh_token=str(body["refresh_token"]),
        expires_at=time.time() + float(expires_in) if expires_in else None,
        sub=str(body["sub"]),
    )


def _get_json(http: requests.Session, url: str, missing_ok: bool = False) -> dict[str, Any] | None:
    """GET a metadata document; None when it is not there and that is allowed."""
    try:
        response = http.get(url, timeout=TIMEOUT_SECONDS, allow_redirects=False)
    except requests.RequestException as exc:
        raise OAuthProblem(f"could not reach {_host(url)}", transient=True) from exc
    if response.status_code == 404 and missing_ok:
        return None
    if response.status_code != 200:
        raise OAuthProblem(f"{_host(url)} answered HTTP {response.status_code} for its metadata")
    found = _json(response)
    if not found:
        raise OAuthProblem(f"{_host(url)} gave no metadata we can read")
    return found


def _json(response: requests.Response) -> dict[str, Any]:
    """A response's JSON object, or an empty one when it has none."""
    try:
        found = response.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _host(url: str) -> str:
    """The scheme and host of a URL, for messages."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _b64(data: bytes) -> str:
    """Base64url without padding, as JOSE writes it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
