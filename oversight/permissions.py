"""Who may see and do what in oversight.

The dashboard, the spot checks and the model units are the committee's: for anyone else
they do not exist (404). A problem found by a spot check is answered by the secretary
of the entry's branch. The annual report is the branch secretary's and the committee's.
Exemplary cases are featured by a branch's secretary or the committee; published ones
are read by every signed-in user under the committee.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from core.ids import id_or_404
from declarations.models import DeclarationLine, EvidenceFile
from organizations.models import Organization, Role
from organizations.permissions import scope_for
from rules.permissions import committee_for_user

from .models import CaseStatus, ExemplaryCase, ModelUnit, SpotCheck, SpotCheckItem


def branches_of(committee: Organization) -> list[Organization]:
    """The organisations owning members under the committee, in their order (one query)."""
    orgs = list(Organization.objects.order_by("order", "code"))
    parent = {o.pk: o.parent_id for o in orgs}

    def top(pk: int) -> int:
        seen = set()
        while parent.get(pk) is not None and pk not in seen and pk != committee.pk:
            seen.add(pk)
            pk = parent[pk]  # type: ignore[assignment]
        return pk

    return [o for o in orgs if not o.is_committee and top(o.pk) == committee.pk]


def committee_of(user: Any) -> Organization | None:
    """The committee of the user's branch (or the one they administer); None if none."""
    scope = scope_for(user)
    if scope.is_committee:
        return committee_for_user(user)
    ids = scope.branch_ids
    if not ids:
        return None
    branch = Organization.objects.filter(pk__in=ids).order_by("pk").first()
    return branch.committee() if branch is not None else None


def is_secretary(user: Any, branch_id: int) -> bool:
    return scope_for(user).has_role(branch_id, Role.SECRETARY)


def secretary_branch_ids(user: Any) -> list[int]:
    scope = scope_for(user)
    return sorted(b for b, roles in scope.branch_roles.items() if Role.SECRETARY in roles)


def get_branch_for_report(user: Any, code: str) -> Organization:
    """The branch's annual report: its secretary and the committee; anyone else 404."""
    branch = (
        Organization.objects.exclude(kind=Organization.Kind.COMMITTEE).filter(code=code).first()
    )
    if branch is None:
        raise Http404
    scope = scope_for(user)
    if not (scope.is_committee or scope.has_role(branch.pk, Role.SECRETARY)):
        raise Http404
    return branch


def get_spot_check_for_committee(user: Any, pk: Any) -> SpotCheck:
    committee = committee_for_user(user)
    check = SpotCheck.objects.filter(pk=id_or_404(pk), committee=committee).first()
    if check is None:
        raise Http404
    return check


def _item(pk: Any) -> SpotCheckItem:
    item = (
        SpotCheckItem.objects.select_related(
            "spot_check", "branch", "entry", "entry__member", "entry__item"
        )
        .filter(pk=id_or_404(pk))
        .first()
    )
    if item is None:
        raise Http404
    return item


def get_item_for_committee(user: Any, pk: Any) -> SpotCheckItem:
    committee = committee_for_user(user)
    item = _item(pk)
    if item.spot_check.committee_id != committee.pk:
        raise Http404
    return item


def get_item_for_secretary(user: Any, pk: Any) -> SpotCheckItem:
    """A spot-checked entry of the secretary's branch that the committee found a problem in."""
    item = _item(pk)
    if not is_secretary(user, item.branch_id) or item.status == "pending":
        raise Http404
    return item


def may_manage_case(user: Any, branch_id: int) -> bool:
    scope = scope_for(user)
    return scope.is_committee or scope.has_role(branch_id, Role.SECRETARY)


def may_manage_cases_anywhere(user: Any) -> bool:
    return scope_for(user).is_committee or bool(secretary_branch_ids(user))


