"""Security headers: a CSP on every HTML page, and the usual hardening on every answer."""

from __future__ import annotations

from flask import Response, request

# Pages load only this site's own styles and scripts, and no site may frame them.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)

RQ_DASHBOARD = "rq_dashboard"
RQ_DASHBOARD_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def add_security_headers(response: Response) -> Response:
    """Give every HTML page a CSP, and every answer the usual hardening headers."""
    if response.mimetype == "text/html":
        # rq-dashboard's pages are built of inline scripts: allowed there, nowhere else.
        policy = (
            RQ_DASHBOARD_POLICY if request.blueprint == RQ_DASHBOARD else CONTENT_SECURITY_POLICY
        )
        response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
