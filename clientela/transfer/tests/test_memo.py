from clientela.transfer.memo import Memo
from clientela.transfer.normalise import Converter


def _feed(memo: Memo, cells) -> None:
    for cell in cells:
        if cell in memo:
            memo.hits += 1
        else:
            memo.remember(cell, cell.upper())


def test_a_column_that_does_not_repeat_stops_remembering_after_its_sample():
    memo = Memo()
    _feed(memo, (f"user{i}@example.com" for i in range(Memo.SAMPLE + 100)))
    assert not memo.active and len(memo) == 0


def test_a_column_that_repeats_keeps_its_values():
    memo = Memo()
    _feed(memo, (f"Ciudad {i % 300}" for i in range(Memo.SAMPLE * 4)))
    assert memo.active and len(memo) == 300 and memo["Ciudad 7"] == "CIUDAD 7"


def test_a_converter_gives_the_same_values_whether_or_not_it_remembers():
    from django import forms

    converter = Converter(forms.DecimalField(), target="cf_amount", date_order="dmy", region="ES")
    cells = [f"{i},50" for i in range(Memo.SAMPLE + 10)] + ["1.234,56"] * 3
    assert [converter(c) for c in cells][-4:] == [f"{Memo.SAMPLE + 9}.50", "1234.56", "1234.56", "1234.56"]
    assert not converter.memo.active
