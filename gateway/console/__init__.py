"""The console: pages for admins and organisers, behind a sign-in.

install() sets up what every page relies on (sign-in sessions, CSRF on every
form, sign-in rate limits on Redis, security headers) and registers the pages.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from config import PRODUCTION, Settings
from gateway.console import (
    access,
    audit_pages,
    auth,
    event_pages,
    follower_pages,
    held_pages,
    home,
    operations,
    people_pages,
    staff_pages,
    wall_pages,
)
from gateway.console.limits import limiter
from gateway.console.linking import pages as linking_pages
from gateway.console.security import RQ_DASHBOARD, add_security_headers

csrf = CSRFProtect()


def install(app: Flask, settings: Settings) -> None:
    """Set up sign-in, CSRF, rate limits and headers, and register the console's pages."""
    production = settings.env == PRODUCTION
    app.config.update(
        SESSION_COOKIE_SECURE=production,  # https only, where there is https
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=production,  # Flask-Login's; "remember me" is not offered
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=12 * 3600,  # a form left open all day still posts
        RATELIMIT_STORAGE_URI=limits_storage_uri(settings.redis_url),
        RATELIMIT_KEY_PREFIX=f"{settings.queue_name}:limits",
    )
    access.login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    blueprints = (
        auth,
        home,
        people_pages,
        event_pages,
        wall_pages,
        follower_pages,
        held_pages,
        operations,
        staff_pages,
        audit_pages,
        linking_pages,
    )
    for module in blueprints:
        app.register_blueprint(module.bp)
    mount_rq_dashboard(app, settings)
    app.register_error_handler(CSRFError, refuse_stale_form)
    app.register_error_handler(403, forbidden)
    app.register_error_handler(429, too_many_tries)
    app.after_request(add_security_headers)


def mount_rq_dashboard(app: Flask, settings: Settings) -> None:
    """Serve rq-dashboard at /console/rq/ for admins: every job in detail, not rebuilt here.

    Its pages post with jQuery and no CSRF token, so its blueprint is exempt from
    CSRF; the session cookie's SameSite=Lax keeps other sites' posts from carrying
    the sign-in. Deleting jobs is turned off.
    """
    import rq_dashboard
    import rq_dashboard.web
    from rq.serializers import JSONSerializer
    from rq_dashboard.web import setup_rq_connection

    app.config.update(
        RQ_DASHBOARD_REDIS_URL=settings.redis_url,
        RQ_DASHBOARD_DISABLE_DELETE=True,
        RQ_DASHBOARD_POLL_INTERVAL=5000,
    )
    setup_rq_connection(app)
    rq_dashboard.web.config.serializer = JSONSerializer  # as the queue writes jobs
    app.register_blueprint(rq_dashboard.blueprint, url_prefix="/console/rq")
    csrf.exempt(rq_dashboard.blueprint)
    app.before_request(guard_rq_dashboard)


def guard_rq_dashboard() -> ResponseReturnValue | None:
    """Let only signed-in admins into rq-dashboard."""
    if request.blueprint != RQ_DASHBOARD:
        return None
    if not current_user.is_authenticated:
        return access.login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403)
    return None


def limits_storage_uri(redis_url: str) -> str:
    """Return the Redis URL in the form the limits library reads (it names unix sockets)."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url.removeprefix("unix://")
    return redis_url


def refuse_stale_form(error: CSRFError) -> tuple[str, int]:
    """Say in plain words why a form without its token was refused."""
    return render_template("console/refused.html", reason=error.description), 400


def forbidden(_error: Exception) -> tuple[str, int]:
    """Say that the page is not this person's to open."""
    return render_template("console/forbidden.html"), 403


def too_many_tries(_error: Exception) -> tuple[str, int]:
    """Say that sign-in is paused, and what to do."""
    return render_template("console/too_many.html"), 429
