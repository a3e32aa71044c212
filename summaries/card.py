"""The points card (附件2 党员奉献量化积分制管理记录卡) of one member for one year.

Month cells are the raw sums of the month's entries; yearly scores come from the
engine, so caps apply exactly as in the branch table. A fixed number of queries:
the scheme, its items, the member's entries of the year, vetoes, participation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.pinyin import name_order
from ledger.models import Entry, Kind, Veto
from organizations.models import Member, Organization, Participation
from rules.models import Category, Item, Scheme, Section
from rules.points import points_spec, rules_from_items
from rules.services import template_for
from scoring import engine

MONTHS = range(1, 13)


@dataclass(frozen=True)
class CardCell:
    value: Decimal | None
    entries: tuple[Entry, ...] = ()

    @property
    def title(self) -> str:
        """One line per entry: date recorded, source, points, reason."""
        return "\n".join(entry_line(entry) for entry in self.entries)


@dataclass(frozen=True)
class CardRow:
    label: str
    points: str  # the 分值 column: a base item's maximum, a deduction's points per occurrence
    months: list[CardCell]
    year_score: Decimal


@dataclass(frozen=True)
class PointsCard:
    member: Member
    year: int
    scheme: Scheme | None  # None until the branch's scheme for the year exists
    takes_part: bool
    base_max: Decimal
    base_rows: list[CardRow]
    dedication_rows: list[CardRow]
    deduction_rows: list[CardRow]
    appraisal_sessions: dict[str, Decimal]
    appraisal_entries: tuple[Entry, ...]
    vetoes: list[Veto]
    totals: engine.MemberTotals
    entries: list[Entry] = field(default_factory=list)
    reversed_ids: frozenset[int] = frozenset()

    @property
    def veto_text(self) -> str:
        """Each veto's ground and facts; an imported veto (ground "other") by its facts."""
        return "；".join(
            v.facts if v.ground == Veto.Ground.OTHER else f"{v.get_ground_display()}：{v.facts}"
            for v in self.vetoes
        )

    @property
    def appraisal_parts(self) -> list[tuple[str, Decimal]]:
        """(label, score) of each appraisal session: its half-year, or an imported card."""
        month_of = {e.source_ref: e.month for e in self.appraisal_entries}
        return [
            (session_label(session, month_of.get(session, 12)), score)
            for session, score in self.appraisal_sessions.items()
        ]


def session_label(session: str, month: int) -> str:
    if session.startswith("import:"):
        return str(_("imported card"))
    return str(_("first half") if month <= 6 else _("second half"))


def entry_line(entry: Entry) -> str:
    day = timezone.localtime(entry.recorded_at).date().isoformat() if entry.recorded_at else ""
    parts = [day, str(entry.get_source_display()), f"{entry.points:+}"]
    if entry.reason:
        parts.append(entry.reason)
    return " · ".join(p for p in parts if p)


def category_label(category: str, items: Iterable[Item]) -> str:
    """The form's own row text (the template item's label), else the category's name."""
    for item in items:
        if item.code == f"dedication.{category}":
            return item.label
    return str(Category(category).label) if category in Category.values else category


