"""Shared helpers for published exemplary cases (典型案例): a recognised contribution of
member A with a photo and a PDF, featured with the member's consent and published."""

from __future__ import annotations

from core.periods import Month
from oversight.cases import case_create, case_publish
from rules.services import scheme_for_year
from tests.declarations_support import THIS, checked, recognise_all, submitted


def recognised_line(
    bureau, text: str = "组织党员清理河道垃圾三次", month: Month = THIS, member=None
):
    declaration = submitted(
        bureau,
        text,
        month=month,
        member=member,
        files=[checked("现场.png"), checked("总结.pdf", b"%PDF-1.4")],
    )
    scheme = scheme_for_year(branch=declaration.branch, year=month.year)
    reviewer = bureau.group_a if declaration.branch_id == bureau.branch_a.pk else bureau.secretary_b
    recognise_all(declaration, reviewer, scheme.items.get(code="dedication.volunteer"))
    return declaration.lines.get()


def photo_of(line):
    return line.declaration.evidence.get(original_name="现场.png")


def published_case(bureau, title: str = "清河护水 党员先行", month: Month = THIS, member=None):
    line = recognised_line(bureau, month=month, member=member)
    case = case_create(
        committee=bureau.committee,
        line=line,
        title=title,
        text=line.description,
        photo_ids=[photo_of(line).pk],
        consent=True,
        actor=bureau.committee_admin,
    )
    return case_publish(case=case, actor=bureau.committee_admin)
