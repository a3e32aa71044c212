"""load_orgs: organisations from a CSV file, all rows or none."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from organizations.models import Organization
from tests.factories import MemberFactory, OrganizationFactory

HEADER = "code,name,kind,parent\n"
TREE = HEADER + (
    "zb1,机关第一党支部,branch,jgdw\n"
    "jgdw,机关党委,committee,\n"
    "zzb1,地质博物馆党支部,branch,zzb\n"
    "zzb,局属单位党总支,general_branch,jgdw\n"
)


pytestmark = pytest.mark.usefixtures("english")


def load(tmp_path, text, *, bom=False):
    path = tmp_path / "orgs.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    out, err = StringIO(), StringIO()
    call_command("load_orgs", str(path), stdout=out, stderr=err)
    return out.getvalue()


def load_fails(tmp_path, text):
    path = tmp_path / "orgs.csv"
    path.write_text(text, encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("load_orgs", str(path), stdout=StringIO(), stderr=err)
    assert failure.value.returncode != 0
    return err.getvalue()


def tree():
    return {
        o.code: (o.name, o.kind, o.parent.code if o.parent else "")
        for o in Organization.objects.select_related("parent")
    }


def test_it_creates_the_tree_even_when_a_parent_comes_after_its_child(db, tmp_path):
    output = load(tmp_path, TREE)
    assert tree() == {
        "jgdw": ("机关党委", "committee", ""),
        "zb1": ("机关第一党支部", "branch", "jgdw"),
        "zzb": ("局属单位党总支", "general_branch", "jgdw"),
        "zzb1": ("地质博物馆党支部", "branch", "zzb"),
    }
    assert "created: 4" in output
    assert AuditEvent.objects.filter(action="organizations.organization.created").count() == 4


def test_it_reads_a_file_with_a_byte_order_mark(db, tmp_path):
    load(tmp_path, TREE, bom=True)
    assert Organization.objects.count() == 4


def test_it_updates_by_code(db, tmp_path):
    load(tmp_path, TREE)
    output = load(tmp_path, TREE.replace("地质博物馆党支部,branch,zzb", "博物馆党支部,branch,jgdw"))
    assert tree()["zzb1"] == ("博物馆党支部", "branch", "jgdw")
    assert "created: 0, updated: 1, unchanged: 3" in output
    event = AuditEvent.objects.filter(action="organizations.organization.updated").get()
    assert event.before["name"] == "地质博物馆党支部"
    assert event.after["name"] == "博物馆党支部"


def test_loading_the_same_file_again_writes_nothing(db, tmp_path):
    load(tmp_path, TREE)
    events = AuditEvent.objects.count()
    assert "unchanged: 4" in load(tmp_path, TREE)
    assert AuditEvent.objects.count() == events


def test_a_parent_may_be_an_organisation_already_stored(db, tmp_path):
    OrganizationFactory(code="jgdw", name="机关党委", kind=Organization.Kind.COMMITTEE)
    load(tmp_path, HEADER + "zb9,第九党支部,branch,jgdw\n")
    assert tree()["zb9"] == ("第九党支部", "branch", "jgdw")


@pytest.mark.parametrize(
    ("rows", "line", "words"),
    [
        ("jgdw,机关党委,committee,\nzb 1,第一,branch,jgdw\n", 3, "code"),
        ("jgdw,机关党委,committee,\nzb1,,branch,jgdw\n", 3, "name is missing"),
        ("jgdw,机关党委,committee,\nzb1,第一,team,jgdw\n", 3, "Unknown kind"),
        ("jgdw,机关党委,committee,\nzb1,第一,branch,nowhere\n", 3, "“nowhere”"),
        ("jgdw,机关党委,committee,zb1\nzb1,第一,branch,jgdw\n", 2, "committee has no parent"),
        ("jgdw,机关党委,committee,\nzb1,第一,branch,\n", 3, "needs a parent"),
        ("jgdw,机关党委,committee,\nzb1,第一,branch,jgdw\nzb1,第二,branch,jgdw\n", 4, "line 3"),
        ("jgdw,机关党委,committee,\nzb1,第一,branch,zb1\n", 3, "its own parent"),
        ("jgdw,机关党委,committee,\na,甲,general_branch,b\nb,乙,general_branch,a\n", 3, "cycle"),
        ("jgdw,机关党委,committee,\nzb1,第一,branch,jgdw\nzb2,第二,branch,zb1\n", 4, "branch"),
        ("jgdw,机关党委,committee,\nzb1,第一,branch\n", 3, "4 columns"),
    ],
)
def test_a_bad_row_is_reported_by_line_and_nothing_is_written(db, tmp_path, rows, line, words):
    errors = load_fails(tmp_path, HEADER + rows)
    assert any(f"Line {line}:" in e and words in e for e in errors.splitlines()), errors
    assert Organization.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_a_wrong_header_is_refused(db, tmp_path):
    errors = load_fails(tmp_path, "code,name,type,parent\njgdw,机关党委,committee,\n")
    assert "Line 1:" in errors
    assert Organization.objects.count() == 0


def test_every_problem_is_listed_in_line_order(db, tmp_path):
    errors = load_fails(
        tmp_path, HEADER + "jgdw,,committee,\nzb1,第一,branch,\nzb2,第二,club,jgdw\n"
    ).splitlines()
    assert [e.split(":")[0] for e in errors] == ["Line 2", "Line 3", "Line 4"]


def test_a_failed_update_leaves_the_stored_tree_alone(db, tmp_path):
    load(tmp_path, TREE)
    before = tree()
    load_fails(tmp_path, TREE.replace("机关第一党支部", "新名称") + "bad,,branch,jgdw\n")
    assert tree() == before


def test_an_organisation_with_members_cannot_become_a_committee(db, tmp_path):
    load(tmp_path, TREE)
    MemberFactory(branch=Organization.objects.get(code="zb1"))
    errors = load_fails(
        tmp_path, TREE.replace("zb1,机关第一党支部,branch,jgdw", "zb1,一,committee,")
    )
    assert "Line 2:" in errors
    assert tree()["zb1"][1] == "branch"


def test_a_file_that_is_not_utf8_is_refused(db, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_bytes(HEADER.encode() + "jgdw,机关党委,committee,\n".encode("gbk"))
    with pytest.raises(CommandError):
        call_command("load_orgs", str(path), stdout=StringIO(), stderr=StringIO())
    assert Organization.objects.count() == 0
