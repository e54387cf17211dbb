"""An OAuth 2.0 authorization server for the peers whose platform registers apps by hand.

Facebook Login and LinkedIn's 3-legged OAuth follow RFC 6749's authorization code
grant: a consent page on GET `authorize` (here with Allow and Cancel buttons that
post back), a redirect to the registered `redirect_uri` with `code` and `state` (or
the platform's own error parameters when the person cancels), and a token endpoint
taking `grant_type=authorization_code`, `code`, `redirect_uri`, `client_id` and
`client_secret` as a form (or, for Facebook, in the query string). A code works
once; a wrong code, redirect or secret is 400 with the platform's error body.
"""

from __future__ import annotations

import html
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response


@dataclass
class OAuthProvider:
    """One registered app's consent page and token endpoint."""

    client_id: str
    client_secret: str
    redirect_uri: str
    token: Callable[[list[str]], dict[str, Any]]  # the token answer for the granted scopes
    denied: dict[str, str]  # what the platform adds to the redirect when the person cancels
    bad_request: Callable[[str], dict[str, Any]]  # the platform's error body
    codes: dict[str, list[str]] = field(default_factory=dict)  # code → scopes
    exchanges: list[dict[str, str]] = field(default_factory=list)
    scope_separator: str = " "

    def consent_page(self, request: Request) -> Response:
        """The page that asks the person to allow the app."""
        problem = self._problem(request.args)
        if problem:
            return html_page(400, f"<h1>Something went wrong</h1><p>{html.escape(problem)}</p>")
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in request.args.items()
        )
        return html_page(
            200,
            "<h1>Allow access?</h1><p>The app would like to post for you "
            f"({html.escape(request.args.get('scope', ''))}).</p>"
            f'<form method="post">{hidden}<button name="decision" value="allow">Allow</button>'
            '<button name="decision" value="cancel">Cancel</button></form>',
        )

    def decide(self, request: Request) -> Response:
        """Redirect back with a code, or with the platform's cancellation."""
        problem = self._problem(request.form)
        if problem:
            return html_page(400, f"<h1>Something went wrong</h1><p>{html.escape(problem)}</p>")
        state = {"state": request.form["state"]} if request.form.get("state") else {}
        if request.form.get("decision") != "allow":
            answer = {**self.denied, **state}
        else:
            code = secrets.token_urlsafe(24)
            self.codes[code] = request.form.get("scope", "").split(self.scope_separator)
            answer = {"code": code, **state}
        return Response(
            status=302, headers={"Location": f"{self.redirect_uri}?{urlencode(answer)}"}
        )

    def exchange(self, params: dict[str, str]) -> Response:
        """The token endpoint, for an authorization code."""
        self.exchanges.append(params)
        if (
            params.get("client_id") != self.client_id
            or params.get("client_secret") != self.client_secret
        ):
            return json_response(400, self.bad_request("the client id or secret is wrong"))
        scopes = self.codes.pop(params.get("code", ""), None)
        if scopes is None or params.get("redirect_uri") != self.redirect_uri:
            return json_response(400, self.bad_request("the authorization code is wrong or spent"))
        return json_response(200, self.token(scopes))

    def _problem(self, params: Any) -> str:
        """Why an authorization request is refused on the page, or ''."""
        if params.get("client_id") != self.client_id:
            return "Invalid app ID."
        if params.get("redirect_uri") != self.redirect_uri:
            return "The redirect_uri does not match the registered value."
        if params.get("response_type", "code") != "code":
            return "Unsupported response type."
        return ""


def json_response(status: int, payload: Any) -> Response:
    """A JSON answer."""
    return Response(json.dumps(payload), status=status, content_type="application/json")


def html_page(status: int, body: str) -> Response:
    """A bare HTML page, as an authorization server's pages are to a test."""
    return Response(
        f"<!doctype html><html><body>{body}</body></html>",
        status=status,
        content_type="text/html; charset=utf-8",
    )
