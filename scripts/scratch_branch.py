"""A branch to drive through the real pages, for `make loadtest` (scripts/loadtest.py) and
the crash test (tests/crash_support.py). Call after django.setup(), on a scratch database.

One committee and one branch; for this year and the last, the scheme's first uncapped
dedication item scored in a range (what every declaration line uses); members with
accounts (one password hash, set once and copied); and, for the first members, earlier
months opened in advance as late declarations (as the recorder would), because a member
has one declaration per month and may start only this month's by themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class ScratchBranch:
    branch: Any
    items: dict[int, tuple[int, str]]  # year -> (item pk, its least points)
    people: list[tuple[Any, Any]]  # (member, user), in the order made
    drafts: dict[int, list[int]]  # member pk -> late declaration pks, newest first


def scratch_branch(
    *,
    code: str,
    name: str,
    people: int,
    password: str,
    drafted: int,
    late_months: int,
    late_reason: str,
) -> ScratchBranch:
    """Migrate and fill: `people` members with accounts `<code>000`…; the last is the
    branch's recorder, who opened `late_months` months before this one as late
    declarations for each of the first `drafted`."""
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from core.periods import Month
    from declarations import deadlines
    from declarations.models import Declaration
    from declarations.services import profile_header
    from organizations.models import Member, Organization, Role
    from organizations.services import member_create, organization_save, role_grant
    from rules.models import Item, PointsKind, Section
    from rules.services import scheme_for_year

    call_command("migrate", interactive=False, verbosity=0)
    committee, _ = organization_save(
        code=code, name=f"{name}党委", kind=Organization.Kind.COMMITTEE, parent=None
    )
    branch, _ = organization_save(
        code=f"{code}1", name=f"{name}支部", kind=Organization.Kind.BRANCH, parent=committee
    )
    today = deadlines.today()
    items: dict[int, tuple[int, str]] = {}
    for year in (today.year - 1, today.year):
        item = (
            Item.objects.filter(
                scheme=scheme_for_year(branch=branch, year=year),
                section=Section.DEDICATION,
                is_retired=False,
                points_kind=PointsKind.RANGE,
                points_min__gt=0,
                cap_month__isnull=True,
                cap_year__isnull=True,
            )
            .order_by("order", "pk")
            .first()
        )
        if item is None:
            raise SystemExit(f"No uncapped range dedication item in the {year} scheme.")
        items[year] = (item.pk, str(item.points_min))

    hasher = User(username="x")
    hasher.set_password(password)
    made = []
    for index in range(people):
        member = member_create(branch=branch, name=f"党员{index:03d}")
        user = User.objects.create(
            username=f"{code}{index:03d}",
            password=hasher.password,
            first_name=member.name,
            must_change_password=False,
        )
        Member.objects.filter(pk=member.pk).update(user=user)
        member.user = user
        made.append((member, user))

    recorder = made[-1][1]
    role_grant(user=recorder, organization=branch, role=Role.RECORDER)
    months, month = [], deadlines.previous(Month(today.year, today.month))
    while len(months) < late_months:
        months.append(month)
        month = deadlines.previous(month)
    recorder_now = timezone.now()
    Declaration.objects.bulk_create(
        Declaration(
            member=member,
            branch_id=branch.pk,
            year=m.year,
            month=m.month,
            late_opened_by=recorder,
            late_opened_at=recorder_now,
            late_reason=late_reason,
            **profile_header(member),
        )
        for member, _user in made[:drafted]
        for m in months
    )
    drafts: dict[int, list[int]] = {}
    for pk, member_id in Declaration.objects.order_by("-year", "-month").values_list(
        "pk", "member_id"
    ):
        drafts.setdefault(member_id, []).append(pk)
    return ScratchBranch(branch=branch, items=items, people=made, drafts=drafts)


def signed_in_session(user: Any) -> str:
    """A database session signed in as `user`: the session a sign-in makes."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key or ""
