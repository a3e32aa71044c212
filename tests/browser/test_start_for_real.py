"""From `bootstrap` on an empty database to a branch's first appraisal, in the pages only:
no demo data, no shell (the README's "Start for real")."""

from __future__ import annotations

import io
import re

from django.core.management import call_command

from appraisals.models import AppraisalSession
from organizations.models import Member, PublicRepresentative, Role, RoleAssignment

from .support import DESKTOP, PHONE

NEW_PASSWORD = "Jiguan-Dangwei-2026!"


def set_password_with_slip(screen, name: str, code: str, password: str) -> None:
    phone = screen(name, PHONE)
    phone.open(f"/accounts/activate/{code.replace('-', '')}/")
    phone.shot("activate")
    phone.page.fill("input[name=password]", password)
    phone.page.fill("input[name=password_again]", password)
    with phone.page.expect_navigation():
        phone.page.click("[data-testid=activate]")
    phone.shot("activated")
    assert "/accounts/login/" in phone.page.url


def open_login(desk, member: Member, username: str) -> str:
    desk.open(f"/org/members/{member.pk}/")
    with desk.page.expect_navigation():
        desk.page.click("[data-testid=login-open-link]")
    desk.page.fill("input[name=username]", username)
    with desk.page.expect_navigation():
        desk.page.click("[data-testid=login-open]")
    code = desk.page.inner_text("[data-testid=slip-code]").strip()
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", code)
    return code


def new_member(desk, name: str, phone: str) -> Member:
    desk.open("/org/o/zb1/members/new/")
    desk.page.fill("input[name=name]", name)
    desk.page.fill("input[name=phone]", phone)
    with desk.page.expect_navigation():
        desk.page.click("[data-testid=member-save]")
    return Member.objects.get(name=name)


def appoint(desk, member: Member, role: str) -> None:
    desk.open("/org/o/zb1/")
    form = desk.page.locator("[data-testid=grant-form]")
    form.locator("select[name=role]").select_option(role)
    form.locator("select[name=member]").select_option(str(member.pk))
    form.locator("input[name=reason]").fill("支部党员大会选举产生")
    with desk.page.expect_navigation():
        desk.page.click("[data-testid=role-grant]")


def test_a_bureau_starts_from_nothing(screen):
    out = io.StringIO()
    call_command(
        "bootstrap", "--committee", "沂蒙山管理局机关党委", "--admin", "guanliyuan", stdout=out
    )
    one_time = out.getvalue().strip().splitlines()[-1]

    # The administrator signs in with the printed password and must change it first.
    desk = screen("start-desktop", DESKTOP)
    desk.sign_in("guanliyuan", one_time)
    assert "/accounts/password/" in desk.page.url
    desk.page.fill("input[name=old_password]", one_time)
    desk.page.fill("input[name=new_password1]", NEW_PASSWORD)
    desk.page.fill("input[name=new_password2]", NEW_PASSWORD)
    with desk.page.expect_navigation():
        desk.page.click("main form button[type=submit]")

    # A branch in the organisation tree.
    desk.open("/org/tree/")
    desk.page.fill("input[name=code]", "zb1")
    desk.page.fill("input[name=name]", "机关第一党支部")
    desk.page.select_option("select[name=kind]", "branch")
    with desk.page.expect_navigation():
        desk.page.click("[data-testid=org-create]")
    assert desk.page.url.endswith("/org/o/zb1/")
    desk.shot("1-branch")

    # Two members with logins: the secretary-to-be and a member of the assessment group.
    secretary = new_member(desk, "李建国", "13900000001")
    group = new_member(desk, "张红梅", "13900000002")
    secretary_code = open_login(desk, secretary, "lijianguo")
    desk.shot("2-slip")
    group_code = open_login(desk, group, "zhanghongmei")
    appoint(desk, secretary, Role.SECRETARY)
    appoint(desk, group, Role.GROUP_MEMBER)
    desk.shot("3-roles")
    assert RoleAssignment.objects.current().filter(role=Role.SECRETARY, member=secretary).exists()
    assert RoleAssignment.objects.current().filter(role=Role.GROUP_MEMBER, member=group).exists()

    # Each sets their own password with the slip's code, on a phone.
    set_password_with_slip(screen, "start-phone-secretary", secretary_code, "Hongqi-Piaopiao-2026!")
    set_password_with_slip(screen, "start-phone-group", group_code, "Shanhe-Wuyang-2026!")

    # The new secretary adds a public representative and opens the branch's appraisal.
    branch = screen("start-secretary", DESKTOP)
    branch.sign_in("lijianguo", "Hongqi-Piaopiao-2026!")
    branch.open("/org/o/zb1/representatives/new/")
    branch.page.fill("input[name=name]", "赵群众")
    branch.page.fill("input[name=affiliation]", "东城社区居委会")
    with branch.page.expect_navigation():
        branch.page.click("[data-testid=representative-save]")
    representative = PublicRepresentative.objects.get()
    branch.open("/appraisals/branch/zb1/new/")
    assert branch.page.locator(
        f"input[name=representatives][value='{representative.pk}']"
    ).is_checked()
    branch.shot("4-appraisal-form")
    with branch.page.expect_navigation():
        branch.page.click("main form button[type=submit]")
    session = AppraisalSession.objects.get()
    assert session.voters.filter(representative=representative).exists()
    assert session.voters.filter(member__isnull=False).count() == 2
    branch.shot("5-appraisal-open")
    assert not desk.problems, desk.problems
    assert not branch.problems, branch.problems
