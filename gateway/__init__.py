"""The Flask app: Twilio's webhooks, the console, the local timeline and a health check."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import DEVELOPMENT, Settings, load_settings
from gateway.services import build_services

MAX_BODY_BYTES = 64 * 1024


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app from the given settings, or from the environment."""
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key
    # Twilio's forms are a few KiB and the console's smaller: a bigger body is
    # refused (413) before it is read into memory.
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions["smsbridge"] = build_services(settings)
    if settings.proxy_hops:
        # Behind nginx or Caddy every request comes from the proxy: take the client's
        # address, scheme and host from the headers it sets, and only from it.
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from gateway import console, health, metrics, request_ids, sms_webhooks, timeline, wall

    request_ids.install(app)
    app.register_blueprint(sms_webhooks.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(timeline.bp)
    app.register_blueprint(wall.bp)
    console.install(app, settings)
    if settings.env == DEVELOPMENT:
        from gateway import dev_phone, dev_twilio

        app.register_blueprint(dev_phone.bp)  # a simulator: never in production
        if not settings.twilio_account_sid:
            app.register_blueprint(dev_twilio.bp)  # simulated MMS photos, without Twilio
            console.csrf.exempt(dev_twilio.bp)
    # Twilio signs its requests; it has no CSRF token to send.
    console.csrf.exempt(sms_webhooks.bp)
    return app
