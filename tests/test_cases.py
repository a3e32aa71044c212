"""典型案例 and 模范科室: a recognised contribution featured with the member's consent,
published for everyone under the committee and withdrawn later; model units."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from core.errors import DomainError
from declarations.models import DeclarationLine
from ledger.services import entry_reverse
from organizations.models import Organization
from oversight.cases import (
    case_create,
    case_publish,
    case_record_consent,
    case_withdraw,
    model_unit_create,
    model_unit_withdraw,
)
from oversight.models import CaseStatus, ExemplaryCase, ModelUnit
from rules.services import scheme_for_year
from tests.declarations_support import THIS, checked, recognise_all, submitted
from tests.factories import OrganizationFactory


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def scheme(bureau):
    return scheme_for_year(branch=bureau.branch_a, year=THIS.year)


def volunteer(scheme):
    return scheme.items.get(code="dedication.volunteer")


@pytest.fixture
def line(bureau, scheme, media):
    declaration = submitted(
        bureau,
        "组织党员清理河道垃圾三次",
        files=[checked("现场.png"), checked("总结.pdf", b"%PDF-1.4")],
    )
    recognise_all(declaration, bureau.group_a, volunteer(scheme))
    return declaration.lines.get()


def photo_of(line):
    return line.declaration.evidence.get(original_name="现场.png")


def create(bureau, line, **kwargs):
    values = {
        "committee": bureau.committee,
        "line": line,
        "title": "清河护水 党员先行",
        "text": line.description,
        "actor": bureau.secretary_a,
    }
    values.update(kwargs)
    return case_create(**values)


# The services -------------------------------------------------------------------------


def test_a_case_is_drafted_with_its_photos_and_the_consent_recorded(bureau, line):
    case = create(
        bureau, line, photo_ids=[photo_of(line).pk], consent=True, consent_note="书面同意"
    )
    assert case.status == CaseStatus.DRAFT
    assert (case.member, case.branch) == (bureau.member_a, bureau.branch_a)
    assert list(case.photos.all()) == [photo_of(line)]
    assert case.consent
    assert case.consent_recorded_by == bureau.secretary_a
    assert case.consent_recorded_at is not None
    assert AuditEvent.objects.filter(action="oversight.case.created").exists()


def test_publishing_needs_the_member_s_consent(bureau, line):
    case = create(bureau, line)
    with pytest.raises(DomainError) as error:
        case_publish(case=case)
    assert "consent" in error.value.message
    case_record_consent(case=case, note="口头同意，已登记", actor=bureau.secretary_a)
    with pytest.raises(DomainError):
        case_record_consent(case=case)
    case = case_publish(case=case, actor=bureau.secretary_a)
    assert case.status == CaseStatus.PUBLISHED
    assert case.published_at is not None
    with pytest.raises(DomainError):
        case_publish(case=case)


def test_a_published_case_is_withdrawn_with_a_reason(bureau, line):
    case = case_publish(case=create(bureau, line, consent=True))
    with pytest.raises(DomainError):
        case_withdraw(case=case, reason=" ")
    case = case_withdraw(case=case, reason="本人申请撤下", actor=bureau.committee_admin)
    assert case.status == CaseStatus.WITHDRAWN
    assert case.withdrawn_by == bureau.committee_admin
    with pytest.raises(DomainError):
        case_withdraw(case=case, reason="again")
    with pytest.raises(DomainError):
        case_publish(case=case)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"oversight.case.published", "oversight.case.withdrawn"} <= actions


def test_a_contribution_is_featured_once_until_withdrawn(bureau, line):
    case = create(bureau, line)
    with pytest.raises(DomainError):
        create(bureau, line)
    case_withdraw(case=case, reason="重写")
    assert create(bureau, line).pk != case.pk


def test_only_a_recognised_contribution_can_be_featured(bureau, scheme, media):
    pending = submitted(bureau, "尚未认定").lines.get()
    with pytest.raises(DomainError):
        create(bureau, pending)
    assert not ExemplaryCase.objects.exists()


def test_a_contribution_whose_points_were_reversed_cannot_be_featured(bureau, line):
    entry_reverse(entry=line.entry, reason="认定有误")
    with pytest.raises(DomainError):
        create(bureau, DeclarationLine.objects.get(pk=line.pk))


def test_photos_must_be_the_declaration_s_own_images(bureau, line):
    pdf = line.declaration.evidence.get(original_name="总结.pdf")
    with pytest.raises(DomainError):
        create(bureau, line, photo_ids=[pdf.pk])
    with pytest.raises(DomainError):
        create(bureau, line, photo_ids=[999999])


def test_a_title_and_text_are_required(bureau, line):
    with pytest.raises(DomainError):
        create(bureau, line, title="")
    with pytest.raises(DomainError):
        create(bureau, line, text="")


def test_another_committee_cannot_feature_the_contribution(bureau, line):
    other = OrganizationFactory(code="other", kind=Organization.Kind.COMMITTEE)
    with pytest.raises(DomainError):
        create(bureau, line, committee=other)


# Model units --------------------------------------------------------------------------


def test_the_committee_names_a_model_department_and_withdraws_it(bureau):
    unit = model_unit_create(
        committee=bureau.committee,
        year=2025,
        kind="department",
        department=bureau.department,
        citation="生态保护工作成效显著",
    )
    assert unit.title == "模范科室"
    assert unit.unit_name == bureau.department.name
    with pytest.raises(DomainError):
        model_unit_create(
            committee=bureau.committee,
            year=2025,
            kind="department",
            department=bureau.department,
            citation="重复",
        )
    model_unit_withdraw(unit=unit, reason="称号调整")
    unit.refresh_from_db()
    assert unit.is_withdrawn
    with pytest.raises(DomainError):
        model_unit_withdraw(unit=unit, reason="again")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "department"},
        {"kind": "branch"},
        {"kind": "other"},
        {"kind": "department", "department": "dep", "citation": ""},
    ],
)
def test_a_model_unit_needs_its_unit_and_a_citation(bureau, kwargs):
    values = {"committee": bureau.committee, "year": 2025, "citation": "表现突出", **kwargs}
    if values.get("department") == "dep":
        values["department"] = bureau.department
    with pytest.raises(DomainError):
        model_unit_create(**values)
    assert not ModelUnit.objects.exists()


# The pages ----------------------------------------------------------------------------


def test_the_secretary_features_a_contribution_on_the_pages(bureau, line, client_for):
    client = client_for(bureau.secretary_a)
    listing = client.get(reverse("oversight:case_candidates"))
    assert listing.status_code == 200
    assert line in listing.context["lines"]
    url = reverse("oversight:case_new", kwargs={"line_pk": line.pk})
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"title": "清河护水", "text": "三次清理河道", "photos": [photo_of(line).pk]}
    )
    case = ExemplaryCase.objects.get()
    assert response["Location"] == reverse("oversight:case_detail", kwargs={"pk": case.pk})
    published = client.post(reverse("oversight:case_publish", kwargs={"pk": case.pk}), follow=True)
    assert "consent" in published.content.decode()
    client.post(reverse("oversight:case_consent", kwargs={"pk": case.pk}), {"note": "书面同意"})
    client.post(reverse("oversight:case_publish", kwargs={"pk": case.pk}))
    case.refresh_from_db()
    assert case.status == CaseStatus.PUBLISHED


@pytest.fixture
def published(bureau, line):
    case = create(bureau, line, photo_ids=[photo_of(line).pk], consent=True)
    return case_publish(case=case)


@pytest.mark.parametrize(
    "who", ["member_b_user", "secretary_b", "group_a", "member_a_user", "committee_admin"]
)
def test_every_signed_in_user_under_the_committee_reads_published_cases(
    bureau, published, client_for, who
):
    client = client_for(getattr(bureau, who))
    page = client.get(reverse("oversight:cases"))
    assert page.status_code == 200
    assert published.title in page.content.decode()
    detail = client.get(reverse("oversight:case_detail", kwargs={"pk": published.pk}))
    assert detail.status_code == 200
    photo = reverse(
        "oversight:case_photo", kwargs={"pk": published.pk, "file_pk": photo_of(published.line).pk}
    )
    assert client.get(photo).status_code == 200


def test_a_draft_is_seen_only_by_those_who_may_manage_it(bureau, line, client_for):
    case = create(bureau, line)
    url = reverse("oversight:case_detail", kwargs={"pk": case.pk})
    assert client_for(bureau.secretary_a).get(url).status_code == 200
    assert client_for(bureau.committee_admin).get(url).status_code == 200
    for user in (bureau.secretary_b, bureau.member_a_user, bureau.group_a):
        assert client_for(user).get(url).status_code == 404
    assert (
        case.title
        not in client_for(bureau.member_b_user).get(reverse("oversight:cases")).content.decode()
    )


def test_a_photo_not_chosen_for_the_case_is_404(bureau, published, client_for):
    pdf = published.line.declaration.evidence.get(original_name="总结.pdf")
    url = reverse("oversight:case_photo", kwargs={"pk": published.pk, "file_pk": pdf.pk})
    assert client_for(bureau.committee_admin).get(url).status_code == 404


def test_another_branch_s_secretary_cannot_feature_or_withdraw(bureau, published, line, client_for):
    client = client_for(bureau.secretary_b)
    assert client.get(reverse("oversight:case_new", kwargs={"line_pk": line.pk})).status_code == 404
    response = client.post(
        reverse("oversight:case_withdraw", kwargs={"pk": published.pk}), {"reason": "越权"}
    )
    assert response.status_code == 404
    published.refresh_from_db()
    assert published.status == CaseStatus.PUBLISHED
    listing = client.get(reverse("oversight:case_candidates"))
    assert listing.status_code == 200
    assert line not in listing.context["lines"]


def test_a_member_cannot_feature_anything(bureau, line, client_for):
    client = client_for(bureau.member_a_user)
    assert client.get(reverse("oversight:case_candidates")).status_code == 404
    assert client.get(reverse("oversight:case_new", kwargs={"line_pk": line.pk})).status_code == 404


def test_a_user_outside_any_branch_has_no_cases_page(bureau, client_for):
    from tests.factories import UserFactory

    stranger = UserFactory(username="stranger")
    assert client_for(stranger).get(reverse("oversight:cases")).status_code == 404


def test_the_committee_names_a_model_unit_on_the_page(bureau, client_for):
    client = client_for(bureau.committee_admin)
    response = client.post(
        reverse("oversight:unit_create"),
        {"year": 2025, "kind": "branch", "branch": bureau.branch_a.pk, "citation": "组织有力"},
    )
    assert response.status_code == 302
    unit = ModelUnit.objects.get()
    assert unit.title == "模范党支部"
    text = client_for(bureau.member_b_user).get(reverse("oversight:cases")).content.decode()
    assert "组织有力" in text
    bad = client.post(reverse("oversight:unit_create"), {"year": 2025, "kind": "branch"})
    assert bad.status_code == 400
    client.post(reverse("oversight:unit_withdraw", kwargs={"pk": unit.pk}), {"reason": "调整"})
    unit.refresh_from_db()
    assert unit.is_withdrawn
    assert (
        "组织有力"
        not in client_for(bureau.member_b_user).get(reverse("oversight:cases")).content.decode()
    )


def test_only_the_committee_names_model_units(bureau, client_for):
    client = client_for(bureau.secretary_a)
    response = client.post(
        reverse("oversight:unit_create"),
        {"year": 2025, "kind": "branch", "branch": bureau.branch_a.pk, "citation": "自荐"},
    )
    assert response.status_code == 404
    assert not ModelUnit.objects.exists()
