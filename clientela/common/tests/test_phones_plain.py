"""Numbers typed the plain national way get the E.164 form the library's parser gives, without it."""

import random

import phonenumbers
import pytest
from django.core.exceptions import ValidationError

from clientela.common import phones


def _library(raw: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _typed(region: str) -> list[str]:
    """Every example number of the region in national digits, written as people write them, and mutated."""
    chance, typed = random.Random(f"phones-{region}"), []
    for kind in range(11):
        example = phonenumbers.example_number_for_type(region, kind)
        if example is None:
            continue
        national = phonenumbers.national_significant_number(example)
        digits = list(national)
        digits[chance.randrange(len(digits))] = str(chance.randrange(10))
        variants = [national, "".join(digits), national[:-1], national + "1", national[1:],
                    f"{phonenumbers.country_code_for_region(region)}{national}", f"00{national}"]
        for variant in variants:
            typed.append(variant)
            spaced = "".join(c + chance.choice(["", "", " ", "-", ".", ")", "("]) for c in variant)
            typed += [spaced, f"({variant[:3]}) {variant[3:]}", f" {variant} ", f"{variant}-", f"+{variant}"]
    return typed


@pytest.mark.parametrize("region", sorted(phonenumbers.SUPPORTED_REGIONS))
def test_plain_national_numbers_parse_as_the_library_parses_them(region):
    typed = _typed(region)
    assert [phones.try_e164(raw, region) for raw in typed] == [_library(raw, region) for raw in typed]


def test_a_spanish_mobile_typed_with_spaces_is_stored_in_e164_and_a_short_one_is_refused():
    assert phones.to_e164("612 34 56 78", "ES") == "+34612345678"
    assert phones.to_e164("(91) 123-45-67", "ES") == "+34911234567"
    for refused_input in ("612 34 56", "6" + " " * 300 + "12345678"):
        with pytest.raises(ValidationError) as refused:
            phones.to_e164(refused_input, "ES")
        assert refused.value.code == "invalid_phone"


def test_the_quick_way_is_taken_for_spain_and_not_where_a_national_prefix_is_stripped():
    assert phones._plain_national("612 345 678", "ES") == "+34612345678"
    assert phones._plain_national("020 7946 0958", "GB") is None  # a trunk prefix: the library strips it
    assert phones._plain_national("2025550123", "US") is None  # NANP numbers may start with the trunk "1"
    assert phones.to_e164("2025550123", "US") == "+12025550123"


@pytest.mark.parametrize(("typed", "hint"), [("+44 7700 900123", False), ("0044 7700 900123", False),
                                             ("612 34", True)])
def test_the_country_code_hint_is_given_only_when_the_code_is_missing(typed, hint):
    with pytest.raises(ValidationError) as refused:
        phones.to_e164(typed, "ES")
    message = refused.value.messages[0]
    assert f"“{typed}” is not a valid phone number" in message
    assert ("include the country code" in message) is hint
