"""亮身份 and who takes part, in a browser: a post card printed at desk-sign size, its QR
link opened on a phone without signing in, and an exemption from application to filing.

Screenshots land in test-artifacts/screenshots/commitments-*.png.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments import services as commitments
from commitments.models import Topic
from participation.models import Exemption, ExemptionStatus
from tests.browser.support import wait_for_image
from tests.cases_support import published_case
from tests.factories import PASSWORD

from .support import DESKTOP, PHONE, SCREENSHOTS

PHONE_NUMBER = "13812345678"
PHONE_PATTERN = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_PATTERN = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


@pytest.fixture
def promised(bureau, settings, tmp_path):
    """Member A with a phone on file and one approved commitment for the year."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    member = bureau.member_a
    member.phone = PHONE_NUMBER
    member.position = "生态保护科科员"
    member.save(update_fields=["phone", "position"])
    commitment = commitments.commitment_create(
        member=member,
        year=timezone.localdate().year,
        topic=Topic.POST,
        text="带头完成年度生态巡护任务，全年巡河不少于四十次",
        actor=member.user,
    )
    commitments.commitment_submit(commitment=commitment, actor=member.user)
    commitments.commitment_approve(commitment=commitment, actor=bureau.secretary_a)
    return bureau


def assert_no_personal_data(html: str) -> None:
    assert PHONE_NUMBER not in html
    assert not PHONE_PATTERN.search(html), PHONE_PATTERN.search(html)
    assert not ID_PATTERN.search(html), ID_PATTERN.search(html)


def test_a_post_card_prints_and_its_qr_link_opens_on_a_phone(promised, screen):
    bureau = promised
    desk = screen("commitments-desktop", DESKTOP)
    desk.sign_in("secretary_a", PASSWORD)
    desk.open(reverse("commitments:card", kwargs={"member_pk": bureau.member_a.pk}))
    # Looking made nothing; the button makes the post page and its QR code.
    assert desk.page.locator("[data-testid=post-card]").count() == 0
    with desk.page.expect_navigation():
        desk.page.locator("form[action*='/create/'] button[type=submit]").click()
    card = desk.page.locator("[data-testid=post-card]")
    assert card.count() == 1
    assert card.locator(".cm-card-qr svg").count() == 1  # the QR code
    desk.shot("post-card-page")
    desk.page.emulate_media(media="print")
    card.screenshot(path=str(SCREENSHOTS / "commitments-desktop-post-card-print.png"))
    desk.page.emulate_media(media="screen")
    public_url = desk.page.locator("a[href*='/commitments/p/']").first.get_attribute("href")
    assert public_url
    assert "/commitments/p/" in public_url

    phone = screen("commitments-phone", PHONE)
    response = phone.page.goto(public_url)
    assert response is not None
    assert response.ok
    post = phone.page.locator("[data-testid=public-post]")
    text = post.inner_text()
    assert bureau.member_a.name in text
    assert "生态保护科科员" in text
    assert bureau.branch_a.name in text
    assert "带头完成年度生态巡护任务" in text
    assert_no_personal_data(phone.page.content())
    assert not phone.overflows_sideways()
    phone.shot("public-post")
    assert not desk.problems, desk.problems
    assert not phone.problems, phone.problems


def test_the_public_cases_page_shows_no_personal_data(promised, screen):
    bureau = promised
    case = published_case(bureau)
    phone = screen("commitments-phone", PHONE)
    phone.open(reverse("oversight:public_cases"))
    cases = phone.page.locator("[data-testid=public-case]")
    assert cases.count() == 1
    assert case.title in cases.inner_text()
    wait_for_image(phone.page, "[data-testid=public-case] img")  # it loads lazily
    assert_no_personal_data(phone.page.content())
    assert not phone.overflows_sideways()
    phone.shot("public-cases")
    assert not phone.problems, phone.problems


def test_an_exemption_walks_from_application_to_filing(promised, screen):
    bureau = promised
    year = timezone.localdate().year

    member = screen("commitments-phone", PHONE)
    member.sign_in("member_a", PASSWORD)
    member.open(reverse("participation:mine"))
    form = member.page.locator("form[action$='/participation/mine/apply/']")
    form.locator("input[name=ground][value=health]").check()
    form.locator("textarea[name=reason]").fill("术后休养一年，无法参加集体活动")
    member.shot("exemption-1-applying")
    with member.page.expect_navigation():
        form.locator("button[type=submit]").click()
    exemption = Exemption.objects.get(member=bureau.member_a, year=year)
    assert exemption.status == ExemptionStatus.SUBMITTED
    assert not member.overflows_sideways()
    member.shot("exemption-2-applied")

    secretary = screen("commitments-desktop", DESKTOP)
    secretary.sign_in("secretary_a", PASSWORD)
    secretary.open(reverse("participation:branch", args=[bureau.branch_a.code, year]))
    secretary.shot("exemption-3-branch")
    decide = secretary.page.locator(f"[data-testid=decide-{exemption.pk}]")
    with secretary.page.expect_navigation():
        decide.locator("button[formaction$='/approve/']").click()
    exemption.refresh_from_db()
    assert exemption.status == ExemptionStatus.APPROVED
    secretary.shot("exemption-4-approved")

    committee = screen("commitments-committee", DESKTOP)
    committee.sign_in("committee", PASSWORD)
    committee.open(reverse("participation:committee") + f"?year={year}")
    committee.shot("exemption-5-to-file")
    file = committee.page.locator(f"[data-testid=file-{exemption.pk}]")
    with committee.page.expect_navigation():
        file.locator("button[formaction$='/file/']").click()
    exemption.refresh_from_db()
    assert exemption.status == ExemptionStatus.FILED
    committee.shot("exemption-6-filed")

    member.open(reverse("participation:mine"))
    member.shot("exemption-7-member-sees-filed")
    for view in (member, secretary, committee):
        assert not view.problems, view.problems
