"""What a person does in a real browser: create, find, edit, translate, narrow screens, keyboard, notes."""

import re

import pytest
from playwright.sync_api import expect

from clientela.customers.tests import factories
from clientela.workspaces.scoping import use_workspace

from .conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.e2e

PHONE_TYPED = "612 34 56 78"
PHONE_SHOWN = "612 34 56 78"


def given_contact(workspace, **data):
    """Lucía Martínez of Acme Ibérica S.L., with a Spanish mobile, owned by the admin."""
    admin = workspace.users["admin"]
    with use_workspace(workspace):
        factories.company(admin, name="Acme Ibérica S.L.")
        return factories.contact(
            admin, job_title="Buyer",
            emails=[{"email": "lucia@acme-iberica.example", "label": "work"}],
            phones=[{"number": "+34 612 34 56 78", "label": "mobile"}],
            affiliations=[{"company_name": "Acme Ibérica S.L.", "role": "Purchasing"}],
            **data,
        )


def test_create_company_then_contact_linked_to_it(page, workspace):
    log_in(page, workspace.users["rep"])

    page.goto("/companies/new/")
    page.fill("#id_name", "Acme Ibérica S.L.")
    page.fill("#id_website", "https://www.acme-iberica.example")
    phones = page.locator("fieldset[data-formset=phones]")
    phones.locator("#id_phones-0-number").fill("912 345 678")
    phones.get_by_role("button", name="+ Add another").click()
    expect(page.locator("#id_phones-1-number")).to_be_focused()
    page.locator("#id_phones-1-number").fill("+44 20 7946 0958")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Acme Ibérica S.L.")
    expect(page.get_by_role("link", name="912 34 56 78")).to_be_visible()
    expect(page.get_by_role("link", name="+44 20 7946 0958")).to_be_visible()

    page.goto("/contacts/new/")
    page.fill("#id_first_name", "Lucía")
    page.fill("#id_last_name", "Martínez")
    page.fill("#id_emails-0-email", "lucia@acme-iberica.example")
    page.fill("#id_phones-0-number", PHONE_TYPED)
    company_box = page.locator("#id_affiliations-0-company_name")
    company_box.press_sequentially("Acme Ib", delay=30)
    expect(page.locator("#company-names option[value='Acme Ibérica S.L.']")).to_have_count(1)
    company_box.fill("Acme Ibérica S.L.")
    page.fill("#id_affiliations-0-role", "Purchasing")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/contacts/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lucía Martínez")
    expect(page.locator("a[href^='tel:']")).to_have_text(PHONE_SHOWN)
    expect(page.get_by_role("link", name="Acme Ibérica S.L.")).to_be_visible()
    expect(page.get_by_role("link", name="lucia@acme-iberica.example")).to_be_visible()


def test_pages_load_their_stylesheet_and_script(page, workspace):
    missing = []
    page.on("response", lambda r: missing.append(r.url) if "/static/" in r.url and r.status >= 400 else None)
    log_in(page, workspace.users["rep"])
    page.goto("/contacts/")

    assert missing == []
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).display") == "flex"


def test_new_contact_form_preselects_me_as_owner(page, workspace):
    rep = workspace.users["rep"]
    log_in(page, rep)
    page.goto("/contacts/new/")

    expect(page.locator("#id_owner")).to_have_value(str(rep.pk), timeout=1000)


def test_empty_contact_form_answers_422_naming_the_field(page, workspace):
    log_in(page, workspace.users["rep"])
    page.goto("/contacts/new/")

    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Save").click()

    assert answer.value.status == 422
    expect(page.get_by_text("Please correct the fields marked below.")).to_be_visible()
    first_name = page.locator(".field.has-error", has=page.locator("#id_first_name"))
    expect(first_name.locator(".error")).to_have_text("“First name” is required.")


@pytest.mark.parametrize("typed", ["+34612345678", "0034 612 345 678"])
def test_global_search_finds_contact_by_phone_in_another_format(page, workspace, typed):
    contact = given_contact(workspace)
    log_in(page, workspace.users["admin"])
    page.goto("/contacts/")

    page.locator("#global-search").fill(typed)

    hit = page.locator("#search-results").get_by_role("link", name="Lucía Martínez")
    expect(hit).to_be_visible()
    hit.click()
    expect(page).to_have_url(re.compile(rf"/contacts/{contact.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lucía Martínez")


def test_edit_contact_shows_change_in_history(page, workspace):
    contact = given_contact(workspace)
    log_in(page, workspace.users["admin"])
    page.goto(f"/contacts/{contact.pk}/")

    page.get_by_role("link", name="Edit").click()
    page.fill("#id_job_title", "Head of Purchasing")
    page.select_option("#id_lifecycle_status", label="Customer")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(rf"/contacts/{contact.pk}/$"))
    history = page.locator("table.history tbody tr")
    job = history.filter(has=page.locator("td.new", has_text="Head of Purchasing"))
    expect(job.locator("td").nth(2)).to_have_text("Job title")
    expect(job.locator("td.old")).to_have_text("Buyer")
    status = history.filter(has=page.locator("td", has_text=re.compile(r"^Lifecycle status$")))
    status = status.filter(has=page.locator("td.new", has_text=re.compile(r"^Customer$")))
    expect(status.locator("td.old")).to_have_text("Lead")


