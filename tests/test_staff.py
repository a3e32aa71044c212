"""A bureau starts from nothing: bootstrap, the organisation tree, members and logins with
printed slips, roles with dates, the leading group and trainings, public representatives,
moving a member with their points, and a member who left."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.activation import activation_use
from accounts.models import Activation, User
from accounts.people import member_login_open, member_login_slip
from audit.models import AuditEvent
from core.errors import DomainError, PermissionDenied
from ledger.models import Entry
from ledger.totals import branch_year
from notifications.models import Notification
from organizations import services, tree
from organizations.models import (
    LeftReason,
    Member,
    MemberMove,
    Organization,
    Participation,
    Role,
    RoleAssignment,
)
from organizations.permissions import scope_for
from organizations.roles import role_end, role_grant
from summaries.moves import member_move
from tests.factories import MemberFactory, post_points

YEAR = timezone.localdate().year


pytestmark = pytest.mark.usefixtures("english")


# First run --------------------------------------------------------------------------


@pytest.mark.django_db
def test_bootstrap_creates_the_committee_and_its_first_administrator():
    out = io.StringIO()
    call_command("bootstrap", "--committee", "市直某局机关党委", "--admin", "wangjun", stdout=out)
    password = out.getvalue().strip().splitlines()[-1]
    committee = Organization.objects.get()
    assert committee.kind == Organization.Kind.COMMITTEE
    admin = User.objects.get(username="wangjun")
    assert admin.must_change_password
    assert admin.check_password(password)
    assert scope_for(admin).is_committee
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "wangjun", "password": password}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:password_change"))


def test_bootstrap_refuses_a_database_that_is_not_empty(bureau):
    before = (Organization.objects.count(), User.objects.count())
    with pytest.raises(CommandError, match="not empty"):
        call_command(
            "bootstrap", "--committee", "另一个", "--admin", "another", stdout=io.StringIO()
        )
    assert (Organization.objects.count(), User.objects.count()) == before


@pytest.mark.django_db
def test_a_superuser_without_a_role_is_told_how_to_get_one():
    User.objects.create_superuser("root", password="Root-Pass-2026!", must_change_password=False)  # noqa: S106
    client = Client()
    client.force_login(User.objects.get(username="root"))
    page = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="roleless-superuser"' in page
    assert "manage.py bootstrap" in page


# The tree ----------------------------------------------------------------------------


def test_the_committee_creates_renames_moves_and_closes_branches(bureau, client_for):
    client = client_for(bureau.committee_admin)
    assert client.get(reverse("organizations:org_tree")).status_code == 200
    response = client.post(
        reverse("organizations:org_create"),
        {
            "code": "dzz",
            "name": "第三党总支",
            "kind": "general_branch",
            "parent": bureau.committee.pk,
        },
    )
    assert response.status_code == 302
    general = Organization.objects.get(code="dzz")
    zb7 = tree.organization_create(
        code="zb7",
        name="第七支部",
        kind="branch",
        parent=bureau.committee,
        actor=bureau.committee_admin,
    )
    tree.organization_rename(org=zb7, name="第七党支部", actor=bureau.committee_admin)
    tree.organization_move(org=zb7, parent=general, actor=bureau.committee_admin)
    zb7.refresh_from_db()
    assert (zb7.name, zb7.parent) == ("第七党支部", general)
    with pytest.raises(DomainError, match="still has members"):
        tree.organization_close(org=bureau.branch_a, reason="合并", actor=bureau.committee_admin)
    asked = client.post(
        reverse("organizations:org_close", args=["zb7"]), {"reason": "合并到第三党总支"}
    )
    assert "core/confirm.html" in [t.name for t in asked.templates]
    client.post(
        reverse("organizations:org_close", args=["zb7"]), {"reason": "合并", "confirmed": "1"}
    )
    zb7.refresh_from_db()
    assert zb7.is_closed
    with pytest.raises(DomainError, match="closed"):
        services.member_create(branch=zb7, name="新成员", actor=bureau.committee_admin)


def test_only_the_committee_manages_the_tree(bureau, client_for):
    for who in ("secretary_a", "group_a", "member_a_user"):
        client = client_for(getattr(bureau, who))
        assert client.get(reverse("organizations:org_tree")).status_code == 404
        assert client.post(reverse("organizations:org_create"), {"code": "x1"}).status_code == 404
    assert not Organization.objects.filter(code="x1").exists()


def test_the_tree_and_the_roll_round_trip_with_their_exports(bureau, client_for):
    client = client_for(bureau.committee_admin)
    csv_text = client.get(reverse("organizations:org_export")).content.decode("utf-8-sig")
    assert "zb1,第一党支部,branch,jgdw" in csv_text
    content = client.get(reverse("organizations:members_export")).content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {"张红梅", "李建国", "王晓燕"} <= names
    from organizations.imports import read_workbook

    branches = {b.code: b for b in Organization.objects.exclude(kind="committee")}
    result = read_workbook(
        io.BytesIO(content), branches=branches, default_branch=None, create_departments=False
    )
    assert not result.errors
    counts = services.members_import(
        rows=result.rows, create_departments=False, actor=bureau.committee_admin
    )
    assert counts["created"] == 0
    assert counts["updated"] == 0


# Members and logins -----------------------------------------------------------------


def test_a_secretary_adds_a_member_with_checked_identifiers(bureau, client_for):
    client = client_for(bureau.secretary_a)
    url = reverse("organizations:member_new", args=["zb1"])
    data = {"name": "周新", "standing": "full", "phone": "1380000", "id_number": ""}
    page = client.post(url, data)
    assert "is not a phone number" in page.content.decode()
    duplicate = {**data, "phone": bureau.member_a.phone}
    assert "already given for 张红梅" in client.post(url, duplicate).content.decode()
    bad_id = {**data, "phone": "13912345678", "id_number": "110105194912310021"}
    assert "not a valid ID number" in client.post(url, bad_id).content.decode()
    good = {**data, "phone": "13912345678", "id_number": "11010519491231002X"}
    assert client.post(url, good).status_code == 302
    member = Member.objects.get(name="周新")
    assert (member.branch, member.id_number) == (bureau.branch_a, "11010519491231002X")
    assert client_for(bureau.secretary_b).get(url).status_code == 404


def test_a_login_is_opened_with_a_slip_and_activated_once(bureau, client_for):
    member = bureau.other_member_a
    client = client_for(bureau.secretary_a)
    response = client.post(
        reverse("accounts:login_open", args=[member.pk]), {"username": "lijianguo"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    code = re.search(r'data-testid="slip-code"[^>]*>([A-Z0-9-]+)<', html).group(1)
    assert "<svg" in html  # the QR code
    user = User.objects.get(username="lijianguo")
    assert not user.has_usable_password()
    assert not Activation.objects.filter(code_hash__contains=code.replace("-", "")).exists()
    with pytest.raises(DomainError):
        activation_use(code=code, password="Short1!", password_again="Short1!")
    anonymous = Client()
    done = anonymous.post(
        reverse("accounts:activate"),
        {"code": code.lower(), "password": "Gongzuo-2026!x", "password_again": "Gongzuo-2026!x"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Gongzuo-2026!x")
    again = anonymous.post(
        reverse("accounts:activate"),
        {"code": code, "password": "Another-2026!x", "password_again": "Another-2026!x"},
    )
    assert "already been used" in again.content.decode()
    assert AuditEvent.objects.filter(action="accounts.activation.used").count() == 1


def test_a_lost_password_gets_a_new_slip_and_the_old_one_stops(bureau):
    slip = member_login_slip(member=bureau.member_a, actor=bureau.secretary_a)
    bureau.member_a_user.refresh_from_db()
    assert not bureau.member_a_user.has_usable_password()
    newer = member_login_slip(member=bureau.member_a, actor=bureau.secretary_a)
    with pytest.raises(DomainError, match="newer slip"):
        activation_use(code=slip.code, password="Zhang-2026!abc", password_again="Zhang-2026!abc")
    activation_use(code=newer.code, password="Zhang-2026!abc", password_again="Zhang-2026!abc")
    with pytest.raises(PermissionDenied):
        member_login_slip(member=bureau.member_a, actor=bureau.group_a)


def test_an_expired_slip_is_refused_with_its_date(bureau):
    slip = member_login_open(
        member=bureau.other_member_a, username="lijg", actor=bureau.secretary_a
    )
    Activation.objects.filter(pk=slip.activation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    with pytest.raises(DomainError, match="expired"):
        activation_use(code=slip.code, password="Li-2026!abcdef", password_again="Li-2026!abcdef")


def test_usernames_are_checked_and_duplicates_refused(bureau):
    with pytest.raises(DomainError, match="Latin letters"):
        member_login_open(member=bureau.other_member_a, username="李建国", actor=bureau.secretary_a)
    with pytest.raises(DomainError, match="taken"):
        member_login_open(
            member=bureau.other_member_a, username="Member_A", actor=bureau.secretary_a
        )


def test_a_member_who_left_is_out_of_the_ranking_and_signs_in_no_more(bureau, client_for):
    client = client_for(bureau.secretary_a)
    url = reverse("accounts:member_leave", args=[bureau.member_a.pk])
    data = {"reason": LeftReason.DIED, "on": timezone.localdate().isoformat(), "note": ""}
    asked = client.post(url, data)
    assert "core/confirm.html" in [t.name for t in asked.templates]
    client.post(url, {**data, "confirmed": "1"})
    bureau.member_a.refresh_from_db()
    bureau.member_a_user.refresh_from_db()
    assert not bureau.member_a.is_active
    assert bureau.member_a.left_reason == "died"
    assert not bureau.member_a_user.is_active
    assert Participation.objects.get(member=bureau.member_a, year=YEAR).takes_part is False
    ranked = [r.member for r in branch_year(bureau.branch_a, YEAR).ranked]
    assert bureau.member_a not in ranked


# Moving a member ---------------------------------------------------------------------


def test_a_member_moves_with_their_points_and_both_cards_say_so(bureau, client_for):
    post_points(bureau.member_a, "7", year=YEAR, month=2)
    post_points(bureau.member_a, "1", year=YEAR, month=3, code="deduction.study")
    before = next(
        r for r in branch_year(bureau.branch_a, YEAR).results if r.member == bureau.member_a
    )
    move = member_move(
        member=bureau.member_a,
        to_branch=bureau.branch_b,
        moved_on=timezone.localdate(),
        reason="调任第二党支部所在科室",
        actor=bureau.committee_admin,
    )
    after = next(
        r for r in branch_year(bureau.branch_b, YEAR).results if r.member == bureau.member_a
    )
    assert after.totals.total == before.totals.total
    assert after.totals.dedication == Decimal("7")
    assert bureau.member_a not in [r.member for r in branch_year(bureau.branch_a, YEAR).results]
    carried = Entry.objects.filter(
        member=bureau.member_a, branch=bureau.branch_b, source="transfer"
    )
    assert carried.count() == 2
    # The new branch's card notes the move and links the old one, which the old branch reads.
    url = reverse("summaries:card", args=[bureau.member_a.pk, YEAR])
    new_card = client_for(bureau.secretary_b).get(url).content.decode()
    assert 'data-testid="card-move"' in new_card
    assert "?branch=zb1" in new_card
    old = client_for(bureau.secretary_a).get(url + "?branch=zb1")
    assert old.status_code == 200
    assert "with the points recorded there before the move" in old.content.decode()
    assert old.context["card"].totals.dedication == Decimal("7")
    assert MemberMove.objects.get() == move


def test_only_the_committee_moves_members_and_nobody_moves_themselves(bureau):
    with pytest.raises(PermissionDenied):
        member_move(
            member=bureau.member_a,
            to_branch=bureau.branch_b,
            moved_on=timezone.localdate(),
            reason="x",
            actor=bureau.secretary_a,
        )


# Roles with dates ----------------------------------------------------------------------


def test_roles_are_granted_and_ended_with_dates_and_reasons(bureau, client_for):
    other = bureau.other_member_a
    client = client_for(bureau.secretary_a)
    url = reverse("organizations:role_grant", args=["zb1"])
    response = client.post(
        url,
        {
            "role": Role.LEADING_GROUP,
            "member": other.pk,
            "starts_on": timezone.localdate().isoformat(),
            "reason": "支委会研究决定",
        },
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(member=other, role=Role.LEADING_GROUP)
    assert assignment.user is None  # held without a login, and shown as such
    page = client.get(reverse("organizations:org_detail", args=["zb1"])).content.decode()
    assert 'data-testid="no-login"' in page
    assert 'data-testid="leading-group"' in page
    # A role that acts in the system needs a login first.
    with pytest.raises(DomainError, match="open a login"):
        role_grant(
            organization=bureau.branch_a, role=Role.RECORDER, member=other, actor=bureau.secretary_a
        )
    # The secretary cannot appoint a secretary; the committee can, one at a time.
    assert not [
        c
        for c, _l in client.get(reverse("organizations:org_detail", args=["zb1"]))
        .context["grant_form"]
        .fields["role"]
        .choices
        if c == Role.SECRETARY
    ]
    ended = role_end(assignment=assignment, reason="换届", actor=bureau.secretary_a)
    assert ended.ends_on == timezone.localdate()
    assert not RoleAssignment.objects.current().filter(pk=assignment.pk).exists()
    assert AuditEvent.objects.filter(action="organizations.role.ended").exists()


def test_nobody_grants_or_ends_their_own_role_and_the_last_admin_stays(bureau):
    with pytest.raises(DomainError, match="appoints themselves"):
        role_grant(
            organization=bureau.branch_a,
            role=Role.GROUP_MEMBER,
            user=bureau.secretary_a,
            actor=bureau.secretary_a,
        )
    admin = RoleAssignment.objects.get(user=bureau.committee_admin, role=Role.COMMITTEE_ADMIN)
    second = User.objects.create(username="admin2")
    with pytest.raises(DomainError, match="last committee administrator"):
        role_end(assignment=admin, reason="退休", actor=second)
    role_grant(
        organization=bureau.committee,
        role=Role.COMMITTEE_ADMIN,
        user=second,
        actor=bureau.committee_admin,
    )
    assert Notification.objects.filter(user=second, title__contains="appointed").exists()
    with pytest.raises(DomainError, match="their own role"):
        role_end(assignment=admin, reason="退休", actor=bureau.committee_admin)
    role_end(assignment=admin, reason="退休", actor=second)
    assert not scope_for(User.objects.get(pk=bureau.committee_admin.pk)).is_committee


def test_an_ended_role_stops_its_rights_at_once(bureau, client_for):
    assignment = RoleAssignment.objects.get(user=bureau.group_a, role=Role.GROUP_MEMBER)
    client = client_for(bureau.group_a)
    url = reverse("ledger:entry_new", args=["zb1"])
    assert client.get(url).status_code == 200
    role_end(assignment=assignment, reason="调离", actor=bureau.secretary_a)
    assert client_for(bureau.group_a).get(url).status_code == 404


def test_trainings_and_public_representatives_are_kept_by_the_branch(bureau, client_for):
    client = client_for(bureau.secretary_a)
    response = client.post(
        reverse("organizations:training_new", args=["zb1"]),
        {
            "held_on": timezone.localdate().isoformat(),
            "topic": "积分制管理实施细则培训",
            "attendees": [bureau.member_a.pk, bureau.other_member_a.pk],
        },
    )
    assert response.status_code == 302
    rep_url = reverse("organizations:representative_new", args=["zb1"])
    assert (
        client.post(
            rep_url, {"name": "赵群众", "affiliation": "社区", "phone": "13800001234"}
        ).status_code
        == 302
    )
    page = client.get(reverse("organizations:org_detail", args=["zb1"])).content.decode()
    assert "积分制管理实施细则培训" in page
    assert "138****1234" in page
    assert client_for(bureau.secretary_b).post(rep_url, {"name": "x"}).status_code == 404
    report = client.get(reverse("oversight:report", args=["zb1", YEAR])).content.decode()
    assert "积分制管理实施细则培训" in report


def test_a_new_members_roles_follow_them_to_their_login(bureau):
    member = MemberFactory(branch=bureau.branch_a, name="钱进")
    role_grant(
        organization=bureau.branch_a,
        role=Role.LEADING_GROUP,
        member=member,
        actor=bureau.secretary_a,
    )
    member_login_open(member=member, username="qianjin", actor=bureau.secretary_a)
    user = User.objects.get(username="qianjin")
    assert RoleAssignment.objects.current().filter(user=user, role=Role.LEADING_GROUP).exists()
