"""The demo's year and a half as a branch following the plan lives it, month by month.

Every step goes through the services of its app (so audit rows, ledger entries and
notifications are the real ones), with a simulated clock: `timezone.now()` returns the
moment the step would have happened, so declarations are submitted before their deadline,
publications open their windows on the day they were published, and the audit log is
written in order of time.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.contrib.auth import base_user
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisals.grades import DEFAULT_VALUES, Grade
from appraisals.models import Mode
from appraisals.services import ballot_cast, codes_issue, session_close, session_open
from commitments.services import commitment_approve, commitment_create, commitment_submit
from core.periods import HalfYear, Month
from declarations.recognition import (
    PARTLY,
    RECOGNISE,
    REJECT,
    LineDecision,
    declaration_decide,
    declaration_return,
    declaration_review_start,
    item_maximum,
)
from declarations.services import (
    LineInput,
    declaration_create,
    declaration_submit,
    declaration_update,
    profile_header,
)
from organizations.models import Member, Organization, Participation
from organizations.services import user_create_for_member
from orglife.dues import dues_mark_month_paid, dues_set
from orglife.models import Attendance, MeetingKind
from orglife.services import attendance_mark_rest, attendance_set, meeting_create
from participation.models import Ground
from participation.services import (
    department_head_appoint,
    exemption_apply,
    exemption_approve,
    exemption_file,
    retiree_decide,
)
from publicity.models import PublicationRow
from publicity.quarters import Quarter
from publicity.services import objection_answer, objection_raise, publication_publish
from rules.filing import scheme_filing_file, scheme_filing_return, scheme_filing_submit
from rules.models import Section
from summaries.closing import period_close
from summaries.summary_table import summary_confirm

from . import _demo_data as data
from . import _demo_texts as texts
from ._demo_ledger import Ledger, points_for
from ._demo_posts import Posts

CLOSED_H1 = ("zb1", "zb2", "zb3", "zb4")


class Clock:
    """Stands in for `django.utils.timezone.now` while the demo's history is written."""

    def __init__(self, real_now: dt.datetime) -> None:
        self.real_now = real_now
        self.moment = real_now
        self._saved: Any = None

    def at(self, day: dt.date, hour: int = 9, minute: int = 0) -> bool:
        """Move to `day` at the hour (never backwards, never past the real now); False
        when that day has not come yet."""
        if day > timezone.localtime(self.real_now).date():
            return False
        wanted = dt.datetime(
            day.year, day.month, day.day, hour, minute, tzinfo=timezone.get_current_timezone()
        )
        wanted = min(wanted, self.real_now - dt.timedelta(minutes=30))
        self.moment = max(wanted, self.moment)
        return True

    def now(self) -> dt.datetime:
        self.moment += dt.timedelta(milliseconds=7)
        return self.moment

    @contextmanager
    def running(self, start: dt.date) -> Iterator[Clock]:
        self.moment = dt.datetime(
            start.year, start.month, start.day, 8, tzinfo=timezone.get_current_timezone()
        )
        # django-stubs do not declare the make_password that base_user imports and that
        # set_password calls: the demo swaps it there.
        saved_now, saved_hash = timezone.now, base_user.make_password  # type: ignore[attr-defined]
        hashes: dict[str, str] = {}

        def make_password(password: Any, *args: Any, **kwargs: Any) -> str:
            # One hash for the demo's one published password: the logins work, and
            # two hundred password hashings do not cost a minute.
            if password not in hashes:
                hashes[password] = saved_hash(password, *args, **kwargs)
            return hashes[password]

        timezone.now = self.now
        base_user.make_password = make_password  # type: ignore[attr-defined]
        try:
            yield self
        finally:
            timezone.now = saved_now
            base_user.make_password = saved_hash  # type: ignore[attr-defined]


