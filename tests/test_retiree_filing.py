"""Retirees filed (plan 一(一)): "离退休人员中的党员是否参与党员奉献量化积分制管理，由各科室根据
工作实际自行决定。不参与党员奉献量化积分制管理的人员名单，应及时报机关党委备案。"
The department's decision counts at once; the committee files it like an exemption, and
its list of everyone not taking part shows each one's filing state."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import DomainError
from notifications.models import Notification
from organizations.models import Organization, Participation
from participation import selectors, services
from participation.models import RetireeDecision, RetireeFiling
from tests.factories import MemberFactory, UserFactory

YEAR = timezone.localdate().year


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def retiree(bureau):
    head = UserFactory(username="head")
    services.department_head_appoint(
        user=head, department=bureau.department, committee=bureau.committee
    )
    bureau.head = head
    bureau.retiree = MemberFactory(
        branch=bureau.branch_a, name="退休老党员", is_retired=True, department=bureau.department
    )
    return bureau


def decide(bureau, takes_part=False, note="年事已高，本人自愿不参与"):
    return services.retiree_decide(
        member=bureau.retiree, year=YEAR, takes_part=takes_part, note=note, actor=bureau.head
    )


def committee_page(client):
    return client.get(reverse("participation:committee") + f"?year={YEAR}")


def test_a_decision_not_to_take_part_counts_at_once_and_waits_for_filing(retiree, client_for):
    decision = decide(retiree)
    assert decision.filing == RetireeFiling.AWAITING
    assert not Participation.objects.get(member=retiree.retiree, year=YEAR).takes_part
    told = Notification.objects.filter(user=retiree.committee_admin, title__contains="退休老党员")
    assert told.exists()
    page = committee_page(client_for(retiree.committee_admin)).content.decode()
    assert f'data-testid="file-retiree-{decision.pk}"' in page


def test_the_committee_files_it_and_the_department_hears(retiree, client_for):
    decision = decide(retiree)
    client = client_for(retiree.committee_admin)
    url = reverse("participation:retiree_file", args=[decision.pk])
    assert client.post(url, {"comment": "已备案"}).status_code == 302
    decision.refresh_from_db()
    assert decision.filing == RetireeFiling.FILED
    assert decision.filed_by == retiree.committee_admin
    assert decision.filing_comment == "已备案"
    event = AuditEvent.objects.get(action="participation.retiree.filed")
    assert event.after["filing"] == "filed"
    assert Notification.objects.filter(user=retiree.head, title__contains="filed").exists()
    page = committee_page(client).content.decode()
    assert f'data-testid="file-retiree-{decision.pk}"' not in page


def test_the_list_of_everyone_not_taking_part_shows_the_filing_state(retiree, client_for):
    decision = decide(retiree)
    absent = selectors.not_taking_part(YEAR, Organization.objects.all())
    assert [(a.member.name, a.decision.filing) for a in absent] == [("退休老党员", "awaiting")]
    client = client_for(retiree.committee_admin)
    assert "awaiting filing" in committee_page(client).content.decode()
    services.retiree_file(decision=decision, actor=retiree.committee_admin)
    text = committee_page(client).content.decode()
    assert 'data-testid="retiree-filing"' in text
    assert "filed " in text
    # The branch's own page shows it the same way.
    branch = reverse("participation:branch", kwargs={"code": "zb1", "year": YEAR})
    assert 'data-testid="retiree-filing"' in client_for(retiree.secretary_a).get(branch).text


def test_a_changed_decision_is_filed_afresh(retiree):
    decision = decide(retiree)
    services.retiree_file(decision=decision, actor=retiree.committee_admin)
    decision = decide(retiree)  # the same again: the filing stands
    assert decision.filing == RetireeFiling.FILED
    decision = decide(retiree, note="身体原因，不参与")
    assert decision.filing == RetireeFiling.AWAITING
    assert decision.filed_at is None


def test_taking_part_needs_no_filing(retiree):
    decision = decide(retiree)
    decision = decide(retiree, takes_part=True, note="")
    assert decision.filing == RetireeFiling.NONE
    assert not selectors.retirees_waiting_for_filing().exists()
    with pytest.raises(DomainError, match="nothing to file"):
        services.retiree_file(decision=decision, actor=retiree.committee_admin)


@pytest.mark.parametrize("who", ["secretary_a", "head", "member_a_user"])
def test_only_the_committee_files(retiree, client_for, who):
    decision = decide(retiree)
    url = reverse("participation:retiree_file", args=[decision.pk])
    assert client_for(getattr(retiree, who)).post(url, {}).status_code == 404
    decision.refresh_from_db()
    assert decision.filing == RetireeFiling.AWAITING


def test_the_head_sees_the_filing_state_on_the_retirees_page(retiree, client_for):
    decision = decide(retiree)
    page = client_for(retiree.head).get(reverse("participation:retirees")).content.decode()
    assert "awaiting filing" in page
    services.retiree_file(decision=decision, actor=retiree.committee_admin)
    page = client_for(retiree.head).get(reverse("participation:retirees")).content.decode()
    assert "filed " in page
    assert RetireeDecision.objects.count() == 1
