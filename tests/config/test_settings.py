"""load_settings: defaults for development, named failures for production."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from config import ConfigError, load_settings

PRODUCTION = {
    "SMSBRIDGE_ENV": "production",
    "DATABASE_URL": "postgresql://db/smsbridge",
    "REDIS_URL": "redis://cache:6379/0",
    "PUBLIC_URL": "https://sms.example.org/",
    "SECRET_KEY": "s" * 32,
    "TOKEN_KEY": Fernet.generate_key().decode(),
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_AUTH_TOKEN": "t",
    "TWILIO_FROM": "+15005550006",
}


def test_development_defaults_live_under_var(tmp_path: Path) -> None:
    settings = load_settings({"SMSBRIDGE_VAR": str(tmp_path), "PORT": "5077"})

    assert settings.database_url == f"sqlite:///{tmp_path}/smsbridge.db"
    assert settings.redis_url == f"unix://{tmp_path}/redis.sock"
    assert settings.public_url == "http://127.0.0.1:5077"
    assert not settings.uses_twilio


def test_development_secrets_are_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_settings({"SMSBRIDGE_VAR": str(tmp_path)})
    second = load_settings({"SMSBRIDGE_VAR": str(tmp_path)})

    assert first.secret_key and first.secret_key == second.secret_key
    assert first.token_key == second.token_key
    Fernet(first.token_key.encode())  # a usable key
    assert (tmp_path / "secrets" / "token_key").stat().st_mode & 0o777 == 0o600


def test_production_starts_with_every_setting() -> None:
    settings = load_settings(PRODUCTION)

    assert settings.public_url == "https://sms.example.org"
    assert settings.database_url == "postgresql://db/smsbridge"


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "TOKEN_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PUBLIC_URL"]
)
def test_production_names_a_missing_secret(missing: str) -> None:
    environ = {k: v for k, v in PRODUCTION.items() if k != missing}

    with pytest.raises(ConfigError, match=missing):
        load_settings(environ)


def test_production_with_twilio_needs_a_sender() -> None:
    environ = {k: v for k, v in PRODUCTION.items() if k != "TWILIO_FROM"}

    with pytest.raises(ConfigError, match="TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID"):
        load_settings(environ)


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("DATABASE_URL", "sqlite:////srv/smsbridge.db", "DATABASE_URL must be PostgreSQL"),
        ("PUBLIC_URL", "http://sms.example.org", "PUBLIC_URL must start with https://"),
        ("SECRET_KEY", "x", "SECRET_KEY must be at least 32 characters"),
    ],
)
def test_production_refuses_what_is_only_fit_for_development(
    name: str, value: str, words: str
) -> None:
    with pytest.raises(ConfigError, match=words):
        load_settings({**PRODUCTION, name: value})


def test_a_malformed_token_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TOKEN_KEY"):
        load_settings({"SMSBRIDGE_VAR": str(tmp_path), "TOKEN_KEY": "not-a-key"})


def test_a_bad_number_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SWEEP_AFTER_SECONDS"):
        load_settings({"SMSBRIDGE_VAR": str(tmp_path), "SWEEP_AFTER_SECONDS": "soon"})


def test_var_is_readable_by_its_owner_alone(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir(mode=0o755)  # as an older version left it
    var.chmod(0o755)

    load_settings({"SMSBRIDGE_VAR": str(var)})

    assert var.stat().st_mode & 0o777 == 0o700
    assert (var / "secrets").stat().st_mode & 0o777 == 0o700
