"""Lists are sent without validating the page through its pydantic schema again: the bytes must not change."""

import pytest

from clientela.api import resources
from clientela.registry.entities import all_entities

from .records import varied_records
from .test_api import api_client


@pytest.fixture
def records(acme):
    varied_records(acme)


QUERIES = [{}, {"limit": 1}, {"fields": "first_name,emails,custom,version"}, {"include": "companies,owner"},
           {"fields": "name,phones", "include": "contacts"}, {"sort": "-updated_at", "limit": 1, "offset": 1}]


@pytest.mark.parametrize("role", ["admin", "support", "rep"])
def test_a_list_sends_the_bytes_the_validated_page_gives(acme, records, role, monkeypatch):
    client = api_client(acme.users[role], acme)
    for entity in all_entities():
        for query in QUERIES:
            fast = client.get(f"/api/v1/{entity.key}", query)
            with monkeypatch.context() as patched:
                patched.setattr(resources, "_page_response", lambda _schema, data: data)  # ninja validates it
                slow = client.get(f"/api/v1/{entity.key}", query)
            assert fast.status_code == slow.status_code, (entity.key, query, fast.content)
            assert fast["Content-Type"] == slow["Content-Type"]
            assert fast.content == slow.content, (entity.key, role, query)
