"""What the web app shares between requests: settings, sessions, the queue."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from rq import Queue
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from twilio.request_validator import RequestValidator

from config import Settings
from store.db import make_engine, make_sessions
from store.queueing import make_queue
from store.secrets_box import SecretsBox


@dataclass
class Services:
    """The long-lived objects one web process builds at start."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    queue: Queue
    validator: RequestValidator
    secrets: SecretsBox  # opens and seals account credentials (TOKEN_KEY)

    def close(self) -> None:
        """Close the database pool and the Redis connections."""
        self.engine.dispose()
        self.queue.connection.close()


def build_services(settings: Settings) -> Services:
    """Build the services from the settings; connects lazily, so a dead Redis is no error."""
    engine = make_engine(settings.database_url)
    return Services(
        settings=settings,
        engine=engine,
        sessions=make_sessions(engine),
        queue=make_queue(settings),
        validator=RequestValidator(settings.twilio_auth_token),
        secrets=SecretsBox(settings.token_key),
    )


def services(app: Flask | None = None) -> Services:
    """Return the services of the given app, or of the current one."""
    found: Services = (app or current_app).extensions["smsbridge"]
    return found
