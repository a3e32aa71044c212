from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.ids import IdMultipleChoiceField
from core.periods import HalfYear, half_of
from organizations.models import Member, Organization, Participation, PublicRepresentative

from .grades import DEFAULT_VALUES, ORDER, Grade, range_text
from .models import DEFAULT_QUORUM, AppraisalSession, Evaluee, Mode, Status


class MemberChoices(IdMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        unit = getattr(obj, "department", None) or getattr(obj, "affiliation", "")
        return f"{obj.name}（{unit}）" if unit else obj.name


def half_year_choices(today: Any) -> list[tuple[str, str]]:
    current = HalfYear.of(today.year, today.month)
    halves = [HalfYear(current.year - 1, 1), HalfYear(current.year - 1, 2)]
    halves += [HalfYear(current.year, 1), HalfYear(current.year, 2)]
    return [(f"{h.year}-{h.half}", str(h)) for h in reversed(halves)]


class SessionForm(forms.Form):
    half_year = forms.ChoiceField(label=_("Half year"))
    held_on = forms.DateField(
        label=_("Date of the meeting"), widget=forms.DateInput(attrs={"type": "date"})
    )
    mode = forms.ChoiceField(
        label=_("Ballot"),
        choices=Mode.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial=Mode.GRADE,
    )
    value_excellent = forms.DecimalField(
        label=Grade.EXCELLENT.label, max_digits=4, decimal_places=1
    )
    value_qualified = forms.DecimalField(
        label=Grade.QUALIFIED.label, max_digits=4, decimal_places=1
    )
    value_basic = forms.DecimalField(label=Grade.BASIC.label, max_digits=4, decimal_places=1)
    value_unqualified = forms.DecimalField(
        label=Grade.UNQUALIFIED.label, max_digits=4, decimal_places=1
    )
    evaluees = MemberChoices(
        label=_("Members appraised"),
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    voter_members = MemberChoices(
        label=_("Voting members"),
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
    )
    representatives = MemberChoices(
        label=_("Voting public representatives"),
        queryset=PublicRepresentative.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
    )
    quorum_percent = forms.IntegerField(
        label=_("Quorum (%)"),
        min_value=DEFAULT_QUORUM,
        max_value=100,
        initial=DEFAULT_QUORUM,
        help_text=_(
            "The session closes once more than this share of the members taking part in the "
            "year have voted: at least half, as for a branch members' meeting; the branch may "
            "set a higher share. Public representatives are counted apart."
        ),
    )

    def __init__(self, *args: Any, branch: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        members = Member.objects.filter(branch=branch, is_active=True).select_related("department")
        representatives = PublicRepresentative.objects.filter(branch=branch, is_active=True)
        fields: dict[str, Any] = self.fields
        fields["half_year"].choices = half_year_choices(today)
        fields["evaluees"].queryset = members
        fields["voter_members"].queryset = members
        fields["representatives"].queryset = representatives
        last = (
            AppraisalSession.objects.filter(branch=branch)
            .exclude(status=Status.ANNULLED)
            .order_by("-year", "-half", "-pk")
            .first()
        )
        exempt = set(
            Participation.objects.filter(
                member__branch=branch, year=today.year, takes_part=False
            ).values_list("member_id", flat=True)
        )
        self.initial.setdefault("half_year", f"{today.year}-{half_of(today.month)}")
        self.initial.setdefault("held_on", today)
        for grade in ORDER:
            field = self.fields[f"value_{grade}"]
            field.help_text = range_text(grade)
            value = getattr(last, f"value_{grade}") if last else DEFAULT_VALUES[grade]
            self.initial.setdefault(f"value_{grade}", value)
        self.initial.setdefault("evaluees", [m.pk for m in members if m.pk not in exempt])
        self.initial.setdefault("voter_members", [m.pk for m in members])
        self.initial.setdefault("representatives", [r.pk for r in representatives])

    def clean_half_year(self) -> HalfYear:
        year, half = self.cleaned_data["half_year"].split("-")
        return HalfYear(int(year), int(half))

    def grade_values(self) -> dict[str, Decimal]:
        return {grade: self.cleaned_data[f"value_{grade}"] for grade in ORDER}


class ExtendForm(forms.Form):
    until = forms.DateField(
        label=_("Voting open until"), widget=forms.DateInput(attrs={"type": "date"})
    )


class AnnulForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Voting code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "form-control form-control-lg text-center font-monospace",
                "placeholder": "ABCDE-FGHJK",
            }
        ),
    )


@dataclass
class BallotRow:
    """One appraised member on a ballot form, with what was entered and what is wrong."""

    number: int
    evaluee: Evaluee
    grade: str = ""
    score: str = ""
    error: str = ""
    facts: Any = None  # selectors.EvalueeFacts, on the form the voter fills in

    @property
    def grade_label(self) -> str:
        return str(Grade(self.grade).label) if self.grade in Grade.values else ""


def ballot_rows(
    evaluees: list[Evaluee], data: QueryDict | None = None, errors: dict[int, str] | None = None
) -> list[BallotRow]:
    rows = []
    for number, evaluee in enumerate(evaluees, start=1):
        key = evaluee.member_id
        rows.append(
            BallotRow(
                number=number,
                evaluee=evaluee,
                grade=(data.get(f"g{key}", "") if data else "")[:20],
                score=(data.get(f"s{key}", "") if data else "").strip()[:10],
                error=(errors or {}).get(key, ""),
            )
        )
    return rows


def ballot_marks(rows: list[BallotRow]) -> dict[int, tuple[str, object]]:
    return {row.evaluee.member_id: (row.grade, row.score) for row in rows}
