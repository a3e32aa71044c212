"""Who sees what: the scope rules, and every page of the site walked as an outsider."""

from __future__ import annotations

import io
import itertools
import json
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from django.apps import apps
from django.http import Http404
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.urls.converters import IntConverter, PathConverter, StringConverter, UUIDConverter

from ledger.models import PeriodLock
from ledger.services import entry_post, veto_record
from organizations.models import Member, Organization, Role
from organizations.permissions import (
    get_branch_for_user,
    get_member_for_user,
    scope_for,
    visible_branches,
    visible_members,
)
from rules.services import scheme_for_year
from tests.factories import MemberFactory, OrganizationFactory, UserFactory, grant
from tests.urlwalk import Page, walk

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

# Pages that are public by design (a member's 共产党员岗 post, a published
# leaderboard) may show another branch's names; list them here with a reason.
PUBLIC_VIEWS: set[str] = set()


@dataclass
class Outside:
    """Branch B's objects, each carrying a marker that must never reach branch A's users."""

    code: str
    member_pk: int
    pks: list[int]  # pks of B's objects of every kind we make
    markers: list[str]


@pytest.fixture
def outside(bureau) -> Outside:
    scheme_b = scheme_for_year(branch=bureau.branch_b, year=YEAR)
    item_b = scheme_b.items.get(code="dedication.volunteer")
    item_b.name = "乙支部专属项目"
    item_b.save(update_fields=["name"])
    entry_b = entry_post(
        member=bureau.member_b,
        year=YEAR,
        month=3,
        points="2",
        source="direct",
        item=item_b,
        reason="乙支部记录事由",
    )
    veto_b = veto_record(
        member=bureau.member_b,
        year=YEAR,
        ground="other",
        facts="乙支部否决事实",
        decided_on=date(2026, 4, 1),
    )
    lock_b = PeriodLock.objects.create(branch=bureau.branch_b, year=YEAR - 1, half=1)
    scheme_for_year(branch=bureau.branch_a, year=YEAR)  # A's pages have something to show
    pks = [bureau.member_b.pk, entry_b.pk, veto_b.pk, scheme_b.pk, item_b.pk, lock_b.pk]
    pks += branch_object_pks(bureau.branch_b)
    return Outside(
        code=bureau.branch_b.code,
        member_pk=bureau.member_b.pk,
        pks=sorted(set(pks)),
        markers=[bureau.member_b.name, item_b.name, entry_b.reason, veto_b.facts],
    )


def branch_object_pks(branch: Organization, per_model: int = 3) -> list[int]:
    """Pks of whatever objects of any app belong to the branch (by branch, organisation
    or member), so that pages added later are asked for them too."""
    pks: list[int] = []
    for model in apps.get_models():
        fields = {f.name: f for f in model._meta.concrete_fields}
        for name, lookup in (
            ("branch", "branch"),
            ("organization", "organization"),
            ("member", "member__branch"),
        ):
            field = fields.get(name)
            if field is not None and field.related_model in (Organization, Member):
                values = model._default_manager.filter(**{lookup: branch}).values_list(
                    "pk", flat=True
                )[:per_model]
                pks += [v for v in values if isinstance(v, int)]
                break
    return pks


STR_DEFAULTS = {"half": "1", "quarter": "1", "month": "3", "kind": "base", "section": "base"}


def candidates(name: str, converter, outside: Outside) -> list:
    """Values for one URL keyword argument, all pointing at branch B."""
    lowered = name.lower()
    if isinstance(converter, IntConverter) or type(converter).regex == "[0-9]+":
        if "year" in lowered:
            return [YEAR]
        if lowered in {"month"}:
            return [3]
        if lowered in {"half", "quarter"}:
            return [1]
        if "member" in lowered:
            return [outside.member_pk]
        return outside.pks
    if isinstance(converter, UUIDConverter):
        return [uuid.UUID(int=outside.member_pk)]
    if isinstance(converter, StringConverter | PathConverter):
        if lowered in STR_DEFAULTS:
            return [STR_DEFAULTS[lowered]]
        if "year" in lowered:
            return [str(YEAR)]
        return [outside.code]
    return [converter.to_python(outside.code)]


def urls_for(page: Page, outside: Outside) -> Iterator[str]:
    names_ = list(page.converters)
    choices = [candidates(n, page.converters[n], outside) for n in names_]
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


def visit_every_page(client: Client, outside: Outside, check_content: bool) -> list[str]:
    problems = []
    query = QUERY.format(year=YEAR, code=outside.code, member=outside.member_pk)
    for page in walk():
        for url in urls_for(page, outside):
            try:
                response = client.get(url + query)
            except Exception as exc:  # report every page, not just the first
                problems.append(f"{url} ({page.name}): raised {type(exc).__name__}: {exc}")
                continue
            if response.status_code >= 500:
                problems.append(f"{url} ({page.name}): {response.status_code}")
            elif check_content and response.status_code == 200 and page.name not in PUBLIC_VIEWS:
                shown = text_of(response)
                leaked = [m for m in outside.markers if m in shown]
                if leaked:
                    problems.append(f"{url} ({page.name}): shows branch B's {leaked}")
    return problems


def test_the_walker_finds_the_pages_of_every_app(bureau):
    found = {page.name for page in walk()}
    assert {"core:home", "accounts:login", "ledger:entry_new", "ledger:veto_new"} <= found
    assert not any(name.startswith(("static", "media")) for name in found)


@pytest.mark.parametrize("who", ["secretary_a", "member_a_user", "group_a"])
def test_no_page_shows_branch_b_to_branch_a(bureau, outside, client_for, who):
    problems = visit_every_page(client_for(getattr(bureau, who)), outside, check_content=True)
    assert not problems, "\n".join(problems)


def test_no_page_fails_for_an_anonymous_visitor(bureau, outside):
    problems = visit_every_page(Client(), outside, check_content=False)
    assert not problems, "\n".join(problems)


def test_no_page_fails_on_numbers_too_large_for_the_database(bureau, outside, client_for):
    client = client_for(bureau.committee_admin)
    problems = []
    for page in walk():
        ints = {n for n, c in page.converters.items() if isinstance(c, IntConverter)}
        if not ints:
            continue
        kwargs = {n: 10**20 if n in ints else outside.code for n in page.converters}
        url = reverse(page.name, kwargs=kwargs)
        try:
            status = client.get(url).status_code
        except Exception as exc:  # reported below, with the page
            problems.append(f"{url}: raised {type(exc).__name__}: {exc}")
            continue
        if status >= 500:
            problems.append(f"{url}: {status}")
    assert not problems, "\n".join(problems)
