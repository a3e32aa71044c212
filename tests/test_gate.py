"""The one gate to the ledger (issue: points people can trust).

Every path that writes points goes through `ledger.services.entry_post` /
`entry_reverse`, and the gate decides whether the entry may exist: the item's points
rule, the caps, the period, participation and conflict of interest. Each caller is
walked here with a bad value and with a self-dealing actor.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from appraisals import services as appraisals
from appraisals.grades import Grade
from audit.models import AuditEvent
from core.errors import DomainError
from core.periods import HalfYear
from declarations.recognition import DecisionInvalid
from ledger.gate import EntryRefused
from ledger.models import Entry
from ledger.services import entry_post, entry_reverse
from organizations.models import Participation, Role
from orglife import dues
from orglife import services as orglife
from orglife.models import Attendance, MeetingKind
from publicity import services as publicity
from publicity.quarters import Quarter
from rules.services import item_update, scheme_for_year
from summaries.card_import import cards_import
from tests.declarations_support import THIS, recognise_all, submitted, volunteer
from tests.factories import MemberFactory, grant

YEAR = THIS.year
MONTH = THIS.month


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def scheme(bureau):
    return scheme_for_year(branch=bureau.branch_a, year=YEAR)


@pytest.fixture
def officer_member(bureau):
    """The assessment-group member is also a party member of branch A (like `kaoping`)."""
    return MemberFactory(branch=bureau.branch_a, name="考评员", user=bureau.group_a)


@pytest.fixture
def recorder_member(bureau):
    return MemberFactory(branch=bureau.branch_a, name="记录员", user=bureau.recorder_a)


def item(scheme, code):
    return scheme.items.get(code=code)


def post(member, scheme, code="dedication.volunteer", points="2", **kwargs):
    values = {
        "member": member,
        "year": YEAR,
        "month": MONTH,
        "points": points,
        "source": "direct",
        "item": item(scheme, code),
        "reason": "记录",
    }
    values.update(kwargs)
    return entry_post(**values)


def refusal(call, *args, **kwargs) -> EntryRefused:
    """The gate refuses: nothing is written but the refusal's audit row."""
    entries = Entry.objects.count()
    with pytest.raises(EntryRefused) as caught:
        call(*args, **kwargs)
    assert Entry.objects.count() == entries
    audited = AuditEvent.objects.order_by("-pk").first()
    assert audited.action in ("ledger.entry.refused", "ledger.entry.reverse_refused")
    assert audited.after["rule"] == caught.value.rule
    return caught.value


# The symptoms, replayed ------------------------------------------------------------


