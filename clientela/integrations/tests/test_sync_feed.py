"""The sync feed: a replay from the beginning equals what the user sees; later pages bring every change."""

import json

import pytest
from django.test import Client

from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.registry import entities
from clientela.registry.services import record_purge, record_trash, records_bulk_update
from clientela.security import sharing
from clientela.security.tokens import token_create
from clientela.workspaces.models import Membership

PROBLEM = "application/problem+json"


def api_client(user, workspace) -> Client:
    _token, secret = token_create(user=user, workspace=workspace, name="sync")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def replay(client, mirror: dict, cursor: str = "", limit: int = 3) -> str:
    """Apply pages to `mirror` ({(entity, id): data}) until the feed has nothing more; return the cursor."""
    while True:
        response = client.get("/api/v1/sync", {"cursor": cursor, "limit": limit})
        assert response.status_code == 200, response.content
        page = response.json()
        for change in page["changes"]:
            if change["op"] == "reset":
                mirror.clear()
            elif change["op"] == "upsert":
                mirror[(change["entity"], change["id"])] = change["data"]
            else:
                mirror.pop((change["entity"], change["id"]), None)
        cursor = page["cursor"]
        if not page["has_more"]:
            return cursor


def patch(client, record, **data):
    response = client.patch(f"/api/v1/contacts/{record.pk}", json.dumps(data), content_type="application/json")
    assert response.status_code == 200, response.content


def visible_through_api(client) -> dict:
    seen = {}
    for key in ("companies", "contacts"):
        for row in client.get(f"/api/v1/{key}", {"limit": 200}).json()["results"]:
            seen[(key, row["id"])] = client.get(f"/api/v1/{key}/{row['id']}").json()
    return seen


@pytest.fixture
def world(in_acme):
    users = in_acme.users
    rep, rep2 = users["rep"], users["rep2"]
    company = factories.company(rep, name="Talleres Norte S.L.", phones=[{"number": "+34912345678", "label": "work"}])
    mine = [factories.contact(rep, first=f"Ana{i}", emails=[{"email": f"ana{i}@norte.es", "label": "work"}])
            for i in range(4)]
    theirs = [factories.contact(rep2, first=f"Bea{i}") for i in range(3)]
    return {"rep": rep, "rep2": rep2, "company": company, "mine": mine, "theirs": theirs}


def test_a_replay_from_the_beginning_equals_the_visible_records(in_acme, world):
    client = api_client(world["rep"], in_acme)
    mirror: dict = {}
    replay(client, mirror)
    assert mirror == visible_through_api(client)
    assert ("contacts", str(world["mine"][0].pk)) in mirror


def test_replayed_pages_name_linked_companies_and_tags_as_the_api_does(in_acme, world):
    """Snapshot pages read related rows by key range and names as values: a contact's companies (one of them
    trashed), tags, phones and addresses must arrive as the record's own endpoint shows them."""
    rep = world["rep"]
    gone = factories.company(rep, name="Cerrada S.A.")
    for n in range(3):
        factories.contact(rep, first=f"Rosa{n}", tags="vip, norte", birthday="1990-05-17",
                          phones=[{"number": "612 34 56 78", "label": "mobile"}],
                          addresses=[{"city": "Sevilla", "country": "ES", "label": "office"}],
                          affiliations=[{"company_name": world["company"].name, "role": "Buyer"},
                                        {"company_name": gone.name, "role": ""}])
    record_trash(entity=entities.get("companies"), record=gone, by=rep)
    client = api_client(rep, in_acme)
    mirror: dict = {}
    replay(client, mirror, limit=2)
    seen = visible_through_api(client)
    assert mirror.keys() == seen.keys()
    for key, data in mirror.items():
        if key[0] == "contacts" and data["first_name"].startswith("Rosa"):
            assert sorted(data["tags"]) == ["norte", "vip"] and data["addresses"][0]["country"] == "ES"
            names = {row["company_id"]: row["company_name"] for row in data["affiliations"]}
            assert names == {str(world["company"].pk): "Talleres Norte S.L.", str(gone.pk): ""}
            # the record's own endpoint does not name a company in the trash either, as lists and the feed
            trashed = next(row for row in seen[key]["affiliations"] if row["company_id"] == str(gone.pk))
            assert trashed["company_name"] == ""
        assert data == seen[key], key  # affiliations in the same order too (primary first, then as added)


