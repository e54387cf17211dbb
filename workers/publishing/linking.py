"""Link an account: turn command-line options into credentials and check them with the platform."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

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


# Secrets are never command-line flags (a command line shows in `ps` and the shell's
# history): they come from SMSBRIDGE_<NAME> in the environment, or a hidden prompt.
SECRETS = frozenset(
    {
        "token",
        "app_password",
        "client_secret",
        "access_token",
        "refresh_token",
        "consumer_secret",
        "access_token_secret",
    }
)
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def secret_variable(name: str) -> str:
    """The environment variable a secret option is read from."""
    return f"SMSBRIDGE_{name.upper()}"


def secrets_needed(platform: str, options: dict[str, str | None]) -> list[str]:
    """The secrets this platform's link takes (X's depend on which of its two kinds)."""
    if platform in ("mastodon", "facebook", "linkedin"):
        return ["token"]
    if platform == "bluesky":
        return ["app_password"]
    if platform == "x":
        names = X_OAUTH1 if options.get("consumer_key") else X_OAUTH2
        return [name for name in names if name in SECRETS]
    return []


def server_address(url: str, what: str) -> str:
    """A server's URL, refused when plain http would carry a token anywhere but this machine."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise LinkError(f"{what} must be an https:// address, not {url!r}")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise LinkError(
            f"{what} must start with https:// (plain http would send the token in clear)"
        )
    return url.strip().rstrip("/")


def credentials_from_options(platform: str, options: dict[str, str | None]) -> dict[str, Any]:
    """Return the credentials a platform's connector reads, or name what is missing."""
    given = {name: value for name, value in options.items() if value}

    def need(*names: str) -> None:
        missing = [name for name in names if name not in given]
        if missing:
            asked = " ".join(
                secret_variable(name) if name in SECRETS else f"--{name.replace('_', '-')}"
                for name in missing
            )
            raise LinkError(f"--platform {platform} needs {asked}")

    if platform == "local":
        need("handle")
        return {}
    if platform == "mastodon":
        need("instance", "token")
        instance = server_address(given["instance"], "--instance")
        return {"instance": instance, "access_token": given["token"]}
    if platform == "bluesky":
        need("handle", "app_password")
        return {
            "service": server_address(given.get("service", "https://bsky.social"), "--service"),
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
