"""随机抽查: a reproducible random sample of recognised entries, the committee's findings,
the branch's response to a problem and the committee closing it."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from core.errors import DomainError
from ledger.services import entry_post, entry_reverse
from notifications.models import Notification
from organizations.models import Organization
from oversight import sampling
from oversight.models import Finding, SpotCheck, SpotCheckItem
from oversight.services import (
    spot_check_draw,
    spot_check_item_close,
    spot_check_item_record,
    spot_check_item_respond,
)
from rules.services import scheme_for_year
from tests.factories import OrganizationFactory

YEAR = 2025


@pytest.fixture
def ledger(bureau):
    """Branch A: 8 direct entries (one reversed) and an attendance deduction; branch B: 4."""
    entries = {"a": [], "b": []}
    for code, branch, members in (
        ("a", bureau.branch_a, [bureau.member_a, bureau.other_member_a]),
        ("b", bureau.branch_b, [bureau.member_b]),
    ):
        scheme = scheme_for_year(branch=branch, year=YEAR)
        volunteer = scheme.items.get(code="dedication.volunteer")
        count = 8 if code == "a" else 4
        for n in range(count):
            entries[code].append(
                entry_post(
                    member=members[n % len(members)],
                    year=YEAR,
                    month=n % 6 + 1,
                    points="2",
                    source="direct",
                    item=volunteer,
                    reason=f"{code}支部志愿服务{n}",
                )
            )
        if code == "a":
            late = scheme.items.get(code="deduction.study")
            entry_post(
                member=members[0], year=YEAR, month=1, points="1", source="attendance", item=late
            )
    reversal = entry_reverse(entry=entries["a"][0], reason="认定有误")
    return {**entries, "reversal": reversal}


def draw(bureau, **kwargs):
    values = {
        "committee": bureau.committee,
        "year": YEAR,
        "size": 3,
        "actor": bureau.committee_admin,
    }
    values.update(kwargs)
    return spot_check_draw(**values)


def sample(check: SpotCheck) -> list[int]:
    return list(check.items.order_by("order").values_list("entry_id", flat=True))


# Drawing ------------------------------------------------------------------------------


def test_the_candidates_are_recognised_entries_neither_reversed_nor_reversals(bureau, ledger):
    ids = set(
        sampling.candidates(
            year=YEAR, branch_ids=[bureau.branch_a.pk, bureau.branch_b.pk], months=[]
        ).values_list("pk", flat=True)
    )
    expected = {e.pk for e in ledger["a"][1:] + ledger["b"]}
    assert ids == expected  # no reversed entry, no reversal, no attendance deduction


def test_the_same_seed_and_parameters_draw_the_same_sample(bureau, ledger):
    first = draw(bureau, size=5, seed=20250101)
    again = draw(bureau, size=5, seed=20250101)
    assert sample(first) == sample(again)
    assert len(set(sample(first))) == 5


def test_the_draw_does_not_depend_on_the_order_the_candidates_come_in():
    ids = list(range(100, 160))
    shuffled = ids[:]
    random.Random(1).shuffle(shuffled)
    assert sampling.draw(ids, size=7, seed=42) == sampling.draw(shuffled, size=7, seed=42)
    assert sampling.draw(ids, size=7, seed=42) != sampling.draw(ids, size=7, seed=43)


def test_without_a_seed_a_new_one_is_chosen_and_kept(bureau, ledger):
    check = draw(bureau)
    assert check.seed > 0
    assert sample(draw(bureau, seed=check.seed)) == sample(check)


def test_the_sample_keeps_to_the_chosen_branches_and_months(bureau, ledger):
    check = draw(bureau, size=2, branches=[bureau.branch_b], months=[1, 2])
    entries = SpotCheckItem.objects.filter(spot_check=check).select_related("entry")
    assert {i.entry.branch_id for i in entries} == {bureau.branch_b.pk}
    assert {i.entry.month for i in entries} <= {1, 2}
    assert check.population == 2
    assert list(check.branches.all()) == [bureau.branch_b]


def test_a_sample_larger_than_the_population_is_refused_and_nothing_is_stored(bureau, ledger):
    with pytest.raises(DomainError) as error:
        draw(bureau, size=12)
    assert "11" in error.value.message
    assert not SpotCheck.objects.exists()


@pytest.mark.parametrize(
    "kwargs", [{"size": 0}, {"size": 201}, {"months": [13]}, {"year": 1999}, {"seed": -1}]
)
def test_bad_parameters_are_refused(bureau, ledger, kwargs):
    with pytest.raises(DomainError):
        draw(bureau, **kwargs)
    assert not SpotCheck.objects.exists()


def test_a_branch_of_another_committee_is_refused(bureau, ledger):
    other = OrganizationFactory(code="other", kind=Organization.Kind.COMMITTEE)
    stray = OrganizationFactory(code="stray", parent=other)
    with pytest.raises(DomainError):
        draw(bureau, branches=[stray])


def test_the_draw_is_audited_with_its_seed_and_entries(bureau, ledger):
    check = draw(bureau, seed=7)
    event = AuditEvent.objects.get(action="oversight.spot_check.drawn")
    assert event.after["seed"] == 7
    assert event.after["entries"] == sample(check)


# Findings, response, closing ----------------------------------------------------------


@pytest.fixture
def item(bureau, ledger):
    check = draw(bureau, size=1, branches=[bureau.branch_a], seed=1)
    return check.items.get()


def test_a_confirmed_finding_is_recorded_once(bureau, item):
    spot_check_item_record(item=item, finding="confirmed", actor=bureau.committee_admin)
    item.refresh_from_db()
    assert item.status == Finding.CONFIRMED
    assert item.checked_by == bureau.committee_admin
    with pytest.raises(DomainError):
        spot_check_item_record(item=item, finding="problem", note="x")
    assert not Notification.objects.exists()


def test_a_problem_needs_a_note(bureau, item):
    with pytest.raises(DomainError):
        spot_check_item_record(item=item, finding="problem", note="  ")
    item.refresh_from_db()
    assert item.status == Finding.PENDING


def test_an_unknown_finding_is_refused(bureau, item):
    with pytest.raises(DomainError):
        spot_check_item_record(item=item, finding="closed")


def test_a_problem_asks_the_branch_s_secretary_for_a_response(bureau, item):
    spot_check_item_record(item=item, finding="problem", note="佐证材料不足")
    note = Notification.objects.get()
    assert note.user == bureau.secretary_a
    assert note.url == reverse("oversight:response", kwargs={"pk": item.pk})


def test_the_whole_problem_is_responded_to_and_closed(bureau, item):
    spot_check_item_record(item=item, finding="problem", note="佐证材料不足")
    with pytest.raises(DomainError):
        spot_check_item_close(item=item)  # no response yet
    spot_check_item_respond(item=item, response="已补充照片", actor=bureau.secretary_a)
    with pytest.raises(DomainError):
        spot_check_item_respond(item=item, response="再次答复")
    spot_check_item_close(item=item, note="已核实", actor=bureau.committee_admin)
    item.refresh_from_db()
    assert (item.status, item.response, item.closing_note) == ("closed", "已补充照片", "已核实")
    with pytest.raises(DomainError):
        spot_check_item_close(item=item)
    actions = list(
        AuditEvent.objects.filter(action__startswith="oversight.spot_check_item")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "oversight.spot_check_item.recorded",
        "oversight.spot_check_item.responded",
        "oversight.spot_check_item.closed",
    ]
    assert Notification.objects.filter(user=bureau.committee_admin).exists()


def test_a_confirmed_entry_cannot_be_responded_to_or_closed(bureau, item):
    spot_check_item_record(item=item, finding="confirmed")
    with pytest.raises(DomainError):
        spot_check_item_respond(item=item, response="x")
    with pytest.raises(DomainError):
        spot_check_item_close(item=item)


def test_an_empty_response_is_refused(bureau, item):
    spot_check_item_record(item=item, finding="problem", note="问题")
    with pytest.raises(DomainError):
        spot_check_item_respond(item=item, response="")


# The pages ----------------------------------------------------------------------------


def test_the_committee_draws_on_the_page_and_sees_the_seed(bureau, ledger, client_for):
    client = client_for(bureau.committee_admin)
    response = client.post(
        reverse("oversight:check_draw"),
        {"year": YEAR, "size": 4, "branches": [bureau.branch_a.pk], "seed": 99},
    )
    check = SpotCheck.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("oversight:check_detail", kwargs={"pk": check.pk})
    page = client.get(response["Location"])
    assert 'data-testid="seed">99<' in page.content.decode()
    assert len(page.context["items"]) == 4
    assert client.get(reverse("oversight:checks")).status_code == 200


def test_a_sample_too_large_on_the_page_shows_why_and_stores_nothing(bureau, ledger, client_for):
    response = client_for(bureau.committee_admin).post(
        reverse("oversight:check_draw"), {"year": YEAR, "size": 50}
    )
    assert response.status_code == 400
    assert "larger than the recognised entries" in response.content.decode()
    assert not SpotCheck.objects.exists()


def test_the_committee_records_findings_and_closes_on_the_pages(bureau, item, client_for):
    committee = client_for(bureau.committee_admin)
    url = reverse("oversight:item_record", kwargs={"pk": item.pk})
    response = committee.post(url, {"finding": "problem", "note": ""}, follow=True)
    assert "Describe the problem" in response.content.decode()
    committee.post(url, {"finding": "problem", "note": "佐证不足"})
    secretary = client_for(bureau.secretary_a)
    respond = reverse("oversight:response", kwargs={"pk": item.pk})
    assert secretary.get(reverse("oversight:responses")).status_code == 200
    assert secretary.post(respond, {"response": ""}).status_code == 400
    assert secretary.post(respond, {"response": "已补充"}).status_code == 302
    committee.post(reverse("oversight:item_close", kwargs={"pk": item.pk}), {"note": "可以"})
    item.refresh_from_db()
    assert item.status == Finding.CLOSED


@pytest.mark.parametrize("who", ["secretary_a", "group_a", "member_a_user", "secretary_b"])
def test_nobody_but_the_committee_sees_or_draws_spot_checks(bureau, item, client_for, who):
    client = client_for(getattr(bureau, who))
    assert client.get(reverse("oversight:checks")).status_code == 404
    assert (
        client.post(reverse("oversight:check_draw"), {"year": YEAR, "size": 1}).status_code == 404
    )
    detail = reverse("oversight:check_detail", kwargs={"pk": item.spot_check_id})
    assert client.get(detail).status_code == 404
    record = reverse("oversight:item_record", kwargs={"pk": item.pk})
    assert client.post(record, {"finding": "confirmed"}).status_code == 404
    item.refresh_from_db()
    assert item.status == Finding.PENDING


def test_another_branch_s_secretary_cannot_see_or_answer_the_problem(bureau, item, client_for):
    spot_check_item_record(item=item, finding="problem", note="问题")
    client = client_for(bureau.secretary_b)
    url = reverse("oversight:response", kwargs={"pk": item.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"response": "越权答复"}).status_code == 404
    assert item.entry.reason not in client.get(reverse("oversight:responses")).content.decode()
    item.refresh_from_db()
    assert item.status == Finding.PROBLEM


def test_a_member_or_group_member_has_no_responses_page(bureau, item, client_for):
    spot_check_item_record(item=item, finding="problem", note="问题")
    for user in (bureau.member_a_user, bureau.group_a):
        client = client_for(user)
        assert client.get(reverse("oversight:responses")).status_code == 404
        url = reverse("oversight:response", kwargs={"pk": item.pk})
        assert client.get(url).status_code == 404


def test_a_pending_item_is_not_shown_to_the_branch(bureau, item, client_for):
    url = reverse("oversight:response", kwargs={"pk": item.pk})
    assert client_for(bureau.secretary_a).get(url).status_code == 404


def test_the_secretary_s_menu_counts_the_open_requests(bureau, item, client_for):
    client = client_for(bureau.secretary_a)
    home = reverse("core:home")
    assert client.get(home).context["nav"]  # the menus render
    spot_check_item_record(item=item, finding="problem", note="问题")
    text = client.get(home).content.decode()
    link = text.split(reverse("oversight:responses"))[1].split("</a>")[0]
    assert ">1<" in link.replace(" ", "")
