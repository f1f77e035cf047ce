"""A whole-number custom field keeps only numbers every JSON reader holds exactly."""

import pytest
from django.core.exceptions import ValidationError

from clientela.customization.kinds import SAFE_INTEGER, form_field
from clientela.customization.models import FieldDefinition


@pytest.mark.parametrize("value, valid", [(SAFE_INTEGER, True), (-SAFE_INTEGER, True), (SAFE_INTEGER + 1, False),
                                          (10 ** 26, False), (-(10 ** 26), False)])
def test_whole_numbers_are_kept_within_what_json_readers_hold_exactly(value, valid):
    field = form_field(FieldDefinition(key="score", kind="integer", label_en="Score", label_es="Puntuación"))
    assert field.widget.attrs.get("max") == SAFE_INTEGER
    if valid:
        assert field.clean(value) == value
    else:
        with pytest.raises(ValidationError, match="9007199254740991"):
            field.clean(value)


def test_a_definitions_own_bounds_still_apply():
    field = form_field(FieldDefinition(key="seats", kind="integer", label_en="Seats", label_es="Puestos",
                                       min_value=1, max_value=10))
    assert (field.min_value, field.max_value) == (1, 10)
