"""Read an incoming text as a command or a post: strictly, but forgiving of how people type.

Pure code: no I/O, no database. `parse_text(body, has_pin=...)` returns one of the
small frozen dataclasses below; the caller acts on it and writes the reply.

Grammar
-------
Keywords match in any case, with spaces around them ignored. "Whole text" means
the body trimmed, runs of spaces and newlines read as one space, and trailing
``. ! ? , ; :`` dropped (so "Stop!" is STOP).

::

    text        = [pin] ( bare | argument | prefixed | post )
    pin         = 4-8 digits, then spaces (or , : . -)      -- only read when has_pin
    bare        = the whole text is one of:
                    HELP | INFO | ?                          -> Help()
                    STOP | STOPALL | STOP ALL | UNSUBSCRIBE | CANCEL | END | QUIT
                    | REVOKE | OPTOUT | OPT OUT | OPT-OUT    -> OptOut(word)
                    START | UNSTOP                           -> OptIn()
                    YES | Y                                  -> Confirm(pin)
                    EVENTS                                   -> Events()
                    STATUS                                   -> Status()
                    UNDO                                     -> Undo(pin)
                    LINK                                     -> Link(pin)
                    LEAVE [code]                             -> Leave(code, pin)
                    UNFOLLOW [code]                          -> Unfollow(code, pin)
    argument    = JOIN code                                  -> Join(code, pin)
                | FOLLOW code [level]                        -> Follow(code, level, pin)
                | REPLY [#]n [:,.-] answer                   -> Reply(n, answer, pin)
                | PIN 4-8 digits                             -> SetPin(new_pin, pin)
                | PIN OFF | PIN NONE                         -> RemovePin(pin)
    prefixed    = platforms ":" space words                  -> Post(words, platforms, pin)
    platforms   = alias { ("," | "+" | "/" | "&" | space | "and") alias }
    post        = anything else                              -> Post(text, None, pin)
    code        = 3-30 letters and digits, an optional leading "#" dropped
    level       = NOTICES | DIGEST | ALL (NOTICE, NEWS: NOTICES)  -- NOTICES when left out

Platform aliases (see PLATFORM_ALIASES): X, TW, TWITTER -> x; BS, BSKY, BLUESKY,
SKY -> bluesky; M, MA, MASTO, MASTODON -> mastodon; FB, FACEBOOK -> facebook;
LI, LINKEDIN -> linkedin; TL, LOCAL, TIMELINE -> local; ALL -> every account
(platforms None), which is also the way to post words that start with JOIN,
REPLY or PIN ("ALL: Join us at stand 4"). The colon must be followed by a space,
so "TL:DR" and "M:30" stay ordinary words.

Rules worth knowing
-------------------
- Bare commands count only when they are the whole text, as Twilio's own
  opt-out keywords do: "Stop the stigma" and "Help is here" are posts.
- JOIN, REPLY and PIN as the exact first word are always commands: a text
  that does not fit their shape becomes Malformed(command, hint), never a post,
  so a mistyped command is not published. FOLLOW is a command alone (Malformed,
  with the hint) or in its exact shape; "Follow the money trail" is a post.
  Nothing else is a command.
- Typos of a keyword (of four letters or more) are forgiven on the first word
  only, and only when the text is that single word or has the command's exact
  shape ("JION SWRB13" joins, "Jion us at the keynote" is a post). A typo is one
  pair of neighbouring letters swapped (HLEP, STPO, UNOD, STAUTS), one letter
  typed twice (HELLP), or, for keywords of six letters or more, one letter
  missing (EVENT, STATS). Real words that look like typos (STOOP, VENTS, EVOKE)
  stay words. Substitutions are not forgiven: they turn HELP into YELP and STOP
  into STEP, which are words people post.
- YES confirms a held post here. Twilio also counts YES as an opt-in word when
  it is configured so; that only lifts an opt-out Twilio holds, so it does no harm.
- A leading 4-8 digit number is read as a PIN only when the caller says the
  person has one; otherwise it is part of the post ("2026 was a big year").
  It may also come right after a platform prefix ("X: 1234 my post"). The
  parser never checks a PIN: commands that change something (Post, Reply,
  Undo, Join, Leave, SetPin, RemovePin) carry the PIN that was typed, or None,
  for the caller to check. Read-only commands and STOP ignore it.
- After an explicit platform prefix the words are a post, except a lone bare
  command word ("X: UNDO"), which is Malformed: a command word is never posted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

OPT_OUT_WORDS = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT")
OPT_IN_WORDS = ("START", "UNSTOP")
HELP_WORDS = ("HELP", "INFO")
CONFIRM_WORDS = ("YES", "Y")

# Every platform's short and long names; ALL means every linked account.
PLATFORM_ALIASES: dict[str, str] = {
    "X": "x",
    "TW": "x",
    "TWITTER": "x",
    "BS": "bluesky",
    "BSKY": "bluesky",
    "BLUESKY": "bluesky",
    "SKY": "bluesky",
    "M": "mastodon",
    "MA": "mastodon",
    "MASTO": "mastodon",
    "MASTODON": "mastodon",
    "FB": "facebook",
    "FACEBOOK": "facebook",
    "LI": "linkedin",
    "LINKEDIN": "linkedin",
    "TL": "local",
    "LOCAL": "local",
    "TIMELINE": "local",
}
ALL_PLATFORMS = "ALL"

# Keywords people type as two words, or with a hyphen.
TWO_WORD_KEYWORDS = {"STOP ALL": "STOPALL", "OPT OUT": "OPTOUT", "OPT-OUT": "OPTOUT"}

# Real words one forgiven typo away from a keyword: they are posts, not commands.
NOT_TYPOS = frozenset({"STOOP", "UNSTOOP", "VENTS", "EVENS", "EVOKE"})

PIN_DIGITS = re.compile(r"\d{4,8}")
LEADING_PIN = re.compile(r"(\d{4,8})(?!\d)(?:[\s,:.\-]+|$)(.*)", re.DOTALL)
# Same shape as store/events.py's CODE, which is what join codes are stored as.
EVENT_CODE = re.compile(r"[A-Z0-9]{3,30}")
REPLY_ARGS = re.compile(r"#?(\d{1,3})(?![\d])(?:[\s,:.\-)]+(.*))?", re.DOTALL)
PREFIX = re.compile(r"([A-Za-z][A-Za-z\s,+/&]{0,40}?)\s*:(?:\s+(.*)|\s*$)", re.DOTALL)
PREFIX_SEPARATORS = re.compile(r"(?:\s*[,+/&]\s*|\s+and\s+|\s+)", re.IGNORECASE)
TRAILING_PUNCTUATION = ".!?,;:"

FOLLOW_HINT = "Text FOLLOW, an event code and NOTICES, DIGEST or ALL, e.g. FOLLOW SWRB13 ALL"
FOLLOW_LEVELS = {"NOTICES": "notices", "NOTICE": "notices", "NEWS": "notices"}
FOLLOW_LEVELS |= {"DIGEST": "digest", "ALL": "all"}
JOIN_HINT = "Text JOIN and the event code, e.g. JOIN SWRB13. Text EVENTS to see the codes."
JOIN_SHAPE_HINT = (
    "An event code is one word of letters and digits, e.g. JOIN SWRB13. "
    "To post words that start with Join, begin with ALL:"
)
REPLY_HINT = (
    "Text REPLY, the number of the message you are answering, then your answer, e.g. REPLY 1 thanks"
)
REPLY_TEXT_HINT = "Add your answer after the number, e.g. REPLY 1 thanks"
PIN_HINT = "Text PIN and 4 to 8 digits to set a PIN, e.g. PIN 4821, or PIN OFF to remove it."
EMPTY_HINT = "Your text was empty. Text the words to post, or HELP to see what you can text."
PIN_ONLY_HINT = "Write your post after your PIN, e.g. 4821 Great keynote"


@dataclass(frozen=True)
class Help:
    """HELP or INFO: send what you can text."""


@dataclass(frozen=True)
class OptOut:
    """One of Twilio's opt-out words: send nothing more, post nothing more."""

    word: str  # the keyword meant, in capitals (STOP for "stpo")


