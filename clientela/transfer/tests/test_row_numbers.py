"""The file's duplicate keys, kept compactly: what a dict of hash → first row number would answer."""

import random

from clientela.transfer.duplicates import DuplicateIndex, RowNumbers


def test_row_numbers_answer_as_a_dict_through_growth_collisions_and_odd_hashes():
    chance = random.Random(7)
    hashes = [chance.getrandbits(64) - 2 ** 63 for _ in range(5000)]
    hashes += [0, 1, -1, 2 ** 63 - 1, -2 ** 63] + [n << 20 for n in range(300)]  # same slot in a small table
    numbers, expected = RowNumbers(capacity=8), {}
    for row, hashed in enumerate(hashes + hashes[:700], start=1):  # some keys come again on later rows
        assert numbers.setdefault(hashed, row) == expected.setdefault(hashed or 1, row)
    assert len(numbers) == len(expected)
    assert all(numbers.get(hashed) == expected[hashed or 1] for hashed in hashes)
    assert [numbers.get(chance.getrandbits(64)) for _ in range(200)] == [None] * 200


def test_a_row_repeating_an_earlier_rows_key_is_told_which_row():
    index = DuplicateIndex()
    index.add([("email", "ana@example.es"), ("phone", "+34612345678")], 2)
    index.add([("email", "luis@example.es")], 3)

    assert index.find([("email", "bea@example.es"), ("phone", "+34612345678")]) == (None, 2, "phone")
    assert index.find([("email", "luis@example.es")]) == (None, 3, "email")
    assert index.find([("email", "nadie@example.es")]) == (None, None, "")
