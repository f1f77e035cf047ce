"""Counts stay exact below the threshold; above it the page says it is an estimate, or "more than"."""

from django.db import connection

from clientela.customers.tests import factories
from conftest import login


def _count_text(client) -> str:
    page = client.get("/contacts/").content.decode()
    return page.split('class="count"', 1)[1].split("</p>", 1)[0]


def test_a_short_list_shows_the_exact_count(in_acme):
    admin = in_acme.users["admin"]
    for i in range(3):
        factories.contact(admin, first=f"Exacta{i}")
    assert "3 records" in _count_text(login(admin))


def test_a_long_list_says_its_count_is_not_exact(in_acme, settings):
    settings.CLIENTELA = {**settings.CLIENTELA, "EXACT_COUNT_LIMIT": 2}
    admin = in_acme.users["admin"]
    for i in range(4):
        factories.contact(admin, first=f"Larga{i}")
    text = _count_text(login(admin))
    if connection.vendor == "postgresql":
        assert "About" in text and "an estimate" in text
    else:
        assert "More than 2 records" in text
