"""备案: a branch files its scheme for the year with the committee.

The plan: "各党支部要结合实际，制定具体工作方案，报局机关党委备案". The branch submits
its scheme; the committee compares it with its template and files it or returns it.
A filing keeps the scheme's contents as submitted and their fingerprint, so a scheme
changed afterwards reads "changed since filing" without any hook in the editor.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import audit_record
from core.actors import signed_in
from core.errors import DomainError
from core.locks import ROW_LOCK
from core.text import clean_text
from organizations.recipients import branch_secretaries, committee_admins, tell_users

from .models import Category, FilingStatus, Item, Scheme, SchemeFiling, Section
from .services import normalized_label

COMMENT_LIMIT = 1000

# The fields of an item the filing compares (its order is presentation, not substance).
ITEM_FIELDS = (
    "section",
    "category",
    "name",
    "label",
    "points_kind",
    "points",
    "points_min",
    "points_max",
    "levels",
    "cap_month",
    "cap_year",
    "evidence_required",
    "declarable",
)
POINTS_FIELDS = frozenset({"points_kind", "points", "points_min", "points_max", "levels"})
CAP_FIELDS = frozenset({"cap_month", "cap_year"})
SECTION_ORDER = {s: n for n, s in enumerate(Section.values)}


# Contents and fingerprint ------------------------------------------------------------


def _value(value: Any) -> Any:
    if value is None or isinstance(value, bool | str | list | dict):
        return value
    return str(value)


def item_contents(item: Item) -> dict[str, Any]:
    data = {name: _value(getattr(item, name)) for name in ITEM_FIELDS}
    data.update(code=item.code, is_retired=item.is_retired, order=item.order, id=item.pk)
    return data


def contents_of(scheme: Scheme, items: Iterable[Item] | None = None) -> dict[str, Any]:
    """The scheme's substance as plain JSON: its items and its category caps."""
    rows = list(items if items is not None else scheme.items.all())
    rows.sort(key=lambda i: (SECTION_ORDER.get(i.section, 9), i.order, i.pk))
    caps = {
        k: str(v) for k, v in sorted((scheme.category_caps or {}).items()) if v not in ("", None)
    }
    return {"items": [item_contents(i) for i in rows], "caps": caps}


