"""A contact's email, phone and company columns (and a company's phone and city) show the first related row in
the order the record's page lists them: primary first, then as added. A short export looks the rows up per
chunk; a long one on PostgreSQL reads them joined to the records (`export_cells._joined_chunks`): both write
what the model instances give, for the whole list and for a slice of it (a part of a parallel export)."""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from clientela.customers.tests import factories
from clientela.registry import entities, export_cells, exports
from clientela.registry.selectors import ListQuery, record_list
from clientela.registry.visibility import entity_for

from . import rich_data


def _people(admin) -> None:
    bodega = factories.company(admin, name="Bodegas Peña", phones=[{"number": "+34 915 555 123", "label": "work"}],
                               addresses=[{"city": "Sevilla", "label": "office"},
                                          {"city": "Madrid", "label": "billing", "is_primary": "on"}])
    factories.company(admin, name="Olivares del Sur", addresses=[{"city": "Jaén", "label": "office"},
                                                                 {"city": "Úbeda", "label": "home"}])
    factories.company(admin, name="Sin Datos")
    factories.contact(admin, first="Primary", last="Later",
                      emails=[{"email": "old@example.com", "label": "work"},
                              {"email": "main@example.com", "label": "personal", "is_primary": "on"}],
                      phones=[{"number": "+34 600 000 001", "label": "mobile"},
                              {"number": "+44 20 7946 0958", "label": "work", "is_primary": "on"}],
                      affiliations=[{"company_name": "Olivares del Sur", "role": ""},
                                    {"company_name": "Sin Datos", "role": "Buyer", "is_primary": "on"}])
    factories.contact(admin, first="None", last="Primary",
                      emails=[{"email": "first@example.com", "label": "work"},
                              {"email": "second@example.com", "label": "work"}],
                      affiliations=[{"company_name": "Olivares del Sur", "role": ""},
                                    {"company_name": bodega.name, "role": ""}])
    factories.contact(admin, first="Nothing", last="Related")


def _texts(user, key: str, low: int = 0, high: int | None = None, joined: bool | None = None, sort: str = ""):
    """(columns, rows of the fast path, rows of the model instances) of the user's list, rows low:high."""
    entity = entity_for(user, entities.get(key))
    params = QueryDict(mutable=True)
    params["sort"] = sort
    queryset = record_list(entity, user, ListQuery.from_params(entity, params))[low:high]
    columns = exports.export_columns(entity)
    chunks = export_cells.column_chunks(export_cells.plan_for(entity, columns), queryset, joined=joined)
    fast = [exports.neutralise_row(list(row)) for texts in chunks for row in zip(*texts, strict=True)]
    reference = [exports.neutralise_row(r) for r in exports.instance_rows(entity, queryset, columns)]
    return columns, fast, reference


def test_the_first_related_rows_read_as_on_the_record_page(in_acme):
    admin = in_acme.users["admin"]
    _people(admin)

    columns, fast, reference = _texts(admin, "contacts")

    assert fast == reference
    shown = {row[columns.index("name")]: row for row in fast}
    picked = [columns.index(name) for name in ("primary_email", "primary_phone", "primary_company")]
    # the primary added last wins; a leading + is quoted in the file, as any formula-like text
    assert [shown["Primary Later"][at] for at in picked] == ["main@example.com", "'+44 20 7946 0958", "Sin Datos"]
    assert [shown["None Primary"][at] for at in picked] == ["first@example.com", "", "Olivares del Sur"]
    assert [shown["Nothing Related"][at] for at in picked] == ["", "", ""]
    columns, fast, reference = _texts(admin, "companies")
    assert fast == reference
    cities = {row[columns.index("name")]: row[columns.index("city")] for row in fast}
    assert cities == {"Bodegas Peña": "Madrid", "Olivares del Sur": "Jaén", "Sin Datos": ""}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the joined read needs DISTINCT ON (PostgreSQL)")
@pytest.mark.parametrize(("key", "low", "high", "sort"), [
    ("contacts", 0, None, ""), ("contacts", 1, 3, ""), ("contacts", 2, None, ""), ("contacts", 1, None, "-owner"),
    ("contacts", 0, 4, "name"), ("contacts", 0, None, "-cf_employees"), ("companies", 0, None, ""),
    ("companies", 1, 2, "owner")])
def test_a_long_export_reads_the_same_first_rows_joined(in_acme, key, low, high, sort):
    admin = in_acme.users["admin"]
    rich_data.build(in_acme)  # custom values of every kind, tags, a trashed record
    _people(admin)

    with CaptureQueriesContext(connection) as queries:
        _columns, joined, reference = _texts(admin, key, low, high, joined=True, sort=sort)
    _columns, looked_up, _reference = _texts(admin, key, low, high, joined=False, sort=sort)

    assert joined and joined == looked_up == reference
    assert any("DISTINCT ON" in query["sql"] for query in queries.captured_queries)  # it did read them joined
