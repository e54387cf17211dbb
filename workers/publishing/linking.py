"""Link an account: turn command-line options into credentials and check them with the platform."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workers.platforms import ConnectorContext, LinkedAccount, build_connector, display_name
from workers.platforms.errors import PlatformError
from workers.platforms.linkedin import DEFAULT_API_BASE as LINKEDIN_API_BASE
from workers.platforms.linkedin import LinkedInConnector


class LinkError(ValueError):
    """The account cannot be linked; the message says what to do, in one line."""


# Each platform's options: the ones it needs, and the ones it may take.
# X takes either an OAuth 2.0 set or an OAuth 1.0a set.
X_OAUTH2 = ("client_id", "access_token", "refresh_token")
X_OAUTH1 = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")


@dataclass(frozen=True)
class Linked:
    """What is stored for a checked account."""

    handle: str
    credentials: dict[str, Any]


def credentials_from_options(platform: str, options: dict[str, str | None]) -> dict[str, Any]:
    """Return the credentials a platform's connector reads, or name what is missing."""
    given = {name: value for name, value in options.items() if value}

    def need(*names: str) -> None:
        missing = [name for name in names if name not in given]
        if missing:
            flags = " ".join(f"--{name.replace('_', '-')}" for name in missing)
            raise LinkError(f"--platform {platform} needs {flags}")

    if platform == "local":
        need("handle")
        return {}
    if platform == "mastodon":
        need("instance", "token")
        return {"instance": given["instance"].rstrip("/"), "access_token": given["token"]}
    if platform == "bluesky":
        need("handle", "app_password")
        return {
            "service": given.get("service", "https://bsky.social").rstrip("/"),
            "identifier": given["handle"].lstrip("@"),
            "app_password": given["app_password"],
        }
    if platform == "x":
        names = X_OAUTH1 if "consumer_key" in given else X_OAUTH2
        need(*names)
        extra = ("client_secret",) if names == X_OAUTH2 else ()
        return {name: given[name] for name in (*names, *extra) if name in given}
    if platform == "facebook":
        need("page_id", "token")
        return {"page_id": given["page_id"], "access_token": given["token"]}
    if platform == "linkedin":
        need("token")
        author = {"author": given["author"]} if "author" in given else {}
        return {"access_token": given["token"], **author}
    raise LinkError(f"no platform is called {platform!r}")


def check_account(
    platform: str, handle: str, credentials: dict[str, Any], context: ConnectorContext
) -> Linked:
    """Ask the platform who these credentials belong to; keep what the check stored."""
    kept = dict(credentials)
    if platform == "linkedin" and "author" not in kept:
        kept["author"] = linkedin_member(kept, context)
    # A login or a token refresh during the check saves new credentials: keep them.
    account = LinkedAccount(0, handle, kept, save_credentials=kept.update)
    try:
        who = build_connector(platform, account, context).whoami()
    except PlatformError as exc:
        raise LinkError(
            f"{display_name(platform)} refused these credentials: {exc.message}"
        ) from exc
    return Linked(handle=who.lstrip("@"), credentials=kept)


def linkedin_member(credentials: dict[str, Any], context: ConnectorContext) -> str:
    """Return the member a LinkedIn token posts as, when no author was given."""
    member = LinkedInConnector(
        credentials["access_token"],
        author="",
        http=context.http,
        api_base=credentials.get("api_base") or LINKEDIN_API_BASE,
    )
    try:
        return member.member_urn()
    except PlatformError as exc:
        raise LinkError(f"LinkedIn refused these credentials: {exc.message}") from exc