def _month_cells(entries: list[Entry]) -> list[CardCell]:
    by_month: dict[int, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_month[entry.month].append(entry)
    return [
        CardCell(
            value=sum((e.points for e in by_month[m]), Decimal(0)) if by_month[m] else None,
            entries=tuple(by_month[m]),
        )
        for m in MONTHS
    ]


def _engine_entry(entry: Entry) -> engine.Entry:
    return engine.Entry(
        member_id=entry.member_id,
        month=entry.month,
        section=entry.kind,  # type: ignore[arg-type]
        points=entry.points,
        item_id=entry.item_id,
        session=entry.source_ref if entry.kind == Kind.APPRAISAL else "",
        count=-1 if entry.reverses_id is not None else 1,
    )


def _scheme_and_items(branch: Organization, year: int) -> tuple[Scheme | None, Scheme, list[Item]]:
    scheme = Scheme.objects.filter(organization_id=branch.pk, year=year, is_template=False).first()
    source = scheme or template_for(branch)
    return scheme, source, list(source.items.order_by("order", "pk"))


@dataclass(frozen=True)
class _Scheme:
    """What every card of a branch-year shares: its scheme (or template), items and rules."""

    scheme: Scheme | None
    items: list[Item]
    rules: engine.Rules


def _branch_scheme(branch: Organization, year: int) -> _Scheme:
    scheme, source, items = _scheme_and_items(branch, year)
    return _Scheme(scheme, items, rules_from_items(items, source.category_caps))


def member_card(member: Member, year: int, branch: Organization | None = None) -> PointsCard:
    """The member's card for the year, read from their branch's ledger (or, for a member who
    moved, from the ledger of the branch they left: `branch`)."""
    branch = branch or member.branch
    shared = _branch_scheme(branch, year)
    entries = list(
        Entry.objects.filter(member=member, year=year, branch_id=branch.pk)
        .select_related("item", "recorded_by")
        .order_by("month", "pk")
    )
    vetoes = list(Veto.objects.filter(member=member, year=year, revoked_at__isnull=True))
    takes_part = not Participation.objects.filter(
        member=member, year=year, takes_part=False
    ).exists()
    return _card(member, year, shared, entries, vetoes, takes_part)


def branch_cards(branch: Organization, year: int) -> list[PointsCard]:
    """Every card of the branch for the year (its active members and anyone with entries),
    in a fixed number of queries."""
    shared = _branch_scheme(branch, year)
    in_year = Entry.objects.filter(branch_id=branch.pk, year=year)
    members = list(
        Member.objects.filter(branch=branch)
        .filter(Q(is_active=True) | Q(pk__in=in_year.values("member_id")))
        .select_related("department")
        .order_by(*name_order(), "pk")
    )
    entries: dict[int, list[Entry]] = defaultdict(list)
    for entry in in_year.select_related("item", "recorded_by").order_by("month", "pk"):
        entries[entry.member_id].append(entry)
    vetoes: dict[int, list[Veto]] = defaultdict(list)
    for veto in Veto.objects.filter(branch_id=branch.pk, year=year, revoked_at__isnull=True):
        vetoes[veto.member_id].append(veto)
    not_taking_part = set(
        Participation.objects.filter(
            member__branch=branch, year=year, takes_part=False
        ).values_list("member_id", flat=True)
    )
    cache_branch = Member.branch.field.set_cached_value
    cards = []
    for member in members:
        cache_branch(member, branch)
        cards.append(
            _card(
                member,
                year,
                shared,
                entries.get(member.pk, []),
                vetoes.get(member.pk, []),
                member.pk not in not_taking_part,
            )
        )
    return cards


def _card(
    member: Member,
    year: int,
    shared: _Scheme,
    member_entries: list[Entry],
    vetoes: list[Veto],
    takes_part: bool,
) -> PointsCard:
    rules, items = shared.rules, shared.items
    entries = [e for e in member_entries if e.kind == Kind.APPRAISAL or e.item_id in rules.items]
    totals = engine.member_totals(rules, member.pk, (_engine_entry(e) for e in entries))
    by_item: dict[int, list[Entry]] = defaultdict(list)
    for entry in entries:
        if entry.item_id is not None:
            by_item[entry.item_id].append(entry)
    shown = [item for item in items if not item.is_retired or by_item.get(item.pk)]

    def item_row(item: Item, year_score: Decimal) -> CardRow:
        return CardRow(
            label=item.label or item.name,
            points=points_spec(item),
            months=_month_cells(by_item.get(item.pk, [])),
            year_score=year_score,
        )

    base_items = [i for i in shown if i.section == Section.BASE]
    base_rows = [item_row(i, totals.base_by_item.get(i.pk, Decimal(0))) for i in base_items]
    deduction_rows = [
        item_row(i, totals.deductions_by_item.get(i.pk, Decimal(0)))
        for i in shown
        if i.section == Section.DEDUCTION
    ]
    categories: dict[str, list[Item]] = {}
    for item in shown:
        if item.section == Section.DEDICATION:
            categories.setdefault(item.category, []).append(item)
    dedication_rows = [
        CardRow(
            label=category_label(category, category_items),
            points=points_spec(category_items[0]) if len(category_items) == 1 else "",
            months=_month_cells(
                sorted(
                    (e for i in category_items for e in by_item.get(i.pk, [])),
                    key=lambda e: e.pk,
                )
            ),
            year_score=totals.dedication_by_category.get(category, Decimal(0)),
        )
        for category, category_items in categories.items()
    ]
    return PointsCard(
        member=member,
        year=year,
        scheme=shared.scheme,
        takes_part=takes_part,
        base_max=sum((i.points or Decimal(0) for i in base_items), Decimal(0)),
        base_rows=base_rows,
        dedication_rows=dedication_rows,
        deduction_rows=deduction_rows,
        appraisal_sessions=dict(totals.appraisal_sessions),
        appraisal_entries=tuple(e for e in entries if e.kind == Kind.APPRAISAL),
        vetoes=vetoes,
        totals=totals,
        entries=entries,
        reversed_ids=frozenset(e.reverses_id for e in entries if e.reverses_id is not None),
    )