def test_a_group_member_cannot_record_points_for_himself_on_the_page(
    bureau, scheme, officer_member, client_for
):
    client = client_for(bureau.group_a)
    url = reverse("ledger:entry_new", kwargs={"code": "zb1"}) + f"?year={YEAR}"
    page = client.get(url)
    assert officer_member.pk not in [m.pk for m in page.context["form"].fields["member"].queryset]
    assert "Your own points are not in the list" in page.content.decode()
    data = {
        "member": officer_member.pk,
        "month": MONTH,
        "item": item(scheme, "dedication.volunteer").pk,
        "points": "5.0",
        "reason": "自己记分",
        "evidence": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["member"]
    assert not Entry.objects.exists()


def test_the_gate_refuses_an_officer_recording_his_own_points_whatever_the_path(
    bureau, scheme, officer_member
):
    refused = refusal(post, officer_member, scheme, points="5", recorded_by=bureau.group_a)
    assert refused.rule == "own_points"
    assert "Nobody records their own points" in refused.message
    refused = refusal(post, officer_member, scheme, points="99999.9", recorded_by=bureau.group_a)
    assert refused.rule == "own_points"


def test_the_gate_refuses_values_outside_the_items_rule(bureau, scheme, recorder_member):
    # 500 for the recorder on his own card: his own points, and outside 0.5–5 anyway.
    assert (
        refusal(post, recorder_member, scheme, points="500", recorded_by=bureau.recorder_a).rule
        == "own_points"
    )
    assert refusal(post, recorder_member, scheme, points="500").rule == "points_rule"
    # 9,999 for another member on a 0.5–5 item.
    refused = refusal(post, bureau.member_a, scheme, points="9999", recorded_by=bureau.group_a)
    assert refused.rule == "points_rule"
    assert "(0.5–5)" in refused.message
    # 5 on a fixed 1-point deduction.
    refused = refusal(
        post,
        bureau.member_a,
        scheme,
        code="deduction.study",
        points="5",
        recorded_by=bureau.group_a,
    )
    assert refused.rule == "points_rule"
    assert post(bureau.member_a, scheme, code="deduction.study", points="1").points == 1


def test_a_value_outside_the_rule_on_the_page_is_refused_and_audited(bureau, scheme, client_for):
    client = client_for(bureau.group_a)
    url = reverse("ledger:entry_new", kwargs={"code": "zb1"}) + f"?year={YEAR}"
    response = client.post(
        url,
        {
            "member": bureau.member_a.pk,
            "month": MONTH,
            "item": item(scheme, "dedication.volunteer").pk,
            "points": "9999",
            "reason": "录入错误",
        },
    )
    assert response.status_code == 200
    assert "outside the rules of 志愿服务" in str(response.context["form"].non_field_errors())
    assert not Entry.objects.exists()
    refused = AuditEvent.objects.get(action="ledger.entry.refused")
    assert refused.actor == bureau.group_a
    assert refused.after["rule"] == "points_rule"


def test_a_group_member_cannot_reverse_a_deduction_recorded_against_him(
    bureau, scheme, officer_member, client_for
):
    deduction = post(
        officer_member, scheme, code="deduction.conduct", points="5", recorded_by=bureau.recorder_a
    )
    refused = refusal(entry_reverse, entry=deduction, reason="不服", recorded_by=bureau.group_a)
    assert refused.rule == "own_points"
    client = client_for(bureau.group_a)
    response = client.post(
        reverse("ledger:entry_reverse", kwargs={"pk": deduction.pk}), {"reason": "不服"}
    )
    assert response.status_code == 302
    assert not Entry.objects.filter(reverses=deduction).exists()
    page = client.get(response.url).content.decode()
    assert "Nobody reverses their own points" in page
    assert "Another officer corrects it" in page


def test_the_committee_records_where_the_branch_has_no_other_officer(bureau, scheme, client_for):
    # Branch B's only officer is its secretary, who is also its member.
    own = MemberFactory(branch=bureau.branch_b, name="书记乙", user=bureau.secretary_b)
    scheme_b = scheme_for_year(branch=bureau.branch_b, year=YEAR)
    assert refusal(post, own, scheme_b, recorded_by=bureau.secretary_b).rule == "own_points"
    client = client_for(bureau.committee_admin)
    url = reverse("ledger:entry_new", kwargs={"code": "zb2"}) + f"?year={YEAR}"
    page = client.get(url)
    assert [m.pk for m in page.context["form"].fields["member"].queryset] == [own.pk]
    assert "records here only for members whose branch has no other officer" in (
        page.content.decode()
    )
    data = {
        "member": own.pk,
        "month": MONTH,
        "item": item(scheme_b, "dedication.volunteer").pk,
        "points": "2",
        "reason": "代为记录",
    }
    assert client.post(url, data).status_code == 302
    assert Entry.objects.get(member=own).recorded_by == bureau.committee_admin
    # Where the branch has officers of its own, the committee records nothing.
    page_a = client.get(reverse("ledger:entry_new", kwargs={"code": "zb1"}) + f"?year={YEAR}")
    assert not page_a.context["form"].fields["member"].queryset.exists()


# Every caller of the gate -----------------------------------------------------------


def test_recognition_keeps_its_messages_and_the_gate_still_decides(
    bureau, scheme, officer_member, english
):
    declaration = submitted(bureau)
    with pytest.raises(DecisionInvalid) as caught:
        recognise_all(declaration, bureau.group_a, volunteer(scheme), points="9999")
    assert "outside the rules" in next(iter(caught.value.errors.values()))
    own = submitted(bureau, member=officer_member)
    with pytest.raises(DomainError, match="Nobody reviews their own declaration"):
        recognise_all(own, bureau.group_a, volunteer(scheme))
    # A declaration's points bypassing recognition's own checks meet the gate.
    assert refusal(post, bureau.member_a, scheme, points="9999", source="declaration").rule == (
        "points_rule"
    )
    assert (
        refusal(post, officer_member, scheme, source="declaration", recorded_by=bureau.group_a).rule
        == "own_points"
    )


def test_a_partial_recognition_is_less_than_in_full_with_a_reason(bureau, scheme):
    assert post(bureau.member_a, scheme, points="1.5", source="declaration", partial=True)
    assert (
        refusal(post, bureau.member_a, scheme, points="5", source="declaration", partial=True).rule
        == "partial"
    )
    assert (
        refusal(
            post, bureau.member_a, scheme, points="1", source="declaration", partial=True, reason=""
        ).rule
        == "partial_reason"
    )
    assert refusal(post, bureau.member_a, scheme, points="1.5", partial=True).rule == "partial"


def test_base_adjustments_are_negative_with_a_reason_and_not_self_made(
    bureau, scheme, officer_member
):
    base = {"code": "base.1", "source": "adjustment"}
    assert refusal(post, bureau.member_a, scheme, points="5", **base).rule == "base_sign"
    assert refusal(post, bureau.member_a, scheme, points="-2", reason="", **base).rule == "reason"
    assert (
        refusal(post, officer_member, scheme, points="-2", recorded_by=bureau.group_a, **base).rule
        == "own_points"
    )
    assert refusal(post, bureau.member_a, scheme, points="-2", source="direct", code="base.1").rule
    assert post(bureau.member_a, scheme, points="-2", **base).kind == "base"


def test_caps_are_checked_at_the_gate_as_recognition_applies_them(bureau, scheme):
    volunteer_item = item_update(item=item(scheme, "dedication.volunteer"), cap_year="3")
    post(bureau.member_a, scheme, points="2.5")
    refused = refusal(post, bureau.member_a, scheme, points="1")
    assert refused.rule == "cap"
    assert "yearly cap of 志愿服务 leaves 0.5 points" in refused.message
    assert post(bureau.member_a, scheme, points="0.5").item == volunteer_item


def test_a_member_not_taking_part_gets_no_points(bureau, scheme):
    Participation.objects.create(member=bureau.member_a, year=YEAR, takes_part=False)
    assert refusal(post, bureau.member_a, scheme).rule == "not_taking_part"


def test_the_import_is_refused_for_a_bad_cell_and_for_the_importers_own_card(bureau):
    from tests.test_card_import import sample_bytes

    year = 2025
    grant(bureau.member_a_user, bureau.branch_a, Role.RECORDER)
    # The sample's 张红梅 is member A: the importer's own card.
    own = cards_import(
        branch=bureau.branch_a,
        year=year,
        workbook=sample_bytes(),
        create_members=True,
        actor=bureau.member_a_user,
    )
    assert not own.ok
    assert any("Nobody records their own points" in str(p) for p in own.problems)
    # 2.5 in a month of a fixed 2-point deduction is no whole number of occurrences.
    bad = cards_import(
        branch=bureau.branch_a,
        year=year,
        workbook=sample_bytes({("李建国", "F24"): 2.5}),
        create_members=True,
        actor=bureau.recorder_a,
    )
    assert not bad.ok
    assert any(
        p.cell == "F24" and "cannot be a month of 不按时参加组织生活或交纳党费" in str(p)
        for p in bad.problems
    )
    assert not Entry.objects.exists()


@pytest.fixture
def meeting(bureau, recorder_member):
    starts = timezone.now() - timedelta(hours=2)
    return orglife.meeting_create(
        branch=bureau.branch_a,
        kind=MeetingKind.STUDY,
        topic="学习会",
        starts_at=starts,
        members=[bureau.member_a, recorder_member],
        place="会议室",
        created_by=bureau.secretary_a,
    )


def test_attendance_and_dues_are_never_recorded_by_the_member_concerned(
    bureau, scheme, meeting, recorder_member
):
    own_row = meeting.attendances.get(member=recorder_member)
    with pytest.raises(DomainError, match="Nobody records their own attendance"):
        orglife.attendance_set(
            attendance=own_row, status=Attendance.Status.PRESENT, actor=bureau.recorder_a
        )
    # The bulk action leaves the recorder's own row for another officer.
    assert (
        orglife.attendance_mark_rest(
            meeting=meeting, status=Attendance.Status.ABSENT, actor=bureau.recorder_a
        )
        == 1
    )
    own_row.refresh_from_db()
    assert own_row.status == Attendance.Status.PENDING
    with pytest.raises(DomainError, match="Nobody records their own party dues"):
        dues.dues_set(
            member=recorder_member, year=YEAR, month=MONTH, status="late", actor=bureau.recorder_a
        )
    assert (
        dues.dues_mark_month_paid(
            branch=bureau.branch_a, year=YEAR, month=MONTH, actor=bureau.recorder_a
        )
        == 2  # member A and the other member; the recorder's own month waits
    )
    # The sources cannot write what they do not own, nor more than the item gives.
    study = "deduction.study"
    assert refusal(post, bureau.member_a, scheme, source="attendance").rule == "item_source"
    assert refusal(post, bureau.member_a, scheme, code=study, points="3", source="dues").rule == (
        "points_rule"
    )


def test_an_appraisal_score_lies_between_0_and_100(bureau):
    def appraisal(points):
        return entry_post(
            member=bureau.member_a,
            year=YEAR,
            month=12,
            points=points,
            source="appraisal",
            kind="appraisal",
            source_ref="appraisal:1",
        )

    assert refusal(appraisal, "150").rule == "appraisal_range"

    def unsourced(points):
        return entry_post(
            member=bureau.member_a,
            year=YEAR,
            month=12,
            points=points,
            source="direct",
            kind="appraisal",
        )

    assert refusal(unsourced, "90").rule == "item_required"


def test_an_objection_is_not_answered_by_the_member_it_concerns(bureau, officer_member):
    publication = publicity.publication_publish(
        branch=bureau.branch_a,
        quarter=Quarter(YEAR, (MONTH - 1) // 3 + 1),
        actor=bureau.secretary_a,
        contact_name="组织委员",
        contact_phone="13900001111",
    )
    objection = publicity.objection_raise(
        publication=publication,
        member=officer_member,
        reason="我的积分少算了",
        actor=bureau.group_a,
    )
    with pytest.raises(DomainError, match="Nobody answers an objection they raised"):
        publicity.objection_answer(
            objection=objection, answer="已核实", upheld=False, actor=bureau.group_a
        )
    answered = publicity.objection_answer(
        objection=objection, answer="已核实，积分无误", upheld=False, actor=bureau.secretary_a
    )
    assert answered.answered_by == bureau.secretary_a


def test_a_veto_is_never_recorded_or_revoked_by_the_member_concerned(bureau):
    from ledger.services import veto_record

    own = MemberFactory(branch=bureau.branch_a, name="书记甲", user=bureau.secretary_a)
    with pytest.raises(DomainError, match="Nobody records a veto against themselves"):
        veto_record(
            member=own,
            year=YEAR,
            ground="fraud",
            facts="虚报",
            decided_on=timezone.localdate(),
            recorded_by=bureau.secretary_a,
        )


def test_an_appraised_secretary_closes_the_session_but_cannot_annul_its_result(bureau):
    own = MemberFactory(branch=bureau.branch_a, name="书记甲", user=bureau.secretary_a)
    session = appraisals.session_open(
        branch=bureau.branch_a,
        half_year=HalfYear(YEAR, 2),
        held_on=timezone.localdate(),
        mode="grade",
        values={
            Grade.EXCELLENT: Decimal(95),
            Grade.QUALIFIED: Decimal(85),
            Grade.BASIC: Decimal(70),
            Grade.UNQUALIFIED: Decimal(50),
        },
        evaluees=[bureau.member_a, own],
        voter_members=[bureau.member_a, own],
        representatives=[],
        opened_by=bureau.secretary_a,
    )
    for issued in appraisals.codes_issue(session=session, issued_by=bureau.secretary_a):
        appraisals.ballot_cast(
            code=issued.code,
            marks={bureau.member_a.pk: (Grade.EXCELLENT, None), own.pk: (Grade.QUALIFIED, None)},
        )
    appraisals.session_close(session=session, closed_by=bureau.secretary_a)
    assert Entry.objects.filter(member=own, kind="appraisal").exists()
    with pytest.raises(DomainError, match="appraised in this session"):
        appraisals.session_annul(session=session, reason="重新评议", annulled_by=bureau.secretary_a)
    appraisals.session_annul(session=session, reason="重新评议", annulled_by=bureau.committee_admin)
    assert Entry.objects.filter(member=own, kind="appraisal", reverses__isnull=False).exists()
