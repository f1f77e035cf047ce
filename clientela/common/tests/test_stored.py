from uuid import UUID, uuid4

import pytest

from clientela.common.stored import uuid_of


def test_uuid_of_reads_every_form_a_key_is_stored_or_written_in():
    key = uuid4()
    for text in (key.hex, str(key), str(key).upper(), f"{{{key}}}", f"urn:uuid:{key}"):
        built = uuid_of(text)
        assert built == key and isinstance(built, UUID) and str(built) == str(key), text
        assert hash(built) == hash(key)


@pytest.mark.parametrize("text", ["", "not-a-key", "g" * 32, "12345678-1234-1234-1234-12345678901z"])
def test_uuid_of_refuses_what_uuid_refuses(text):
    with pytest.raises(ValueError):
        UUID(text)
    with pytest.raises(ValueError):
        uuid_of(text)
