"""Fixtures the API tests share."""

import pytest

from .test_api import api_client


@pytest.fixture
def admin_api(acme):
    """A client calling the API with a token of Acme's administrator."""
    return api_client(acme.users["admin"], acme)
