"""Phone numbers: stored in E.164, shown in national format, searched in any format."""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def default_region() -> str:
    return settings.CLIENTELA["DEFAULT_PHONE_REGION"]


def to_e164(raw: str, region: str | None = None) -> str:
    """Parse what a person typed into E.164, or raise ValidationError naming the rule."""
    try:
        number = phonenumbers.parse(raw, region or default_region())
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("“%(value)s” is not a phone number."), code="invalid_phone",
                              params={"value": raw}) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("“%(value)s” is not a valid phone number; include the country code (e.g. +34) for numbers abroad."),
            code="invalid_phone", params={"value": raw},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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
