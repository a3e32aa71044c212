"""Branch B's objects of every app, for the outsider walk of tests/test_access.py.

Each object carries a marker text that must never reach branch A's users; the walk
fills every URL argument with one of them (see tests/urlwalk.py: ARGUMENTS)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Model
from django.utils import timezone

from appraisals import services as appraisals
from appraisals.grades import Grade
from appraisals.models import Mode, Voter
from commitments.models import Commitment, IdentityPost, VanguardPost
from contributions.models import Platform
from core.periods import HalfYear
from declarations.models import Declaration, DeclarationLine, EvidenceFile
from ledger.models import Entry, PeriodLock
from ledger.services import entry_post, veto_record
from notifications.models import Notification
from organizations.models import (
    Department,
    Member,
    Organization,
    PublicRepresentative,
    RoleAssignment,
)
from orglife.models import Attendance, DuesRecord, Meeting
from oversight.models import ExemplaryCase, ModelUnit, SpotCheck, SpotCheckItem
from participation.models import DepartmentHead, Exemption, RetireeDecision
from publicity.models import Objection, Publication, PublicationRow, Screen
from results.models import HandlingCase, HelpTalk
from rules.models import SchemeFiling
from rules.services import scheme_for_year
from summaries.models import ClosingSnapshot

YEAR = 2026


@dataclass
class Outside:
    """Branch B's objects: one pk per model label, the secrets of its public pages, and
    the texts that must never be shown to branch A."""

    code: str
    branch_pk: int
    member_pk: int
    objects: dict[str, int] = field(default_factory=dict)  # "app.Model" -> pk
    secrets: dict[str, str] = field(default_factory=dict)  # "ballot_code", ... -> value
    markers: list[str] = field(default_factory=list)

    def add(self, obj: Model, marker: str = "") -> Any:
        self.objects.setdefault(obj._meta.label, obj.pk)
        if marker:
            self.markers.append(marker)
        return obj

    @property
    def pks(self) -> list[int]:
        return sorted(set(self.objects.values()))


def make_outside(bureau: Any) -> Outside:
    b, member, secretary = bureau.branch_b, bureau.member_b, bureau.secretary_b
    out = Outside(code=b.code, branch_pk=b.pk, member_pk=member.pk)
    out.add(member, member.name)
    out.add(b)
    now = timezone.now()

    # rules and ledger
    scheme = out.add(scheme_for_year(branch=b, year=YEAR))
    item = scheme.items.get(code="dedication.volunteer")
    item.name = "乙支部专属项目"
    item.save(update_fields=["name"])
    out.add(item, item.name)
    out.add(
        SchemeFiling.objects.create(
            scheme=scheme, fingerprint="b" * 64, submitted_at=now, submitted_by=secretary
        )
    )
    entry = entry_post(
        member=member,
        year=YEAR,
        month=3,
        points="2",
        source="direct",
        item=item,
        reason="乙支部记录事由",
    )
    out.add(entry, entry.reason)
    veto = veto_record(
        member=member,
        year=YEAR,
        ground="other",
        facts="乙支部否决事实",
        decided_on=date(YEAR, 4, 1),
    )
    out.add(veto, veto.facts)

    # declarations
    declaration = out.add(
        Declaration.objects.create(
            member=member, branch=b, year=YEAR, month=10, name=member.name, status="submitted"
        )
    )
    line = out.add(
        DeclarationLine.objects.create(declaration=declaration, description="乙支部申报事迹"),
        "乙支部申报事迹",
    )
    out.add(
        EvidenceFile.objects.create(
            declaration=declaration,
            line=line,
            file="evidence/b.png",
            original_name="乙支部证明材料.png",
            kind="image",
            content_type="image/png",
            size=1,
            sha256="0" * 64,
        ),
        "乙支部证明材料",
    )

    # organisational life
    meeting = out.add(
        Meeting.objects.create(
            branch=b,
            kind="general_meeting",
            topic="乙支部会议议题",
            starts_at=now,  # signing in is open
            signin_token="b-meeting-token",
        ),
        "乙支部会议议题",
    )
    out.secrets["signin_token"] = meeting.signin_token
    out.add(Attendance.objects.create(meeting=meeting, member=member))
    out.add(DuesRecord.objects.create(member=member, year=YEAR, month=3, status="on_time"))

    # appraisals: through the services, for a real one-time code
    session = appraisals.session_open(
        branch=b,
        half_year=HalfYear(YEAR, 2),
        held_on=date(YEAR, 11, 20),
        mode=Mode.GRADE,
        values={
            Grade.EXCELLENT: Decimal(95),
            Grade.QUALIFIED: Decimal(85),
            Grade.BASIC: Decimal(70),
            Grade.UNQUALIFIED: Decimal(50),
        },
        evaluees=[member],
        voter_members=[member],
        representatives=[],
        opened_by=secretary,
    )
    out.add(session)
    issued = appraisals.codes_issue(session=session, issued_by=secretary)
    out.secrets["ballot_code"] = issued[0].code
    out.add(Voter.objects.filter(session=session).first())

    # publicity
    publication = out.add(
        Publication.objects.create(
            branch=b,
            year=YEAR,
            quarter=3,
            title="乙支部积分公示",
            as_of=date(YEAR, 9, 30),
            window_start=date(YEAR, 11, 23),
            window_end=date(YEAR, 11, 27),
            window_workdays=5,
            contact_name="乙支部联系人",
        ),
        "乙支部积分公示",
    )
    zero = Decimal("0.0")
    row = PublicationRow.objects.create(
        publication=publication,
        member=member,
        position=1,
        name=member.name,
        base=zero,
        dedication=zero,
        appraisal=zero,
        deductions=zero,
        total=zero,
        rank=1,
    )
    out.add(
        Objection.objects.create(
            publication=publication, row=row, member=member, reason="乙支部异议理由"
        ),
        "乙支部异议理由",
    )
    screen = out.add(Screen.objects.create(name="乙支部大厅屏幕", token="b-screen-token", branch=b))
    out.secrets["screen_token"] = screen.token

    # commitments, participation, results
    post = out.add(IdentityPost.objects.create(member=member))
    out.secrets["post_token"] = post.token
    out.add(
        Commitment.objects.create(
            member=member, branch=b, year=YEAR, topic="post", text="乙支部承诺内容"
        ),
        "乙支部承诺内容",
    )
    out.add(
        Exemption.objects.create(
            member=member, branch=b, year=YEAR, ground="other", reason="乙支部免于参加理由"
        ),
        "乙支部免于参加理由",
    )
    out.add(DepartmentHead.objects.create(user=secretary, department=bureau.department))
    # organizations: B's secretary's role, a representative of B, a department of B's people
    out.add(RoleAssignment.objects.current().get(user=secretary, organization=b, role="secretary"))
    out.add(PublicRepresentative.objects.create(branch=b, name="乙支部群众代表"), "乙支部群众代表")
    out.add(Department.objects.create(name="乙支部所在科室"))
    out.add(
        RetireeDecision.objects.create(
            member=member,
            year=YEAR,
            takes_part=False,
            note="乙支部退休不参与说明",
            filing="awaiting",
        ),
        "乙支部退休不参与说明",
    )
    out.add(
        VanguardPost.objects.create(member=member, branch=b, year=YEAR, reasons="乙支部先锋岗理由"),
        "乙支部先锋岗理由",
    )

    # 做贡献: a department of B's member, headed by B's secretary, with its platform
    department = out.add(Department.objects.create(name="乙支部科室"))
    member.department = department
    member.save(update_fields=["department"])
    DepartmentHead.objects.create(user=secretary, department=department)
    out.add(
        Platform.objects.create(
            department=department,
            year=YEAR,
            name="乙支部服务平台",
            business_line="ecology",
            months=list(range(1, 13)),
        ),
        "乙支部服务平台",
    )
    out.add(
        HelpTalk.objects.create(
            branch=b,
            member=member,
            year=YEAR,
            held_on=date(YEAR, 11, 1),
            talked_by="乙支部谈话人",
            content="乙支部谈话内容",
            response="乙支部表态",
        ),
        "乙支部谈话内容",
    )
    out.add(
        HandlingCase.objects.create(branch=b, member=member, year=YEAR, reasons="乙支部处置理由"),
        "乙支部处置理由",
    )

    # oversight: the committee's spot check of B's entry, B's draft case, B as a model unit
    check = out.add(
        SpotCheck.objects.create(
            committee=bureau.committee, year=YEAR, size=1, seed=1, population=1
        )
    )
    out.add(
        SpotCheckItem.objects.create(
            spot_check=check, entry=entry, branch=b, status="problem", response="乙支部整改说明"
        ),
        "乙支部整改说明",
    )
    out.add(
        ExemplaryCase.objects.create(
            committee=bureau.committee,
            branch=b,
            member=member,
            line=line,
            title="乙支部典型案例",
            text="乙支部案例正文",
        ),
        "乙支部典型案例",
    )
    out.add(
        ModelUnit.objects.create(
            committee=bureau.committee,
            year=YEAR,
            kind="branch",
            branch=b,
            title="乙支部先进集体",
            citation="乙支部表彰事迹",
        )
    )

    # a notification of B's member
    out.add(
        Notification.objects.create(
            user=bureau.member_b_user, kind="other", title="乙支部通知标题"
        ),
        "乙支部通知标题",
    )
    # the API: B's member's token and job number (the HR key of the sync routes)
    from api.services import token_create

    out.add(token_create(user=bureau.member_b_user, name="乙支部令牌")[0], "乙支部令牌")
    Member.objects.filter(pk=member.pk).update(job_number="B-0001")
    out.secrets["job_number"] = "B-0001"
    # B's first half-year closed, last: nothing above could be recorded into it
    lock = out.add(PeriodLock.objects.create(branch=b, year=YEAR, half=1))
    out.add(ClosingSnapshot.objects.create(lock=lock, branch=b, year=YEAR, half=1))
    scheme_for_year(branch=bureau.branch_a, year=YEAR)  # A's pages have something to show
    return out


# --- branch B's state, to show that no request changed it ----------------------------


def _path_to_branch(model: type[Model], depth: int = 2) -> str | None:
    """The lookup from `model` to the branch that owns it (branch, organization, member,
    or one more hop through a parent such as a declaration or a meeting)."""
    fields = [f for f in model._meta.concrete_fields if f.is_relation and f.related_model]
    for f in fields:
        if f.related_model is Organization and f.name in ("branch", "organization"):
            return f.name
    for f in fields:
        if f.related_model is Member and f.name == "member":
            return "member__branch"
    if depth > 1:
        for f in fields:
            if f.related_model in (Organization, Member, model) or f.name.endswith("_by"):
                continue
            inner = _path_to_branch(f.related_model, depth - 1)
            if inner:
                return f"{f.name}__{inner}"
    return None


def state_of(bureau: Any) -> dict[str, Any]:
    """Every row that belongs to branch B, all fields, plus the whole ledger's and audit's
    counts for B: equal before and after the walk when nothing was changed."""
    from audit.models import AuditEvent

    b = bureau.branch_b
    state: dict[str, Any] = {
        "ledger entries": Entry.objects.count(),
        "audit rows of B": AuditEvent.objects.filter(organization_id=b.pk).count(),
        "notifications of B": list(
            Notification.objects.filter(user__member__branch=b).order_by("pk").values_list()
        ),
    }
    for model in apps.get_models():
        path = _path_to_branch(model)
        if path is None or model is AuditEvent:
            continue
        rows = model._default_manager.filter(**{path: b}).order_by("pk").values_list()
        state[model._meta.label] = [tuple(map(str, r)) for r in rows]
    return state
