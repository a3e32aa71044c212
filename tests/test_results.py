"""结果运用: the award-eligible list, help talks, the two-year handling rule, the branch's
proposal and the committee's decision (plan 二, DESIGN.md §2)."""

from datetime import date, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appraisals.models import AppraisalSession, Mode
from audit.models import AuditEvent
from core.errors import DomainError, PermissionDenied
from declarations import deadlines
from ledger.services import veto_record
from notifications.models import Notification
from organizations.models import Member
from results.models import HandlingCase, HelpTalk
from results.selectors import branch_results
from results.services import handling_decide, handling_propose, help_talk_record
from summaries.closing import period_close
from tests.factories import MemberFactory, post_points

YEAR = 2026
BEFORE = YEAR - 1


pytestmark = pytest.mark.usefixtures("english")


def post(member, points, year=YEAR, code="dedication.volunteer", month=3):
    return post_points(member, points, year=year, code=code, month=month)


def close_year(branch, secretary, year=YEAR):
    """Close both halves, as on 10 January of the next year (December's deadline passed)."""
    for half in (1, 2):
        AppraisalSession.objects.create(
            branch=branch,
            year=year,
            half=half,
            held_on=date(year, 6 * half, 20),
            mode=Mode.GRADE,
            status="closed",
        )
        with mock.patch.object(deadlines, "today", return_value=date(year + 1, 1, 10)):
            period_close(branch=branch, year=year, half=half, closed_by=secretary)


@pytest.fixture
def ranked(bureau):
    """Branch A with ten members: 张红梅 first, 李建国 last in both years, 赵卫东 vetoed."""
    a = bureau.branch_a
    others = [MemberFactory(branch=a, name=f"党员{n}") for n in range(7)]
    vetoed = MemberFactory(branch=a, name="赵卫东")
    for year in (BEFORE, YEAR):
        post(bureau.member_a, "20", year=year)
        for n, member in enumerate(others):
            post(member, str(n + 2), year=year)
        post(bureau.other_member_a, "1", year=year)  # last of the non-vetoed
        post(vetoed, "30", year=year)
    veto_record(
        member=vetoed, year=YEAR, ground="fraud", facts="弄虚作假", decided_on=date(YEAR, 1, 9)
    )
    bureau.vetoed = vetoed
    bureau.others = others
    return bureau


def talk(bureau, member, year=YEAR, who=None, **overrides):
    values = {
        "held_on": timezone.localdate(),
        "talked_by": "支部书记 周建华",
        "content": "指出差距，明确改进措施。",
        "response": "接受批评，表示改正。",
    }
    values.update(overrides)
    return help_talk_record(
        member=member, year=year, recorded_by=who or bureau.secretary_a, **values
    )


# The ranking's lists -----------------------------------------------------------


def test_the_top_20_percent_not_vetoed_are_eligible_for_nomination(ranked):
    results = branch_results(ranked.branch_a, YEAR)
    assert results.ranked_count == 10
    # rank <= 0.2 x 10: the first two; the vetoed member's 130 points do not count.
    assert [r.member.name for r in results.award_eligible] == ["张红梅", "党员6"]


def test_help_talks_are_due_for_the_lowest_and_the_vetoed(ranked):
    due = [d.member.name for d in branch_results(ranked.branch_a, YEAR).talks_due]
    assert due == ["李建国", "赵卫东"]


def test_an_officer_records_a_help_talk(ranked):
    recorded = talk(ranked, ranked.other_member_a, who=ranked.group_a)
    assert recorded.branch == ranked.branch_a
    assert recorded.recorded_by == ranked.group_a
    event = AuditEvent.objects.get(action="results.help_talk.recorded")
    assert event.after["content"] == "指出差距，明确改进措施。"
    due = branch_results(ranked.branch_a, YEAR).talks_due[0]
    assert due.talks == [recorded]


def test_a_talk_with_a_member_not_due_one_is_refused(ranked):
    with pytest.raises(DomainError, match="not due a help talk"):
        talk(ranked, ranked.member_a)
    assert not HelpTalk.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"talked_by": " "}, "who held the talk"),
        ({"content": ""}, "what the talk was about"),
        ({"response": ""}, "member's response"),
        ({"held_on": timezone.localdate() + timedelta(days=3)}, "future"),
        ({"held_on": date(BEFORE, 12, 1)}, "held in 2026 or later"),
        ({"held_on": None}, "date of the talk"),
        ({"content": "长" * 4001}, "too long"),
    ],
)
def test_an_incomplete_talk_is_refused(ranked, overrides, message):
    with pytest.raises(DomainError, match=message):
        talk(ranked, ranked.other_member_a, **overrides)
    assert not HelpTalk.objects.exists()


