"""Bulk create / update / upsert: validated like single writes, all-or-nothing or per record."""

import copy
from datetime import date, datetime, timedelta, timezone
from uuid import UUID

import pytest
from django.db import DataError, connection, transaction

from clientela.api.rows import update_rows
from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.customization.models import FieldDefinition
from clientela.history.models import FieldChange
from clientela.integrations.models import ChangeEvent
from clientela.security.models import RecordShare
from clientela.workspaces.scoping import use_workspace

from .test_api import PROBLEM, api_client, send

URL = "/api/v1/contacts/bulk"


@pytest.fixture
def people(acme):
    with use_workspace(acme):
        admin = acme.users["admin"]
        return [factories.contact(admin, first=first, last="Ruiz", job_title="Buyer",
                                  emails=[{"email": f"{first.lower()}@ruiz.es", "label": "work", "is_primary": "on"}])
                for first in ("Ana", "Bea")]


def test_bulk_create_writes_every_record_with_history_and_events(admin_api, acme):
    records = [{"first_name": f"Person {n}", "lifecycle_status": "prospect", "custom": {}} for n in range(30)]
    records[3]["emails"] = [{"email": "three@example.com"}]  # rows take the one-by-one path

    response = send(admin_api, "post", URL, {"operation": "create", "records": records})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["failed"]) == (30, 0)
    with use_workspace(acme):
        ids = [r["id"] for r in body["results"]]
        saved = Contact.objects.filter(pk__in=ids)
        assert saved.count() == 30 and {c.lifecycle_status for c in saved} == {"prospect"}
        assert {c.owner_id for c in saved} == {acme.users["admin"].pk}
        assert Contact.objects.get(pk=ids[3]).emails.get().email == "three@example.com"
        assert FieldChange.objects.filter(record_id__in=ids, action="created").values("record_id").distinct().count() == 30
        assert ChangeEvent.objects.filter(name="record.created", record_id__in=ids).count() == 30
    fast = [UUID(pk) for n, pk in enumerate(ids) if n != 3]  # time-ordered keys, as an import writes them
    assert {key.version for key in fast} == {7}


def test_one_invalid_record_writes_nothing_and_names_it(admin_api, acme):
    records = [{"first_name": "Good"}, {"first_name": "", "birthday": "not a date"}, {"first_name": "Also good"}]

    response = send(admin_api, "post", URL, {"operation": "create", "records": records})

    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"records[1].first_name", "records[1].birthday"}
    with use_workspace(acme):
        assert not Contact.objects.exists()


def test_per_record_results_write_the_valid_ones(admin_api, acme):
    records = [{"first_name": "Good"}, {"first_name": "Bad", "nope": 1}, {"first_name": "Fine", "lifecycle_status": "x"}]

    body = send(admin_api, "post", URL, {"operation": "create", "atomic": False, "records": records}).json()

    assert [r["status"] for r in body["results"]] == ["created", "failed", "failed"]
    assert body["results"][1]["errors"][0]["field"] == "records[1].nope"
    assert body["results"][2]["errors"][0]["field"] == "records[2].lifecycle_status"
    with use_workspace(acme):
        assert list(Contact.objects.values_list("first_name", flat=True)) == ["Good"]


def test_upsert_by_email_changes_known_people_and_creates_the_others(admin_api, people, acme):
    records = [
        {"emails": [{"email": "ANA@ruiz.es"}], "job_title": "Head buyer"},  # same row, other case: still Ana
        {"emails": [{"email": "bea@ruiz.es"}], "job_title": "Buyer"},  # nothing changes
        {"emails": [{"email": "new@ruiz.es"}], "first_name": "Nuevo"},
    ]

    body = send(admin_api, "post", URL, {"operation": "upsert", "match": "email", "records": records}).json()

    assert [r["status"] for r in body["results"]] == ["updated", "unchanged", "created"], body
    assert body["results"][0]["id"] == str(people[0].pk)
    with use_workspace(acme):
        ana = Contact.objects.get(pk=people[0].pk)
        assert ana.job_title == "Head buyer" and ana.emails.get().email == "ana@ruiz.es"
        change = FieldChange.objects.get(record_id=ana.pk, field="job_title", action="updated")
        assert (change.old_value, change.new_value) == ("Buyer", "Head buyer")
        assert Contact.objects.get(pk=body["results"][2]["id"]).emails.get().email == "new@ruiz.es"
    again = send(admin_api, "post", URL, {"operation": "upsert", "match": "email", "records": records}).json()
    assert [r["status"] for r in again["results"]] == ["unchanged", "unchanged", "unchanged"]