def test_a_rep_never_gets_another_teams_records(in_acme, world):
    mirror: dict = {}
    replay(api_client(world["rep"], in_acme), mirror)
    assert not {("contacts", str(c.pk)) for c in world["theirs"]} & mirror.keys()
    rep2_mirror: dict = {}
    replay(api_client(world["rep2"], in_acme), rep2_mirror)
    assert {("contacts", str(c.pk)) for c in world["theirs"]} <= rep2_mirror.keys()
    assert not {("contacts", str(c.pk)) for c in world["mine"]} & rep2_mirror.keys()


def test_updates_deletes_and_lost_visibility_arrive_on_the_next_pages(in_acme, world):
    rep, rep2, contacts = world["rep"], world["rep2"], entities.get("contacts")
    shared = world["theirs"][0]
    share = sharing.share_add(entity="contacts", record=shared, by=rep2, user=rep)
    client = api_client(rep, in_acme)
    mirror: dict = {}
    cursor = replay(client, mirror)
    assert ("contacts", str(shared.pk)) in mirror  # shared with rep, so part of the mirror
    edited, trashed, given_away = world["mine"][:3]
    patch(client, edited, job_title="Jefa de compras")
    record_trash(entity=contacts, record=trashed, by=rep)
    records_bulk_update(entity=contacts, ids=[given_away.pk], field="owner", value=rep2, by=rep)
    sharing.share_remove(share=share, record=shared, by=rep2)
    created = factories.contact(rep, first="Nueva")
    page = client.get("/api/v1/sync", {"cursor": cursor, "limit": 50}).json()
    ops = {(c["op"], c["id"]) for c in page["changes"]}
    assert ops == {("upsert", str(edited.pk)), ("delete", str(trashed.pk)), ("delete", str(given_away.pk)),
                   ("delete", str(shared.pk)), ("upsert", str(created.pk))}
    replay(client, mirror, cursor)
    assert mirror[("contacts", str(edited.pk))]["job_title"] == "Jefa de compras"
    assert mirror == visible_through_api(client)


def test_purged_and_restored_records_and_repeated_changes(in_acme, world):
    rep, contacts = world["rep"], entities.get("contacts")
    client = api_client(rep, in_acme)
    mirror: dict = {}
    cursor = replay(client, mirror)
    record = world["mine"][0]
    for title in ("Uno", "Dos", "Tres"):
        patch(client, record, job_title=title)
    page = client.get("/api/v1/sync", {"cursor": cursor}).json()
    assert [(c["op"], c["data"]["job_title"]) for c in page["changes"]] == [("upsert", "Tres")]  # collapsed
    record_trash(entity=contacts, record=record, by=rep)
    record_purge(entity=contacts, record=Contact.trashed.get(pk=record.pk), by=rep)
    page = client.get("/api/v1/sync", {"cursor": page["cursor"]}).json()
    assert page["changes"] == [{"op": "delete", "entity": "contacts", "id": str(record.pk), "data": None}]


def test_a_role_change_resets_the_mirror(in_acme, world):
    rep = world["rep"]
    client = api_client(rep, in_acme)
    mirror: dict = {}
    cursor = replay(client, mirror)
    Membership.objects.filter(user=rep, workspace=in_acme).update(role="readonly")  # sees everything now
    page = client.get("/api/v1/sync", {"cursor": cursor}).json()
    assert page["changes"][0] == {"op": "reset", "entity": None, "id": None, "data": None}
    replay(client, mirror, cursor)
    assert {("contacts", str(c.pk)) for c in world["theirs"]} <= mirror.keys()
    assert mirror == visible_through_api(client)


@pytest.mark.parametrize("cursor", ["garbage!", "eyJ2IjoxfQ", "eyJ2IjoxLCJwIjotMSwiZiI6IngifQ",
                                    "eyJ2IjoxLCJwIjowLCJmIjoieCIsInMiOlsiY29udGFjdHMiLCJub3QtYS11dWlkIl19"])
