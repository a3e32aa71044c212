"""Who sees what: the scope rules, and every page of the site walked as an outsider."""

from __future__ import annotations

import io
import itertools
import json
import uuid
import zipfile
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.urls.converters import IntConverter, UUIDConverter

from audit.middleware import DENIED_STATUSES, EXCLUDED_VIEWS
from audit.models import AuditEvent
from organizations.models import Member, Organization, Role
from organizations.permissions import (
    get_branch_for_user,
    get_member_for_user,
    scope_for,
    visible_branches,
    visible_members,
)
from tests.access_fixtures import Outside, make_outside, state_of
from tests.factories import MemberFactory, OrganizationFactory, UserFactory, grant
from tests.urlwalk import ARGUMENTS, Page, source_of, walk

YEAR = 2026


def codes(branches) -> set[str]:
    return {b.code for b in branches}


def names(members) -> set[str]:
    return {m.name for m in members}


@pytest.fixture
def general(bureau):
    """A general branch (党总支) under the committee, with one branch beneath it."""
    general = OrganizationFactory(
        code="dzz",
        name="第三党总支",
        kind=Organization.Kind.GENERAL_BRANCH,
        parent=bureau.committee,
    )
    child = OrganizationFactory(code="zb3", name="第三党总支第一支部", parent=general)
    secretary = UserFactory(username="secretary_dzz")
    grant(secretary, general, Role.SECRETARY)
    member = MemberFactory(branch=child, name="赵振华")
    return general, child, secretary, member


# --- scope rules -------------------------------------------------------------


def test_the_committee_sees_every_branch_and_member(bureau, general):
    user = bureau.committee_admin
    assert scope_for(user).is_committee
    assert codes(visible_branches(user)) == {"zb1", "zb2", "dzz", "zb3"}
    assert names(visible_members(user)) == {"张红梅", "李建国", "王晓燕", "赵振华"}
    assert get_branch_for_user(user, "zb2") == bureau.branch_b
    assert get_member_for_user(user, bureau.member_b.pk) == bureau.member_b


def test_the_committee_itself_is_not_a_branch(bureau):
    with pytest.raises(Http404):
        get_branch_for_user(bureau.committee_admin, "jgdw")


def test_a_general_branch_secretary_sees_its_child_branches(bureau, general):
    _, child, secretary, member = general
    assert codes(visible_branches(secretary)) == {"dzz", "zb3"}
    assert get_branch_for_user(secretary, "zb3") == child
    assert get_member_for_user(secretary, member.pk) == member
    assert scope_for(secretary).may_record_points(child.pk)
    for code in ("zb1", "zb2", "jgdw"):
        with pytest.raises(Http404):
            get_branch_for_user(secretary, code)
    with pytest.raises(Http404):
        get_member_for_user(secretary, bureau.member_a.pk)


@pytest.mark.parametrize("who", ["secretary_a", "group_a", "recorder_a"])
def test_a_branch_officer_sees_only_their_branch(bureau, general, who):
    user = getattr(bureau, who)
    assert codes(visible_branches(user)) == {"zb1"}
    assert names(visible_members(user)) == {"张红梅", "李建国"}
    assert get_branch_for_user(user, "zb1") == bureau.branch_a
    assert get_member_for_user(user, bureau.other_member_a.pk) == bureau.other_member_a
    for code in ("zb2", "zb3", "dzz", "jgdw", "nonexistent"):
        with pytest.raises(Http404):
            get_branch_for_user(user, code)
    for member in (bureau.member_b, general[3]):
        with pytest.raises(Http404):
            get_member_for_user(user, member.pk)


def test_a_member_sees_only_their_own_record(bureau):
    user = bureau.member_a_user
    assert not visible_branches(user).exists()
    assert list(visible_members(user)) == [bureau.member_a]
    assert get_member_for_user(user, bureau.member_a.pk) == bureau.member_a
    for member in (bureau.other_member_a, bureau.member_b):
        with pytest.raises(Http404):
            get_member_for_user(user, member.pk)
    with pytest.raises(Http404):
        get_branch_for_user(user, "zb1")


