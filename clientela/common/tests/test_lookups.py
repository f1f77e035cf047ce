"""`AnyOf` finds exactly the rows `__in` finds, for UUIDs, integers and texts that need quoting."""

import uuid

from django.db.models import F
from django.db.models.functions import Lower

from clientela.common.lookups import AnyOf
from clientela.customers.models import Contact, Tag
from clientela.workspaces.models import User

AWKWARD = ['plain', 'with "quotes"', "back\\slash", "a,comma", "{braces}", "NULL", "", "trailing\\", "ñandú ü"]


def test_texts_that_need_quoting_are_matched_exactly(in_acme):
    for name in AWKWARD:
        Tag.objects.create(workspace=in_acme, name=name)
    Tag.objects.create(workspace=in_acme, name="other")
    tags = Tag.objects.annotate(lowered=Lower("name"))
    found = sorted(tags.filter(AnyOf(F("lowered"), [name.lower() for name in AWKWARD])).values_list("name", flat=True))
    assert found == sorted(AWKWARD)
    assert found == sorted(tags.filter(lowered__in=[n.lower() for n in AWKWARD]).values_list("name", flat=True))
    assert list(tags.filter(AnyOf(F("lowered"), ['with "quotes', "back"]))) == []  # no partial matches


def test_uuids_and_integers(in_acme):
    owner = in_acme.users["rep"]
    first, second, third = (Contact.objects.create(workspace=in_acme, first_name=n, last_name="X", owner=owner) for n in "abc")
    assert set(Contact.objects.filter(AnyOf(F("pk"), [first.pk, third.pk, uuid.uuid4()]))) == {first, third}
    assert set(Contact.objects.filter(AnyOf(F("pk"), [str(second.pk)]))) == {second}  # text keys too
    assert set(Contact.objects.filter(AnyOf(F("owner"), [owner.pk]))) == {first, second, third}
    assert set(User.objects.filter(AnyOf(F("pk"), [owner.pk, in_acme.users["admin"].pk]))) == {
        owner, in_acme.users["admin"]}


def test_no_values_match_nothing(in_acme):
    Contact.objects.create(workspace=in_acme, first_name="a", last_name="b")
    assert list(Contact.objects.filter(AnyOf(F("pk"), []))) == []
    assert Contact.objects.exclude(AnyOf(F("pk"), [])).count() == 1
