import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clientela.common import events
from clientela.customers.tests import factories
from clientela.registry import entities
from clientela.registry.services import record_trash
from conftest import login


@pytest.fixture
def received():
    seen = []
    handler = events.subscribe(seen.append)
    yield seen
    events._subscribers.remove(handler)


def test_events_are_delivered_only_after_the_transaction_commits(in_acme, received,
                                                                 django_capture_on_commit_callbacks):
    admin = in_acme.users["admin"]
    with django_capture_on_commit_callbacks(execute=False) as pending:
        contact = factories.contact(admin, first="Nora")
    assert received == [] and pending  # queued, not yet delivered
    for callback in pending:
        callback()
    assert [(e.name, e.entity, e.record_id) for e in received] == [("record.created", "contacts", str(contact.pk))]


def test_an_edit_event_carries_the_changed_fields_and_the_actor(in_acme, received,
                                                               django_capture_on_commit_callbacks):
    admin = in_acme.users["admin"]
    contact = factories.contact(admin, first="Nora", last="Vidal")
    with django_capture_on_commit_callbacks(execute=True):
        record_trash(entity=entities.get("contacts"), record=contact, by=admin)
    assert received[-1].name == "record.deleted" and received[-1].actor_id == admin.pk


def test_a_failing_consumer_does_not_stop_the_others(in_acme, received, django_capture_on_commit_callbacks):
    def broken(event):
        raise RuntimeError("consumer down")

    events.subscribe(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            factories.contact(in_acme.users["admin"], first="Olga")
    finally:
        events._subscribers.remove(broken)
    assert [e.name for e in received] == ["record.created"]


@pytest.mark.parametrize("key", ["contacts", "companies"])
def test_list_and_detail_pages_do_not_run_a_query_per_row(in_acme, key):
    admin = in_acme.users["admin"]
    company = factories.company(admin, name="Base S.L.")

    def add(n):
        for i in range(n):
            if key == "contacts":
                factories.contact(admin, first=f"P{i}", emails=[{"email": f"p{i}@x.es", "label": "work"}],
                                  phones=[{"number": f"+3461234{i:04d}", "label": "mobile"}],
                                  affiliations=[{"company_name": "Base S.L.", "role": "x"}])
            else:
                factories.company(admin, name=f"C{i}", phones=[{"number": f"+3491234{i:04d}", "label": "work"}],
                                  addresses=[{"city": "Sevilla", "country": "ES", "label": "office"}])

    client = login(admin)

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    add(2)
    client.get(f"/{key}/")  # the first request of a session stores the workspace in it
    few = queries(f"/{key}/")
    add(20)
    assert queries(f"/{key}/") == few
    detail = f"/companies/{company.pk}/"
    client.post(f"/notes/companies/{company.pk}/add/", {"body": "<p>first</p>"})
    before = queries(detail)
    for i in range(5):
        client.post(f"/notes/companies/{company.pk}/add/", {"body": f"<p>n{i}</p>"})
    assert queries(detail) == before
