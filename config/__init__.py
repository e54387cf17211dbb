"""One typed settings object, read from the environment once per process.

The web app, the worker and the CLI all call `load_settings()` at start and pass
the result around; nothing reads the environment at import time.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet

PRODUCTION = "production"
DEVELOPMENT = "development"

# Secrets that production must be given; development generates them under var/.
REQUIRED_IN_PRODUCTION = (
    "DATABASE_URL",
    "REDIS_URL",
    "PUBLIC_URL",
    "SECRET_KEY",
    "TOKEN_KEY",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
)
MIN_SECRET_KEY = 32  # characters: it signs every console session


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    """Everything the gateway, the worker and the CLI need to know about their world."""

    env: str
    var_dir: Path
    database_url: str
    redis_url: str
    public_url: str
    secret_key: str
    token_key: str  # Fernet keys, newest first, comma-separated: the newest seals
    twilio_auth_token: str
    twilio_account_sid: str = ""
    twilio_from: str = ""
    twilio_messaging_service_sid: str = ""
    # Where MMS photos are fetched from: Twilio's API, or in development without a
    # Twilio account the gateway's own stand-in (/dev/twilio, for smsbridge simulate).
    twilio_api_url: str = "https://api.twilio.com"
    media_max_bytes: int = 5 * 1024 * 1024  # Twilio takes MMS up to 5 MB
    media_fetch_seconds: int = 20
    media_keep_at_twilio: bool = False  # else Twilio's copy is deleted once ours is stored
    default_region: str = "NZ"
    queue_name: str = "smsbridge"
    publish_attempts: int = 5
    publish_backoff: tuple[int, ...] = (5, 30, 120, 600)
    unknown_sender_quiet_hours: int = 24
    # Unknown numbers are answered only from these regions (default: DEFAULT_REGION),
    # and at most this many a day in all: each answer costs money.
    reply_regions: tuple[str, ...] = ("NZ",)
    unknown_replies_per_day: int = 100
    sweep_after_seconds: int = 30
    admin_contact: str = "your admin"  # named in HELP: a phone number or an email address
    undo_minutes: int = 60  # UNDO deletes a post only this long after it was made
    posts_per_hour: int = 10  # a person's posts beyond this in an hour are refused
    pin_attempts: int = 3  # wrong PINs in a day before posting pauses for a day
    require_pin: bool = False  # the admin's choice for everyone: every post needs a PIN
    hold_minutes: int = 60  # a post held by the confidentiality check expires after this
    # Texts' words (in and out) are erased after this many days; their rows, statuses
    # and counts stay. A held post's words go a day after it stopped waiting.
    retain_days: int = 90
    mention_texts_per_day: int = 10  # replies and mentions texted to a person a day
    mentions_every_seconds: int = 120  # how often each account's mentions are read (10 in dev)
    worker_max_jobs: int = 10000  # a worker process hands over to a fresh one after this many
    worker_max_mb: int = 512  # ... or once its peak resident memory passes this
    worker_threads: int = 8  # jobs one worker process runs at once (platform calls in flight)
    timezone: str = "Pacific/Auckland"  # the console reads and shows event times in it
    # Our apps on the platforms whose OAuth needs one registered by hand (empty: not offered).
    x_client_id: str = ""
    x_client_secret: str = ""  # empty for a public client (PKCE alone)
    facebook_app_id: str = ""
    facebook_app_secret: str = ""
    facebook_graph_url: str = "https://graph.facebook.com/v21.0"
    facebook_dialog_url: str = "https://www.facebook.com/v21.0/dialog/oauth"
    linkedin_client_id: str = ""
    linkedin_client_secret: str = ""
    linkedin_oauth_url: str = "https://www.linkedin.com/oauth/v2"
    linkedin_api_url: str = "https://api.linkedin.com"
    # Proxies in front that set X-Forwarded-For/-Proto/-Host (nginx, Caddy: 1). Trusted
    # that many hops deep, so sign-in limits and the audit see the client's address.
    # 0 where clients reach gunicorn directly: their headers would be believed.
    proxy_hops: int = 0
    # How fast the sender may send, in segments a second: Twilio's published rate for
    # its kind (SENDER_RATES) unless SMS_PER_SECOND says (a Messaging Service: the sum
    # of its numbers'). Replies and codes go first; broadcasts take what is left.
    sms_sender_kind: str = "long_code"
    sms_per_second: float = 1.0
    # Broadcasts (notices, digests, followed posts): each fits this many segments, an
    # event sends at most event_daily_segments a day, and a FOLLOW ALL follower gets at
    # most follow_all_daily_cap posts a day, then the digest.
    broadcast_segments: int = 1
    event_daily_segments: int = 1000
    follow_all_daily_cap: int = 20
    # Where did:plc identities are looked up when a Bluesky sign-in is checked.
    bluesky_plc_url: str = "https://plc.directory"
    # Where Bluesky's public post search is asked, for the walls' hashtags ("" for none).
    bluesky_appview_url: str = "https://public.api.bsky.app"
    # What a Prometheus scrape of /metrics must send as its bearer token ("" for none:
    # then only this machine may scrape, and only in development).
    metrics_token: str = ""

    @property
    def uses_twilio(self) -> bool:
        """Whether texts go out through Twilio rather than the outbox."""
        return bool(self.twilio_account_sid)

    @property
    def webhook_account_sid(self) -> str:
        """The AccountSid inbound webhooks carry: ours, or a stand-in without Twilio."""
        return self.twilio_account_sid or DEV_ACCOUNT_SID

    @property
    def sms_number(self) -> str:
        """The number people text, as shown in help and simulated webhooks."""
        return self.twilio_from or "+15005550006"


DEV_ACCOUNT_SID = "AC" + "0" * 32  # signs simulated webhooks when there is no Twilio account
# Twilio's published sending rates, in segments a second, by kind of sender (US figures:
# https://help.twilio.com/articles/115002943027). A Messaging Service sends at the sum
# of its numbers' rates: set SMS_PER_SECOND to it.
SENDER_RATES = {"long_code": 1.0, "toll_free": 3.0, "short_code": 100.0, "messaging_service": 1.0}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from the environment; fail naming any missing production secret."""
    env_vars = os.environ if environ is None else environ
    env = env_vars.get("SMSBRIDGE_ENV", DEVELOPMENT).strip().lower()
    if env not in (PRODUCTION, DEVELOPMENT):
        raise ConfigError(f"SMSBRIDGE_ENV must be 'production' or 'development', not {env!r}")
    var_dir = Path(env_vars.get("SMSBRIDGE_VAR", "var")).resolve()

    if env == PRODUCTION:
        missing = [name for name in REQUIRED_IN_PRODUCTION if not env_vars.get(name)]
        if missing:
            raise ConfigError("missing setting(s) for production: " + ", ".join(missing))
        refused = _refused_in_production(env_vars)
        if refused:
            raise ConfigError("; ".join(refused))

    def get_or_generate(name: str, make: str) -> str:
        value = env_vars.get(name)
        if value:
            return value
        return _dev_secret(var_dir, name, make)

    port = env_vars.get("PORT", "5000")
    token_key = get_or_generate("TOKEN_KEY", "fernet")
    try:
        for key in token_key.split(","):
            Fernet(key.strip().encode())
    except ValueError as exc:
        raise ConfigError(
            "TOKEN_KEY must be Fernet keys, newest first, separated by commas "
            "(smsbridge keygen makes one)"
        ) from exc

    return Settings(
        env=env,
        var_dir=var_dir,
        database_url=env_vars.get("DATABASE_URL") or f"sqlite:///{var_dir / 'smsbridge.db'}",
        redis_url=env_vars.get("REDIS_URL") or f"unix://{var_dir / 'redis.sock'}",
        public_url=(env_vars.get("PUBLIC_URL") or f"http://127.0.0.1:{port}").rstrip("/"),
        secret_key=get_or_generate("SECRET_KEY", "hex"),
        token_key=token_key,
        twilio_auth_token=get_or_generate("TWILIO_AUTH_TOKEN", "hex"),
        twilio_account_sid=env_vars.get("TWILIO_ACCOUNT_SID", ""),
        twilio_from=env_vars.get("TWILIO_FROM", ""),
        twilio_messaging_service_sid=env_vars.get("TWILIO_MESSAGING_SERVICE_SID", ""),
        twilio_api_url=_url(
            env_vars,
            "TWILIO_API_URL",
            Settings.twilio_api_url
            if env_vars.get("TWILIO_ACCOUNT_SID")
            else (env_vars.get("PUBLIC_URL") or f"http://127.0.0.1:{port}").rstrip("/")
            + "/dev/twilio",
        ),
        media_max_bytes=_int(env_vars, "MEDIA_MAX_BYTES", Settings.media_max_bytes),
        media_fetch_seconds=_int(env_vars, "MEDIA_FETCH_SECONDS", Settings.media_fetch_seconds),
        media_keep_at_twilio=_flag(env_vars, "MEDIA_KEEP_AT_TWILIO"),
        default_region=env_vars.get("DEFAULT_REGION", "NZ"),
        reply_regions=_regions(env_vars),
        unknown_replies_per_day=_int(env_vars, "UNKNOWN_REPLIES_PER_DAY", 100),
        queue_name=env_vars.get("QUEUE_NAME", "smsbridge"),
        sweep_after_seconds=_int(env_vars, "SWEEP_AFTER_SECONDS", 30),
        publish_attempts=_int(env_vars, "PUBLISH_ATTEMPTS", 5),
        admin_contact=env_vars.get("ADMIN_CONTACT", "").strip() or "your admin",
        undo_minutes=_int(env_vars, "UNDO_MINUTES", 60),
        posts_per_hour=_int(env_vars, "POSTS_PER_HOUR", 10),
        pin_attempts=_int(env_vars, "PIN_ATTEMPTS", 3),
        require_pin=_flag(env_vars, "REQUIRE_PIN"),
        hold_minutes=_int(env_vars, "HOLD_MINUTES", 60),
        retain_days=_int(env_vars, "RETAIN_DAYS", 90),
        mention_texts_per_day=_int(env_vars, "MENTION_TEXTS_PER_DAY", 10),
        # In development, replies on the local timeline come back within seconds.
        mentions_every_seconds=_int(
            env_vars, "MENTIONS_EVERY_SECONDS", 120 if env == PRODUCTION else 10
        ),
        worker_max_jobs=_int(env_vars, "WORKER_MAX_JOBS", 10000),
        worker_max_mb=_int(env_vars, "WORKER_MAX_MB", 512),
        worker_threads=_int(env_vars, "WORKER_THREADS", 8),
        timezone=_timezone(env_vars.get("TIMEZONE", "").strip() or "Pacific/Auckland"),
        x_client_id=env_vars.get("X_CLIENT_ID", ""),
        x_client_secret=env_vars.get("X_CLIENT_SECRET", ""),
        facebook_app_id=env_vars.get("FACEBOOK_APP_ID", ""),
        facebook_app_secret=env_vars.get("FACEBOOK_APP_SECRET", ""),
        facebook_graph_url=_url(env_vars, "FACEBOOK_GRAPH_URL", Settings.facebook_graph_url),
        facebook_dialog_url=_url(env_vars, "FACEBOOK_DIALOG_URL", Settings.facebook_dialog_url),
        linkedin_client_id=env_vars.get("LINKEDIN_CLIENT_ID", ""),
        linkedin_client_secret=env_vars.get("LINKEDIN_CLIENT_SECRET", ""),
        linkedin_oauth_url=_url(env_vars, "LINKEDIN_OAUTH_URL", Settings.linkedin_oauth_url),
        linkedin_api_url=_url(env_vars, "LINKEDIN_API_URL", Settings.linkedin_api_url),
        proxy_hops=_hops(env_vars),
        sms_sender_kind=_sender_kind(env_vars),
        sms_per_second=_per_second(env_vars),
        broadcast_segments=_int(env_vars, "BROADCAST_SEGMENTS", Settings.broadcast_segments),
        event_daily_segments=_int(env_vars, "EVENT_DAILY_SEGMENTS", Settings.event_daily_segments),
        follow_all_daily_cap=_int(env_vars, "FOLLOW_ALL_DAILY_CAP", Settings.follow_all_daily_cap),
        bluesky_plc_url=_url(env_vars, "BLUESKY_PLC_URL", Settings.bluesky_plc_url),
        bluesky_appview_url=(
            env_vars.get("BLUESKY_APPVIEW_URL", Settings.bluesky_appview_url).strip().rstrip("/")
        ),
        metrics_token=env_vars.get("METRICS_TOKEN", "").strip(),
    )


