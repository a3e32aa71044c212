"""One definition of the help talk (DESIGN.md §2), read by every page, print and export;
and unqualified-member handling final only once the higher consent is recorded."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import DomainError
from ledger.services import veto_record
from results.models import HandlingCase
from results.services import handling_consent_record, handling_decide, handling_propose
from tests.factories import MemberFactory, post_points
from tests.test_results import YEAR, candidate, close_year, ranked, talk_on_last_year  # noqa: F401

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def tied(bureau):
    """Two members with 100 each, nothing else recorded: nobody is last."""
    return bureau


def flags_everywhere(bureau, client_for):
    """Who is due a help talk, as the results page, the summary table page and the JSON
    export each say it."""
    branch = bureau.branch_a
    client = client_for(bureau.secretary_a)
    args = {"code": branch.code, "year": YEAR}
    results = client.get(reverse("results:branch", kwargs=args)).context["results"]
    on_results = {due.member.name for due in results.talks_due}
    table = client.get(reverse("summaries:summary", kwargs=args)).context["table"]
    on_table = {row.member.name for row in table.rows if row.help_talk_due}
    out = io.StringIO()
    call_command(
        "export_summary",
        "--branch",
        branch.code,
        "--year",
        str(YEAR),
        "--format",
        "json",
        stdout=out,
    )
    exported = {m["name"] for m in json.loads(out.getvalue())["members"] if m["help_talk_due"]}
    return on_results, on_table, exported


def test_two_members_tied_at_100_are_due_no_talk_anywhere(tied, client_for):
    results, table, exported = flags_everywhere(tied, client_for)
    assert results == table == exported == set()


def test_the_last_and_the_vetoed_are_due_a_talk_on_every_page_and_export(bureau, client_for):
    post_points(bureau.member_a, "5", year=YEAR)
    vetoed = MemberFactory(branch=bureau.branch_a, name="赵卫东")
    post_points(vetoed, "10", year=YEAR)
    veto_record(member=vetoed, year=YEAR, ground="fraud", facts="虚报", decided_on=date(YEAR, 3, 1))
    expected = {"李建国", "赵卫东"}  # other_member_a has the lowest total of the clear
    results, table, exported = flags_everywhere(bureau, client_for)
    assert results == table == exported == expected


def consent_scan():
    return SimpleUploadedFile("批复.pdf", b"%PDF-1.4 consent", content_type="application/pdf")


def test_handling_is_final_only_once_the_higher_consent_is_recorded(candidate, client_for):  # noqa: F811
    case = handling_propose(
        member=candidate.other_member_a,
        year=YEAR,
        reasons="谈话后仍无明显改进。",
        proposed_by=candidate.secretary_a,
    )
    with pytest.raises(DomainError, match="approved"):
        handling_consent_record(
            case=case,
            consented_on=timezone.localdate(),
            document="市直机关工委〔2026〕12号",
            scan=consent_scan(),
            recorded_by=candidate.committee_admin,
        )
    handling_decide(
        case=case, approve=True, note="同意，上报。", decided_by=candidate.committee_admin
    )
    case.refresh_from_db()
    assert case.status == HandlingCase.Status.APPROVED
    for bad in (
        {"document": " "},
        {"scan": None},
        {"consented_on": timezone.localdate().replace(year=YEAR + 1)},
    ):
        values = {
            "consented_on": timezone.localdate(),
            "document": "市直机关工委〔2026〕12号",
            "scan": consent_scan(),
            **bad,
        }
        with pytest.raises(DomainError):
            handling_consent_record(case=case, recorded_by=candidate.committee_admin, **values)
    client = client_for(candidate.committee_admin)
    url = reverse("results:case", kwargs={"pk": case.pk})
    response = client.post(
        url,
        {
            "consented_on": timezone.localdate().isoformat(),
            "document": "市直机关工委〔2026〕12号",
            "scan": consent_scan(),
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == HandlingCase.Status.FINAL
    assert case.consent_document == "市直机关工委〔2026〕12号"
    assert AuditEvent.objects.filter(action="results.handling.consented").exists()
    scan_url = reverse("results:consent_scan", kwargs={"pk": case.pk})
    assert client.get(scan_url).status_code == 200
    assert client_for(candidate.secretary_a).get(scan_url).status_code == 200
    assert client_for(candidate.group_a).get(scan_url).status_code == 404
    page = client_for(candidate.group_a).get(url).content.decode()
    assert 'data-testid="consent"' in page
    assert scan_url not in page
