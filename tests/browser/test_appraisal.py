"""评议 in a browser: codes printed by the secretary, ballots cast on a phone, results.

Screenshots land in test-artifacts/screenshots/appraisal-<size>-<step>.png.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils import timezone, translation

from appraisals import services
from appraisals.grades import Grade
from appraisals.models import Ballot, Mode
from core.periods import HalfYear
from organizations.models import PublicRepresentative
from tests.factories import PASSWORD, MemberFactory

from .support import DESKTOP, PHONE, SCREENSHOTS


def open_session(bureau):
    today = timezone.localdate()
    members = [bureau.member_a, bureau.other_member_a]
    members += [
        MemberFactory(branch=bureau.branch_a, name=name, department=bureau.department)
        for name in ("陈立新", "刘秀英")
    ]
    representative = PublicRepresentative.objects.create(
        branch=bureau.branch_a, name="赵群众", affiliation="社区居委会"
    )
    return services.session_open(
        branch=bureau.branch_a,
        half_year=HalfYear(today.year, 1 if today.month <= 6 else 2),
        held_on=today,
        mode=Mode.SCORE,
        values={
            Grade.EXCELLENT: Decimal(95),
            Grade.QUALIFIED: Decimal(85),
            Grade.BASIC: Decimal(70),
            Grade.UNQUALIFIED: Decimal(50),
        },
        evaluees=members,
        voter_members=members,
        representatives=[representative],
        opened_by=bureau.secretary_a,
    ), members


def fill_ballot(page, members, grades, score=None):
    for member, grade in zip(members, grades, strict=True):
        page.click(f"label[for='g{member.pk}-{grade}']")
    if score is not None:
        page.fill(f"#s{members[0].pk}", score)


def test_a_phone_votes_with_a_code_and_the_secretary_closes_the_session(bureau, screen):
    session, members = open_session(bureau)
    desk = screen("appraisal-desktop", DESKTOP)
    desk.sign_in("secretary_a", PASSWORD)
    desk.open("/appraisals/branch/zb1/new/")
    desk.shot("0-open-form")
    desk.open(f"/appraisals/s/{session.pk}/")
    desk.shot("1-session")

    # Issue the codes: the slips open in a new tab, ready to print.
    with desk.page.context.expect_page() as new_tab:
        desk.page.click(f"form[action='/appraisals/s/{session.pk}/codes/issue/'] button")
    slips = new_tab.value
    slips.wait_for_load_state()
    assert slips.locator("[data-testid=slip]").count() == 5
    assert slips.locator("[data-testid=slip] svg.qr").count() == 5
    slips.screenshot(path=str(SCREENSHOTS / "appraisal-desktop-2-slips.png"), full_page=True)
    codes = [c.strip() for c in slips.locator("[data-testid=slip-code]").all_inner_texts()]
    assert len(set(codes)) == 5
    assert all(re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", c) for c in codes)
    links = [c.replace("-", "") for c in codes]  # what each QR code points at
    assert not desk.problems, desk.problems

    # A member types the code on a phone, grades everyone, reviews and casts.
    phone = screen("appraisal-phone", PHONE)
    phone.open("/appraisals/v/")
    phone.shot("1-type-code")
    phone.page.fill("input[name=code]", codes[0].lower())
    with phone.page.expect_navigation():
        phone.page.click("form button[type=submit]")
    assert "/appraisals/v/" in phone.page.url
    phone.shot("2-ballot-empty")
    # Reviewing with one member left out says what is missing.
    fill_ballot(phone.page, members[:3], ["excellent", "qualified", "qualified"])
    with phone.page.expect_navigation():
        phone.page.click("button[value=review]")
    assert phone.page.locator(".ap-mark-message").count() == 1
    phone.shot("3-ballot-incomplete")
    fill_ballot(phone.page, members, ["excellent", "qualified", "qualified", "basic"], "93")
    assert phone.page.locator("[data-ap-progress]").inner_text() == "4 / 4"
    phone.shot("4-ballot-filled")
    assert not phone.overflows_sideways()
    with phone.page.expect_navigation():
        phone.page.click("button[value=review]")
    phone.shot("5-review")
    assert phone.page.locator("table.ap-review tbody tr").count() == 4
    with phone.page.expect_navigation():
        phone.page.click("button[value=cast]")
    assert phone.page.url.endswith("/appraisals/v/done/")
    phone.shot("6-cast")
    assert not phone.overflows_sideways()

    # The public representative scans the QR code: the link opens the ballot directly.
    scan = screen("appraisal-phone-scan", PHONE)
    scan.open(f"/appraisals/v/{links[4]}/")
    fill_ballot(scan.page, members, ["qualified", "qualified", "excellent", "qualified"])
    with scan.page.expect_navigation():
        scan.page.click("button[value=review]")
    with scan.page.expect_navigation():
        scan.page.click("button[value=cast]")
    assert scan.page.url.endswith("/appraisals/v/done/")
    # Using the same code again is refused with a clear message.
    scan.page.goto(scan.base_url + f"/appraisals/v/{links[4]}/")
    assert scan.page.locator(".invalid-feedback").count() == 1
    scan.shot("used-code")
    assert Ballot.objects.filter(session=session).count() == 2

    # The secretary's live count follows (htmx), then the close and the results.
    desk.page.reload()
    desk.page.wait_for_selector("[data-testid=codes-used]:has-text('2 / 5')")
    desk.shot("3-live-count")

    # 陈立新 lost the slip and votes on paper; the recorder keys the form in.
    row = desk.page.locator("tr", has_text="陈立新")
    with desk.page.expect_navigation():
        with translation.override("zh-hans"):
            paper_form = translation.gettext("Paper form")
        row.locator("button", has_text=paper_form).click()
    desk.open(f"/appraisals/s/{session.pk}/paper/")
    fill_ballot(desk.page, members, ["excellent", "qualified", "basic", "basic"])
    desk.shot("3b-paper-form")
    with desk.page.expect_navigation():
        desk.page.click("form button[type=submit].btn-primary")
    assert desk.page.locator("[data-testid=paper-count]").inner_text() == "1 / 1"
    desk.shot("3c-paper-keyed")

    # Two of the four members have voted: not more than half, so the vote stays open.
    desk.open(f"/appraisals/s/{session.pk}/")
    desk.page.click(f"a[href='/appraisals/s/{session.pk}/close/']")
    assert desk.page.locator("form button[type=submit].btn-danger").count() == 0
    desk.shot("4a-close-quorum-not-reached")
    # A third member votes; now the session can close.
    services.ballot_cast(code=links[1], marks={m.pk: (Grade.EXCELLENT, None) for m in members})
    desk.page.reload()
    desk.shot("4-close-confirm")
    with desk.page.expect_navigation():
        desk.page.click("form button[type=submit].btn-danger")
    assert desk.page.url.endswith(f"/appraisals/s/{session.pk}/results/")
    rows = desk.page.locator("[data-testid=results] tbody tr")
    assert rows.count() == 4
    first = rows.nth(0).inner_text()
    assert bureau.member_a.name in first
    assert "92.0" in first
    assert desk.page.locator("[data-testid=valid-ballots]").inner_text() == "4"
    assert "3" in desk.page.locator("[data-testid=turnout]").inner_text()
    desk.shot("5-results")

    # Attachment 3, filled, as it prints on A4; and the review sheet for the meeting.
    desk.open(f"/appraisals/s/{session.pk}/form3/filled/")
    desk.page.emulate_media(media="print")
    desk.shot("6-form3-print")
    desk.open(f"/appraisals/s/{session.pk}/review/")
    desk.shot("7-review-sheet-print")
    desk.page.emulate_media(media="screen")
    assert not desk.problems, desk.problems
    assert not [p for p in phone.problems if "400" not in p], phone.problems
