"""Reads of the published exemplary cases for the public pages and the lobby screen."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from declarations.models import EvidenceFile

from .models import CaseStatus, ExemplaryCase

PUBLIC_LIMIT = 50


@dataclass(frozen=True)
class PublicCase:
    """A published case as the public sees it: nothing but the published fields."""

    pk: int
    title: str
    text: str
    branch_name: str
    member_name: str
    photo_urls: list[str]


def public_cases(*, committee_id: int | None = None, limit: int = PUBLIC_LIMIT) -> list[PublicCase]:
    """Published cases with consent recorded, newest first: one query for the cases, one for
    their photos, however many there are."""
    cases = ExemplaryCase.objects.filter(status=CaseStatus.PUBLISHED, consent=True)
    if committee_id is not None:
        cases = cases.filter(committee_id=committee_id)
    rows = list(cases.select_related("branch", "member").order_by("-published_at", "-pk")[:limit])
    photos: dict[int, list[str]] = {case.pk: [] for case in rows}
    through = ExemplaryCase.photos.through
    for case_id, file_pk in (
        through.objects.filter(
            exemplarycase_id__in=list(photos), evidencefile__kind=EvidenceFile.Kind.IMAGE
        )
        .exclude(evidencefile__content_type__startswith="image/hei")
        .values_list("exemplarycase_id", "evidencefile_id")
        .order_by("exemplarycase_id", "evidencefile_id")
    ):
        photos[case_id].append(
            reverse("oversight:public_case_photo", kwargs={"pk": case_id, "file_pk": file_pk})
        )
    return [
        PublicCase(
            pk=case.pk,
            title=case.title,
            text=case.text,
            branch_name=case.branch.name,
            member_name=case.member.name,
            photo_urls=photos[case.pk],
        )
        for case in rows
    ]
