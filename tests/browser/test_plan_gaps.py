"""Issue 17's pages on the demonstration bureau, at 1366 px and 390 px: the departments'
platforms and a declaration naming one, the vanguard posts from the branch's candidates to
the committee's confirmation and the post card, public page and lobby screen, the members
without a commitment, retirees awaiting filing, and the appraisal meeting's review sheet
and ballot with commitments and organisational life.

Screenshots go to test-artifacts/screenshots/gaps-*.png; every page is checked as the
year walk checks it (tests/browser/test_year_walk.py: Walk).
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from appraisals.grades import DEFAULT_VALUES
from appraisals.models import Mode
from appraisals.services import codes_issue, session_open
from commitments.models import IdentityPost, VanguardPost
from contributions.models import Platform
from core.periods import HalfYear, Month
from declarations.models import Declaration
from declarations.services import declaration_create
from demo.management.commands import _demo_data as demo
from organizations.models import Member, Role
from publicity.services import screen_create

from .support import PHONE
from .test_year_walk import Walk


def _declaring_member(year: int, month: int) -> Member:
    """A plain member of 财务审计科 (which has a platform) who has not declared this month."""
    officers = Member.objects.filter(
        user__roles__role__in=[Role.SECRETARY, Role.GROUP_MEMBER, Role.RECORDER]
    )
    return (
        Member.objects.filter(
            branch__code="zb1", department__name="财务审计科", user__isnull=False, is_retired=False
        )
        .exclude(pk__in=officers)
        .exclude(declarations__year=year, declarations__month=month)
        .order_by("pk")
        .first()
    )


def test_the_plans_last_gaps_walked_on_the_demo(screen):
    with translation.override("zh-hans"):
        call_command("demo", stdout=StringIO())
    today = timezone.localdate()
    year, month = today.year, today.month
    findings: list[str] = []

    # 1. 做贡献: the head of 生态保护科 keeps its platforms; a member declares on one.
    head = Walk(screen, "gaps-head", "shuji2", demo.PASSWORD)
    department = Platform.objects.filter(department__name="生态保护科").first().department
    head.look(
        "01-platforms",
        reverse("contributions:department", kwargs={"department_pk": department.pk, "year": year}),
    )
    head.look(
        "02-platform-form",
        reverse("contributions:create", kwargs={"department_pk": department.pk, "year": year}),
    )
    member = _declaring_member(year, month)
    declaration = declaration_create(member=member, month=Month(year, month), actor=member.user)
    own = Walk(screen, "gaps-member", member.user.username, demo.PASSWORD)
    own.look(
        "03-declare-with-platform", reverse("declarations:edit", kwargs={"pk": declaration.pk})
    )
    phone = own.phone.page
    phone.fill("textarea[name=lines-0-description]", "加班完成年度部门预算编报。")
    platform = Platform.objects.get(name="机关财务和后勤保障")
    phone.select_option("select[name=lines-0-platform]", str(platform.pk))
    with phone.expect_navigation():
        phone.click("[data-testid=save]")
    declaration.refresh_from_db()
    assert declaration.lines.get().platform == platform
    assert declaration.status == Declaration.Status.DRAFT
    own.look("04-declared-detail", reverse("declarations:detail", kwargs={"pk": declaration.pk}))

    # 2. The secretary: last year's vanguard candidates, this year's commitments.
    secretary = Walk(screen, "gaps-secretary", "shuji", demo.PASSWORD)
    secretary.look(
        "05-vanguard-candidates",
        reverse("results:vanguard", kwargs={"code": "zb1", "year": year - 1}),
    )
    secretary.look(
        "06-commitments-without",
        reverse("commitments:review", kwargs={"code": "zb1", "year": year}),
    )
    secretary.look(
        "07-annual-report", reverse("oversight:report", kwargs={"code": "zb1", "year": year})
    )

    # 3. The committee: confirms the second branch's proposal on the confirmation page.
    committee = Walk(screen, "gaps-committee", "admin", demo.PASSWORD)
    committee.look(
        "08-vanguard-waiting", reverse("results:vanguard_committee", kwargs={"year": year - 1})
    )
    waiting = VanguardPost.objects.get(status="proposed")
    desk = committee.laptop.page
    with desk.expect_navigation():
        desk.click(f"[data-testid=decide-vanguard-{waiting.pk}] button[value=confirm]")
    committee.laptop.shot("09-vanguard-confirm-page")
    waiting.refresh_from_db()
    assert waiting.status == "proposed"  # nothing happens before the confirmation
    with desk.expect_navigation():
        desk.click(".jf-confirm button[type=submit]")
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    committee.look("10-dashboard", reverse("oversight:dashboard"))
    committee.look("11-platforms-all", reverse("contributions:committee", kwargs={"year": year}))
    committee.look("12-participation", reverse("participation:committee"))

    # 4. Where the vanguard post is shown: the card, the public page, the lobby screen.
    confirmed = VanguardPost.objects.filter(status="confirmed", branch__code="zb1").first()
    post, _made = IdentityPost.objects.get_or_create(member=confirmed.member)
    secretary.look(
        "13-post-card", reverse("commitments:card", kwargs={"member_pk": confirmed.member.pk})
    )
    assert secretary.laptop.page.locator("[data-testid=card-vanguard]").count() == 1
    visitor = screen("gaps-390-public", PHONE)
    visitor.open(reverse("commitments:public", args=[post.token]))
    assert visitor.page.locator("[data-testid=public-vanguard]").count() == 1
    visitor.shot("14-public-post")
    lobby_screen = screen_create(name="一支部大厅", branch=confirmed.branch, top=10, actor=None)
    lobby = screen("gaps-lobby", {"width": 1920, "height": 1080})
    url = reverse("publicity:lobby", kwargs={"token": lobby_screen.token})
    lobby.open(url)
    index = lobby.page.evaluate(
        "() => [...document.querySelectorAll('.lobby-slide')]"
        ".findIndex((s) => s.querySelector('[data-testid=lobby-vanguard]'))"
    )
    assert index >= 0, "no slide of vanguard posts"
    lobby.page.evaluate(f"() => {{ window.location.hash = '#slide-{index + 1}'; }}")
    lobby.page.reload()
    assert lobby.page.locator(".lobby-slide.is-shown [data-testid=lobby-vanguard]").count() == 1
    lobby.shot("15-lobby-vanguard")

    # 5. The appraisal meeting: the review sheet and the phone ballot.
    members = list(Member.objects.filter(branch__code="zb1", is_active=True, is_retired=False)[:6])
    session = session_open(
        branch=confirmed.branch,
        half_year=HalfYear(year, 2),
        held_on=dt.date(year, month, today.day),
        mode=Mode.GRADE,
        values=DEFAULT_VALUES,
        evaluees=members,
        voter_members=members,
        representatives=[],
        opened_by=secretary_user(),
    )
    code = codes_issue(session=session, issued_by=secretary_user())[0].code
    secretary.look("16-review-sheet", reverse("appraisals:review_sheet", kwargs={"pk": session.pk}))
    voter = screen("gaps-390-ballot", PHONE)
    voter.open(reverse("appraisals:ballot", args=[code]))
    voter.page.locator("[data-testid=ballot-facts] summary").first.click()
    voter.shot("17-ballot-facts")
    assert voter.page.locator("[data-testid=fact-commitment]").count() >= 1
    assert not voter.overflows_sideways()

    for walk in (head, own, secretary, committee):
        findings += walk.problems()
    findings += visitor.problems + lobby.problems + voter.problems
    assert findings == [], "\n".join(findings)


def secretary_user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="shuji")
