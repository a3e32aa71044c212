"""Fill the database with a demonstration bureau modelled on the plan's own.

临沂沂蒙山世界地质公园管理局: the 机关党委, four branches of the bureau's offices
and a general branch with two branches, about 150 members, public
representatives, this year's schemes, and a year and a half of points posted
through the ledger's services (so the audit chain is real). Running it again
changes nothing; `--if-empty` does nothing once any member exists.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from ledger.models import Entry
from organizations.branch import training_record
from organizations.models import (
    Department,
    Member,
    Organization,
    Role,
    RoleAssignment,
)
from organizations.services import (
    department_create,
    member_create,
    organization_save,
    public_representative_create,
    role_grant,
    user_create,
    user_create_for_member,
)
from rules.models import Scheme
from rules.services import item_create, item_update, scheme_for_year, scheme_set_category_caps

from . import _demo_data as data
from ._demo_life import Clock, Timeline

DECIMAL_FIELDS = {"points", "points_min", "points_max", "cap_month", "cap_year"}


def _decimals(values: dict[str, Any]) -> dict[str, Any]:
    return {k: Decimal(v) if k in DECIMAL_FIELDS else v for k, v in values.items()}


class Command(BaseCommand):
    help = "Load the demonstration bureau (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if any party member is already stored.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Member.objects.exists():
            # `make run` starts with this on every run: nothing to say when nothing is done.
            if options["verbosity"] > 1:
                self.stdout.write(
                    _("Members are already stored; the demonstration data is not loaded.")
                )
            return
        started = time.monotonic()
        members, entries, events = (
            Member.objects.count(),
            Entry.objects.count(),
            AuditEvent.objects.count(),
        )

        def report(step: str) -> None:
            # A year and a half of a bureau takes a while: say what is being built.
            if options["verbosity"] > 0:
                seconds = time.monotonic() - started
                self.stdout.write(f"[{seconds:5.1f}s] {step}")
                self.stdout.flush()

        self.stdout.write(_("Building the demonstration bureau (about a minute)…"))
        with transaction.atomic():
            DemoBureau(today=timezone.localdate(), report=report).build()
        self.stdout.write(
            _(
                "Demonstration bureau ready: %(members)d members and %(entries)d points "
                "entries added, %(events)d audit events written, in %(seconds).1f s."
            )
            % {
                "members": Member.objects.count() - members,
                "entries": Entry.objects.count() - entries,
                "events": AuditEvent.objects.count() - events,
                "seconds": time.monotonic() - started,
            }
        )


class DemoBureau:
    def __init__(
        self, *, today: dt.date, report: Callable[[str], None] = lambda step: None
    ) -> None:
        self.today = today
        self.report = report
        self.year = today.year
        self.orgs: dict[str, Organization] = {}
        self.members: dict[str, list[Member]] = {}
        self.users: dict[str, Any] = {}
        self.schemes: dict[tuple[str, int], Scheme] = {}

    def build(self) -> None:
        fresh = not Entry.objects.filter(branch__code__in=[p.code for p in data.BRANCHES]).exists()
        self.setup()
        if fresh:
            clock = Clock(timezone.now())
            with clock.running(dt.date(self.year - 1, 1, 2)):
                Timeline(self, clock).run()

    def setup(self) -> None:
        self.report(_("Party organisations and departments…"))
        self.organisations()
        self.departments()
        self.report(_("Members and public representatives…"))
        self.people()
        self.report(_("Officers' logins and roles…"))
        self.accounts()
        self.report(_("This year's and last year's points schemes…"))
        self.rules()

    def branches(self) -> list[Organization]:
        return [self.orgs[plan.code] for plan in data.BRANCHES]

    def organisations(self) -> None:
        committee_code, committee_name = data.COMMITTEE
        general_code, general_name = data.GENERAL_BRANCH
        rows = [
            (committee_code, committee_name, Organization.Kind.COMMITTEE, ""),
            *[(p.code, p.name, Organization.Kind.BRANCH, p.parent) for p in data.BRANCHES[:4]],
            (general_code, general_name, Organization.Kind.GENERAL_BRANCH, committee_code),
            *[(p.code, p.name, Organization.Kind.BRANCH, p.parent) for p in data.BRANCHES[4:]],
        ]
        for order, (code, name, kind, parent) in enumerate(rows, start=1):
            self.orgs[code], _created = organization_save(
                code=code,
                name=name,
                kind=kind,
                parent=self.orgs[parent] if parent else None,
                order=order * 10,
            )

    def departments(self) -> None:
        existing = set(Department.objects.values_list("name", flat=True))
        for name, line in data.DEPARTMENTS:
            if name not in existing:
                department_create(name=name, business_line=line)

    def people(self) -> None:
        departments = {d.name: d for d in Department.objects.all()}
        for plan in data.BRANCHES:
            self.members[plan.code] = []
        for person in data.people(self.today):
            branch = self.orgs[person.branch]
            member = Member.objects.filter(
                branch=branch, name=person.name, birth_month=person.birth_month
            ).first()
            if member is None:
                member = member_create(
                    branch=branch,
                    name=person.name,
                    gender=person.gender,
                    birth_month=person.birth_month,
                    department=departments[person.department],
                    position=person.position,
                    phone=person.phone,
                    joined_on=person.joined_on,
                    standing=(
                        Member.Standing.PROBATIONARY
                        if person.probationary
                        else Member.Standing.FULL
                    ),
                    is_retired=person.retired,
                )
            self.members[person.branch].append(member)
        for plan in data.BRANCHES:
            branch = self.orgs[plan.code]
            stored = set(branch.public_representatives.values_list("name", flat=True))
            for name, unit in plan.representatives:
                if name not in stored:
                    public_representative_create(branch=branch, name=name, affiliation=unit)

    def accounts(self) -> None:
        user_model = get_user_model()
        for username, role, code, index in data.DEMO_USERS:
            org = self.orgs[code]
            user = user_model.objects.filter(username=username).first()
            if user is None and index is not None:
                user = user_create_for_member(
                    member=self.members[code][index],
                    username=username,
                    password=data.PASSWORD,
                    must_change_password=False,
                )
            elif user is None:
                user = user_create(
                    username=username,
                    password=data.PASSWORD,
                    full_name=data.ADMIN_NAME,
                    must_change_password=False,
                )
            self.users[username] = user
            held = RoleAssignment.objects.filter(user=user, organization=org, role=role).exists()
            if role != Role.MEMBER and not held:
                role_grant(user=user, organization=org, role=role)
        self.leading_group()

    def leading_group(self) -> None:
        """Plan §3.1 in 机关第一党支部: its points leading group (two of them without a login),
        the person responsible, and the training they held."""
        branch = self.orgs["zb1"]
        if RoleAssignment.objects.filter(organization=branch, role=Role.RESPONSIBLE).exists():
            return
        members = self.members["zb1"]
        started = min(dt.date(self.year, 1, 6), self.today)
        for index in data.LEADING_GROUP:
            role_grant(
                organization=branch,
                role=Role.LEADING_GROUP,
                member=members[index],
                starts_on=started,
                reason=data.LEADING_GROUP_REASON,
            )
        role_grant(
            organization=branch,
            role=Role.RESPONSIBLE,
            member=members[data.RESPONSIBLE],
            starts_on=started,
            reason=data.LEADING_GROUP_REASON,
        )
        training_record(
            branch=branch,
            held_on=min(dt.date(self.year, 1, 20), self.today),
            topic=data.TRAINING_TOPIC,
            attendees=[members[i] for i in (*data.LEADING_GROUP, data.RESPONSIBLE, 2)],
            actor=None,
        )

    def rules(self) -> None:
        for plan in data.BRANCHES:
            branch = self.orgs[plan.code]
            for year in (self.year - 1, self.year):
                self.schemes[(plan.code, year)] = scheme_for_year(branch=branch, year=year)
            scheme = self.schemes[(plan.code, self.year)]
            names = set(scheme.items.values_list("name", flat=True))
            for values in data.BRANCH_ITEMS.get(plan.code, []):
                if values["name"] not in names:
                    item_create(scheme=scheme, **_decimals(values))
            for code, item_caps in data.ITEM_CAPS.get(plan.code, {}).items():
                item = scheme.items.get(code=code)
                wanted = _decimals(item_caps)
                if any(getattr(item, k) != v for k, v in wanted.items()):
                    item_update(item=item, **wanted)
            caps: dict[str, Decimal | None] = {
                k: Decimal(v) for k, v in data.CATEGORY_CAPS.get(plan.code, {}).items()
            }
            if any(scheme.category_cap(k) != v for k, v in caps.items()):
                scheme_set_category_caps(scheme=scheme, caps=caps)
