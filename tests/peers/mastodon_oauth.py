"""The OAuth side of the Mastodon peer: app registration, consent, and the token exchange.

As Mastodon 4.3+ documents it (https://docs.joinmastodon.org/methods/apps/,
https://docs.joinmastodon.org/methods/oauth/, /spec/oauth/):

- `GET /.well-known/oauth-authorization-server` — RFC 8414 metadata: the endpoints,
  `scopes_supported`, `grant_types_supported`, `code_challenge_methods_supported`.
- `POST /api/v1/apps` — registers a client: `client_name`, `redirect_uris`, `scopes`,
  `website`; answers the Application with `client_id` and `client_secret`; 422 when
  a scope is unknown or a field missing.
- `GET /oauth/authorize` — the consent page (HTML) for `client_id`, `redirect_uri`,
  `scope`, `state`, `response_type=code`; its Authorize and Deny buttons post back
  and redirect to `redirect_uri` with `code` and `state`, or with
  `error=access_denied`. A redirect_uri or scope the app did not register is refused
  on the page, as Doorkeeper does, with no redirect.
- `POST /oauth/token` — `grant_type=authorization_code` with `code`, `client_id`,
  `client_secret`, `redirect_uri`: a Bearer token with the granted `scope`. A code
  works once; a wrong one is 400 `invalid_grant`, a wrong client 401 `invalid_client`.
"""

from __future__ import annotations

import html
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from tests.peers.oauth_provider import html_page, json_response

SCOPES_SUPPORTED = [
    "read", "write", "push", "follow", "profile", "read:accounts", "read:notifications",
    "read:statuses", "write:statuses", "write:media", "write:accounts",
]  # fmt: skip


@dataclass
class App:
    """A registered client."""

    name: str
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    scopes: list[str]


@dataclass
class Grant:
    """A code handed out by the consent page, waiting for its exchange."""

    client_id: str
    redirect_uri: str
    scopes: list[str]


@dataclass
class OAuthServer:
    """The instance's OAuth provider: what it registered, granted and issued."""

    base_url: str
    apps: list[App] = field(default_factory=list)
    grants: dict[str, Grant] = field(default_factory=dict)
    issued: dict[str, list[str]] = field(default_factory=dict)  # token → scopes

    def metadata(self) -> Response:
        """RFC 8414 metadata, as Mastodon serves it."""
        return json_response(
            200,
            {
                "issuer": f"{self.base_url}/",
                "authorization_endpoint": f"{self.base_url}/oauth/authorize",
                "token_endpoint": f"{self.base_url}/oauth/token",
                "revocation_endpoint": f"{self.base_url}/oauth/revoke",
                "scopes_supported": SCOPES_SUPPORTED,
                "response_types_supported": ["code"],
                "response_modes_supported": ["query", "fragment", "form_post"],
                "code_challenge_methods_supported": ["S256"],
                "grant_types_supported": ["authorization_code", "client_credentials"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "app_registration_endpoint": f"{self.base_url}/api/v1/apps",
            },
        )

    def register(self, form: dict[str, Any]) -> Response:
        """POST /api/v1/apps."""
        name = str(form.get("client_name") or "")
        uris = form.get("redirect_uris") or ""
        redirect_uris = uris if isinstance(uris, list) else str(uris).split()
        scopes = str(form.get("scopes") or "read").split()
        if not name or not redirect_uris:
            return json_response(422, {"error": "Validation failed: Name can't be blank"})
        unknown = [scope for scope in scopes if scope not in SCOPES_SUPPORTED]
        if unknown:
            return json_response(
                422, {"error": f"Validation failed: Scopes are invalid ({unknown[0]})"}
            )
        app = App(name, secrets.token_urlsafe(32), secrets.token_urlsafe(32), redirect_uris, scopes)
        self.apps.append(app)
        return json_response(
            200,
            {
                "id": str(len(self.apps)),
                "name": name,
                "website": form.get("website"),
                "scopes": scopes,
                "redirect_uri": "\n".join(redirect_uris),
                "redirect_uris": redirect_uris,
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "client_secret_expires_at": 0,
            },
        )

    def consent_page(self, request: Request) -> Response:
        """GET /oauth/authorize: what the app asks for, with Authorize and Deny."""
        app, problem = self._check_request(request.args)
        if app is None:
            return html_page(400, f"<h1>An error has occurred</h1><p>{html.escape(problem)}</p>")
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in request.args.items()
        )
        scopes = html.escape(request.args.get("scope", ""))
        return html_page(
            200,
            f"<h1>Authorization required</h1><p>{html.escape(app.name)} would like "
            f"permission to access your account ({scopes}).</p>"
            f'<form method="post">{hidden}<button name="decision" value="allow">Authorize'
            f'</button><button name="decision" value="deny">Deny</button></form>',
        )

    def decide(self, request: Request) -> Response:
        """POST /oauth/authorize: redirect back with a code, or with access_denied."""
        app, problem = self._check_request(request.form)
        if app is None:
            return html_page(400, f"<h1>An error has occurred</h1><p>{html.escape(problem)}</p>")
        redirect_uri = request.form["redirect_uri"]
        state = {"state": request.form["state"]} if request.form.get("state") else {}
        if request.form.get("decision") != "allow":
            answer = {
                "error": "access_denied",
                "error_description": "The resource owner or authorization server denied "
                "the request.",
                **state,
            }
        else:
            code = secrets.token_urlsafe(32)
            scopes = request.form.get("scope", "read").split()
            self.grants[code] = Grant(app.client_id, redirect_uri, scopes)
            answer = {"code": code, **state}
        return Response(status=302, headers={"Location": f"{redirect_uri}?{urlencode(answer)}"})

    def exchange(self, form: dict[str, Any]) -> Response:
        """POST /oauth/token for an authorization code."""
        app = next((a for a in self.apps if a.client_id == form.get("client_id")), None)
        if app is None or app.client_secret != form.get("client_secret"):
            return json_response(401, {"error": "invalid_client", "error_description": _BAD_CLIENT})
        if form.get("grant_type") != "authorization_code":
            return json_response(400, {"error": "unsupported_grant_type"})
        grant = self.grants.pop(str(form.get("code")), None)
        if grant is None or grant.client_id != app.client_id:
            return json_response(400, {"error": "invalid_grant", "error_description": _BAD_GRANT})
        if grant.redirect_uri != form.get("redirect_uri"):
            return json_response(400, {"error": "invalid_grant", "error_description": _BAD_GRANT})
        token = secrets.token_urlsafe(32)
        self.issued[token] = grant.scopes
        return json_response(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "scope": " ".join(grant.scopes),
                "created_at": int(time.time()),
            },
        )

    def _check_request(self, params: Any) -> tuple[App | None, str]:
        """The app an authorization request names, or why it is refused."""
        app = next((a for a in self.apps if a.client_id == params.get("client_id")), None)
        if app is None:
            return None, "Client authentication failed due to unknown client."
        if params.get("redirect_uri") not in app.redirect_uris:
            return None, "The redirect uri included is not valid."
        if not set(params.get("scope", "read").split()) <= set(app.scopes):
            return None, "The requested scope is invalid, unknown, or malformed."
        if params.get("response_type") != "code":
            return None, "The authorization server does not support this response type."
        return app, ""


_BAD_CLIENT = "Client authentication failed due to unknown client, no client authentication "
_BAD_CLIENT += "included, or unsupported authentication method."
_BAD_GRANT = "The provided authorization grant is invalid, expired, revoked, does not match "
_BAD_GRANT += "the redirection URI used in the authorization request, or was issued to another "
_BAD_GRANT += "client."
