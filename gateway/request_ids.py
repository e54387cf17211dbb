"""Each request's id, for its logs and the jobs it causes: the proxy's X-Request-Id, or new."""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response, request

from config.logs import MESSAGE_SID, REQUEST_ID

# nginx's $request_id is 32 hex digits; anything else a client sends is replaced.
ACCEPTED = re.compile(r"[A-Za-z0-9-]{8,64}")
HEADER = "X-Request-Id"


def install(app: Flask) -> None:
    """Give every request an id (in its logs and its answer's X-Request-Id header)."""

    @app.before_request
    def take_request_id() -> None:
        given = request.headers.get(HEADER, "")
        REQUEST_ID.set(given if ACCEPTED.fullmatch(given) else uuid.uuid4().hex)
        MESSAGE_SID.set("")  # a thread serves many requests: none inherits the last one's text

    @app.after_request
    def tell_request_id(response: Response) -> Response:
        response.headers[HEADER] = REQUEST_ID.get()
        return response
