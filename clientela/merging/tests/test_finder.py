"""The duplicate finder: which records it pairs, by which rule, and only among what the user may see."""

import pytest

from clientela.customers.tests import factories
from clientela.merging.finder import find_duplicates
from clientela.registry import entities
from clientela.registry.visibility import entity_for
from clientela.workspaces.scoping import use_workspace
from conftest import login

pytestmark = pytest.mark.django_db


def groups(user, key="contacts", threshold=85):
    entity = entity_for(user, entities.get(key))
    return {frozenset(g.ids): g for g in find_duplicates(user, entity, threshold)}


def test_spanish_names_with_and_without_accents_at_the_same_company_are_a_pair(in_acme):
    admin = in_acme.users["admin"]
    factories.company(admin, name="Acme Ibérica S.L.")
    a = factories.contact(admin, first="José", last="Álvarez Núñez",
                          affiliations=[{"company_name": "Acme Ibérica S.L.", "role": ""}])
    b = factories.contact(admin, first="JOSE", last="alvarez nuñez",
                          affiliations=[{"company_name": "Acme Ibérica S.L.", "role": ""}])
    factories.contact(admin, first="María", last="Gómez",
                      affiliations=[{"company_name": "Acme Ibérica S.L.", "role": ""}])
    found = groups(admin)
    assert list(found) == [frozenset({str(a.pk), str(b.pk)})]
    assert found[frozenset({str(a.pk), str(b.pk)})].rules == {"name_company"}


def test_a_small_typo_in_the_name_in_the_same_city_is_found_above_the_threshold_only(in_acme):
    admin = in_acme.users["admin"]
    a = factories.contact(admin, first="Lucía", last="Martínez",
                          addresses=[{"label": "office", "city": "Sevilla", "country": "ES"}])
    b = factories.contact(admin, first="Lucia", last="Martines",
                          addresses=[{"label": "home", "city": "SEVILLA", "country": "ES"}])
    factories.contact(admin, first="Lucia", last="Martines",
                      addresses=[{"label": "home", "city": "Cádiz", "country": "ES"}])  # another city
    pair = frozenset({str(a.pk), str(b.pk)})
    assert set(groups(admin, threshold=85)) == {pair}
    assert groups(admin, threshold=85)[pair].rules == {"name_city"}
    assert groups(admin, threshold=99) == {}


def test_same_email_in_another_case_and_same_phone_in_another_format_are_pairs(in_acme):
    admin = in_acme.users["admin"]
    a = factories.contact(admin, first="Ana", last="Ruiz", emails=[{"email": "ana@ruiz.example", "label": "work"}])
    b = factories.contact(admin, first="Anita", last="R.", emails=[{"email": "ANA@Ruiz.example", "label": "work"}])
    c = factories.contact(admin, first="Pedro", last="Sanz", phones=[{"number": "+34 612 34 56 78", "label": "mobile"}])
    d = factories.contact(admin, first="P.", last="Sanz", phones=[{"number": "612345678", "label": "work"}])
    found = groups(admin)
    assert found[frozenset({str(a.pk), str(b.pk)})].rules == {"email"}
    assert found[frozenset({str(c.pk), str(d.pk)})].rules == {"phone"}
    assert found[frozenset({str(a.pk), str(b.pk)})].score > found[frozenset({str(c.pk), str(d.pk)})].score


def test_companies_pair_on_alike_names_without_their_legal_form(in_acme):
    admin = in_acme.users["admin"]
    a = factories.company(admin, name="Construcciones Pérez S.L.")
    b = factories.company(admin, name="construcciones perez, SL")
    factories.company(admin, name="Talleres Gómez")
    assert set(groups(admin, "companies")) == {frozenset({str(a.pk), str(b.pk)})}


def test_records_of_another_workspace_are_never_paired(acme, globex):
    with use_workspace(acme):
        mine = factories.contact(acme.users["admin"], first="Ana", last="Ruiz",
                                 emails=[{"email": "ana@ruiz.example", "label": "work"}])
    with use_workspace(globex):
        factories.contact(globex.users["admin"], first="Ana", last="Ruiz",
                          emails=[{"email": "ana@ruiz.example", "label": "work"}])
    with use_workspace(acme):
        assert groups(acme.users["admin"]) == {}
        assert str(mine.pk) not in login(acme.users["admin"]).get("/merge/contacts/duplicates/").content.decode()


