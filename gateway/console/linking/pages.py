"""The linking pages: whom for, which platform, the way out to its consent and back."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from typing import Any

from authlib.common.security import generate_token
from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from redis.exceptions import RedisError
from werkzeug.wrappers import Response

from gateway.console.access import admin_required
from gateway.console.forms import (
    BlueskyLinkForm,
    BlueskySignInForm,
    ButtonForm,
    LinkCodeForm,
    MastodonLinkForm,
)
from gateway.console.limits import UNAUTHORIZED, limiter
from gateway.console.linking import bluesky, facebook, linkedin, mastodon, x
from gateway.console.linking.checking import LinkError, check_and_store, display_name
from gateway.console.linking.grants import Granted, LinkRefused
from gateway.console.linking.session import (
    ADMIN,
    PERSON,
    Flow,
    LinkingFor,
    begin_flow,
    linking_for,
    start_linking,
    take_flow,
)
from gateway.console.security import CONTENT_SECURITY_POLICY
from gateway.services import services
from store import audit
from store.db import transaction
from store.link_codes import redeem_link_code
from store.models import Account, Person, utcnow
from store.queueing import ACCOUNT_LINKED, enqueue_text_person

bp = Blueprint("linking", __name__)

# The platforms whose app an admin registers by hand, each with the same flow:
# offered(settings), authorize_url(settings, flow), exchange_code(settings, flow, code).
REGISTERED_APPS = {module.PLATFORM: module for module in (x, facebook, linkedin)}

WRONG_CODE = (
    "That code is not right, or it was used already, or it is more than 30 minutes old. "
    "Text LINK for a new one."
)
LOST_FLOW = (
    "This link was not started in this browser, was finished already, or took too long. "
    "Nothing was linked: start again."
)


@bp.get("/console/people/<int:person_id>/link")
@admin_required
def for_person(person_id: int) -> Response:
    """An admin links accounts for a person, from the person's page."""
    with services().sessions() as session:
        session.get(Person, person_id) or abort(404)
    start_linking(person_id, ADMIN)
    return redirect(url_for("linking.choose"))


@bp.route("/link", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"], deduct_when=lambda r: r.status_code == 401)
def enter_code() -> Response | str | tuple[str, int]:
    """A person types the code they got by texting LINK."""
    form = LinkCodeForm()
    if not form.validate_on_submit():
        return render_template("console/link_code.html", form=form)
    svc = services()
    with transaction(svc.sessions) as session:
        person_id = redeem_link_code(
            session, form.code.data or "", svc.settings.secret_key, utcnow()
        )
        if person_id is not None:
            phone = session.get_one(Person, person_id).phone
            audit.record(session, "person", "link code used", phone, "", request.remote_addr or "")
    if person_id is None:
        form.code.errors = [WRONG_CODE]
        return render_template("console/link_code.html", form=form), UNAUTHORIZED
    start_linking(person_id, PERSON)
    return redirect(url_for("linking.choose"))


@bp.get("/link/choose")
def choose() -> Response:
    """The platforms to link, each with what it needs."""
    return render_choose(linking_for())


def render_choose(
    who: LinkingFor,
    status: int = 200,
    masto: MastodonLinkForm | None = None,
    bluesky_app: BlueskyLinkForm | None = None,
    bluesky_signin: BlueskySignInForm | None = None,
) -> Response:
    """The choice page for the person being linked, with the given forms (else empty ones)."""
    settings = services().settings
    with services().sessions() as session:
        person = session.get(Person, who.person_id) or abort(404)
        accounts = [
            (display_name(account.platform), account.handle, account.status)
            for account in person.accounts
        ]
        name = person.name if who.by == ADMIN else person.name.split()[0]
    page = render_template(
        "console/link_choose.html",
        who=who,
        name=name,
        accounts=accounts,
        masto=masto or MastodonLinkForm(),
        bluesky=bluesky_app or BlueskyLinkForm(),
        bluesky_signin=bluesky_signin or BlueskySignInForm(),
        bluesky_not_offered=bluesky.not_offered_because(settings),
        button=ButtonForm(),
        offered={name: app.offered(settings) for name, app in REGISTERED_APPS.items()},
        admin=who.by == ADMIN,
    )
    response = make_response(page, status)
    # Its forms come back here, then on to the platform's consent page: a browser
    # holds a redirect after a form to the page's form-action, so that is widened
    # here (https only, in production), and only here.
    schemes = "https:" if settings.env == "production" else "https: http:"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {schemes}"
    )
    return response


