"""The year's main path on the demonstration bureau, at 1366 px (a laptop) and at 390 px
(a phone): a member declares, the assessment group recognises, the recorder and the
secretary read the card and the summary table, the quarter is published, the results
and the committee's pages are read.

Every page is photographed at both widths into test-artifacts/screenshots/year-*.png
for review, and checked as a reader would: no table cut off at 1366 px, nothing that
scrolls the page sideways or squeezes a cell to a character or two a line at 390 px,
no English words, no error in the browser's console.
"""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation

from declarations.models import Declaration
from demo.management.commands import _demo_data as demo
from ledger.models import Entry
from organizations.models import Member, Role
from orglife.models import Meeting
from publicity.models import Publication
from rules.services import scheme_for_year

from .support import LAPTOP, PHONE

BRANCH = "zb1"
# Words that are not English text to a Chinese reader: the names of programs and file
# formats (as Chinese software names them), and people's logins (added per run).
NOT_ENGLISH = {"Excel", "Office", "Word", "PDF", "JPG", "PNG", "WebP", "HEIC", "CSV", "JSON"}

MEASURE = """() => {
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const cut = [...document.querySelectorAll('.table-responsive')].filter(visible)
    .filter((box) => box.scrollWidth > box.clientWidth + 1)
    .map((box) => (box.querySelector('table') || box).className.trim().slice(0, 60)
         + ' ' + box.scrollWidth + '>' + box.clientWidth);
  const squeezed = [];
  for (const cell of document.querySelectorAll('main td, main th')) {
    const text = cell.innerText.trim();
    if (text.length < 4 || text.includes('\\n') || !visible(cell)) continue;
    const style = getComputedStyle(cell);
    const size = parseFloat(style.fontSize);
    const px = (name) => parseFloat(style[name]);
    const width = cell.clientWidth - px('paddingLeft') - px('paddingRight');
    const height = cell.clientHeight - px('paddingTop') - px('paddingBottom');
    // three lines or more of at most three characters: a name or a word broken up
    if (width < 3.6 * size && height > 3.6 * size) squeezed.push(text.slice(0, 16));
  }
  return {
    sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    cut: cut,
    squeezed: squeezed.slice(0, 5),
    text: document.body.innerText,
  };
}"""


class Walk:
    """Both widths of one person, and what the pages showed that a reader would mind."""

    def __init__(self, screen: Any, who: str, username: str, password: str) -> None:
        self.laptop = screen(f"year-1366-{who}", LAPTOP)
        self.phone = screen(f"year-390-{who}", PHONE)
        self.laptop.sign_in(username, password)
        self.phone.sign_in(username, password)
        self.findings: list[str] = []
        self.names = set(get_user_model().objects.values_list("username", flat=True))

    def look(self, label: str, path: str | None = None) -> None:
        """Open the page (or stay on it) at both widths, photograph and check it."""
        for view in (self.laptop, self.phone):
            if path is not None:
                view.open(path)
            self.check(view, label)

    def check(self, view: Any, label: str) -> None:
        view.shot(label)
        seen = view.page.evaluate(MEASURE)
        where = f"{view.name} {label} ({view.page.url})"
        if view is self.laptop and seen["cut"]:
            self.findings.append(f"{where}: table cut off {seen['cut']}")
        if view is self.phone:
            if seen["sideways"] > 0:
                self.findings.append(f"{where}: the page scrolls sideways by {seen['sideways']}px")
            if seen["squeezed"]:
                self.findings.append(f"{where}: cells squeezed {seen['squeezed']}")
        text = re.sub(r"https?://\S+", " ", seen["text"])  # an address is not English
        text = re.sub(r"\b\d+-[0-9a-f]{6,}\b", " ", text)  # nor the audit chain's head
        words = set(re.findall(r"[A-Za-z][A-Za-z'-]{2,}", text)) - NOT_ENGLISH - self.names
        if words:
            self.findings.append(f"{where}: English {sorted(words)[:8]}")
        half = re.findall(
            r".{0,6}(?:[\u4e00-\u9fff][:;,()]|[:;,()][\u4e00-\u9fff]).{0,6}", seen["text"]
        )
        if half:
            self.findings.append(f"{where}: half-width punctuation in Chinese {half[:4]}")

    def problems(self) -> list[str]:
        return self.findings + self.laptop.problems + self.phone.problems


def declarant(year: int, month: int) -> Member:
    """The demo's 党员 login if they have not declared this month yet, else a plain member
    of the branch who has not (the walk may run on any day of the month)."""
    officers = Member.objects.filter(
        user__roles__role__in=[Role.SECRETARY, Role.GROUP_MEMBER, Role.RECORDER]
    )
    candidates = (
        Member.objects.filter(branch__code=BRANCH, user__isnull=False, is_retired=False)
        .exclude(pk__in=officers)
        .exclude(Q(declarations__year=year) & Q(declarations__month=month))
        .order_by("pk")
    )
    return candidates.filter(user__username="dangyuan").first() or candidates.first()


