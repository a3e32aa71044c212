"""公示 in a browser: a quarter published, an objection raised on a phone, answered with a
correction; then the lobby screen at 1920×1080.

Screenshots land in test-artifacts/screenshots/publicity-<size>-<step>.png and
lobby-1920-<slide>.png.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from commitments.models import Commitment, Status, Topic
from ledger.services import entry_post
from publicity import services
from publicity.models import Objection, Publication
from rules.services import scheme_for_year
from tests.factories import PASSWORD, MemberFactory, OrganizationFactory

from .support import DESKTOP, PHONE

LOBBY = {"width": 1920, "height": 1080}
NAMES = ["陈立新", "刘秀英", "杨志刚", "黄丽华", "周建军", "吴晓红", "郑国强", "孙丽娟", "马文斌"]
PLAN = [
    ("dedication.volunteer", "2.5"),
    ("dedication.learning", "1"),
    ("dedication.ecology", "3"),
    ("dedication.civility", "1.5"),
    ("deduction.study", "1"),
]


def season(branch, members, offset=0) -> None:
    """A few months of varied points for each member."""
    today = timezone.localdate()
    items = {i.code: i for i in scheme_for_year(branch=branch, year=today.year).items.all()}
    for n, member in enumerate(members):
        for month in range(1, today.month + 1, 2):
            for k in range((n + offset) % 3 + 1):
                code, points = PLAN[(n + month + k + offset) % len(PLAN)]
                entry_post(
                    member=member,
                    year=today.year,
                    month=month,
                    points=points,
                    source="direct",
                    item=items[code],
                    reason="示例记录",
                )


def setup(bureau):
    members = [bureau.member_a, bureau.other_member_a]
    members += [
        MemberFactory(branch=bureau.branch_a, name=name, department=bureau.department)
        for name in NAMES
    ]
    season(bureau.branch_a, members)
    others = [bureau.member_b] + [
        MemberFactory(branch=bureau.branch_b, name=f"{name}乙") for name in NAMES[:5]
    ]
    season(bureau.branch_b, others, offset=1)
    third = OrganizationFactory(code="zb3", name="第三党支部", parent=bureau.committee)
    season(third, [MemberFactory(branch=third, name=f"{n}丙") for n in NAMES[:6]], offset=2)
    year = timezone.localdate().year
    for member, text in [
        (bureau.member_a, "带头开展河湖巡查，每月至少参加一次志愿服务。"),
        (members[2], "认真学习党的创新理论，按时完成学习任务，撰写心得体会两篇。"),
        (bureau.member_b, "立足岗位，提升服务群众水平，做到来访必复。"),
    ]:
        Commitment.objects.create(
            member=member,
            branch=member.branch,
            year=year,
            topic=Topic.POST,
            text=text,
            status=Status.APPROVED,
        )
    return members, third


def test_a_quarter_is_published_objected_to_corrected_and_shown_in_the_lobby(bureau, screen):
    members, third = setup(bureau)

    # The secretary publishes the current quarter.
    desk = screen("publicity-desktop", DESKTOP)
    desk.sign_in("secretary_a", PASSWORD)
    desk.open(reverse("publicity:publish", kwargs={"code": "zb1"}))
    desk.page.fill("input[name=contact_name]", "张书记")
    desk.page.fill("input[name=contact_phone]", "13900001111")
    desk.page.fill("input[name=workdays]", "4")
    desk.page.dispatch_event("input[name=workdays]", "change")
    desk.page.wait_for_selector("#jf-window [data-testid=window][data-workdays='4']")
    desk.shot("publish-form")
    with desk.page.expect_navigation():
        desk.page.click("[data-testid=publish-submit]")
    # The page says what publishing does before anything is published.
    assert not Publication.objects.exists()
    desk.shot("publish-confirm")
    with desk.page.expect_navigation():
        desk.page.click(".jf-confirm button[type=submit]")
    publication = Publication.objects.get()
    assert desk.page.url.endswith(reverse("publicity:detail", kwargs={"pk": publication.pk}))
    desk.page.wait_for_selector("[data-jf-pchart=histogram] svg")
    desk.shot("publication")

    # A member objects on a phone.
    phone = screen("publicity-phone", PHONE)
    phone.sign_in("member_a", PASSWORD)
    phone.open(reverse("publicity:detail", kwargs={"pk": publication.pk}))
    row = publication.rows.get(member=bureau.member_a)
    phone.page.select_option("select[name=row]", str(row.pk))
    phone.page.fill("textarea[name=reason]", "十月参加的河道清理志愿服务未计入积分。")
    with phone.page.expect_navigation():
        phone.page.click("[data-testid=objection-form] button[type=submit]")
    objection = Objection.objects.get()
    phone.page.wait_for_selector(f"#objection-{objection.pk}")
    phone.shot("objection")
    assert not phone.overflows_sideways()

    # The group records the correction on the ledger and answers with it.
    scheme = scheme_for_year(branch=bureau.branch_a, year=publication.year)
    correction = entry_post(
        member=bureau.member_a,
        year=publication.year,
        month=timezone.localdate().month,
        points="2",
        source="direct",
        item=scheme.items.get(code="dedication.volunteer"),
        reason="公示异议更正",
        recorded_by=bureau.group_a,
    )
    group = screen("publicity-group", DESKTOP)
    group.sign_in("group_a", PASSWORD)
    group.open(reverse("publicity:answer", kwargs={"pk": objection.pk}))
    group.page.check("input[name=upheld][value=yes]")
    group.page.fill("textarea[name=answer]", "经核实，情况属实，已补记志愿服务2分。")
    group.page.select_option("select[name=correction]", str(correction.pk))
    group.shot("answer")
    with group.page.expect_navigation():
        group.page.click("[data-testid=answer-form] button[type=submit]")
    note = group.page.locator("[data-testid=correction-note]")
    assert note.count() == 1
    assert f"+{correction.points}" in note.inner_text()
    assert row.total.to_eng_string() in group.page.inner_text(f"#row-{row.pk}")  # as published
    group.open(reverse("publicity:notice", kwargs={"pk": publication.pk}))
    group.shot("notice")

    # Every branch publishes; the committee's screen shows them in the lobby.
    services.publication_publish(
        branch=bureau.branch_b,
        quarter=publication.period,
        actor=bureau.secretary_b,
        contact_name="王书记",
    )
    services.publication_publish(
        branch=third, quarter=publication.period, actor=None, contact_name="赵书记"
    )
    lobby = services.screen_create(name="办公楼大厅", actor=bureau.committee_admin)
    url = reverse("publicity:lobby", kwargs={"token": lobby.token})
    display = screen("lobby-1920", LOBBY)
    display.open(url)
    board = display.page.locator(".lobby-slide.is-shown [data-testid=lobby-board]")
    board.wait_for()
    assert board.locator(".lobby-row").count() == 10
    text = display.page.inner_text("[data-testid=lobby]")
    assert "13900001111" not in text
    assert "示例记录" not in text
    display.shot("leaderboard")
    display.page.wait_for_timeout(300)
    assert not display.overflows_sideways()
    slides = display.page.locator(".lobby-slide").count()
    assert slides == 3 + 1 + 1  # three boards, the charts, one page of commitments
    display.page.goto(display.base_url + f"{url}#slide-4")
    display.page.reload()
    display.page.wait_for_selector(".lobby-slide.is-shown .lobby-chart svg")
    display.shot("charts")
    display.page.goto(display.base_url + f"{url}#slide-5")
    display.page.reload()
    display.page.wait_for_selector(".lobby-slide.is-shown .lobby-promise")
    display.shot("commitments")
    # Charts where people look: the member's month by month, the committee's branches.
    phone.open(reverse("core:home"))
    phone.page.wait_for_selector("[data-testid=my-trend] svg")
    phone.shot("home-trend")
    committee = screen("publicity-committee", DESKTOP)
    committee.sign_in("committee", PASSWORD)
    committee.open(reverse("summaries:committee", kwargs={"year": publication.year}))
    committee.page.wait_for_selector("[data-testid=branches-chart] svg")
    committee.shot("branches-side-by-side")
    committee.open(reverse("publicity:screens"))
    assert committee.page.locator("[data-testid=screen] svg").count() == 1
    committee.shot("screens")
    for view in (desk, phone, group, display, committee):
        assert not view.problems, view.problems


def test_the_lobby_clock_shows_beijing_time_on_a_device_set_to_another_zone(bureau, screen):
    """The clock followed the display device's zone; a screen left on New York time showed
    the night before. Now it shows Asia/Shanghai whatever the device says."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    lobby = services.screen_create(name="办公楼大厅", actor=bureau.committee_admin)
    display = screen("lobby-newyork", LOBBY, timezone_id="America/New_York")
    display.open(reverse("publicity:lobby", kwargs={"token": lobby.token}))
    assert display.page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == (
        "America/New_York"
    )
    shown = display.page.inner_text("[data-lobby-time]").strip()
    now = dt.datetime.now(ZoneInfo("Asia/Shanghai"))
    beijing = {(now - dt.timedelta(minutes=m)).strftime("%H:%M") for m in (0, 1)}
    new_york = now.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M")
    assert shown in beijing
    assert shown != new_york
    date = display.page.inner_text("[data-lobby-date]")
    assert f"{now.month}月" in date
    assert not display.problems, display.problems
