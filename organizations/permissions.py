"""Who may see and do what, in one place.

A committee administrator sees every organisation under the committee. A
branch officer (secretary, assessment-group member, recorder) sees their branch
and, for a general branch, the branches under it. A member sees their own
record. Everything else is 404: another branch's objects do not exist for you.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from core.ids import id_or_404
from core.pinyin import name_order

from .models import (
    Department,
    Member,
    MemberMove,
    Organization,
    PublicRepresentative,
    Role,
    RoleAssignment,
)

# Officers see their branch's pages. The deputy secretary, the points leading group and
# its responsible person read them; only the points roles below write points.
OFFICER_ROLES = frozenset(
    {
        Role.SECRETARY,
        Role.DEPUTY_SECRETARY,
        Role.GROUP_LEADER,
        Role.GROUP_MEMBER,
        Role.RECORDER,
        Role.LEADING_GROUP,
        Role.RESPONSIBLE,
    }
)
# Those who record, recognise and reverse points in a branch (the assessment group, the
# recorder and the secretary), there or in the general branch above it.
POINTS_ROLES = (Role.SECRETARY, Role.GROUP_LEADER, Role.GROUP_MEMBER, Role.RECORDER)


@dataclass
class Scope:
    is_committee: bool = False
    # branch id -> roles held there (inherited down from a general branch)
    branch_roles: dict[int, set[str]] = field(default_factory=dict)
    member: Member | None = None
    # the user's own role rows, with their organisations (for menus and role lists)
    assignments: list[RoleAssignment] = field(default_factory=list)

    @property
    def branch_ids(self) -> set[int]:
        return set(self.branch_roles)

    def sees_branch(self, branch_id: int) -> bool:
        return self.is_committee or branch_id in self.branch_roles

    def has_role(self, branch_id: int, *roles: str) -> bool:
        return bool(self.branch_roles.get(branch_id, set()) & set(roles))

    def is_officer(self, branch_id: int) -> bool:
        return self.is_committee or self.has_role(branch_id, *OFFICER_ROLES)

    def may_edit_scheme(self, branch_id: int) -> bool:
        return self.is_committee or self.has_role(branch_id, Role.SECRETARY)

    def may_record_points(self, branch_id: int) -> bool:
        return self.has_role(branch_id, *POINTS_ROLES)

    @property
    def is_officer_anywhere(self) -> bool:
        return self.is_committee or any(r & OFFICER_ROLES for r in self.branch_roles.values())


def scope_for(user: Any) -> Scope:
    """The user's scope, computed once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False):
        return Scope()
    cached = getattr(user, "_jifen_scope", None)
    if cached is not None:
        return cached
    scope = Scope(member=Member.objects.filter(user=user, is_active=True).first())
    assignments = list(
        RoleAssignment.objects.current()
        .filter(user=user)
        .select_related("organization")
        .order_by("organization__order", "organization__code", "role")
    )
    scope.assignments = assignments
    children: dict[int, list[int]] | None = None
    for assignment in assignments:
        org = assignment.organization
        if assignment.role == Role.COMMITTEE_ADMIN or org.is_committee:
            if assignment.role == Role.COMMITTEE_ADMIN:
                scope.is_committee = True
            continue
        ids = [org.pk]
        if org.kind == Organization.Kind.GENERAL_BRANCH:
            if children is None:
                children = {}
                for pk, parent in Organization.objects.values_list("pk", "parent_id"):
                    children.setdefault(parent, []).append(pk)
            ids += children.get(org.pk, [])
        for branch_id in ids:
            scope.branch_roles.setdefault(branch_id, set()).add(assignment.role)
    if scope.member is not None:
        scope.branch_roles.setdefault(scope.member.branch_id, set()).add(Role.MEMBER)
    user._jifen_scope = scope
    return scope


def administered_committee(user: Any) -> Organization | None:
    """The committee the user administers, or None."""
    if not scope_for(user).is_committee:
        return None
    assignment = (
        RoleAssignment.objects.current()
        .filter(user=user, role=Role.COMMITTEE_ADMIN)
        .select_related("organization")
        .order_by("organization__order", "organization__code")
        .first()
    )
    return assignment.organization.committee() if assignment is not None else None


