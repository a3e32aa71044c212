"""申报 and 认定 as services: every transition and refusal, deadlines, caps, concurrency."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import translation

from audit.models import AuditEvent
from core.errors import DomainError
from core.periods import Month
from declarations import deadlines, recognition, services
from declarations.models import Declaration, DeclarationLine, EvidenceFile
from declarations.recognition import (
    PARTLY,
    RECOGNISE,
    REJECT,
    CapsNeedConfirmation,
    DecisionInvalid,
    LineDecision,
    declaration_decide,
)
from ledger.models import Entry, PeriodLock
from ledger.services import entry_post
from notifications.models import Notification
from organizations.settings_services import update_branch_settings
from rules.services import item_update, scheme_for_year
from tests.declarations_support import (  # noqa: F401 (fixtures)
    THIS,
    checked,
    draft,
    english_fixture,
    media_fixture,
    recognise_all,
    scheme_fixture,
    submitted,
    volunteer,
)
from tests.factories import MemberFactory, UserFactory, grant

Status = Declaration.Status
pytestmark = pytest.mark.usefixtures("media", "english")


def refused(call, **kwargs) -> str:
    """Run a write that must be refused: its message; nothing written meanwhile."""
    counts = (
        Declaration.objects.count(),
        DeclarationLine.objects.count(),
        EvidenceFile.objects.count(),
        Entry.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert counts == (
        Declaration.objects.count(),
        DeclarationLine.objects.count(),
        EvidenceFile.objects.count(),
        Entry.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )
    return caught.value.message


def fresh(declaration):
    return Declaration.objects.get(pk=declaration.pk)


def actions(declaration) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            object_type="declarations.declaration", object_id=str(declaration.pk)
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


def decide(declaration, reviewer, *decisions, version=None):
    return declaration_decide(
        declaration=declaration,
        version=declaration.version if version is None else version,
        decisions=list(decisions),
        reviewer=reviewer,
    )


def only_line(declaration):
    return declaration.lines.get()


# --- declaring ---------------------------------------------------------------


def test_a_draft_is_prefilled_from_the_members_profile(bureau):
    declaration = services.declaration_create(
        member=bureau.member_a, month=THIS, actor=bureau.member_a_user
    )
    assert declaration.status == Status.DRAFT
    assert declaration.name == "张红梅"
    assert declaration.birth_month == "1985.05"
    assert declaration.unit_and_position == "生态保护科 科员"
    assert declaration.phone == bureau.member_a.phone
    assert actions(declaration) == ["declarations.declaration.created"]


def test_a_member_saves_lines_with_suggested_items_and_evidence(bureau, scheme):
    photo = checked("现场.png")
    declaration = draft(bureau, "河道清理志愿服务", "宣讲党史", item=volunteer(scheme))
    services.declaration_update(
        declaration=declaration,
        version=declaration.version,
        header={"name": "张红梅", "phone": "13900000000"},
        lines=[
            services.LineInput(pk=line.pk, description=line.description, files=(photo,))
            for line in declaration.lines.all()[:1]
        ],
        files=[checked("总结.pdf", b"%PDF-1.4 summary")],
        actor=bureau.member_a_user,
    )
    declaration = fresh(declaration)
    assert declaration.phone == "13900000000"
    assert [line.description for line in declaration.lines.all()] == ["河道清理志愿服务"]
    files = {f.original_name: f for f in declaration.evidence.all()}
    assert set(files) == {"现场.png", "总结.pdf"}
    assert files["现场.png"].line == declaration.lines.get()
    assert files["总结.pdf"].line is None
    assert files["总结.pdf"].kind == "pdf"
    assert len(files["现场.png"].sha256) == 64
    assert "现场" not in files["现场.png"].file.name  # stored under a random name
    assert files["现场.png"].file.storage.exists(files["现场.png"].file.name)


def test_a_member_cannot_declare_for_someone_else(bureau):
    message = refused(
        services.declaration_create,
        member=bureau.other_member_a,
        month=THIS,
        actor=bureau.member_a_user,
    )
    assert "own" in message


def test_a_month_still_to_come_cannot_be_declared(bureau):
    following = Month(THIS.year + 1, 1) if THIS.month == 12 else Month(THIS.year, THIS.month + 1)
    message = refused(
        services.declaration_create,
        member=bureau.member_a,
        month=following,
        actor=bureau.member_a_user,
    )
    assert "to come" in message


def test_one_declaration_a_month(bureau):
    draft(bureau, "一")
    message = refused(
        services.declaration_create, member=bureau.member_a, month=THIS, actor=bureau.member_a_user
    )
    assert "already exists" in message


def test_a_closed_period_cannot_be_declared(bureau):
    PeriodLock.objects.create(branch=bureau.branch_a, year=THIS.year, half=THIS.half.half)
    message = refused(
        services.declaration_create, member=bureau.member_a, month=THIS, actor=bureau.member_a_user
    )
    assert "closed period" in message


def test_an_empty_declaration_cannot_be_submitted(bureau):
    declaration = services.declaration_create(
        member=bureau.member_a, month=THIS, actor=bureau.member_a_user
    )
    message = refused(
        services.declaration_submit,
        declaration=declaration,
        version=declaration.version,
        actor=bureau.member_a_user,
    )
    assert "at least one" in message


def test_submitting_tells_the_group_and_not_the_member(bureau):
    declaration = submitted(bureau, "义务植树")
    assert fresh(declaration).status == Status.SUBMITTED
    told = set(
        Notification.objects.filter(kind=Notification.Kind.REVIEW_WAITING).values_list(
            "user__username", flat=True
        )
    )
    assert told == {"secretary_a", "group_a", "recorder_a"}
    note = Notification.objects.filter(user=bureau.group_a).get()
    assert note.url == f"/declarations/{declaration.pk}/review/"
    assert "submitted" in actions(declaration)[-1]


def test_a_double_submit_is_refused_and_changes_nothing(bureau):
    declaration = submitted(bureau)
    message = refused(
        services.declaration_submit,
        declaration=fresh(declaration),
        version=declaration.version,
        actor=bureau.member_a_user,
    )
    assert "already been submitted" in message


def test_a_stale_page_cannot_submit(bureau):
    declaration = draft(bureau, "一")
    message = refused(
        services.declaration_submit,
        declaration=declaration,
        version=declaration.version - 1,
        actor=bureau.member_a_user,
    )
    assert "changed by someone else" in message


def test_a_member_withdraws_before_review_and_edits_again(bureau):
    declaration = submitted(bureau)
    services.declaration_withdraw(
        declaration=declaration, version=declaration.version, actor=bureau.member_a_user
    )
    assert fresh(declaration).status == Status.DRAFT
    assert actions(declaration)[-1] == "declarations.declaration.withdrawn"


def test_a_declaration_under_review_cannot_be_withdrawn(bureau):
    declaration = submitted(bureau)
    recognition.declaration_review_start(
        declaration=declaration, version=declaration.version, reviewer=bureau.group_a
    )
    assert fresh(declaration).status == Status.UNDER_REVIEW
    message = refused(
        services.declaration_withdraw,
        declaration=fresh(declaration),
        version=declaration.version,
        actor=bureau.member_a_user,
    )
    assert "not yet under review" in message


def test_a_submitted_declaration_cannot_be_edited(bureau):
    declaration = submitted(bureau)
    message = refused(
        services.declaration_update,
        declaration=fresh(declaration),
        version=declaration.version,
        header={"name": "张红梅"},
        lines=[services.LineInput(pk=None, description="改")],
        actor=bureau.member_a_user,
    )
    assert "can no longer be changed" in message


def test_a_member_may_suggest_only_declarable_current_items(bureau, scheme):
    declaration = draft(bureau, "一")
    base = scheme.items.get(code="base.1")
    retired = scheme.items.get(code="dedication.ecology")
    retired.is_retired = True
    retired.save()
    for item in (base, retired):
        message = refused(
            services.declaration_update,
            declaration=declaration,
            version=declaration.version,
            header={"name": "张红梅"},
            lines=[services.LineInput(pk=None, description="二", suggested_item=item)],
            actor=bureau.member_a_user,
        )
        assert "may declare" in message


def test_a_refused_save_leaves_no_file_behind(bureau, media):
    declaration = draft(bureau, "一")
    with pytest.raises(DomainError):
        services.declaration_update(
            declaration=declaration,
            version=declaration.version,
            header={"name": ""},  # refused after the files of the lines are known
            lines=[services.LineInput(pk=None, description="二", files=(checked(),))],
            actor=bureau.member_a_user,
        )
    assert EvidenceFile.objects.count() == 0
    assert not any(p.is_file() for p in media.rglob("*"))


def test_more_than_twenty_files_are_refused(bureau):
    declaration = draft(bureau, "一", files=[checked(f"p{i}.png") for i in range(20)])
    message = refused(
        services.declaration_update,
        declaration=declaration,
        version=declaration.version,
        header={"name": "张红梅"},
        lines=[services.LineInput(pk=None, description="二")],
        files=[checked("one-more.png")],
        actor=bureau.member_a_user,
    )
    assert "at most 20 files" in message


# --- deadlines and late declarations -----------------------------------------


def on(monkeypatch, day: dt.date) -> None:
    monkeypatch.setattr(deadlines, "today", lambda: day)


def test_the_deadline_defaults_to_the_fifth_of_the_next_month(bureau, monkeypatch):
    assert deadlines.deadline(Month(2025, 12), 5) == dt.date(2026, 1, 5)
    last = deadlines.previous(THIS)
    on(monkeypatch, deadlines.deadline(last, 5))
    services.declaration_create(member=bureau.member_a, month=last, actor=bureau.member_a_user)
    on(monkeypatch, deadlines.deadline(last, 5) + dt.timedelta(days=1))
    message = refused(
        services.declaration_create,
        member=bureau.member_b,
        month=last,
        actor=bureau.member_b_user,
    )
    assert "closed on" in message
    assert "recorder" in message


def test_a_draft_left_past_the_deadline_cannot_be_submitted(bureau, monkeypatch):
    last = deadlines.previous(THIS)
    on(monkeypatch, deadlines.deadline(last, 5))
    declaration = draft(bureau, "一", month=last)
    on(monkeypatch, deadlines.deadline(last, 5) + dt.timedelta(days=1))
    message = refused(
        services.declaration_submit,
        declaration=declaration,
        version=declaration.version,
        actor=bureau.member_a_user,
    )
    assert "closed on" in message


def test_a_branch_sets_its_own_deadline(bureau, monkeypatch):
    update_branch_settings(
        actor=bureau.secretary_a, branch=bureau.branch_a, declaration_deadline_day=10
    )
    last = deadlines.previous(THIS)
    on(monkeypatch, deadlines.deadline(last, 10))
    services.declaration_create(member=bureau.member_a, month=last, actor=bureau.member_a_user)
    assert deadlines.deadline_day_of(bureau.branch_b) == 5
    with pytest.raises(DomainError):
        update_branch_settings(
            actor=bureau.group_a, branch=bureau.branch_a, declaration_deadline_day=12
        )
    with pytest.raises(DomainError):
        update_branch_settings(
            actor=bureau.secretary_a, branch=bureau.branch_a, declaration_deadline_day=31
        )


def test_the_recorder_opens_a_late_declaration_with_a_reason(bureau, monkeypatch):
    last = deadlines.previous(THIS)
    on(monkeypatch, deadlines.deadline(last, 5) + dt.timedelta(days=3))
    declaration = services.declaration_open_late(
        member=bureau.member_a, month=last, reason="出差未能按时申报", actor=bureau.recorder_a
    )
    assert declaration.late_opened_by == bureau.recorder_a
    assert declaration.late_reason == "出差未能按时申报"
    note = Notification.objects.get(user=bureau.member_a_user)
    assert note.url == f"/declarations/{declaration.pk}/edit/"
    services.declaration_update(
        declaration=declaration,
        version=declaration.version,
        header=services.profile_header(bureau.member_a),
        lines=[services.LineInput(pk=None, description="补报")],
        actor=bureau.member_a_user,
    )
    services.declaration_submit(
        declaration=declaration, version=declaration.version, actor=bureau.member_a_user
    )
    assert fresh(declaration).status == Status.SUBMITTED
    assert "declarations.declaration.late_opened" in actions(declaration)


def test_the_late_opening_also_reopens_a_draft_left_too_long(bureau, monkeypatch):
    last = deadlines.previous(THIS)
    on(monkeypatch, deadlines.deadline(last, 5))
    declaration = draft(bureau, "一", month=last)
    on(monkeypatch, deadlines.deadline(last, 5) + dt.timedelta(days=1))
    services.declaration_open_late(
        member=bureau.member_a, month=last, reason="系统故障", actor=bureau.secretary_a
    )
    services.declaration_submit(
        declaration=fresh(declaration),
        version=fresh(declaration).version,
        actor=bureau.member_a_user,
    )
    assert fresh(declaration).status == Status.SUBMITTED


@pytest.mark.parametrize("who", ["group_a", "member_a_user", "secretary_b"])
def test_only_the_recorder_or_secretary_opens_a_late_declaration(bureau, who):
    message = refused(
        services.declaration_open_late,
        member=bureau.member_a,
        month=deadlines.previous(THIS),
        reason="理由",
        actor=getattr(bureau, who),
    )
    assert "recorder or secretary" in message


def test_a_late_declaration_needs_a_reason_and_a_past_month(bureau):
    assert "reason" in refused(
        services.declaration_open_late,
        member=bureau.member_a,
        month=THIS,
        reason=" ",
        actor=bureau.recorder_a,
    )
    following = Month(THIS.year + 1, 1) if THIS.month == 12 else Month(THIS.year, THIS.month + 1)
    assert "to come" in refused(
        services.declaration_open_late,
        member=bureau.member_a,
        month=following,
        reason="理由",
        actor=bureau.recorder_a,
    )


# --- recognising -------------------------------------------------------------


def test_recognised_lines_become_entries_in_the_declarations_month(bureau, scheme):
    photo = checked("现场.png")
    declaration = submitted(bureau, "河道清理", files=[photo])
    recognise_all(declaration, bureau.group_a, volunteer(scheme), points="2")
    declaration = fresh(declaration)
    assert declaration.status == Status.RECOGNISED
    assert declaration.decided_by == bureau.group_a
    line = only_line(declaration)
    entry = line.entry
    assert (entry.year, entry.month, entry.points) == (THIS.year, THIS.month, Decimal("2.0"))
    assert entry.source == "declaration"
    assert entry.source_ref == f"declaration-line:{line.pk}"
    assert entry.recorded_by == bureau.group_a
    assert entry.item == volunteer(scheme)
    assert "河道清理" in entry.reason
    assert "现场.png" in entry.evidence
    assert photo.sha256[:12] in entry.evidence
    assert actions(declaration)[-1] == "declarations.declaration.decided"
    decided = AuditEvent.objects.filter(action="declarations.declaration.decided").get()
    assert decided.before["status"] == "submitted"
    assert decided.after["status"] == "recognised"
    note = Notification.objects.get(user=bureau.member_a_user)
    assert note.kind == Notification.Kind.DECLARATION_DECIDED
    assert note.url == f"/declarations/{declaration.pk}/"


def test_a_line_recognised_in_part_and_one_rejected_make_a_partly_recognised_declaration(
    bureau, scheme
):
    declaration = submitted(bureau, "一", "二")
    first, second = declaration.lines.all()
    decide(
        declaration,
        bureau.recorder_a,
        LineDecision(first, PARTLY, volunteer(scheme), "1.5", "材料不全"),
        LineDecision(second, REJECT, reason="不属于奉献内容"),
    )
    assert fresh(declaration).status == Status.PARTLY_RECOGNISED
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.outcome, first.points, first.reason) == ("partly", Decimal("1.5"), "材料不全")
    assert (second.outcome, second.entry, second.reason) == ("rejected", None, "不属于奉献内容")
    assert Entry.objects.count() == 1


def test_rejecting_every_line_rejects_the_declaration(bureau):
    declaration = submitted(bureau)
    decide(
        declaration, bureau.secretary_a, LineDecision(only_line(declaration), REJECT, reason="无")
    )
    assert fresh(declaration).status == Status.REJECTED
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    ("action", "points", "reason", "expected"),
    [
        (RECOGNISE, "6", "", "outside the rules"),  # range 0.5–5
        (RECOGNISE, "0.2", "", "outside the rules"),
        (RECOGNISE, "1.25", "", "one decimal place"),
        (RECOGNISE, "abc", "", "not a number"),
        (PARTLY, "5", "少", "fewer points"),
        (PARTLY, "1", "", "reason"),
        (REJECT, "", "", "reason"),
    ],
)
def test_points_outside_the_items_rules_are_refused(
    bureau, scheme, action, points, reason, expected
):
    declaration = submitted(bureau)
    with pytest.raises(DecisionInvalid) as caught:
        decide(
            declaration,
            bureau.group_a,
            LineDecision(only_line(declaration), action, volunteer(scheme), points, reason),
        )
    assert expected in caught.value.errors[only_line(declaration).pk]
    assert fresh(declaration).status == Status.SUBMITTED
    assert not Entry.objects.exists()


def test_fixed_and_level_items_take_only_their_values(bureau, scheme):
    item = volunteer(scheme)
    item_update(
        item=item,
        points_kind="levels",
        levels=[{"name": "一般", "points": "1"}, {"name": "突出", "points": "3"}],
    )
    declaration = submitted(bureau)
    with pytest.raises(DecisionInvalid):
        decide(
            declaration, bureau.group_a, LineDecision(only_line(declaration), RECOGNISE, item, "2")
        )
    decide(declaration, bureau.group_a, LineDecision(only_line(declaration), RECOGNISE, item, "3"))
    assert Entry.objects.get().points == Decimal("3.0")


def test_only_dedication_items_of_the_year_can_be_recognised(bureau, scheme):
    declaration = submitted(bureau)
    other_year = scheme_for_year(branch=bureau.branch_a, year=THIS.year - 1)
    for item in (
        scheme.items.get(code="base.1"),
        other_year.items.get(code="dedication.volunteer"),
    ):
        with pytest.raises(DecisionInvalid):
            decide(
                declaration,
                bureau.group_a,
                LineDecision(only_line(declaration), RECOGNISE, item, "2"),
            )


def test_every_line_must_be_decided(bureau, scheme):
    declaration = submitted(bureau, "一", "二")
    message = refused(
        declaration_decide,
        declaration=declaration,
        version=declaration.version,
        decisions=[LineDecision(declaration.lines.first(), RECOGNISE, volunteer(scheme), "2")],
        reviewer=bureau.group_a,
    )
    assert "every line" in message


def test_nobody_reviews_their_own_declaration(bureau, scheme):
    grant(bureau.member_a_user, bureau.branch_a, "group_member")
    declaration = submitted(bureau)
    assert "own declaration" in refused(
        recognise_all,
        declaration=declaration,
        reviewer=bureau.member_a_user,
        item=volunteer(scheme),
    )
    assert "own declaration" in refused(
        recognition.declaration_return,
        declaration=declaration,
        version=declaration.version,
        reason="补充",
        reviewer=bureau.member_a_user,
    )


@pytest.mark.parametrize("who", ["member_b_user", "secretary_b", "committee_admin"])
def test_only_the_branchs_group_reviews(bureau, scheme, who):
    declaration = submitted(bureau)
    message = refused(
        recognise_all,
        declaration=declaration,
        reviewer=getattr(bureau, who),
        item=volunteer(scheme),
    )
    assert "assessment group" in message


def test_a_draft_or_decided_declaration_cannot_be_reviewed(bureau, scheme):
    declaration = draft(bureau, "一")
    assert "nothing to review" in refused(
        recognise_all, declaration=declaration, reviewer=bureau.group_a, item=volunteer(scheme)
    )
    services.declaration_submit(
        declaration=declaration, version=declaration.version, actor=bureau.member_a_user
    )
    recognise_all(declaration, bureau.group_a, volunteer(scheme))
    assert "nothing to review" in refused(
        recognise_all,
        declaration=fresh(declaration),
        reviewer=bureau.recorder_a,
        item=volunteer(scheme),
    )


def test_a_decision_in_a_closed_period_changes_nothing(bureau, scheme):
    declaration = submitted(bureau)
    PeriodLock.objects.create(branch=bureau.branch_a, year=THIS.year, half=THIS.half.half)
    message = refused(
        recognise_all, declaration=declaration, reviewer=bureau.group_a, item=volunteer(scheme)
    )
    assert "closed" in message
    declaration = fresh(declaration)
    assert declaration.status == Status.SUBMITTED
    assert only_line(declaration).outcome == "pending"


# --- return and resubmit -----------------------------------------------------


def test_return_for_more_information_and_resubmit(bureau, scheme):
    declaration = submitted(bureau)
    recognition.declaration_return(
        declaration=declaration,
        version=declaration.version,
        reason="请补充现场照片",
        reviewer=bureau.group_a,
    )
    declaration = fresh(declaration)
    assert (declaration.status, declaration.return_reason) == (Status.RETURNED, "请补充现场照片")
    note = Notification.objects.get(user=bureau.member_a_user)
    assert note.kind == Notification.Kind.DECLARATION_RETURNED
    assert "请补充现场照片" in note.title
    line = only_line(declaration)
    services.declaration_update(
        declaration=declaration,
        version=declaration.version,
        header={"name": "张红梅"},
        lines=[services.LineInput(pk=line.pk, description=line.description, files=(checked(),))],
        actor=bureau.member_a_user,
    )
    services.declaration_submit(
        declaration=declaration, version=declaration.version, actor=bureau.member_a_user
    )
    declaration = fresh(declaration)
    assert (declaration.status, declaration.submissions) == (Status.SUBMITTED, 2)
    assert Notification.objects.filter(user=bureau.group_a).count() == 2
    recognise_all(declaration, bureau.group_a, volunteer(scheme))
    assert [a.rsplit(".", 1)[1] for a in actions(declaration)] == [
        "created",
        "updated",
        "submitted",
        "returned",
        "updated",
        "resubmitted",
        "decided",
    ]
    assert fresh(declaration).status == Status.RECOGNISED


def test_returning_needs_a_reason(bureau):
    declaration = submitted(bureau)
    assert "more information" in refused(
        recognition.declaration_return,
        declaration=declaration,
        version=declaration.version,
        reason="",
        reviewer=bureau.group_a,
    )


# --- caps ----------------------------------------------------------------------


def test_a_cap_that_leaves_less_asks_the_reviewer_to_confirm(bureau, scheme):
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
    line = only_line(declaration)
    with pytest.raises(CapsNeedConfirmation) as caught:
        decide(declaration, bureau.group_a, LineDecision(line, RECOGNISE, item, "5"))
    short = caught.value.shortfalls[line.pk]
    assert (short.room, short.asked) == (Decimal("3.0"), Decimal("5"))
    assert (
        "yearly cap of 志愿服务 leaves 3 points; this time 5 points are given" in short.explanation
    )
    assert fresh(declaration).status == Status.SUBMITTED
    assert Entry.objects.count() == 1

    decide(
        fresh(declaration),
        bureau.group_a,
        LineDecision(line, RECOGNISE, item, "5", confirm_reduced=True),
    )
    line.refresh_from_db()
    assert (line.outcome, line.points) == ("partly", Decimal("3.0"))
    assert "yearly cap" in line.reason
    assert fresh(declaration).status == Status.PARTLY_RECOGNISED


def test_the_category_cap_counts_earlier_lines_of_the_same_declaration(bureau, scheme):
    scheme.category_caps = {"volunteer": "4"}
    scheme.save()
    declaration = submitted(bureau, "一", "二")
    first, second = declaration.lines.all()
    item = volunteer(scheme)
    with pytest.raises(CapsNeedConfirmation) as caught:
        decide(
            declaration,
            bureau.group_a,
            LineDecision(first, RECOGNISE, item, "3"),
            LineDecision(second, RECOGNISE, item, "3"),
        )
    assert list(caught.value.shortfalls) == [second.pk]
    assert "category" in caught.value.shortfalls[second.pk].explanation


def test_a_full_cap_confirmed_rejects_the_line_with_the_explanation(bureau, scheme):
    item = volunteer(scheme)
    item_update(item=item, cap_month=Decimal("2"))
    entry_post(
        member=bureau.member_a,
        year=THIS.year,
        month=THIS.month,
        points="2",
        source="direct",
        item=item,
    )
    declaration = submitted(bureau)
    line = only_line(declaration)
    decide(
        declaration, bureau.group_a, LineDecision(line, RECOGNISE, item, "1", confirm_reduced=True)
    )
    line.refresh_from_db()
    assert line.outcome == "rejected"
    assert "monthly cap" in line.reason
    assert fresh(declaration).status == Status.REJECTED


# --- two reviewers at once ---------------------------------------------------


def test_a_decision_made_on_a_stale_page_is_refused(bureau, scheme):
    declaration = submitted(bureau)
    seen = declaration.version
    stale_copy = fresh(declaration)
    recognition.declaration_return(
        declaration=declaration, version=seen, reason="补充", reviewer=bureau.group_a
    )
    services.declaration_submit(
        declaration=fresh(declaration),
        version=fresh(declaration).version,
        actor=bureau.member_a_user,
    )
    # The other reviewer's page still shows the first submission.
    message = refused(
        declaration_decide,
        declaration=stale_copy,
        version=seen,
        decisions=[LineDecision(only_line(declaration), RECOGNISE, volunteer(scheme), "2")],
        reviewer=bureau.recorder_a,
    )
    assert "changed by someone else" in message


def test_of_two_decisions_on_the_same_version_only_the_first_counts(bureau, scheme):
    declaration = submitted(bureau)
    version = declaration.version
    copy = fresh(declaration)
    recognise_all(declaration, bureau.group_a, volunteer(scheme))
    with pytest.raises(DomainError):
        decide(
            copy,
            bureau.recorder_a,
            LineDecision(only_line(copy), REJECT, reason="x"),
            version=version,
        )
    assert Entry.objects.count() == 1
    assert fresh(declaration).status == Status.RECOGNISED


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_deciding_at_once_on_postgresql_exactly_one_wins():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two connections writing at once")
    from tests.factories import make_bureau

    bureau = make_bureau()
    item = volunteer(scheme_for_year(branch=bureau.branch_a, year=THIS.year))
    declaration = submitted(bureau)
    version = declaration.version
    line_pk = only_line(declaration).pk
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def review(name: str, reviewer) -> None:
        translation.activate("en")  # the language is per thread
        try:
            copy = Declaration.objects.select_related("member", "branch").get(pk=declaration.pk)
            line = DeclarationLine.objects.get(pk=line_pk)
            barrier.wait()
            decide(copy, reviewer, LineDecision(line, RECOGNISE, item, "2"), version=version)
            results[name] = "won"
        except DomainError as exc:
            results[name] = exc.message
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=review, args=("group", bureau.group_a)),
        threading.Thread(target=review, args=("recorder", bureau.recorder_a)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values())[-1] == "won"
    assert list(results.values()).count("won") == 1
    loser = next(v for v in results.values() if v != "won")
    assert "changed by someone else" in loser
    assert Entry.objects.filter(source="declaration").count() == 1
    assert Declaration.objects.get(pk=declaration.pk).status == Status.RECOGNISED


def test_a_reviewer_taking_up_and_a_member_withdrawing_at_once_cannot_both_win(bureau):
    declaration = submitted(bureau)
    copy = fresh(declaration)
    services.declaration_withdraw(
        declaration=declaration, version=declaration.version, actor=bureau.member_a_user
    )
    message = refused(
        recognition.declaration_review_start,
        declaration=copy,
        version=copy.version,
        reviewer=bureau.group_a,
    )
    assert "submitted" in message or "changed" in message


def test_a_member_moved_to_another_branch_is_reviewed_where_they_declared(bureau, scheme):
    newcomer_user = UserFactory(username="newcomer")
    member = MemberFactory(branch=bureau.branch_a, name="周新", user=newcomer_user)
    declaration = submitted(bureau, member=member)
    assert declaration.branch == bureau.branch_a
    recognise_all(declaration, bureau.group_a, volunteer(scheme))
    assert Entry.objects.get().member == member


def test_a_declaration_cannot_be_withdrawn_after_the_deadline(bureau, monkeypatch):
    last = deadlines.previous(THIS)
    on(monkeypatch, deadlines.deadline(last, 5))
    declaration = submitted(bureau, month=last)
    on(monkeypatch, deadlines.deadline(last, 5) + dt.timedelta(days=1))
    message = refused(
        services.declaration_withdraw,
        declaration=declaration,
        version=declaration.version,
        actor=bureau.member_a_user,
    )
    assert "can no longer be withdrawn" in message