def test_an_anonymous_visitor_sees_nothing(bureau):
    from django.contrib.auth.models import AnonymousUser

    nobody = AnonymousUser()
    assert not visible_branches(nobody).exists()
    assert not visible_members(nobody).exists()
    with pytest.raises(Http404):
        get_branch_for_user(nobody, "zb1")
    with pytest.raises(Http404):
        get_member_for_user(nobody, bureau.member_a.pk)


@pytest.mark.parametrize("pk", [999999, "abc", None, "", 10**30])
def test_a_missing_or_malformed_member_is_404(bureau, pk):
    with pytest.raises(Http404):
        get_member_for_user(bureau.committee_admin, pk)


def test_a_member_who_left_no_longer_sees_their_record(bureau):
    Member.objects.filter(pk=bureau.member_a.pk).update(is_active=False)
    user = bureau.member_a_user
    assert scope_for(user).member is None
    with pytest.raises(Http404):
        get_member_for_user(user, bureau.member_a.pk)


def test_the_roles_decide_what_an_officer_may_do(bureau):
    a = bureau.branch_a.pk
    assert scope_for(bureau.secretary_a).may_edit_scheme(a)
    assert not scope_for(bureau.group_a).may_edit_scheme(a)
    assert scope_for(bureau.committee_admin).may_edit_scheme(a)
    for officer in (bureau.secretary_a, bureau.group_a, bureau.recorder_a):
        assert scope_for(officer).may_record_points(a)
    for outsider in (bureau.member_a_user, bureau.secretary_b, bureau.committee_admin):
        assert not scope_for(outsider).may_record_points(a)
    assert not scope_for(bureau.member_a_user).is_officer(a)


# --- every page, as an outsider ----------------------------------------------

# Pages public by design: whoever holds the secret in the URL (a printed code, a QR
# code) reaches them without an account, so they may show branch B's names to anyone.
PUBLIC_VIEWS: dict[str, str] = {
    "appraisals:ballot": "a voter's one-time code printed on a slip; the ballot lists the evaluees",
    "orglife:sign_in": "the QR code shown in the meeting room; sign-in names the meeting",
    "commitments:public": "a member's 共产党员岗 plate: the QR code on the desk is public",
    "commitments:photo": "the photo on that public 共产党员岗 page",
    "publicity:lobby": "an office screen's secret address; it shows the published points",
    "publicity:lobby_data": "the data the office screen refreshes itself with",
    "oversight:public_cases": "典型案例 published with the members' consent, for the public",
    "oversight:public_case_photo": "a chosen photo of a published case (others are 404)",
}

# Posting to these is not about another branch's data.
POST_SKIPPED: dict[str, str] = {"accounts:logout": "signs the secretary out of the walk"}

# 401: the REST API asks an anonymous caller for a token (WWW-Authenticate), not to sign in.
REFUSED = {400, 401, 403, 404, 405}


def refused(response) -> bool:
    """Refused outright, or (an anonymous visitor) sent to sign in first."""
    if response.status_code == 302:
        return response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    return response.status_code in REFUSED


@pytest.fixture
def outside(bureau) -> Outside:
    return make_outside(bureau)


def values_for(page: Page, name: str, outside: Outside) -> list:
    """Values for one URL keyword argument, all pointing at branch B (tests/urlwalk.py:
    ARGUMENTS says which object); a name not listed falls back to every pk of B."""
    source = source_of(page.name, name)
    converter = page.converters[name]
    if source is None:
        if isinstance(converter, IntConverter):
            return outside.pks
        if isinstance(converter, UUIDConverter):
            return [uuid.UUID(int=outside.member_pk)]
        return [outside.code]
    if source.startswith("="):
        return [source[1:]]
    if source == "branch":
        return [outside.code]
    if source.startswith("secret:"):
        return [outside.secrets[source.removeprefix("secret:")]]
    return [outside.objects[source]]


