"""The exports' phone formatting writes exactly what `phones.display` writes."""

import random

import phonenumbers
import pytest

from clientela.common import phones
from clientela.common.phones_fast import display_fast


def _numbers() -> list[str]:
    examples = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in range(11):
            if example := phonenumbers.example_number_for_type(region, kind):
                examples.append(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))
    chance, mutated = random.Random(6), []
    for number in examples:  # invalid and unusual numbers too: one digit changed, cut short, leading zeros
        digits = list(number[1:])
        digits[chance.randrange(len(digits))] = str(chance.randrange(10))
        mutated += ["+" + "".join(digits), number[:5], "+0" + number[1:], number[:3] + "0" + number[3:]]
    return examples + mutated + ["", "+", "+3", "612345678", "+34 612 34 56 78", "+999123456", "+1"]


@pytest.mark.parametrize("home", ["ES", "US", "MX", "GB"])
def test_fast_display_equals_the_library_path(home):
    numbers = _numbers()
    assert len(numbers) > 3000
    assert [display_fast(n, home) for n in numbers] == [phones.display(n, home) for n in numbers]
