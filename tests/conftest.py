import pytest
from django.db import connection
from django.test import Client
from django.utils import translation

from tests.browser.support import MISSING_NOTICE, browser_missing, browser_required
from tests.factories import Bureau, make_bureau


def pytest_report_header(config):
    if browser_missing():
        return [
            MISSING_NOTICE if not browser_required() else "browser tests will FAIL: no chromium"
        ]
    return []


def pytest_terminal_summary(terminalreporter):
    """Say plainly that the browser tests did not run, not just count them as skipped."""
    skipped = terminalreporter.stats.get("skipped", [])
    if any(MISSING_NOTICE in str(getattr(report, "longrepr", "")) for report in skipped):
        terminalreporter.write_line(MISSING_NOTICE, yellow=True, bold=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL, let flush (transactional and live-server tests) empty the
    ledger, whose trigger otherwise refuses TRUNCATE."""
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            name = connection.ops.quote_name(connection.settings_dict["NAME"])
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER DATABASE {name} SET jifen.allow_truncate = 'on'")
                cursor.execute("SET jifen.allow_truncate = 'on'")


@pytest.fixture
def english():
    """Messages are compared in English, the msgids; pages, which speak Chinese, by their
    structure. A module asks for it with `pytestmark = pytest.mark.usefixtures("english")`."""
    with translation.override("en"):
        yield


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
