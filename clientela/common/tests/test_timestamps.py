"""On PostgreSQL, date-times are read by psycopg's C loader (`common.timestamps`) with exactly the values and the
time zone Django's own loader gives."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from psycopg.pq import Format

from clientela.common.timestamps import TIMESTAMPTZ, UtcTimestampLoader
from clientela.customers.models import Contact

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="a loader of psycopg (PostgreSQL)")
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


def test_times_read_back_as_saved_in_utc(in_acme):
    moments = [datetime.datetime(2026, 3, 29, 2, 30, 0, 123456, tzinfo=datetime.UTC),  # Madrid's clocks go forward
               datetime.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=MADRID),
               datetime.datetime(1, 1, 1, 0, 0, tzinfo=datetime.UTC)]
    owner = in_acme.users["rep"]
    ids = []
    for moment in moments:
        contact = Contact.objects.create(workspace=in_acme, first_name="T", owner=owner)
        Contact.objects.filter(pk=contact.pk).update(anonymised_at=moment)
        ids.append(contact.pk)

    read = [Contact.objects.get(pk=pk).anonymised_at for pk in ids]
    listed = [Contact.objects.values_list("anonymised_at", flat=True).get(pk=pk) for pk in ids]

    assert read == listed == moments
    assert {value.tzinfo for value in read + listed} == {datetime.UTC}
    assert read[1].hour == 22  # 23:59 in Madrid (UTC+1 in winter), read in UTC


def test_django_keeps_the_loader_on_every_cursor(in_acme):
    Contact.objects.exists()  # connected
    with connection.cursor() as cursor:
        assert cursor.cursor.adapters.get_loader(TIMESTAMPTZ, Format.TEXT) is UtcTimestampLoader
