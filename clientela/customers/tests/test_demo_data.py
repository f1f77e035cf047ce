"""`manage.py demo_data`: users per role, teams, deterministic and realistic bilingual customers."""

from io import StringIO

import phonenumbers
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from clientela.common.domains import domain_of
from clientela.customers.models import Address, Affiliation, Company, Contact, EmailAddress, PhoneNumber
from clientela.notes.models import Note
from clientela.workspaces.models import Membership, Team, User, Workspace
from clientela.workspaces.scoping import use_workspace

pytestmark = pytest.mark.django_db

ROLE_OF = {"admin": "admin", "manager": "manager", "rep": "rep", "rep2": "rep", "support": "support",
           "marketing": "marketing", "readonly": "readonly"}


def demo(slug: str, seed: int = 1, **options) -> str:
    out = StringIO()
    call_command("demo_data", size="small", seed=seed, workspace=slug, stdout=out, **options)
    return out.getvalue()


def snapshot(slug: str) -> dict:
    """What a person would compare between two demo workspaces: no ids, users by their role."""

    def rows(queryset, *fields):
        return sorted(repr(row).replace(f"@{slug}.example", "") for row in queryset.values_list(*fields))

    with use_workspace(Workspace.objects.get(slug=slug)):
        return {
            "contacts": rows(Contact.objects, "first_name", "last_name", "job_title", "lifecycle_status",
                             "birthday", "owner__email", "tags__name"),
            "companies": rows(Company.objects, "name", "website", "industry", "tax_id", "owner__email"),
            "emails": rows(EmailAddress.objects, "email", "label", "is_primary"),
            "phones": rows(PhoneNumber.objects, "number", "label"),
            "addresses": rows(Address.objects, "street", "postal_code", "city", "country"),
            "affiliations": rows(Affiliation.objects, "contact__last_name", "company__name", "role", "is_primary"),
            "notes": rows(Note.objects, "body", "author__email"),
        }


def test_small_demo_has_one_user_per_role_and_the_sales_teams():
    output = demo("demo-a")

    workspace = Workspace.objects.get(slug="demo-a")
    users = {name: User.objects.get(email=f"{name}@demo-a.example") for name in ROLE_OF}
    roles = dict(Membership.objects.filter(workspace=workspace).values_list("user__email", "role"))
    assert roles == {f"{name}@demo-a.example": role for name, role in ROLE_OF.items()}
    assert {u.language for u in users.values()} == {"es", "en"}
    assert all(" " in u.full_name for u in users.values())
    with use_workspace(workspace):
        sales = Team.objects.get(name="Ventas / Sales", parent=None)
        assert list(sales.members.all()) == [users["manager"]]
        sub_teams = {team.name: list(team.members.all()) for team in sales.children.all()}
        assert sorted(sub_teams.values(), key=str) == sorted([[users["rep"]], [users["rep2"]]], key=str)
        assert Contact.objects.count() == 300 and Company.objects.count() == 60
    assert "admin@demo-a.example" in output and "demo" in output


def test_a_demo_user_logs_in_with_password_demo_and_sees_the_contacts():
    demo("demo-b")
    client = Client()

    response = client.post(reverse("login"), {"username": "admin@demo-b.example", "password": "demo"})

    assert response.status_code == 302 and "_auth_user_id" in client.session
    with use_workspace(Workspace.objects.get(slug="demo-b")):
        first = Contact.objects.order_by("last_name", "first_name").first()
    assert first.first_name in client.get("/contacts/", {"sort": "name"}).content.decode()


def test_the_same_seed_gives_the_same_data_in_two_workspaces():
    demo("twin-a", seed=7)
    demo("twin-b", seed=7)
    demo("other", seed=8)

    assert snapshot("twin-a") == snapshot("twin-b")
    assert snapshot("twin-a")["contacts"] != snapshot("other")["contacts"]


def test_demo_data_is_realistic_and_bilingual():
    demo("real")

    with use_workspace(Workspace.objects.get(slug="real")):
        numbers = list(PhoneNumber.objects.values_list("number", flat=True))
        assert numbers
        for number in numbers:
            parsed = phonenumbers.parse(number, None)
            assert phonenumbers.is_valid_number(parsed), number
            assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number
        assert set(Contact.objects.values_list("preferred_language", flat=True)) == {"es", "en"}
        assert Contact.objects.filter(last_name__regex=r"[áéíóúñÁÉÍÓÚÑ]").exists()
        names = list(Company.objects.values_list("name", flat=True))
        assert any(n.endswith(("S.L.", "S.A.")) for n in names) and any(n.endswith(("Ltd", "Inc.")) for n in names)
        assert all(c.domain and c.domain == domain_of(c.website) for c in Company.objects.all())
        assert {"ES", "GB"} <= set(Address.objects.values_list("country", flat=True))
        bodies = " ".join(Note.objects.values_list("body", flat=True))
        assert any(w in bodies for w in ("Llamada", "Reunión", "Presupuesto", "Renovación", "pide", "Visita"))
        assert any(w in bodies for w in ("Call", "Meeting", "Quote", "Renewal", "asked", "Met "))
        assert "<script" not in bodies
        owners = set(Contact.objects.values_list("owner__email", flat=True))
        assert owners == {"manager@real.example", "rep@real.example", "rep2@real.example", None}
        assert not Contact.objects.filter(created_by=None).exists()
        assert Contact.objects.filter(affiliations__isnull=False).distinct().count() > 200


def test_if_missing_keeps_an_existing_demo_and_plain_runs_refuse_to_duplicate():
    demo("keep")

    output = demo("keep", if_missing=True)

    assert "nothing to do" in output and "admin@keep.example" in output
    with use_workspace(Workspace.objects.get(slug="keep")):
        assert Contact.objects.count() == 300
    with pytest.raises(CommandError):
        demo("keep")


def test_the_command_explains_its_options():
    from clientela.customers.management.commands.demo_data import Command

    assert "--if-missing" in Command().create_parser("manage.py", "demo_data").format_help()