@pytest.mark.parametrize("who", ["secretary_b", "member_a_user", "committee_admin"])
def test_only_the_branchs_officers_record_its_talks(ranked, who):
    with pytest.raises(PermissionDenied):
        talk(ranked, ranked.other_member_a, who=getattr(ranked, who))


# The two-year rule -------------------------------------------------------------


def talk_on_last_year(bureau, member, held_on=date(YEAR, 1, 10)):
    """The help talk on the first year's result, held early in the second (经教育后)."""
    return talk(bureau, member, year=BEFORE, held_on=held_on)


def test_bottom_two_years_running_after_a_talk_makes_a_candidate(ranked):
    results = branch_results(ranked.branch_a, YEAR)
    assert [c.member.name for c in results.awaiting_talk] == ["李建国"]
    assert results.candidates == []
    # A talk only on this year's result comes too late: the plan wants the member
    # educated after the first year, before the second year's result.
    talk(ranked, ranked.other_member_a)
    assert branch_results(ranked.branch_a, YEAR).candidates == []
    talk_on_last_year(ranked, ranked.other_member_a)
    results = branch_results(ranked.branch_a, YEAR)
    assert [c.member.name for c in results.candidates] == ["李建国"]
    candidate = results.candidates[0]
    assert candidate.previous.standing.help_talk_due
    assert candidate.current.standing.help_talk_due


def test_a_talk_on_last_years_result_also_counts(ranked):
    HelpTalk.objects.create(
        branch=ranked.branch_a,
        member=ranked.other_member_a,
        year=BEFORE,
        held_on=date(YEAR, 1, 10),
        talked_by="支部书记",
        content="谈话",
        response="表态",
    )
    assert [c.member.name for c in branch_results(ranked.branch_a, YEAR).candidates] == ["李建国"]


def test_vetoed_this_year_but_not_bottom_last_year_is_not_a_candidate(ranked):
    talk(ranked, ranked.vetoed)
    results = branch_results(ranked.branch_a, YEAR)
    names = [c.member.name for c in results.candidates + results.awaiting_talk]
    assert "赵卫东" not in names  # 130 points and no veto in 2025: first, not bottom


def test_bottom_in_one_year_only_is_not_a_candidate(ranked):
    post(ranked.other_member_a, "40", year=BEFORE)  # now first in 2025
    talk(ranked, ranked.other_member_a)
    results = branch_results(ranked.branch_a, YEAR)
    assert results.candidates == []
    assert results.awaiting_talk == []


# Proposal and decision ---------------------------------------------------------


@pytest.fixture
def candidate(ranked):
    talk_on_last_year(ranked, ranked.other_member_a)
    close_year(ranked.branch_a, ranked.secretary_a)
    return ranked


def test_a_talk_held_after_the_second_years_result_does_not_count(ranked):
    close_year(ranked.branch_a, ranked.secretary_a)
    HelpTalk.objects.create(  # on 2025's result, but held after 2026 was closed
        branch=ranked.branch_a,
        member=ranked.other_member_a,
        year=BEFORE,
        held_on=timezone.localdate() + timedelta(days=1),
        talked_by="支部书记",
        content="谈话",
        response="表态",
    )
    results = branch_results(ranked.branch_a, YEAR)
    assert results.candidates == []
    assert [c.member.name for c in results.awaiting_talk] == ["李建国"]


def propose(bureau, who=None, member=None, reasons="谈话后仍无明显改进。"):
    return handling_propose(
        member=member or bureau.other_member_a,
        year=YEAR,
        reasons=reasons,
        proposed_by=who or bureau.secretary_a,
    )


def test_the_secretary_proposes_handling_for_a_candidate(candidate):
    case = propose(candidate)
    assert case.status == HandlingCase.Status.PROPOSED
    assert case.proposed_by == candidate.secretary_a
    assert AuditEvent.objects.filter(action="results.handling.proposed").count() == 1
    note = Notification.objects.get(user=candidate.committee_admin)
    assert "李建国" in note.title
    assert note.url == reverse("results:case", kwargs={"pk": case.pk})


def test_a_proposal_before_the_year_is_closed_is_refused(ranked):
    talk_on_last_year(ranked, ranked.other_member_a)
    with pytest.raises(DomainError, match="not closed"):
        propose(ranked)
    assert not HandlingCase.objects.exists()