def test_update_by_id_and_by_a_unique_custom_field(admin_api, people, acme):
    with use_workspace(acme):
        FieldDefinition.objects.create(workspace=acme, entity="contacts", key="erp_id", kind="text", unique=True,
                                       label_en="ERP id", label_es="Id ERP")
    by_id = send(admin_api, "post", URL, {"operation": "update", "records": [
        {"id": str(people[0].pk), "custom": {"erp_id": "E-1"}},
        {"id": str(people[1].pk), "custom": {"erp_id": "E-1"}}]})
    assert by_id.status_code == 422
    assert by_id.json()["errors"][0]["field"] == "records[1].custom.erp_id"

    ok = send(admin_api, "post", URL, {"operation": "update", "records": [
        {"id": str(people[0].pk), "custom": {"erp_id": "E-1"}}]})
    by_custom = send(admin_api, "post", URL, {"operation": "upsert", "match": "custom.erp_id", "records": [
        {"custom": {"erp_id": "E-1"}, "lifecycle_status": "customer"},
        {"custom": {"erp_id": "E-2"}, "first_name": "Eva"}]}).json()

    assert ok.status_code == 200, ok.content
    assert [r["status"] for r in by_custom["results"]] == ["updated", "created"]
    with use_workspace(acme):
        assert Contact.objects.get(pk=people[0].pk).lifecycle_status == "customer"
        assert Contact.objects.get(custom__erp_id="E-2").first_name == "Eva"


def test_records_the_user_may_not_edit_are_refused_one_by_one(acme, people):
    with use_workspace(acme):
        mine = factories.contact(acme.users["rep"], first="Mine", owner=acme.users["rep"])
    rep = api_client(acme.users["rep"], acme)

    body = send(rep, "post", URL, {"operation": "update", "atomic": False, "records": [
        {"id": str(mine.pk), "job_title": "Mine"}, {"id": str(people[0].pk), "job_title": "Not mine"}]}).json()

    assert [r["status"] for r in body["results"]] == ["updated", "failed"]
    assert body["results"][1]["errors"][0]["code"] == "not_found"
    with use_workspace(acme):
        assert Contact.objects.get(pk=people[0].pk).job_title == "Buyer"


def test_limits_read_only_tokens_and_bad_choices_are_problems(admin_api, acme):
    too_many = send(admin_api, "post", URL, {"operation": "create", "records": [{"first_name": "x"}] * 1001})
    read_only = send(api_client(acme.users["admin"], acme, read_only=True), "post", URL,
                     {"operation": "create", "records": [{"first_name": "x"}]})
    bad_match = send(admin_api, "post", URL, {"operation": "upsert", "match": "phone", "records": []})
    bad_op = send(admin_api, "post", URL, {"operation": "merge", "records": []})

    assert too_many.status_code == 413 and too_many.json()["errors"][0]["field"] == "records"
    assert read_only.status_code == 403
    assert bad_match.status_code == 400 and bad_match.json()["errors"][0]["field"] == "match"
    assert bad_op.status_code == 422 and bad_op.json()["errors"][0]["field"] == "operation"
    with use_workspace(acme):
        assert not Contact.objects.exists()


def test_a_stale_version_is_refused(admin_api, people):
    current = admin_api.get(f"/api/v1/contacts/{people[0].pk}").json()["version"]

    body = send(admin_api, "post", URL, {"operation": "update", "atomic": False, "records": [
        {"id": str(people[0].pk), "version": current - 1, "job_title": "Late"}]}).json()

    assert body["results"][0]["errors"][0]["code"] == "stale"


