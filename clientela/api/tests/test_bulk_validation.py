"""Bulk records validated through `transfer.fastpath.FastForm`: what each record gets is what a single PATCH
gives that record, whichever records came before it in the request."""

import zoneinfo
from datetime import date

import pytest
from django.utils import timezone

from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.customization import picklists
from clientela.customization.models import FieldDefinition
from clientela.customization.picklist_services import picklist_save
from clientela.history.models import FieldChange
from clientela.transfer.tests.helpers import count_fast_accepted
from clientela.workspaces.scoping import use_workspace

from .test_api import send

URL = "/api/v1/contacts/bulk"
TIERS = [{"value": v, "label_en": v.title(), "label_es": v.title(), "active": True} for v in ("gold", "silver")]


@pytest.fixture
def fast_accepted(monkeypatch):
    """How many records FastForm accepted itself (not through the full form)."""
    return count_fast_accepted(monkeypatch)


def _define_fields(acme):
    with use_workspace(acme):
        FieldDefinition.objects.create(workspace=acme, entity="contacts", key="seats", kind="integer",
                                       label_en="Seats", label_es="Puestos", min_value=1, max_value=10)
        FieldDefinition.objects.create(workspace=acme, entity="contacts", key="tier", kind="picklist",
                                       label_en="Tier", label_es="Nivel", options=TIERS)


def _twins(acme, count: int, **values) -> list[tuple]:
    """(single, bulk) pairs of contacts alike but for their email, each pair with its own stored values."""
    with use_workspace(acme):
        admin = acme.users["admin"]
        return [tuple(factories.contact(admin, first=f"P{n}", job_title=f"Title {n}", birthday=f"198{n}-01-0{n + 1}",
                                        cf_seats=str(n + 1), emails=[{"email": f"p{n}@{side}.es", "label": "work",
                                                                      "is_primary": "on"}], **values)
                      for side in ("single", "bulk")) for n in range(count)]


def _stored(acme, contact) -> dict:
    with use_workspace(acme):
        record = Contact.objects.get(pk=contact.pk)
    skip = {"id", "created_at", "updated_at", "updated_by_id"}
    return {f.attname: getattr(record, f.attname) for f in record._meta.concrete_fields if f.attname not in skip}


def _history(acme, contact) -> list[tuple]:
    with use_workspace(acme):
        return sorted(FieldChange.objects.filter(record_id=contact.pk, action="updated")
                      .values_list("field", "field_label", "old_value", "new_value"))


def _compare(admin_api, acme, twins, changes):
    """Each change sent alone as a PATCH to the single twin and together in one bulk upsert to the bulk twins:
    the same status, errors, stored values and history."""
    singles = [send(admin_api, "patch", f"/api/v1/contacts/{single.pk}", change)
               for (single, _bulk), change in zip(twins, changes, strict=True)]
    body = send(admin_api, "post", URL, {"operation": "upsert", "match": "email", "atomic": False, "records": [
        {**change, "emails": [{"email": f"p{n}@bulk.es"}]} for n, change in enumerate(changes)]}).json()
    for n, ((single_twin, bulk_twin), single) in enumerate(zip(twins, singles, strict=True)):
        result = body["results"][n]
        if single.status_code == 422:
            assert result["status"] == "failed", (n, result)
            assert [{**e, "field": e["field"].removeprefix(f"records[{n}].")} for e in result["errors"]] \
                == single.json()["errors"], n
        else:
            assert single.status_code == 200, single.content
            assert result["status"] in ("updated", "unchanged"), (n, result)
        stored_single, stored_bulk = _stored(acme, single_twin), _stored(acme, bulk_twin)
        assert stored_bulk == stored_single, n
        assert _history(acme, bulk_twin) == _history(acme, single_twin), n
    return body


def test_records_that_pass_and_fail_a_model_rule_get_what_a_single_change_gives(admin_api, acme, fast_accepted):
    _define_fields(acme)
    twins = _twins(acme, 7)
    changes = [{"lifecycle_status": "customer", "custom": {"seats": 5, "tier": "gold"}},
               {"lifecycle_status": "nope", "custom": {"seats": 5, "tier": "gold"}},  # not one of the choices
               {"lifecycle_status": "customer", "custom": {"seats": 11, "tier": "silver"}},  # out of range
               {"lifecycle_status": "lead", "custom": {"seats": 2, "tier": None}},
               {"lifecycle_status": "customer", "custom": {"seats": 0, "tier": "platinum"}},  # two rules at once
               {"lifecycle_status": "", "custom": {"seats": 3, "tier": "silver"}},  # required
               {"lifecycle_status": "customer", "custom": {"seats": None, "tier": "silver"}}]

    body = _compare(admin_api, acme, twins, changes)

    assert [r["status"] for r in body["results"]] == ["updated", "failed", "failed", "updated", "failed", "failed",
                                                      "updated"]
    assert sum(fast_accepted) >= 2  # after the first record, FastForm itself accepted the valid ones
    with use_workspace(acme):
        stored = {c.first_name: (c.job_title, c.birthday, c.lifecycle_status, c.custom)
                  for c in Contact.objects.filter(emails__email__endswith="@bulk.es")}
    assert stored["P3"] == ("Title 3", date(1983, 1, 4), "lead", {"seats": 2})  # what was not sent is kept
    assert stored["P1"] == ("Title 1", date(1981, 1, 2), "lead", {"seats": 2})  # a refused record is left alone
    assert stored["P6"] == ("Title 6", date(1986, 1, 7), "customer", {"tier": "silver"})


