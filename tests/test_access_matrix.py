"""Every registered entity × default role × verb × path (web UI and REST API) against one written-down policy.

The expectations below are written by hand, not computed by the access module they test. Records
are made generically from each entity's form, so a newly registered entity joins the matrix without
new test code. `rep` (team North) and `rep2` (team South) sit under the manager's team Sales.
"""

import json

import pytest
from django import forms
from django.http import QueryDict

from clientela.registry import entities
from clientela.registry.services import record_save
from clientela.security.tokens import token_create
from clientela.workspaces.scoping import use_workspace
from conftest import login

ROLES = ("admin", "manager", "rep", "support", "marketing", "readonly")
# role -> entity ("*" = any other) -> verbs the role has at all
VERBS = {
    "admin": {"*": {"view", "create", "edit", "delete", "export"}},
    "manager": {"*": {"view", "create", "edit", "delete", "export"}},
    "rep": {"*": {"view", "create", "edit", "delete", "export"}},
    "support": {"*": {"view"}, "contacts": {"view", "create", "edit"}},
    "marketing": {"*": {"view", "export"}, "contacts": {"view", "create", "edit", "delete", "export"}},
    "readonly": {"*": {"view"}},
}
# role -> (sees rep2's record, may change rep's record, may change rep2's record)
REACH = {
    "admin": (True, True, True),
    "manager": (True, True, True),
    "rep": (False, True, False),
    "support": (True, True, True),
    "marketing": (True, True, True),
    "readonly": (True, False, False),
}
ENTITY_KEYS = [e.key for e in entities.all_entities()]


def allowed(role, key):
    return VERBS[role].get(key, VERBS[role]["*"])


def sample_data(entity, owner, marker):
    """The smallest valid input for an entity's form: required fields filled from their type."""
    data = {}
    for name, field in entity.form_class.base_fields.items():
        if name == "owner":
            data[name] = str(owner.pk)
        elif not field.required:
            continue
        elif isinstance(field, forms.ModelChoiceField):
            data[name] = str(field.queryset.first().pk)
        elif isinstance(field, forms.ChoiceField):
            data[name] = next(str(v) for v, _label in field.choices if v not in ("", None))
        elif isinstance(field, forms.EmailField):
            data[name] = "matrix@example.com"
        elif isinstance(field, forms.DecimalField | forms.IntegerField):
            data[name] = "1"
        elif isinstance(field, forms.DateField):
            data[name] = "2026-01-01"
        elif name == "currency":
            data[name] = "EUR"
        else:
            data[name] = marker
    return data


def form_post(entity, data):
    post = QueryDict(mutable=True)
    post.update(data)
    for inline in entity.inlines:
        post[f"{inline.name}-TOTAL_FORMS"] = "0"
        post[f"{inline.name}-INITIAL_FORMS"] = "0"
    return post


def make(entity, owner, marker):
    form = entity.form_class(form_post(entity, sample_data(entity, owner, marker)), instance=entity.model(),
                             user=owner)
    assert form.is_valid(), form.errors
    return record_save(entity=entity, form=form, formsets=[], by=owner)


@pytest.fixture
def world(acme):
    with use_workspace(acme):
        return {e.key: {"mine": make(e, acme.users["rep"], "Matrixrep"),
                        "other": make(e, acme.users["rep2"], "Matrixrepdos")} for e in entities.all_entities()}


def _exists(acme, entity, pk):
    with use_workspace(acme):
        return entity.model.objects.filter(pk=pk).exists()


