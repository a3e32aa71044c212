"""Closing cannot strand anyone: what still blocks a half-year, the committee closing
regardless with a reason, and what the member of a stranded declaration reads."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from core.errors import PermissionDenied
from core.periods import HalfYear
from declarations import deadlines
from declarations.models import Declaration
from ledger.models import PeriodLock
from notifications.models import Notification
from publicity import services as publicity
from publicity.quarters import Quarter
from summaries.blockers import closing_blockers
from summaries.closing import ClosingBlocked, period_close
from tests.test_closing import appraisal

YEAR = 2026  # the current year: 8 December, December still open for declarations


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def december_8(monkeypatch):
    monkeypatch.setattr(deadlines, "today", lambda: date(YEAR, 12, 8))


@pytest.fixture
def year_ready(bureau):
    for half in (1, 2):
        appraisal(bureau.branch_a, half, year=YEAR)
    PeriodLock.objects.create(branch=bureau.branch_a, year=YEAR, half=1)
    return bureau


def returned_declaration(bureau, month=11):
    declaration = Declaration.objects.create(
        member=bureau.member_a,
        branch=bureau.branch_a,
        year=YEAR,
        month=month,
        status=Declaration.Status.RETURNED,
        name=bureau.member_a.name,
        return_reason="请补充照片",
    )
    declaration.lines.create(description="参加社区志愿服务")
    return declaration


def test_closing_the_year_on_8_december_is_refused_while_december_is_open(year_ready, december_8):
    with pytest.raises(ClosingBlocked) as refused:
        period_close(
            branch=year_ready.branch_a, year=YEAR, half=2, closed_by=year_ready.secretary_a
        )
    assert "Members may still declare 12/2026 until 2027-01-05." in refused.value.message
    assert [b.kind for b in refused.value.blockers] == ["deadline"]
    assert not PeriodLock.objects.filter(half=2).exists()


def test_every_open_matter_is_listed_with_a_link(year_ready, december_8):
    returned = returned_declaration(year_ready)
    waiting = Declaration.objects.create(
        member=year_ready.other_member_a,
        branch=year_ready.branch_a,
        year=YEAR,
        month=10,
        name=year_ready.other_member_a.name,
    )
    waiting.lines.create(description="整理党建档案")  # a draft with something in it
    publication = publicity.publication_publish(
        branch=year_ready.branch_a,
        quarter=Quarter(YEAR, 4),
        actor=year_ready.secretary_a,
        contact_name="组织委员",
    )
    objection = publicity.objection_raise(
        publication=publication,
        member=year_ready.member_a,
        reason="少算了",
        actor=year_ready.member_a_user,
    )
    blockers = closing_blockers(year_ready.branch_a, HalfYear(YEAR, 2))
    assert {b.kind for b in blockers} == {"deadline", "declaration", "objection"}
    urls = {b.url for b in blockers}
    assert reverse("declarations:detail", kwargs={"pk": returned.pk}) in urls
    assert reverse("declarations:detail", kwargs={"pk": waiting.pk}) in urls
    assert reverse("publicity:answer", kwargs={"pk": objection.pk}) in urls


def test_the_closing_page_lists_the_blockers_and_offers_no_close_button(
    year_ready, december_8, client_for
):
    returned_declaration(year_ready)
    url = reverse("summaries:closing", kwargs={"code": "zb1", "year": YEAR})
    page = client_for(year_ready.secretary_a).get(url).content.decode()
    assert 'data-testid="blockers-2"' in page
    assert "was returned for more information and has not come back" in page
    assert 'data-testid="close-2"' not in page
    committee = client_for(year_ready.committee_admin).get(url).content.decode()
    assert 'data-testid="force-2"' in committee


def test_only_the_committee_closes_regardless_with_a_reason(year_ready, december_8, client_for):
    returned = returned_declaration(year_ready)
    with pytest.raises(PermissionDenied):
        period_close(
            branch=year_ready.branch_a,
            year=YEAR,
            half=2,
            closed_by=year_ready.secretary_a,
            forced_reason="年底赶进度",
        )
    client = client_for(year_ready.committee_admin)
    url = reverse("summaries:period_close", kwargs={"code": "zb1", "year": YEAR, "half": 2})
    asked = client.post(url, {"forced_reason": "上级要求12月8日前报送"})
    assert "Still open and left as they are" in asked.content.decode()
    assert not PeriodLock.objects.filter(half=2).exists()
    client.post(url, {"forced_reason": "上级要求12月8日前报送", "confirmed": "1"})
    lock = PeriodLock.objects.get(half=2)
    assert lock.forced_reason == "上级要求12月8日前报送"
    event = AuditEvent.objects.get(action="summaries.period.closed")
    assert len(event.after["open_when_closed"]) == 2  # December's deadline, the declaration
    told = Notification.objects.get(user=year_ready.member_a_user)
    assert "late declaration in the next open month" in told.title
    # The member's returned declaration now says what they can do, without 重新提交.
    member = client_for(year_ready.member_a_user)
    page = member.get(reverse("declarations:detail", kwargs={"pk": returned.pk}))
    text = page.content.decode()
    assert 'data-testid="stranded"' in text
    assert 'data-testid="submit"' not in text
    assert "ask the branch's recorder to open a late declaration" in text
