"""Decisions about a request reach the person who asked; things waiting reach who decides."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from commitments import services as commitments
from commitments.models import Topic
from core.errors import DomainError
from notifications.models import Notification
from participation import services as participation
from rules import filing
from rules import services as rules
from tests.declarations_support import recognise_all, submitted, volunteer

YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def titles(user) -> list[str]:
    return [n.title for n in Notification.objects.filter(user=user).order_by("pk")]


def links(user) -> list[str]:
    return [n.url for n in Notification.objects.filter(user=user).order_by("pk")]


def submitted_commitment(bureau):
    member = bureau.member_a
    commitment = commitments.commitment_create(
        member=member,
        year=YEAR,
        topic=Topic.POST,
        text="带头完成年度生态巡护任务",
        actor=member.user,
    )
    return commitments.commitment_submit(commitment=commitment, actor=member.user)


def exemption(bureau):
    member = bureau.member_a
    return participation.exemption_apply(
        member=member, year=YEAR, ground="health", reason="术后休养一年", actor=member.user
    )


def submitted_scheme(bureau):
    scheme = rules.scheme_for_year(branch=bureau.branch_a, year=YEAR)
    return filing.scheme_filing_submit(scheme=scheme, actor=bureau.secretary_a)


# Commitments ------------------------------------------------------------------------


def test_an_approved_commitment_is_told_to_the_member_only(bureau):
    commitment = submitted_commitment(bureau)
    commitments.commitment_approve(commitment=commitment, actor=bureau.secretary_a)
    assert titles(bureau.member_a_user) == ["The branch has approved your commitment."]
    assert links(bureau.member_a_user) == [reverse("commitments:mine")]
    assert titles(bureau.secretary_b) == []


def test_a_returned_commitment_is_told_each_time_it_is_returned(bureau):
    commitment = submitted_commitment(bureau)
    commitments.commitment_return(
        commitment=commitment, comment="请具体些", actor=bureau.secretary_a
    )
    commitments.commitment_submit(commitment=commitment, actor=bureau.member_a_user)
    commitments.commitment_return(
        commitment=commitment, comment="再具体些", actor=bureau.secretary_a
    )
    assert titles(bureau.member_a_user) == ["The branch has returned your commitment."] * 2


def test_an_assessed_commitment_is_told_to_the_member_with_the_finding(bureau):
    commitment = submitted_commitment(bureau)
    commitments.commitment_approve(commitment=commitment, actor=bureau.secretary_a)
    commitments.commitment_assess(
        commitment=commitment, fulfilment="partly", note="下半年有缺勤", actor=bureau.group_a
    )
    assert titles(bureau.member_a_user)[-1] == (
        "The group has assessed your commitment: partly kept."
    )


def test_a_refused_commitment_decision_sends_nothing(bureau):
    commitment = submitted_commitment(bureau)
    with pytest.raises(DomainError):
        commitments.commitment_return(commitment=commitment, comment="", actor=bureau.secretary_a)
    assert titles(bureau.member_a_user) == []


# Exemptions -------------------------------------------------------------------------


def test_a_branch_approval_tells_the_member_and_the_committee_that_it_waits_for_filing(bureau):
    application = exemption(bureau)
    participation.exemption_approve(exemption=application, actor=bureau.secretary_a)
    assert titles(bureau.member_a_user) == [
        f"The branch has approved your exemption for {YEAR}; it awaits filing."
    ]
    assert titles(bureau.committee_admin) == [
        f"张红梅's exemption for {YEAR}, approved by the branch, waits for filing."
    ]
    assert links(bureau.committee_admin) == [reverse("participation:committee")]
    assert titles(bureau.secretary_b) == []


def test_a_refusal_is_told_to_the_member_not_the_committee(bureau):
    application = exemption(bureau)
    participation.exemption_refuse(
        exemption=application, comment="不符合条件", actor=bureau.secretary_a
    )
    assert titles(bureau.member_a_user) == [f"The branch has refused your exemption for {YEAR}."]
    assert titles(bureau.committee_admin) == []


def test_filing_and_returning_are_told_to_the_member(bureau):
    application = exemption(bureau)
    participation.exemption_approve(exemption=application, actor=bureau.secretary_a)
    participation.exemption_file(exemption=application, actor=bureau.committee_admin)
    assert titles(bureau.member_a_user)[-1] == f"The committee has filed your exemption for {YEAR}."
    assert links(bureau.member_a_user)[-1] == reverse("participation:mine")


def test_a_returned_exemption_is_told_to_the_member(bureau):
    application = exemption(bureau)
    participation.exemption_approve(exemption=application, actor=bureau.secretary_a)
    participation.exemption_return(
        exemption=application, comment="材料不全", actor=bureau.committee_admin
    )
    assert titles(bureau.member_a_user)[-1] == (
        f"The committee has returned your exemption for {YEAR}."
    )
    assert titles(bureau.secretary_b) == []


# Scheme filing ----------------------------------------------------------------------


def test_a_submitted_scheme_waits_for_the_committee(bureau):
    submission = submitted_scheme(bureau)
    assert titles(bureau.committee_admin) == [
        f"{bureau.branch_a.name} has submitted its scheme for {YEAR} for filing."
    ]
    assert links(bureau.committee_admin) == [
        reverse("rules:filing_detail", kwargs={"pk": submission.pk})
    ]
    assert titles(bureau.secretary_a) == []


def test_a_filed_scheme_is_told_to_the_branch_secretary_only(bureau):
    submission = submitted_scheme(bureau)
    filing.scheme_filing_file(filing=submission, actor=bureau.committee_admin)
    assert titles(bureau.secretary_a) == [
        f"The committee has filed your branch's scheme for {YEAR}."
    ]
    assert links(bureau.secretary_a) == [reverse("rules:scheme", args=["zb1", YEAR])]
    assert titles(bureau.secretary_b) == []
    assert titles(bureau.member_a_user) == []


def test_a_returned_scheme_is_told_to_the_branch_secretary(bureau):
    submission = submitted_scheme(bureau)
    filing.scheme_filing_return(filing=submission, comment="请补充", actor=bureau.committee_admin)
    assert titles(bureau.secretary_a) == [
        f"The committee has returned your branch's scheme for {YEAR}, with comments."
    ]
    assert titles(bureau.secretary_b) == []


def test_filing_a_scheme_twice_sends_nothing_more(bureau):
    submission = submitted_scheme(bureau)
    filing.scheme_filing_file(filing=submission, actor=bureau.committee_admin)
    with pytest.raises(DomainError):
        filing.scheme_filing_file(filing=submission, actor=bureau.committee_admin)
    assert len(titles(bureau.secretary_a)) == 1


# Spot checks notify the branch already (tests/test_spot_checks.py covers them).


# Declarations ------------------------------------------------------------------------


def test_a_recognised_declaration_is_told_without_repeating_the_status(bureau):
    """It read "……的申报已认定：已认定，2.0分。"."""
    scheme = rules.scheme_for_year(branch=bureau.branch_a, year=YEAR)
    with translation.override("zh-hans"):
        recognise_all(submitted(bureau), bureau.group_a, volunteer(scheme))
    (title,) = titles(bureau.member_a_user)
    assert "已认定：已认定" not in title
    assert title.endswith("的申报审核完毕：已认定，计2.0分。")
