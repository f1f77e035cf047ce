"""How exports and API lists read date and date-time columns: each database's cheapest form, same moment."""

import datetime

from django.db import connection

from clientela.customers.models import Contact
from clientela.registry.export_cells import DateRead, UtcWallClock, _local

MOMENT = datetime.datetime(2025, 3, 30, 0, 59, 59, 123456, tzinfo=datetime.UTC)


def test_times_and_dates_are_read_without_django_converting_them(in_acme):
    contact = Contact.objects.create(workspace=in_acme, first_name="Ana", last_name="Read",
                                     birthday=datetime.date(1985, 2, 3))
    Contact.objects.filter(pk=contact.pk).update(created_at=MOMENT)

    moment, birthday = Contact.objects.values_list(UtcWallClock("created_at"), DateRead("birthday")).get(pk=contact.pk)

    if connection.vendor == "sqlite":  # the stored text: neither the driver nor Django parse it
        assert (moment, birthday) == ("2025-03-30 00:59:59.123456", "1985-02-03")
    else:  # UTC wall-clock time, which psycopg loads in C (an aware value would go through Django's loader)
        assert (moment, birthday) == (MOMENT.replace(tzinfo=None), datetime.date(1985, 2, 3))
    assert _local(moment, datetime.UTC) == MOMENT
