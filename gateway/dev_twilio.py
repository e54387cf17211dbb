"""/dev/twilio: Twilio's Media resources, for MMS simulated without a Twilio account.

In development with no TWILIO_ACCOUNT_SID, TWILIO_API_URL points here, so the
worker fetches and deletes a simulated MMS's photos exactly as it does Twilio's:
a GET of the MediaUrl with the account SID and auth token (HTTP Basic), a DELETE
of its `.json`. `smsbridge simulate --media FILE` keeps the file under var/ with
`keep_media`. Never registered in production.
"""

from __future__ import annotations

import hmac
import re
import secrets
from pathlib import Path

from flask import Blueprint, Response, abort, request

from config import Settings, private_dir
from gateway.services import services

bp = Blueprint("dev_twilio", __name__, url_prefix="/dev/twilio")

API_VERSION = "2010-04-01"
SID = re.compile(r"(MM|ME)[0-9a-f]{32}")


def media_dir(settings: Settings) -> Path:
    """Where simulated attachments wait to be fetched."""
    return private_dir(settings.var_dir / "dev-media")


def keep_media(settings: Settings, message_sid: str, data: bytes, content_type: str) -> str:
    """Keep a file as a Media resource of the message; return its MediaUrl."""
    media_sid = "ME" + secrets.token_hex(16)
    folder = private_dir(media_dir(settings) / message_sid)
    (folder / media_sid).write_bytes(data)
    (folder / f"{media_sid}.type").write_text(content_type)
    return (
        f"{settings.twilio_api_url}/{API_VERSION}/Accounts/{settings.webhook_account_sid}"
        f"/Messages/{message_sid}/Media/{media_sid}"
    )


def kept_file(account_sid: str, message_sid: str, media_sid: str) -> Path:
    """The file of a Media resource, or 401/404 as Twilio answers."""
    settings = services().settings
    auth = request.authorization
    given = (auth.username or "", auth.password or "") if auth and auth.type == "basic" else None
    expected = (settings.webhook_account_sid, settings.twilio_auth_token)
    if given is None or not all(
        hmac.compare_digest(a, b) for a, b in zip(given, expected, strict=True)
    ):
        abort(401)
    if account_sid != settings.webhook_account_sid or not (
        SID.fullmatch(message_sid) and SID.fullmatch(media_sid)
    ):
        abort(404)
    path = media_dir(settings) / message_sid / media_sid
    if not path.is_file():
        abort(404)
    return path


@bp.get(f"/{API_VERSION}/Accounts/<account_sid>/Messages/<message_sid>/Media/<media_sid>")
def media(account_sid: str, message_sid: str, media_sid: str) -> Response:
    """The attachment itself."""
    path = kept_file(account_sid, message_sid, media_sid)
    content_type = path.with_name(f"{media_sid}.type").read_text()
    return Response(path.read_bytes(), mimetype=content_type)


@bp.delete(f"/{API_VERSION}/Accounts/<account_sid>/Messages/<message_sid>/Media/<media_sid>.json")
def delete(account_sid: str, message_sid: str, media_sid: str) -> Response:
    """Delete the attachment, as Twilio does: 204."""
    path = kept_file(account_sid, message_sid, media_sid)
    path.with_name(f"{media_sid}.type").unlink(missing_ok=True)
    path.unlink()
    return Response(status=204)