@dataclass(frozen=True)
class OptIn:
    """START or UNSTOP: lift an opt-out."""


@dataclass(frozen=True)
class Confirm:
    """YES: post the held post anyway."""

    pin: str | None = None  # posting it needs the PIN as much as posting anything


@dataclass(frozen=True)
class Events:
    """EVENTS: list the events open now and their codes."""


@dataclass(frozen=True)
class Status:
    """STATUS: your accounts and whether each works, your event, posts today."""


@dataclass(frozen=True)
class Undo:
    """UNDO: delete your last post everywhere it went."""

    pin: str | None = None


@dataclass(frozen=True)
class Link:
    """LINK: a one-time code to link your accounts on a computer."""

    pin: str | None = None


@dataclass(frozen=True)
class Join:
    """JOIN code: attend an event."""

    code: str  # in capitals, as event codes are stored
    pin: str | None = None


@dataclass(frozen=True)
class Leave:
    """LEAVE: stop attending your event (the code, when given, names the one meant)."""

    code: str | None = None
    pin: str | None = None


@dataclass(frozen=True)
class Follow:
    """FOLLOW code [level]: get the event's notices, its digest too, or all its posts by text."""

    code: str
    level: str = "notices"  # notices, digest or all
    pin: str | None = None


@dataclass(frozen=True)
class Unfollow:
    """UNFOLLOW: stop following every event (or the one whose code is given)."""

    code: str | None = None
    pin: str | None = None