def _hops(env_vars: Mapping[str, str]) -> int:
    """PROXY_HOPS: how many proxies in front are trusted for the client's address (0 to 5)."""
    raw = env_vars.get("PROXY_HOPS", "").strip() or "0"
    if not raw.isdigit() or int(raw) > 5:
        raise ConfigError(f"PROXY_HOPS must be a whole number from 0 to 5, not {raw!r}")
    return int(raw)


def _sender_kind(env_vars: Mapping[str, str]) -> str:
    """SMS_SENDER_KIND, or what the Twilio settings say: a Messaging Service or a long code."""
    default = "messaging_service" if env_vars.get("TWILIO_MESSAGING_SERVICE_SID") else "long_code"
    kind = env_vars.get("SMS_SENDER_KIND", "").strip().lower() or default
    if kind not in SENDER_RATES:
        raise ConfigError(f"SMS_SENDER_KIND must be one of {', '.join(SENDER_RATES)}, not {kind!r}")
    return kind


def _per_second(env_vars: Mapping[str, str]) -> float:
    """SMS_PER_SECOND, or Twilio's rate for the sender's kind."""
    raw = env_vars.get("SMS_PER_SECOND", "").strip()
    if not raw:
        return SENDER_RATES[_sender_kind(env_vars)]
    try:
        rate = float(raw)
    except ValueError:
        raise ConfigError(f"SMS_PER_SECOND must be a number, not {raw!r}") from None
    if not 0 < rate <= 10000:
        raise ConfigError(f"SMS_PER_SECOND must be above 0 and at most 10000, not {raw}")
    return rate


