"""The yardstick for the webhook: a Flask endpoint that does nothing but answer empty TwiML.

`make bench` serves it with the same gunicorn line as the app (`bare_app:app`),
so the ratio of the two rates is what our webhook's own work costs.
"""

from __future__ import annotations

from flask import Flask, Response

app = Flask(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


@app.post("/sms/inbound")
def inbound() -> Response:
    """Answer as our webhook does, having done none of its work."""
    return Response(EMPTY_TWIML, mimetype="text/xml")