def test_records_the_user_may_not_see_are_left_out(in_acme):
    rep, rep2 = in_acme.users["rep"], in_acme.users["rep2"]
    factories.contact(rep, first="Ana", last="Ruiz", emails=[{"email": "ana@ruiz.example", "label": "work"}])
    factories.contact(rep2, first="Ana", last="Ruiz", emails=[{"email": "ana@ruiz.example", "label": "work"}])
    assert groups(rep) == {}
    assert len(groups(in_acme.users["admin"])) == 1


def test_trashed_records_are_left_out(in_acme):
    admin = in_acme.users["admin"]
    factories.contact(admin, first="Ana", last="Ruiz", emails=[{"email": "ana@ruiz.example", "label": "work"}])
    gone = factories.contact(admin, first="Ana", last="Ruiz", emails=[{"email": "ana@ruiz.example", "label": "work"}])
    login(admin).post(f"/contacts/{gone.pk}/delete/")
    assert groups(admin) == {}


def test_a_switchboard_number_shared_by_many_does_not_make_everyone_a_duplicate(in_acme):
    admin = in_acme.users["admin"]
    for i in range(30):
        factories.contact(admin, first=f"Persona{i}", last=f"Apellido{i}",
                          phones=[{"number": "+34 910 000 000", "label": "work"}])
    assert groups(admin) == {}


def test_a_rule_on_a_field_the_role_hides_is_not_used(in_acme):
    from clientela.security.models import Role
    from clientela.security.roles import DEFAULT_ROLES

    admin = in_acme.users["admin"]
    factories.contact(admin, first="Ana", last="Ruiz", emails=[{"email": "ana@ruiz.example", "label": "work"}])
    factories.contact(admin, first="Berta", last="Sol", emails=[{"email": "ana@ruiz.example", "label": "work"}])
    manager = in_acme.users["manager"]
    rules = DEFAULT_ROLES["manager"].rules_json()
    rules["contacts"] = {**rules["*"], "view_scope": "all", "fields": {"emails": "hidden"}}
    Role.objects.create(workspace=in_acme, key="manager", name="Sales manager", rules=rules)
    assert len(groups(admin)) == 1
    assert groups(manager) == {}


def test_the_finder_page_lists_groups_with_their_rule_and_a_merge_link(in_acme):
    admin = in_acme.users["admin"]
    a = factories.contact(admin, first="Ana", last="Ruiz", emails=[{"email": "ana@ruiz.example", "label": "work"}])
    b = factories.contact(admin, first="Anita", last="Ruiz", emails=[{"email": "ana@ruiz.example", "label": "work"}])
    page = login(admin).get("/merge/contacts/duplicates/").content.decode()
    assert "same email" in page and "Anita Ruiz" in page
    assert f"/merge/contacts/?ids={a.pk}&amp;ids={b.pk}" in page or f"/merge/contacts/?ids={b.pk}&amp;ids={a.pk}" in page


def test_only_people_who_may_edit_and_delete_open_the_finder(in_acme):
    assert login(in_acme.users["support"]).get("/merge/contacts/duplicates/").status_code == 403
    assert login(in_acme.users["readonly"]).get("/merge/contacts/duplicates/").status_code == 403
    assert login(in_acme.users["rep"]).get("/merge/contacts/duplicates/").status_code == 200


def test_an_administrator_sets_the_threshold_with_a_clear_error_for_bad_input(in_acme):
    admin = login(in_acme.users["admin"])
    response = admin.post("/merge/contacts/duplicates/settings/", {"name_threshold": "30"}, follow=True)
    assert "from 50 to 100" in response.content.decode()
    admin.post("/merge/contacts/duplicates/settings/", {"name_threshold": "92"})
    from clientela.merging.selectors import name_threshold

    assert name_threshold() == 92
    assert login(in_acme.users["rep"]).post("/merge/contacts/duplicates/settings/",
                                            {"name_threshold": "60"}).status_code == 403
    assert name_threshold() == 92
