"""A member and a secretary look at their pages on a phone and on a desktop.

Screenshots land in test-artifacts/screenshots/<who>-<size>-<page>.png.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger.services import entry_post
from rules.services import scheme_for_year
from tests.factories import PASSWORD, MemberFactory

from .support import DESKTOP, PHONE

SIZES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture
def demo_branch(bureau):
    """Branch A with a few more members and a season of points."""
    today = timezone.localdate()
    scheme = scheme_for_year(branch=bureau.branch_a, year=today.year)
    items = {i.code: i for i in scheme.items.all()}
    members = [bureau.member_a, bureau.other_member_a]
    members += [
        MemberFactory(branch=bureau.branch_a, name=name, department=bureau.department)
        for name in ("陈立新", "刘秀英", "杨志刚", "黄丽华")
    ]
    plan = [
        ("dedication.volunteer", "2.5"),
        ("dedication.learning", "1"),
        ("dedication.ecology", "3"),
        ("deduction.study", "1"),
    ]
    for n, member in enumerate(members):
        for month in range(1, today.month + 1, 2):
            code, points = plan[(n + month) % len(plan)]
            entry_post(
                member=member,
                year=today.year,
                month=month,
                points=points,
                source="direct",
                item=items[code],
                reason="示例记录",
            )
    entry_post(
        member=bureau.other_member_a,
        year=today.year,
        month=1,
        points="-2",
        source="adjustment",
        item=items["base.1"],
        reason="缺席组织生活",
    )
    return bureau


def tour(view, pages: list[tuple[str, str]], phone: bool) -> list[str]:
    """Open each page, take its screenshot; on a phone, note pages that scroll sideways."""
    sideways = []
    for label, path in pages:
        if path:
            view.open(path)
        view.shot(label)
        if phone and view.overflows_sideways():
            sideways.append(f"{label} ({view.page.url}) scrolls sideways on a phone")
    return sideways


@pytest.mark.parametrize("size", SIZES)
def test_a_member_sees_home_and_their_card(demo_branch, screen, size):
    bureau = demo_branch
    year = timezone.localdate().year
    view = screen(f"member-{size}", SIZES[size])
    view.sign_in("member_a", PASSWORD)
    assert bureau.member_a.name in view.page.content()
    card = reverse("summaries:card", kwargs={"member_pk": bureau.member_a.pk, "year": year})
    sideways = tour(view, [("home", ""), ("card", card)], phone=size == "phone")
    assert "党员奉献量化积分制管理记录卡" in view.page.content()
    assert bureau.other_member_a.name not in view.page.content()
    assert not sideways, sideways
    assert not view.problems, view.problems


@pytest.mark.parametrize("size", SIZES)
def test_a_secretary_sees_home_members_and_a_card(demo_branch, screen, size):
    bureau = demo_branch
    year = timezone.localdate().year
    view = screen(f"secretary-{size}", SIZES[size])
    view.sign_in("secretary_a", PASSWORD)
    members = reverse("organizations:member_list")
    card = reverse("summaries:card", kwargs={"member_pk": bureau.other_member_a.pk, "year": year})
    record = reverse("ledger:entry_new", kwargs={"code": bureau.branch_a.code})
    sideways = tour(
        view,
        [("home", ""), ("members", members), ("card", card), ("record-points", record)],
        phone=size == "phone",
    )
    view.open(members)
    assert bureau.other_member_a.name in view.page.content()
    assert bureau.member_b.name not in view.page.content()
    assert not sideways, sideways
    assert not view.problems, view.problems


def test_the_styles_and_scripts_are_served_by_the_live_server(bureau, screen):
    view = screen("static", DESKTOP)
    view.open("/accounts/login/")
    red = view.page.evaluate("getComputedStyle(document.body).getPropertyValue('--jf-red').trim()")
    assert red, "static/css/jifen.css did not load"
    assert view.page.evaluate("typeof window.htmx") == "object"
    assert view.page.evaluate("typeof window.bootstrap") == "object"
    assert not view.problems, view.problems
