"""亮身份 and 亮承诺: post cards, the public post page, commitments through their year."""

from __future__ import annotations

import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext
from PIL import Image

from audit.models import AuditEvent
from commitments import selectors, services
from commitments.models import Commitment, Fulfilment, IdentityPost, Status, Topic
from core.errors import DomainError
from organizations.settings_services import update_branch_settings
from tests.factories import MemberFactory, settings_form

YEAR = timezone.localdate().year
PHONE_PATTERN = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_PATTERN = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


def draft(bureau, text="带头完成年度生态巡护任务", member=None, topic=Topic.POST):
    member = member or bureau.member_a
    return services.commitment_create(
        member=member, year=YEAR, topic=topic, text=text, actor=member.user
    )


def approved(bureau, text="带头完成年度生态巡护任务", member=None):
    commitment = draft(bureau, text, member=member)
    services.commitment_submit(commitment=commitment, actor=commitment.member.user)
    return services.commitment_approve(commitment=commitment, actor=bureau.secretary_a)


def post(client, name, *args, data=None):
    return client.post(reverse(f"commitments:{name}", args=args), data or {})


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# The member drafts and submits --------------------------------------------------


def test_a_member_drafts_and_submits_a_commitment(bureau, client_for):
    client = client_for(bureau.member_a_user)
    response = client.post(
        reverse("commitments:create") + f"?year={YEAR}",
        {"topic": "post", "text": "每月走访联系群众一次"},
    )
    assert response.status_code == 302
    commitment = Commitment.objects.get(member=bureau.member_a)
    assert commitment.status == Status.DRAFT
    assert commitment.branch == bureau.branch_a
    response = post(client, "submit", commitment.pk)
    commitment.refresh_from_db()
    assert commitment.status == Status.SUBMITTED
    assert commitment.submitted_at is not None
    assert AuditEvent.objects.filter(action="commitments.commitment.submitted").exists()
    page = client.get(reverse("commitments:mine"))
    assert "每月走访联系群众一次" in page.content.decode()


def test_a_third_commitment_is_refused_and_nothing_is_made(bureau, client_for):
    draft(bureau, "一")
    draft(bureau, "二")
    response = client_for(bureau.member_a_user).post(
        reverse("commitments:create") + f"?year={YEAR}", {"topic": "post", "text": "三"}
    )
    assert response.status_code == 400
    refusal = gettext(
        "You already have %(made)d commitments for %(year)d; the branch allows "
        "%(allowed)d. Change or delete a draft instead."
    ) % {"made": 2, "year": YEAR, "allowed": 2}
    assert escape(refusal) in response.content.decode()
    assert Commitment.objects.filter(member=bureau.member_a).count() == 2


def test_the_branch_sets_one_commitment_per_member(bureau, client_for):
    response = client_for(bureau.secretary_a).post(
        reverse("organizations:branch_settings", args=["zb1"]),
        settings_form(commitments_per_member="1"),
    )
    assert response.status_code == 302
    assert selectors.max_commitments(bureau.branch_a) == 1
    assert selectors.max_commitments(bureau.branch_b) == 2
    draft(bureau, "一")
    with pytest.raises(DomainError):
        draft(bureau, "二")


def test_the_rule_stays_within_the_plans_one_or_two(bureau, client_for):
    with pytest.raises(DomainError):
        update_branch_settings(
            actor=bureau.secretary_a, branch=bureau.branch_a, commitments_per_member=3
        )
    response = client_for(bureau.secretary_a).post(
        reverse("organizations:branch_settings", args=["zb1"]),
        settings_form(commitments_per_member="9"),
        follow=True,
    )
    assert response.status_code == 200
    assert selectors.max_commitments(bureau.branch_a) == 2


def test_only_the_secretary_changes_the_rule(bureau, client_for):
    url = reverse("organizations:branch_settings", args=["zb1"])
    data = settings_form(commitments_per_member="1")
    assert client_for(bureau.group_a).post(url, data).status_code == 404
    assert client_for(bureau.secretary_b).post(url, data).status_code == 404
    # The committee sets the branch's deadline but not its commitments: those stay as they are.
    assert client_for(bureau.committee_admin).post(url, data).status_code == 302
    assert selectors.max_commitments(bureau.branch_a) == 2
    with pytest.raises(DomainError):
        update_branch_settings(
            actor=bureau.committee_admin, branch=bureau.branch_a, commitments_per_member=1
        )


