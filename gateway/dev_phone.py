"""/dev/phone: a basic phone's screen in the browser, in development only.

Pick a person and type a text: it goes through the real signed webhook to this
very server and the real worker handles it, as `smsbridge simulate` does; the
texts back appear as they are sent.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from requests import RequestException
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from gateway.services import services
from gateway.signed_webhooks import inbound_params, post_signed
from store.models import InboundMessage, OutboundMessage, Person
from store.phones import InvalidPhone, normalise_phone

bp = Blueprint("dev_phone", __name__, url_prefix="/dev/phone")

SHOWN = 30  # texts on the screen, in and out


class PhoneForm(FlaskForm):
    """Whose phone, and what they type."""

    phone = SelectField("Phone of", validators=[DataRequired()])
    other = StringField("Or another number", validators=[Optional(), Length(max=32)])
    text = TextAreaField("Text", validators=[DataRequired(), Length(max=1600)])


@bp.route("", methods=["GET", "POST"])
def phone() -> WerkzeugResponse | str:
    """The phone: send a text as the person, and see the conversation."""
    settings = services().settings
    form = PhoneForm(phone=request.args.get("number"))
    with services().sessions() as session:
        people = session.scalars(select(Person).order_by(Person.name)).all()
    form.phone.choices = [SelectChoice(p.phone, f"{p.name} ({p.phone})") for p in people]
    if form.validate_on_submit():
        number = form.phone.data or ""
        if form.other.data:
            # Anyone's number, as a stranger's phone would send: FOLLOW works from it.
            try:
                number = normalise_phone(form.other.data, settings.default_region)
            except InvalidPhone:
                flash(f"{form.other.data} is not a phone number.")
                return redirect(url_for("dev_phone.phone", number=number))
        params = inbound_params(settings, number, form.text.data or "")
        try:
            answer = post_signed(
                f"{settings.public_url}/sms/inbound", params, settings.twilio_auth_token
            )
            if answer.status_code != 200:
                flash(f"The webhook answered {answer.status_code}: the text was not taken.")
        except RequestException:
            flash(f"Nothing answers at {settings.public_url}: is PUBLIC_URL this server?")
        return redirect(url_for("dev_phone.phone", number=number))
    if form.phone.data and form.phone.data not in {p.phone for p in people}:
        form.other.data = form.phone.data  # a stranger's number: keep showing its texts
    return render_template("dev_phone.html", form=form, number=form.phone.data or "")


@bp.get("/texts.json")
def texts() -> Response:
    """The conversation with one phone: its texts in, ours out, oldest first."""
    number = request.args.get("number", "")
    with services().sessions() as session:
        sent = session.execute(
            select(InboundMessage.body, InboundMessage.received_at)
            .where(InboundMessage.from_phone == number)
            .order_by(InboundMessage.id.desc())
            .limit(SHOWN)
        ).all()
        got = session.execute(
            select(OutboundMessage.body, OutboundMessage.created_at)
            .where(OutboundMessage.to_phone == number)
            .order_by(OutboundMessage.id.desc())
            .limit(SHOWN)
        ).all()
    conversation = sorted(
        [{"from": "phone", "body": body, "at": at.isoformat()} for body, at in sent]
        + [{"from": "smsbridge", "body": body, "at": at.isoformat()} for body, at in got],
        key=lambda text: str(text["at"]),
    )[-SHOWN:]
    response = jsonify(conversation)
    response.headers["Cache-Control"] = "no-store"
    return response
