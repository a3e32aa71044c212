"""The demonstration bureau: complete, idempotent, and every demo login works."""

import re
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from appraisals.models import AppraisalSession
from audit.services import audit_verify
from commitments.models import Commitment
from declarations.models import Declaration
from demo.management.commands import _demo_data as data
from ledger.models import Entry, Kind, PeriodLock, Veto
from organizations.models import Member, Organization, PublicRepresentative
from orglife.models import Attendance, DuesRecord
from participation.models import Exemption
from publicity.models import Objection, Publication
from rules.models import Scheme, SchemeFiling
from summaries.models import SummaryConfirmation


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Build the bureau once for the module and roll it back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


# First, before the module's demo bureau exists.
def test_if_empty_does_nothing_once_a_member_exists(bureau):
    before = row_counts()
    out = StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert row_counts() == before
    assert out.getvalue() == "", "`make run` stays quiet when there is nothing to do"
    assert not Organization.objects.filter(code="jszzb").exists()


def test_the_demo_bureau_has_branches_members_schemes_and_points(demo, db):
    year = timezone.localdate().year
    branches = Organization.objects.filter(kind=Organization.Kind.BRANCH)
    assert branches.count() == 6
    assert Organization.objects.get(code="jszzb").kind == Organization.Kind.GENERAL_BRANCH
    assert Member.objects.count() == 150
    assert Member.objects.filter(standing=Member.Standing.PROBATIONARY).exists()
    assert Member.objects.filter(is_retired=True).exists()
    assert PublicRepresentative.objects.count() == 18
    assert Scheme.objects.filter(year=year, organization__in=branches).count() == 6
    appraisal = Entry.objects.filter(kind=Kind.APPRAISAL)
    assert set(appraisal.values_list("source_ref", flat=True)) >= {
        f"{year - 1}-H1",
        f"{year - 1}-H2",
    }
    assert Entry.objects.filter(year=year, kind=Kind.DEDICATION).count() > 1000
    assert Entry.objects.filter(reverses__isnull=False).count() == 2
    assert Veto.objects.filter(year=year - 1).count() == 1
    assert audit_verify() is None


def test_the_demo_year_follows_the_plan(demo, db):
    year = timezone.localdate().year
    assert not Entry.objects.filter(
        year=year, kind=Kind.APPRAISAL, source_ref__regex=r"^\d"
    ).exists()
    assert AppraisalSession.objects.filter(year=year, half=1, status="closed").count() == 6
    assert SchemeFiling.objects.filter(scheme__year=year, status="filed").count() == 6
    assert SchemeFiling.objects.filter(scheme__year=year, status="returned").count() == 1
    assert Declaration.objects.filter(year=year, status="recognised").count() > 200
    assert Declaration.objects.filter(year=year, status="submitted").exists()
    assert PeriodLock.objects.filter(year=year, half=1).count() == 4
    assert SummaryConfirmation.objects.filter(year=year - 1).count() == 6
    assert Publication.objects.filter(year=year).count() == 18
    assert Objection.objects.exclude(answer="").count() == 1
    assert Commitment.objects.filter(year=year, status="approved").count() > 100
    assert Attendance.objects.filter(status="absent").count() == 2
    assert DuesRecord.objects.filter(status="late").count() == 2
    assert Exemption.objects.filter(status="filed").count() == 1


def test_the_demo_says_what_it_is_building_as_it_goes(demo, db):
    """It ran 80 s without a word; now a user of `make run` sees each step."""
    lines = demo.splitlines()
    steps = [line for line in lines if line.startswith("[")]
    year = timezone.localdate().year
    assert len(steps) >= 4 + 1 + 12 + timezone.localdate().month
    assert any("Members and public representatives" in line for line in steps)
    assert any(f"1/{year - 1}:" in line for line in steps)
    assert any(f"{timezone.localdate().month}/{year}:" in line for line in steps)
    assert lines[-1].startswith("Demonstration bureau ready")


def test_running_the_demo_again_adds_no_rows(demo, db):
    before = row_counts()
    call_command("demo", stdout=StringIO())
    assert row_counts() == before


@pytest.mark.parametrize("username", [u for u, *_rest in data.DEMO_USERS])
def test_every_demo_login_reaches_the_home_page(demo, db, username):
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": username, "password": data.PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200


