"""Looking writes nothing: no page answers a GET with an INSERT, UPDATE or DELETE.

Every page of the site (tests/urlwalk.py), with and without arguments, opened by every
role and by an anonymous visitor, under CaptureQueriesContext. Two tables are allowed:
the audit log (a refused request is audited by design, audit/middleware.py) and the
sessions (a browser's own state: messages, the authenticator key being set up, the
idle-timeout refresh).
"""

from __future__ import annotations

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from tests.access_fixtures import make_outside
from tests.factories import MemberFactory
from tests.test_access import urls_for
from tests.urlwalk import walk

# INSERT [OR IGNORE] INTO t, UPDATE [OR …] t, DELETE FROM t, REPLACE INTO t
WRITE = re.compile(
    r'^\s*(INSERT|UPDATE|DELETE|REPLACE)\b(?:\s+OR\s+\w+)?(?:\s+INTO|\s+FROM)?\s+"?(\w+)"?',
    re.IGNORECASE,
)
ALLOWED_TABLES = {"audit_auditevent", "django_session"}
ROLES = [
    "committee_admin",
    "secretary_a",
    "group_a",
    "recorder_a",
    "member_a_user",
    "secretary_b",
    "member_b_user",
]


def every_url(outside) -> list[tuple[str, str]]:
    urls = []
    for page in walk():
        if page.converters:
            urls += [(page.name, url) for url in urls_for(page, outside)]
            continue
        try:
            urls.append((page.name, reverse(page.name)))
        except NoReverseMatch:
            continue
    return urls


def writes_of(client: Client, urls) -> list[str]:
    found = []
    for name, url in urls:
        connection.queries_log.clear()  # a full log (9,000 queries) would capture nothing
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        for query in queries.captured_queries:
            match = WRITE.match(query["sql"])
            if match and match.group(2).lower() not in ALLOWED_TABLES:
                found.append(f"GET {url} ({name}): {match.group(1).upper()} {match.group(2)}")
    return found


def test_no_page_writes_when_it_is_only_looked_at(bureau, client_for):
    outside = make_outside(bureau)
    # A newcomer of branch B: no post page yet (the card and posts pages once made it on GET).
    MemberFactory(branch=bureau.branch_b, name="新来的党员")
    urls = every_url(outside)
    assert len(urls) > 150
    problems = writes_of(Client(), urls)
    for who in ROLES:
        problems += [f"{who}: {p}" for p in writes_of(client_for(getattr(bureau, who)), urls)]
    assert problems == []
