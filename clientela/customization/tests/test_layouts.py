"""Layouts: sections on detail pages and forms, default list columns, per role, logged and reversible."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from clientela.customers.tests import factories
from clientela.customization.changes import config_change_rollback
from clientela.customization.layouts import layout_for, layout_save
from clientela.customization.models import ConfigChange, FieldDefinition, Layout
from clientela.registry import entities
from clientela.registry.visibility import entity_for
from conftest import login

SECTIONS = [
    {"title_en": "Money", "title_es": "Dinero", "fields": ["annual_revenue", "currency", "name"]},
    {"title_en": "Who we are", "title_es": "Quiénes somos", "fields": ["industry", "website", "unknown_thing"]},
]


def save(user, sections=SECTIONS, columns=("name", "annual_revenue", "industry"), role="", reason=""):
    layout_save(entity_key="companies", role_key=role, sections=sections, list_columns=list(columns), by=user,
                reason=reason)


def positions(page, *texts):
    return [page.index(text) for text in texts]


def test_sections_appear_in_order_on_the_detail_page_and_the_form(in_acme):
    admin = in_acme.users["admin"]
    company = factories.company(admin, name="Initech")
    company.annual_revenue, company.website, company.industry = 1200, "https://initech.example", "software"
    company.save()
    save(admin)
    client = login(admin)

    detail = client.get(f"/companies/{company.pk}/").content.decode()
    money, revenue, who, website = positions(detail, ">Money<", "Annual revenue", ">Who we are<", "initech.example")
    assert money < revenue < who < website
    assert ">Other<" in detail  # detail fields no section places (owner, dates…) stay reachable

    form = client.get(f"/companies/{company.pk}/edit/").content.decode()
    money, revenue, name, who, industry, website, other, size = positions(
        form, "<legend>Money</legend>", 'name="annual_revenue"', 'name="name"', "<legend>Who we are</legend>",
        'name="industry"', 'name="website"', "<legend>Other</legend>", 'name="size"')
    assert money < revenue < name < who < industry < website < other < size


def test_default_arrangement_without_a_layout(in_acme):
    admin = in_acme.users["admin"]
    FieldDefinition.objects.create(workspace=in_acme, entity="companies", key="tier", kind="text",
                                   label_en="Tier", label_es="Nivel")
    entity = entity_for(admin, entities.get("companies"))
    assert [title for title, _names in entity.sections] == ["General", "More fields"]
    form = login(admin).get("/companies/new/").content.decode()
    assert form.index('name="name"') < form.index("<legend>More fields</legend>") < form.index('name="cf_tier"')


def test_a_role_specific_layout_wins_for_that_role_only(in_acme):
    admin, manager = in_acme.users["admin"], in_acme.users["manager"]
    save(admin)
    save(admin, sections=[{"title_en": "Managers only", "title_es": "Solo gerentes", "fields": ["name"]}],
         columns=["name", "owner"], role="manager")
    assert "Managers only" in login(manager).get("/companies/new/").content.decode()
    admin_form = login(admin).get("/companies/new/").content.decode()
    assert "Managers only" not in admin_form and "<legend>Money</legend>" in admin_form
    assert layout_for("companies", "manager").role == "manager"
    assert layout_for("companies", "rep").role == ""


def test_the_layout_costs_one_query_and_titles_follow_the_language(in_acme):
    admin = in_acme.users["admin"]
    save(admin)
    save(admin, sections=[{"title_en": "Admins", "title_es": "Administración", "fields": ["name"]}], role="admin")
    with CaptureQueriesContext(connection) as queries:
        entity = entity_for(admin, entities.get("companies"))
    assert [title for title, _names in entity.sections] == ["Admins"]
    assert len([q for q in queries.captured_queries if "customization_layout" in q["sql"]]) == 1
    with translation.override("es"):
        assert entity_for(admin, entities.get("companies")).sections[0][0] == "Administración"


def test_list_default_columns_follow_the_layout_and_sorting_and_filters_still_work(in_acme):
    admin = in_acme.users["admin"]
    save(admin, columns=["industry", "name"])
    alpha = factories.company(admin, name="Alpha")
    alpha.industry = "software"
    alpha.save()
    factories.company(admin, name="Beta")
    client = login(admin)
    page = client.get("/companies/").content.decode()
    heads = re.findall(r"<th[^>]*>(?:<a[^>]*>)?([^<]+)", page.split("<thead>", 1)[1].split("</thead>", 1)[0])
    heads = [h.strip() for h in heads if h.strip()]
    assert heads[:2] == ["Industry", "Name"]
    assert "Lifecycle status" not in heads
    sorted_page = client.get("/companies/?sort=-name").content.decode()
    assert sorted_page.index("Beta") < sorted_page.index("Alpha")
    filtered = client.get("/companies/?f_industry=software").content.decode()
    assert "Alpha" in filtered and "Beta" not in filtered


def test_a_hidden_field_placed_in_a_layout_stays_hidden_for_the_role_that_hides_it(in_acme):
    admin, support = in_acme.users["admin"], in_acme.users["support"]
    company = factories.company(admin, name="Initech")
    company.annual_revenue = 987654
    company.save()
    save(admin)
    assert "Annual revenue" in login(admin).get(f"/companies/{company.pk}/").content.decode()
    page = login(support).get(f"/companies/{company.pk}/").content.decode()
    assert "Money" in page  # the section shows the fields the role may see
    assert "987654" not in page and "987,654" not in page and "Annual revenue" not in page
    listing = login(support).get("/companies/").content.decode()
    assert "Annual revenue" not in listing and "987654" not in listing
    entity = entity_for(support, entities.get("companies"))
    assert "annual_revenue" not in entity.list_columns
    assert all("annual_revenue" not in names for _title, names in entity.sections)


def test_changes_are_logged_and_a_rollback_restores_the_previous_layout(in_acme):
    admin = in_acme.users["admin"]
    save(admin, reason="First try")
    save(admin, sections=[{"title_en": "All", "title_es": "Todo", "fields": ["name"]}], columns=["name"])
    changes = list(ConfigChange.objects.filter(kind="layout", target="companies").order_by("created_at"))
    assert len(changes) == 2
    assert changes[0].before is None and changes[0].reason == "First try"
    assert changes[1].before["sections"] == SECTIONS and changes[1].after["list_columns"] == ["name"]

    config_change_rollback(change=changes[1], by=admin)
    layout = Layout.objects.get(entity="companies", role="")
    assert layout.sections == SECTIONS and layout.list_columns == ["name", "annual_revenue", "industry"]

    config_change_rollback(change=changes[0], by=admin)  # before the first change there was no layout
    assert not Layout.objects.filter(entity="companies").exists()


def test_role_layout_target_and_reset_from_the_editor(in_acme):
    admin = in_acme.users["admin"]
    save(admin, role="rep")
    client = login(admin)
    response = client.post("/settings/layouts/companies/reset/?role=rep", {"reason": "Back to normal"})
    assert response.status_code == 302
    assert not Layout.objects.filter(role="rep").exists()
    change = ConfigChange.objects.filter(target="companies@rep").order_by("-created_at").first()
    assert change.after is None and change.reason == "Back to normal"


def test_non_admins_cannot_open_the_editor(in_acme):
    for role in ("manager", "rep", "readonly"):
        client = login(in_acme.users[role])
        assert client.get("/settings/layouts/companies/").status_code == 403
        assert client.post("/settings/layouts/companies/reset/").status_code == 403


def _editor_post(client, role="", **data):
    url = "/settings/layouts/companies/" + (f"?role={role}" if role else "")
    return client.post(url, data)


def test_the_editor_saves_sections_and_columns(in_acme):
    client = login(in_acme.users["admin"])
    page = client.get("/settings/layouts/companies/").content.decode()
    assert "annual_revenue" in page and "Available fields" in page
    response = _editor_post(client, s0_title_en="Basics", s0_title_es="Básico", s0_fields="name\nwebsite, industry",
                            s1_title_en="Status", s1_fields="lifecycle_status currency",
                            col_industry="on", colpos_industry="1", col_name="on", colpos_name="2",
                            reason="Simpler")
    assert response.status_code == 302
    layout = Layout.objects.get(entity="companies", role="")
    assert layout.sections == [
        {"title_en": "Basics", "title_es": "Básico", "fields": ["name", "website", "industry"]},
        {"title_en": "Status", "title_es": "Status", "fields": ["lifecycle_status", "currency"]}]
    assert layout.list_columns == ["industry", "name"]
    assert ConfigChange.objects.get(kind="layout").reason == "Simpler"


def test_the_editor_names_unknown_fields_and_required_fields_left_out(in_acme):
    client = login(in_acme.users["admin"])
    response = _editor_post(client, s0_title_en="Basics", s0_fields="website\nfavourite_colour\nshoe_size",
                            col_name="on")
    page = response.content.decode()
    assert response.status_code == 422
    assert "unknown fields: favourite_colour, shoe_size." in page
    assert "“Name” (name) is required in the form: place it in a section." in page
    assert not Layout.objects.exists()

    response = _editor_post(client, s0_title_en="", s0_fields="name", s1_title_en="Empty", s1_fields="")
    page = response.content.decode()
    assert "give it a title in English or Spanish." in page
    assert "list at least one field, or clear its title." in page
    assert "Choose at least one list column." in page
