from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.history.models import FieldChange
from clientela.registry import entities
from clientela.registry.services import record_trash


def test_purge_trash_deletes_only_what_has_been_in_the_trash_for_30_days(in_acme):
    admin = in_acme.users["admin"]
    old, recent, alive = (factories.contact(admin, first=n, last="") for n in ("Viejo", "Reciente", "Vivo"))
    for record in (old, recent):
        record_trash(entity=entities.get("contacts"), record=record, by=admin)
    Contact.trashed.filter(pk=old.pk).update(deleted_at=timezone.now() - timedelta(days=31))
    call_command("purge_trash")
    assert sorted(str(c) for c in Contact.with_trashed.all()) == ["Reciente", "Vivo"]
    assert not FieldChange.objects.filter(record_id=old.pk).exists()
    assert alive.deleted_at is None