def test_a_consent_date_set_by_the_form_is_each_records_own(admin_api, acme, fast_accepted):
    """The form dates a consent whose status changes, a field the record does not send: not carried over to the
    records after it, and an out-of-range date refused in the middle of the request."""
    twins = _twins(acme, 3)
    with use_workspace(acme):
        for pair in twins[1:]:
            Contact.objects.filter(pk__in=[c.pk for c in pair]).update(email_consent="granted",
                                                                       email_consent_date=date(2020, 3, 4))
    changes = [{"email_consent": "granted"}, {"email_consent": "granted"}, {"email_consent": "refused"}]

    body = _compare(admin_api, acme, twins, changes)

    assert [r["status"] for r in body["results"]] == ["updated", "unchanged", "updated"]
    with use_workspace(acme):
        dates = {c.first_name: (c.email_consent, c.email_consent_date)
                 for c in Contact.objects.filter(emails__email__endswith="@bulk.es")}
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(acme.users["admin"].timezone))  # the user's day
    assert dates == {"P0": ("granted", today), "P1": ("granted", date(2020, 3, 4)), "P2": ("refused", today)}
    assert sum(fast_accepted) >= 1


def test_a_future_date_among_valid_ones_is_refused_like_a_single_change(admin_api, acme, fast_accepted):
    twins = _twins(acme, 4)
    changes = [{"email_consent_date": "2021-01-01", "birthday": "1990-05-06"},
               {"email_consent_date": "2999-01-01", "birthday": "1990-05-06"},
               {"email_consent_date": "2021-01-02", "birthday": "31/02/1990"},
               {"email_consent_date": None, "birthday": None}]

    body = _compare(admin_api, acme, twins, changes)

    assert [r["status"] for r in body["results"]] == ["updated", "failed", "failed", "updated"]


def test_emails_with_quotes_commas_and_braces_are_matched_as_sent(admin_api, acme):
    """On PostgreSQL the emails go to the database as one array literal: its separators in an email must not
    split it or match another one."""
    with use_workspace(acme):
        admin = acme.users["admin"]
        odd = factories.contact(admin, first="Odd", emails=[{"email": "o'brien+x@ruiz.es", "label": "work",
                                                             "is_primary": "on"}])
        plain = factories.contact(admin, first="Plain", emails=[{"email": "ana@ruiz.es", "label": "work",
                                                                 "is_primary": "on"}])
    keys = ["O'Brien+X@ruiz.es", 'a"b@ruiz.es', "ana@ruiz.es,x@ruiz.es", "{ana@ruiz.es}", "a\\b@ruiz.es",
            "ANA@ruiz.es"]

    body = send(admin_api, "post", URL, {"operation": "update", "match": "email", "atomic": False, "records": [
        {"emails": [{"email": key}], "job_title": "Matched"} for key in keys]}).json()

    assert [(r["status"], r["id"]) for r in body["results"]] == [
        ("updated", str(odd.pk)), ("failed", None), ("failed", None), ("failed", None), ("failed", None),
        ("updated", str(plain.pk))]
    assert {e["code"] for r in body["results"][1:5] for e in r["errors"]} == {"not_found"}


def test_a_deactivated_value_a_record_keeps_is_accepted_as_in_a_single_change(admin_api, acme):
    """A picklist value no longer offered stays valid on the records that hold it (sent back unchanged by a sync
    client, say), and is refused on the others, in a bulk write as in a single change."""
    _define_fields(acme)
    twins = _twins(acme, 3)
    with use_workspace(acme):
        for n, pair in enumerate(twins):
            for contact in pair:
                contact.custom = {**contact.custom, "tier": "silver" if n == 2 else "gold"}
                contact.lifecycle_status = "prospect" if n < 2 else "lead"
                contact.save()
        tier = FieldDefinition.objects.get(key="tier")
        tier.options = [{**option, "active": option["value"] != "gold"} for option in tier.options]
        tier.save()
    rows = [{**o, "active": o["value"] != "prospect"} for o in picklists.picklist_options(
        "contacts", "lifecycle_status", Contact._meta.get_field("lifecycle_status"))]
    with use_workspace(acme):
        picklist_save(entity_key="contacts", name="lifecycle_status", options=rows, controlled_by="",
                      by=acme.users["admin"])
    changes = [{"job_title": "Kept", "custom": {"tier": "gold"}},
               {"lifecycle_status": "prospect", "custom": {"seats": 3, "tier": "gold"}},
               {"job_title": "Moved", "custom": {"tier": "gold"}}]  # holds silver: gold is no longer offered

    body = _compare(admin_api, acme, twins, changes)

    assert [r["status"] for r in body["results"]] == ["updated", "updated", "failed"]
    assert body["results"][2]["errors"][0]["field"] == "records[2].custom.tier"