def _flag(env_vars: Mapping[str, str], name: str) -> bool:
    """Read a yes/no setting: 1, true, yes or on mean yes; unset or 0, false, no, off mean no."""
    raw = env_vars.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be 1 or 0 (yes or no), not {raw!r}")


def _int(env_vars: Mapping[str, str], name: str, default: int) -> int:
    """Read a positive whole number, naming the setting if it is not one."""
    raw = env_vars.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, not {value}")
    return value


def private_dir(path: Path) -> Path:
    """Make a folder only its owner can read (var/ holds the database and secrets)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)  # also one made before, by an older version or by hand
    return path


def _dev_secret(var_dir: Path, name: str, kind: str) -> str:
    """Read a development secret from var/secrets/, generating it on first use."""
    path = var_dir / "secrets" / name.lower()
    if path.exists():
        return path.read_text().strip()
    private_dir(var_dir)
    private_dir(path.parent)
    value = Fernet.generate_key().decode() if kind == "fernet" else secrets.token_hex(32)
    # Write aside, then link into place: when two processes start at once, the
    # link fails for all but one, and every process reads the same whole value.
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    draft.write_text(value)
    draft.chmod(0o600)
    try:
        os.link(draft, path)
    except FileExistsError:
        value = path.read_text().strip()
    finally:
        draft.unlink()
    return value


def _timezone(name: str) -> str:
    """Return a time zone name that the tz database knows, or fail naming it."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"TIMEZONE {name!r} is not a time zone, e.g. Pacific/Auckland") from exc
    return name