def test_an_empty_or_overlong_commitment_is_refused(bureau, client_for):
    client = client_for(bureau.member_a_user)
    url = reverse("commitments:create") + f"?year={YEAR}"
    assert client.post(url, {"topic": "post", "text": "   "}).status_code == 400
    assert client.post(url, {"topic": "nonsense", "text": "x"}).status_code == 400
    assert client.post(url, {"topic": "post", "text": "长" * 501}).status_code == 400
    with pytest.raises(DomainError):
        services.commitment_create(member=bureau.member_a, year=YEAR - 3, topic="post", text="x")
    assert not Commitment.objects.exists()


def test_a_member_edits_and_deletes_only_their_own_drafts(bureau, client_for):
    mine = draft(bureau)
    theirs = draft(bureau, member=bureau.member_b)
    client = client_for(bureau.member_a_user)
    response = client.post(
        reverse("commitments:edit", args=[mine.pk]), {"topic": "serving", "text": "改过的承诺"}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.topic, mine.text) == ("serving", "改过的承诺")
    assert client.get(reverse("commitments:edit", args=[theirs.pk])).status_code == 404
    assert post(client, "delete", theirs.pk).status_code == 404
    assert post(client, "submit", theirs.pk).status_code == 404
    assert post(client, "delete", mine.pk).status_code == 302
    assert not Commitment.objects.filter(pk=mine.pk).exists()
    assert Commitment.objects.filter(pk=theirs.pk).exists()


def test_editing_an_approved_commitment_is_refused(bureau, client_for):
    commitment = approved(bureau, "原承诺")
    client = client_for(bureau.member_a_user)
    response = client.post(
        reverse("commitments:edit", args=[commitment.pk]), {"topic": "post", "text": "偷改"}
    )
    assert response.status_code == 400
    refusal = gettext("An approved commitment is published and can no longer be changed.")
    assert escape(refusal) in response.content.decode()
    response = client.get(reverse("commitments:edit", args=[commitment.pk]), follow=True)
    assert refusal in messages_of(response)
    response = post(client, "delete", commitment.pk)
    commitment.refresh_from_db()
    assert commitment.text == "原承诺"
    assert commitment.status == Status.APPROVED


# The branch decides ---------------------------------------------------------------


def test_the_secretary_approves_and_the_commitment_is_published(bureau, client_for):
    commitment = draft(bureau, "承诺甲")
    services.commitment_submit(commitment=commitment, actor=bureau.member_a_user)
    client = client_for(bureau.secretary_a)
    response = post(client, "approve", commitment.pk, data={"comment": "同意"})
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == Status.APPROVED
    assert commitment.reviewed_by == bureau.secretary_a
    assert selectors.approved_commitments(bureau.branch_a, YEAR) == [commitment]
    assert selectors.approved_commitments(bureau.branch_b, YEAR) == []
    board = client.get(reverse("commitments:board", args=["zb1", YEAR]))
    assert "承诺甲" in board.content.decode()


def test_the_group_returns_a_commitment_with_a_comment(bureau, client_for):
    commitment = draft(bureau)
    services.commitment_submit(commitment=commitment, actor=bureau.member_a_user)
    client = client_for(bureau.group_a)
    response = post(
        client,
        "return",
        commitment.pk,
        data={"comment": ""},
    )
    commitment.refresh_from_db()
    assert commitment.status == Status.SUBMITTED  # a return needs its reason
    post(client, "return", commitment.pk, data={"comment": "请写具体一些"})
    commitment.refresh_from_db()
    assert commitment.status == Status.RETURNED
    assert commitment.review_comment == "请写具体一些"
    # The member revises and submits again.
    services.commitment_update(
        commitment=commitment, topic="post", text="具体的承诺", actor=bureau.member_a_user
    )
    services.commitment_submit(commitment=commitment, actor=bureau.member_a_user)
    commitment.refresh_from_db()
    assert commitment.status == Status.SUBMITTED
    assert response.status_code == 302


def test_a_draft_cannot_be_approved(bureau):
    commitment = draft(bureau)
    with pytest.raises(DomainError):
        services.commitment_approve(commitment=commitment, actor=bureau.secretary_a)
    commitment.refresh_from_db()
    assert commitment.status == Status.DRAFT


