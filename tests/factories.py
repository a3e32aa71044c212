"""Factories for tests: a bureau with two branches and a user for every role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import factory

from accounts.models import User
from organizations.models import Department, Member, Organization, Role, RoleAssignment

PASSWORD = "Jifen-Test-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)
    must_change_password = False


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"org{n}")
    name = factory.Sequence(lambda n: f"第{n}党支部")
    kind = Organization.Kind.BRANCH


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"科室{n}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    branch = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"党员{n}")
    gender = Member.Gender.MALE
    birth_month = date(1985, 5, 1)
    position = "科员"
    phone = factory.Sequence(lambda n: f"1380000{n:04d}")


def grant(user: User, organization: Organization, role: str) -> RoleAssignment:
    return RoleAssignment.objects.get_or_create(user=user, organization=organization, role=role)[0]


@dataclass
class Bureau:
    """A committee with branches A and B; in A a secretary, a group member, a
    recorder and a member with an account; in B a secretary and a member."""

    committee: Organization
    branch_a: Organization
    branch_b: Organization
    department: Department
    committee_admin: User
    secretary_a: User
    group_a: User
    recorder_a: User
    member_a_user: User
    member_a: Member
    other_member_a: Member
    secretary_b: User
    member_b_user: User
    member_b: Member


def make_bureau() -> Bureau:
    committee = OrganizationFactory(code="jgdw", name="机关党委", kind=Organization.Kind.COMMITTEE)
    branch_a = OrganizationFactory(code="zb1", name="第一党支部", parent=committee)
    branch_b = OrganizationFactory(code="zb2", name="第二党支部", parent=committee)
    department = DepartmentFactory(name="生态保护科")

    def user(username: str, org: Organization, role: str) -> User:
        u = UserFactory(username=username)
        grant(u, org, role)
        return u

    committee_admin = user("committee", committee, Role.COMMITTEE_ADMIN)
    secretary_a = user("secretary_a", branch_a, Role.SECRETARY)
    group_a = user("group_a", branch_a, Role.GROUP_MEMBER)
    recorder_a = user("recorder_a", branch_a, Role.RECORDER)
    member_a_user = user("member_a", branch_a, Role.MEMBER)
    secretary_b = user("secretary_b", branch_b, Role.SECRETARY)
    member_b_user = user("member_b", branch_b, Role.MEMBER)
    member_a = MemberFactory(
        branch=branch_a, name="张红梅", user=member_a_user, department=department
    )
    other_member_a = MemberFactory(branch=branch_a, name="李建国", department=department)
    member_b = MemberFactory(branch=branch_b, name="王晓燕", user=member_b_user)
    return Bureau(
        committee=committee,
        branch_a=branch_a,
        branch_b=branch_b,
        department=department,
        committee_admin=committee_admin,
        secretary_a=secretary_a,
        group_a=group_a,
        recorder_a=recorder_a,
        member_a_user=member_a_user,
        member_a=member_a,
        other_member_a=other_member_a,
        secretary_b=secretary_b,
        member_b_user=member_b_user,
        member_b=member_b,
    )


def post_points(
    member: Member,
    points: object,
    *,
    year: int,
    code: str = "dedication.volunteer",
    month: int = 3,
    source: str = "direct",
    recorded_by: User | None = None,
    reason: str = "",
) -> list:
    """Post `points` under the item as whole occurrences within its rule, as the ledger's
    gate wants them: 12.5 on a 0.5–5 item is 5 + 5 + 2.5, 3 on a fixed 1 is 1 + 1 + 1."""
    from decimal import Decimal

    from ledger.services import entry_post
    from rules.points import item_maximum, item_minimum
    from rules.services import scheme_for_year

    item = scheme_for_year(branch=member.branch, year=year).items.get(code=code)
    remaining = Decimal(str(points))
    largest, smallest = item_maximum(item), item_minimum(item)
    assert largest is not None, f"{code} has no points rule"
    assert smallest is not None, f"{code} has no points rule"
    entries = []
    while remaining > 0:
        step = min(remaining, largest)
        if step < smallest or (item.points_kind == "fixed" and step != largest):
            raise AssertionError(f"{points} is not whole occurrences of {code}")
        entries.append(
            entry_post(
                member=member,
                year=year,
                month=month,
                points=step,
                source=source,
                item=item,
                recorded_by=recorded_by,
                reason=reason,
            )
        )
        remaining -= step
    return entries


def post_entry(
    member: Member,
    points: object,
    *,
    year: int,
    month: int = 3,
    code: str | None = "dedication.volunteer",
    source: str = "direct",
    **fields: object,
):
    """One entry through the ledger's gate (`entry_post`) as most tests want it: under
    the item of that code in the member's scheme of the year (no item with `code=None`,
    as an appraisal's), recorded directly; `fields` are entry_post's other arguments."""
    from ledger.services import entry_post
    from rules.services import scheme_for_year

    item = None
    if code is not None:
        item = scheme_for_year(branch=member.branch, year=year).items.get(code=code)
    return entry_post(
        member=member, year=year, month=month, points=points, source=source, item=item, **fields
    )


def settings_form(**changes: object) -> dict[str, str]:
    """The branch's settings page as posted: every default, with `changes`."""
    data = {
        "declaration_deadline_day": "5",
        "signin_window": "30",
        "commitments_per_member": "2",
        "commitment_deadline_month": "3",
        "commitment_deadline_day": "31",
    }
    data.update({name: str(value) for name, value in changes.items()})
    return data