@dataclass(frozen=True)
class Reply:
    """REPLY n text: answer the n-th reply or mention you were sent."""

    n: int
    text: str
    pin: str | None = None


@dataclass(frozen=True)
class SetPin:
    """PIN digits: require this PIN in front of every post from now on."""

    new_pin: str
    pin: str | None = None  # the current PIN typed in front, where one is set


@dataclass(frozen=True)
class RemovePin:
    """PIN OFF: stop requiring a PIN."""

    pin: str | None = None


@dataclass(frozen=True)
class Post:
    """Words to publish: to every linked account, or only to the platforms named."""

    text: str
    platforms: frozenset[str] | None = None
    pin: str | None = None


@dataclass(frozen=True)
class Malformed:
    """A command that does not fit its shape; the hint says, in plain words, how to write it."""

    command: str
    hint: str


Command = (
    Help
    | OptOut
    | OptIn
    | Confirm
    | Events
    | Status
    | Undo
    | Link
    | Join
    | Leave
    | Follow
    | Unfollow
    | Reply
    | SetPin
    | RemovePin
    | Post
    | Malformed
)


BARE_KEYWORDS: dict[type, str] = {Help: "HELP", OptIn: "START", Confirm: "YES"}


def parse_text(body: str, *, has_pin: bool = False, has_photos: bool = False) -> Command:
    """Return the command or post an incoming SMS (or MMS) body stands for.

    An MMS whose photos came with no words is a post of the photos alone.
    """
    text = body.strip()
    pin = None
    if has_pin:
        pin, text = split_pin(text)
        if pin is not None and not text and not has_photos:
            return Malformed("POST", PIN_ONLY_HINT)
    if not text:
        return Post("", None, pin) if has_photos else Malformed("POST", EMPTY_HINT)
    return (
        parse_bare(text, pin)
        or parse_argument(text, pin)
        or parse_prefixed(text, pin, has_pin)
        or Post(text, None, pin)
    )


HIDDEN = "****"  # what a stored text keeps of a PIN or a code


def redacted(body: str, command: Command, has_pin: bool) -> str:
    """The text as it is kept: its PIN, and a new PIN, never stored in clear.

    The PIN's hash would be no protection if the texts that carry it were kept.
    """
    pin, rest = split_pin(body.strip()) if has_pin else (None, body)
    if isinstance(command, SetPin):
        rest = f"PIN {HIDDEN}"
    return f"{HIDDEN} {rest}" if pin is not None else rest