def targets_b(page: Page) -> bool:
    """Whether some argument of the page names branch B or one of its objects."""
    return any(not (source_of(page.name, n) or "").startswith("=") for n in page.converters)


def urls_for(page: Page, outside: Outside) -> Iterator[str]:
    names_ = list(page.converters)
    choices = [values_for(page, n, outside) for n in names_]
    for values in itertools.product(*choices):
        try:
            yield reverse(page.name, kwargs=dict(zip(names_, values, strict=True)))
        except NoReverseMatch:  # a converter refusing our guess: try the next
            continue


def text_of(response) -> str:
    """What a person could read in the response: HTML, JSON, or an .xlsx's strings."""
    body = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "".join(
                archive.read(n).decode("utf-8", "replace")
                for n in archive.namelist()
                if n.endswith(".xml")
            )
    text = body.decode("utf-8", "replace")
    if "json" in response.get("Content-Type", ""):
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


QUERY = "?year={year}&branch={code}&code={code}&member={member}"


def denial_rows() -> int:
    # An anonymous client's denials are counted per address (audit_record_counted): the
    # walk starts every request afresh, so each refusal is the first and makes its row.
    cache.clear()
    return AuditEvent.objects.filter(action="access.denied").count()


def unaudited_denial(page: Page, status: int, before: int) -> bool:
    """Whether a refusal of one of the system's pages left no access.denied row
    (audit/middleware.py; the anonymous ballot pages are left out on purpose)."""
    if status not in DENIED_STATUSES or page.name in EXCLUDED_VIEWS:
        return False
    return denial_rows() != before + 1


def visit_every_page(client: Client, outside: Outside, check_content: bool) -> list[str]:
    problems = []
    query = QUERY.format(year=YEAR, code=outside.code, member=outside.member_pk)
    for page in walk():
        for url in urls_for(page, outside):
            denied_before = denial_rows()
            try:
                response = client.get(url + query)
            except Exception as exc:  # report every page, not just the first
                problems.append(f"{url} ({page.name}): raised {type(exc).__name__}: {exc}")
                continue
            if unaudited_denial(page, response.status_code, denied_before):
                problems.append(f"{url} ({page.name}): {response.status_code} not audited")
            if response.status_code >= 500:
                problems.append(f"{url} ({page.name}): {response.status_code}")
            elif check_content and response.status_code == 200 and page.name not in PUBLIC_VIEWS:
                shown = text_of(response)
                leaked = [m for m in outside.markers if m in shown]
                if leaked:
                    problems.append(f"{url} ({page.name}): shows branch B's {leaked}")
    return problems


def post_to_every_page(client: Client, outside: Outside) -> list[str]:
    """An empty form to every page: those naming branch B's objects must refuse it."""
    problems = []
    for page in walk():
        if page.name in POST_SKIPPED:
            continue
        for url in urls_for(page, outside):
            denied_before = denial_rows()
            try:
                response = client.post(url, {})
            except Exception as exc:  # report every page, not just the first
                problems.append(f"POST {url} ({page.name}): raised {type(exc).__name__}: {exc}")
                continue
            status = response.status_code
            if unaudited_denial(page, status, denied_before):
                problems.append(f"POST {url} ({page.name}): {status} not audited")
            if status >= 500:
                problems.append(f"POST {url} ({page.name}): {status}")
            elif targets_b(page) and page.name not in PUBLIC_VIEWS and not refused(response):
                problems.append(f"POST {url} ({page.name}): {status}, not refused")
    return problems


def changes(before: dict, after: dict) -> list[str]:
    return [f"{key} changed" for key in before if before[key] != after.get(key)]


def test_the_walker_finds_the_pages_of_every_app(bureau):
    found = {page.name for page in walk()}
    assert {"core:home", "accounts:login", "ledger:entry_new", "ledger:veto_new"} <= found
    assert not any(name.startswith(("static", "media")) for name in found)
    assert set(PUBLIC_VIEWS) <= found


