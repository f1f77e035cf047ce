"""Records that exercise every kind of value the API writes out: custom fields, tags, money, dates, and
each kind of related row, owned by different users."""

from clientela.customers.tests import factories
from clientela.customization.models import FieldDefinition
from clientela.workspaces.scoping import use_workspace


def varied_records(workspace) -> None:
    with use_workspace(workspace):
        admin = workspace.users["admin"]
        FieldDefinition.objects.create(workspace=workspace, entity="contacts", key="tier", kind="text",
                                       label_en="Tier", label_es="Nivel")
        company = factories.company(admin, name="Bodegas Peña S.L.", annual_revenue="1500.50", tags="wine, vip",
                                    phones=[{"number": "+34 954 123 456", "label": "work"}],
                                    addresses=[{"city": "Sevilla", "country": "ES", "label": "office"}])
        factories.contact(admin, first="Lucía", last="Peña", birthday="1990-05-17", tags="vip", cf_tier="gold",
                          emails=[{"email": "lucia@bodegaspena.es", "label": "work", "is_primary": "on"},
                                  {"email": "l@example.com", "label": "personal"}],
                          phones=[{"number": "612 34 56 78", "label": "mobile"}],
                          affiliations=[{"company_name": company.name, "role": "Buyer"}])
        factories.contact(workspace.users["rep"], first="Ana", last="Ruiz")
