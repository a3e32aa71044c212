"""Lists of people are in pinyin order (艾, 李, 王, 曾, 张), not character-code order
(张, 曾, 李, 王, 艾), on every page that lists them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from core.pinyin import by_pinyin, pinyin_key
from organizations.models import Member, PublicRepresentative
from organizations.services import member_update
from orglife import services as orglife
from tests.factories import MemberFactory

# bureau's branch A holds 张红梅 and 李建国; these join them.
JOINING = ("王晓明", "曾平", "艾青")
PINYIN_ORDER = ["艾青", "李建国", "王晓明", "曾平", "张红梅"]


def test_the_key_sorts_by_syllable_then_tone():
    names = ["张红梅", "李明", "黎明", "李建国", "吕方", "卢方", "王晓燕", "阿明"]
    assert by_pinyin(names) == [
        "阿明",
        "黎明",
        "李建国",
        "李明",
        "卢方",
        "吕方",
        "王晓燕",
        "张红梅",
    ]
    assert pinyin_key("李建国") == "li3jian4guo2"


def test_surnames_are_read_as_surnames():
    assert pinyin_key("曾生中").startswith("zeng1")
    assert pinyin_key("单田芳").startswith("shan4")
    assert by_pinyin(["张三", "曾平", "岑山"]) == ["岑山", "曾平", "张三"]


def test_a_name_change_keeps_the_key(bureau):
    member = bureau.other_member_a
    member_update(member=member, name="艾建国")
    assert Member.objects.get(pk=member.pk).name_key == pinyin_key("艾建国")
    member.name = "白建国"
    member.save(update_fields=["name"])
    assert Member.objects.get(pk=member.pk).name_key == pinyin_key("白建国")
    rep = PublicRepresentative.objects.create(branch=bureau.branch_a, name="曾代表")
    assert rep.name_key.startswith("zeng1")


@pytest.fixture
def five(bureau):
    for name in JOINING:
        MemberFactory(branch=bureau.branch_a, name=name, department=bureau.department)
    return bureau


def order_in(html: str) -> list[str]:
    """The five names in the order they first appear in the page."""
    found = {name: html.find(name) for name in PINYIN_ORDER}
    missing = [name for name, at in found.items() if at < 0]
    assert not missing, f"not on the page: {missing}"
    return sorted(found, key=found.__getitem__)


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    # only the page's own content: the menu shows the signed-in member's name
    return re.split(r"<main[^>]*>", response.content.decode(), maxsplit=1)[1]


def test_the_member_list_is_in_pinyin_order(five, client_for):
    client = client_for(five.secretary_a)
    assert order_in(page(client, reverse("organizations:member_list"))) == PINYIN_ORDER


def test_the_dues_grid_is_in_pinyin_order(five, client_for):
    url = reverse("orglife:dues:grid", kwargs={"code": "zb1", "year": 2025})
    assert order_in(page(client_for(five.recorder_a), url)) == PINYIN_ORDER


def test_the_points_form_offers_members_in_pinyin_order(five, client_for):
    url = reverse("ledger:entry_new", kwargs={"code": "zb1"})
    assert order_in(page(client_for(five.group_a), url)) == PINYIN_ORDER


def test_the_review_queue_filter_offers_members_in_pinyin_order(five, client_for):
    url = reverse("declarations:queue") + "?status="
    assert order_in(page(client_for(five.group_a), url)) == PINYIN_ORDER


def test_a_meeting_lists_its_attendance_in_pinyin_order(five, client_for):
    meeting = orglife.meeting_create(
        branch=five.branch_a,
        kind="general_meeting",
        topic="支部党员大会",
        place="三楼会议室",
        starts_at=timezone.now(),
        members=list(Member.objects.filter(branch=five.branch_a)),
        created_by=five.recorder_a,
    )
    url = reverse("orglife:meeting_detail", kwargs={"pk": meeting.pk})
    assert order_in(page(client_for(five.recorder_a), url)) == PINYIN_ORDER
