"""Importing a roll of party members from an .xlsx workbook."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from audit.models import AuditEvent
from organizations import imports
from organizations.models import Member

URL = reverse("organizations:member_import")
TEMPLATE_URL = reverse("organizations:member_import_template")
HEADINGS = [
    "姓名",
    "性别",
    "出生年月",
    "科室",
    "职务",
    "联系电话",
    "入党时间",
    "党员类别",
    "是否离退休",
]


def workbook(*rows, headings=HEADINGS):
    wb = Workbook()
    ws = wb.active
    ws.append(headings)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(client, content, *, branch="zb1", name="roll.xlsx", **extra):
    data = {"file": SimpleUploadedFile(name, content), **extra}
    if branch:
        data["branch"] = branch
    return client.post(URL, data)


def confirm(client, response):
    return client.post(URL, {"token": response.context["token"], "branch": "zb1"})


def test_the_template_has_the_headings_an_example_and_instructions(bureau, client_for):
    response = client_for(bureau.secretary_a).get(TEMPLATE_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    sheet = wb.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADINGS
    assert sheet["A2"].value == "张三"
    assert sheet["A1"].font.bold
    assert sheet.column_dimensions["D"].width > 10
    assert len(wb.worksheets) == 2


def test_the_committee_template_has_a_branch_code_column(bureau, client_for):
    response = client_for(bureau.committee_admin).get(TEMPLATE_URL)
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet["J1"].value == "支部代码"
    assert sheet["J2"].value in {"zb1", "zb2"}


def test_the_template_imports_cleanly(bureau, client_for):
    client = client_for(bureau.secretary_a)
    template = client.get(TEMPLATE_URL).content
    preview = upload(client, template)
    assert preview.status_code == 200
    assert preview.context["result"].errors == []
    assert Member.objects.filter(name="张三").count() == 0  # nothing before confirming
    response = confirm(client, preview)
    assert response.status_code == 302
    member = Member.objects.get(name="张三")
    assert member.branch == bureau.branch_a
    assert member.birth_month == dt.date(1985, 5, 1)
    assert member.joined_on == dt.date(2010, 7, 1)
    assert member.department == bureau.department
    assert member.gender == Member.Gender.MALE
    assert AuditEvent.objects.filter(
        action="organizations.member.created",
        object_id=str(member.pk),
        actor_id=bureau.secretary_a.pk,
    ).exists()


def test_row_errors_are_listed_by_row_and_column_and_nothing_is_saved(bureau, client_for):
    content = workbook(
        ["王芳", "女", "1990.3", "生态保护科", "科员", "13900000001", "2015年7月", "正式", "否"],
        ["", "男", "1980-01"],
        ["赵强", "未知", "1985-13", "不存在科", "", "abc", "", "临时", "可能"],
    )
    members = Member.objects.count()
    response = upload(client_for(bureau.secretary_a), content)
    assert response.status_code == 200
    errors = response.context["result"].errors
    assert len(errors) == 7
    assert [e for e in errors if "3" in e and "姓名" in e]
    assert [e for e in errors if "4" in e and "出生年月" in e and "1985-13" in e]
    assert "token" not in response.context
    assert Member.objects.count() == members


def test_an_unknown_department_is_created_only_when_asked(bureau, client_for):
    client = client_for(bureau.secretary_a)
    content = workbook(["王芳", "女", "1990-03", "科学研究所"])
    assert upload(client, content).context["result"].errors
    preview = upload(client, content, create_departments="on")
    assert preview.context["result"].new_departments == ["科学研究所"]
    confirm(client, preview)
    assert Member.objects.get(name="王芳").department.name == "科学研究所"
    assert AuditEvent.objects.filter(action="organizations.department.created").exists()


def test_a_member_with_the_same_name_and_birth_month_is_updated(bureau, client_for):
    client = client_for(bureau.secretary_a)
    preview = upload(client, workbook(["张红梅", "", "1985年5月", "", "副科长", "13711112222"]))
    assert preview.context["updated"] == 1
    confirm(client, preview)
    member = Member.objects.get(pk=bureau.member_a.pk)
    assert (member.position, member.phone) == ("副科长", "13711112222")
    assert member.department == bureau.department  # an empty cell keeps the stored value
    assert Member.objects.filter(name="张红梅").count() == 1


def test_an_oversize_file_is_rejected(bureau, client_for):
    response = upload(client_for(bureau.secretary_a), b"0" * (imports.MAX_BYTES + 1))
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


@pytest.mark.parametrize(
    ("name", "content"),
    [("roll.csv", "姓名\n张三\n".encode()), ("roll.xlsx", b"this is not a workbook")],
)
def test_a_file_that_is_not_a_workbook_is_rejected(bureau, client_for, name, content):
    response = upload(client_for(bureau.secretary_a), content, name=name)
    assert response.status_code == 200
    context = response.context
    assert context["form"].errors.get("file") or context["result"].errors
    assert "token" not in context


def test_a_secretary_of_another_branch_gets_404(bureau, client_for):
    client = client_for(bureau.secretary_b)
    assert client.get(URL + "?branch=zb1").status_code == 404
    assert client.get(TEMPLATE_URL + "?branch=zb1").status_code == 404
    response = upload(client, workbook(["王芳", "女", "1990-03"]), branch="zb1")
    assert response.status_code == 404
    assert not Member.objects.filter(name="王芳").exists()


def test_a_branch_code_of_another_branch_in_the_file_is_refused(bureau, client_for):
    content = workbook(
        ["王芳", "女", "1990-03", "", "", "", "", "", "", "zb1"], headings=[*HEADINGS, "支部代码"]
    )
    response = upload(client_for(bureau.secretary_b), content, branch="zb2")
    assert [e for e in response.context["result"].errors if "支部代码" in e]


@pytest.mark.parametrize("who", ["member_a_user", "group_a", "member_b_user"])
def test_members_and_group_members_get_404(bureau, client_for, who):
    client = client_for(getattr(bureau, who))
    assert client.get(URL).status_code == 404
    assert client.get(TEMPLATE_URL).status_code == 404
    assert upload(client, workbook(["王芳"])).status_code == 404


def test_the_recorder_may_import(bureau, client_for):
    assert client_for(bureau.recorder_a).get(URL).status_code == 200


def test_the_committee_imports_into_branches_by_code(bureau, client_for):
    client = client_for(bureau.committee_admin)
    content = workbook(
        ["王芳", "女", "1990-03", "", "", "", "", "", "", "zb1"],
        ["刘洋", "男", "1988-11", "", "", "", "", "预备", "", "zb2"],
        headings=[*HEADINGS, "支部代码"],
    )
    preview = upload(client, content, branch="")
    assert preview.context["result"].errors == []
    client.post(URL, {"token": preview.context["token"]})
    assert Member.objects.get(name="王芳").branch == bureau.branch_a
    liu = Member.objects.get(name="刘洋")
    assert (liu.branch, liu.standing) == (bureau.branch_b, Member.Standing.PROBATIONARY)


def test_a_damaged_or_foreign_token_saves_nothing(bureau, client_for):
    preview = upload(client_for(bureau.secretary_a), workbook(["王芳", "女", "1990-03"]))
    token = preview.context["token"]
    client_for(bureau.secretary_a).post(URL, {"token": token[:-3] + "abc", "branch": "zb1"})
    client_for(bureau.committee_admin).post(URL, {"token": token})
    assert not Member.objects.filter(name="王芳").exists()


def test_the_same_member_twice_in_a_file_is_refused(bureau, client_for):
    content = workbook(["王芳", "女", "1990-03"], ["王芳", "女", "1990年3月"])
    assert upload(client_for(bureau.secretary_a), content).context["result"].errors


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1985-05", dt.date(1985, 5, 1)),
        ("1985.5", dt.date(1985, 5, 1)),
        ("1985年5月", dt.date(1985, 5, 1)),
        ("1985年05月12日", dt.date(1985, 5, 12)),
        ("1985/5/12", dt.date(1985, 5, 12)),
        ("198505", dt.date(1985, 5, 1)),
        (1985.05, dt.date(1985, 5, 1)),
        # A spreadsheet's date cell reads as a naive datetime.
        (dt.datetime(1985, 5, 12), dt.date(1985, 5, 12)),  # noqa: DTZ001
        (None, None),
    ],
)
def test_dates_are_read_in_the_usual_forms(value, expected):
    assert imports.parse_date(value) == expected


@pytest.mark.parametrize("value", ["1985-13", "明年", "2999-01", "1985-02-30", 1985.1])
def test_unreadable_dates_are_refused(value):
    with translation.override("en"), pytest.raises(ValueError, match="date|1985-01"):
        imports.parse_date(value)