def test_a_member_cannot_approve(bureau, client_for):
    commitment = draft(bureau, member=bureau.other_member_a)
    services.commitment_submit(commitment=commitment)
    assert post(client_for(bureau.member_a_user), "approve", commitment.pk).status_code == 404
    assert post(client_for(bureau.recorder_a), "approve", commitment.pk).status_code == 403
    assert post(client_for(bureau.secretary_b), "approve", commitment.pk).status_code == 404
    commitment.refresh_from_db()
    assert commitment.status == Status.SUBMITTED


def test_nobody_approves_their_own_commitment(bureau, client_for):
    officer = MemberFactory(branch=bureau.branch_a, name="书记本人", user=bureau.secretary_a)
    commitment = draft(bureau, member=officer)
    services.commitment_submit(commitment=commitment, actor=bureau.secretary_a)
    response = post(client_for(bureau.secretary_a), "approve", commitment.pk)
    commitment.refresh_from_db()
    assert commitment.status == Status.SUBMITTED
    assert response.status_code == 302
    post(client_for(bureau.group_a), "approve", commitment.pk)
    commitment.refresh_from_db()
    assert commitment.status == Status.APPROVED


def test_another_branch_sees_nothing_of_the_review(bureau, client_for):
    approved(bureau, "甲支部承诺")
    client = client_for(bureau.secretary_b)
    assert client.get(reverse("commitments:review", args=["zb1", YEAR])).status_code == 404
    assert client.get(reverse("commitments:board", args=["zb1", YEAR])).status_code == 404
    assert client.get(reverse("commitments:posts", args=["zb1"])).status_code == 404
    assert client.get(reverse("commitments:sheet", args=["zb1"])).status_code == 404
    own = client.get(reverse("commitments:review", args=["zb2", YEAR]))
    assert own.status_code == 200
    assert "甲支部承诺" not in own.content.decode()


def test_a_member_is_not_shown_the_review(bureau, client_for):
    url = reverse("commitments:review", args=["zb1", YEAR])
    assert client_for(bureau.member_a_user).get(url).status_code == 404
    assert client_for(bureau.recorder_a).get(url).status_code == 200
    assert client_for(bureau.committee_admin).get(url).status_code == 200


# Year end ---------------------------------------------------------------------------


def test_the_member_reports_and_the_group_assesses(bureau, client_for):
    commitment = approved(bureau)
    member = client_for(bureau.member_a_user)
    post(member, "report", commitment.pk, data={"report": "全年巡护 48 次"})
    commitment.refresh_from_db()
    assert commitment.report == "全年巡护 48 次"
    group = client_for(bureau.group_a)
    post(group, "assess", commitment.pk, data={"fulfilment": "not_kept", "note": ""})
    commitment.refresh_from_db()
    assert commitment.fulfilment == ""  # "not kept" needs a note
    post(group, "assess", commitment.pk, data={"fulfilment": "partly", "note": "下半年有缺勤"})
    commitment.refresh_from_db()
    assert commitment.fulfilment == Fulfilment.PARTLY
    assert commitment.assessed_by == bureau.group_a
    rows = selectors.commitments_for_appraisal(bureau.branch_a, YEAR)
    assert [(c.report, c.fulfilment) for c in rows] == [("全年巡护 48 次", "partly")]
    # The report closes once assessed.
    response = post(member, "report", commitment.pk, data={"report": "改口"})
    commitment.refresh_from_db()
    assert commitment.report == "全年巡护 48 次"
    assert response.status_code == 302


def test_only_an_approved_commitment_is_reported_on_or_assessed(bureau):
    commitment = draft(bureau)
    with pytest.raises(DomainError):
        services.commitment_report(commitment=commitment, report="x")
    with pytest.raises(DomainError):
        services.commitment_assess(commitment=commitment, fulfilment="kept", actor=bureau.group_a)


def test_a_member_cannot_assess_or_report_for_another(bureau, client_for):
    commitment = approved(bureau, member=bureau.other_member_a)
    client = client_for(bureau.member_a_user)
    assert post(client, "assess", commitment.pk, data={"fulfilment": "kept"}).status_code == 404
    assert post(client, "report", commitment.pk, data={"report": "x"}).status_code == 404
    other = client_for(bureau.secretary_b)
    assert post(other, "assess", commitment.pk, data={"fulfilment": "kept"}).status_code == 404


# Posts and the public page ----------------------------------------------------------


def public_url(member) -> str:
    token = services.post_for_member(member=member).token
    return reverse("commitments:public", args=[token])


