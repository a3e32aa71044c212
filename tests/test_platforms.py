"""做贡献 (plan 一(二)3): "各科室、单位要结合实际，把党员在……生态保护、规划发展、监督检查、
宣传交流、科学研究、综合保障等全局重点工作中的表现具体化，积极搭建党员做奉献的平台载体".
A department's head sets up its platforms; members name one when declaring; the oversight
dashboard and the branch's annual report count contributions by platform and business line.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from contributions.models import Platform
from contributions.services import platform_save, platform_set_open
from core.errors import DomainError
from declarations import services as declaring
from declarations.models import DeclarationLine
from declarations.recognition import RECOGNISE, REJECT, LineDecision, declaration_decide
from oversight.platforms import contributions
from participation.models import DepartmentHead
from tests.declarations_support import THIS, draft, english_fixture, media_fixture, scheme_fixture  # noqa: F401
from tests.factories import DepartmentFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.usefixtures("media", "english")
YEAR = THIS.year


@pytest.fixture
def head(bureau):
    """The head of 生态保护科, the department of 张红梅 and 李建国 (branch A)."""
    user = UserFactory(username="head_eco")
    DepartmentHead.objects.create(user=user, department=bureau.department)
    bureau.head = user
    return bureau


def save(bureau, *, name="蒙山森林防火巡查", line="ecology", months=range(1, 13), items=(), **kw):
    return platform_save(
        department=bureau.department,
        year=YEAR,
        name=name,
        business_line=line,
        description="参加森林防火巡查和隐患排查",
        months=list(months),
        items=list(items),
        actor=bureau.head,
        **kw,
    )


# The department's head sets up its platforms ---------------------------------------


def test_the_head_sets_up_a_platform_with_its_line_items_and_months(head, scheme, client_for):
    ecology = scheme.items.get(code="dedication.ecology")
    client = client_for(head.head)
    url = reverse(
        "contributions:create", kwargs={"department_pk": head.department.pk, "year": YEAR}
    )
    form = client.get(url)
    assert form.status_code == 200
    assert f'value="{ecology.pk}"' in form.content.decode()  # the branch's dedication items
    response = client.post(
        url,
        {
            "name": "蒙山森林防火巡查",
            "business_line": "ecology",
            "description": "参加森林防火巡查",
            "months": ["1", "2", "3", "4", "5", "11", "12"],
            "items": [str(ecology.pk)],
        },
    )
    assert response.status_code == 302
    platform = Platform.objects.get()
    assert (platform.department, platform.year) == (head.department, YEAR)
    assert platform.business_line == "ecology"
    assert list(platform.items.all()) == [ecology]
    assert platform.months_text == "1–5、11–12"
    event = AuditEvent.objects.get(action="contributions.platform.created")
    assert event.after["months"] == [1, 2, 3, 4, 5, 11, 12]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"line": "volunteer"}, "six business lines"),
        ({"months": []}, "months the platform runs"),
        ({"months": [13]}, "1 to 12"),
        ({"name": " "}, "Name the platform"),
    ],
)
def test_a_platform_keeps_to_the_plans_lines_and_the_calendar(head, change, message):
    with pytest.raises(DomainError, match=message):
        save(head, **change)
    assert not Platform.objects.exists()


def test_a_platform_earns_only_dedication_items_of_its_members_branches(head, scheme):
    from rules.services import scheme_for_year

    other = scheme_for_year(branch=head.branch_b, year=YEAR).items.get(code="dedication.ecology")
    with pytest.raises(DomainError, match="dedication items"):
        save(head, items=[other])
    deduction = scheme.items.get(code="deduction.study")
    with pytest.raises(DomainError, match="dedication items"):
        save(head, items=[deduction])


@pytest.mark.parametrize("who", ["secretary_a", "member_a_user", "committee_admin"])
def test_only_the_departments_head_keeps_its_platforms(head, client_for, who):
    url = reverse(
        "contributions:create", kwargs={"department_pk": head.department.pk, "year": YEAR}
    )
    status = client_for(getattr(head, who)).post(url, {"name": "x"}).status_code
    assert status in (403, 404)
    with pytest.raises(DomainError, match="head of the department"):
        platform_save(
            department=head.department,
            year=YEAR,
            name="x",
            business_line="ecology",
            description="",
            months=[1],
            items=[],
            actor=getattr(head, who),
        )


def test_members_of_the_department_and_the_committee_see_its_platforms(head, client_for):
    save(head)
    url = reverse(
        "contributions:department", kwargs={"department_pk": head.department.pk, "year": YEAR}
    )
    assert "蒙山森林防火巡查" in client_for(head.member_a_user).get(url).content.decode()
    committee = reverse("contributions:committee", kwargs={"year": YEAR})
    assert "蒙山森林防火巡查" in client_for(head.committee_admin).get(committee).content.decode()
    assert client_for(head.member_b_user).get(url).status_code == 404


def test_the_committees_list_costs_the_same_queries_for_more_platforms(head, client_for):
    client = client_for(head.committee_admin)
    url = reverse("contributions:committee", kwargs={"year": YEAR})
    save(head)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = count()
    for n in range(5):
        save(head, name=f"平台{n}")
        DepartmentHead.objects.create(user=head.head, department=DepartmentFactory())
    assert count() == before


# Members name a platform when declaring ---------------------------------------------


def test_a_member_sees_the_departments_platforms_and_names_one_per_line(head, scheme, client_for):
    platform = save(head)
    declaration = draft(head, "参加森林防火巡查")
    client = client_for(head.member_a_user)
    url = reverse("declarations:edit", kwargs={"pk": declaration.pk})
    page = client.get(url).content.decode()
    assert 'data-testid="platforms"' in page
    assert f'value="{platform.pk}"' in page
    line = declaration.lines.get()
    response = client.post(
        url,
        {
            "version": declaration.version,
            "then": "save",
            "name": declaration.name,
            "lines-TOTAL_FORMS": 2,
            "lines-INITIAL_FORMS": 1,
            "lines-MIN_NUM_FORMS": 0,
            "lines-MAX_NUM_FORMS": 30,
            "lines-0-id": line.pk,
            "lines-0-description": "参加森林防火巡查",
            "lines-0-platform": platform.pk,
            "lines-1-description": "参加社区志愿服务",
            "lines-1-platform": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    lines = list(declaration.lines.order_by("order"))
    assert [ln.platform for ln in lines] == [platform, None]
    detail = client.get(reverse("declarations:detail", kwargs={"pk": declaration.pk}))
    assert 'data-testid="line-platform"' in detail.content.decode()


def test_a_member_without_platforms_sees_no_platform_field(bureau, scheme, client_for):
    declaration = draft(bureau, "参加社区志愿服务")
    page = client_for(bureau.member_a_user).get(
        reverse("declarations:edit", kwargs={"pk": declaration.pk})
    )
    assert "lines-0-platform" not in page.content.decode()


def line_input(declaration, platform):
    line = declaration.lines.get()
    return declaring.LineInput(pk=line.pk, description=line.description, platform=platform)


def test_another_departments_or_a_closed_or_off_season_platform_is_refused(head, scheme):
    other_department = DepartmentFactory(name="宣传交流科")
    DepartmentHead.objects.create(user=head.head, department=other_department)
    theirs = platform_save(
        department=other_department,
        year=YEAR,
        name="科普讲解",
        business_line="publicity",
        description="",
        months=range(1, 13),
        items=[],
        actor=head.head,
    )
    off_season = save(head, name="春季植树", months=[m for m in range(1, 13) if m != THIS.month])
    closed = save(head, name="已结束的平台")
    platform_set_open(platform=closed, is_open=False, actor=head.head)
    declaration = draft(head, "参加活动")
    for platform in (theirs, off_season, closed):
        with pytest.raises(DomainError, match="platform of your department"):
            declaring.declaration_update(
                declaration=declaration,
                version=declaration.version,
                header=declaring.profile_header(head.member_a),
                lines=[line_input(declaration, platform)],
                actor=head.member_a_user,
            )
    assert not DeclarationLine.objects.filter(platform__isnull=False).exists()


def test_a_line_keeps_its_platform_after_the_platform_closes(head, scheme):
    platform = save(head)
    declaration = draft(head, "参加森林防火巡查")
    header = declaring.profile_header(head.member_a)
    declaring.declaration_update(
        declaration=declaration,
        version=declaration.version,
        header=header,
        lines=[line_input(declaration, platform)],
        actor=head.member_a_user,
    )
    platform_set_open(platform=platform, is_open=False, actor=head.head)
    declaring.declaration_update(
        declaration=declaration,
        version=declaration.version,
        header=header,
        lines=[line_input(declaration, platform)],
        actor=head.member_a_user,
    )
    assert declaration.lines.get().platform == platform


# Counted by platform and business line -----------------------------------------------


@pytest.fixture
def counted(head, scheme):
    """Two contributions of 张红梅 on the fire patrol (one recognised for 2 points, one
    rejected) and one of 李建国 on a research platform, recognised for 3 points."""
    fire = save(head)
    study = save(head, name="地质遗迹科研", line="research")
    head.other_member_a.user = UserFactory(username="li")
    head.other_member_a.save()
    volunteer = scheme.items.get(code="dedication.ecology")
    for member, lines in (
        (head.member_a, [("巡查一", fire), ("巡查二", fire)]),
        (head.other_member_a, [("采样", study)]),
    ):
        declaration = declaring.declaration_create(member=member, month=THIS, actor=member.user)
        declaring.declaration_update(
            declaration=declaration,
            version=declaration.version,
            header=declaring.profile_header(member),
            lines=[declaring.LineInput(pk=None, description=t, platform=p) for t, p in lines],
            actor=member.user,
        )
        declaring.declaration_submit(
            declaration=declaration, version=declaration.version, actor=member.user
        )
        decisions = []
        for line in declaration.lines.order_by("order"):
            if line.description == "巡查二":
                decisions.append(LineDecision(line=line, action=REJECT, reason="重复"))
            else:
                points = Decimal("2") if line.description == "巡查一" else Decimal("3")
                decisions.append(
                    LineDecision(line=line, action=RECOGNISE, item=volunteer, points=points)
                )
        declaration_decide(
            declaration=declaration,
            version=declaration.version,
            decisions=decisions,
            reviewer=head.group_a,
        )
    head.fire, head.study = fire, study
    return head


def test_contributions_are_counted_by_platform_and_business_line(counted):
    c = contributions(YEAR, [counted.branch_a.pk])
    rows = {r.platform.name: r for r in c.platforms}
    fire, study = rows["蒙山森林防火巡查"], rows["地质遗迹科研"]
    assert (fire.declared, fire.recognised, fire.points, fire.members) == (2, 1, Decimal("2.0"), 1)
    assert (study.declared, study.recognised, study.points) == (1, 1, Decimal("3.0"))
    lines = {line.value: line for line in c.lines}
    assert [line.value for line in c.lines] == [
        "ecology",
        "planning",
        "supervision",
        "publicity",
        "research",
        "support",
    ]
    assert (lines["ecology"].platforms, lines["ecology"].declared) == (1, 2)
    assert lines["research"].points == Decimal("3.0")
    assert lines["planning"].declared == 0
    assert (c.total.declared, c.total.recognised, c.total.members) == (3, 2, 2)
    # Branch B's members contributed nothing.
    assert contributions(YEAR, [counted.branch_b.pk]).total.declared == 0


def test_the_dashboard_counts_contributions_by_platform_and_line(counted, client_for):
    page = client_for(counted.committee_admin).get(reverse("oversight:dashboard"))
    text = page.content.decode()
    assert 'data-testid="contributions-by-line"' in text
    assert f'data-platform="{counted.fire.pk}"' in text
    by_line = page.context["contributions"].lines
    assert [line.declared for line in by_line if line.value == "ecology"] == [2]


def test_the_branch_report_counts_contributions_of_its_members(counted, client_for):
    url = reverse("oversight:report", kwargs={"code": "zb1", "year": YEAR})
    page = client_for(counted.secretary_a).get(url)
    assert 'data-testid="report-platforms"' in page.content.decode()
    report = page.context["report"]
    assert report.contributions.total.recognised == 2
    other = client_for(counted.secretary_b).get(
        reverse("oversight:report", kwargs={"code": "zb2", "year": YEAR})
    )
    # B's members belong to no department with platforms, and contributed nothing.
    assert other.context["report"].contributions.platforms == []


def test_the_dashboard_costs_the_same_queries_for_more_platforms(counted, client_for):
    client = client_for(counted.committee_admin)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("oversight:dashboard")).status_code == 200
        return len(queries)

    before = count()
    for n in range(4):
        save(counted, name=f"更多平台{n}", line="support")
    MemberFactory(branch=counted.branch_a, department=counted.department)
    assert count() == before
