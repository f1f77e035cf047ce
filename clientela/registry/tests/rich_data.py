"""A workspace with every kind of data a list export or a backup must carry (built through the services)."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from clientela.customers.models import Tag
from clientela.customers.tests import factories
from clientela.customization.models import FieldDefinition, FieldValueArchive, Layout, PicklistOverride
from clientela.notes.services import note_create
from clientela.registry import entities, services
from clientela.registry.models import SavedView
from clientela.security import sharing
from clientela.security.models import Role, SharingRule
from clientela.workspaces.models import Team

KINDS = {  # key: (kind, form value)
    "nickname": ("text", "=SUM(A1)"),
    "bio": ("long_text", "Line one\nLine two, “quoted”"),
    "employees": ("integer", "42"),
    "rating": ("decimal", "3.75"),
    "budget": ("currency", "12500.50"),
    "share": ("percent", "12.5"),
    "met_on": ("date", "2025-03-01"),
    "call_at": ("datetime", "2025-03-01 17:45"),
    "vip": ("checkbox", "on"),
    "tier": ("picklist", "gold"),
    "regions": ("multi_picklist", ["north", "south"]),
    "assistant_email": ("email", "assistant@bodegaspena.es"),
    "mobile2": ("phone", "+34 612 345 678"),
    "homepage": ("url", "https://bodegaspena.es"),
    "employer": ("lookup", None),  # set to the company's id below
}
OPTIONS = [{"value": "gold", "label_en": "Gold", "label_es": "Oro", "color": "#d4a017", "active": True},
           {"value": "north", "label_en": "North", "label_es": "Norte", "active": True},
           {"value": "south", "label_en": "South", "label_es": "Sur", "active": True}]


def custom_fields(workspace) -> dict:
    return {key: FieldDefinition.objects.create(
        workspace=workspace, entity="contacts", key=key, kind=kind, label_en=key.title(), label_es=f"{key} (es)",
        options=OPTIONS if "picklist" in kind else [], lookup_entity="companies" if kind == "lookup" else "",
        show_in_list=kind in ("picklist", "integer")) for key, (kind, _value) in KINDS.items()}


def build(workspace) -> dict:
    """Contacts with custom values of every kind, channels, companies, tags, notes with a file, a trashed
    record, sharing, layouts, picklist overrides, roles, teams and saved views. Call inside use_workspace."""
    users = workspace.users
    admin, rep = users["admin"], users["rep"]
    definitions = custom_fields(workspace)
    bodega = factories.company(admin, name="Bodegas Peña", website="https://bodegaspena.es", industry="retail",
                               annual_revenue="1200000.00", phones=[{"number": "+34 915 555 123", "label": "work"}],
                               addresses=[{"street": "Calle Mayor 1", "city": "Madrid", "country": "ES",
                                           "label": "office", "postal_code": "28013"}],
                               emails=[{"email": "info@bodegaspena.es", "label": "work"}])
    other = factories.company(rep, name="Olivares del Sur")
    values = {f"cf_{k}": v for k, (_kind, v) in KINDS.items() if v is not None}
    lucia = factories.contact(
        admin, first="Lucía", last="Peña", job_title="-Buyer", owner=rep, birthday="1985-02-03",
        preferred_language="es", email_consent="granted", email_consent_date="2024-05-01",
        email_consent_source="web_form", cf_employer=str(bodega.pk), **values,
        emails=[{"email": "lucia@bodegaspena.es", "label": "work"},
                {"email": "lucia@gmail.example", "label": "personal", "is_primary": "on"}],
        phones=[{"number": "+34 600 111 222", "label": "mobile"}, {"number": "+1 212 555 0100", "label": "work"}],
        addresses=[{"street": "Gran Vía 2", "city": "Madrid", "country": "ES", "label": "home"}],
        affiliations=[{"company_name": "Bodegas Peña", "role": "Buyer", "is_primary": "on"},
                      {"company_name": "Olivares del Sur", "role": "Advisor"}])
    lucia.custom["regions"] = ["north", "south"]  # a multiple choice (the factory posts single values only)
    type(lucia).objects.filter(pk=lucia.pk).update(custom=lucia.custom)
    tags = [Tag.objects.create(workspace=workspace, name=n) for n in ("wine", "vip")]
    lucia.tags.set(tags)
    bodega.tags.set(tags[:1])
    plain = factories.contact(rep, first="Ana", last="Gil")
    trashed = factories.contact(admin, first="Borrado", last="Ruiz", emails=[{"email": "b@ruiz.example",
                                                                              "label": "work"}])
    services.record_trash(entity=entities.get("contacts"), record=trashed, by=admin)
    note_create(entity=entities.get("contacts"), record=lucia, body="<p>Met at <b>the fair</b></p>", by=admin,
                files=[SimpleUploadedFile("price list.pdf", b"%PDF-1.4 prices", content_type="application/pdf")])
    sharing.share_add(entity="contacts", record=plain, by=rep, user=users["rep2"], can_edit=True)
    team = Team.objects.get(name="North")
    sharing.share_add(entity="companies", record=other, by=rep, team=team)
    SharingRule.objects.create(workspace=workspace, name="Customers to North", entity="contacts",
                               field="lifecycle_status", value="customer", team=team, is_active=True)
    PicklistOverride.objects.create(workspace=workspace, entity="contacts", field="source", options=[
        {"value": "fair", "label_en": "Trade fair", "label_es": "Feria", "active": True}])
    Layout.objects.create(workspace=workspace, entity="contacts", role="rep", list_columns=["name", "owner"],
                          sections=[{"title_en": "Main", "title_es": "Principal", "fields": ["job_title"]}])
    Role.objects.create(workspace=workspace, key="intern", name="Intern", rules={"contacts": {"verbs": ["view"]}})
    SavedView.objects.create(workspace=workspace, entity="contacts", name="Leads", owner=rep, team=team,
                             query={"f_lifecycle_status": "lead"})
    FieldValueArchive.objects.create(workspace=workspace, definition=definitions["nickname"], record_id=lucia.pk,
                                     old_kind="integer", value=7)
    return {"lucia": lucia, "plain": plain, "trashed": trashed, "bodega": bodega, "other": other,
            "definitions": definitions, "moment": timezone.now() - datetime.timedelta(days=1)}