def get_branch_to_set(user: Any, code: str) -> Organization:
    """The branch whose settings the user may change (its secretary, the committee); else 404."""
    branch = get_branch_for_user(user, code)
    if not scope_for(user).may_edit_scheme(branch.pk):
        raise Http404
    return branch


def get_committee_to_set(user: Any) -> Organization:
    """The committee whose settings the user may change (its administrators); else 404."""
    committee = administered_committee(user)
    if committee is None:
        raise Http404
    return committee


def visible_branches(user: Any) -> QuerySet[Organization]:
    """Organisations owning members that the user may look at as an officer."""
    scope = scope_for(user)
    branches = Organization.objects.exclude(kind=Organization.Kind.COMMITTEE)
    if scope.is_committee:
        return branches
    officer_ids = [b for b in scope.branch_ids if scope.is_officer(b)]
    return branches.filter(pk__in=officer_ids)


def get_branch_for_user(user: Any, code: str) -> Organization:
    """The branch with this code if the user is an officer there (or committee); else 404."""
    branch = (
        Organization.objects.exclude(kind=Organization.Kind.COMMITTEE).filter(code=code).first()
    )
    if branch is None or not scope_for(user).is_officer(branch.pk):
        raise Http404
    return branch


def visible_members(user: Any) -> QuerySet[Member]:
    scope = scope_for(user)
    members = Member.objects.all()
    if scope.is_committee:
        return members
    officer_ids = [b for b in scope.branch_ids if scope.is_officer(b)]
    own = [scope.member.pk] if scope.member is not None else []
    # A branch keeps seeing the members who moved out of it: their past there is its own.
    moved_out = MemberMove.objects.filter(from_branch_id__in=officer_ids).values("member_id")
    return members.filter(Q(branch_id__in=officer_ids) | Q(pk__in=own) | Q(pk__in=moved_out))


def get_member_for_user(user: Any, pk: int) -> Member:
    """The member if the user may see them (self, an officer of their branch, committee)."""
    member = (
        visible_members(user)
        .select_related("branch", "department")
        .filter(pk=id_or_404(pk))
        .first()
    )
    if member is None:
        raise Http404
    return member


# Conflict of interest (DESIGN.md §2) ------------------------------------------------


def is_own_member(user: Any, member: Member) -> bool:
    return member.user_id is not None and member.user_id == getattr(user, "pk", None)


def points_officer_ids(branch_id: int) -> set[int]:
    """Users who may act on points in the branch: its own officers and those of the
    general branch above it."""
    parent = (
        Organization.objects.filter(pk=branch_id, parent__kind=Organization.Kind.GENERAL_BRANCH)
        .values_list("parent_id", flat=True)
        .first()
    )
    orgs = [branch_id] if parent is None else [branch_id, parent]
    return set(
        RoleAssignment.objects.current()
        .filter(organization_id__in=orgs, role__in=POINTS_ROLES, user__isnull=False)
        .values_list("user_id", flat=True)
    )


def needs_stand_in(member: Member, officer_ids: set[int] | None = None) -> bool:
    """Nobody of the branch (or its general branch) but the member could act on their
    points: the party committee does it instead."""
    ids = points_officer_ids(member.branch_id) if officer_ids is None else officer_ids
    return not (ids - {member.user_id})


def may_act_on_points(user: Any, member: Member) -> bool:
    """Whether the user may record, recognise or reverse the member's points: an officer of
    the branch who is not the member, or the committee where there is no such officer."""
    if not getattr(user, "is_authenticated", False) or is_own_member(user, member):
        return False
    scope = scope_for(user)
    if scope.may_record_points(member.branch_id):
        return True
    return scope.is_committee and needs_stand_in(member)


def members_to_act_on(user: Any, branch: Organization) -> QuerySet[Member]:
    """The branch's active members whose points the user may act on (never their own)."""
    members = Member.objects.filter(branch=branch, is_active=True).order_by(*name_order(), "pk")
    if getattr(user, "pk", None) is not None:
        members = members.exclude(user=user)
    scope = scope_for(user)
    if scope.may_record_points(branch.pk):
        return members
    if not scope.is_committee:
        return members.none()
    officer_ids = points_officer_ids(branch.pk)
    if len(officer_ids) > 1:
        return members.none()
    return members.filter(user_id__in=officer_ids) if officer_ids else members


