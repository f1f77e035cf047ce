"""Phone numbers: stored in E.164, shown in national format, searched in any format."""

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from phonenumbers import PhoneMetadata, PhoneNumber


def default_region() -> str:
    return settings.CLIENTELA["DEFAULT_PHONE_REGION"]


def to_e164(raw: str, region: str | None = None) -> str:
    """Parse what a person typed into E.164, or raise ValidationError naming the rule."""
    region = region or default_region()
    if (fast := _plain_national(raw, region)) is not None:
        return fast
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("“%(value)s” is not a phone number."), code="invalid_phone",
                              params={"value": raw}) from exc
    if not phonenumbers.is_valid_number(number):
        if raw.strip().startswith(("+", "00")):  # the country code is there: the hint would not help
            raise ValidationError(_("“%(value)s” is not a valid phone number."), code="invalid_phone",
                                  params={"value": raw})
        raise ValidationError(
            _("“%(value)s” is not a valid phone number; include the country code (e.g. +34) for numbers abroad."),
            code="invalid_phone", params={"value": raw},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_SEPARATORS = str.maketrans("", "", " .-()")
_no_prefix: dict[str, tuple | None] = {}


def _calling_code(region: str) -> tuple | None:
    """(calling code, international prefix) of a region whose national numbers the library parses by taking the
    digits as they are (no national prefix or carrier code to strip), else None."""
    if region not in _no_prefix:
        meta = PhoneMetadata.metadata_for_region(region)
        plain = meta is not None and not meta.national_prefix_for_parsing and not meta.national_prefix
        _no_prefix[region] = (meta.country_code, re.compile(meta.international_prefix or "(?!)")) if plain else None
    return _no_prefix[region]


def _plain_national(raw: str, region: str) -> str | None:
    """E.164 of a valid national number typed as digits and separators (spaces, dots, dashes, brackets) in a region
    like Spain, without `phonenumbers.parse`, which takes two thirds of the time of converting it: for such a
    number, parsing only takes the digits as they are. None for anything else, which the library parses: a "+" or
    a leading zero (a prefix), letters, other digits, an extension, an invalid number. `tests` compare both."""
    if len(raw) > 250:  # the library refuses longer input
        return None
    digits = raw.translate(_SEPARATORS)
    if not (4 <= len(digits) <= 17 and digits.isascii() and digits.isdigit()) or digits[0] == "0":
        return None
    plain = _calling_code(region)
    if plain is None or plain[1].match(digits):  # no region like Spain, or it begins like a call abroad
        return None
    code = plain[0]
    if not phonenumbers.is_valid_number(PhoneNumber(country_code=code, national_number=int(digits))):
        return None
    return f"+{code}{digits}"


def try_e164(raw: str, region: str | None = None) -> str | None:
    try:
        return to_e164(raw, region)
    except ValidationError:
        return None


def display(e164: str, region: str | None = None) -> str:
    """National format for numbers of the home region, international for the rest."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    home = region or default_region()
    fmt = (phonenumbers.PhoneNumberFormat.NATIONAL
           if phonenumbers.region_code_for_number(number) == home
           else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, fmt)
