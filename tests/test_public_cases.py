"""典型案例 on the public pages: published cases for everyone, their chosen photos only while
published, and never a phone number, a birth date or an ID number."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organizations.models import Role
from oversight.cases import case_create, case_withdraw
from tests.cases_support import photo_of, published_case, recognised_line
from tests.factories import MemberFactory, UserFactory, grant

PHONE_PATTERN = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_PATTERN = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def case(bureau):
    member = bureau.member_a
    member.phone = PHONE
    member.birth_month = dt.date(1980, 5, 1)
    member.save(update_fields=["phone", "birth_month"])
    return published_case(bureau)


def photo_url(case) -> str:
    return reverse(
        "oversight:public_case_photo", kwargs={"pk": case.pk, "file_pk": photo_of(case.line).pk}
    )


def test_an_anonymous_visitor_reads_the_published_cases(bureau, case):
    response = Client().get(reverse("oversight:public_cases"))
    assert response.status_code == 200
    html = response.content.decode()
    assert case.title in html
    assert case.text in html
    assert "张红梅" in html
    assert "第一党支部" in html
    assert photo_url(case) in html


def test_the_public_page_carries_no_personal_data(bureau, case):
    html = Client().get(reverse("oversight:public_cases")).content.decode()
    assert PHONE not in html
    assert "1980" not in html
    assert not PHONE_PATTERN.search(html)
    assert not ID_PATTERN.search(html)
    assert "2.0" not in html  # the recognised points are not published


def test_the_chosen_photo_is_served_without_signing_in(bureau, case):
    response = Client().get(photo_url(case))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_photo_not_chosen_for_the_case_is_404(bureau, case):
    pdf = case.line.declaration.evidence.get(original_name="总结.pdf")
    url = reverse("oversight:public_case_photo", kwargs={"pk": case.pk, "file_pk": pdf.pk})
    assert Client().get(url).status_code == 404


def test_a_withdrawn_case_leaves_the_page_and_its_photo_is_404(bureau, case):
    url = photo_url(case)
    case_withdraw(case=case, reason="本人要求撤下", actor=bureau.committee_admin)
    assert case.title not in Client().get(reverse("oversight:public_cases")).content.decode()
    assert Client().get(url).status_code == 404


def test_a_draft_is_not_public(bureau):
    line = recognised_line(bureau)
    draft = case_create(
        committee=bureau.committee,
        line=line,
        title="未发布的案例",
        text=line.description,
        photo_ids=[photo_of(line).pk],
        consent=True,
        actor=bureau.secretary_a,
    )
    assert "未发布的案例" not in Client().get(reverse("oversight:public_cases")).content.decode()
    url = reverse(
        "oversight:public_case_photo", kwargs={"pk": draft.pk, "file_pk": photo_of(line).pk}
    )
    assert Client().get(url).status_code == 404


def test_another_branch_s_signed_in_user_sees_the_same_public_page(bureau, case, client_for):
    response = client_for(bureau.secretary_b).get(reverse("oversight:public_cases"))
    assert response.status_code == 200
    assert case.title in response.content.decode()


@pytest.mark.parametrize(("pk", "file_pk"), [(0, 0), (2**63, 1), (999999, 1)])
def test_a_bad_photo_address_is_404(bureau, case, pk, file_pk):
    url = reverse("oversight:public_case_photo", kwargs={"pk": pk, "file_pk": file_pk})
    assert Client().get(url).status_code == 404


def test_the_public_page_costs_the_same_queries_however_many_cases(bureau, case):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert Client().get(reverse("oversight:public_cases")).status_code == 200
        return len(queries.captured_queries)

    few = count()
    user = UserFactory(username="member_a2")
    grant(user, bureau.branch_a, Role.MEMBER)
    published_case(
        bureau, title="第二个案例", member=MemberFactory(branch=bureau.branch_a, user=user)
    )
    assert count() == few


def test_the_public_post_page_links_to_the_cases(bureau):
    from commitments.services import post_for_member

    post = post_for_member(member=bureau.member_a)
    html = Client().get(reverse("commitments:public", args=[post.token])).content.decode()
    assert reverse("oversight:public_cases") in html