def test_a_proposal_for_a_member_who_is_not_a_candidate_is_refused(candidate):
    with pytest.raises(DomainError, match="not a candidate"):
        propose(candidate, member=candidate.member_a)
    with pytest.raises(DomainError, match="reasons"):
        propose(candidate, reasons="")
    assert not HandlingCase.objects.exists()


@pytest.mark.parametrize("who", ["group_a", "committee_admin", "secretary_b"])
def test_only_the_branch_secretary_proposes(candidate, who):
    with pytest.raises(PermissionDenied):
        propose(candidate, who=getattr(candidate, who))


def test_a_second_proposal_while_one_is_open_is_refused(candidate):
    propose(candidate)
    with pytest.raises(DomainError, match="already exists"):
        propose(candidate)


def test_the_committee_approves_with_a_note_and_nothing_else_changes(candidate):
    case = propose(candidate)
    decided = handling_decide(
        case=case, approve=True, note="同意，报市直机关工委。", decided_by=candidate.committee_admin
    )
    assert decided.status == HandlingCase.Status.APPROVED
    assert decided.decided_by == candidate.committee_admin
    assert decided.decided_at
    event = AuditEvent.objects.get(action="results.handling.approved")
    assert event.before["status"] == "proposed"
    assert event.after["status"] == "approved"
    member = Member.objects.get(pk=candidate.other_member_a.pk)
    assert member.is_active
    assert member.standing == Member.Standing.FULL
    assert Notification.objects.filter(user=candidate.secretary_a).exists()


def test_after_a_refusal_the_branch_may_propose_again(candidate):
    case = propose(candidate)
    handling_decide(
        case=case, approve=False, note="再观察一年。", decided_by=candidate.committee_admin
    )
    assert AuditEvent.objects.filter(action="results.handling.rejected").exists()
    assert propose(candidate).pk != case.pk


def test_deciding_needs_the_committee_a_note_and_a_pending_case(candidate):
    case = propose(candidate)
    with pytest.raises(PermissionDenied):
        handling_decide(case=case, approve=True, note="同意", decided_by=candidate.secretary_a)
    with pytest.raises(DomainError, match="note"):
        handling_decide(case=case, approve=True, note="", decided_by=candidate.committee_admin)
    handling_decide(case=case, approve=True, note="同意", decided_by=candidate.committee_admin)
    with pytest.raises(DomainError, match="already been decided"):
        handling_decide(case=case, approve=False, note="撤回", decided_by=candidate.committee_admin)


# Pages -------------------------------------------------------------------------


def branch_url(name="branch", code="zb1", year=YEAR, **kwargs):
    return reverse(f"results:{name}", kwargs={"code": code, "year": year, **kwargs})


def test_the_results_page_shows_the_three_lists(candidate, client_for):
    response = client_for(candidate.group_a).get(branch_url())
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="awards-table"' in text
    assert "党员6" in text
    assert f'data-testid="talk-new-{candidate.vetoed.pk}"' in text
    assert 'data-testid="propose-' not in text  # a group member does not propose
    secretary_text = client_for(candidate.secretary_a).get(branch_url()).content.decode()
    assert f'data-testid="propose-{candidate.other_member_a.pk}"' in secretary_text


def test_the_award_list_prints(ranked, client_for):
    text = client_for(ranked.secretary_a).get(branch_url("awards_print")).content.decode()
    assert 'data-testid="awards-sheet"' in text
    assert "张红梅" in text
    assert "李建国" not in text
    assert "provisional" in text


def test_a_talk_is_recorded_through_the_form(ranked, client_for):
    url = branch_url("talk_new", member_pk=ranked.other_member_a.pk)
    client = client_for(ranked.group_a)
    assert client.get(url).status_code == 200
    response = client.post(url, {"held_on": "", "talked_by": "", "content": "", "response": ""})
    assert response.status_code == 200
    assert not HelpTalk.objects.exists()
    response = client.post(
        url,
        {
            "held_on": timezone.localdate().isoformat(),
            "talked_by": "支部书记",
            "content": "谈心谈话",
            "response": "愿意改进",
        },
    )
    assert response.status_code == 302
    assert HelpTalk.objects.count() == 1


