"""The importer's fast validation accepts and refuses exactly what the record form does, with its messages."""

import pytest

from clientela.common import phones
from clientela.customization import services as custom_services
from clientela.customization.models import FieldDefinition
from clientela.registry import entities
from clientela.registry.visibility import entity_for
from clientela.transfer.engine import CREATE, Importer, Options
from clientela.transfer.normalise import E164

from .helpers import count_fast_accepted

pytestmark = pytest.mark.django_db
TIERS = [{"value": v, "label_en": v.title(), "label_es": s, "active": True}
         for v, s in (("gold", "Oro"), ("silver", "Plata"))]
CUSTOM = [("code", "text", {"regex": r"^[A-Z]{3}$"}), ("seats", "integer", {"min_value": 1, "max_value": 10}),
          ("budget", "decimal", {}), ("renewal", "date", {}), ("vip", "checkbox", {}),
          ("tier", "picklist", {"options": TIERS}), ("tiers", "multi_picklist", {"options": TIERS}),
          ("billing", "email", {}), ("site", "url", {}), ("desk", "phone", {}), ("ref", "text", {"required": True})]
MAPPING = {"First": "first_name", "Last": "last_name", "Title": "job_title", "Email": "emails.email",
           "Phone": "phones.number", "City": "addresses.city", "Country": "addresses.country",
           "Street": "addresses.street", "Birthday": "birthday", "Stage": "lifecycle_status",
           "Source": "source", "Language": "preferred_language", "Owner": "owner",
           **{f"cf {key}": f"cf_{key}" for key, _kind, _options in CUSTOM}}
BASE = {"First": "Ana", "Last": "Ruiz", "Title": "CTO", "Email": "ana{n}@example.com", "Phone": "612 345 {n:03d}",
        "City": "Madrid", "Country": "Spain", "Street": "Gran Vía 1", "Birthday": "21/03/1980",
        "Stage": "Customer", "Source": "", "Language": "Spanish", "Owner": "", "cf code": "ABC",
        "cf seats": "3", "cf budget": "1.234,50", "cf renewal": "01/02/2027", "cf vip": "yes", "cf tier": "Gold",
        "cf tiers": "gold", "cf billing": "billing@example.com", "cf site": "https://example.com",
        "cf desk": "+34 910 000 000", "cf ref": "R-1"}
VARIANTS = {
    "First": ["", " ", "x" * 100, "x" * 101, "José"],
    "Last": ["", "y" * 101],
    "Title": ["z" * 121, "Jefa de ventas"],
    "Email": ["not-an-email", "a@b", "ANA{n}@Example.COM", "x" * 250 + "@example.com", "ana@@x.es", "ana{n}@x"],
    "Phone": ["12", "abc", "+1 202 555 0123", "0034612345678", "+34 600", "612-345-678"],
    "City": ["c" * 101, "Sevilla"],
    "Country": ["Narnia", "ES", "es", "España", "usa", "XX"],
    "Street": ["s" * 201],
    "Birthday": ["31/02/2000", "2000-01-01", "13/13/2000", "tomorrow", "1/1/70", "01/01/3000"],
    "Stage": ["Cliente", "nonsense", "lead", "LEAD", "Former customer"],
    "Source": ["web", "Website", "carrier pigeon"],
    "Language": ["es", "English", "klingon"],
    "Owner": ["admin@acme.example", "nobody@acme.example", "Admin Acme"],
    "cf code": ["abc", "ABCD", ""],
    "cf seats": ["0", "11", "10", "5.5", "abc", "1.000"],
    "cf budget": ["abc", "1e3", "-3,5"],
    "cf renewal": ["32/01/2020", "2020-02-02", "nope"],
    "cf vip": ["no", "maybe", "1"],
    "cf tier": ["Oro", "platinum", "SILVER"],
    "cf tiers": ["gold,silver", "bronze"],
    "cf billing": ["bad", "ok@x.es"],
    "cf site": ["notaurl", "https://x.es/a?b=1", "ftp://x"],
    "cf desk": ["123", "+44 20 7946 0958"],
    "cf ref": ["", "r" * 300],
}


def _rows():
    headers = list(MAPPING)
    rows = [[BASE[h].format(n=0) for h in headers]]
    for header, values in VARIANTS.items():
        for value in values:
            n = len(rows)
            rows.append([(value if h == header else BASE[h]).format(n=n) for h in headers])
    return headers, rows


def _define_fields(admin):
    for key, kind, options in CUSTOM:
        custom_services.field_save(definition=FieldDefinition(
            entity="contacts", key=key, kind=kind, label_en=key.title(), label_es=key.title(), **options), by=admin)


def _importer(user, headers, workspace):
    entity = entity_for(user, entities.get("contacts"))
    return Importer(entity=entity, user=user, workspace=workspace, mapping=MAPPING, headers=headers, options=Options(on_duplicate=CREATE, region="ES"))


def _state(outcome):
    if outcome.action != "created":
        return outcome.action, outcome.errors
    record = outcome.record
    skip = {"id", "created_at", "updated_at"}
    values = {f.attname: getattr(record, f.attname) for f in record._meta.concrete_fields if f.attname not in skip}
    children = sorted((name, {f.attname: getattr(c, f.attname) for f in c._meta.concrete_fields
                              if f.attname not in skip}) for name, c in outcome.children)
    return outcome.action, values, children, outcome.company_name


@pytest.mark.parametrize("role", ["admin", "rep"])
def test_fast_path_matches_the_form_for_every_kind_of_field(in_acme, monkeypatch, role):
    _define_fields(in_acme.users["admin"])
    user = in_acme.users[role]
    headers, rows = _rows()
    fast, full = _importer(user, headers, in_acme), _importer(user, headers, in_acme)
    for form in [full.fast_main, *full.fast_children.values()]:
        form.usable = False  # every row through the form itself
    accepted_fast = count_fast_accepted(monkeypatch)
    outcomes = []
    for number, cells in enumerate(rows, 1):
        expected, got = full.decide(number, list(cells)), fast.decide(number, list(cells))
        assert _state(got) == _state(expected), (number, dict(zip(headers, cells, strict=True)))
        outcomes.append(got)
    rejected = [o for o in outcomes if o.action == "rejected"]
    assert len(rejected) >= 30 and len(outcomes) - len(rejected) >= 15
    assert sum(accepted_fast) >= 40  # the fast path did the accepting, not the fallback
    messages = " ".join(e["message"] for o in rejected for e in o.errors)
    for rule in ("“First name” is required", "“City” can have at most 100 characters", "“Phone”: “abc” is not a phone",
                 "“Email” must be an email address", "“Birthday” must be a date", "“Seats” must be at most 10",
                 "“Lifecycle status”: choose one of the listed options", "“Code” does not have the expected format",
                 "“Tiers”: choose one of the listed options", "“Site” must be a web address", "“Ref” is required",
                 "“Country”: choose one of the listed options", "There is no user with the email or name"):
        assert rule in messages


def test_a_phone_number_cleans_to_itself_once_normalised():
    """What lets the fast path skip the phone form's second parse: to_e164 of its own result is the same."""
    for raw, region in (("612 345 678", "ES"), ("+1 (202) 555-0123", ""), ("020 7946 0958", "GB"),
                        ("0034 612345678", "ES"), ("55 1234 5678", "MX")):
        number = phones.try_e164(raw, region)
        assert number and phones.to_e164(E164(number)) == number
