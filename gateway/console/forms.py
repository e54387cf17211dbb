"""The console's forms: each field says what it wants, and every form carries its CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange

from store.staff import MIN_PASSWORD, ROLES

ROLE_CHOICES = [SelectChoice(role, role.capitalize()) for role in ROLES]
NEW_PASSWORD = [
    DataRequired(),
    Length(min=MIN_PASSWORD, message=f"Use at least {MIN_PASSWORD} characters."),
]


class SignInForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


class PasswordChangeForm(FlaskForm):
    """One's own password: the current one, then the new one twice."""

    current = PasswordField("Current password", validators=[DataRequired()])
    new = PasswordField("New password", validators=NEW_PASSWORD)
    repeat = PasswordField(
        "New password again", validators=[EqualTo("new", message="The two do not match.")]
    )


class PasswordResetForm(FlaskForm):
    """An admin setting someone else's password."""

    new = PasswordField("New password", validators=NEW_PASSWORD)
    repeat = PasswordField(
        "New password again", validators=[EqualTo("new", message="The two do not match.")]
    )


class StaffAddForm(PasswordResetForm):
    """A new sign-in: email, role, and a first password to hand over in person."""

    email = EmailField("Email", validators=[DataRequired()])
    role = SelectField("Role", choices=ROLE_CHOICES)


class RoleForm(FlaskForm):
    """A sign-in's role."""

    role = SelectField("Role", choices=ROLE_CHOICES)


class ButtonForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


class AuditFilterForm(FlaskForm):
    """Narrow the audit log (a GET form: no token needed to read)."""

    class Meta:
        csrf = False

    action = StringField("Action")
    actor = StringField("Who")
    target = StringField("Whom or what")


class PersonAddForm(FlaskForm):
    """A person to register: their mobile number and their name."""

    phone = StringField("Mobile number", validators=[DataRequired()])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])


class NameForm(FlaskForm):
    """A person's name, as the admin knows them."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])


class EventForm(FlaskForm):
    """An event: join code, name, hashtags, window, the confidentiality check and public names."""

    code = StringField(
        "Join code", validators=[DataRequired()], description="What people text: JOIN SWRB13"
    )
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    organiser = StringField("Run by", validators=[Length(max=200)])
    hashtags = StringField(
        "Hashtags",
        validators=[DataRequired()],
        description="Each with its #, e.g. #swrb13 #socialwork",
    )
    starts = DateTimeLocalField("Starts", validators=[DataRequired()])
    ends = DateTimeLocalField("Ends", validators=[DataRequired()])
    check_confidentiality = BooleanField("Hold posts that may identify someone", default=True)
    hold_photos = BooleanField(
        "Hold posts with photos until the sender texts YES",
        default=True,
        description="A photo can show a face, a home or a car plate: no check of words sees it.",
    )
    public_names = TextAreaField(
        "Public names",
        render_kw={"rows": 4},
        description=(
            "Speakers, authors and organisations posts may name without being held: one a "
            "line, e.g. Liz Beddoe. Names after Dr, Prof, keynote or session pass already."
        ),
    )
    owner = SelectField("Organiser's sign-in", coerce=int, validate_choice=False)


class AttendeeForm(FlaskForm):
    """A registered phone to put on an event."""

    phone = StringField("Mobile number", validators=[DataRequired()])


class LinkCodeForm(FlaskForm):
    """The one-time code a person got by texting LINK."""

    code = StringField("Code from your text", validators=[DataRequired(), Length(max=20)])


class MastodonLinkForm(FlaskForm):
    """Which Mastodon server the account is on."""

    instance = StringField(
        "Mastodon server", validators=[DataRequired()], description="e.g. mastodon.social"
    )


class TagPostsForm(FlaskForm):
    """Whether the wall also shows everyone's public posts on the event's hashtags."""

    show = BooleanField("Also show everyone's public posts on the event's hashtags")
    mastodon_server = StringField(
        "Mastodon server to read the hashtags from",
        description="e.g. mastodon.social (its public tag timeline); Bluesky is searched too",
    )


class BlueskySignInForm(FlaskForm):
    """Which Bluesky server to sign in with, and (to save typing there) the handle."""

    server = StringField(
        "Bluesky server",
        default="bsky.social",
        description="Leave as it is unless your account is on another server",
    )
    account = StringField(
        "Bluesky handle (optional)", description="e.g. aroha.bsky.social, to fill in the sign-in"
    )


class BlueskyLinkForm(FlaskForm):
    """A Bluesky handle and an app password (made in Bluesky's Settings, App passwords)."""

    handle = StringField("Bluesky handle", validators=[DataRequired()])
    app_password = PasswordField(
        "App password",
        validators=[DataRequired()],
        description="Bluesky: Settings, Privacy and security, App passwords. Not your password.",
    )
    service = StringField(
        "Bluesky server",
        default="bsky.social",
        description="Leave as it is unless yours is elsewhere",
    )


NOTICE_WORDS = 1000  # far more than a notice's segments hold: it is shortened to fit


class DigestHoursForm(FlaskForm):
    """How often an event's digest goes to those who follow it for one."""

    hours = IntegerField(
        "Digest every (hours)",
        validators=[
            InputRequired("Give a number of hours, 1 to 48."),
            NumberRange(min=1, max=48, message="Give a number of hours, 1 to 48."),
        ],
    )


class NoticeForm(FlaskForm):
    """An organiser's notice to an event's followers and attendees, to preview."""

    words = TextAreaField(
        "Notice",
        validators=[DataRequired("Write the notice first."), Length(max=NOTICE_WORDS)],
        render_kw={"rows": 3},
    )


class SendNoticeForm(FlaskForm):
    """The previewed notice's words, carried to the button that sends it."""

    words = HiddenField(validators=[DataRequired(), Length(max=NOTICE_WORDS)])
