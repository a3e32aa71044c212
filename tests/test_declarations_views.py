"""The declaration pages: the member's phone pages, the queue, reviewing, late declarations,
the deadline, attachment 1 and the top-bar links. Every page also tried from branch B."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.periods import Month
from declarations import deadlines
from declarations.models import Declaration, EvidenceFile
from ledger.models import Entry
from ledger.services import entry_post
from rules.services import item_update
from tests.declarations_support import (  # noqa: F401 (fixtures)
    THIS,
    checked,
    draft,
    english_fixture,
    media_fixture,
    png_bytes,
    recognise_all,
    scheme_fixture,
    submitted,
    upload,
    volunteer,
)
from tests.factories import MemberFactory, UserFactory, settings_form

Status = Declaration.Status
pytestmark = pytest.mark.usefixtures("media", "english")


def url(name, declaration=None, **kwargs):
    if declaration is not None:
        kwargs["pk"] = declaration.pk
    return reverse(f"declarations:{name}", kwargs=kwargs or None)


def month_value(month: Month = THIS) -> str:
    return f"{month.year}-{month.month:02d}"


def texts(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def edit_post(declaration, *lines, then="save", **extra):
    """The edit form's POST: lines as (description, item pk or "", [files])."""
    data = {
        "version": declaration.version,
        "then": then,
        "name": declaration.name,
        "birth_month": declaration.birth_month,
        "unit_and_position": declaration.unit_and_position,
        "phone": declaration.phone,
        "lines-TOTAL_FORMS": len(lines),
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 30,
    }
    for index, (description, item, files) in enumerate(lines):
        data[f"lines-{index}-description"] = description
        data[f"lines-{index}-suggested_item"] = item
        if files:
            data[f"lines-{index}-evidence"] = files
    data.update(extra)
    return data


# --- the member's pages --------------------------------------------------------