def test_demo_logins_lists_every_demo_user(demo, db):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    for username, *_rest in data.DEMO_USERS:
        assert username in out.getvalue()
    assert data.PASSWORD in out.getvalue()


# Keys whose values are identifiers people type, not words: logins and codes.
IDENTIFIERS = {"username", "code"}


def test_every_audit_row_of_the_demo_reads_in_chinese(demo, db):
    """Each kind of row the demonstration writes: a registered label, translated keys and
    values (choices by their labels, nested rows and figures included)."""
    from audit import display
    from audit.changes import compact_changes
    from audit.models import AuditEvent

    cjk = re.compile(r"[\u4e00-\u9fff]")
    english = set()
    with translation.override("zh-hans"):
        for action, object_type in (
            AuditEvent.objects.values_list("action", "object_type").distinct().order_by()
        ):
            event = AuditEvent.objects.filter(action=action, object_type=object_type).first()
            assert action in display.ACTIONS
            assert cjk.search(display.object_type_label(object_type) or "无")
            for change in compact_changes(
                event.before, event.after, object_type=object_type, action=action, full=True
            ):
                if change.label and not cjk.search(change.label):
                    english.add((action, change.key))
                if change.key in IDENTIFIERS:
                    continue
                for value in (change.before or "", change.after or ""):
                    # a code shown as stored ("recognised"), alone or as a nested label
                    if re.fullmatch(r"[a-z_]{3,}", value) or re.search(r"[a-z_]{3,}：", value):
                        english.add((action, change.key, value[:40]))
    assert english == set()


def test_no_demo_entry_is_recorded_by_the_member_it_counts_for(demo, db):
    """The demo goes through the ledger's gate like any user: nobody's own points."""
    own = Entry.objects.exclude(source="appraisal").filter(
        recorded_by__isnull=False, member__user_id=models.F("recorded_by_id")
    )
    assert not own.exists()


def test_kaoping_cannot_record_points_for_himself_on_the_demo(demo, db):
    """The issue's first symptom, replayed on the demo's own data."""
    kaoping = Member.objects.get(user__username="kaoping")
    client = Client()
    client.force_login(kaoping.user)
    url = reverse("ledger:entry_new", kwargs={"code": "zb1"})
    page = client.get(url)
    assert kaoping not in page.context["form"].fields["member"].queryset
    item = Scheme.objects.get(organization__code="zb1", year=timezone.localdate().year).items.get(
        code="dedication.volunteer"
    )
    before = Entry.objects.count()
    response = client.post(
        url,
        {
            "member": kaoping.pk,
            "month": timezone.localdate().month,
            "item": item.pk,
            "points": "5.0",
            "reason": "自己记分",
        },
    )
    assert response.status_code == 200
    assert Entry.objects.count() == before


def test_the_demo_shows_the_plans_last_gaps(demo, db):
    """Issue 17 on the demo: platforms members declare on, last year's commitments kept and
    the vanguard posts named from them, this year's commitment deadline with the members
    without one reminded, retirees filed and one awaiting filing."""
    from commitments.models import VanguardPost
    from contributions.models import Platform
    from declarations.models import DeclarationLine
    from notifications.models import Notification
    from participation.models import RetireeDecision

    today = timezone.localdate()
    year = today.year
    assert Platform.objects.filter(year=year).count() == 8
    assert set(Platform.objects.values_list("business_line", flat=True)) >= {
        "ecology",
        "research",
        "support",
    }
    if today.month > 1:
        assert DeclarationLine.objects.filter(platform__isnull=False).exists()
    kept = Commitment.objects.filter(year=year - 1, fulfilment="kept")
    assert kept.count() > 100
    if today >= today.replace(month=1, day=14):
        assert VanguardPost.objects.filter(year=year - 1, status="confirmed").count() == 2
        assert VanguardPost.objects.filter(year=year - 1, status="proposed").count() == 1
    if today.month >= 4:
        assert Notification.objects.filter(dedupe_key__startswith="commitments:").exists()
        assert RetireeDecision.objects.filter(year=year, filing="filed").count() == 1
    if today >= today.replace(month=10, day=12):
        assert RetireeDecision.objects.filter(year=year, filing="awaiting").count() == 1
