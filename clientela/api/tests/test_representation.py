"""The value-based reading of many records (lists, the sync feed) gives exactly what one record's reading gives."""

from clientela.api.fields import output_queryset
from clientela.api.representation import record_out, records_out
from clientela.customers.tests import factories
from clientela.customization.models import FieldDefinition
from clientela.registry.entities import get
from clientela.registry.visibility import entity_for
from clientela.workspaces.scoping import use_workspace


def test_records_out_equals_record_out_for_every_entity_and_role(acme):
    with use_workspace(acme):
        admin = acme.users["admin"]
        FieldDefinition.objects.create(workspace=acme, entity="contacts", key="tier", kind="text",
                                       label_en="Tier", label_es="Nivel")
        company = factories.company(admin, name="Bodegas Peña S.L.", annual_revenue="1500.50", tags="wine, vip",
                                    phones=[{"number": "+34 954 123 456", "label": "work"}],
                                    addresses=[{"city": "Sevilla", "country": "ES", "label": "office"}])
        factories.contact(admin, first="Lucía", last="Peña", birthday="1990-05-17", tags="vip", cf_tier="gold",
                          emails=[{"email": "lucia@bodegaspena.es", "label": "work", "is_primary": "on"},
                                  {"email": "l@example.com", "label": "personal"}],
                          phones=[{"number": "612 34 56 78", "label": "mobile"}],
                          affiliations=[{"company_name": company.name, "role": "Buyer"}])
        factories.contact(admin, first="Ana", last="Ruiz")
        for key in ("contacts", "companies"):
            for role in ("admin", "support", "rep"):
                view = entity_for(acme.users[role], get(key))
                queryset = output_queryset(view).order_by("pk")
                assert records_out(view, queryset) == [record_out(view, row) for row in queryset], (key, role)
