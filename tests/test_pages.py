from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.years import current_year
from ledger.services import entry_post, entry_reverse, veto_record
from rules.services import item_update, scheme_for_year
from summaries.card import member_card
from tests.factories import MemberFactory, UserFactory

YEAR = 2026


def home(year=None):
    return reverse("core:home") + (f"?year={year}" if year else "")


def card_url(member, year=YEAR):
    return reverse("summaries:card", kwargs={"member_pk": member.pk, "year": year})


def branch_url(branch, year=YEAR):
    return reverse("summaries:branch_table", kwargs={"code": branch.code, "year": year})


def committee_url(year=YEAR):
    return reverse("summaries:committee", kwargs={"year": year})


def members_url(**params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("organizations:member_list") + (f"?{query}" if query else "")


def detail_url(member):
    return reverse("organizations:member_detail", kwargs={"pk": member.pk})


@pytest.fixture
def card_entries(bureau):
    """Member A's year: 3.5 volunteer points in March (cap 3 a year), a study deduction
    in April, a base adjustment of -2 in May, an appraisal of 90, one reversed entry."""
    scheme = scheme_for_year(branch=bureau.branch_a, year=YEAR)
    volunteer = scheme.items.get(code="dedication.volunteer")
    post = {"member": bureau.member_a, "year": YEAR, "recorded_by": bureau.recorder_a}
    entry_post(**post, month=3, points="2.5", source="direct", item=volunteer, reason="河道清理")
    entry_post(**post, month=3, points="1", source="declaration", item=volunteer)
    entry_post(
        **post,
        month=4,
        points="1",
        source="attendance",
        item=scheme.items.get(code="deduction.study"),
    )
    entry_post(
        **post,
        month=5,
        points="-2",
        source="adjustment",
        item=scheme.items.get(code="base.1"),
        reason="缺席组织活动",
    )
    entry_post(**post, month=6, points="90", source="appraisal", kind="appraisal", source_ref="H1")
    wrong = entry_post(
        **post,
        month=7,
        points="4",
        source="direct",
        item=scheme.items.get(code="dedication.ecology"),
    )
    entry_reverse(entry=wrong, reason="登记错误", recorded_by=bureau.recorder_a)
    # The branch tightened its scheme after the points were recorded: the card caps them.
    item_update(item=volunteer, cap_year=Decimal("3"))
    return scheme


# Anonymous visitors


@pytest.mark.parametrize(
    "url",
    [
        lambda b: home(),
        lambda b: card_url(b.member_a),
        lambda b: branch_url(b.branch_a),
        lambda b: committee_url(),
        lambda b: members_url(),
        lambda b: detail_url(b.member_a),
    ],
)
def test_an_anonymous_visitor_is_sent_to_the_login_page(bureau, url):
    response = Client().get(url(bureau))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_the_login_page_shows_the_sign_in_form(db):
    response = Client().get(reverse("accounts:login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b"form-control" in response.content


def test_the_password_change_page_explains_the_initial_password_must_change(db, client_for):
    user = UserFactory(username="newcomer", must_change_password=True)
    response = client_for(user).get(reverse("accounts:password_change"))
    assert response.status_code == 200
    assert "8 characters" in response.text
    assert "initial password" in response.text


def test_repeated_failed_sign_ins_show_the_locked_out_page(bureau):
    client = Client()
    login = reverse("accounts:login")
    for _ in range(5):
        client.post(login, {"username": "member_a", "password": "wrong"})
    response = client.post(login, {"username": "member_a", "password": "wrong"})
    assert response.status_code == 429
    assert "fifteen minutes" in response.text


# Home


def test_a_member_sees_their_own_points_on_home(bureau, client_for, card_entries):
    response = client_for(bureau.member_a_user).get(home(YEAR))
    assert response.status_code == 200
    assert response.context["mine"].totals.total == Decimal("190.0")
    assert "190.0" in response.text
    assert 'id="jf-my-categories"' in response.text
    assert card_url(bureau.member_a) in response.text
    assert "李建国" not in response.text  # no branch table for a plain member


def test_a_secretary_sees_their_branch_table_on_home(bureau, client_for):
    response = client_for(bureau.secretary_a).get(home(YEAR))
    assert response.status_code == 200
    assert "张红梅" in response.text
    assert "李建国" in response.text
    assert "王晓燕" not in response.text


def test_the_committee_sees_every_branch_on_home(bureau, client_for):
    response = client_for(bureau.committee_admin).get(home(YEAR))
    assert response.status_code == 200
    assert "第一党支部" in response.text
    assert "第二党支部" in response.text
    assert 'id="jf-branch-averages"' in response.text
    assert branch_url(bureau.branch_b) in response.text


def test_home_ignores_a_bad_year(bureau, client_for):
    response = client_for(bureau.secretary_b).get(reverse("core:home") + "?year=abc")
    assert response.status_code == 200
    assert "王晓燕" in response.text
    assert "张红梅" not in response.text


def test_a_user_without_member_or_role_gets_a_notice(db, client_for):
    response = client_for(UserFactory(username="nobody")).get(home())
    assert response.status_code == 200
    assert "not linked" in response.text


def test_the_top_bar_links_follow_the_users_roles(bureau, client_for):
    this_year = current_year()
    scheme_a = reverse("rules:scheme", kwargs={"code": "zb1", "year": this_year})
    secretary = client_for(bureau.secretary_a).get(home()).text
    assert scheme_a in secretary
    assert reverse("organizations:member_list") in secretary
    assert reverse("audit:log") not in secretary
    committee = client_for(bureau.committee_admin).get(home()).text
    assert reverse("rules:index") in committee
    assert reverse("audit:log") in committee
    member = client_for(bureau.member_a_user).get(home()).text
    assert "/rules/" not in member
    assert reverse("organizations:member_list") not in member
    assert card_url(bureau.member_a, this_year) in member
    assert f'action="{reverse("accounts:logout")}"' in member


# Branch table and committee overview


def test_a_secretary_sees_their_branch_table(bureau, client_for, card_entries):
    response = client_for(bureau.secretary_a).get(branch_url(bureau.branch_a))
    assert response.status_code == 200
    assert [r.member.name for r in response.context["by"].results] == ["张红梅", "李建国"]


def test_the_committee_sees_any_branch_table(bureau, client_for):
    assert client_for(bureau.committee_admin).get(branch_url(bureau.branch_b)).status_code == 200


def test_a_secretary_of_another_branch_gets_404_for_the_branch_table(bureau, client_for):
    assert client_for(bureau.secretary_b).get(branch_url(bureau.branch_a)).status_code == 404


def test_a_member_gets_404_for_their_branch_table(bureau, client_for):
    assert client_for(bureau.member_a_user).get(branch_url(bureau.branch_a)).status_code == 404


def test_an_unknown_branch_or_absurd_year_gets_404(bureau, client_for):
    client = client_for(bureau.committee_admin)
    assert client.get(branch_url(bureau.branch_a, year=99999)).status_code == 404
    unknown = reverse("summaries:branch_table", kwargs={"code": "nope", "year": YEAR})
    assert client.get(unknown).status_code == 404


def test_a_vetoed_member_is_flagged_in_the_branch_table(bureau, client_for):
    veto_record(
        member=bureau.member_a, year=YEAR, ground="fraud", facts="虚报", decided_on="2026-05-01"
    )
    response = client_for(bureau.secretary_a).get(branch_url(bureau.branch_a))
    assert "jf-vetoed" in response.text
    assert response.context["by"].results[-1].member == bureau.member_a


def test_the_committee_overview_lists_every_branch(bureau, client_for, card_entries):
    response = client_for(bureau.committee_admin).get(committee_url())
    assert response.status_code == 200
    rows = {r.branch.code: r for r in response.context["rows"]}
    assert rows["zb1"].taking_part == 2
    assert rows["zb1"].top == Decimal("190.0")
    assert rows["zb1"].average == Decimal("145.0")
    assert rows["zb2"].taking_part == 1


def test_a_secretary_gets_404_for_the_committee_overview(bureau, client_for):
    assert client_for(bureau.secretary_a).get(committee_url()).status_code == 404
    assert client_for(bureau.member_b_user).get(committee_url()).status_code == 404


# Members


def test_a_secretary_lists_only_their_branch_members(bureau, client_for):
    response = client_for(bureau.secretary_a).get(members_url())
    assert response.status_code == 200
    assert "张红梅" in response.text
    assert "李建国" in response.text
    assert "王晓燕" not in response.text


def test_member_search_finds_by_name(bureau, client_for):
    response = client_for(bureau.secretary_a).get(members_url(q="红梅"))
    names = [m.name for m in response.context["page"].object_list]
    assert names == ["张红梅"]


def test_member_search_finds_by_department_and_position(bureau, client_for):
    client = client_for(bureau.committee_admin)
    by_department = client.get(members_url(q="生态保护"))
    assert {m.name for m in by_department.context["page"].object_list} == {"张红梅", "李建国"}
    MemberFactory(branch=bureau.branch_b, name="赵书记", position="专职副书记")
    by_position = client.get(members_url(q="副书记"))
    assert [m.name for m in by_position.context["page"].object_list] == ["赵书记"]


def test_member_search_does_not_reach_another_branch(bureau, client_for):
    response = client_for(bureau.secretary_b).get(members_url(q="张红梅"))
    assert list(response.context["page"].object_list) == []


def test_the_live_search_returns_only_the_results_part(bureau, client_for):
    response = client_for(bureau.secretary_a).get(members_url(q="李"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "李建国" in response.text
    assert "张红梅" not in response.text


def test_the_committee_filters_members_by_branch(bureau, client_for):
    response = client_for(bureau.committee_admin).get(members_url(branch="zb2"))
    assert [m.name for m in response.context["page"].object_list] == ["王晓燕"]


def test_a_plain_member_gets_404_for_the_member_list(bureau, client_for):
    assert client_for(bureau.member_a_user).get(members_url()).status_code == 404


def test_a_member_sees_their_own_profile(bureau, client_for):
    response = client_for(bureau.member_a_user).get(detail_url(bureau.member_a))
    assert response.status_code == 200
    assert "13800" in response.text
    assert card_url(bureau.member_a) in response.text


def test_a_member_gets_404_for_another_members_profile(bureau, client_for):
    client = client_for(bureau.member_a_user)
    assert client.get(detail_url(bureau.other_member_a)).status_code == 404


def test_a_secretary_of_another_branch_gets_404_for_a_profile(bureau, client_for):
    assert client_for(bureau.secretary_b).get(detail_url(bureau.member_a)).status_code == 404
    assert client_for(bureau.secretary_a).get(detail_url(bureau.member_a)).status_code == 200


# The points card


def test_the_card_shows_the_engine_totals_with_caps_applied(bureau, card_entries):
    card = member_card(bureau.member_a, YEAR)
    assert card.totals.base == Decimal("98.0")
    assert card.totals.dedication == Decimal("3.0")  # 3.5 recorded, capped at 3
    assert card.totals.deductions == Decimal("1.0")
    assert card.totals.appraisal == Decimal("90.0")
    assert card.totals.total == Decimal("190.0")
    volunteer = next(r for r in card.dedication_rows if r.label == "志愿服务")
    assert volunteer.months[2].value == Decimal("3.5")
    assert volunteer.year_score == Decimal("3.0")
    assert "河道清理" in volunteer.months[2].title
    ecology = card.dedication_rows[0]
    assert ecology.label == "生态保护"
    assert ecology.months[6].value == Decimal("0.0")
    assert [r.label for r in card.base_rows][0] == "组织活动"
    assert card.base_rows[0].months[4].value == Decimal("-2.0")
    assert card.base_max == Decimal("100")


def test_the_card_page_lays_out_the_form(bureau, client_for, card_entries):
    response = client_for(bureau.member_a_user).get(card_url(bureau.member_a))
    assert response.status_code == 200
    text = response.text
    for heading in ("党员奉献量化积分制管理记录卡", "基本分", "奉献分", "扣减分", "民主评议"):
        assert heading in text
    assert "一票否决项" in text
    assert "无" in text
    assert "190.0" in text
    assert 'title="' in text
    assert "河道清理" in text
    assert "Reversal" in text
    assert "Reversed" in text


def test_the_card_shows_the_veto_ground(bureau, client_for):
    veto_record(
        member=bureau.member_a, year=YEAR, ground="fraud", facts="虚报", decided_on="2026-05-01"
    )
    card = member_card(bureau.member_a, YEAR)
    assert card.veto_text
    response = client_for(bureau.secretary_a).get(card_url(bureau.member_a))
    assert card.veto_text in response.text


def test_a_card_without_a_scheme_shows_the_template_rows(bureau):
    card = member_card(bureau.member_b, YEAR)
    assert card.scheme is None
    assert len(card.base_rows) == 5
    assert len(card.dedication_rows) == 13
    assert card.totals.total == Decimal("100.0")


def test_officers_of_the_branch_and_the_committee_see_a_card(bureau, client_for):
    for user in (bureau.secretary_a, bureau.group_a, bureau.recorder_a, bureau.committee_admin):
        assert client_for(user).get(card_url(bureau.member_a)).status_code == 200


def test_a_member_gets_404_for_another_members_card(bureau, client_for):
    client = client_for(bureau.member_a_user)
    assert client.get(card_url(bureau.other_member_a)).status_code == 404
    assert client.get(card_url(bureau.member_b)).status_code == 404


def test_a_secretary_of_another_branch_gets_404_for_a_card(bureau, client_for):
    assert client_for(bureau.secretary_b).get(card_url(bureau.member_a)).status_code == 404


# Query counts do not grow with the rows


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_page_query_counts_do_not_grow_with_members(bureau, client_for, card_entries):
    client = client_for(bureau.committee_admin)
    urls = [home(YEAR), branch_url(bureau.branch_a), committee_url(), members_url()]
    before = [_queries(client, url) for url in urls]
    scheme = card_entries
    volunteer = scheme.items.get(code="dedication.volunteer")
    for n in range(8):
        member = MemberFactory(branch=bureau.branch_a, department=bureau.department)
        entry_post(
            member=member, year=YEAR, month=1 + n, points="1", source="direct", item=volunteer
        )
    assert [_queries(client, url) for url in urls] == before


def test_card_query_count_does_not_grow_with_entries(bureau, client_for, card_entries):
    client = client_for(bureau.secretary_a)
    before = _queries(client, card_url(bureau.member_a))
    ecology = card_entries.items.get(code="dedication.ecology")
    for month in range(1, 13):
        entry_post(
            member=bureau.member_a,
            year=YEAR,
            month=month,
            points="0.5",
            source="direct",
            item=ecology,
            recorded_by=bureau.group_a,
        )
    assert _queries(client, card_url(bureau.member_a)) == before
