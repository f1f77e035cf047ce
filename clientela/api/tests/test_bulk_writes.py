"""Bulk writes: who changed a record, and the change log's numbering, whatever path the rows take to the database."""


from clientela.common import bulk
from clientela.customers.models import Contact
from clientela.history.models import FieldChange
from clientela.integrations.models import ChangeEvent
from clientela.workspaces.scoping import use_workspace

from .test_api import send
from .test_bulk import URL, people  # noqa: F401 - the fixture


def test_every_changed_record_names_its_last_editor_whoever_changed_it_before(admin_api, acme, people):  # noqa: F811
    ana, bea = people
    with use_workspace(acme):
        Contact.objects.filter(pk=bea.pk).update(updated_by=acme.users["manager"])
        before = dict(Contact.objects.filter(pk__in=[ana.pk, bea.pk]).values_list("pk", "updated_at"))
    records = [{"emails": [{"email": "ana@ruiz.es"}], "job_title": "Head buyer"},
               {"emails": [{"email": "bea@ruiz.es"}], "job_title": "Chief buyer"}]

    response = send(admin_api, "post", URL, {"operation": "upsert", "match": "email", "records": records})

    assert response.status_code == 200, response.content
    assert response.json()["updated"] == 2
    with use_workspace(acme):
        saved = {c.pk: c for c in Contact.objects.filter(pk__in=[ana.pk, bea.pk])}
    assert (saved[ana.pk].job_title, saved[bea.pk].job_title) == ("Head buyer", "Chief buyer")
    assert {c.updated_by_id for c in saved.values()} == {acme.users["admin"].pk}
    assert all(c.updated_at > before[pk] for pk, c in saved.items())


def test_change_log_rows_are_numbered_in_the_order_of_the_changes(admin_api, acme, people):  # noqa: F811
    records = [{"emails": [{"email": "bea@ruiz.es"}], "job_title": "First"},
               {"emails": [{"email": "ana@ruiz.es"}], "job_title": "Second"}]

    response = send(admin_api, "post", URL, {"operation": "upsert", "match": "email", "records": records})

    assert response.status_code == 200, response.content
    ids = [result["id"] for result in response.json()["results"]]
    with use_workspace(acme):
        logged = list(ChangeEvent.objects.filter(record_id__in=ids, name="record.updated").order_by("id").values_list("record_id", "changes"))
    assert [record_id for record_id, _changes in logged] == ids
    assert [changes["job_title"]["new"] for _id, changes in logged] == ["First", "Second"]


def test_rows_numbered_by_the_database_answer_their_ids_in_order_and_later_rows_follow(acme, db):
    workspace_id = acme.pk
    rows = [{"workspace_id": workspace_id, "entity": "contacts", "record_id": f"r{n}", "name": "record.updated",
             "actor_id": None, "changes": {"n": n}} for n in range(5)]

    ids = bulk.insert_rows(ChangeEvent, rows, returning="id")
    later = ChangeEvent.unscoped.create(workspace_id=workspace_id, entity="contacts", record_id="later",
                                        name="record.updated")

    assert ids == sorted(ids) and len(set(ids)) == 5
    stored = dict(ChangeEvent.unscoped.filter(pk__in=ids).values_list("pk", "record_id"))
    assert [stored[pk] for pk in ids] == [f"r{n}" for n in range(5)]
    assert ChangeEvent.unscoped.get(pk=ids[2]).changes == {"n": 2}
    assert later.pk > max(ids)


def test_creating_more_records_in_one_request_reads_their_owner_once(admin_api, acme):
    """New records take the caller as owner; their history names the owner, read once, not once per record."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def create(count: int, batch: str) -> int:
        records = [{"first_name": f"{batch}{n}", "job_title": "Buyer"} for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            response = send(admin_api, "post", URL, {"operation": "create", "records": records})
        assert response.status_code == 200, response.content
        assert response.json()["created"] == count
        return len(queries)

    create(3, "warm")
    assert create(10, "ten") == create(40, "forty")
    with use_workspace(acme):
        owners = set(Contact.objects.filter(first_name__startswith="forty").values_list("owner_id", flat=True))
        history = FieldChange.objects.filter(record_id__in=Contact.objects.filter(first_name__startswith="forty")
                                             .values("pk"), field="owner")
        assert owners == {acme.users["admin"].pk}
        assert history.count() == 40 and set(history.values_list("new_value", flat=True)) == {
            str(acme.users["admin"])}
