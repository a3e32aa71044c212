import pytest
from django.test import Client

from tests.factories import Bureau, make_bureau


@pytest.fixture
def bureau(db) -> Bureau:
    return make_bureau()


@pytest.fixture
def client_for():
    """client_for(user) -> a test client signed in as that user."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
