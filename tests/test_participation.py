"""Who takes part: exemptions filed with the committee, and retirees decided by the department."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from audit.models import AuditEvent
from core.errors import DomainError
from ledger.totals import branch_year
from organizations.models import Department, Participation
from participation import selectors, services
from participation.models import DepartmentHead, Exemption, ExemptionStatus
from tests.factories import MemberFactory, UserFactory

YEAR = timezone.localdate().year
PDF = b"%PDF-1.4\n% a certificate\n"


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def pdf(name="诊断证明.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def apply(bureau, member=None, **kwargs):
    member = member or bureau.member_a
    values = {"year": YEAR, "ground": "health", "reason": "术后休养一年"} | kwargs
    return services.exemption_apply(member=member, actor=member.user, **values)


def approved(bureau, **kwargs):
    exemption = apply(bureau, **kwargs)
    return services.exemption_approve(exemption=exemption, actor=bureau.secretary_a)


def filed(bureau, **kwargs):
    exemption = approved(bureau, **kwargs)
    return services.exemption_file(exemption=exemption, actor=bureau.committee_admin)


def post(client, name, *args, data=None):
    return client.post(reverse(f"participation:{name}", args=args), data or {})


def absent_names(year=YEAR):
    from organizations.models import Organization

    return {a.member.name for a in selectors.not_taking_part(year, Organization.objects.all())}


# Applying ---------------------------------------------------------------------------


def test_a_member_applies_with_an_attachment(bureau, client_for):
    client = client_for(bureau.member_a_user)
    response = client.post(
        reverse("participation:apply"),
        {"year": YEAR, "ground": "health", "reason": "术后休养", "attachment": pdf()},
    )
    assert response.status_code == 302
    exemption = Exemption.objects.get(member=bureau.member_a)
    assert exemption.status == ExemptionStatus.SUBMITTED
    assert exemption.attachment_name == "诊断证明.pdf"
    assert "诊断证明" not in exemption.attachment.name  # stored under a random name
    assert AuditEvent.objects.filter(action="participation.exemption.applied").exists()
    assert not Participation.objects.exists()  # an application alone changes nothing
    assert "术后休养" in client.get(reverse("participation:mine")).content.decode()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("a.exe", b"MZ..."), ("Attach a PDF, JPG or PNG file.", {})),
        (
            SimpleUploadedFile("a.pdf", b"<html>not a pdf"),
            ("The attachment is not a real %(kind)s file.", {"kind": "PDF"}),
        ),
        (
            SimpleUploadedFile("a.png", PDF),
            ("The attachment is not a real %(kind)s file.", {"kind": "PNG"}),
        ),
        (
            SimpleUploadedFile("big.pdf", PDF + b"0" * (5 * 1024 * 1024)),
            ("The attachment is larger than 5 MB.", {}),
        ),
    ],
)
def test_a_bad_attachment_is_refused_and_nothing_is_made(bureau, client_for, upload, message):
    response = client_for(bureau.member_a_user).post(
        reverse("participation:apply"),
        {"year": YEAR, "ground": "health", "reason": "术后休养", "attachment": upload},
    )
    assert response.status_code == 400
    msgid, params = message
    assert escape(gettext(msgid) % params) in response.content.decode()
    assert not Exemption.objects.exists()


def test_an_exemption_for_another_member_is_refused(bureau):
    with pytest.raises(DomainError) as refused:
        services.exemption_apply(
            member=bureau.other_member_a,
            year=YEAR,
            ground="health",
            reason="代人申请",
            actor=bureau.member_a_user,
        )
    assert refused.value.message == gettext("A member applies for an exemption only for themself.")
    assert not Exemption.objects.exists()


def test_a_second_application_in_progress_is_refused(bureau, client_for):
    apply(bureau)
    response = client_for(bureau.member_a_user).post(
        reverse("participation:apply"), {"year": YEAR, "ground": "other", "reason": "再申请"}
    )
    assert response.status_code == 400
    refusal = gettext("You already have an application for %(year)d in progress.") % {"year": YEAR}
    assert escape(refusal) in response.content.decode()
    assert Exemption.objects.count() == 1


def test_missing_reason_ground_or_a_far_year_is_refused(bureau, client_for):
    client = client_for(bureau.member_a_user)
    url = reverse("participation:apply")
    assert client.post(url, {"year": YEAR, "ground": "health", "reason": " "}).status_code == 400
    assert client.post(url, {"year": YEAR, "ground": "rich", "reason": "x"}).status_code == 400
    assert client.post(url, {"year": "1999", "ground": "health", "reason": "x"}).status_code == 400
    assert client.post(url, {"year": "abc", "ground": "health", "reason": "x"}).status_code == 400
    assert not Exemption.objects.exists()


# The branch -------------------------------------------------------------------------


def test_the_secretary_approves_and_it_waits_for_the_committee(bureau, client_for):
    exemption = apply(bureau)
    response = post(client_for(bureau.secretary_a), "approve", exemption.pk)
    assert response.status_code == 302
    exemption.refresh_from_db()
    assert exemption.status == ExemptionStatus.APPROVED
    assert not Participation.objects.exists()  # not yet filed: still takes part
    assert list(selectors.waiting_for_filing()) == [exemption]


def test_only_the_secretary_decides_for_the_branch(bureau, client_for):
    other_user = UserFactory(username="other_a")
    bureau.other_member_a.user = other_user
    bureau.other_member_a.save()
    exemption = apply(bureau, member=bureau.other_member_a)
    assert post(client_for(bureau.member_a_user), "approve", exemption.pk).status_code == 404
    assert post(client_for(bureau.group_a), "approve", exemption.pk).status_code == 403
    assert post(client_for(bureau.secretary_b), "approve", exemption.pk).status_code == 404
    assert post(client_for(other_user), "approve", exemption.pk).status_code == 404
    exemption.refresh_from_db()
    assert exemption.status == ExemptionStatus.SUBMITTED


def test_a_refusal_needs_a_reason_and_changes_nothing(bureau, client_for):
    exemption = apply(bureau)
    client = client_for(bureau.secretary_a)
    post(client, "refuse", exemption.pk, data={"comment": ""})
    exemption.refresh_from_db()
    assert exemption.status == ExemptionStatus.SUBMITTED
    post(client, "refuse", exemption.pk, data={"comment": "岗位可正常参与"})
    exemption.refresh_from_db()
    assert exemption.status == ExemptionStatus.REFUSED
    assert not Participation.objects.exists()
    with pytest.raises(DomainError):
        services.exemption_file(exemption=exemption, actor=bureau.committee_admin)
    # A refused application does not stop a new one.
    assert apply(bureau, reason="病情加重").status == ExemptionStatus.SUBMITTED


def test_another_branch_does_not_see_the_branch_page(bureau, client_for):
    apply(bureau, reason="甲支部的理由")
    url = reverse("participation:branch", args=["zb1", YEAR])
    assert client_for(bureau.secretary_b).get(url).status_code == 404
    assert client_for(bureau.member_a_user).get(url).status_code == 404
    page = client_for(bureau.secretary_a).get(url)
    assert page.status_code == 200
    assert "甲支部的理由" in page.content.decode()
    other = client_for(bureau.secretary_b).get(reverse("participation:branch", args=["zb2", YEAR]))
    assert "甲支部的理由" not in other.content.decode()


# The committee ----------------------------------------------------------------------


def test_a_filed_exemption_takes_the_member_out_of_totals_and_ranks(bureau, client_for):
    before = branch_year(bureau.branch_a, YEAR)
    assert {r.member.pk for r in before.ranked} == {bureau.member_a.pk, bureau.other_member_a.pk}
    exemption = approved(bureau)
    response = post(client_for(bureau.committee_admin), "file", exemption.pk)
    assert response.status_code == 302
    exemption.refresh_from_db()
    assert exemption.status == ExemptionStatus.FILED
    row = Participation.objects.get(member=bureau.member_a, year=YEAR)
    assert row.takes_part is False
    assert "术后休养一年" in row.reason
    after = branch_year(bureau.branch_a, YEAR)
    assert [r.member.pk for r in after.ranked] == [bureau.other_member_a.pk]
    mine = next(r for r in after.results if r.member.pk == bureau.member_a.pk)
    assert mine.rank is None
    assert not mine.takes_part
    assert AuditEvent.objects.filter(action="organizations.participation.set").exists()


def test_a_returned_exemption_changes_nothing(bureau, client_for):
    exemption = approved(bureau)
    client = client_for(bureau.committee_admin)
    post(client, "return", exemption.pk, data={"comment": ""})
    exemption.refresh_from_db()
    assert exemption.status == ExemptionStatus.APPROVED  # a return needs its reason
    post(client, "return", exemption.pk, data={"comment": "缺少医院证明"})
    exemption.refresh_from_db()
    assert exemption.status == ExemptionStatus.RETURNED
    assert not Participation.objects.exists()
    assert bureau.member_a.pk in {r.member.pk for r in branch_year(bureau.branch_a, YEAR).ranked}


def test_filing_twice_is_refused(bureau, client_for):
    exemption = filed(bureau)
    response = client_for(bureau.committee_admin).post(
        reverse("participation:file", args=[exemption.pk]), follow=True
    )
    refusal = gettext("The application is “%(status)s”; it cannot be decided at this step.") % {
        "status": exemption.get_status_display()
    }
    assert refusal in " ".join(str(m) for m in response.context["messages"])
    assert AuditEvent.objects.filter(action="participation.exemption.filed").count() == 1


def test_only_the_committee_files(bureau, client_for):
    exemption = approved(bureau)
    assert post(client_for(bureau.secretary_a), "file", exemption.pk).status_code == 404
    assert post(client_for(bureau.secretary_b), "return", exemption.pk).status_code == 404
    assert post(client_for(bureau.member_a_user), "file", exemption.pk).status_code == 404
    exemption.refresh_from_db()
    assert exemption.status == ExemptionStatus.APPROVED


def test_the_committee_sees_everyone_not_taking_part_with_reasons(bureau, client_for):
    filed(bureau, reason="长期病休")
    url = reverse("participation:committee") + f"?year={YEAR}"
    page = client_for(bureau.committee_admin).get(url).content.decode()
    assert "张红梅" in page
    assert "长期病休" in page
    assert client_for(bureau.secretary_a).get(url).status_code == 404
    assert client_for(bureau.member_a_user).get(url).status_code == 404
    assert absent_names() == {"张红梅"}
    assert absent_names(YEAR - 1) == set()


def test_an_attachment_is_for_the_applicant_the_branch_and_the_committee(bureau, client_for):
    exemption = apply(bureau, attachment=pdf())
    url = reverse("participation:attachment", args=[exemption.pk])
    for user in (bureau.member_a_user, bureau.secretary_a, bureau.committee_admin):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"].startswith("attachment")
    assert client_for(bureau.secretary_b).get(url).status_code == 404
    assert client_for(bureau.member_b_user).get(url).status_code == 404


@pytest.mark.parametrize("who", ["recorder_a", "group_a"])
def test_the_recorder_and_the_group_see_the_application_but_not_its_attachment(
    bureau, client_for, who
):
    """A medical certificate is health data (PIPL): for those who decide, not every officer."""
    exemption = apply(bureau, attachment=pdf())
    client = client_for(getattr(bureau, who))
    url = reverse("participation:attachment", args=[exemption.pk])
    assert client.get(url).status_code == 403
    page = client.get(reverse("participation:branch", args=["zb1", YEAR]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "术后休养" in html
    assert url not in html
    assert "诊断证明.pdf" not in html
    assert "only the branch secretary and the committee open it" in html
    secretary = client_for(bureau.secretary_a).get(
        reverse("participation:branch", args=["zb1", YEAR])
    )
    assert url in secretary.content.decode()
    mine = client_for(bureau.member_a_user).get(reverse("participation:mine"))
    assert url in mine.content.decode()
    denied = AuditEvent.objects.filter(action="access.denied", actor=getattr(bureau, who))
    assert denied.get().after["status"] == 403


# Retired members --------------------------------------------------------------------


@pytest.fixture
def retiree(bureau):
    head = UserFactory(username="head")
    services.department_head_appoint(
        user=head, department=bureau.department, committee=bureau.committee
    )
    member = MemberFactory(
        branch=bureau.branch_a, name="退休老党员", is_retired=True, department=bureau.department
    )
    return head, member


def test_the_department_head_decides_a_retiree_does_not_take_part(bureau, client_for, retiree):
    head, member = retiree
    client = client_for(head)
    page = client.get(reverse("participation:retirees"))
    assert page.status_code == 200
    assert "退休老党员" in page.content.decode()
    url = reverse("participation:retiree_decide", args=[member.pk]) + f"?year={YEAR}"
    client.post(url, {"takes_part": "no", "note": ""})
    assert not Participation.objects.exists()  # not taking part needs a reason
    client.post(url, {"takes_part": "no", "note": "年事已高"})
    row = Participation.objects.get(member=member, year=YEAR)
    assert row.takes_part is False
    assert "年事已高" in row.reason
    assert member.pk not in {r.member.pk for r in branch_year(bureau.branch_a, YEAR).ranked}
    client.post(url, {"takes_part": "yes", "note": ""})
    row.refresh_from_db()
    assert row.takes_part is True
    assert AuditEvent.objects.filter(action="participation.retiree.decided").count() == 2


def test_only_the_head_of_the_retirees_department_decides(bureau, client_for, retiree):
    _head, member = retiree
    other_head = UserFactory(username="other_head")
    services.department_head_appoint(
        user=other_head,
        department=Department.objects.create(name="规划发展科"),
        committee=bureau.committee,
    )
    url = reverse("participation:retiree_decide", args=[member.pk])
    for user in (other_head, bureau.secretary_a, bureau.secretary_b, bureau.member_a_user):
        assert client_for(user).post(url, {"takes_part": "no", "note": "x"}).status_code == 404
    assert not Participation.objects.exists()
    assert client_for(bureau.secretary_a).get(reverse("participation:retirees")).status_code == 404


def test_a_serving_member_is_not_decided_by_the_department(bureau, retiree):
    head, _member = retiree
    with pytest.raises(DomainError):
        services.retiree_decide(
            member=bureau.member_a, year=YEAR, takes_part=False, note="x", actor=head
        )


def test_a_filed_exemption_outweighs_a_retirees_decision(bureau, retiree):
    head, member = retiree
    member.user = UserFactory(username="retired_user")
    member.save()
    exemption = services.exemption_apply(
        member=member, year=YEAR, ground="health", reason="住院", actor=member.user
    )
    services.exemption_approve(exemption=exemption, actor=bureau.secretary_a)
    services.exemption_file(exemption=exemption, actor=bureau.committee_admin)
    services.retiree_decide(member=member, year=YEAR, takes_part=True, actor=head)
    assert Participation.objects.get(member=member, year=YEAR).takes_part is False


def test_the_committee_appoints_department_heads(bureau, client_for):
    client = client_for(bureau.committee_admin)
    url = reverse("participation:head_appoint")
    response = client.post(url, {"department": bureau.department.pk, "username": "nobody"})
    assert response.status_code == 400
    assert escape(gettext("No user has this user name.")) in response.content.decode()
    UserFactory(username="kezhang")
    response = client.post(url, {"department": bureau.department.pk, "username": "kezhang"})
    assert response.status_code == 302
    head = DepartmentHead.objects.get()
    assert head.user.username == "kezhang"
    response = client.post(url, {"department": bureau.department.pk, "username": "kezhang"})
    assert response.status_code == 400
    assert DepartmentHead.objects.count() == 1
    assert client_for(bureau.secretary_a).post(url, {}).status_code == 404
    assert client_for(bureau.secretary_a).get(reverse("participation:heads")).status_code == 404
    client.post(reverse("participation:head_remove", args=[head.pk]))
    assert not DepartmentHead.objects.exists()


def test_the_menu_shows_the_committee_and_the_secretary_their_pages(bureau, client_for):
    approved(bureau)
    committee_home = client_for(bureau.committee_admin).get("/").content.decode()
    assert reverse("participation:committee") in committee_home
    secretary_home = client_for(bureau.secretary_a).get("/").content.decode()
    assert reverse("participation:index") in secretary_home
