"""Phone numbers in one form: E.164, checked with the phonenumbers library."""

from __future__ import annotations

import phonenumbers


class InvalidPhone(ValueError):
    """The text given is not a valid phone number."""


def normalise_phone(raw: str, default_region: str = "NZ") -> str:
    """Return the number in E.164 (+6421…), reading national forms in the default region."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"{raw!r} is not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"{raw!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def region_of(phone: str) -> str | None:
    """The region (ISO 3166 code, e.g. "NZ") of an E.164 number, or None if none is known."""
    return phonenumbers.region_code_for_number(phonenumbers.parse(phone))
