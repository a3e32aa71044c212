"""The demo's 亮承诺、做贡献 and results beyond the points: last year's commitments and how
they were kept, the vanguard posts named from them, the departments' platforms members
declare on, the branches' commitment deadlines and their reminders, retirees filed.

Called by the Timeline (_demo_life.py) at the day each step happens, through the services
of each app. Its own random generator keeps the rest of the demo as it was.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from commitments.models import Fulfilment, VanguardPost
from commitments.reminders import remind_missing_commitments
from commitments.services import (
    commitment_approve,
    commitment_assess,
    commitment_create,
    commitment_submit,
)
from contributions.models import Platform
from contributions.services import platform_save
from organizations.models import Department, Member, Organization
from organizations.settings_services import update_branch_settings
from participation.models import RetireeDecision
from participation.services import department_head_appoint, retiree_decide, retiree_file
from results.selectors import vanguard_board
from results.services import vanguard_decide, vanguard_propose
from rules.models import Item

from . import _demo_data as data
from . import _demo_texts as texts

POSTS_SEED = data.LIFE_SEED + 17
# Branches that name vanguard posts for last year, and how many each proposes; the
# committee confirms the first branch's and leaves the second's for the user to decide.
VANGUARD_BRANCHES = (("zb1", 2), ("zb2", 1))
# The branch that moved its commitment deadline forward (the rest keep 31 March).
EARLY_DEADLINE = ("zb1", 3, 15)


class Posts:
    def __init__(self, timeline: Any) -> None:
        self.t = timeline
        self.rng = random.Random(POSTS_SEED)
        self.platforms: dict[int, list[tuple[Platform, set[int]]]] = defaultdict(list)

    # 做贡献 -----------------------------------------------------------------------

    def head_of(self, department: Department) -> Member:
        """The department's own head (科长, 所长 …): its first member in the branch."""
        for plan in data.BRANCHES:
            if department.name in plan.departments:
                return self.t.members[plan.code][plan.departments.index(department.name)]
        raise LookupError(department.name)

    def platforms_set_up(self, year: int) -> None:
        """January: the committee names the departments' heads, who set up the platforms."""
        departments = {d.name: d for d in Department.objects.all()}
        committee = Organization.objects.get(code=data.COMMITTEE[0])
        heads: dict[str, Any] = {}
        for name, *_rest in texts.PLATFORMS:
            if name not in heads:
                heads[name] = self.head_of(departments[name]).user
                department_head_appoint(
                    user=heads[name],
                    department=departments[name],
                    committee=committee,
                    actor=self.t.users["admin"],
                )
        for name, title, line, description, months, wanted in texts.PLATFORMS:
            department = departments[name]
            code = next(p.code for p in data.BRANCHES if name in p.departments)
            scheme = self.t.bureau.schemes[(code, year)]
            items = [
                item
                for item in scheme.items.filter(is_retired=False)
                if item.code in wanted or item.name in wanted
            ]
            platform = platform_save(
                department=department,
                year=year,
                name=title,
                business_line=line,
                description=description,
                months=months,
                items=items,
                actor=heads[name],
            )
            self.platforms[department.pk].append((platform, {item.pk for item in items}))

    def platform_for(self, member: Member, item: Item, month: int) -> Platform | None:
        """The platform of the member's department the line was done on: the first one
        running in the month that earns the item, or is of the item's business line."""
        for platform, earns in self.platforms.get(member.department_id or 0, []):
            if platform.runs_in(month) and (
                item.pk in earns or platform.business_line == item.category
            ):
                return platform
        return None

    # Last year's commitments and the vanguard posts ------------------------------------

    def commitments_before(self, year: int) -> None:
        """February of last year: every serving member made one or two commitments, which
        the branch approved."""
        for code in self.t.branches:
            for member in self.t.active(code, year):
                officer = self.t.officer_for(code, member)
                self.t.clock.at(dt.date(year, 2, self.rng.randint(3, 20)), 10)
                for _n in range(self.rng.choice([1, 1, 2])):
                    topic = self.rng.choice(list(texts.COMMITMENTS))
                    commitment = commitment_create(
                        member=member,
                        year=year,
                        topic=topic,
                        text=self.rng.choice(texts.COMMITMENTS[topic]),
                        actor=member.user,
                    )
                    commitment_submit(commitment=commitment, actor=member.user)
                    commitment_approve(
                        commitment=commitment, actor=officer, comment=texts.COMMITMENT_APPROVED
                    )

    def assess_before(self, year: int) -> None:
        """December of last year: the group assessed how each commitment was kept."""
        from commitments.models import Commitment

        notes = {
            Fulfilment.KEPT: texts.COMMITMENT_KEPT,
            Fulfilment.PARTLY: texts.COMMITMENT_PARTLY,
            Fulfilment.NOT_KEPT: texts.COMMITMENT_NOT_KEPT,
        }
        for commitment in (
            Commitment.objects.filter(year=year, status="approved")
            .select_related("member__branch")
            .order_by("pk")
        ):
            roll = self.rng.random()
            fulfilment = (
                Fulfilment.KEPT
                if roll < 0.82
                else Fulfilment.PARTLY
                if roll < 0.95
                else Fulfilment.NOT_KEPT
            )
            commitment_assess(
                commitment=commitment,
                fulfilment=fulfilment,
                note=notes[fulfilment],
                actor=self.t.officer_for(commitment.member.branch.code, commitment.member),
            )

    def vanguard(self, year: int) -> None:
        """Once last year is closed: branches propose vanguard posts from the candidates the
        system lists, and the committee confirms the first branch's."""
        admin = self.t.users["admin"]
        for number, (code, count) in enumerate(VANGUARD_BRANCHES):
            secretary = self.t.secretary(code)
            board = vanguard_board(self.t.branches[code], year - 1)
            rows = [r for r in board.candidates if r.member.user_id != secretary.pk]
            rows = rows or [r for r in board.eligible if r.member.user_id != secretary.pk]
            proposed: list[VanguardPost] = []
            for index, row in enumerate(rows[:count]):
                proposed.append(
                    vanguard_propose(
                        member=row.member,
                        year=year - 1,
                        title=texts.VANGUARD_TITLES[(number + index) % len(texts.VANGUARD_TITLES)],
                        reasons=texts.VANGUARD_REASONS,
                        proposed_by=secretary,
                    )
                )
            if number == 0:
                for post in proposed:
                    vanguard_decide(
                        post=post, confirm=True, note=texts.VANGUARD_CONFIRMED, decided_by=admin
                    )

    # 亮承诺 this year: the deadline and the reminders ------------------------------------

    def deadline(self, year: int) -> None:
        code, month, day = EARLY_DEADLINE
        update_branch_settings(
            actor=self.t.secretary(code),
            branch=self.t.branches[code],
            commitments_per_member=2,
            commitment_deadline_month=month,
            commitment_deadline_day=day,
        )

    def remind(self, day: dt.date) -> None:
        """The daily job's commitment reminders, on the days the demo passes through."""
        remind_missing_commitments(day)

    # Retirees filed --------------------------------------------------------------------

    def file_retiree(self, year: int, member: Member) -> None:
        decision = RetireeDecision.objects.get(member=member, year=year)
        retiree_file(decision=decision, comment=texts.RETIREE_FILED, actor=self.t.users["admin"])

    def retiree_awaiting(self, year: int) -> None:
        """October: a second department decides on a retiree; the decision waits for the
        committee's filing."""
        retiree = self.t.members["zb3"][-1]
        head = self.head_of(retiree.department).user  # type: ignore[arg-type]
        committee = Organization.objects.get(code=data.COMMITTEE[0])
        department_head_appoint(
            user=head,
            department=retiree.department,
            committee=committee,
            actor=self.t.users["admin"],
        )
        retiree_decide(
            member=retiree, year=year, takes_part=False, note=texts.RETIREE_NOTE_2, actor=head
        )