def test_rows_sent_back_unchanged_are_no_change_and_changed_rows_are_written(admin_api, people, acme):
    with use_workspace(acme):
        email = people[0].emails.get()
    same = [{"id": str(email.pk), "email": "Ana@Ruiz.es ", "label": "work", "is_primary": True}]
    relabelled = [{"email": "ana@ruiz.es", "label": "personal", "is_primary": True}]
    added = [{"email": "ana@ruiz.es", "label": "work", "is_primary": True}, {"email": "ana2@ruiz.es"}]
    wrong_id = [{"id": str(people[1].pk), "email": "ana@ruiz.es", "label": "work", "is_primary": True}]

    def upsert(rows):
        body = send(admin_api, "post", URL, {"operation": "upsert", "match": "email", "atomic": False,
                                             "records": [{"emails": rows}]}).json()
        return body["results"][0]["status"]

    assert upsert(same) == "unchanged"
    assert upsert(wrong_id) == "failed"  # not a row of this record: the form says so
    assert upsert(relabelled) == "updated"
    with use_workspace(acme):
        assert list(people[0].emails.values_list("label", flat=True)) == ["personal"]
    assert upsert(added) == "updated"
    with use_workspace(acme):
        assert sorted(people[0].emails.values_list("email", flat=True)) == ["ana2@ruiz.es", "ana@ruiz.es"]


def test_the_answer_has_the_bytes_of_the_validated_response(admin_api, people, monkeypatch):
    """The answer is sent without validating it through `BulkResponse` again: ninja's way gives the same bytes."""
    from clientela.api import resources

    records = [{"emails": [{"email": "ana@ruiz.es"}], "job_title": "Head buyer"},
               {"emails": [{"email": "bea@ruiz.es"}], "job_title": "Buyer"},
               {"emails": [{"email": "not an email"}], "first_name": "Malo"},
               {"emails": [{"email": "new@ruiz.es"}], "first_name": "Nuevo", "lifecycle_status": "nope"},
               {"emails": [{"email": "ana@ruiz.es"}]},
               {"emails": [{"email": "otra@ruiz.es"}], "first_name": "Otra"}]
    answers = []
    real = resources.bulk_write

    def recorded(**kwargs):
        answers.append(real(**kwargs))
        return copy.deepcopy(answers[-1])

    monkeypatch.setattr(resources, "bulk_write", recorded)
    fast = send(admin_api, "post", URL, {"operation": "upsert", "match": "email", "atomic": False, "records": records})
    monkeypatch.setattr(resources, "bulk_write", lambda **kwargs: copy.deepcopy(answers[0]))
    monkeypatch.setattr(resources, "_bulk_response", lambda data: data)  # ninja validates it
    slow = send(admin_api, "post", URL, {"operation": "upsert", "match": "email", "atomic": False, "records": records})

    assert {r["status"] for r in fast.json()["results"]} == {"created", "updated", "unchanged", "failed"}
    assert (fast.status_code, fast["Content-Type"], fast.content) == (slow.status_code, slow["Content-Type"],
                                                                      slow.content)


# --- the fast path writes what a single change writes ------------------------------------------------------------


def _definitions(acme):
    with use_workspace(acme):
        FieldDefinition.objects.create(workspace=acme, entity="contacts", key="erp_id", kind="text", unique=True,
                                       label_en="ERP id", label_es="Id ERP")
        FieldDefinition.objects.create(workspace=acme, entity="contacts", key="region", kind="text",
                                       label_en="Region", label_es="Región")
        FieldDefinition.objects.create(workspace=acme, entity="contacts", key="tier", kind="picklist",
                                       label_en="Tier", label_es="Nivel", options=[
                                           {"value": "gold", "label_en": "Gold", "label_es": "Oro", "active": True},
                                           {"value": "silver", "label_en": "Silver", "label_es": "Plata",
                                            "active": True}])


def _history(acme, pk) -> list[tuple]:
    with use_workspace(acme):
        return sorted(FieldChange.objects.filter(record_id=pk).exclude(action="created")
                      .values_list("action", "field", "field_label", "old_value", "new_value"))