@pytest.mark.parametrize("key", ENTITY_KEYS)
@pytest.mark.parametrize("role", ROLES)
def test_web_ui(acme, world, role, key):
    entity = entities.get(key)
    user = acme.users[role]
    client = login(user)
    verbs = allowed(role, key)
    sees_other, changes_mine, changes_other = REACH[role]
    mine, other = world[key]["mine"], world[key]["other"]

    listing = client.get(f"/{key}/")
    assert listing.status_code == 200
    assert (str(other.pk) in listing.content.decode()) == sees_other
    assert str(mine.pk) in listing.content.decode()
    assert (str(other.pk) in client.get(f"/{key}/", {"q": "Matrixrepdos"}).content.decode()) == sees_other
    assert (f"/{key}/{other.pk}/" in client.get("/search/", {"q": "Matrixrepdos"}).content.decode()) == sees_other
    assert client.get(f"/{key}/{other.pk}/").status_code == (200 if sees_other else 404)

    export = client.get(f"/{key}/export.csv")
    assert export.status_code == (200 if "export" in verbs else 403)
    if export.status_code == 200:
        assert (str(other.pk) in b"".join(export.streaming_content).decode()) == sees_other

    created = client.post(f"/{key}/new/", form_post(entity, sample_data(entity, user, "Matrixnew")))
    assert created.status_code == (302 if "create" in verbs else 403)

    edit_mine = client.post(f"/{key}/{mine.pk}/edit/", form_post(entity, sample_data(entity, mine.owner, "Edited")))
    assert edit_mine.status_code == (302 if "edit" in verbs and changes_mine else 403)
    edit_other = client.post(f"/{key}/{other.pk}/edit/",
                             form_post(entity, sample_data(entity, other.owner, "Edited")))
    assert edit_other.status_code == (404 if not sees_other else 302 if "edit" in verbs and changes_other else 403)

    deleted = client.post(f"/{key}/{other.pk}/delete/")
    may_delete = "delete" in verbs and changes_other
    assert deleted.status_code == (404 if not sees_other else 302 if may_delete else 403)
    assert _exists(acme, entity, other.pk) != (sees_other and may_delete)


@pytest.mark.parametrize("key", ENTITY_KEYS)
@pytest.mark.parametrize("role", ROLES)
def test_rest_api(acme, world, role, key):
    entity = entities.get(key)
    user = acme.users[role]
    with use_workspace(acme):
        token = token_create(user=user, workspace=acme, name="matrix")[1]
    client = login(user)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    verbs = allowed(role, key)
    sees_other, changes_mine, changes_other = REACH[role]
    mine, other = world[key]["mine"], world[key]["other"]

    def call(method, path, payload=None):
        body = json.dumps(payload) if payload is not None else None
        return getattr(client, method)(f"/api/v1/{key}{path}", body, content_type="application/json", **auth) \
            if body else getattr(client, method)(f"/api/v1/{key}{path}", **auth)

    listing = call("get", "")
    assert listing.status_code == 200
    ids = {row["id"] for row in listing.json()["results"]}
    assert str(mine.pk) in ids and (str(other.pk) in ids) == sees_other
    searched = {row["id"] for row in client.get(f"/api/v1/{key}", {"q": "Matrixrepdos"}, **auth).json()["results"]}
    assert (str(other.pk) in searched) == sees_other
    assert call("get", f"/{other.pk}").status_code == (200 if sees_other else 404)

    payload = {**sample_data(entity, user, "Apinew"), "owner": user.pk}
    assert call("post", "", payload).status_code == (201 if "create" in verbs else 403)

    text_field = next(k for k, v in sample_data(entity, user, "Marker").items() if v == "Marker")
    patched_mine = call("patch", f"/{mine.pk}", {text_field: "Changed"})
    assert patched_mine.status_code == (200 if "edit" in verbs and changes_mine else 403)
    patched_other = call("patch", f"/{other.pk}", {text_field: "Changed"})
    assert patched_other.status_code == (404 if not sees_other else 200 if "edit" in verbs and changes_other
                                         else 403)

    may_delete = "delete" in verbs and changes_other
    assert call("delete", f"/{other.pk}").status_code == (404 if not sees_other else 204 if may_delete else 403)
    assert _exists(acme, entity, other.pk) != (sees_other and may_delete)


def test_team_scope_stops_at_the_users_own_teams_while_subordinates_includes_sub_teams(acme, world):
    """The manager (team Sales) sees North and South below; with scope "team" only Sales itself."""
    from clientela.security.models import Role
    from clientela.security.roles import DEFAULT_ROLES

    manager = acme.users["manager"]
    rep_record = world["contacts"]["mine"]
    assert login(manager).get(f"/contacts/{rep_record.pk}/").status_code == 200
    rules = DEFAULT_ROLES["manager"].rules_json()
    rules["*"]["view_scope"] = rules["*"]["edit_scope"] = "team"
    with use_workspace(acme):
        Role.objects.create(workspace=acme, key="manager", name="Sales manager", rules=rules)
    assert login(manager).get(f"/contacts/{rep_record.pk}/").status_code == 404