def test_an_invalid_cursor_is_a_400_problem(in_acme, world, cursor):
    response = api_client(world["rep"], in_acme).get("/api/v1/sync", {"cursor": cursor})
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "cursor"


def test_the_feed_needs_a_token(in_acme):
    assert Client().get("/api/v1/sync").status_code == 401


def test_the_fingerprint_is_stable_across_requests(in_acme, world):
    from clientela.integrations.feed import fingerprint
    from clientela.workspaces.models import User

    assert fingerprint(world["rep"]) == fingerprint(User.objects.get(pk=world["rep"].pk))  # no cached objects


def test_a_page_leaves_the_garbage_collector_as_it_found_it(in_acme, world):
    """A page is built with Python's cycle collector paused (a replay spent some 40% of its time in it); afterwards
    it runs again, also when the page fails, and a process that runs without it keeps it off."""
    import gc

    from clientela.integrations.feed import InvalidCursor, sync_page

    rep = world["rep"]
    assert gc.isenabled()
    page = sync_page(rep, "", 3)
    assert gc.isenabled() and len(page["changes"]) == 3
    with pytest.raises(InvalidCursor):
        sync_page(rep, "garbage!", 3)
    assert gc.isenabled()
    gc.disable()
    try:
        assert sync_page(rep, page["cursor"], 3)["changes"] and not gc.isenabled()
    finally:
        gc.enable()


def test_pages_are_the_bytes_the_validated_page_gives(in_acme, world, monkeypatch):
    """Pages are sent without validating every change through `SyncPage` again: the bytes must not change,
    for snapshot pages, log pages with deletes, and a reset."""
    from clientela.integrations import api as sync_api

    rep = world["rep"]
    client = api_client(rep, in_acme)

    def both(cursor):
        fast = client.get("/api/v1/sync", {"cursor": cursor, "limit": 2})
        with monkeypatch.context() as patched:
            patched.setattr(sync_api, "_page_response", lambda page: page)  # ninja validates it
            slow = client.get("/api/v1/sync", {"cursor": cursor, "limit": 2})
        assert fast.status_code == slow.status_code == 200
        assert fast["Content-Type"] == slow["Content-Type"] and fast.content == slow.content
        return fast.json()

    cursor, pages = "", 0
    while True:
        page = both(cursor)
        cursor, pages = page["cursor"], pages + 1
        if not page["has_more"]:
            break
    record_trash(entity=entities.get("contacts"), record=world["mine"][0], by=rep)
    patch(client, world["mine"][1], job_title="Jefa de compras")
    assert {c["op"] for c in both(cursor)["changes"]} == {"delete", "upsert"}
    Membership.objects.filter(user=rep, workspace=in_acme).update(role="readonly")
    assert both(cursor)["changes"][0] == {"op": "reset", "entity": None, "id": None, "data": None}
    assert pages > 3


def test_changes_to_records_the_user_never_could_see_send_nothing(in_acme, world):
    """A delete would tell the rep that a record of another team exists, and when it changes."""
    rep, rep2, contacts = world["rep"], world["rep2"], entities.get("contacts")
    old_trash = world["theirs"][2]
    record_trash(entity=contacts, record=old_trash, by=rep2)
    mine_trashed = world["mine"][3]
    record_trash(entity=contacts, record=mine_trashed, by=rep)
    client = api_client(rep, in_acme)
    mirror: dict = {}
    cursor = replay(client, mirror)
    other_team = api_client(rep2, in_acme)
    patch(other_team, world["theirs"][0], job_title="Gerente")  # never visible to rep
    record_trash(entity=contacts, record=world["theirs"][1], by=rep2)
    created = factories.contact(rep2, first="Oculta")
    patch(other_team, created, job_title="Nueva")
    record_purge(entity=contacts, record=Contact.trashed.get(pk=old_trash.pk), by=rep2)  # trashed before the cursor
    record_purge(entity=contacts, record=Contact.trashed.get(pk=mine_trashed.pk), by=rep)  # rep's, trashed before
    edited = world["mine"][0]
    patch(client, edited, job_title="Visible")
    page = client.get("/api/v1/sync", {"cursor": cursor, "limit": 50}).json()
    assert [(c["op"], c["id"]) for c in page["changes"]] == [("upsert", str(edited.pk))]
    replay(client, mirror, cursor)
    assert mirror == visible_through_api(client)