# Managing the tree, members, logins and roles (issue: a bureau starts from nothing) -------


def may_manage_tree(user: Any) -> bool:
    """The organisation tree and the departments: the party committee."""
    return scope_for(user).is_committee


def may_manage_members(user: Any, branch: Organization) -> bool:
    """A branch's roll (new members, particulars, leaving, logins): its secretary (or the
    general branch's) and the committee."""
    scope = scope_for(user)
    return scope.is_committee or scope.has_role(branch.pk, Role.SECRETARY)


def may_move_member(user: Any, member: Member, to_branch: Organization) -> bool:
    """Between branches: the committee, or a secretary of both (a general branch's)."""
    scope = scope_for(user)
    if scope.is_committee:
        return True
    return scope.has_role(member.branch_id, Role.SECRETARY) and scope.has_role(
        to_branch.pk, Role.SECRETARY
    )


# The committee appoints secretaries and deputies; a secretary the rest of the branch's
# roles; committee administrators are appointed by the committee.
COMMITTEE_APPOINTS = frozenset({Role.COMMITTEE_ADMIN, Role.SECRETARY, Role.DEPUTY_SECRETARY})


def may_manage_roles(user: Any, organization: Organization, role: str | None = None) -> bool:
    scope = scope_for(user)
    if scope.is_committee:
        return True
    if organization.is_committee or (role is not None and role in COMMITTEE_APPOINTS):
        return False
    return scope.has_role(organization.pk, Role.SECRETARY)


def get_org_for_user(user: Any, code: Any) -> Organization:
    """Any organisation the user is an officer of (the committee: every one); else 404."""
    org = Organization.objects.select_related("parent").filter(code=str(code)[:32]).first()
    if org is None:
        raise Http404
    scope = scope_for(user)
    if scope.is_committee or (not org.is_committee and scope.is_officer(org.pk)):
        return org
    raise Http404


def check_committee(user: Any) -> Scope:
    """The committee's scope; anyone else gets 404 (the committee's pages do not exist
    for them)."""
    scope = scope_for(user)
    if not scope.is_committee:
        raise Http404
    return scope


def check_officer_anywhere(user: Any) -> Scope:
    """The scope of someone who is an officer somewhere (or on the committee); else 404."""
    scope = scope_for(user)
    if not scope.is_officer_anywhere:
        raise Http404
    return scope


def officer_branches(user: Any) -> list[Organization]:
    """The branches the user is an officer of, at least one; else 404."""
    branches = list(visible_branches(user))
    if not branches:
        raise Http404
    return branches


def get_branch_member(branch: Organization, pk: Any) -> Member:
    """A member of this branch (one the caller may already see), else 404."""
    member = Member.objects.filter(branch=branch, pk=pk).select_related("branch").first()
    if member is None:
        raise Http404
    return member


def may_manage_account(actor: Any, member: Member) -> bool:
    """Who may disable or enable a member's login (accounts/views_account.py): the committee
    for anyone but superusers, a secretary for their own members who hold no committee role;
    nobody for themself."""
    target = member.user
    if target is None or target.pk == actor.pk:
        return False
    if actor.is_superuser:
        return True
    if target.is_superuser:
        return False
    scope = scope_for(actor)
    if scope.is_committee:
        return True
    holds_committee_role = (
        RoleAssignment.objects.current()
        .filter(user=target)
        .filter(Q(role=Role.COMMITTEE_ADMIN) | Q(organization__kind=Organization.Kind.COMMITTEE))
        .exists()
    )
    return scope.has_role(member.branch_id, Role.SECRETARY) and not holds_committee_role


def get_tree_committee(user: Any) -> Organization:
    """The committee whose tree the user keeps (the committee's administrators); else 404."""
    if not may_manage_tree(user):
        raise Http404
    committee = Organization.objects.filter(kind=Organization.Kind.COMMITTEE).order_by("pk").first()
    if committee is None:
        raise Http404
    return committee