def test_the_public_page_shows_only_the_published_fields(bureau):
    member = bureau.member_a
    member.position = "巡护员"
    member.phone = "13912345678"
    member.save()
    approved(bureau, "承诺：巡护")
    draft(bureau, "未批准的草稿")
    response = Client().get(public_url(member))
    html = response.content.decode()
    assert response.status_code == 200
    for shown in ("张红梅", "巡护员", "第一党支部", "承诺：巡护"):
        assert shown in html
    assert "未批准的草稿" not in html
    assert "13912345678" not in html
    assert "1985" not in html
    assert not PHONE_PATTERN.search(html)
    assert not ID_PATTERN.search(html)
    assert bureau.department.name not in html  # the department is not a published field


def test_a_wrong_or_changed_key_finds_no_post(bureau, client_for):
    old = public_url(bureau.member_a)
    assert Client().get(reverse("commitments:public", args=["guess"])).status_code == 404
    response = client_for(bureau.secretary_a).post(
        reverse("commitments:rekey", args=[bureau.member_a.pk])
    )
    assert response.status_code == 302
    assert Client().get(old).status_code == 404
    assert Client().get(public_url(bureau.member_a)).status_code == 200
    event = AuditEvent.objects.get(action="commitments.post.key_changed")
    assert IdentityPost.objects.get(member=bureau.member_a).token not in str(event.after)


def test_only_the_secretary_changes_a_posts_key(bureau, client_for):
    url = reverse("commitments:rekey", args=[bureau.member_a.pk])
    before = services.post_for_member(member=bureau.member_a).token
    assert client_for(bureau.member_a_user).post(url).status_code == 404
    assert client_for(bureau.group_a).post(url).status_code == 403
    assert client_for(bureau.secretary_b).post(url).status_code == 404
    assert IdentityPost.objects.get(member=bureau.member_a).token == before


def test_a_member_who_left_has_no_public_page(bureau):
    url = public_url(bureau.member_a)
    bureau.member_a.is_active = False
    bureau.member_a.save()
    assert Client().get(url).status_code == 404