def _shown(admin_api, pk) -> dict:
    body = admin_api.get(f"/api/v1/contacts/{pk}").json()
    return {k: v for k, v in body.items() if k not in ("id", "emails", "created_at", "updated_at", "version")}


@pytest.mark.parametrize("change", [
    {"job_title": "Head buyer", "lifecycle_status": "customer", "birthday": "1990-05-17", "email_consent_source": "email",
     "custom": {"region": "North", "tier": "gold"}, "owner": "rep"},
    {"job_title": "", "birthday": None, "source": "", "custom": {"region": None, "tier": None}, "owner": None},
    {"email_consent": "granted", "owner": None},  # the consent date is set to today, in the history too
], ids=["values", "blanks", "consent"])
def test_a_bulk_change_writes_the_values_history_and_events_of_a_single_change(admin_api, acme, change):
    _definitions(acme)
    with use_workspace(acme):
        twins = [factories.contact(acme.users["admin"], first="Ana", job_title="Buyer", birthday="1980-01-02",
                                   source="event", cf_tier="silver", cf_region="South",
                                   emails=[{"email": f"ana@{name}.es", "label": "work", "is_primary": "on"}])
                 for name in ("single", "bulk")]
    change = {**change, "owner": acme.users["rep"].pk if change["owner"] else None}

    single = send(admin_api, "patch", f"/api/v1/contacts/{twins[0].pk}", change)
    bulk = send(admin_api, "post", URL, {"operation": "upsert", "match": "email", "records": [
        {**change, "emails": [{"email": "ana@bulk.es"}]}]})

    assert single.status_code == 200, single.content
    assert bulk.status_code == 200 and bulk.json()["results"][0]["status"] == "updated", bulk.content
    shown = [_shown(admin_api, twin.pk) for twin in twins]
    assert shown[1] == shown[0]
    assert shown[1]["custom"] == {"erp_id": None, "region": "South", "tier": "silver", **change.get("custom", {})}
    assert shown[1]["owner"] == change["owner"]
    assert _history(acme, twins[1].pk) == _history(acme, twins[0].pk) != []
    with use_workspace(acme):
        events = [ChangeEvent.objects.get(name="record.updated", record_id=twin.pk).changes for twin in twins]
    assert events[1] == events[0]


def test_rows_of_a_contact_with_several_emails(admin_api, acme):
    with use_workspace(acme):
        ana = factories.contact(acme.users["admin"], first="Ana", job_title="Buyer", emails=[
            {"email": "ana@work.es", "label": "work", "is_primary": "on"},
            {"email": "ana@home.es", "label": "personal"}])
        rows = [{k: v for k, v in row.items() if k != "id"}
                for row in admin_api.get(f"/api/v1/contacts/{ana.pk}").json()["emails"]]

    def upsert(record):
        body = send(admin_api, "post", URL, {"operation": "upsert", "match": "email", "records": [record]}).json()
        assert body["results"][0]["id"] == str(ana.pk)
        return body["results"][0]["status"]

    assert upsert({"emails": rows, "job_title": "Buyer"}) == "unchanged"
    assert upsert({"emails": rows, "job_title": "Head buyer"}) == "updated"
    assert upsert({"emails": rows[::-1], "job_title": "Head buyer"}) == "updated"  # another order is a change
    assert upsert({"emails": [{"email": "ANA@home.es"}]}) == "updated"  # found by its other email; the list replaces
    with use_workspace(acme):
        ana.refresh_from_db()
        assert ana.job_title == "Head buyer"
        assert list(ana.emails.values_list("email", flat=True)) == ["ana@home.es"]