def test_a_member_declares_from_the_list_page(bureau, client_for, scheme):
    client = client_for(bureau.member_a_user)
    page = client.get(url("mine"))
    assert page.status_code == 200
    assert f'data-testid="declare-{THIS.year}-{THIS.month}"' in texts(page)
    response = client.post(url("create"), {"month": month_value()})
    declaration = Declaration.objects.get()
    assert response["Location"] == url("edit", declaration)
    form = client.get(url("edit", declaration))
    assert form.status_code == 200
    assert "张红梅" in texts(form)
    assert "志愿服务" in texts(form)  # declarable items offered
    response = client.post(
        url("edit", declaration),
        edit_post(
            declaration,
            ("参加河道清理志愿服务", volunteer(scheme).pk, [upload("现场.png")]),
            then="submit",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == url("detail", declaration)
    declaration.refresh_from_db()
    assert declaration.status == Status.SUBMITTED
    line = declaration.lines.get()
    assert line.suggested_item == volunteer(scheme)
    assert line.evidence.get().original_name == "现场.png"
    detail = client.get(url("detail", declaration))
    assert "参加河道清理志愿服务" in texts(detail)
    assert 'data-testid="withdraw"' in texts(detail)


def test_declaring_a_month_to_come_shows_a_message(bureau, client_for):
    following = Month(THIS.year + 1, 1) if THIS.month == 12 else Month(THIS.year, THIS.month + 1)
    client = client_for(bureau.member_a_user)
    response = client.post(url("create"), {"month": month_value(following)}, follow=True)
    assert any("to come" in m for m in messages_of(response))
    assert not Declaration.objects.exists()


@pytest.mark.parametrize("value", ["", "2026-13", "abc", "99999-01"])
def test_a_malformed_month_is_refused_politely(bureau, client_for, value):
    response = client_for(bureau.member_a_user).post(url("create"), {"month": value}, follow=True)
    assert response.status_code == 200
    assert not Declaration.objects.exists()


def test_declaring_the_same_month_again_opens_the_existing_declaration(bureau, client_for):
    declaration = draft(bureau, "一")
    response = client_for(bureau.member_a_user).post(url("create"), {"month": month_value()})
    assert response["Location"] == url("detail", declaration)
    assert Declaration.objects.count() == 1


def test_an_exe_renamed_jpg_is_refused_and_nothing_is_saved(bureau, client_for):
    declaration = draft(bureau, "原来的内容")
    client = client_for(bureau.member_a_user)
    response = client.post(
        url("edit", declaration),
        edit_post(declaration, ("改过的内容", "", [upload("photo.jpg", b"MZ\x90\0" + b"\0" * 60)])),
    )
    assert response.status_code == 200
    assert "does not match its file type" in texts(response)
    assert declaration.lines.get().description == "原来的内容"
    assert not EvidenceFile.objects.exists()


def test_an_oversize_file_is_refused(bureau, client_for, monkeypatch):
    monkeypatch.setattr("declarations.evidence.MAX_BYTES", 10)
    declaration = draft(bureau, "一")
    response = client_for(bureau.member_a_user).post(
        url("edit", declaration), edit_post(declaration, ("一", "", [upload("big.png")]))
    )
    assert response.status_code == 200, response.status_code
    assert "larger than" in texts(response)
    assert not EvidenceFile.objects.exists()


def test_a_suggested_item_of_another_branch_is_refused(bureau, client_for):
    from rules.services import scheme_for_year

    other = scheme_for_year(branch=bureau.branch_b, year=THIS.year).items.get(
        code="dedication.volunteer"
    )
    declaration = draft(bureau, "一")
    response = client_for(bureau.member_a_user).post(
        url("edit", declaration), edit_post(declaration, ("一", other.pk, []))
    )
    assert response.status_code == 200
    assert declaration.lines.get().suggested_item is None


def test_a_member_sees_the_status_and_the_reasons(bureau, client_for, scheme):
    declaration = submitted(bureau, "一", "二")
    first, second = declaration.lines.all()
    from declarations.recognition import PARTLY, REJECT, LineDecision, declaration_decide

    declaration_decide(
        declaration=declaration,
        version=declaration.version,
        decisions=[
            LineDecision(first, PARTLY, volunteer(scheme), "1", "照片不清楚"),
            LineDecision(second, REJECT, reason="非本月工作"),
        ],
        reviewer=bureau.group_a,
    )
    client = client_for(bureau.member_a_user)
    listing = texts(client.get(url("mine")))
    assert "照片不清楚" in listing
    assert "非本月工作" in listing
    detail = texts(client.get(url("detail", declaration)))
    assert "照片不清楚" in detail
    assert "非本月工作" in detail
    assert 'data-testid="total"' in detail


def test_the_member_withdraws_and_submits_from_the_detail_page(bureau, client_for):
    declaration = submitted(bureau)
    client = client_for(bureau.member_a_user)
    client.post(url("withdraw", declaration), {"version": declaration.version})
    declaration.refresh_from_db()
    assert declaration.status == Status.DRAFT
    client.post(url("submit", declaration), {"version": declaration.version})
    declaration.refresh_from_db()
    assert declaration.status == Status.SUBMITTED
    response = client.post(
        url("submit", declaration), {"version": declaration.version}, follow=True
    )
    assert any("already been submitted" in m for m in messages_of(response))


def test_a_bad_version_is_a_clear_message_not_a_500(bureau, client_for):
    declaration = draft(bureau, "一")
    response = client_for(bureau.member_a_user).post(
        url("submit", declaration), {"version": "x"}, follow=True
    )
    assert response.status_code == 200
    assert any("changed by someone else" in m for m in messages_of(response))


@pytest.mark.parametrize("name", ["detail", "form1", "form1_xlsx"])
@pytest.mark.parametrize("who", ["member_b_user", "secretary_b"])
def test_another_branchs_declaration_is_404(bureau, client_for, name, who):
    declaration = submitted(bureau)
    assert client_for(getattr(bureau, who)).get(url(name, declaration)).status_code == 404


@pytest.mark.parametrize(
    "name", ["edit", "submit", "withdraw", "review", "review_start", "review_return"]
)
def test_another_branch_cannot_act_on_a_declaration(bureau, client_for, name):
    declaration = submitted(bureau)
    response = client_for(bureau.secretary_b).post(url(name, declaration), {"version": 1})
    assert response.status_code == 404


def test_only_the_member_edits_their_declaration(bureau, client_for):
    declaration = draft(bureau, "一")
    assert client_for(bureau.group_a).get(url("edit", declaration)).status_code == 403
    assert client_for(bureau.group_a).post(url("submit", declaration)).status_code == 403


def test_a_user_who_is_not_a_member_has_no_declarations_page(bureau, client_for):
    assert client_for(bureau.group_a).get(url("mine")).status_code == 404
    assert (
        client_for(bureau.group_a).post(url("create"), {"month": month_value()}).status_code == 404
    )


def test_huge_or_unknown_numbers_are_404(bureau, client_for):
    client = client_for(bureau.committee_admin)
    assert client.get(url("detail", pk=10**20)).status_code == 404
    assert client.get(url("evidence", pk=10**20, file_pk=10**20)).status_code == 404


# --- the queue -----------------------------------------------------------------


def test_the_group_sees_the_waiting_declarations_of_its_branch(bureau, client_for):
    mine = submitted(bureau)
    theirs = submitted(bureau, member=bureau.member_b)
    page = client_for(bureau.group_a).get(url("queue"))
    assert page.status_code == 200
    assert list(page.context["page"]) == [mine]
    assert bureau.member_b.name not in texts(page)
    assert list(client_for(bureau.secretary_b).get(url("queue")).context["page"]) == [theirs]


def test_drafts_are_not_in_the_queue(bureau, client_for):
    draft(bureau, "一")
    page = client_for(bureau.group_a).get(url("queue") + "?status=")
    assert list(page.context["page"]) == []


def test_the_queue_filters_by_month_status_and_member(bureau, client_for, scheme):
    colleague = MemberFactory(branch=bureau.branch_a, name="同事", user=UserFactory(username="c1"))
    first = submitted(bureau)
    second = submitted(bureau, member=colleague)
    recognise_all(second, bureau.group_a, volunteer(scheme))
    client = client_for(bureau.group_a)

    def shown(query):
        return list(client.get(url("queue") + query).context["page"])

    assert shown("") == [first]  # waiting by default
    assert shown("?status=recognised") == [second]
    assert set(shown("?status=")) == {first, second}
    assert shown(f"?status=&member={colleague.pk}") == [second]
    assert shown(f"?status=&month={month_value(deadlines.previous(THIS))}") == []
    assert set(shown(f"?status=&month={month_value()}")) == {first, second}
    assert set(shown("?status=nonsense&member=x&month=bad&page=99")) == {first, second}


def test_a_plain_member_has_no_queue(bureau, client_for):
    assert client_for(bureau.member_a_user).get(url("queue")).status_code == 404


def test_the_queue_takes_a_constant_number_of_queries(bureau, client_for):
    client = client_for(bureau.group_a)
    submitted(bureau, files=[checked()])
    client.get(url("queue"))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("queue") + "?status=").status_code == 200
        return len(queries)

    before = count()
    for index in range(8):
        user = UserFactory(username=f"extra{index}")
        member = MemberFactory(branch=bureau.branch_a, name=f"党员{index}", user=user)
        submitted(bureau, f"第{index}件事", "另一件事", member=member, files=[checked()])
    assert count() == before


# --- reviewing -----------------------------------------------------------------


def review_post(declaration, line_values: dict, **extra):
    data = {"version": declaration.version}
    for line, values in line_values.items():
        for key, value in values.items():
            data[f"l{line.pk}-{key}"] = value
    data.update(extra)
    return data


def test_a_reviewer_recognises_a_line_from_the_review_page(bureau, client_for, scheme):
    declaration = submitted(bureau, item=volunteer(scheme))
    client = client_for(bureau.group_a)
    page = client.get(url("review", declaration))
    assert page.status_code == 200
    assert 'data-testid="decide"' in texts(page)
    line = declaration.lines.get()
    response = client.post(
        url("review", declaration),
        review_post(
            declaration,
            {line: {"action": "recognise", "item": volunteer(scheme).pk, "points": "2"}},
        ),
    )
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.status == Status.RECOGNISED
    assert Entry.objects.get().points == Decimal("2.0")


def test_the_cap_explanation_is_shown_and_the_reviewer_confirms(bureau, client_for, scheme):
    item = volunteer(scheme)
    item_update(item=item, cap_year=Decimal("5"))
    entry_post(
        member=bureau.member_a,
        year=THIS.year,
        month=THIS.month,
        points="2",
        source="direct",
        item=item,
    )
    declaration = submitted(bureau)
    line = declaration.lines.get()
    client = client_for(bureau.group_a)
    values = {"action": "recognise", "item": item.pk, "points": "5"}
    page = client.post(url("review", declaration), review_post(declaration, {line: values}))
    assert page.status_code == 200
    assert 'data-testid="cap-explanation"' in texts(page)
    assert "leaves 3 points; this time 5 points are given" in texts(page)
    assert Entry.objects.count() == 1
    shown = page.context["declaration"]  # the version the page offers must still be current
    response = client.post(
        url("review", declaration),
        review_post(shown, {line: {**values, "confirm_reduced": "on"}}),
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.points == Decimal("3.0")
    assert line.outcome == "partly"


def test_points_outside_the_rules_are_shown_next_to_the_line(bureau, client_for, scheme):
    declaration = submitted(bureau)
    line = declaration.lines.get()
    page = client_for(bureau.group_a).post(
        url("review", declaration),
        review_post(
            declaration,
            {line: {"action": "recognise", "item": volunteer(scheme).pk, "points": "9"}},
        ),
    )
    assert page.status_code == 200
    assert 'data-testid="line-error"' in texts(page)
    assert not Entry.objects.exists()


def test_a_review_without_decisions_is_a_message(bureau, client_for):
    declaration = submitted(bureau)
    page = client_for(bureau.group_a).post(
        url("review", declaration), {"version": declaration.version}
    )
    assert page.status_code == 200
    assert "every line" in texts(page)


def test_a_reviewer_on_a_stale_page_gets_a_clear_message(bureau, client_for, scheme):
    declaration = submitted(bureau)
    line = declaration.lines.get()
    stale_version = declaration.version
    recognise_all(declaration, bureau.recorder_a, volunteer(scheme))
    response = client_for(bureau.group_a).post(
        url("review", declaration),
        {"version": stale_version, f"l{line.pk}-action": "reject", f"l{line.pk}-reason": "x"},
        follow=True,
    )
    assert response.status_code == 200
    assert any(
        "nothing to review" in m or "changed by someone else" in m for m in messages_of(response)
    ) or ("nothing to review" in texts(response))
    assert Entry.objects.count() == 1


def test_the_member_cannot_review_their_own_declaration_on_the_page(bureau, client_for, scheme):
    from tests.factories import grant

    grant(bureau.member_a_user, bureau.branch_a, "group_member")
    declaration = submitted(bureau)
    client = client_for(bureau.member_a_user)
    page = client.get(url("review", declaration))
    assert 'data-testid="own-declaration"' in texts(page)
    assert 'data-testid="decide"' not in texts(page)
    line = declaration.lines.get()
    client.post(
        url("review", declaration),
        review_post(
            declaration,
            {line: {"action": "recognise", "item": volunteer(scheme).pk, "points": "2"}},
        ),
    )
    assert not Entry.objects.exists()
    queue = client.get(url("queue"))
    assert url("review", declaration) not in texts(queue)


def test_the_reviewer_returns_and_takes_up_a_declaration(bureau, client_for):
    declaration = submitted(bureau)
    client = client_for(bureau.group_a)
    client.post(url("review_start", declaration), {"version": declaration.version})
    declaration.refresh_from_db()
    assert declaration.status == Status.UNDER_REVIEW
    client.post(url("review_return", declaration), {"version": declaration.version, "reason": ""})
    declaration.refresh_from_db()
    assert declaration.status == Status.UNDER_REVIEW
    client.post(
        url("review_return", declaration), {"version": declaration.version, "reason": "请补充照片"}
    )
    declaration.refresh_from_db()
    assert declaration.status == Status.RETURNED
    member_page = texts(client_for(bureau.member_a_user).get(url("detail", declaration)))
    assert "请补充照片" in member_page


def test_the_committee_sees_a_declaration_but_does_not_review_it(bureau, client_for):
    declaration = submitted(bureau)
    client = client_for(bureau.committee_admin)
    assert client.get(url("detail", declaration)).status_code == 200
    page = client.get(url("review", declaration))
    assert page.status_code == 200
    assert 'data-testid="decide"' not in texts(page)


# --- late declarations and the deadline ------------------------------------------


def test_the_recorder_opens_a_late_declaration_on_its_page(bureau, client_for):
    client = client_for(bureau.recorder_a)
    assert client.get(url("late_open", code="zb1")).status_code == 200
    last = deadlines.previous(THIS)
    response = client.post(
        url("late_open", code="zb1"),
        {"member": bureau.member_a.pk, "month": month_value(last), "reason": "外出学习"},
    )
    assert response.status_code == 302
    declaration = Declaration.objects.get()
    assert (declaration.year, declaration.month, declaration.late_reason) == (
        last.year,
        last.month,
        "外出学习",
    )


def test_the_late_page_refuses_a_member_of_another_branch(bureau, client_for):
    response = client_for(bureau.recorder_a).post(
        url("late_open", code="zb1"),
        {"member": bureau.member_b.pk, "month": month_value(), "reason": "x"},
    )
    assert response.status_code == 200
    assert not Declaration.objects.exists()


@pytest.mark.parametrize("who", ["group_a", "member_a_user", "secretary_b"])
def test_others_get_404_for_the_late_page(bureau, client_for, who):
    assert client_for(getattr(bureau, who)).get(url("late_open", code="zb1")).status_code == 404


def test_the_secretary_sets_the_deadline(bureau, client_for):
    client = client_for(bureau.secretary_a)
    page = reverse("organizations:branch_settings", kwargs={"code": "zb1"})
    form = settings_form(declaration_deadline_day=8)
    assert client.post(page, form).status_code == 302
    assert deadlines.deadline_day_of(bureau.branch_a) == 8
    response = client.post(page, settings_form(declaration_deadline_day=40))
    assert response.status_code == 200
    assert deadlines.deadline_day_of(bureau.branch_a) == 8
    for who in ("group_a", "secretary_b"):
        assert client_for(getattr(bureau, who)).get(page).status_code == 404
    # The old address leads to the settings page.
    old = client.get(url("policy", code="zb1"))
    assert (old.status_code, old["Location"]) == (301, page)


# --- attachment 1 ----------------------------------------------------------------


def test_form1_prints_as_attachment_1(bureau, client_for, scheme):
    declaration = submitted(bureau, "参加义务植树活动")
    recognise_all(declaration, bureau.group_a, volunteer(scheme))
    page = texts(client_for(bureau.member_a_user).get(url("form1", declaration)))
    for text in (
        "月度党员奉献量化积分申报表",
        "姓　名",
        "出生年月",
        "工作单位及职务",
        "申报时间",
        "联系电话",
        "党员办实事做奉献情况",
        "参加义务植树活动",
        "考评小组",
    ):
        assert text in page


def test_form1_downloads_as_an_a4_workbook(bureau, client_for):
    declaration = submitted(bureau, "参加义务植树活动")
    response = client_for(bureau.group_a).get(url("form1_xlsx", declaration))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "月度党员奉献量化积分申报表"
    assert sheet["A3"].value == "姓 名"
    assert sheet["B3"].value == "张红梅"
    assert sheet["E3"].value == "工作单位及职务"
    assert sheet["F3"].value == "生态保护科 科员"
    assert sheet["A5"].value == "党员办实事做奉献情况"
    assert "参加义务植树活动" in sheet["B5"].value
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:F1", "D4:F4", "B5:F5"} <= merged
    assert str(sheet.page_setup.paperSize) == str(sheet.PAPERSIZE_A4)
    assert sheet["A3"].border.left.style == "thin"


# --- the top bar -------------------------------------------------------------------


def test_the_top_bar_links_to_my_declarations_and_the_review_queue(bureau, client_for):
    submitted(bureau)
    member_page = texts(client_for(bureau.member_a_user).get("/"))
    assert url("mine") in member_page
    assert url("queue") not in member_page

    def links(user):
        nav = client_for(user).get("/").context["nav"]
        return {link.url: link for menu in nav["menus"] for link in menu["links"]}

    assert links(bureau.group_a)[url("queue")].badge == 1
    assert links(bureau.secretary_b)[url("queue")].badge == 0
    assert url("mine") in links(bureau.member_a_user)


def test_my_declarations_count_each_line_once_and_take_constant_queries(bureau, client_for, scheme):
    declaration = submitted(bureau, "一", files=[checked("a.png"), checked("b.png")])
    recognise_all(declaration, bureau.group_a, volunteer(scheme), points="2")
    client = client_for(bureau.member_a_user)
    page = client.get(url("mine"))
    assert page.context["declarations"][0].points == Decimal("2.0")  # not 2 × 2 files

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("mine")).status_code == 200
        return len(queries)

    before = count()
    for months_back in range(1, 5):
        month = THIS
        for _ in range(months_back):
            month = deadlines.previous(month)
        old = Declaration.objects.create(
            member=bureau.member_a,
            branch=bureau.branch_a,
            year=month.year,
            month=month.month,
            name="张红梅",
        )
        old.lines.create(description="往月")
    assert count() == before


def test_looking_at_the_review_page_changes_nothing(bureau, client_for):
    declaration = submitted(bureau)
    version = declaration.version
    client_for(bureau.group_a).get(url("review", declaration))
    declaration.refresh_from_db()
    assert (declaration.status, declaration.version) == (Status.SUBMITTED, version)