def get_case_for_user(user: Any, pk: Any) -> ExemplaryCase:
    """Published cases: everyone under the committee; the rest: who may manage them."""
    case = (
        ExemplaryCase.objects.select_related("branch", "member", "line", "line__declaration")
        .filter(pk=id_or_404(pk))
        .first()
    )
    if case is None:
        raise Http404
    if may_manage_case(user, case.branch_id):
        if scope_for(user).is_committee and committee_for_user(user).pk != case.committee_id:
            raise Http404
        return case
    committee = committee_of(user)
    if case.status != CaseStatus.PUBLISHED or committee is None:
        raise Http404
    if committee.pk != case.committee_id:
        raise Http404
    return case


def get_case_to_manage(user: Any, pk: Any) -> ExemplaryCase:
    case = get_case_for_user(user, pk)
    if not may_manage_case(user, case.branch_id):
        raise Http404
    return case


def get_model_unit_for_committee(user: Any, pk: Any) -> ModelUnit:
    committee = committee_for_user(user)
    unit = ModelUnit.objects.filter(pk=id_or_404(pk), committee=committee).first()
    if unit is None:
        raise Http404
    return unit


def get_committee_branch(user: Any, code: str) -> tuple[Organization, Organization]:
    """The committee the user administers and one of its branches; else 404."""
    committee = committee_for_user(user)
    branch = next((b for b in branches_of(committee) if b.code == code), None)
    if branch is None:
        raise Http404
    return committee, branch


def check_secretary_anywhere(user: Any) -> list[int]:
    """The branches the user is secretary of, at least one; else 404."""
    ids = secretary_branch_ids(user)
    if not ids:
        raise Http404
    return ids


def get_first_secretary_branch(user: Any) -> Organization:
    """The first (in the committee's order) branch the user is secretary of; else 404."""
    ids = secretary_branch_ids(user)
    org = Organization.objects.filter(pk__in=ids).order_by("order", "code").first()
    if org is None:
        raise Http404
    return org


def get_own_committee(user: Any) -> Organization:
    """The committee of the user's branch (or the one they administer); else 404."""
    committee = committee_of(user)
    if committee is None:
        raise Http404
    return committee


def managed_branches(user: Any, committee: Organization) -> list[Organization]:
    """The branches whose contributions the user may feature (committee: all of them)."""
    branches = branches_of(committee)
    if scope_for(user).is_committee:
        return branches
    ids = set(secretary_branch_ids(user))
    return [b for b in branches if b.pk in ids]


def get_managed_branches(user: Any) -> tuple[Organization, list[Organization]]:
    """The user's committee and the branches they feature cases of, at least one; else 404."""
    committee = get_own_committee(user)
    managed = managed_branches(user, committee)
    if not managed:
        raise Http404
    return committee, managed


def get_line_to_feature(user: Any, pk: Any) -> DeclarationLine:
    """A declared contribution of a branch under the user's committee whose cases the user
    manages; else 404."""
    line = (
        DeclarationLine.objects.select_related(
            "declaration", "declaration__member", "declaration__branch", "item"
        )
        .filter(pk=id_or_404(pk))
        .first()
    )
    if line is None or not may_manage_case(user, line.declaration.branch_id):
        raise Http404
    committee = get_own_committee(user)
    if line.declaration.branch_id not in {b.pk for b in branches_of(committee)}:
        raise Http404
    return line


def get_case_photo(case: ExemplaryCase, file_pk: Any) -> EvidenceFile:
    """A chosen photo of a case the caller may read (an image), else 404."""
    file = case.photos.filter(pk=id_or_404(file_pk)).first()
    if file is None or not file.is_image:
        raise Http404
    return file


def get_published_case(pk: Any) -> ExemplaryCase:
    """A published case its member consented to show, for everyone; else 404."""
    case = ExemplaryCase.objects.filter(
        pk=id_or_404(pk), status=CaseStatus.PUBLISHED, consent=True
    ).first()
    if case is None:
        raise Http404
    return case