def test_switching_profile_language_to_spanish(page, workspace):
    log_in(page, workspace.users["rep"])
    page.goto("/profile/")

    page.select_option("#id_language", label="Español")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()

    expect(page.locator("html")).to_have_attribute("lang", "es")
    nav = page.get_by_role("navigation", name="Principal")
    expect(nav.get_by_role("link", name="Contactos")).to_be_visible()
    expect(nav.get_by_role("link", name="Empresas")).to_be_visible()
    expect(page.get_by_role("button", name="Guardar")).to_be_visible()
    page.locator("details.menu summary").click()
    expect(page.get_by_role("link", name="Perfil e idioma")).to_be_visible()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()


def test_contact_page_and_list_fit_a_390px_phone(page, workspace):
    contact = given_contact(workspace, description="Prefers calls in the morning. " * 8)
    log_in(page, workspace.users["admin"])
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"/contacts/{contact.pk}/")
    page.screenshot(path=ARTIFACTS / "e2e-390.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    edit = page.get_by_role("link", name="Edit")
    edit.scroll_into_view_if_needed()
    box = edit.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1
    assert box["width"] >= 24 and box["height"] >= 24, "Edit must be a comfortable tap target"

    page.goto("/contacts/")
    page.screenshot(path=ARTIFACTS / "e2e-390-list.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    expect(page.get_by_role("link", name="Lucía Martínez")).to_be_visible()


def test_slash_focuses_global_search_on_list_page(page, workspace):
    log_in(page, workspace.users["rep"])
    page.goto("/contacts/")
    page.locator("h1").click()

    page.keyboard.press("/")

    expect(page.locator("#global-search")).to_be_focused()
    expect(page.locator("#global-search")).to_have_value("")


def test_slash_typed_in_a_field_stays_in_the_field(page, workspace):
    log_in(page, workspace.users["rep"])
    page.goto("/contacts/")
    page.locator("#list-q").click()

    page.keyboard.type("a/b")

    expect(page.locator("#list-q")).to_be_focused()
    expect(page.locator("#list-q")).to_have_value("a/b")


def test_rich_note_is_kept_and_injected_markup_is_neutralised(page, workspace):
    contact = given_contact(workspace)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, workspace.users["admin"])
    page.goto(f"/contacts/{contact.pk}/")

    editor = page.locator("#note-editor")
    editor.click()
    page.keyboard.type("Renewal agreed")
    page.keyboard.press("ControlOrMeta+A")
    page.locator("[data-cmd=bold]").click()
    expect(page.locator("#note-body")).to_have_value(re.compile(r"<b>Renewal agreed</b>"))
    page.evaluate("""() => {
        const body = document.querySelector('#note-body');
        body.value += ' for next year<img src=x onerror=alert(1)><p onclick="alert(2)">call in March</p>';
    }""")
    page.get_by_role("button", name="Add note").click()

    expect(page.get_by_role("status")).to_contain_text("Note added.")
    note = page.locator(".item-note .note-body").first
    expect(note).to_contain_text("Renewal agreed for next year")
    expect(note.locator("b, strong")).to_have_text("Renewal agreed")
    expect(note.locator("p")).to_have_text("call in March")
    page.wait_for_timeout(300)  # give a would-be onerror handler time to fire
    assert dialogs == []
    assert note.locator("[onerror], [onclick], img").count() == 0
    assert "onerror" not in note.inner_html()


def test_clicking_bold_then_typing_writes_bold_text(page, workspace):
    contact = given_contact(workspace)
    log_in(page, workspace.users["admin"])
    page.goto(f"/contacts/{contact.pk}/")

    page.locator("#note-editor").click()
    page.locator("[data-cmd=bold]").click()
    page.keyboard.type("Renewal agreed")

    expect(page.locator("#note-editor b, #note-editor strong")).to_have_text("Renewal agreed", timeout=2000)
    expect(page.locator("#note-body")).to_have_value(re.compile(r"Renewal agreed"), timeout=2000)


def test_show_older_loads_the_next_page_of_the_timeline_in_place(page, workspace):
    from datetime import timedelta

    from django.utils import timezone

    from clientela.notes.models import Note

    contact = given_contact(workspace)
    start = timezone.now() - timedelta(days=60)
    with use_workspace(workspace):
        for day in range(40):
            note = Note.objects.create(workspace=workspace, entity="contacts", record_id=contact.pk,
                                       author=workspace.users["admin"], body=f"<p>Call {day:02d}</p>")
            Note.objects.filter(pk=note.pk).update(created_at=start + timedelta(days=day))
    log_in(page, workspace.users["admin"])
    page.goto(f"/contacts/{contact.pk}/")
    notes = page.locator(".timeline-items .item-note")
    expect(notes).to_have_count(24)  # 25 items, the newest being the record's creation
    page.get_by_role("link", name="Show older").click()
    expect(notes).to_have_count(40)
    expect(notes.last).to_contain_text("Call 00")
    expect(page.get_by_role("link", name="Show older")).to_have_count(0)
    assert page.url.endswith(f"/contacts/{contact.pk}/")  # loaded in place, not a new page


def test_a_contacts_values_stay_readable_beside_long_spanish_labels(page, workspace):
    contact = given_contact(workspace)
    admin = workspace.users["admin"]
    admin.language = "es"
    admin.save(update_fields=["language"])
    log_in(page, admin)

    page.goto(f"/contacts/{contact.pk}/")
    # "Consentimiento para marketing por correo electrónico" once took the card's width, values got 0 px
    label = page.locator("dl.fields dt", has_text="Consentimiento para marketing por correo electrónico").first
    expect(label).to_be_visible()
    value = page.locator("dl.fields dt", has_text="Cargo").first.locator("xpath=following-sibling::dd[1]")
    expect(value).to_have_text("Buyer")
    box = value.bounding_box()
    assert box is not None and box["width"] >= 100, box
