"""The value-based reading of many records (lists, the sync feed) gives exactly what one record's reading gives."""

from clientela.api.fields import output_queryset
from clientela.api.representation import record_out, records_out
from clientela.customers.tests import factories
from clientela.registry.entities import get
from clientela.registry.visibility import entity_for
from clientela.security import access
from clientela.workspaces.scoping import use_workspace

from .records import varied_records


def test_records_out_equals_record_out_for_every_entity_and_role(acme):
    varied_records(acme)
    with use_workspace(acme):
        for key in ("contacts", "companies"):
            for role in ("admin", "support", "rep"):
                view = entity_for(acme.users[role], get(key))
                queryset = output_queryset(view).order_by("pk")
                assert records_out(view, queryset) == [record_out(view, row) for row in queryset], (key, role)


def test_related_rows_read_by_key_range_equal_those_read_by_keys(acme):
    with use_workspace(acme):
        admin = acme.users["admin"]
        company = factories.company(admin, name="Bodegas Peña S.L.", tags="wine",
                                    phones=[{"number": "+34 954 123 456", "label": "work"}])
        for n in range(5):
            factories.contact(acme.users["rep" if n % 2 else "admin"], first=f"P{n}", tags="vip",
                              emails=[{"email": f"p{n}@example.com", "label": "work"}],
                              affiliations=[{"company_name": company.name, "role": "Buyer"}])
        for key in ("contacts", "companies"):
            for role in ("admin", "rep"):
                view = entity_for(acme.users[role], get(key))
                queryset = access.visible(acme.users[role], view.model.objects.all(), key)
                for start, stop in ((0, 2), (1, 4), (0, 100)):
                    page = queryset.order_by("pk")[start:stop]
                    assert records_out(view, page, cut_from=queryset) == records_out(view, page), (key, role)