def split_pin(text: str) -> tuple[str | None, str]:
    """Return a leading 4-8 digit PIN (or None) and the rest of the text."""
    match = LEADING_PIN.fullmatch(text)
    if not match:
        return None, text
    return match.group(1), match.group(2).strip()


def whole_text(text: str) -> str:
    """Return the text as keywords are compared: capitals, one space between words."""
    return " ".join(text.split()).rstrip(TRAILING_PUNCTUATION + " ").upper()


def parse_bare(text: str, pin: str | None) -> Command | None:
    """Return the bare command the whole text is, or None."""
    if set(text.strip()) == {"?"}:
        return Help()
    words = whole_text(text).split()
    if len(words) == 2 and keyword_for(words[0], ("LEAVE",)):
        code = words[1].lstrip("#")
        return Leave(code, pin) if EVENT_CODE.fullmatch(code) else None
    if len(words) == 2 and keyword_for(words[0], ("UNFOLLOW",)):
        code = words[1].lstrip("#")
        return Unfollow(code, pin) if EVENT_CODE.fullmatch(code) else None
    word = TWO_WORD_KEYWORDS.get(" ".join(words), " ".join(words))
    if not word or " " in word:
        return None
    if keyword_for(word, HELP_WORDS):
        return Help()
    if opt_out := keyword_for(word, OPT_OUT_WORDS):
        return OptOut(opt_out)
    if keyword_for(word, OPT_IN_WORDS):
        return OptIn()
    if word in CONFIRM_WORDS:
        return Confirm(pin)
    if keyword_for(word, ("EVENTS",)):
        return Events()
    if keyword_for(word, ("STATUS",)):
        return Status()
    if keyword_for(word, ("UNDO",)):
        return Undo(pin)
    if keyword_for(word, ("LINK",)):
        return Link(pin)
    if keyword_for(word, ("LEAVE",)):
        return Leave(None, pin)
    if keyword_for(word, ("UNFOLLOW",)):
        return Unfollow(None, pin)
    return None


def parse_argument(text: str, pin: str | None) -> Command | None:
    """Return JOIN, REPLY or PIN with its arguments (or Malformed), or None for other texts."""
    first, rest = split_first_word(text)
    keyword = first.rstrip(TRAILING_PUNCTUATION + "-").upper()
    for name, parse in ARGUMENT_PARSERS:
        if keyword == name:
            return parse(rest, pin)
        if typos_matching(keyword, (name,)):
            parsed = parse(rest, pin)
            # A typo'd keyword is a command only in its exact shape, or alone.
            if parsed is not None and (not isinstance(parsed, Malformed) or not rest):
                return parsed
            return None
    return None


def split_first_word(text: str) -> tuple[str, str]:
    """Return the first word and the rest, trimmed."""
    parts = text.split(None, 1)
    return parts[0], parts[1].strip() if len(parts) > 1 else ""


def parse_join(rest: str, pin: str | None) -> Join | Malformed:
    """Return JOIN's code, or how to write it."""
    words = whole_text(rest).split()
    if not words:
        return Malformed("JOIN", JOIN_HINT)
    code = words[0].lstrip("#")
    if len(words) > 1 or not EVENT_CODE.fullmatch(code):
        return Malformed("JOIN", JOIN_SHAPE_HINT)
    return Join(code, pin)


def parse_follow(rest: str, pin: str | None) -> Follow | Malformed | None:
    """Return FOLLOW's code and level, how to write them (FOLLOW alone), or None (a post)."""
    words = whole_text(rest).split()
    if not words:
        return Malformed("FOLLOW", FOLLOW_HINT)
    code = words[0].lstrip("#")
    if len(words) > 2 or not EVENT_CODE.fullmatch(code):
        return None
    if len(words) == 1:
        return Follow(code, "notices", pin)
    level = FOLLOW_LEVELS.get(words[1])
    return Follow(code, level, pin) if level else None


