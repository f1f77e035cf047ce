"""The whole UI works under the strict Content Security Policy: no page trips a violation.

Chromium reports a blocked inline script, style or handler on the console; a `securitypolicyviolation`
listener (injected by the browser driver, so the policy does not apply to it) reports them as well,
in case a message is not surfaced as a console call.
"""

import re

import pytest
from playwright.sync_api import expect

from clientela.customers.tests import factories
from clientela.notes import services as notes
from clientela.registry import entities
from clientela.workspaces.scoping import use_workspace

from .conftest import log_in

pytestmark = pytest.mark.e2e

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def csp_problems(page):
    """Console messages about the policy, and uncaught page errors, collected while the test runs."""
    problems = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda msg: problems.append(f"{msg.type}: {msg.text}")
            if "content security policy" in msg.text.lower() else None)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    return problems


@pytest.fixture
def lucia(workspace):
    admin = workspace.users["admin"]
    with use_workspace(workspace):
        factories.company(admin, name="Acme Ibérica S.L.")
        contact = factories.contact(
            admin, first="Lucía", last="Martínez", job_title="Buyer",
            emails=[{"email": "lucia@acme-iberica.example", "label": "work"}],
            phones=[{"number": "+34 612 34 56 78", "label": "mobile"}],
            affiliations=[{"company_name": "Acme Ibérica S.L.", "role": "Purchasing"}])
        notes.note_create(entity=entities.get("contacts"), record=contact, by=admin,
                          body='<p><strong>Call</strong> on <em>Monday</em> — <a href="https://example.com">offer</a></p>')
        return contact


def test_main_pages_work_without_any_policy_violation(page, workspace, lucia, csp_problems):
    log_in(page, workspace.users["admin"])

    # Lists, and the list filter swapping results in with htmx.
    page.goto("/companies/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Companies"))
    page.goto("/contacts/")
    with page.expect_response(lambda r: "/contacts/?" in r.url and r.request.headers.get("hx-request")):
        page.locator("#list-q").fill("Lucía")
    expect(page.locator("#list-results").get_by_role("link", name="Lucía Martínez")).to_be_visible()

    # Global search results, typed into the top bar.
    page.locator("#global-search").press_sequentially("Mart", delay=30)
    hit = page.locator("#search-results").get_by_role("link", name="Lucía Martínez")
    expect(hit).to_be_visible()
    hit.click()

    # The detail page with a formatted note; write another one with the rich-text toolbar.
    expect(page).to_have_url(re.compile(rf"/contacts/{lucia.pk}/$"))
    expect(page.locator(".timeline-items strong", has_text="Call")).to_be_visible()
    editor = page.locator("#note-editor")
    editor.click()
    page.get_by_role("button", name="B", exact=True).click()
    page.keyboard.type("Sent the offer")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("status")).to_contain_text("Note added.")
    expect(page.locator(".item-note .note-body b", has_text="Sent the offer")).to_be_visible()

    # The form, adding an inline row from its <template>.
    page.get_by_role("link", name="Edit").click()
    phones = page.locator("fieldset[data-formset=phones]")
    rows = phones.locator(".inline-row").count()
    phones.get_by_role("button", name="+ Add another").click()
    expect(phones.locator(".inline-row")).to_have_count(rows + 1)
    page.goto("/contacts/new/")
    expect(page.locator("#id_first_name")).to_be_visible()

    # The profile.
    page.goto("/profile/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    assert csp_problems == []


def test_the_page_styles_and_scripts_are_really_applied(page, workspace, csp_problems):
    """A policy that blocked our own files would leave an unstyled page with no htmx."""
    log_in(page, workspace.users["rep"])
    page.goto("/contacts/")

    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).display") == "flex"
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.locator("head style").count() == 0
    assert csp_problems == []


def test_the_watch_catches_a_violation(page, workspace, csp_problems):
    """Guard against a silent watch: an inline style attribute put in the page is reported."""
    log_in(page, workspace.users["rep"])
    page.goto("/contacts/")

    with page.expect_console_message(lambda msg: "content security policy" in msg.text.lower()):
        page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">inline</p>')")

    assert any("style-src" in problem for problem in csp_problems)


def test_the_api_docs_render_under_the_policy(page, workspace, csp_problems):
    log_in(page, workspace.users["admin"])
    page.goto("/api/v1/docs")

    expect(page.locator("#swagger-ui .info .title")).to_contain_text("Clientela API")
    expect(page.locator("#swagger-ui .opblock").first).to_be_visible()
    assert csp_problems == []
