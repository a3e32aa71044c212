"""The scheme editor (积分细则) and the rules its services keep."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from audit.models import AuditEvent
from core.errors import DomainError
from ledger.models import PeriodLock
from ledger.services import entry_post
from ledger.totals import branch_year
from rules import services
from rules.forms import parse_levels
from rules.models import Item, PointsKind, Scheme, Section
from rules.services import ItemInvalid, scheme_for_year

YEAR = timezone.localdate().year
HTMX = {"HTTP_HX_REQUEST": "true"}


def scheme_url(code="zb1", year=YEAR):
    return reverse("rules:scheme", kwargs={"code": code, "year": year})


def item_of(bureau, code, year=YEAR, branch=None):
    scheme = scheme_for_year(branch=branch or bureau.branch_a, year=year)
    return scheme.items.get(code=code)


def form_data(item, **changes):
    data = {
        "section": item.section,
        "category": item.category,
        "name": item.name,
        "label": item.label,
        "points_kind": item.points_kind,
        "points": item.points or "",
        "points_min": item.points_min or "",
        "points_max": item.points_max or "",
        "levels": "\n".join(f"{lv['name']}={lv['points']}" for lv in item.levels),
        "cap_month": item.cap_month or "",
        "cap_year": item.cap_year or "",
        "order": item.order,
    }
    if item.evidence_required:
        data["evidence_required"] = "on"
    if item.declarable:
        data["declarable"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def volunteer_entry(bureau, points="2.5"):
    item = item_of(bureau, "dedication.volunteer")
    entry_post(
        member=bureau.member_a, year=YEAR, month=3, points=points, source="direct", item=item
    )
    return item


# Viewing --------------------------------------------------------------------------------


def test_a_secretary_sees_the_scheme_grouped_by_section(bureau, client_for):
    response = client_for(bureau.secretary_a).get(scheme_url())
    assert response.status_code == 200
    body = response.content.decode()
    sections = [body.index(f'id="section-{s}"') for s in ("base", "dedication", "deduction")]
    assert sections == sorted(sections)
    assert body.index("组织活动") < sections[1] < body.index("志愿服务") < sections[2]
    assert body.index("不按时参加集体学习每次计") > sections[2]
    item = item_of(bureau, "dedication.volunteer")
    assert reverse("rules:item_edit", kwargs={"pk": item.pk}) in body
    assert "0.5–5.0" in body


def test_the_scheme_is_copied_from_the_template_once_per_year(bureau, client_for):
    client = client_for(bureau.secretary_a)
    client.get(scheme_url())
    client.get(scheme_url())
    client_for(bureau.group_a).get(scheme_url())
    assert Scheme.objects.filter(organization=bureau.branch_a, year=YEAR).count() == 1
    assert AuditEvent.objects.filter(action="rules.scheme.created").count() == 1
    template_items = services.default_template().items.count()
    assert item_of(bureau, "base.1").scheme.items.count() == template_items


@pytest.mark.parametrize("who", ["group_a", "recorder_a"])
def test_group_members_and_recorders_see_the_scheme_read_only(bureau, client_for, who):
    client = client_for(getattr(bureau, who))
    response = client.get(scheme_url())
    assert response.status_code == 200
    item = item_of(bureau, "dedication.volunteer")
    assert reverse("rules:item_edit", kwargs={"pk": item.pk}) not in response.content.decode()
    response = client.post(
        reverse("rules:item_edit", kwargs={"pk": item.pk}), form_data(item, points_max="9")
    )
    assert response.status_code == 403
    assert client.post(reverse("rules:item_retire", kwargs={"pk": item.pk})).status_code == 403
    item.refresh_from_db()
    assert item.points_max == Decimal("5.0")
    assert not item.is_retired


def test_a_secretary_of_another_branch_gets_404(bureau, client_for):
    client = client_for(bureau.secretary_b)
    item = item_of(bureau, "dedication.volunteer")
    assert client.get(scheme_url()).status_code == 404
    assert client.get(reverse("rules:item_edit", kwargs={"pk": item.pk})).status_code == 404
    edit = client.post(
        reverse("rules:item_edit", kwargs={"pk": item.pk}), form_data(item, points_max="9")
    )
    assert edit.status_code == 404
    assert client.post(reverse("rules:item_delete", kwargs={"pk": item.pk})).status_code == 404
    caps = client.post(reverse("rules:caps", kwargs={"code": "zb1", "year": YEAR}))
    assert caps.status_code == 404
    assert client.get(scheme_url("zb2")).status_code == 200
    assert Item.objects.filter(pk=item.pk, points_max=Decimal("5.0")).exists()


@pytest.mark.parametrize("who", ["member_a_user", "member_b_user"])
def test_a_member_gets_404(bureau, client_for, who):
    client = client_for(getattr(bureau, who))
    assert client.get(scheme_url()).status_code == 404
    assert client.get(reverse("rules:template")).status_code == 404
    assert client.get(reverse("rules:index")).status_code == 404


def test_only_the_committee_sees_the_template(bureau, client_for):
    assert client_for(bureau.committee_admin).get(reverse("rules:template")).status_code == 200
    assert client_for(bureau.secretary_a).get(reverse("rules:template")).status_code == 404
    default_item = services.default_template().items.first()
    response = client_for(bureau.secretary_a).get(
        reverse("rules:item_edit", kwargs={"pk": default_item.pk})
    )
    assert response.status_code == 404


def test_a_year_out_of_range_is_404(bureau, client_for):
    client = client_for(bureau.secretary_a)
    assert client.get(scheme_url(year=YEAR + 5)).status_code == 404
    assert client.get(scheme_url(year=1999)).status_code == 404
    assert client.get(scheme_url(code="nope")).status_code == 404


def test_a_past_year_keeps_its_own_scheme(bureau, client_for):
    client = client_for(bureau.secretary_a)
    client.get(scheme_url(year=YEAR - 1))
    current = item_of(bureau, "deduction.study")
    client.post(
        reverse("rules:item_edit", kwargs={"pk": current.pk}), form_data(current, points="3")
    )
    past = item_of(bureau, "deduction.study", year=YEAR - 1)
    assert past.points == Decimal("1.0")
    assert item_of(bureau, "deduction.study").points == Decimal("3.0")
    response = client.get(scheme_url(year=YEAR - 1))
    assert response.context["scheme"] == past.scheme
    assert [y for y, _url, exists in response.context["year_links"] if exists] == [YEAR, YEAR - 1]


# Editing --------------------------------------------------------------------------------


def test_a_secretary_edits_an_item_inline(bureau, client_for):
    item = item_of(bureau, "dedication.volunteer")
    url = reverse("rules:item_edit", kwargs={"pk": item.pk})
    client = client_for(bureau.secretary_a)
    form_row = client.get(url, **HTMX)
    assert form_row.templates[0].name == "rules/_item_form_row.html"
    assert b"<form" in form_row.content
    assert b"<html" not in form_row.content
    response = client.post(
        url, form_data(item, points_min="1", points_max="3", cap_year="10"), **HTMX
    )
    assert response.status_code == 200
    assert response.templates[0].name == "rules/_item_row.html"
    assert "1.0–3.0" in response.content.decode()
    item.refresh_from_db()
    assert (item.points_min, item.points_max, item.cap_year) == (
        Decimal("1.0"),
        Decimal("3.0"),
        Decimal("10.0"),
    )
    event = AuditEvent.objects.get(action="rules.item.updated")
    assert event.before["points_max"] == "5.0"
    assert event.after["points_max"] == "3.0"
    assert event.actor == bureau.secretary_a
    assert event.organization_id == bureau.branch_a.pk


def test_editing_works_without_javascript(bureau, client_for):
    item = item_of(bureau, "deduction.conduct")
    url = reverse("rules:item_edit", kwargs={"pk": item.pk})
    client = client_for(bureau.secretary_a)
    page = client.get(url)
    assert page.templates[0].name == "rules/item_form.html"
    response = client.post(url, form_data(item, points="4"))
    assert response.status_code == 302
    assert response["Location"] == f"{scheme_url()}#item-{item.pk}"
    item.refresh_from_db()
    assert item.points == Decimal("4.0")


def test_the_committee_edits_a_branch_scheme(bureau, client_for):
    item = item_of(bureau, "deduction.conduct")
    client = client_for(bureau.committee_admin)
    client.post(reverse("rules:item_edit", kwargs={"pk": item.pk}), form_data(item, points="6"))
    item.refresh_from_db()
    assert item.points == Decimal("6.0")


def test_invalid_input_gives_the_form_back_with_the_message_and_changes_nothing(bureau, client_for):
    item = item_of(bureau, "dedication.volunteer")
    events = AuditEvent.objects.count()
    url = reverse("rules:item_edit", kwargs={"pk": item.pk})
    for headers in ({}, HTMX):
        response = client_for(bureau.secretary_a).post(
            url, form_data(item, points_min="4", points_max="2"), **headers
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert list(form.errors) == ["points_max"]
        message = gettext("Give a maximum no smaller than the minimum.")
        assert escape(message) in response.content.decode()
    item.refresh_from_db()
    assert (item.points_min, item.points_max) == (Decimal("0.5"), Decimal("5.0"))
    assert AuditEvent.objects.count() == events


def test_a_bad_levels_line_is_named_next_to_the_field(bureau, client_for):
    item = item_of(bureau, "dedication.volunteer")
    response = client_for(bureau.secretary_a).post(
        reverse("rules:item_edit", kwargs={"pk": item.pk}),
        form_data(item, points_kind="levels", levels="一般=1\n突出\n特别突出=abc"),
    )
    errors = response.context["form"].errors["levels"]
    assert len(errors) == 2
    assert "突出" in errors[0]
    assert "2" in errors[0]
    assert "3" in errors[1]
    item.refresh_from_db()
    assert item.points_kind == PointsKind.RANGE


def test_non_numeric_points_give_the_form_back(bureau, client_for):
    item = item_of(bureau, "deduction.study")
    response = client_for(bureau.secretary_a).post(
        reverse("rules:item_edit", kwargs={"pk": item.pk}), form_data(item, points="abc")
    )
    assert response.status_code == 200
    assert "points" in response.context["form"].errors


def test_levels_are_saved_from_name_equals_points_lines(bureau, client_for):
    item = item_of(bureau, "dedication.volunteer")
    response = client_for(bureau.secretary_a).post(
        reverse("rules:item_edit", kwargs={"pk": item.pk}),
        form_data(item, points_kind="levels", levels="一般=1\n突出 ＝ 2\n\n特别突出=3"),
        **HTMX,
    )
    item.refresh_from_db()
    assert item.levels == [
        {"name": "一般", "points": "1.0"},
        {"name": "突出", "points": "2.0"},
        {"name": "特别突出", "points": "3.0"},
    ]
    assert item.points_min is None
    assert item.points_max is None
    assert "一般 1.0 / 突出 2.0 / 特别突出 3.0" in response.content.decode()


def test_a_secretary_adds_an_item_to_a_section(bureau, client_for):
    client = client_for(bureau.secretary_a)
    url = reverse("rules:item_create", kwargs={"code": "zb1", "year": YEAR})
    assert client.get(f"{url}?section=dedication", **HTMX).status_code == 200
    response = client.post(
        f"{url}?section=dedication",
        {
            "section": "dedication",
            "category": "volunteer",
            "name": "社区志愿服务",
            "label": "参加社区志愿服务每次计",
            "points_kind": "fixed",
            "points": "1",
            "cap_month": "3",
            "declarable": "on",
            "evidence_required": "on",
        },
        **HTMX,
    )
    assert response.status_code == 200
    item = Item.objects.get(name="社区志愿服务")
    assert item.scheme == item_of(bureau, "base.1").scheme
    assert (item.points, item.cap_month, item.evidence_required) == (
        Decimal("1.0"),
        Decimal("3.0"),
        True,
    )
    last = item.scheme.items.filter(section=Section.DEDICATION).exclude(pk=item.pk)
    assert item.order > max(i.order for i in last)
    assert f'id="item-{item.pk}"' in response.content.decode()


def test_an_item_moved_to_another_section_reloads_the_page(bureau, client_for):
    item = item_of(bureau, "deduction.other")
    response = client_for(bureau.secretary_a).post(
        reverse("rules:item_edit", kwargs={"pk": item.pk}),
        form_data(item, section="dedication", category="other", label="其他奉献（支部）"),
        **HTMX,
    )
    assert response["HX-Redirect"] == f"{scheme_url()}#item-{item.pk}"


# Retiring and deleting -----------------------------------------------------------------


def test_retiring_an_item_keeps_the_members_totals(bureau, client_for):
    item = volunteer_entry(bureau)
    before = branch_year(bureau.branch_a, YEAR).results
    client = client_for(bureau.secretary_a)
    response = client.post(reverse("rules:item_retire", kwargs={"pk": item.pk}), **HTMX)
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.is_retired
    after = branch_year(bureau.branch_a, YEAR).results
    assert [(r.member, r.totals.total) for r in after] == [
        (r.member, r.totals.total) for r in before
    ]
    assert after[0].totals.total == Decimal("102.5")
    with pytest.raises(DomainError):
        volunteer_entry(bureau)
    client.post(reverse("rules:item_restore", kwargs={"pk": item.pk}))
    item.refresh_from_db()
    assert not item.is_retired


def test_deleting_an_item_with_entries_is_refused(bureau, client_for):
    item = volunteer_entry(bureau)
    client = client_for(bureau.secretary_a)
    url = reverse("rules:item_delete", kwargs={"pk": item.pk})
    message = escape(gettext("Points are recorded under this item; retire it instead."))
    row = client.post(url, **HTMX)
    assert message in row.content.decode()
    page = client.post(url, follow=True)
    assert message in page.content.decode()
    assert Item.objects.filter(pk=item.pk).exists()
    assert not AuditEvent.objects.filter(action="rules.item.deleted").exists()


def test_deleting_an_unused_item_removes_it(bureau, client_for):
    item = item_of(bureau, "deduction.harm")
    response = client_for(bureau.secretary_a).post(
        reverse("rules:item_delete", kwargs={"pk": item.pk}), **HTMX
    )
    assert response.status_code == 200
    assert response.content == b""
    assert not Item.objects.filter(pk=item.pk).exists()
    assert AuditEvent.objects.get(action="rules.item.deleted").before["name"] == "侵害群众利益"


def test_a_closed_year_cannot_be_changed(bureau, client_for):
    item = item_of(bureau, "deduction.study")
    PeriodLock.objects.create(branch=bureau.branch_a, year=YEAR, half=2)
    client = client_for(bureau.secretary_a)
    page = client.get(scheme_url())
    assert page.context["closed"]
    assert not page.context["can_edit"]
    response = client.post(
        reverse("rules:item_edit", kwargs={"pk": item.pk}), form_data(item, points="3")
    )
    assert escape(gettext("The year is closed; its scheme can no longer change.")) in (
        response.content.decode()
    )
    item.refresh_from_db()
    assert item.points == Decimal("1.0")


# Category caps --------------------------------------------------------------------------


def test_category_caps_are_saved_and_cleared(bureau, client_for):
    client = client_for(bureau.secretary_a)
    url = reverse("rules:caps", kwargs={"code": "zb1", "year": YEAR})
    response = client.post(url, {"cap_volunteer": "5", "cap_learning": "2.5"})
    assert response.status_code == 302
    scheme = item_of(bureau, "base.1").scheme
    assert scheme.category_caps == {"volunteer": "5.0", "learning": "2.5"}
    client.post(url, {"cap_volunteer": "5"})
    scheme.refresh_from_db()
    assert scheme.category_caps == {"volunteer": "5.0"}
    bad = client.post(url, {"cap_volunteer": "-1", "cap_rural": "x"})
    assert bad.status_code == 400
    assert set(bad.context["caps_form"].errors) == {"cap_volunteer", "cap_rural"}
    scheme.refresh_from_db()
    assert scheme.category_caps == {"volunteer": "5.0"}


def test_a_group_member_cannot_set_caps(bureau, client_for):
    url = reverse("rules:caps", kwargs={"code": "zb1", "year": YEAR})
    assert client_for(bureau.group_a).post(url, {"cap_volunteer": "5"}).status_code == 403


# The committee's template ----------------------------------------------------------------


def test_the_committee_edits_its_template_copying_the_default_once(bureau, client_for):
    default = services.default_template()
    study = default.items.get(code="deduction.study")
    client = client_for(bureau.committee_admin)
    client.post(reverse("rules:item_edit", kwargs={"pk": study.pk}), form_data(study, points="2"))
    own = Scheme.objects.get(is_template=True, organization=bureau.committee)
    assert own.items.get(code="deduction.study").points == Decimal("2.0")
    study.refresh_from_db()
    assert study.points == Decimal("1.0")
    conduct = default.items.get(code="deduction.conduct")
    client.post(
        reverse("rules:item_edit", kwargs={"pk": conduct.pk}), form_data(conduct, points="8")
    )
    assert Scheme.objects.filter(is_template=True, organization=bureau.committee).count() == 1
    assert AuditEvent.objects.filter(action="rules.template.created").count() == 1
    page = client.get(reverse("rules:template"))
    assert page.context["scheme"] == own
    # A branch's new year copies the committee's template; an existing year does not change.
    assert item_of(bureau, "deduction.study", branch=bureau.branch_b).points == Decimal("2.0")


def test_a_template_change_leaves_existing_schemes_alone(bureau, client_for):
    existing = item_of(bureau, "deduction.conduct")
    own = services.template_for_committee_edit(committee=bureau.committee)
    services.item_update(item=own.items.get(code="deduction.conduct"), points=Decimal("9"))
    existing.refresh_from_db()
    assert existing.points == Decimal("5.0")
    assert item_of(bureau, "deduction.conduct", year=YEAR + 1).points == Decimal("9.0")


def test_the_committee_adds_a_template_item_and_sets_template_caps(bureau, client_for):
    client = client_for(bureau.committee_admin)
    client.post(
        reverse("rules:template_item_create"),
        {
            "section": "deduction",
            "name": "无故缺席主题党日",
            "label": "无故缺席主题党日每次计",
            "points_kind": "fixed",
            "points": "2",
        },
    )
    client.post(reverse("rules:template_caps"), {"cap_research": "10"})
    own = Scheme.objects.get(is_template=True, organization=bureau.committee)
    assert own.items.filter(name="无故缺席主题党日").exists()
    assert own.category_caps == {"research": "10.0"}
    assert not services.default_template().items.filter(name="无故缺席主题党日").exists()


# Services: the rules of an item ------------------------------------------------------------


def new_item(bureau, **values):
    scheme = scheme_for_year(branch=bureau.branch_a, year=YEAR)
    defaults = {"section": "dedication", "category": "volunteer", "name": "x", "label": "x"}
    return services.item_create(scheme=scheme, **{**defaults, **values})


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"points_kind": "fixed", "points": None}, "points"),
        ({"points_kind": "fixed", "points": Decimal("0")}, "points"),
        (
            {"points_kind": "range", "points_min": Decimal("0"), "points_max": Decimal(2)},
            "points_min",
        ),
        (
            {"points_kind": "range", "points_min": Decimal(3), "points_max": Decimal(2)},
            "points_max",
        ),
        ({"points_kind": "range", "points_min": Decimal(1), "points_max": None}, "points_max"),
        ({"points_kind": "levels", "levels": []}, "levels"),
        ({"points_kind": "levels", "levels": [{"name": "", "points": "1"}]}, "levels"),
        ({"points_kind": "levels", "levels": [{"name": "一般", "points": "-1"}]}, "levels"),
        (
            {
                "points_kind": "levels",
                "levels": [{"name": "一般", "points": "1"}, {"name": "一般", "points": "2"}],
            },
            "levels",
        ),
        ({"points_kind": "fixed", "points": Decimal(1), "cap_month": Decimal(-1)}, "cap_month"),
        ({"points_kind": "fixed", "points": Decimal(1), "cap_year": Decimal(-1)}, "cap_year"),
        ({"points_kind": "fixed", "points": Decimal(1), "category": ""}, "category"),
        ({"points_kind": "fixed", "points": Decimal(1), "name": " "}, "name"),
        ({"points_kind": "fixed", "points": Decimal(1), "label": "志 愿 服 务"}, "label"),
        ({"points_kind": "other", "points": Decimal(1)}, "points_kind"),
        ({"section": "base", "points": None}, "points"),
    ],
)
def test_the_services_refuse_an_invalid_item(bureau, values, field):
    with pytest.raises(ItemInvalid) as refused:
        new_item(bureau, **values)
    assert refused.value.field == field
    assert not Item.objects.filter(name="x").exists()


def test_each_points_kind_keeps_only_its_own_values(bureau):
    item = new_item(
        bureau,
        points_kind="levels",
        points=Decimal(4),
        points_min=Decimal(1),
        levels=[{"name": "一般", "points": "1"}, {"name": "突出", "points": 2}],
    )
    assert item.points is None
    assert item.points_min is None
    assert item.levels == [{"name": "一般", "points": "1.0"}, {"name": "突出", "points": "2.0"}]
    services.item_update(item=item, points_kind="fixed", points=Decimal("1.5"))
    item.refresh_from_db()
    assert item.levels == []
    assert item.points == Decimal("1.5")


def test_a_base_item_is_a_maximum_without_caps(bureau):
    item = new_item(
        bureau,
        section="base",
        points=Decimal(5),
        points_kind="range",
        points_min=Decimal(1),
        cap_year=Decimal(3),
        declarable=True,
    )
    assert item.points_kind == PointsKind.FIXED
    assert item.category == ""
    assert item.cap_year is None
    assert item.points_min is None
    assert not item.declarable


def test_an_item_with_entries_keeps_its_section_and_category(bureau):
    item = volunteer_entry(bureau)
    with pytest.raises(ItemInvalid) as refused:
        services.item_update(item=item, category="learning")
    assert refused.value.field == "category"
    item.refresh_from_db()
    assert item.category == "volunteer"


def test_category_caps_refuse_unknown_categories_and_negative_caps(bureau):
    scheme = scheme_for_year(branch=bureau.branch_a, year=YEAR)
    with pytest.raises(DomainError):
        services.scheme_set_category_caps(scheme=scheme, caps={"nonsense": Decimal(1)})
    with pytest.raises(DomainError):
        services.scheme_set_category_caps(scheme=scheme, caps={"volunteer": Decimal(-1)})
    scheme.refresh_from_db()
    assert scheme.category_caps == {}


def test_restoring_an_item_in_use_is_refused(bureau):
    with pytest.raises(DomainError):
        services.item_restore(item=item_of(bureau, "base.1"))


def test_parse_levels_accepts_full_width_signs_and_skips_blank_lines():
    assert parse_levels("一般＝1\n\n 突出 = 2.5 ") == [
        {"name": "一般", "points": "1.0"},
        {"name": "突出", "points": "2.5"},
    ]


def test_levels_left_in_the_form_do_not_block_fixed_points(bureau, client_for):
    item = item_of(bureau, "deduction.study")
    client_for(bureau.secretary_a).post(
        reverse("rules:item_edit", kwargs={"pk": item.pk}),
        form_data(item, points="2", levels="junk line"),
    )
    item.refresh_from_db()
    assert item.points == Decimal("2.0")
    assert item.levels == []