def test_a_record_that_may_have_left_the_users_view_is_deleted(in_acme, world):
    """Trashed while visible, given away, or changed on a field a sharing rule matches on: the client may hold
    it, so it gets the delete — also when it was created before the cursor and the trash shows it no more."""
    rep, rep2, contacts = world["rep"], world["rep2"], entities.get("contacts")
    client = api_client(rep, in_acme)
    mirror: dict = {}
    cursor = replay(client, mirror)
    trashed, given = world["mine"][:2]
    record_trash(entity=contacts, record=trashed, by=rep)
    records_bulk_update(entity=contacts, ids=[given.pk], field="owner", value=rep2, by=rep)
    page = client.get("/api/v1/sync", {"cursor": cursor, "limit": 50}).json()
    assert {(c["op"], c["id"]) for c in page["changes"]} == {("delete", str(trashed.pk)), ("delete", str(given.pk))}
    # given away, then trashed by its new owner on a later page: the client no longer holds it, nothing is sent
    record_trash(entity=contacts, record=Contact.objects.get(pk=given.pk), by=rep2)
    later = client.get("/api/v1/sync", {"cursor": page["cursor"], "limit": 50}).json()
    assert later["changes"] == []


def test_a_change_on_a_sharing_rules_field_sends_the_delete(in_acme, world):
    """A rule shares the other team's customers with rep's team: a contact that stops being a customer leaves
    rep's view. (A change of that field on a record that was not a customer sends a delete too: the change log
    keeps values as people read them, so the feed cannot tell which value the record had.)"""
    from clientela.security.models import SharingRule
    from clientela.workspaces.models import Team

    rep, rep2 = world["rep"], world["rep2"]
    SharingRule.objects.create(workspace=in_acme, name="Customers", entity="contacts", field="lifecycle_status",
                               value="customer", team=Team.objects.get(name="North"))
    customer, prospect, binned = world["theirs"]
    other_team = api_client(rep2, in_acme)
    patch(other_team, customer, lifecycle_status="customer")
    patch(other_team, binned, lifecycle_status="customer")
    client = api_client(rep, in_acme)
    mirror: dict = {}
    cursor = replay(client, mirror)
    assert ("contacts", str(customer.pk)) in mirror and ("contacts", str(prospect.pk)) not in mirror
    patch(other_team, customer, lifecycle_status="lead")
    patch(other_team, prospect, job_title="Compras")
    record_trash(entity=entities.get("contacts"), record=Contact.objects.get(pk=binned.pk), by=rep2)
    page = client.get("/api/v1/sync", {"cursor": cursor, "limit": 50}).json()
    assert [(c["op"], c["id"]) for c in page["changes"]] == [("delete", str(customer.pk)), ("delete", str(binned.pk))]


def test_a_record_passed_between_others_sends_nothing_to_a_user_who_never_saw_it(in_acme, world):
    """The other team's contact goes from rep2 to the manager, by its page, in bulk and through the API: rep
    never could see it, before or after. Events name the owner before by id, so the feed can tell."""
    rep, rep2, manager, contacts = world["rep"], world["rep2"], in_acme.users["manager"], entities.get("contacts")
    client = api_client(rep, in_acme)
    mirror: dict = {}
    cursor = replay(client, mirror)
    first, second, third = world["theirs"]
    patch(api_client(rep2, in_acme), first, owner=manager.pk)
    records_bulk_update(entity=contacts, ids=[second.pk], field="owner", value=manager, by=rep2)
    bulk = {"operation": "update", "records": [{"id": str(third.pk), "owner": manager.pk}]}
    response = api_client(rep2, in_acme).post("/api/v1/contacts/bulk", json.dumps(bulk), content_type="application/json")
    assert response.status_code == 200 and response.json()["updated"] == 1, response.content
    mine = world["mine"][0]
    records_bulk_update(entity=contacts, ids=[mine.pk], field="owner", value=manager, by=rep)  # rep's: gone
    page = client.get("/api/v1/sync", {"cursor": cursor, "limit": 50}).json()
    assert [(c["op"], c["id"]) for c in page["changes"]] == [("delete", str(mine.pk))]
