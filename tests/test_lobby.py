"""电子屏: a secret address per screen, revocable by the committee; it shows published names
and totals only, in a fixed number of queries; and the charts of part 6."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from commitments.models import Commitment, Status, Topic
from core.errors import DomainError
from core.periods import Month
from ledger.services import veto_record
from organizations.models import Role
from oversight.cases import case_withdraw
from publicity import services
from publicity.models import Screen
from publicity.quarters import Quarter
from tests.cases_support import photo_of, published_case
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    UserFactory,
    grant,
    post_points,
)

YEAR = 2026
Q3 = Quarter(YEAR, 3)
DEDUCTION_REASON = "无故缺席集体学习"
CONTACT_PHONE = "13900001111"


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    aware = datetime(YEAR, 9, 30, 10, 0, tzinfo=timezone.get_current_timezone())
    monkeypatch.setattr(timezone, "now", lambda: aware)


def give_points(member, code: str, points: str, reason: str = "") -> None:
    post_points(member, points, year=YEAR, code=code, month=6, reason=reason)


def publish(branch, actor=None):
    return services.publication_publish(
        branch=branch,
        quarter=Q3,
        actor=actor,
        contact_name="张书记",
        contact_phone=CONTACT_PHONE,
    )


@pytest.fixture
def published(bureau):
    give_points(bureau.member_a, "dedication.volunteer", "3", "社区志愿服务")
    give_points(bureau.other_member_a, "deduction.study", "1", DEDUCTION_REASON)
    give_points(bureau.member_b, "dedication.ecology", "2")
    a = publish(bureau.branch_a, bureau.secretary_a)
    b = publish(bureau.branch_b, bureau.secretary_b)
    return bureau, a, b


def make_screen(bureau, branch=None, top=10) -> Screen:
    return services.screen_create(
        name="办公楼大厅", branch=branch, top=top, actor=bureau.committee_admin
    )


def lobby_url(screen) -> str:
    return reverse("publicity:lobby", kwargs={"token": screen.token})


def data_url(screen) -> str:
    return reverse("publicity:lobby_data", kwargs={"token": screen.token})


def lobby_json(screen) -> dict:
    response = Client().get(data_url(screen))
    assert response.status_code == 200
    return response.json()


# --- the screen ----------------------------------------------------------------------


def test_the_lobby_needs_no_sign_in_and_shows_each_branchs_leaders(published):
    bureau, a, b = published
    screen = make_screen(bureau)
    response = Client().get(lobby_url(screen))
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    assert "js/lobby.js" in response.content.decode()
    data = lobby_json(screen)
    boards = {board["branch"]: board for board in data["boards"]}
    assert set(boards) == {"第一党支部", "第二党支部"}
    assert boards["第一党支部"]["title"] == a.title
    assert boards["第一党支部"]["leaders"] == [
        {"rank": 1, "name": "张红梅", "total": "103.0"},
        {"rank": 2, "name": "李建国", "total": "99.0"},
    ]
    assert data["branches"]["labels"] == ["第一党支部", "第二党支部"]
    assert set(data["categories"]["values"]) == {"3.0", "2.0"}


def test_the_lobby_shows_no_phone_numbers_no_reasons_and_no_deductions(published):
    bureau, a, _b = published
    services.objection_raise(publication=a, member=bureau.member_a, reason="异议理由不应上屏")
    screen = make_screen(bureau)
    page = Client().get(lobby_url(screen)).content.decode()
    data = json.dumps(lobby_json(screen), ensure_ascii=False)
    secrets = [
        CONTACT_PHONE,
        bureau.member_a.phone,
        bureau.other_member_a.phone,
        bureau.member_b.phone,
        DEDUCTION_REASON,
        "社区志愿服务",
        "异议理由不应上屏",
        "张书记",
    ]
    for text in (page, data):
        assert not [s for s in secrets if s in text]
    for board in json.loads(data)["boards"]:
        for leader in board["leaders"]:
            assert set(leader) == {"rank", "name", "total"}


def test_the_lobby_shows_only_what_was_published(published):
    bureau, _a, _b = published
    MemberFactory(branch=bureau.branch_a, name="新来的党员")
    give_points(bureau.member_a, "dedication.volunteer", "5")
    data = lobby_json(make_screen(bureau))
    text = json.dumps(data, ensure_ascii=False)
    assert "新来的党员" not in text
    assert data["boards"][0]["leaders"][0]["total"] == "103.0"


def test_a_branch_without_a_publication_is_left_out_and_the_latest_quarter_is_shown(bureau):
    give_points(bureau.member_a, "dedication.volunteer", "3")
    services.publication_publish(
        branch=bureau.branch_a, quarter=Quarter(YEAR, 2), actor=None, contact_name="张书记"
    )
    latest = publish(bureau.branch_a)
    data = lobby_json(make_screen(bureau))
    assert [b["title"] for b in data["boards"]] == [latest.title]


def test_a_vetoed_member_is_not_on_the_leaderboard(bureau):
    give_points(bureau.member_b, "dedication.ecology", "9")
    MemberFactory(branch=bureau.branch_b, name="赵振华")
    veto_record(
        member=bureau.member_b,
        year=YEAR,
        ground="fraud",
        facts="弄虚作假",
        decided_on=timezone.localdate(),
    )
    publication = publish(bureau.branch_b)
    assert publication.rows.get(member=bureau.member_b).vetoed
    data = lobby_json(make_screen(bureau, branch=bureau.branch_b))
    assert [leader["name"] for leader in data["boards"][0]["leaders"]] == ["赵振华"]
    assert "弄虚作假" not in json.dumps(data, ensure_ascii=False)


def test_the_leaderboard_shows_the_screens_top_n(bureau):
    MemberFactory.create_batch(6, branch=bureau.branch_a)
    publish(bureau.branch_a)
    data = lobby_json(make_screen(bureau, top=3))
    assert [len(b["leaders"]) for b in data["boards"]] == [3]


def test_a_branch_screen_shows_only_that_branch(published):
    bureau, _a, _b = published
    data = lobby_json(make_screen(bureau, branch=bureau.branch_b))
    assert [b["branch"] for b in data["boards"]] == ["第二党支部"]
    assert data["heading"] == "第二党支部"
    assert "张红梅" not in json.dumps(data, ensure_ascii=False)
    assert data["branches"] == {"labels": [], "values": []}


def test_approved_commitments_appear_and_others_do_not(published):
    bureau, _a, _b = published
    for status, text in [(Status.APPROVED, "带头开展河湖巡查"), (Status.SUBMITTED, "草稿承诺")]:
        Commitment.objects.create(
            member=bureau.member_a,
            branch=bureau.branch_a,
            year=YEAR,
            topic=Topic.POST,
            text=text,
            status=status,
        )
    data = lobby_json(make_screen(bureau))
    assert data["commitments"] == [
        {"branch": "第一党支部", "name": "张红梅", "text": "带头开展河湖巡查"}
    ]


@pytest.mark.parametrize("token", ["nonexistent", "x" * 65, "zb1"])
def test_an_unknown_address_is_404(published, token):
    for name in ("publicity:lobby", "publicity:lobby_data"):
        assert Client().get(reverse(name, kwargs={"token": token})).status_code == 404


def test_a_revoked_screen_is_404_at_once(published):
    bureau, _a, _b = published
    screen = make_screen(bureau)
    assert Client().get(lobby_url(screen)).status_code == 200
    services.screen_revoke(screen=screen, actor=bureau.committee_admin)
    assert Client().get(lobby_url(screen)).status_code == 404
    assert Client().get(data_url(screen)).status_code == 404
    with pytest.raises(DomainError, match="already been revoked"):
        services.screen_revoke(screen=screen, actor=bureau.committee_admin)


def test_the_lobby_costs_the_same_queries_however_many_branches(bureau):
    def count(screen) -> int:
        with CaptureQueriesContext(connection) as page:
            assert Client().get(lobby_url(screen)).status_code == 200
        with CaptureQueriesContext(connection) as data:
            assert Client().get(data_url(screen)).status_code == 200
        return len(page.captured_queries) + len(data.captured_queries)

    def add_branches(n: int, start: int) -> None:
        for i in range(start, start + n):
            branch = OrganizationFactory(code=f"q{i}", name=f"第{i}党支部", parent=bureau.committee)
            for member in MemberFactory.create_batch(3, branch=branch):
                give_points(member, "dedication.volunteer", "1")
                Commitment.objects.create(
                    member=member,
                    branch=branch,
                    year=YEAR,
                    topic=Topic.POST,
                    text="承诺",
                    status=Status.APPROVED,
                )
            publish(branch)

    screen = make_screen(bureau)
    add_branches(2, 10)
    few = count(screen)
    add_branches(6, 20)
    assert len(lobby_json(screen)["boards"]) == 8
    assert count(screen) == few


# --- the committee's list of screens -------------------------------------------------


def test_the_committee_sets_up_a_screen_and_sees_its_address_and_qr_code(published, client_for):
    bureau, _a, _b = published
    client = client_for(bureau.committee_admin)
    url = reverse("publicity:screens")
    response = client.post(url, {"name": "二楼走廊", "branch": "", "top": "8"})
    screen = Screen.objects.get()
    assert response.status_code == 302
    assert (screen.name, screen.branch, screen.top) == ("二楼走廊", None, 8)
    assert len(screen.token) >= 40
    page = client.get(url).content.decode()
    assert screen.token in page
    assert "<svg" in page
    event = AuditEvent.objects.get(action="publicity.screen.created")
    assert screen.token not in json.dumps(event.after)


def test_the_committee_revokes_a_screen_on_its_page(published, client_for):
    bureau, _a, _b = published
    screen = make_screen(bureau)
    client = client_for(bureau.committee_admin)
    response = client.post(reverse("publicity:screen_revoke", kwargs={"pk": screen.pk}))
    assert response.status_code == 302
    screen.refresh_from_db()
    assert screen.revoked_at is not None
    assert screen.revoked_by == bureau.committee_admin
    assert screen.token not in client.get(reverse("publicity:screens")).content.decode()
    assert Client().get(lobby_url(screen)).status_code == 404


@pytest.mark.parametrize("bad", [{"name": ""}, {"top": "1"}, {"top": "abc"}, {"branch": "999"}])
def test_bad_screen_input_gets_the_form_back(published, client_for, bad):
    bureau, _a, _b = published
    data = {"name": "大厅", "branch": "", "top": "10", **bad}
    response = client_for(bureau.committee_admin).post(reverse("publicity:screens"), data)
    assert response.status_code == 200
    assert not Screen.objects.exists()


@pytest.mark.parametrize("who", ["member_a_user", "group_a", "recorder_a"])
def test_only_the_committee_and_secretaries_keep_screens(published, client_for, who):
    bureau, _a, _b = published
    screen = make_screen(bureau)
    client = client_for(getattr(bureau, who))
    assert client.get(reverse("publicity:screens")).status_code == 404
    assert client.post(reverse("publicity:screens"), {"name": "x", "top": "5"}).status_code == 404
    revoke = reverse("publicity:screen_revoke", kwargs={"pk": screen.pk})
    assert client.post(revoke).status_code == 404
    screen.refresh_from_db()
    assert screen.is_active
    assert Screen.objects.count() == 1


def test_a_branch_secretary_sets_up_and_revokes_a_screen_for_their_branch(published, client_for):
    """A secretary got 404 though the plan puts the 电子屏 at branch level."""
    bureau, _a, _b = published
    client = client_for(bureau.secretary_a)
    url = reverse("publicity:screens")
    page = client.get(url)
    assert page.status_code == 200
    choices = list(page.context["form"].fields["branch"].choices)
    assert [str(label) for _value, label in choices] == [bureau.branch_a.name]
    response = client.post(url, {"name": "一支部活动室", "branch": bureau.branch_a.pk, "top": "8"})
    assert response.status_code == 302
    screen = Screen.objects.get()
    assert (screen.branch, screen.created_by) == (bureau.branch_a, bureau.secretary_a)
    assert screen.token in client.get(url).content.decode()
    assert reverse("publicity:screens") in client.get(reverse("core:home")).content.decode()
    revoke = reverse("publicity:screen_revoke", kwargs={"pk": screen.pk})
    assert client.post(revoke).status_code == 302
    screen.refresh_from_db()
    assert not screen.is_active


def test_a_secretary_sets_up_no_screen_for_every_branch_or_another_branch(published, client_for):
    bureau, _a, _b = published
    client = client_for(bureau.secretary_a)
    url = reverse("publicity:screens")
    for branch in ("", bureau.branch_b.pk):
        response = client.post(url, {"name": "大厅", "branch": branch, "top": "8"})
        assert response.status_code == 200
        assert "branch" in response.context["form"].errors
    assert not Screen.objects.exists()


def test_another_branch_secretary_gets_404_for_a_screen(published, client_for):
    bureau, _a, _b = published
    mine = make_screen(bureau, branch=bureau.branch_a)
    everyone = make_screen(bureau)
    client = client_for(bureau.secretary_b)
    page = client.get(reverse("publicity:screens")).content.decode()
    assert mine.token not in page
    assert everyone.token not in page
    for screen in (mine, everyone):
        revoke = reverse("publicity:screen_revoke", kwargs={"pk": screen.pk})
        assert client.post(revoke).status_code == 404
        screen.refresh_from_db()
        assert screen.is_active
    # and branch A's secretary cannot revoke the committee's screen for every branch
    revoke = reverse("publicity:screen_revoke", kwargs={"pk": everyone.pk})
    assert client_for(bureau.secretary_a).post(revoke).status_code == 404


# --- charts where people look --------------------------------------------------------


def test_a_member_sees_their_points_month_by_month(published, client_for):
    bureau, _a, _b = published
    client = client_for(bureau.member_a_user)
    home = client.get(reverse("core:home") + f"?year={YEAR}").content.decode()
    assert 'data-testid="my-trend"' in home
    assert "js/publicity_charts.js" in home
    data = client.get(reverse("publicity:chart_my_trend", kwargs={"year": YEAR})).json()
    assert len(data["labels"]) == 9  # January to September, the current month
    assert data["total"][4:6] == ["100.0", "103.0"]  # 3 volunteer points in June
    assert data["dedication"][5] == "3.0"
    assert (
        client.get(reverse("publicity:chart_my_trend", kwargs={"year": YEAR + 1})).json()["labels"]
        == []
    )


def test_the_trend_is_for_members_only_and_years_are_checked(published, client_for):
    bureau, _a, _b = published
    url = reverse("publicity:chart_my_trend", kwargs={"year": YEAR})
    assert client_for(bureau.secretary_a).get(url).status_code == 404
    assert Client().get(url).status_code == 302
    big = reverse("publicity:chart_my_trend", kwargs={"year": 10**20})
    assert client_for(bureau.member_a_user).get(big).status_code == 404


def test_the_committee_sees_branches_side_by_side(published, client_for):
    bureau, _a, _b = published
    client = client_for(bureau.committee_admin)
    page = client.get(reverse("summaries:committee", kwargs={"year": YEAR})).content.decode()
    assert 'data-testid="branches-chart"' in page
    data = client.get(reverse("publicity:chart_branches", kwargs={"year": YEAR})).json()
    assert data["labels"] == ["第一党支部", "第二党支部"]
    series = {s["name"]: s["values"] for s in data["series"]}
    assert series["Dedication points"] == ["1.5", "2.0"]
    assert series["Deductions"] == ["0.5", "0.0"]
    assert "Base score" not in series
    for who in (bureau.secretary_a, bureau.member_a_user):
        url = reverse("publicity:chart_branches", kwargs={"year": YEAR})
        assert client_for(who).get(url).status_code == 404


def test_the_publication_page_shows_the_branchs_distribution(published, client_for):
    bureau, a, _b = published
    page = (
        client_for(bureau.member_a_user)
        .get(reverse("publicity:detail", kwargs={"pk": a.pk}))
        .content.decode()
    )
    assert 'id="jf-distribution"' in page
    assert 'data-jf-pchart="histogram"' in page


# --- 典型案例 on the screen -----------------------------------------------------------


@pytest.fixture
def case_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


SEPTEMBER = Month(YEAR, 9)


def case_of_new_member(bureau, n: int):
    user = UserFactory(username=f"case_member_{n}")
    grant(user, bureau.branch_a, Role.MEMBER)
    member = MemberFactory(branch=bureau.branch_a, user=user, phone=CONTACT_PHONE)
    return published_case(bureau, title=f"案例{n}", month=SEPTEMBER, member=member)


def test_the_screen_shows_the_committee_s_published_cases(bureau, case_media):
    case = published_case(bureau, month=SEPTEMBER)
    for screen in (make_screen(bureau), make_screen(bureau, branch=bureau.branch_b)):
        data = lobby_json(screen)
        photo = reverse(
            "oversight:public_case_photo",
            kwargs={"pk": case.pk, "file_pk": photo_of(case.line).pk},
        )
        assert data["cases"] == [
            {
                "title": "清河护水 党员先行",
                "text": case.text,
                "branch": "第一党支部",
                "name": "张红梅",
                "photo": photo,
            }
        ]
        assert data["labels"]["cases"] == "Exemplary cases"
    assert Client().get(photo).status_code == 200
    case_withdraw(case=case, reason="本人要求撤下", actor=bureau.committee_admin)
    assert lobby_json(make_screen(bureau))["cases"] == []
    assert Client().get(photo).status_code == 404


def test_a_long_case_is_shown_as_an_excerpt_and_no_phone_reaches_the_screen(bureau, case_media):
    case = case_of_new_member(bureau, 1)
    case.text = "带头巡河" * 100
    case.save(update_fields=["text"])
    screen = make_screen(bureau)
    shown = lobby_json(screen)["cases"][0]["text"]
    assert len(shown) <= 120
    assert shown.endswith("…")
    page = Client().get(lobby_url(screen)).content.decode()
    assert CONTACT_PHONE not in page
    assert "jf-lobby-data" in page
    assert CONTACT_PHONE not in json.dumps(lobby_json(screen))


def test_the_screen_s_cases_cost_the_same_queries_however_many(bureau, case_media):
    screen = make_screen(bureau)
    case_of_new_member(bureau, 1)

    def count() -> int:
        with CaptureQueriesContext(connection) as data:
            assert Client().get(data_url(screen)).status_code == 200
        return len(data.captured_queries)

    few = count()
    for n in (2, 3, 4):
        case_of_new_member(bureau, n)
    assert len(lobby_json(screen)["cases"]) == 4
    assert count() == few