def parse_reply(rest: str, pin: str | None) -> Reply | Malformed:
    """Return REPLY's number and answer, or how to write them."""
    match = REPLY_ARGS.fullmatch(rest)
    if not match or int(match.group(1)) < 1:
        return Malformed("REPLY", REPLY_HINT)
    answer = (match.group(2) or "").strip()
    if not answer:
        return Malformed("REPLY", REPLY_TEXT_HINT)
    return Reply(int(match.group(1)), answer, pin)


def parse_pin(rest: str, pin: str | None) -> SetPin | RemovePin | Malformed:
    """Return PIN's new PIN or OFF, or how to write them."""
    value = whole_text(rest)
    if value in ("OFF", "NONE"):
        return RemovePin(pin)
    if PIN_DIGITS.fullmatch(value):
        return SetPin(value, pin)
    return Malformed("PIN", PIN_HINT)


ARGUMENT_PARSERS: tuple[tuple[str, Callable[[str, str | None], Command | None]], ...] = (
    ("JOIN", parse_join),
    ("FOLLOW", parse_follow),
    ("REPLY", parse_reply),
    ("PIN", parse_pin),
)


def parse_prefixed(text: str, pin: str | None, has_pin: bool) -> Command | None:
    """Return a post for the platforms a leading "X:" or "BS, M:" names, or None."""
    match = PREFIX.match(text)
    if not match:
        return None
    names = [name.upper() for name in PREFIX_SEPARATORS.split(match.group(1).strip()) if name]
    if not names or not all(name in PLATFORM_ALIASES or name == ALL_PLATFORMS for name in names):
        return None
    platforms = (
        None if ALL_PLATFORMS in names else frozenset(PLATFORM_ALIASES[name] for name in names)
    )
    label = match.group(1).strip().upper()
    words = (match.group(2) or "").strip()
    if has_pin and pin is None:
        pin, words = split_pin(words)
    if not words:
        return Malformed("POST", f"Write your post after {label}: e.g. {label}: Great keynote")
    bare = parse_bare(words, pin) if len(words.split()) == 1 else None
    if bare is not None:
        keyword = bare_keyword(bare)
        return Malformed(keyword, f"Nothing was posted. To use {keyword}, text it on its own.")
    return Post(words, platforms, pin)


def bare_keyword(command: Command) -> str:
    """Return the keyword a bare command is known by, for hints."""
    if isinstance(command, OptOut):
        return command.word
    return BARE_KEYWORDS.get(type(command), type(command).__name__.upper())


def keyword_for(word: str, keywords: tuple[str, ...]) -> str | None:
    """Return the keyword the word is, exactly or by a forgiven typo, or None."""
    if word in keywords:
        return word
    matches = typos_matching(word, keywords)
    return matches[0] if matches else None


def typos_matching(word: str, keywords: tuple[str, ...]) -> tuple[str, ...]:
    """Return the keywords the word is a forgiven typo of."""
    if word in NOT_TYPOS:
        return ()
    return tuple(keyword for keyword in keywords if is_typo(word, keyword))


def is_typo(word: str, keyword: str) -> bool:
    """Tell whether word is keyword with one forgiven slip (see the module docstring)."""
    if len(keyword) < 4 or word == keyword:
        return False
    if len(word) == len(keyword):
        return is_swap(word, keyword)
    if len(word) == len(keyword) + 1:
        return any(
            word[:i] + word[i + 1 :] == keyword and word[i] == word[i - 1]
            for i in range(1, len(word))
        )
    if len(word) == len(keyword) - 1 and len(keyword) >= 6:
        return any(keyword[:i] + keyword[i + 1 :] == word for i in range(len(keyword)))
    return False


def is_swap(word: str, keyword: str) -> bool:
    """Tell whether word is keyword with two neighbouring letters swapped."""
    differ = [i for i in range(len(word)) if word[i] != keyword[i]]
    if len(differ) != 2 or differ[1] != differ[0] + 1:
        return False
    i, j = differ
    return word[i] == keyword[j] and word[j] == keyword[i]