@bp.post("/link/mastodon")
def start_mastodon() -> Response:
    """Register us with the instance if need be, then off to its consent page."""
    who = linking_for()
    form = MastodonLinkForm()
    if not form.validate_on_submit():
        return render_choose(who, 400, masto=form)
    svc = services()
    try:
        instance = mastodon.instance_url(form.instance.data or "", svc.settings.env == "production")
        flow = begin_flow(mastodon.PLATFORM, who.person_id, server=instance)
        with transaction(svc.sessions) as session:
            url = mastodon.authorize_url(session, svc.secrets, svc.settings, instance, flow.state)
    except LinkRefused as exc:
        form.instance.errors = [f"{exc}."]
        return render_choose(who, 400, masto=form)
    return redirect(url)


@bp.get("/link/callback/mastodon")
def mastodon_callback() -> Response | str | tuple[str, int]:
    """Back from the instance: trade the code for a token, check it, store the account."""
    svc = services()

    def exchange(flow: Flow, code: str) -> Granted:
        with transaction(svc.sessions) as session:
            credentials = mastodon.exchange_code(
                session, svc.secrets, svc.settings, flow.server, code
            )
        return Granted(credentials)

    return finish(mastodon.PLATFORM, exchange)


@bp.post("/link/<platform>")
def start(platform: str) -> Response:
    """Off to the platform's consent page (with a PKCE challenge where it takes one)."""
    who = linking_for()
    settings = services().settings
    app = REGISTERED_APPS.get(platform) or abort(404)
    if not ButtonForm().validate_on_submit() or not app.offered(settings):
        abort(400)
    flow = begin_flow(platform, who.person_id, verifier=generate_token(64) if app.PKCE else "")
    return redirect(app.authorize_url(settings, flow))


@bp.get("/link/callback/<platform>")
def callback(platform: str) -> Response | str | tuple[str, int]:
    """Back from the platform: trade the code for tokens, check them, store the account."""
    settings = services().settings
    app = REGISTERED_APPS.get(platform) or abort(404)
    try:
        return finish(platform, lambda flow, code: app.exchange_code(settings, flow, code))
    except facebook.ChoosePage as choice:
        # The Pages' tokens wait in the session, sealed, until one is chosen.
        pages = [{"id": p.id, "name": p.name, "token": p.token} for p in choice.pages]
        session["facebook_pages"] = services().secrets.seal({"pages": pages})
        return render_template(
            "console/link_facebook_page.html", pages=choice.pages, button=ButtonForm()
        )


@bp.post("/link/facebook/page")
def facebook_page() -> Response | str | tuple[str, int]:
    """Link the Page chosen from those the person manages."""
    who = linking_for()
    sealed = session.pop("facebook_pages", None)
    if not ButtonForm().validate_on_submit() or not sealed:
        return render_template("console/link_failed.html", reason=LOST_FLOW), 400
    pages = [facebook.Page(**page) for page in services().secrets.open(sealed)["pages"]]
    chosen = next((p for p in pages if p.id == request.form.get("page_id")), None)
    if chosen is None:
        return render_template("console/link_failed.html", reason=LOST_FLOW), 400
    granted = facebook.page_granted(services().settings, chosen)
    try:
        account, new = store(who, facebook.PLATFORM, granted.credentials, granted.handle)
    except LinkError as exc:
        return render_template("console/link_failed.html", reason=f"{exc}."), 400
    return linked(who, account, new)


def finish(
    platform: str, exchange: Callable[[Flow, str], Granted]
) -> Response | str | tuple[str, int]:
    """The end of every OAuth flow: this browser's own state, a code, then check and store."""
    who = linking_for()
    flow = take_flow(platform, request.args.get("state", ""))
    if flow is None or flow.person_id != who.person_id:
        return render_template("console/link_failed.html", reason=LOST_FLOW), 400
    name = display_name(platform)
    if request.args.get("error") or not request.args.get("code"):
        reason = f"{name} was not allowed to link the account (it was denied). Nothing was linked."
        return render_template("console/link_failed.html", reason=reason), 400
    try:
        granted = exchange(flow, request.args["code"])
        account, new = store(who, platform, granted.credentials, granted.handle, granted.expires_at)
    except (LinkRefused, LinkError) as exc:
        return render_template("console/link_failed.html", reason=f"{exc}."), 400
    return linked(who, account, new)


