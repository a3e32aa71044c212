"""备案: a branch files its scheme; the committee compares it with the template."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from audit.models import AuditEvent
from core.errors import DomainError
from rules import filing, services
from rules.filing import Change, State
from rules.models import FilingStatus, SchemeFiling
from tests.factories import OrganizationFactory

YEAR = timezone.localdate().year


def scheme_a(bureau):
    return services.scheme_for_year(branch=bureau.branch_a, year=YEAR)


def submitted(bureau):
    return filing.scheme_filing_submit(scheme=scheme_a(bureau), actor=bureau.secretary_a)


def filed(bureau):
    return filing.scheme_filing_file(filing=submitted(bureau), actor=bureau.committee_admin)


def item(scheme, code):
    return scheme.items.get(code=code)


def submit_url(code="zb1"):
    return reverse("rules:filing_submit", args=[code, YEAR])


# The comparison ---------------------------------------------------------------------


def entry(code, name, section="dedication", **values):
    base = {
        "code": code,
        "section": section,
        "category": "volunteer" if section == "dedication" else "",
        "name": name,
        "label": name,
        "points_kind": "range",
        "points": None,
        "points_min": "0.5",
        "points_max": "5.0",
        "levels": [],
        "cap_month": None,
        "cap_year": None,
        "evidence_required": False,
        "declarable": True,
        "is_retired": False,
    }
    return base | values


def test_the_comparison_finds_added_removed_and_changed_items_and_caps():
    template = {
        "items": [
            entry("a", "志愿服务"),
            entry("b", "学习教育"),
            entry("c", "文明创建"),
            entry("d", "宣传交流"),
        ],
        "caps": {"volunteer": "5.0", "learning": "8.0"},
    }
    scheme = {
        "items": [
            entry("a", "志愿服务"),  # the same
            entry("b", "学习教育", points_max="3.0", cap_year="10.0"),  # points and cap changed
            entry("c", "文明创建", is_retired=True),  # retired: removed
            # d deleted: removed
            entry("", "护林防火", points_kind="fixed", points="2.0", points_min=None),  # added
        ],
        "caps": {"volunteer": "5.0", "learning": "6.0", "rural": "4.0"},
    }
    diff = filing.compare(template, scheme)
    by_name = {r.name: r for r in diff.rows}
    assert by_name["志愿服务"].change == Change.SAME
    assert by_name["学习教育"].change == Change.CHANGED
    assert by_name["学习教育"].changed == {"points_max", "cap_year"}
    assert by_name["学习教育"].points_changed
    assert by_name["学习教育"].caps_changed
    assert by_name["文明创建"].change == Change.REMOVED
    assert by_name["宣传交流"].change == Change.REMOVED
    assert by_name["护林防火"].change == Change.ADDED
    assert (diff.added, diff.removed, diff.changed) == (1, 2, 1)
    caps = {c.category: (c.template, c.scheme, c.changed) for c in diff.caps}
    assert caps == {
        "learning": ("8.0", "6.0", True),
        "rural": (None, "4.0", True),
        "volunteer": ("5.0", "5.0", False),
    }
    assert diff.caps_changed == 2
    assert not diff.is_same


def test_a_renamed_item_is_matched_by_its_template_code_and_an_uncoded_one_by_label():
    template = {"items": [entry("a", "志愿服务"), entry("b", "学习教育")], "caps": {}}
    scheme = {
        "items": [entry("a", "志愿服务活动"), entry("", "学习 教育", points_min="1.0")],
        "caps": {},
    }
    diff = filing.compare(template, scheme)
    assert [(r.change, r.changed) for r in diff.rows] == [
        (Change.CHANGED, {"name", "label"}),
        (Change.CHANGED, {"points_min"}),
    ]


def test_a_fresh_copy_of_the_template_is_the_same_as_the_template(bureau):
    scheme = scheme_a(bureau)
    template = services.template_for(bureau.branch_a)
    diff = filing.compare(filing.contents_of(template), filing.contents_of(scheme))
    assert diff.is_same
    assert len(diff.rows) == template.items.count()


def test_edits_to_the_scheme_show_in_the_comparison(bureau):
    scheme = scheme_a(bureau)
    services.item_update(item=item(scheme, "deduction.study"), points=Decimal("2"))
    services.item_update(item=item(scheme, "dedication.volunteer"), cap_month=Decimal("3"))
    services.item_retire(item=item(scheme, "dedication.rural"))
    services.item_create(
        scheme=scheme,
        section="dedication",
        category="ecology",
        name="护林防火",
        label="护林防火",
        points_kind="fixed",
        points=Decimal("2"),
    )
    services.scheme_set_category_caps(scheme=scheme, caps={"volunteer": Decimal("5")})
    template = services.template_for(bureau.branch_a)
    diff = filing.compare(filing.contents_of(template), filing.contents_of(scheme))
    changed = {r.name: (r.change, r.changed) for r in diff.rows if r.change != Change.SAME}
    assert changed == {
        "不按时参加集体学习": (Change.CHANGED, {"points"}),
        "志愿服务": (Change.CHANGED, {"cap_month"}),
        "乡村振兴": (Change.REMOVED, set()),
        "护林防火": (Change.ADDED, set()),
    }
    assert [(c.category, c.template, c.scheme) for c in diff.caps] == [("volunteer", None, "5.0")]


def test_the_fingerprint_ignores_order_but_not_substance(bureau):
    scheme = scheme_a(bureau)
    before = filing.fingerprint(filing.contents_of(scheme))
    services.item_update(item=item(scheme, "deduction.study"), order=999)
    assert filing.fingerprint(filing.contents_of(scheme)) == before
    services.item_update(item=item(scheme, "deduction.study"), evidence_required=True)
    assert filing.fingerprint(filing.contents_of(scheme)) != before


# Submitting and filing ---------------------------------------------------------------


def test_the_secretary_submits_the_scheme(bureau, client_for):
    response = client_for(bureau.secretary_a).post(submit_url())
    assert response.status_code == 302
    f = SchemeFiling.objects.get()
    assert f.status == FilingStatus.SUBMITTED
    assert f.submitted_by == bureau.secretary_a
    assert filing.filing_state(scheme_a(bureau)).state == State.SUBMITTED
    assert AuditEvent.objects.filter(action="rules.filing.submitted").count() == 1


def test_submitting_twice_is_refused(bureau, client_for):
    submitted(bureau)
    response = client_for(bureau.secretary_a).post(submit_url(), follow=True)
    refusal = gettext("The scheme is already submitted and awaits the committee.")
    assert refusal in " ".join(str(m) for m in response.context["messages"])
    assert SchemeFiling.objects.count() == 1


def test_only_the_branch_secretary_submits(bureau, client_for):
    assert client_for(bureau.group_a).post(submit_url()).status_code == 403
    assert client_for(bureau.secretary_b).post(submit_url()).status_code == 404
    assert client_for(bureau.member_a_user).post(submit_url()).status_code == 404
    assert client_for(bureau.committee_admin).post(submit_url()).status_code == 403
    assert not SchemeFiling.objects.exists()


def test_the_committee_files_the_scheme(bureau, client_for):
    f = submitted(bureau)
    client = client_for(bureau.committee_admin)
    response = client.post(reverse("rules:filing_file", args=[f.pk]), {"comment": "同意备案"})
    assert response.status_code == 302
    f.refresh_from_db()
    assert f.status == FilingStatus.FILED
    assert f.comment == "同意备案"
    assert filing.filing_state(scheme_a(bureau)).state == State.FILED


def test_filing_twice_is_refused(bureau, client_for):
    f = filed(bureau)
    response = client_for(bureau.committee_admin).post(
        reverse("rules:filing_file", args=[f.pk]), follow=True
    )
    refusal = gettext("The scheme is already filed.")
    assert refusal in " ".join(str(m) for m in response.context["messages"])
    with pytest.raises(DomainError) as refused:
        filing.scheme_filing_return(filing=f, comment="x")
    assert refused.value.message == refusal
    with pytest.raises(DomainError) as refused:
        submitted(bureau)  # nothing changed since: no new submission
    assert refused.value.message == gettext(
        "The scheme is already filed; nothing has changed since."
    )
    assert AuditEvent.objects.filter(action="rules.filing.filed").count() == 1


def test_the_committee_returns_with_comments(bureau, client_for):
    f = submitted(bureau)
    client = client_for(bureau.committee_admin)
    client.post(reverse("rules:filing_return", args=[f.pk]), {"comment": ""})
    f.refresh_from_db()
    assert f.status == FilingStatus.SUBMITTED  # a return needs its comments
    client.post(reverse("rules:filing_return", args=[f.pk]), {"comment": "扣分项过轻"})
    f.refresh_from_db()
    assert f.status == FilingStatus.RETURNED
    state = filing.filing_state(scheme_a(bureau))
    assert state.state == State.RETURNED
    assert state.may_submit
    page = client_for(bureau.secretary_a).get(reverse("rules:scheme", args=["zb1", YEAR]))
    assert "扣分项过轻" in page.content.decode()
    assert submitted(bureau).status == FilingStatus.SUBMITTED  # the branch resubmits


def test_only_the_committee_decides_a_filing(bureau, client_for):
    f = submitted(bureau)
    url = reverse("rules:filing_file", args=[f.pk])
    assert client_for(bureau.secretary_a).post(url).status_code == 404
    assert client_for(bureau.secretary_b).post(url).status_code == 404
    f.refresh_from_db()
    assert f.status == FilingStatus.SUBMITTED


def test_a_filed_scheme_changed_afterwards_must_be_submitted_again(bureau, client_for):
    f = filed(bureau)
    scheme = scheme_a(bureau)
    services.item_update(item=item(scheme, "deduction.study"), points=Decimal("3"))
    state = filing.filing_state(scheme)
    assert state.state == State.CHANGED_SINCE_FILING
    assert state.filed == f
    page = client_for(bureau.secretary_a).get(reverse("rules:scheme", args=["zb1", YEAR]))
    html = page.content.decode()
    assert 'data-state="changed_since_filing"' in html
    assert submit_url() in html
    again = submitted(bureau)
    assert again.status == FilingStatus.SUBMITTED
    f.refresh_from_db()
    assert f.status == FilingStatus.FILED  # the history keeps the earlier filing


def test_a_scheme_changed_after_submitting_cannot_be_filed_as_it_is(bureau):
    f = submitted(bureau)
    scheme = scheme_a(bureau)
    services.scheme_set_category_caps(scheme=scheme, caps={"learning": Decimal("6")})
    assert filing.filing_state(scheme).state == State.CHANGED_SINCE_SUBMISSION
    with pytest.raises(DomainError) as refused:
        filing.scheme_filing_file(filing=f)
    assert refused.value.message == gettext(
        "The branch has changed the scheme since submitting it; it must submit it again."
    )
    again = submitted(bureau)
    f.refresh_from_db()
    assert f.status == FilingStatus.SUPERSEDED
    assert again.contents["caps"] == {"learning": "6.0"}


# Pages ------------------------------------------------------------------------------


def test_a_branch_working_on_an_unfiled_scheme_sees_a_warning(bureau, client_for):
    url = reverse("rules:scheme", args=["zb1", YEAR])
    html = client_for(bureau.secretary_a).get(url).content.decode()
    assert 'data-state="not_submitted"' in html
    assert submit_url() in html
    group = client_for(bureau.group_a).get(url).content.decode()
    assert 'data-state="not_submitted"' in group
    assert submit_url() not in group
    filed(bureau)
    html = client_for(bureau.secretary_a).get(url).content.decode()
    assert 'data-state="filed"' in html
    assert submit_url() not in html


def test_the_template_page_has_no_filing_banner(bureau, client_for):
    html = client_for(bureau.committee_admin).get(reverse("rules:template")).content.decode()
    assert "filing-banner" not in html


def test_the_committee_compares_the_scheme_with_the_template(bureau, client_for):
    scheme = scheme_a(bureau)
    services.item_update(item=item(scheme, "deduction.study"), points=Decimal("2"))
    services.item_retire(item=item(scheme, "dedication.rural"))
    f = submitted(bureau)
    response = client_for(bureau.committee_admin).get(reverse("rules:filing_detail", args=[f.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-change="changed"') == 1
    assert html.count('data-change="removed"') == 1
    assert 'data-testid="filing-decision"' in html
    own = client_for(bureau.secretary_a).get(reverse("rules:filing_detail", args=[f.pk]))
    assert own.status_code == 200
    assert 'data-testid="filing-decision"' not in own.content.decode()
    for outsider in (bureau.secretary_b, bureau.member_a_user):
        assert (
            client_for(outsider).get(reverse("rules:filing_detail", args=[f.pk])).status_code == 404
        )


def test_the_filing_list_is_the_committees(bureau, client_for):
    submitted(bureau)
    url = reverse("rules:filing_index") + f"?year={YEAR}"
    html = client_for(bureau.committee_admin).get(url).content.decode()
    assert "第一党支部" in html
    assert "第二党支部" in html
    assert client_for(bureau.secretary_a).get(url).status_code == 404


def test_the_filing_list_query_count_does_not_grow_with_branches(bureau, client_for):
    client = client_for(bureau.committee_admin)
    url = reverse("rules:filing_index") + f"?year={YEAR}"
    submitted(bureau)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(4):
        branch = OrganizationFactory(code=f"zbx{n}", parent=bureau.committee)
        scheme = services.scheme_for_year(branch=branch, year=YEAR)
        filing.scheme_filing_submit(scheme=scheme)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_committee_menu_links_the_filing_list(bureau, client_for):
    html = client_for(bureau.committee_admin).get("/").content.decode()
    assert reverse("rules:filing_index") in html
    assert (
        reverse("rules:filing_index")
        not in client_for(bureau.secretary_a).get("/").content.decode()
    )
