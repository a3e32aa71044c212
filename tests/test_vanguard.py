"""党员先锋岗 (plan 二): "党员奉献量化积分情况作为评定'党员先锋岗'的重要内容". The system lists
the candidates from the year's ranking and the commitments kept; the branch proposes, the
committee confirms; the post card, the public post page and the lobby screen show it."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appraisals.models import AppraisalSession, Mode
from audit.models import AuditEvent
from commitments.models import Commitment, IdentityPost, VanguardPost, VanguardStatus
from core.errors import DomainError, PermissionDenied
from declarations import deadlines
from notifications.models import Notification
from publicity.models import Publication, Screen
from publicity.selectors import lobby_data
from results.selectors import vanguard_board
from results.services import vanguard_decide, vanguard_propose
from summaries.closing import period_close
from tests.factories import MemberFactory, post_points

YEAR = 2026


pytestmark = pytest.mark.usefixtures("english")


def close_year(branch, secretary, year=YEAR):
    """Close both halves, as on 10 January of the next year."""
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


def commitment(member, fulfilment="", year=YEAR, text="带头做好地质遗迹巡查"):
    return Commitment.objects.create(
        member=member,
        branch=member.branch,
        year=year,
        topic="post",
        text=text,
        status="approved",
        fulfilment=fulfilment,
        assessment_note="" if fulfilment in ("", "kept") else "未完全完成",
    )


@pytest.fixture
def ranked(bureau):
    """Branch A with ten members ranked: 张红梅 first and 党员7 second (the top 20%);
    张红梅 kept both commitments, 党员7 kept one of two."""
    a = bureau.branch_a
    others = [MemberFactory(branch=a, name=f"党员{n}") for n in range(8)]
    post_points(bureau.member_a, "20", year=YEAR)
    for n, member in enumerate(others):
        post_points(member, str(n + 2), year=YEAR)
    post_points(bureau.other_member_a, "1", year=YEAR)
    commitment(bureau.member_a, "kept")
    commitment(bureau.member_a, "kept", text="为游客提供优质讲解服务")
    commitment(others[7], "kept")
    commitment(others[7], "partly")
    commitment(others[0], "kept")  # kept, but outside the top 20%
    bureau.second = others[7]
    bureau.low = others[0]
    return bureau


def propose(bureau, member, **kw):
    values = {
        "year": YEAR,
        "title": "地质遗迹巡查先锋岗",
        "reasons": "全年巡查无遗漏，承诺全部兑现。",
    }
    values.update(kw)
    return vanguard_propose(member=member, proposed_by=bureau.secretary_a, **values)


# The candidates the system lists ---------------------------------------------------


def test_candidates_are_the_top_20_percent_whose_every_commitment_was_kept(ranked):
    board = vanguard_board(ranked.branch_a, YEAR)
    assert [r.member.name for r in board.eligible] == ["张红梅", "党员7"]
    assert [r.member.name for r in board.candidates] == ["张红梅"]
    second = board.row_of(ranked.second.pk)
    assert (second.made, second.kept, second.is_candidate) == (2, 1, False)
    # Kept everything but ranked low: not listed, though the branch may still propose.
    assert not board.row_of(ranked.low.pk).is_candidate


def test_the_branch_page_lists_the_candidates_with_their_commitments(ranked, client_for):
    close_year(ranked.branch_a, ranked.secretary_a)
    url = reverse("results:vanguard", kwargs={"code": "zb1", "year": YEAR})
    page = client_for(ranked.secretary_a).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert f'data-testid="candidate-{ranked.member_a.pk}"' in text
    assert f'data-testid="candidate-{ranked.second.pk}"' not in text
    assert "为游客提供优质讲解服务" in text
    assert "partly kept" in text
    assert f'data-testid="propose-vanguard-{ranked.member_a.pk}"' in text
    # The recorder sees the list but proposes nothing; branch B sees nothing.
    assert "propose-vanguard" not in client_for(ranked.recorder_a).get(url).content.decode()
    assert client_for(ranked.secretary_b).get(url).status_code == 404


def test_the_candidates_page_costs_the_same_queries_for_more_members(ranked, client_for):
    url = reverse("results:vanguard", kwargs={"code": "zb1", "year": YEAR})
    client = client_for(ranked.secretary_a)
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = count()
    for n in range(6):
        member = MemberFactory(branch=ranked.branch_a, name=f"新党员{n}")
        post_points(member, "3", year=YEAR)
        commitment(member, "kept")
    assert count() == before


# The branch proposes ----------------------------------------------------------------


def test_the_secretary_proposes_a_candidate_and_the_basis_is_kept(ranked):
    close_year(ranked.branch_a, ranked.secretary_a)
    proposal = propose(ranked, ranked.member_a)
    assert proposal.status == VanguardStatus.PROPOSED
    assert (proposal.rank, proposal.ranked, str(proposal.total)) == (1, 10, "120.0")
    assert proposal.award_eligible
    assert (proposal.commitments_made, proposal.commitments_kept) == (2, 2)
    event = AuditEvent.objects.get(action="results.vanguard.proposed")
    assert event.after["title"] == "地质遗迹巡查先锋岗"
    assert Notification.objects.filter(
        user=ranked.committee_admin, title__contains="vanguard post"
    ).exists()


def test_a_post_is_proposed_only_once_the_years_ranking_is_final(ranked):
    with pytest.raises(DomainError, match="not closed"):
        propose(ranked, ranked.member_a)
    assert not VanguardPost.objects.exists()


def test_outside_the_candidates_the_branch_still_decides_with_its_reasons(ranked):
    close_year(ranked.branch_a, ranked.secretary_a)
    proposal = propose(ranked, ranked.low, reasons="抗洪抢险中表现突出，群众评价高。")
    assert not proposal.award_eligible
    assert proposal.commitments_kept == 1


@pytest.mark.parametrize("who", ["group_a", "recorder_a", "committee_admin", "secretary_b"])
def test_only_the_branch_secretary_proposes(ranked, who):
    close_year(ranked.branch_a, ranked.secretary_a)
    with pytest.raises(PermissionDenied):
        vanguard_propose(
            member=ranked.member_a,
            year=YEAR,
            title="",
            reasons="理由",
            proposed_by=getattr(ranked, who),
        )


def test_nobody_proposes_their_own_post_and_a_vetoed_member_is_not_ranked(ranked):
    from ledger.services import veto_record

    vetoed = MemberFactory(branch=ranked.branch_a, name="赵卫东")
    post_points(vetoed, "30", year=YEAR)
    veto_record(
        member=vetoed, year=YEAR, ground="fraud", facts="弄虚作假", decided_on=date(YEAR, 3, 9)
    )
    own = MemberFactory(branch=ranked.branch_a, name="书记本人", user=ranked.secretary_a)
    close_year(ranked.branch_a, ranked.secretary_a)
    with pytest.raises(DomainError, match="own post"):
        propose(ranked, own)
    with pytest.raises(DomainError, match="not in 2026's ranking"):
        propose(ranked, vetoed)
    assert not VanguardPost.objects.exists()


def test_a_member_is_proposed_once_a_year(ranked):
    close_year(ranked.branch_a, ranked.secretary_a)
    propose(ranked, ranked.member_a)
    with pytest.raises(DomainError, match="already proposed"):
        propose(ranked, ranked.member_a)


def test_the_proposal_page_shows_the_basis_and_sends_it(ranked, client_for):
    close_year(ranked.branch_a, ranked.secretary_a)
    url = reverse(
        "results:vanguard_propose",
        kwargs={"code": "zb1", "year": YEAR, "member_pk": ranked.second.pk},
    )
    client = client_for(ranked.secretary_a)
    page = client.get(url)
    assert "Not among the candidates" in page.content.decode()
    refused = client.post(url, {"title": "", "reasons": " "})
    assert refused.status_code == 400
    assert not VanguardPost.objects.exists()
    sent = client.post(url, {"title": "", "reasons": "讲解接待任务完成出色。"})
    assert sent.status_code == 302
    assert VanguardPost.objects.get().member == ranked.second


# The committee confirms ---------------------------------------------------------------


@pytest.fixture
def proposed(ranked):
    close_year(ranked.branch_a, ranked.secretary_a)
    ranked.proposal = propose(ranked, ranked.member_a)
    return ranked


def test_confirming_asks_first_then_records_the_designation_with_its_year(proposed, client_for):
    client = client_for(proposed.committee_admin)
    url = reverse("results:vanguard_decide", kwargs={"pk": proposed.proposal.pk})
    first = client.post(url, {"decision": "confirm", "note": ""})
    assert first.status_code == 200
    assert "core/confirm.html" in [t.name for t in first.templates]
    proposed.proposal.refresh_from_db()
    assert proposed.proposal.status == VanguardStatus.PROPOSED
    done = client.post(url, {"decision": "confirm", "note": "", "confirmed": "1"})
    assert done.status_code == 302
    proposed.proposal.refresh_from_db()
    assert proposed.proposal.status == VanguardStatus.CONFIRMED
    assert proposed.proposal.year == YEAR
    assert proposed.proposal.decided_by == proposed.committee_admin
    assert AuditEvent.objects.filter(action="results.vanguard.confirmed").exists()
    told = Notification.objects.filter(title__contains="vanguard post")
    assert told.filter(user=proposed.member_a_user).exists()
    assert told.filter(user=proposed.secretary_a).exists()


def test_not_confirming_needs_a_reason_and_lets_the_branch_propose_again(proposed):
    with pytest.raises(DomainError, match="Say why"):
        vanguard_decide(
            post=proposed.proposal, confirm=False, note="", decided_by=proposed.committee_admin
        )
    vanguard_decide(
        post=proposed.proposal, confirm=False, note="材料不全", decided_by=proposed.committee_admin
    )
    assert propose(proposed, proposed.member_a).status == VanguardStatus.PROPOSED


def test_only_the_committee_decides_and_only_once(proposed):
    with pytest.raises(PermissionDenied):
        vanguard_decide(
            post=proposed.proposal, confirm=True, note="", decided_by=proposed.secretary_a
        )
    vanguard_decide(
        post=proposed.proposal, confirm=True, note="", decided_by=proposed.committee_admin
    )
    with pytest.raises(DomainError, match="already been decided"):
        vanguard_decide(
            post=proposed.proposal, confirm=False, note="撤销", decided_by=proposed.committee_admin
        )


def test_the_committee_page_lists_the_proposals_waiting(proposed, client_for):
    url = reverse("results:vanguard_committee", kwargs={"year": YEAR})
    page = client_for(proposed.committee_admin).get(url)
    assert f'data-testid="vanguard-waiting-{proposed.proposal.pk}"' in page.content.decode()
    assert client_for(proposed.secretary_a).get(url).status_code == 404


# Shown where the post is --------------------------------------------------------------


@pytest.fixture
def confirmed(proposed):
    vanguard_decide(
        post=proposed.proposal, confirm=True, note="", decided_by=proposed.committee_admin
    )
    return proposed


def test_the_post_card_shows_the_vanguard_post(confirmed, client_for):
    IdentityPost.objects.create(member=confirmed.member_a)
    url = reverse("commitments:card", kwargs={"member_pk": confirmed.member_a.pk})
    # Named for 2026, it hangs on the post through 2027 too.
    for year in (YEAR, YEAR + 1):
        text = client_for(confirmed.member_a_user).get(f"{url}?year={year}").content.decode()
        assert 'data-testid="card-vanguard"' in text
        assert "Party Member Vanguard Post 2026" in text
        assert "地质遗迹巡查先锋岗" in text
    other = reverse("commitments:card", kwargs={"member_pk": confirmed.second.pk})
    IdentityPost.objects.create(member=confirmed.second)
    assert "card-vanguard" not in client_for(confirmed.secretary_a).get(other).content.decode()
    sheet = reverse("commitments:sheet", kwargs={"code": "zb1"})
    assert (
        client_for(confirmed.secretary_a)
        .get(sheet)
        .content.decode()
        .count('data-testid="card-vanguard"')
        == 1
    )


def test_a_proposal_not_yet_confirmed_is_shown_nowhere(proposed, client_for):
    post = IdentityPost.objects.create(member=proposed.member_a)
    page = client_for(proposed.member_a_user).get(
        reverse("commitments:card", kwargs={"member_pk": proposed.member_a.pk})
    )
    assert "card-vanguard" not in page.content.decode()
    public = client_for(proposed.member_b_user).get(
        reverse("commitments:public", args=[post.token])
    )
    assert "public-vanguard" not in public.content.decode()


def test_the_public_post_page_shows_the_vanguard_post(confirmed):
    from django.test import Client

    post = IdentityPost.objects.create(member=confirmed.member_a)
    page = Client().get(reverse("commitments:public", args=[post.token]))
    assert 'data-testid="public-vanguard"' in page.content.decode()


def test_the_lobby_screen_shows_the_confirmed_posts(confirmed):
    Publication.objects.create(
        branch=confirmed.branch_a,
        year=YEAR,
        quarter=4,
        title="积分公示",
        as_of=date(YEAR, 12, 31),
        window_start=date(YEAR + 1, 1, 5),
        window_end=date(YEAR + 1, 1, 9),
        window_workdays=5,
    )
    screen = Screen.objects.create(name="大厅", token="t" * 20, branch=confirmed.branch_a)
    data = lobby_data(screen)
    assert [v["name"] for v in data["vanguard"]] == ["张红梅"]
    assert data["vanguard"][0]["title"] == "地质遗迹巡查先锋岗"
    assert "2026" in data["vanguard"][0]["year"]


def test_the_menu_badge_counts_vanguard_proposals_for_the_committee(proposed, client_for):
    from results.selectors import pending_count

    assert pending_count() == 1
    vanguard_decide(
        post=proposed.proposal, confirm=True, note="", decided_by=proposed.committee_admin
    )
    assert pending_count() == 0