def fingerprint(contents: dict[str, Any]) -> str:
    """Equal for two schemes with the same items in use and the same caps, in any order."""
    items = sorted(
        (
            {k: v for k, v in item.items() if k not in ("order", "id")}
            for item in contents.get("items", [])
            if not item.get("is_retired")
        ),
        key=lambda i: json.dumps(i, sort_keys=True, ensure_ascii=False),
    )
    canonical = json.dumps(
        {"items": items, "caps": contents.get("caps", {})},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


# State ------------------------------------------------------------------------------


class State:
    NOT_SUBMITTED = "not_submitted"
    SUBMITTED = "submitted"
    CHANGED_SINCE_SUBMISSION = "changed_since_submission"
    RETURNED = "returned"
    FILED = "filed"
    CHANGED_SINCE_FILING = "changed_since_filing"

    LABELS = {
        NOT_SUBMITTED: gettext_lazy("not submitted"),
        SUBMITTED: gettext_lazy("awaiting filing"),
        CHANGED_SINCE_SUBMISSION: gettext_lazy("changed since submission"),
        RETURNED: gettext_lazy("returned"),
        FILED: gettext_lazy("filed"),
        CHANGED_SINCE_FILING: gettext_lazy("changed since filing"),
    }
    # States in which the branch should (re)submit.
    TO_SUBMIT = frozenset({NOT_SUBMITTED, CHANGED_SINCE_SUBMISSION, RETURNED, CHANGED_SINCE_FILING})


@dataclass(frozen=True)
class FilingState:
    state: str
    latest: SchemeFiling | None  # the latest submission that was not superseded
    filed: SchemeFiling | None  # the latest filed submission, if any

    @property
    def label(self) -> str:
        return str(State.LABELS[self.state])

    @property
    def is_filed(self) -> bool:
        return self.state == State.FILED

    @property
    def is_waiting(self) -> bool:
        return self.state == State.SUBMITTED

    @property
    def may_submit(self) -> bool:
        return self.state in State.TO_SUBMIT


def state_from(filings: list[SchemeFiling], current_fingerprint: str | None) -> FilingState:
    """The state of a scheme from its filings (newest first) and its current fingerprint."""
    live = [f for f in filings if f.status != FilingStatus.SUPERSEDED]
    latest = live[0] if live else None
    filed = next((f for f in live if f.status == FilingStatus.FILED), None)
    if latest is None:
        return FilingState(State.NOT_SUBMITTED, None, None)
    changed = current_fingerprint is not None and current_fingerprint != latest.fingerprint
    if latest.status == FilingStatus.SUBMITTED:
        state = State.CHANGED_SINCE_SUBMISSION if changed else State.SUBMITTED
    elif latest.status == FilingStatus.FILED:
        state = State.CHANGED_SINCE_FILING if changed else State.FILED
    else:
        state = State.RETURNED
    return FilingState(state, latest, filed)


def filing_state(scheme: Scheme) -> FilingState:
    filings = list(scheme.filings.order_by("-submitted_at", "-pk"))
    current = fingerprint(contents_of(scheme)) if filings else None
    return state_from(filings, current)


def filing_states(schemes: list[Scheme]) -> dict[int, FilingState]:
    """The state of many schemes in two queries."""
    ids = [s.pk for s in schemes]
    filings: dict[int, list[SchemeFiling]] = {pk: [] for pk in ids}
    for f in SchemeFiling.objects.filter(scheme_id__in=ids).order_by("-submitted_at", "-pk"):
        filings[f.scheme_id].append(f)
    items: dict[int, list[Item]] = {pk: [] for pk in ids}
    with_filings = [pk for pk in ids if filings[pk]]
    for item in Item.objects.filter(scheme_id__in=with_filings):
        items[item.scheme_id].append(item)
    return {
        s.pk: state_from(
            filings[s.pk],
            fingerprint(contents_of(s, items[s.pk])) if filings[s.pk] else None,
        )
        for s in schemes
    }


# Services ---------------------------------------------------------------------------


def _check_branch_scheme(scheme: Scheme) -> None:
    if scheme.is_template or scheme.organization_id is None:
        raise DomainError(_("Only a branch's scheme for a year is filed."))


@transaction.atomic
def scheme_filing_submit(*, scheme: Scheme, actor: Any = None) -> SchemeFiling:
    """The branch submits its scheme for the year to the committee for filing (备案)."""
    _check_branch_scheme(scheme)
    scheme = Scheme.objects.select_for_update(**ROW_LOCK).get(pk=scheme.pk)
    contents = contents_of(scheme)
    current = fingerprint(contents)
    state = state_from(list(scheme.filings.order_by("-submitted_at", "-pk")), current)
    if state.state == State.SUBMITTED:
        raise DomainError(_("The scheme is already submitted and awaits the committee."))
    if state.state == State.FILED:
        raise DomainError(_("The scheme is already filed; nothing has changed since."))
    if state.latest is not None and state.latest.status == FilingStatus.SUBMITTED:
        # Changed after submitting: the new submission replaces the pending one.
        state.latest.status = FilingStatus.SUPERSEDED
        state.latest.save(update_fields=["status"])
    try:
        with transaction.atomic():
            filing = SchemeFiling.objects.create(
                scheme=scheme,
                contents=contents,
                fingerprint=current,
                submitted_at=timezone.now(),
                submitted_by=signed_in(actor),
            )
    except IntegrityError:  # submitted meanwhile by another request
        raise DomainError(_("The scheme is already submitted and awaits the committee.")) from None
    audit_record(
        action="rules.filing.submitted",
        actor=actor,
        obj=filing,
        organization=scheme.organization_id,
        before={"state": state.state},
        after={"fingerprint": current, "items": len(contents["items"])},
    )
    branch = scheme.organization
    assert branch is not None  # a filed scheme is a branch's, never the template
    tell_users(
        committee_admins(branch),
        title=_("%(branch)s has submitted its scheme for %(year)d for filing.")
        % {"branch": branch.name, "year": scheme.year},
        url=reverse("rules:filing_detail", kwargs={"pk": filing.pk}),
        key=f"filing:{filing.pk}:submitted",
    )
    return filing


def _locked_pending(filing: SchemeFiling) -> SchemeFiling:
    filing = (
        SchemeFiling.objects.select_for_update(**ROW_LOCK)
        .select_related("scheme")
        .get(pk=filing.pk)
    )
    if filing.status == FilingStatus.FILED:
        raise DomainError(_("The scheme is already filed."))
    if filing.status != FilingStatus.SUBMITTED:
        raise DomainError(
            _("This submission is “%(status)s”; only one awaiting filing can be decided.")
            % {"status": filing.get_status_display()}
        )
    return filing


def _decide(filing: SchemeFiling, status: str, comment: str, actor: Any) -> SchemeFiling:
    filing.status = status
    filing.comment = comment
    filing.decided_at = timezone.now()
    filing.decided_by = signed_in(actor)
    filing.save(update_fields=["status", "comment", "decided_at", "decided_by"])
    audit_record(
        action=f"rules.filing.{status}",
        actor=actor,
        obj=filing,
        organization=filing.scheme.organization_id,
        before={"status": FilingStatus.SUBMITTED},
        after={"status": status, "comment": comment, "fingerprint": filing.fingerprint},
    )
    scheme = filing.scheme
    branch = scheme.organization
    assert branch is not None  # a filed scheme is a branch's, never the template
    if status == FilingStatus.FILED:
        title = _("The committee has filed your branch's scheme for %(year)d.")
    else:
        title = _("The committee has returned your branch's scheme for %(year)d, with comments.")
    tell_users(
        branch_secretaries(branch),
        title=title % {"year": scheme.year},
        url=reverse("rules:scheme", kwargs={"code": branch.code, "year": scheme.year}),
        key=f"filing:{filing.pk}:{status}",
    )
    return filing


@transaction.atomic
def scheme_filing_file(
    *, filing: SchemeFiling, comment: Any = "", actor: Any = None
) -> SchemeFiling:
    """The committee files the scheme as submitted; a scheme changed since must be resubmitted."""
    filing = _locked_pending(filing)
    text = clean_text(comment, limit=COMMENT_LIMIT)
    if fingerprint(contents_of(filing.scheme)) != filing.fingerprint:
        raise DomainError(
            _("The branch has changed the scheme since submitting it; it must submit it again.")
        )
    return _decide(filing, FilingStatus.FILED, text, actor)


@transaction.atomic
def scheme_filing_return(*, filing: SchemeFiling, comment: Any, actor: Any = None) -> SchemeFiling:
    """The committee returns the scheme to the branch with its comments."""
    filing = _locked_pending(filing)
    text = clean_text(comment, limit=COMMENT_LIMIT)
    if not text:
        raise DomainError(_("Say what the branch should change."))
    return _decide(filing, FilingStatus.RETURNED, text, actor)


# Comparison with the template --------------------------------------------------------


class Change:
    SAME = "same"
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"


@dataclass
class ItemRow:
    section: str
    template: dict[str, Any] | None
    scheme: dict[str, Any] | None
    change: str
    changed: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return str((self.scheme or self.template or {}).get("name", ""))

    @property
    def points_changed(self) -> bool:
        return bool(self.changed & POINTS_FIELDS)

    @property
    def caps_changed(self) -> bool:
        return bool(self.changed & CAP_FIELDS)


@dataclass
class CapRow:
    category: str
    label: str
    template: str | None
    scheme: str | None

    @property
    def changed(self) -> bool:
        return self.template != self.scheme


@dataclass
class SchemeDiff:
    rows: list[ItemRow]
    caps: list[CapRow]

    def count(self, change: str) -> int:
        return sum(1 for r in self.rows if r.change == change)

    @property
    def added(self) -> int:
        return self.count(Change.ADDED)

    @property
    def removed(self) -> int:
        return self.count(Change.REMOVED)

    @property
    def changed(self) -> int:
        return self.count(Change.CHANGED)

    @property
    def caps_changed(self) -> int:
        return sum(1 for c in self.caps if c.changed)

    @property
    def is_same(self) -> bool:
        return all(r.change == Change.SAME for r in self.rows) and not self.caps_changed


def _same_value(field_name: str, a: Any, b: Any) -> bool:
    if field_name in ("name", "label"):
        return normalized_label(a or "") == normalized_label(b or "")
    return (a in ("", None) and b in ("", None)) or a == b


def compare(template: dict[str, Any], scheme: dict[str, Any]) -> SchemeDiff:
    """The scheme against the template: items matched by their template code, then by label.

    Retired items count as absent: a template item retired in the scheme is "removed".
    """
    t_items = [i for i in template.get("items", []) if not i.get("is_retired")]
    s_items = [i for i in scheme.get("items", []) if not i.get("is_retired")]
    by_code = {i["code"]: i for i in t_items if i.get("code")}
    matched: dict[int, dict[str, Any]] = {}  # id(template item) -> scheme item
    unmatched: list[dict[str, Any]] = []
    for item in s_items:
        partner = by_code.get(item.get("code") or "")
        if partner is not None and id(partner) not in matched:
            matched[id(partner)] = item
        else:
            unmatched.append(item)
    by_label = {normalized_label(i["label"]): i for i in t_items if id(i) not in matched}
    added = []
    for item in unmatched:
        partner = by_label.pop(normalized_label(item["label"]), None)
        if partner is not None:
            matched[id(partner)] = item
        else:
            added.append(item)

    rows: list[ItemRow] = []
    for section in Section.values:
        for t in (i for i in t_items if i["section"] == section):
            s = matched.get(id(t))
            if s is None:  # (an item moved to another section stays under the template's)
                rows.append(ItemRow(section, t, None, Change.REMOVED))
                continue
            changed = {f for f in ITEM_FIELDS if not _same_value(f, t.get(f), s.get(f))}
            rows.append(ItemRow(section, t, s, Change.CHANGED if changed else Change.SAME, changed))
        rows.extend(
            ItemRow(section, None, s, Change.ADDED) for s in added if s["section"] == section
        )

    t_caps, s_caps = template.get("caps", {}), scheme.get("caps", {})
    caps = [
        CapRow(value, str(label), t_caps.get(value), s_caps.get(value))
        for value, label in Category.choices
        if value in t_caps or value in s_caps
    ]
    return SchemeDiff(rows=rows, caps=caps)
