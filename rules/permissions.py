"""Who may see and change a scheme.

A branch's officers (secretary, assessment group, recorder) and the committee
see its schemes; the secretary and the committee change them. The committee's
administrators alone see and change its template. Everyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from organizations.models import Organization, Role
from organizations.permissions import (
    Scope,
    administered_committee,
    get_branch_for_user,
    scope_for,
    visible_branches,
)

from .models import Item, Scheme, SchemeFiling


def committee_for_user(user: Any) -> Organization:
    """The committee the user administers; 404 for anyone else."""
    committee = administered_committee(user)
    if committee is None:
        raise Http404
    return committee


def get_branch_scheme_owner(user: Any, code: str, *, write: bool = False) -> Organization:
    """The branch whose scheme the user asks for: 404 if not theirs, 403 if read-only."""
    branch = get_branch_for_user(user, code)
    if write and not scope_for(user).may_edit_scheme(branch.pk):
        raise PermissionDenied
    return branch


def get_item_for_user(user: Any, pk: int, *, write: bool = False) -> Item:
    """The item if the user sees its scheme; 404 otherwise, 403 for a read-only writer."""
    item = Item.objects.select_related("scheme__organization").filter(pk=pk).first()
    if item is None:
        raise Http404
    scheme = item.scheme
    scope = scope_for(user)
    if scheme.is_template:
        if scheme.organization_id is None:
            committee_for_user(user)
        elif committee_for_user(user).pk != scheme.organization_id:
            raise Http404
        return item
    if scheme.organization_id is None or not scope.is_officer(scheme.organization_id):
        raise Http404
    if write and not scope.may_edit_scheme(scheme.organization_id):
        raise PermissionDenied
    return item


def get_scheme_owners(user: Any) -> tuple[Scope, list[Organization]]:
    """The user's scope and the branches whose schemes they open; 404 for someone who has
    none and is not on the committee (who keeps the template)."""
    scope = scope_for(user)
    branches = list(visible_branches(user))
    if not branches and not scope.is_committee:
        raise Http404
    return scope, branches


def filed_branch(scheme: Scheme) -> Organization:
    """A filed scheme is a branch's: it has an organisation (the template is never filed)."""
    if scheme.organization is None:
        raise Http404
    return scheme.organization


def get_filing_for_user(user: Any, pk: Any) -> SchemeFiling:
    """The committee and the branch's officers see a filing; anyone else gets 404."""
    item = (
        SchemeFiling.objects.select_related("scheme__organization", "submitted_by", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if item is None or not scope_for(user).is_officer(filed_branch(item.scheme).pk):
        raise Http404
    return item


def get_branch_to_submit(user: Any, code: str) -> Organization:
    """The branch whose scheme its secretary submits for filing: 404 if not theirs, 403 for
    its other officers."""
    branch = get_branch_scheme_owner(user, code)
    if not scope_for(user).has_role(branch.pk, Role.SECRETARY):
        raise PermissionDenied
    return branch