class Timeline:
    def __init__(self, bureau: Any, clock: Clock) -> None:
        self.bureau = bureau
        self.report: Callable[[str], None] = bureau.report
        self.clock = clock
        self.today = bureau.today
        self.year = bureau.today.year
        self.users = bureau.users
        self.rng = random.Random(data.LIFE_SEED)
        self.ledger = Ledger(bureau, random.Random(data.LEDGER_SEED))
        self.branches = {plan.code: bureau.orgs[plan.code] for plan in data.BRANCHES}
        self.members = bureau.members
        self.waiting: list[Any] = []  # declarations submitted, to be decided next month
        self.vetoed = self.members["zb3"][7]
        self.exempt: Member | None = None
        self.publications: dict[tuple[str, int], Any] = {}
        self.posts = Posts(self)

    def secretary(self, code: str) -> Any:
        return self.users[data.SECRETARY_OF[code]]

    def officer_for(self, code: str, member: Member) -> Any:
        """Who records for the member: the secretary, unless it is the secretary's own
        record (conflict of interest): then the branch's other officer, or the committee."""
        secretary = self.secretary(code)
        if member.user_id != secretary.pk:
            return secretary
        return self.users.get(data.STAND_IN_OF.get(code, "admin")) or self.users["admin"]

    def secretary_member(self, code: str) -> Member:
        return self.members[code][0]

    def day(self, year: int, month: int, day: int, hour: int = 9) -> bool:
        return self.clock.at(dt.date(year, month, day), hour)

    # The run ------------------------------------------------------------------------

    def run(self) -> None:
        self.report(_("Logins for the members…"))
        self.member_accounts()
        for year in (self.year - 1, self.year):
            self.ledger.start_year(year)
            last = 12 if year < self.year else self.today.month
            for month in range(1, last + 1):
                if year < self.year:
                    self.report(
                        _("%(month)s: points on the cards, appraisals and closing…")
                        % {"month": Month(year, month)}
                    )
                    self.month_before(year, month)
                else:
                    self.report(
                        _("%(month)s: declarations and reviews, meetings, dues, publicity…")
                        % {"month": Month(year, month)}
                    )
                    self.month_now(year, month)

    def member_accounts(self) -> None:
        """Every serving member has a login, to declare, commit and read their card."""
        for plan in data.BRANCHES:
            for index, member in enumerate(self.members[plan.code]):
                member.refresh_from_db(fields=["user"])
                if member.user_id is None and not member.is_retired:
                    user_create_for_member(
                        member=member,
                        username=f"{plan.code}m{index + 1:02d}",
                        password=data.PASSWORD,
                        must_change_password=False,
                    )
                    member.refresh_from_db(fields=["user"])

    def month_before(self, year: int, month: int) -> None:
        """The year before: points on the cards, appraisals on paper, halves closed."""
        if month == 1:
            self.day(year, 1, 6)
            self.filings(year, returned=None)
        if month == 7:
            self.day(year, 7, 10, 15)
            for code in self.branches:
                period_close(
                    branch=self.branches[code], year=year, half=1, closed_by=self.secretary(code)
                )
        if month == 2:
            self.posts.commitments_before(year)
        if month == 12:
            self.day(year, 12, 15, 10)
            self.posts.assess_before(year)
        self.day(year, month, 25, 10)
        self.ledger.month(year, month, set())
        if month == 6:
            self.day(year, 6, 28, 16)
            self.ledger.appraisals(year, 1, self.vetoed)
        if month == 12:
            self.day(year, 12, 18, 15)
            self.ledger.veto(self.vetoed, year, dt.date(year, 12, 18))
            self.day(year, 12, 22, 10)
            self.ledger.reverse_one("zb2", year, data.REVERSAL_REASONS[1], from_month=7)
            self.day(year, 12, 28, 16)
            self.ledger.appraisals(year, 2, self.vetoed)

    def month_now(self, year: int, month: int) -> None:
        """This year, as the plan asks: filed scheme, monthly declarations and their
        recognition, meetings and dues, quarterly publicity, the half-year's appraisal."""
        if month == 1:
            self.new_year(year)
        if not self.day(year, month, 2, 9):
            return
        self.decide_waiting(year, month)
        if month == 2:
            self.commitments(year)
        if month == 3:
            self.exemption(year)
        if month == 4:
            self.posts.remind(dt.date(year, 4, 2))
            self.retiree(year)
        if month == 10 and self.day(year, 10, 12, 10):
            self.posts.retiree_awaiting(year)
        if month in (4, 7, 10):
            self.publish(Quarter(year, month // 3))
        if month == 7:
            self.appraisal_and_closing(year)
        self.meetings(year, month)
        declaring = self.choose_declarants(year, month)
        if self.day(year, month, 24, 10):
            self.ledger.month(year, month, {m.pk for m in declaring})
            if month == 11:
                self.ledger.reverse_one("zb1", year, texts.REVERSAL_H2, from_month=7)
        self.declare(year, month, declaring)
        if month <= 10 and self.day(year, month, 28, 11):
            self.dues(year, month)
        if month == 3 and self.day(year, 3, 29, 8):
            self.posts.remind(dt.date(year, 3, 29))

    def new_year(self, year: int) -> None:
        """January: the year's scheme filed, platforms and posts set up, last year closed
        and its summary confirmed."""
        self.day(year, 1, 6)
        self.filings(year, returned="zb3")
        self.posts.platforms_set_up(year)
        self.posts.deadline(year)
        if self.day(year, 1, 10, 15):
            for code in self.branches:
                period_close(
                    branch=self.branches[code],
                    year=year - 1,
                    half=2,
                    closed_by=self.secretary(code),
                )
        if self.day(year, 1, 14, 10):
            for code in self.branches:
                summary_confirm(
                    branch=self.branches[code], year=year - 1, confirmed_by=self.secretary(code)
                )
        if self.day(year, 1, 14, 15):
            self.posts.vanguard(year)

    # Schemes --------------------------------------------------------------------------

    def filings(self, year: int, returned: str | None) -> None:
        admin = self.users["admin"]
        for plan in data.BRANCHES:
            scheme = self.bureau.schemes[(plan.code, year)]
            filing = scheme_filing_submit(scheme=scheme, actor=self.secretary(plan.code))
            if plan.code == returned:
                self.clock.at(dt.date(year, 1, 8), 15)
                scheme_filing_return(filing=filing, comment=texts.FILING_RETURN, actor=admin)
                self.clock.at(dt.date(year, 1, 12), 10)
                filing = scheme_filing_submit(scheme=scheme, actor=self.secretary(plan.code))
            scheme_filing_file(filing=filing, comment=texts.FILING_FILED, actor=admin)

    # Declarations ---------------------------------------------------------------------

    def active(self, code: str, year: int, *, retired: bool = False) -> list[Member]:
        out = set(
            Participation.objects.filter(
                member__branch__code=code, year=year, takes_part=False
            ).values_list("member_id", flat=True)
        )
        return [m for m in self.members[code] if (retired or not m.is_retired) and m.pk not in out]

    def choose_declarants(self, year: int, month: int) -> list[Member]:
        if month > 11:
            return []
        chosen: list[Member] = []
        for code in self.branches:
            pool = self.active(code, year)
            if month == 11:
                size = 2 if code in ("zb1", "zb2") else 0
            else:
                size = max(3, round(len(pool) / 3) + self.rng.randint(-2, 1))
            chosen += self.rng.sample(pool, size)
        return chosen

    def reviewer(self, member: Member) -> Any:
        code = member.branch.code
        for username in data.REVIEWERS_OF.get(code, (data.SECRETARY_OF[code],)):
            user = self.users[username]
            if user.pk != member.user_id:
                return user
        return None

    def declare(self, year: int, month: int, members: list[Member]) -> None:
        items = {
            code: list(
                self.bureau.schemes[(code, year)].items.filter(
                    section=Section.DEDICATION, declarable=True, is_retired=False
                )
            )
            for code in self.branches
        }
        for member in members:
            if self.reviewer(member) is None:
                continue
            self.day(year, month, self.rng.randint(25, 28) if month < 11 else 20, 20)
            user = member.user
            declaration = declaration_create(member=member, month=Month(year, month), actor=user)
            lines = []
            for _i in range(self.rng.choices([1, 2], weights=[65, 35])[0]):
                item = self.rng.choice(items[member.branch.code])
                text = self.rng.choice(texts.DECLARED.get(item.category, texts.DECLARED["other"]))
                lines.append(
                    LineInput(
                        pk=None,
                        description=text,
                        suggested_item=item,
                        platform=self.posts.platform_for(member, item, month),
                    )
                )
            declaration_update(
                declaration=declaration,
                version=declaration.version,
                header=profile_header(member),
                lines=lines,
                actor=user,
            )
            declaration_submit(declaration=declaration, version=declaration.version, actor=user)
            self.waiting.append(declaration)

    def decide_waiting(self, year: int, month: int) -> None:
        """Early in the month the group decides last month's declarations; October's are
        partly still waiting in November, and one is returned for more evidence."""
        waiting, self.waiting = self.waiting, []
        returned = False
        for declaration in waiting:
            code = declaration.branch.code
            if month == 11 and (code == "jszzb2" or self.rng.random() < 0.08):
                continue  # still waiting: the dashboard shows it as overdue
            reviewer = self.reviewer(declaration.member)
            self.clock.at(dt.date(year, month, self.rng.randint(1, 4)), 15)
            if month == 11 and code == "zb2" and not returned:
                returned = True
                declaration_return(
                    declaration=declaration,
                    version=declaration.version,
                    reason=texts.RETURNED,
                    reviewer=reviewer,
                )
                continue
            if self.rng.random() < 0.3:
                declaration_review_start(
                    declaration=declaration, version=declaration.version, reviewer=reviewer
                )
            decisions = [self.decision(line) for line in declaration.lines.all()]
            declaration_decide(
                declaration=declaration,
                version=declaration.version,
                decisions=decisions,
                reviewer=reviewer,
            )

    def decision(self, line: Any) -> LineDecision:
        item = line.suggested_item
        roll = self.rng.random()
        if roll < 0.07:
            return LineDecision(line=line, action=REJECT, reason=self.rng.choice(texts.REJECTED))
        if roll < 0.17:
            maximum = item_maximum(item) or Decimal("1")
            part = (maximum / 2).quantize(Decimal("0.1"))
            if Decimal("0") < part < maximum:
                return LineDecision(
                    line=line,
                    action=PARTLY,
                    item=item,
                    points=part,
                    reason=self.rng.choice(texts.PARTLY),
                    confirm_reduced=True,
                )
        return LineDecision(
            line=line,
            action=RECOGNISE,
            item=item,
            points=points_for(self.rng, item),
            confirm_reduced=True,
        )

    # Commitments, participation -------------------------------------------------------

    def commitments(self, year: int) -> None:
        undecided = 0
        for code in self.branches:
            for member in self.active(code, year):
                if self.rng.random() < 0.08:
                    continue  # has not made one yet
                self.clock.at(dt.date(year, 2, self.rng.randint(3, 14)), 10)
                made = []
                for _i in range(self.rng.choice([1, 1, 2])):
                    topic = self.rng.choice(list(texts.COMMITMENTS))
                    made.append(
                        commitment_create(
                            member=member,
                            year=year,
                            topic=topic,
                            text=self.rng.choice(texts.COMMITMENTS[topic]),
                            actor=member.user,
                        )
                    )
                if code in ("zb1", "zb2") and undecided < 5 and self.rng.random() < 0.15:
                    undecided += 1
                    if undecided % 2:
                        continue  # left as a draft
                    commitment_submit(commitment=made[0], actor=member.user)
                    continue  # waiting for the branch
                self.clock.at(dt.date(year, 2, self.rng.randint(16, 26)), 15)
                for commitment in made:
                    commitment_submit(commitment=commitment, actor=member.user)
                    commitment_approve(
                        commitment=commitment,
                        actor=self.reviewer(member),
                        comment=texts.COMMITMENT_APPROVED,
                    )

    def exemption(self, year: int) -> None:
        member = self.members["zb2"][11]
        self.day(year, 3, 3, 10)
        exemption = exemption_apply(
            member=member,
            year=year,
            ground=Ground.HEALTH,
            reason=texts.EXEMPTION_REASON,
            actor=member.user,
        )
        self.day(year, 3, 6, 15)
        exemption_approve(
            exemption=exemption, comment=texts.EXEMPTION_APPROVED, actor=self.secretary("zb2")
        )
        self.day(year, 3, 10, 10)
        admin = self.users["admin"]
        exemption_file(exemption=exemption, comment=texts.EXEMPTION_FILED, actor=admin)
        self.exempt = member

    def retiree(self, year: int) -> None:
        retiree = self.members["zb1"][-1]
        head = self.members["zb1"][self.members["zb1"].index(retiree) % 3]
        committee = Organization.objects.get(code=data.COMMITTEE[0])
        self.day(year, 4, 3, 10)
        department_head_appoint(
            user=head.user,
            department=retiree.department,
            committee=committee,
            actor=self.users["admin"],
        )
        self.day(year, 4, 7, 10)
        retiree_decide(
            member=retiree, year=year, takes_part=False, note=texts.RETIREE_NOTE, actor=head.user
        )
        if self.day(year, 4, 10, 11):
            self.posts.file_retiree(year, retiree)

    # Publicity, appraisal, closing ----------------------------------------------------

    def publish(self, quarter: Quarter) -> None:
        for code, branch in self.branches.items():
            self.day(quarter.year, quarter.quarter * 3 + 1, 8 + len(self.publications) % 4, 10)
            secretary = self.members[code][0]
            self.publications[(code, quarter.quarter)] = publication_publish(
                branch=branch,
                quarter=quarter,
                actor=self.secretary(code),
                contact_name=secretary.name,
                contact_phone=secretary.phone,
            )
        if quarter.quarter == 2:
            publication = self.publications[("zb1", 2)]
            member = self.members["zb1"][5]
            self.day(quarter.year, 7, 13, 11)
            objection = objection_raise(
                publication=publication,
                member=member,
                reason=texts.OBJECTION,
                row=PublicationRow.objects.filter(publication=publication, member=member).first(),
                actor=member.user,
            )
            self.day(quarter.year, 7, 15, 16)
            objection_answer(
                objection=objection,
                answer=texts.OBJECTION_ANSWER,
                upheld=False,
                actor=self.users["kaoping"],
            )

    def appraisal_and_closing(self, year: int) -> None:
        for code, branch in self.branches.items():
            self.day(year, 7, 3, 9)
            pool = self.active(code, year, retired=True)
            # Every serving member votes, as at a branch members' meeting; the vote needs
            # more than half of the members taking part (the session's quorum).
            voters = [m for m in pool if not m.is_retired]
            representatives = list(branch.public_representatives.filter(is_active=True))
            session = session_open(
                branch=branch,
                half_year=HalfYear(year, 1),
                held_on=dt.date(year, 7, 3),
                mode=Mode.GRADE,
                values=DEFAULT_VALUES,
                evaluees=pool,
                voter_members=voters,
                representatives=representatives,
                opened_by=self.secretary(code),
            )
            issued = codes_issue(session=session, issued_by=self.secretary(code))
            merit = {m.pk: self.rng.uniform(0.05, 0.95) for m in pool}
            self.day(year, 7, 3, 10)
            for code_ in issued[: len(issued) - self.rng.randint(0, 2)]:
                marks = {pk: (self.grade(p), None) for pk, p in merit.items()}
                ballot_cast(code=code_.code, marks=marks)
            self.day(year, 7, 3, 11)
            session_close(session=session, closed_by=self.secretary(code))
        self.day(year, 7, 6, 16)
        for code in CLOSED_H1:
            period_close(
                branch=self.branches[code], year=year, half=1, closed_by=self.secretary(code)
            )

    def grade(self, merit: float) -> str:
        roll = self.rng.random()
        if roll < merit:
            return Grade.EXCELLENT
        if roll < 0.97:
            return Grade.QUALIFIED
        return Grade.BASIC

    # Organisational life --------------------------------------------------------------

    def meetings(self, year: int, month: int) -> None:
        plan = [(MeetingKind.THEME_DAY, texts.THEME_DAYS.get(month), 15)]
        if month in texts.LECTURES:
            plan.append((MeetingKind.PARTY_LECTURE, texts.LECTURES[month], 22))
        for kind, topic, day in plan:
            if topic is None or not self.day(year, month, day, 8):
                continue
            for code, branch in self.branches.items():
                self.day(year, month, day, 8)
                expected = self.active(code, year)
                meeting = meeting_create(
                    branch=branch,
                    kind=kind,
                    topic=topic,
                    starts_at=dt.datetime(
                        year, month, day, 14, 30, tzinfo=timezone.get_current_timezone()
                    ),
                    members=expected,
                    place=self.rng.choice(texts.PLACES),
                    created_by=self.secretary(code),
                )
                self.day(year, month, day, 17)
                rows = list(meeting.attendances.select_related("member"))
                for row in self.rng.sample(rows, self.rng.choice([0, 1, 1, 2])):
                    attendance_set(
                        attendance=row,
                        status=Attendance.Status.EXCUSED,
                        reason=self.rng.choice(texts.EXCUSES),
                        actor=self.officer_for(code, row.member),
                    )
                if (code, month, kind) in data.ABSENCES:
                    row = rows[data.ABSENCES[(code, month, kind)]]
                    attendance_set(
                        attendance=row,
                        status=Attendance.Status.ABSENT,
                        actor=self.officer_for(code, row.member),
                    )
                # The secretary's own row is left for another officer.
                for actor in (
                    self.secretary(code),
                    self.officer_for(code, self.secretary_member(code)),
                ):
                    attendance_mark_rest(
                        meeting=meeting, status=Attendance.Status.PRESENT, actor=actor
                    )

    def dues(self, year: int, month: int) -> None:
        for code, branch in self.branches.items():
            for late_code, late_month, index in data.LATE_DUES:
                if (late_code, late_month) == (code, month):
                    dues_set(
                        member=self.members[code][index],
                        year=year,
                        month=month,
                        status="late",
                        note=texts.LATE_DUES,
                        actor=self.officer_for(code, self.members[code][index]),
                    )
            # The secretary's own dues are left for another officer.
            for actor in (
                self.secretary(code),
                self.officer_for(code, self.secretary_member(code)),
            ):
                dues_mark_month_paid(branch=branch, year=year, month=month, actor=actor)
