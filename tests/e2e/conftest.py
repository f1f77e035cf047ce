"""Browser fixtures: one headless Chromium per run, a fresh context (cookies, storage) per test."""

import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from conftest import make_workspace

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse ORM calls here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
PASSWORD = "demo-pass-123"
TIMEOUT_MS = 10_000
# Screenshots land here for a person to look at (CI can upload the folder).
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", tempfile.gettempdir()))


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def workspace(live_server):
    """A demo-shaped workspace ("acme") whose users all have the password above."""
    workspace, users = make_workspace("acme", "Acme")
    workspace.users = users
    return workspace


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def log_in(page, user, password: str = PASSWORD) -> None:
    """Log in through the real form, as a person would."""
    page.goto("/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)