def test_every_url_argument_names_an_object_of_branch_b(bureau, outside):
    missing = [
        f"{page.name}: {name}"
        for page in walk()
        for name in page.converters
        if not values_for(page, name, outside)
    ]
    assert not missing
    for _, _, source in ARGUMENTS:
        if "." in source:
            assert source in outside.objects, f"no object of branch B for {source}"
        if source.startswith("secret:"):
            assert source.removeprefix("secret:") in outside.secrets


# Pages of branch B that even B's own people do not open with the walk's objects.
UNREACHED_BY_B: dict[str, str] = {
    "appraisals:form3_filled_print": "the session is still open",
    "appraisals:form3_filled_xlsx": "the session is still open",
    "declarations:evidence": "no file is stored for the evidence",
    "participation:attachment": "the exemption has no attachment",
    "oversight:case_photo": "the case shows no photo",
    "oversight:public_case_photo": "the case shows no photo",
    "commitments:photo": "the member has no photo",
    "results:consent_scan": "the case has no consent recorded",
    "accounts:login_open": "the member has a login already",
}


def test_branch_b_and_the_committee_reach_the_pages_the_walk_asks_for(bureau, outside, client_for):
    """The control: the walk's arguments name real objects, so a 404 for branch A means
    the page refused, not that the object was missing."""
    insiders = [client_for(getattr(bureau, w)) for w in ("secretary_b", "member_b_user")]
    insiders.append(client_for(bureau.committee_admin))
    unreached = []
    for page in walk():
        if not targets_b(page) or page.name in UNREACHED_BY_B:
            continue
        for url in urls_for(page, outside):
            statuses = {client.get(url).status_code for client in insiders}
            if statuses <= {404}:
                unreached.append(f"{url} ({page.name})")
    assert not unreached, "\n".join(unreached)


BRANCH_A_ROLES = ["secretary_a", "recorder_a", "group_a", "member_a_user"]


@pytest.mark.parametrize("who", BRANCH_A_ROLES)
def test_no_page_shows_branch_b_to_branch_a(bureau, outside, client_for, who):
    before = state_of(bureau)
    problems = visit_every_page(client_for(getattr(bureau, who)), outside, check_content=True)
    problems += changes(before, state_of(bureau))
    assert not problems, "\n".join(problems)


def test_no_page_fails_for_an_anonymous_visitor(bureau, outside):
    problems = visit_every_page(Client(), outside, check_content=False)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("who", BRANCH_A_ROLES)
def test_branch_a_posting_to_branch_b_changes_nothing(bureau, outside, client_for, who):
    before = state_of(bureau)
    problems = post_to_every_page(client_for(getattr(bureau, who)), outside)
    problems += changes(before, state_of(bureau))
    assert not problems, "\n".join(problems)


def test_an_anonymous_visitor_posting_changes_nothing(bureau, outside):
    before = state_of(bureau)
    problems = post_to_every_page(Client(), outside)
    problems += changes(before, state_of(bureau))
    assert not problems, "\n".join(problems)


def test_no_page_fails_on_numbers_too_large_for_the_database(bureau, outside, client_for):
    client = client_for(bureau.committee_admin)
    problems = []
    for page in walk():
        ints = {n for n, c in page.converters.items() if isinstance(c, IntConverter)}
        if not ints:
            continue
        kwargs = {
            n: 10**20
            if n in ints
            else (source_of(page.name, n) or "").removeprefix("=")
            if (source_of(page.name, n) or "").startswith("=")
            else outside.code
            for n in page.converters
        }
        try:
            url = reverse(page.name, kwargs=kwargs)
        except NoReverseMatch:  # a converter that takes no such number (half: 1 or 2)
            continue
        try:
            status = client.get(url).status_code
        except Exception as exc:  # reported below, with the page
            problems.append(f"{url}: raised {type(exc).__name__}: {exc}")
            continue
        if status >= 500:
            problems.append(f"{url}: {status}")
    assert not problems, "\n".join(problems)