def get_org_to_edit(user: Any, code: Any) -> Organization:
    """An open organisation under the committee, for the tree's keepers; else 404."""
    get_tree_committee(user)
    org = get_org_for_user(user, code)
    if org.is_committee or org.is_closed:
        raise Http404
    return org


def get_department_for_user(user: Any, pk: Any) -> Department:
    """A department, for the tree's keepers; else 404."""
    get_tree_committee(user)
    department = Department.objects.filter(pk=id_or_404(pk)).first()
    if department is None:
        raise Http404
    return department


def get_branch_to_keep(user: Any, code: Any) -> Organization:
    """An open branch owning members whose roll the user keeps; else 404."""
    branch = get_org_for_user(user, code)
    if not branch.owns_members or branch.is_closed or not may_manage_members(user, branch):
        raise Http404
    return branch


def get_member_to_edit(user: Any, pk: Any) -> Member:
    """An active member whose particulars the user keeps; else 404."""
    member = get_member_for_user(user, pk)
    if not member.is_active or not may_manage_members(user, member.branch):
        raise Http404
    return member


def kept_branches(user: Any) -> list[Organization]:
    """The branches whose roll the user keeps, at least one; else 404."""
    branches = [b for b in visible_branches(user) if may_manage_members(user, b)]
    if not branches:
        raise Http404
    return branches


def grantable_roles(user: Any, org: Organization) -> list[tuple[str, str]]:
    """The roles (value, label) the user may grant in this organisation."""
    from .roles import BRANCH_ROLES

    candidates: tuple[str, ...] = (Role.COMMITTEE_ADMIN,) if org.is_committee else BRANCH_ROLES
    return [(r, str(Role(r).label)) for r in candidates if may_manage_roles(user, org, r)]


def get_org_to_grant(user: Any, code: Any) -> tuple[Organization, list[tuple[str, str]]]:
    """An organisation and the roles the user may grant there, at least one; else 404."""
    org = get_org_for_user(user, code)
    roles = grantable_roles(user, org)
    if not roles:
        raise Http404
    return org, roles


def get_assignment_to_end(user: Any, pk: Any) -> RoleAssignment:
    """A role assignment the user may end; else 404."""
    assignment = (
        RoleAssignment.objects.select_related("organization", "member", "user")
        .filter(pk=id_or_404(pk))
        .first()
    )
    if assignment is None:
        raise Http404
    org = get_org_for_user(user, assignment.organization.code)
    if not may_manage_roles(user, org, assignment.role):
        raise Http404
    assignment.organization = org
    return assignment


def get_branch_representative(branch: Organization, pk: Any) -> PublicRepresentative:
    """A public representative of this branch (one the caller already keeps), else 404."""
    rep = PublicRepresentative.objects.filter(pk=id_or_404(pk), branch=branch).first()
    if rep is None:
        raise Http404
    return rep


IMPORTING_ROLES = (Role.SECRETARY, Role.RECORDER)


def importable_branches(user: Any) -> list[Organization]:
    """The branches the user may add members to, in the committee's order."""
    scope = scope_for(user)
    branches = Organization.objects.exclude(kind=Organization.Kind.COMMITTEE)
    if not scope.is_committee:
        ids = [b for b in scope.branch_ids if scope.has_role(b, *IMPORTING_ROLES)]
        branches = branches.filter(pk__in=ids)
    return list(branches.order_by("order", "code"))


def get_import_branches(user: Any, code: str) -> tuple[list[Organization], Organization | None]:
    """The branches the user imports into (at least one, else 404) and the one named by
    `code` (404 if not theirs; the only one when they have one)."""
    branches = importable_branches(user)
    if not branches:
        raise Http404
    chosen = next((b for b in branches if b.code == code), None)
    if code and chosen is None:
        raise Http404
    if chosen is None and len(branches) == 1:
        chosen = branches[0]
    return branches, chosen


def get_own_member(user: Any) -> Member:
    """The user's own party member record; a user who is no member gets 404 (the member's
    own pages do not exist for them)."""
    member = scope_for(user).member
    if member is None:
        raise Http404
    return member
