"""The audit log reads in Chinese: action labels, field names, values and Beijing time."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from audit import display
from audit.models import AuditEvent
from audit.services import audit_record
from tests.declarations_support import (
    recognise_all,
    scheme_fixture,  # noqa: F401
    submitted,
    volunteer,
)
from tests.test_audit import several_actions

ROOT = Path(settings.BASE_DIR)
CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese_log(client, **query):
    response = client.get(reverse("audit:log"), query, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    return response


def written_action_codes() -> set[str]:
    """Every action code an `audit_record` call in the source writes, literal or built
    from a helper's argument (declarations' `_audit`, oversight's `_audit_item`, and
    the status-named decisions)."""
    codes: set[str] = set()
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in {"tests", ".venv", "node_modules", "scripts"}:
            continue
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'action="([a-z_]+(?:\.[a-z_]+)+)"', text))
        for call in re.findall(r"_audit\(\s*([^,]+),", text):
            codes |= {f"declarations.declaration.{w}" for w in re.findall(r'"([a-z_]+)"', call)}
        for call in re.findall(r"_audit_item\(\s*\"([a-z_]+)\"", text):
            codes.add(f"oversight.spot_check_item.{call}")
    codes |= {f"participation.exemption.{s}" for s in ("approved", "refused", "filed", "returned")}
    codes |= {f"rules.filing.{s}" for s in ("filed", "returned")}
    codes |= {f"commitments.commitment.{s}" for s in ("approved", "returned")}
    return codes


def test_every_action_the_code_writes_has_a_label():
    codes = written_action_codes()
    assert len(codes) > 90, "the scan found too few codes; has the call style changed?"
    missing = sorted(code for code in codes if code not in display.ACTIONS)
    assert missing == [], f"add these to audit/display.py ACTIONS: {missing}"


def test_an_unknown_action_reads_as_its_area_with_the_code():
    with translation.override("zh-hans"):
        assert display.action_label("ledger.entry.posted") == "记入积分"
        assert display.action_label("ledger.entry.teleported") == (
            "积分台账：其他操作（ledger.entry.teleported）"
        )
        assert display.action_label("nowhere.at_all") == "其他操作（nowhere.at_all）"


def test_the_log_shows_labels_field_names_and_choices_in_chinese(bureau, client_for):
    several_actions(bureau)
    body = chinese_log(client_for(bureau.committee_admin)).content.decode()
    assert "修改积分项目" in body
    assert "记入积分" in body
    assert "冲销积分" in body
    assert ">rules.item.updated<" not in body
    assert ">ledger.entry.posted<" not in body
    # the item's points_max is shown by its field's verbose name, the kind by its label
    assert "最高分值" in body
    assert "奉献分" in body
    assert "points_max" not in body.replace('data-action="', "")
    assert "ledger.entry #" not in body
    assert "积分记录 #" in body


def test_before_and_after_keys_are_translated_for_every_action_of_the_tests(bureau, client_for):
    """Keys of a model field use its verbose name; the others come from the registry."""
    several_actions(bureau)
    rows = chinese_log(client_for(bureau.committee_admin)).context["rows"]
    labels = {change.label for row in rows for change in row.detail}
    english = sorted(label for label in labels if label and not CJK.search(label))
    assert english == []


def test_times_inside_before_and_after_are_in_beijing_time(bureau, client_for):
    audit_record(
        action="results.help_talk.recorded",
        organization=bureau.branch_a,
        after={"recorded_at": "2026-03-01T23:30:00+00:00", "held_on": "2026-03-02"},
    )
    body = chinese_log(client_for(bureau.committee_admin)).content.decode()
    assert "2026-03-02 07:30" in body
    assert "2026-03-01T23:30" not in body


def test_the_time_column_is_beijing_time_whatever_the_active_zone(bureau, client_for):
    event = audit_record(action="accounts.login", actor=bureau.secretary_a)
    local = event.at.astimezone(display.timezone.get_default_timezone())
    elsewhere = event.at.astimezone(ZoneInfo("America/New_York"))
    with display.timezone.override(ZoneInfo("America/New_York")):
        body = chinese_log(client_for(bureau.committee_admin)).content.decode()
    assert local.strftime("%Y-%m-%d %H:%M:%S") in body
    assert elsewhere.strftime("%Y-%m-%d %H:%M:%S") not in body
    assert "北京时间" in body


def test_the_log_filters_by_branch_person_and_action(bureau, client_for):
    bureau.secretary_a.first_name = "郑璐春"
    bureau.secretary_a.save()
    several_actions(bureau)
    audit_record(action="ledger.entry.posted", organization=bureau.branch_b, object_repr="王晓燕")
    client = client_for(bureau.committee_admin)

    def actions(**query):
        return [row.event.action for row in chinese_log(client, **query).context["rows"]]

    by_name = actions(person="郑璐春")
    assert by_name
    assert set(by_name) <= {"rules.scheme.created", "rules.item.updated", "rules.item.retired"}
    assert actions(person="王晓燕") == ["ledger.entry.posted"]
    assert set(actions(action="ledger.")) == {"ledger.entry.posted", "ledger.entry.reversed"}
    assert actions(action="ledger.entry.reversed") == ["ledger.entry.reversed"]
    assert actions(action="ledger.entry.posted", organization=bureau.branch_b.pk) == [
        "ledger.entry.posted"
    ]
    # the filter offers the labels, not the codes
    body = chinese_log(client).content.decode()
    assert '<option value="ledger.entry.posted">记入积分</option>' in body


def test_a_decided_declaration_reads_with_its_status_labels(bureau, client_for, scheme):
    recognise_all(submitted(bureau), bureau.group_a, volunteer(scheme))
    rows = chinese_log(client_for(bureau.committee_admin), action="declarations.").context["rows"]
    decided = next(r for r in rows if r.event.action == "declarations.declaration.decided")
    status = next(c for c in decided.changes if c.key == "status")
    assert (status.label, status.after) == ("状态", "已认定")
    lines = next(c for c in decided.detail if c.key == "lines")
    assert "认定结果：已认定" in lines.after
    assert "outcome" not in lines.after
    assert AuditEvent.objects.filter(action="declarations.declaration.decided").exists()