def test_each_record_is_refused_or_written_by_what_the_user_may_see_and_edit(acme):
    rep, rep2 = acme.users["rep"], acme.users["rep2"]
    with use_workspace(acme):
        mine = factories.contact(rep, first="Mine", owner=rep)
        unowned = factories.contact(acme.users["admin"], first="Nobody's")
        Contact.objects.filter(pk=unowned.pk).update(owner=None)
        editable, readable, hidden = [factories.contact(rep2, first=first, owner=rep2)
                                      for first in ("Editable", "Readable", "Hidden")]
        RecordShare.objects.create(workspace=acme, entity="contacts", record_id=editable.pk, user=rep, can_edit=True)
        RecordShare.objects.create(workspace=acme, entity="contacts", record_id=readable.pk, user=rep)
    records = [mine, unowned, editable, readable, hidden]

    body = send(api_client(rep, acme), "post", URL, {"operation": "update", "atomic": False, "records": [
        {"id": str(record.pk), "job_title": "Changed"} for record in records]}).json()

    assert [(r["status"], [e["code"] for e in r["errors"]]) for r in body["results"]] == [
        ("updated", []), ("failed", ["forbidden"]), ("updated", []), ("failed", ["forbidden"]),
        ("failed", ["not_found"])]
    with use_workspace(acme):
        assert {c.first_name: c.job_title for c in Contact.objects.all()} == {
            "Mine": "Changed", "Nobody's": "", "Editable": "Changed", "Readable": "", "Hidden": ""}


def test_invalid_changes_are_named_like_single_changes(admin_api, acme):
    _definitions(acme)
    with use_workspace(acme):
        admin = acme.users["admin"]
        people = [factories.contact(admin, first=f"P{n}", cf_erp_id=f"E-{n}") for n in range(8)]
    changes = [{"lifecycle_status": "nope"}, {"birthday": "31/02/1990"}, {"first_name": ""}, {"owner": 999_999},
               {"custom": {"tier": "platinum"}}, {"job_title": "x" * 121}, {"custom": {"erp_id": "E-0"}},
               {"email_consent_date": "2999-01-01"}]

    body = send(admin_api, "post", URL, {"operation": "update", "atomic": False, "records": [
        {"id": str(person.pk), **change} for person, change in zip(people, changes, strict=True)]}).json()

    assert body["failed"] == 8
    for index, (person, change) in enumerate(zip(people, changes, strict=True)):
        single = send(admin_api, "patch", f"/api/v1/contacts/{person.pk}", change)
        assert single.status_code == 422
        assert [{**e, "field": e["field"].removeprefix(f"records[{index}].")}
                for e in body["results"][index]["errors"]] == single.json()["errors"], change
    with use_workspace(acme):
        assert not FieldChange.objects.filter(action="updated").exists()


def test_update_rows_keeps_texts_that_need_quoting_and_times_exactly(acme):
    titles = ['with "quotes"', "back\\slash", "trailing\\", "a,comma", "{braces}", "NULL", "", "  spaced  ", "ñandú ü"]
    when = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-5)))
    with use_workspace(acme):
        admin = acme.users["admin"]
        people = [factories.contact(admin, first=f"P{index}") for index in range(len(titles))]
        for person, title in zip(people, titles, strict=True):
            person.job_title, person.updated_at = title, when

        update_rows(Contact, people, ["job_title", "updated_at"])

        stored = dict(Contact.objects.values_list("first_name", "job_title"))
        assert [stored[person.first_name] for person in people] == titles
        assert set(Contact.objects.values_list("updated_at", flat=True)) == {when}


def test_update_rows_writes_every_kind_of_value_and_refuses_one_too_long(acme):
    with use_workspace(acme):
        admin, rep = acme.users["admin"], acme.users["rep"]
        ana, bea = (factories.contact(admin, first=first, job_title="Buyer", birthday="1980-01-02") for first in "AB")
        ana.job_title, ana.birthday, ana.custom, ana.owner = "Chef", date(1990, 5, 17), {"tier": "gold"}, rep
        bea.job_title, bea.birthday, bea.custom, bea.owner = "", None, {}, None

        update_rows(Contact, [ana, bea], ["job_title", "birthday", "custom", "owner"])

        assert list(Contact.objects.order_by("first_name").values_list(
            "job_title", "birthday", "custom", "owner", "first_name")) == [
            ("Chef", date(1990, 5, 17), {"tier": "gold"}, rep.pk, "A"), ("", None, {}, None, "B")]
        if connection.vendor == "postgresql":  # SQLite does not enforce lengths
            ana.job_title = "x" * 121
            with pytest.raises(DataError), transaction.atomic():
                update_rows(Contact, [ana], ["job_title"])