def test_looking_at_a_card_makes_no_post_page_the_button_does(bureau, client_for):
    """GET writes nothing: the post page (its secret key) is made by a POST."""
    client = client_for(bureau.member_a_user)
    url = reverse("commitments:card", args=[bureau.member_a.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["card"] is None
    assert reverse("commitments:post_create", args=[bureau.member_a.pk]) in page.content.decode()
    assert not IdentityPost.objects.exists()
    made = client.post(reverse("commitments:post_create", args=[bureau.member_a.pk]))
    assert made.status_code == 302
    assert made["Location"].startswith(url)
    post = IdentityPost.objects.get(member=bureau.member_a)
    client.post(reverse("commitments:post_create", args=[bureau.member_a.pk]))
    assert IdentityPost.objects.get().token == post.token  # made once
    assert AuditEvent.objects.filter(action="commitments.post.created").count() == 1
    other = reverse("commitments:post_create", args=[bureau.other_member_a.pk])
    assert client.post(other).status_code == 404
    assert client_for(bureau.secretary_b).post(other).status_code == 404


def test_looking_at_the_branch_posts_makes_nothing_the_button_makes_the_missing(bureau, client_for):
    client = client_for(bureau.secretary_a)
    page = client.get(reverse("commitments:posts", args=["zb1"]))
    assert [m.name for m in page.context["missing"]] == ["李建国", "张红梅"]  # pinyin order
    client.get(reverse("commitments:sheet", args=["zb1"]))
    assert not IdentityPost.objects.exists()
    assert (
        client_for(bureau.secretary_b)
        .post(reverse("commitments:posts_create", args=["zb1"]))
        .status_code
        == 404
    )
    made = client.post(reverse("commitments:posts_create", args=["zb1"]))
    assert made.status_code == 302
    assert IdentityPost.objects.filter(member__branch=bureau.branch_a).count() == 2
    assert client.get(reverse("commitments:posts", args=["zb1"])).context["missing"] == []


def test_the_desk_sign_card_carries_a_qr_code_to_the_public_page(bureau, client_for):
    approved(bureau, "巡护承诺")
    services.post_for_member(member=bureau.member_a)
    response = client_for(bureau.member_a_user).get(
        reverse("commitments:card", args=[bureau.member_a.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html
    assert 'class="cm-qr"' in html
    assert "共产党员岗" in html
    assert "巡护承诺" in html
    assert "cm-photo-none" in html  # no photo: the silhouette
    token = IdentityPost.objects.get(member=bureau.member_a).token
    assert f"/commitments/p/{token}/" in html


def test_cards_are_for_the_member_their_officers_and_the_committee(bureau, client_for):
    url = reverse("commitments:card", args=[bureau.other_member_a.pk])
    assert client_for(bureau.member_a_user).get(url).status_code == 404
    assert client_for(bureau.secretary_b).get(url).status_code == 404
    assert client_for(bureau.secretary_a).get(url).status_code == 200
    assert client_for(bureau.committee_admin).get(url).status_code == 200


def test_the_a4_sheet_has_a_card_for_every_active_member(bureau, client_for):
    MemberFactory(branch=bureau.branch_a, name="离开的人", is_active=False)
    client_for(bureau.secretary_a).post(reverse("commitments:posts_create", args=["zb1"]))
    response = client_for(bureau.secretary_a).get(reverse("commitments:sheet", args=["zb1"]))
    html = response.content.decode()
    assert html.count('data-testid="post-card"') == 2
    assert "离开的人" not in html
    assert "王晓燕" not in html
    assert IdentityPost.objects.filter(member__branch=bureau.branch_a).count() == 2


def test_a_photo_is_served_through_the_post_key(bureau, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (30, 40), "white").save(buffer, "PNG")
    from django.core.files.base import ContentFile

    bureau.member_a.photo.save("a.png", ContentFile(buffer.getvalue()))
    token = services.post_for_member(member=bureau.member_a).token
    response = Client().get(reverse("commitments:photo", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    page = Client().get(reverse("commitments:public", args=[token])).content.decode()
    assert f"/commitments/p/{token}/photo/" in page
    other = services.post_for_member(member=bureau.other_member_a).token
    assert Client().get(reverse("commitments:photo", args=[other])).status_code == 404


def test_the_review_page_query_count_does_not_grow_with_members(bureau, client_for):
    client = client_for(bureau.secretary_a)
    url = reverse("commitments:review", args=["zb1", YEAR])
    approved(bureau)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        member = MemberFactory(branch=bureau.branch_a, name=f"新党员{n}")
        approved(bureau, f"承诺{n}", member=member)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_sheet_query_count_does_not_grow_with_members(bureau, client_for):
    client = client_for(bureau.secretary_a)
    url = reverse("commitments:sheet", args=["zb1"])
    client.post(reverse("commitments:posts_create", args=["zb1"]))
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        MemberFactory(branch=bureau.branch_a, name=f"新党员{n}")
    client.post(reverse("commitments:posts_create", args=["zb1"]))  # makes the new posts
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_menu_links_members_and_officers(bureau, client_for):
    commitment = draft(bureau)
    services.commitment_submit(commitment=commitment, actor=bureau.member_a_user)
    member_home = client_for(bureau.member_a_user).get("/").content.decode()
    assert reverse("commitments:mine") in member_home
    officer_home = client_for(bureau.secretary_a).get("/").content.decode()
    assert reverse("commitments:index") in officer_home


def test_the_index_sends_each_role_to_its_page(bureau, client_for):
    index = reverse("commitments:index")
    assert (
        client_for(bureau.member_a_user)
        .get(index)["Location"]
        .startswith(reverse("commitments:mine"))
    )
    assert client_for(bureau.secretary_a).get(index)["Location"] == reverse(
        "commitments:review", args=["zb1", YEAR]
    )
    assert client_for(bureau.committee_admin).get(index).status_code == 200


def test_the_branch_does_not_read_a_members_draft(bureau, client_for):
    draft(bureau, "尚在斟酌的草稿")
    html = (
        client_for(bureau.secretary_a)
        .get(reverse("commitments:review", args=["zb1", YEAR]))
        .content.decode()
    )
    assert "尚在斟酌的草稿" not in html
    assert "张红梅" in html


def test_the_qr_code_encodes_the_public_page_address(bureau, client_for):
    from core.qr import qr_svg

    services.post_for_member(member=bureau.member_a)
    html = (
        client_for(bureau.secretary_a)
        .get(reverse("commitments:card", args=[bureau.member_a.pk]))
        .content.decode()
    )
    token = IdentityPost.objects.get(member=bureau.member_a).token
    expected = qr_svg(
        f"http://testserver/commitments/p/{token}/", title=bureau.member_a.name, svgclass="cm-qr"
    )
    assert str(expected) in html