@bp.get("/link/bluesky/client-metadata.json")
def bluesky_client_metadata() -> Response:
    """The document our Bluesky client id names (the sign-in server reads it)."""
    return jsonify(bluesky.client_metadata(services().settings))


@bp.post("/link/bluesky/sign-in")
def start_bluesky() -> Response:
    """Find the account's sign-in server, push our request there, then off to its consent page."""
    who = linking_for()
    form = BlueskySignInForm()
    if not form.validate_on_submit():
        return render_choose(who, 400, bluesky_signin=form)
    svc = services()
    try:
        if reason := bluesky.not_offered_because(svc.settings):
            raise LinkRefused(reason)
        server = bluesky.server_url(form.server.data or "", svc.settings.env == "production")
        auth_server = bluesky.sign_in_server(server)
        dpop_key = bluesky.new_dpop_key()
        flow = begin_flow(
            bluesky.PLATFORM,
            who.person_id,
            server=auth_server.issuer,
            verifier=generate_token(64),
            sealed=svc.secrets.seal({"dpop_key": dpop_key}),
        )
        url = bluesky.authorize_url(svc.settings, auth_server, flow, dpop_key, form.account.data)
    except LinkRefused as exc:
        form.server.errors = [f"{exc}."]
        return render_choose(who, 400, bluesky_signin=form)
    return redirect(url)


@bp.get("/link/callback/bluesky")
def bluesky_callback() -> Response | str | tuple[str, int]:
    """Back from the sign-in server: trade the code for DPoP-bound tokens, check, store."""
    svc = services()

    def exchange(flow: Flow, code: str) -> Granted:
        dpop_key = svc.secrets.open(flow.sealed)["dpop_key"]
        returned = request.args.get("iss", "")
        return bluesky.exchange_code(svc.settings, flow, returned, code, dpop_key)

    return finish(bluesky.PLATFORM, exchange)


@bp.post("/link/bluesky")
def bluesky_app_password() -> Response | str:
    """Bluesky with an app password: checked with the server, then stored."""
    who = linking_for()
    form = BlueskyLinkForm()
    if not form.validate_on_submit():
        return render_choose(who, 400, bluesky_app=form)
    try:
        service = bluesky.server_url(
            form.service.data or "", services().settings.env == "production"
        )
        credentials = {
            "service": service,
            "identifier": (form.handle.data or "").strip().lstrip("@"),
            "app_password": form.app_password.data or "",
        }
        account, new = store(who, "bluesky", credentials, handle=credentials["identifier"])
    except (LinkRefused, LinkError) as exc:
        form.app_password.errors = [f"{exc}."]
        return render_choose(who, 400, bluesky_app=form)
    return linked(who, account, new)


def store(
    who: LinkingFor,
    platform: str,
    credentials: dict[str, Any],
    handle: str = "",
    expires_at: datetime | None = None,
) -> tuple[Account, bool]:
    """Check and store the account, audited as whoever is linking."""
    actor = current_user.email if who.by == ADMIN else "person"
    address = request.remote_addr or ""
    return check_and_store(
        services(), who.person_id, platform, credentials, actor, address, handle, expires_at
    )


def linked(who: LinkingFor, account: Account, new: bool) -> Response | str:
    """Tell whoever linked it, and text the person (so a link they did not make is noticed)."""
    where = f"{display_name(account.platform)} @{account.handle}"
    with suppress(RedisError):  # the link stands; only the text about it would be lost
        enqueue_text_person(services().queue, who.person_id, ACCOUNT_LINKED, where)
    verb = "Linked" if new else "Linked again"
    if who.by == ADMIN:
        flash(f"{verb} {where}.")
        return redirect(url_for("people.person", person_id=who.person_id))
    return render_template("console/link_done.html", where=where, verb=verb)
