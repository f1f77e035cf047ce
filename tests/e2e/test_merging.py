"""Finding two records of one person and merging them in a real browser, then undoing the merge."""

import pytest
from playwright.sync_api import expect

from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.workspaces.scoping import use_workspace

from .conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.e2e


def given_two_records_of_one_person(workspace):
    admin = workspace.users["admin"]
    with use_workspace(workspace):
        kept = factories.contact(admin, first="Lucía", last="Martínez", job_title="",
                                 emails=[{"email": "lucia@acme-iberica.example", "label": "work"}])
        other = factories.contact(admin, first="Lucia", last="Martinez", job_title="Buyer",
                                  emails=[{"email": "LUCIA@acme-iberica.example", "label": "personal"}],
                                  phones=[{"number": "+34 612 34 56 78", "label": "mobile"}])
    return kept, other


def test_find_two_contacts_merge_them_and_undo(page, workspace):
    kept, other = given_two_records_of_one_person(workspace)
    log_in(page, workspace.users["admin"])

    page.goto("/contacts/")
    page.get_by_role("link", name="Find duplicates").click()
    expect(page.get_by_text("Score 95 · same email")).to_be_visible()
    page.get_by_role("link", name="Review and merge").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Merge contacts")
    # keep the first record, but take the accent-less spelling of the first name from the other one
    if page.locator("input[name=master]").input_value() != str(kept.pk):
        page.locator("thead th").filter(has_text="Lucía").get_by_role("link", name="Keep this one instead").click()
    expect(page.locator("input[name=master]")).to_have_value(str(kept.pk))
    page.locator(f"input[name=f_first_name][value='{other.pk}']").check()
    expect(page.locator(f"input[name=f_job_title][value='{other.pk}']")).to_be_checked()  # the main one is empty
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "merge-390.png"), full_page=True)
    page.get_by_role("button", name="Merge 2 records").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Lucia Martínez")
    expect(page.get_by_text("Merged Lucia Martinez into")).to_be_visible()
    expect(page.get_by_role("link", name="612 34 56 78")).to_be_visible()  # the other record's phone moved
    with use_workspace(workspace):
        assert list(Contact.objects.values_list("pk", flat=True)) == [kept.pk]

    page.goto("/merges/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("Merge undone")).to_be_visible()
    with use_workspace(workspace):
        assert Contact.objects.count() == 2
        assert Contact.objects.get(pk=kept.pk).first_name == "Lucía"