def test_the_year_walked_on_the_demo_at_1366_and_390(screen):
    with translation.override("zh-hans"):  # what `make run` stores: Chinese texts
        call_command("demo", stdout=StringIO())
    today = timezone.localdate()
    year, month = today.year, today.month
    member = declarant(year, month)
    volunteer = scheme_for_year(branch=member.branch, year=year).items.get(
        code="dedication.volunteer"
    )
    findings: list[str] = []

    # 1. The member declares this month's work on the phone and reads it back.
    own = Walk(screen, "member", member.user.username, demo.PASSWORD)
    own.look("01-home", "/")
    own.look("02-declarations", reverse("declarations:mine"))
    phone = own.phone.page
    with phone.expect_navigation():
        phone.click(f"[data-testid=declare-{year}-{month}]")
    phone.fill("textarea[name=lines-0-description]", "周末参加景区志愿服务，引导游客约三小时。")
    phone.select_option("select[name=lines-0-suggested_item]", str(volunteer.pk))
    own.check(own.phone, "03-declare-form")
    with phone.expect_navigation():
        phone.click("[data-testid=save-and-submit]")
    declaration = Declaration.objects.get(member=member, year=year, month=month)
    assert declaration.status == Declaration.Status.SUBMITTED
    own.look("04-declared", reverse("declarations:detail", kwargs={"pk": declaration.pk}))

    # 2. The assessment group recognises it at the desk (and looks at the queue on a phone).
    group = Walk(screen, "group", "kaoping", demo.PASSWORD)
    group.look("05-review-queue", reverse("declarations:queue"))
    group.look("06-review", reverse("declarations:review", kwargs={"pk": declaration.pk}))
    desk = group.laptop.page
    line = desk.locator("[data-testid=review-line]").first
    line.locator("input[value=recognise]").check()
    line.locator("select[name$='-item']").select_option(str(volunteer.pk))
    line.locator("input[name$='-points']").fill("1")
    with desk.expect_navigation():
        desk.click("[data-testid=decide]")
    if desk.locator("[data-testid=cap-explanation]").count():  # the demo's caps may bite
        desk.locator("input[name$='-confirm_reduced']").first.check()
        with desk.expect_navigation():
            desk.click("[data-testid=decide]")
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.RECOGNISED, declaration.status
    assert Entry.objects.filter(member=member, year=year, month=month, source="declaration")
    group.look("07-queue-after", reverse("declarations:queue") + "?status=")
    group.look("07b-record-points", reverse("ledger:entry_new", kwargs={"code": BRANCH}))

    # 3. The recorder reads the member's card, the meetings and the dues.
    recorder = Walk(screen, "recorder", "jilu", demo.PASSWORD)
    card = reverse("summaries:card", kwargs={"member_pk": member.pk, "year": year})
    recorder.look("08-card", card)
    recorder.look("09-meetings", reverse("orglife:meeting_list"))
    meeting = Meeting.objects.filter(branch__code=BRANCH).latest("starts_at")
    recorder.look("09b-attendance", reverse("orglife:meeting_detail", kwargs={"pk": meeting.pk}))
    recorder.look("10-dues", reverse("orglife:dues:grid", kwargs={"code": BRANCH, "year": year}))

    # 4. The secretary reads the branch's cards and the summary table, then publishes.
    secretary = Walk(screen, "secretary", "shuji", demo.PASSWORD)
    branch_year = {"code": BRANCH, "year": year}
    secretary.look("10b-members", reverse("organizations:member_list"))
    secretary.look("11-branch-table", reverse("summaries:branch_table", kwargs=branch_year))
    secretary.look("12-summary", reverse("summaries:summary", kwargs=branch_year))
    secretary.look("13-summary-print", reverse("summaries:summary_print", kwargs=branch_year))
    published = Publication.objects.filter(branch__code=BRANCH).count()
    secretary.look("14-publish", reverse("publicity:publish", kwargs={"code": BRANCH}))
    with secretary.laptop.page.expect_navigation():
        secretary.laptop.page.click("main form[method=post] button[type=submit]")
    # Publishing cannot be undone: a page says what will happen before it does.
    assert Publication.objects.filter(branch__code=BRANCH).count() == published
    secretary.laptop.shot("14b-publish-confirm")
    with secretary.laptop.page.expect_navigation():
        secretary.laptop.page.click(".jf-confirm button[type=submit]")
    assert Publication.objects.filter(branch__code=BRANCH).count() == published + 1
    publication = Publication.objects.filter(branch__code=BRANCH).latest("pk")
    secretary.look("15-publication", reverse("publicity:detail", kwargs={"pk": publication.pk}))
    secretary.look("16-notice", reverse("publicity:notice", kwargs={"pk": publication.pk}))

    # 5. The member finds the publication and their points on the phone.
    own.look("17-my-publicity", reverse("publicity:mine"))
    own.look("18-my-card", card)

    # 6. Results: the branch's ranking, awards and help talks.
    secretary.look("19-results", reverse("results:branch", kwargs=branch_year))
    own.look("20-home-after", "/")

    # 7. The committee: the oversight board, the summaries of every branch, the audit log.
    committee = Walk(screen, "committee", "admin", demo.PASSWORD)
    committee.look("21-oversight", reverse("oversight:dashboard"))
    committee.look(
        "22-committee-summary", reverse("summaries:summary_committee", kwargs={"year": year})
    )
    committee.look("23-audit-log", reverse("audit:log"))

    for walk in (own, group, recorder, secretary, committee):
        findings += walk.problems()
    assert findings == [], "\n".join(findings)