def _regions(env_vars: Mapping[str, str]) -> tuple[str, ...]:
    """REPLY_REGIONS as ISO codes ("NZ,AU"), else the default region alone."""
    given = env_vars.get("REPLY_REGIONS", "") or env_vars.get("DEFAULT_REGION", "NZ")
    return tuple(code.strip().upper() for code in given.split(",") if code.strip())


def _refused_in_production(env_vars: Mapping[str, str]) -> list[str]:
    """What production must not run with, each in one line saying why."""
    refused = []
    if not (env_vars.get("TWILIO_FROM") or env_vars.get("TWILIO_MESSAGING_SERVICE_SID")):
        refused.append(
            "missing setting for production: TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID"
        )
    if env_vars["DATABASE_URL"].startswith("sqlite"):
        refused.append(
            "DATABASE_URL must be PostgreSQL in production: SQLite runs one writer at a time"
        )
    if not env_vars["PUBLIC_URL"].startswith("https://"):
        refused.append(
            "PUBLIC_URL must start with https:// in production: Twilio's signatures and "
            "the console's cookies travel over it"
        )
    if len(env_vars["SECRET_KEY"]) < MIN_SECRET_KEY:
        refused.append(
            f"SECRET_KEY must be at least {MIN_SECRET_KEY} characters in production "
            "(python -c 'import secrets; print(secrets.token_urlsafe(32))' makes one)"
        )
    return refused


def _url(env_vars: Mapping[str, str], name: str, default: str) -> str:
    """A base URL setting without its trailing slash (tests point these at local peers)."""
    return (env_vars.get(name, "").strip() or default).rstrip("/")