def test_a_refused_talk_shows_the_reason_on_the_form(ranked, client_for):
    url = branch_url("talk_new", member_pk=ranked.member_a.pk)
    response = client_for(ranked.secretary_a).post(
        url,
        {
            "held_on": timezone.localdate().isoformat(),
            "talked_by": "支部书记",
            "content": "谈话",
            "response": "表态",
        },
    )
    assert response.status_code == 200
    assert "not due a help talk" in response.content.decode()


def test_the_proposal_and_decision_go_through_the_pages(candidate, client_for):
    url = branch_url("propose", member_pk=candidate.other_member_a.pk)
    secretary = client_for(candidate.secretary_a)
    assert secretary.get(url).status_code == 200
    response = secretary.post(url, {"reasons": "两年末位，谈话后无明显改进。"})
    case = HandlingCase.objects.get()
    assert response["Location"] == reverse("results:case", kwargs={"pk": case.pk})
    case_url = response["Location"]
    assert 'data-testid="decide-save"' not in secretary.get(case_url).content.decode()
    response = secretary.post(case_url, {"decision": "approve", "note": "x"}, follow=True)
    assert "cannot be decided here" in response.content.decode()

    committee = client_for(candidate.committee_admin)
    pending = committee.get(reverse("results:committee", kwargs={"year": YEAR}))
    assert case_url in pending.content.decode()
    assert committee.post(case_url, {"decision": "approve", "note": ""}).status_code == 200
    committee.post(case_url, {"decision": "reject", "note": "证据不足"})
    case.refresh_from_db()
    assert case.status == HandlingCase.Status.REJECTED
    assert case.decision_note == "证据不足"


@pytest.mark.parametrize("who", ["secretary_b", "member_a_user"])
def test_other_branches_and_members_get_404(candidate, client_for, who):
    case = propose(candidate)
    client = client_for(getattr(candidate, who))
    for url in (
        branch_url(),
        branch_url("awards_print"),
        branch_url("talk_new", member_pk=candidate.other_member_a.pk),
        branch_url("propose", member_pk=candidate.other_member_a.pk),
        reverse("results:case", kwargs={"pk": case.pk}),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(branch_url("propose", member_pk=candidate.other_member_a.pk)).status_code == 404
    )
    assert client.get(reverse("results:committee", kwargs={"year": YEAR})).status_code == 404


def test_a_member_of_another_branch_in_the_url_is_404(candidate, client_for):
    url = branch_url("talk_new", member_pk=candidate.member_b.pk)
    assert client_for(candidate.secretary_a).get(url).status_code == 404


def test_the_menu_entry_leads_each_user_to_their_page(ranked, client_for):
    index = reverse("results:index")
    assert "/results/branch/zb1/" in client_for(ranked.secretary_a).get(index)["Location"]
    assert "/results/committee/" in client_for(ranked.committee_admin).get(index)["Location"]
    assert client_for(ranked.member_a_user).get(index).status_code == 404


def test_the_results_page_costs_the_same_queries_as_the_branch_grows(candidate, client_for):
    client = client_for(candidate.secretary_a)
    client.get(branch_url())
    with CaptureQueriesContext(connection) as few:
        client.get(branch_url())
    for member in MemberFactory.create_batch(20, branch=candidate.branch_a):
        HelpTalk.objects.create(
            branch=candidate.branch_a,
            member=member,
            year=YEAR,
            held_on=timezone.localdate(),
            talked_by="书记",
            content="谈话",
            response="表态",
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(branch_url()).status_code == 200
    assert len(many) == len(few)


def test_in_a_year_where_everyone_ties_nobody_is_last(bureau):
    """The engine's "tied at the lowest total" would be the whole branch; only vetoes count."""
    vetoed = MemberFactory(branch=bureau.branch_a, name="赵卫东")
    veto_record(
        member=vetoed, year=YEAR, ground="fraud", facts="弄虚作假", decided_on=date(YEAR, 1, 9)
    )
    results = branch_results(bureau.branch_a, YEAR)
    assert [d.member.name for d in results.talks_due] == ["赵卫东"]
    post(bureau.other_member_a, "1")
    results = branch_results(bureau.branch_a, YEAR)
    assert [d.member.name for d in results.talks_due] == ["张红梅", "赵卫东"]


def test_a_year_without_points_does_not_count_as_bottom_for_the_two_year_rule(bureau):
    post(bureau.member_a, "5")  # 2025 has nothing recorded: everyone tied at 100
    talk(bureau, bureau.other_member_a)
    results = branch_results(bureau.branch_a, YEAR)
    assert results.candidates == []
    assert results.awaiting_talk == []
