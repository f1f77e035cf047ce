"""Rows written in bulk get time-ordered keys (UUID version 7); rows saved one at a time keep random ones."""

import time
import uuid

from clientela.common import bulk
from clientela.common.keys import time_ordered
from clientela.customers.models import Contact
from clientela.history.models import FieldChange


def test_a_key_is_a_version_7_uuid_that_begins_with_the_time():
    before = time.time_ns() // 1_000_000
    key = time_ordered()
    after = time.time_ns() // 1_000_000
    assert (key.version, key.variant) == (7, uuid.RFC_4122)
    assert before <= key.int >> 80 <= after
    assert uuid.UUID(str(key)) == key


def test_keys_are_distinct_and_later_ones_sort_after():
    keys = {time_ordered() for _ in range(10_000)}
    assert len(keys) == 10_000
    first = time_ordered()
    time.sleep(0.002)
    assert time_ordered() > first


def test_bulk_writes_give_new_rows_time_ordered_keys(in_acme):
    blank = bulk.Blank(Contact)
    contacts = [blank(workspace=in_acme, first_name=f"Bulk{n}", last_name="Test") for n in range(3)]
    bulk.insert(Contact, contacts)
    stored = list(Contact.objects.filter(first_name__startswith="Bulk").values_list("pk", flat=True))
    assert len(set(stored)) == 3 and {key.version for key in stored} == {7}

    contact = contacts[0]
    bulk.insert_rows(FieldChange, [{"workspace_id": in_acme.pk, "entity": "contacts", "record_id": contact.pk,
                                    "action": "created", "batch": uuid.uuid4()}])
    assert FieldChange.objects.get(record_id=contact.pk).pk.version == 7

    one = Contact.objects.create(workspace=in_acme, first_name="One", last_name="At a time")
    assert one.pk.version == 4
