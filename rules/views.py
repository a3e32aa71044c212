"""The scheme editor: a branch's 积分细则 for a year, and the committee's template.

Rows are edited in place with htmx (the edit button swaps the row for a form,
saving swaps it back); every action also works as a plain form post.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.years import checked_scheme_year
from organizations.models import Organization
from organizations.permissions import scope_for

from . import services
from .forms import CategoryCapsForm, ItemForm
from .models import Category, Item, Scheme, Section
from .permissions import (
    committee_for_user,
    get_branch_scheme_owner,
    get_item_for_user,
    get_scheme_owners,
)

FIRST_YEAR = 2021  # the plan was issued in September 2021
SECTION_NUMBERS = {
    Section.BASE: "（一）",
    Section.DEDICATION: "（二）",
    Section.DEDUCTION: "（三）",
}


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _scheme_url(scheme: Scheme, item: Item | None = None) -> str:
    if scheme.is_template:
        url = reverse("rules:template")
    else:
        branch = scheme.organization
        assert branch is not None  # a scheme that is not the template is a branch's
        url = reverse("rules:scheme", kwargs={"code": branch.code, "year": scheme.year})
    return f"{url}#item-{item.pk}" if item is not None else url


def _may_edit(request: HttpRequest, scheme: Scheme) -> bool:
    scope = scope_for(request.user)
    if scheme.is_template:
        return scope.is_committee
    assert scheme.organization_id is not None  # a scheme that is not the template is a branch's
    return scope.may_edit_scheme(scheme.organization_id)


def _items_with_use(scheme: Scheme) -> list[Item]:
    return list(scheme.items.annotate(n_entries=Count("entries")).order_by("order", "pk"))


def _item_with_use(pk: int) -> Item:
    return (
        Item.objects.select_related("scheme__organization")
        .annotate(n_entries=Count("entries"))
        .get(pk=pk)
    )


def _year_links(branch: Organization, shown: int) -> list[tuple[int, str, bool]]:
    """(year, url, has a scheme) for the year selector, newest first."""
    filed = Scheme.objects.filter(organization=branch, is_template=False)
    existing = {year for year in filed.values_list("year", flat=True) if year is not None}
    now = timezone.localdate().year
    years = set(range(FIRST_YEAR, now + 2)) | existing | {shown}
    return [
        (y, reverse("rules:scheme", kwargs={"code": branch.code, "year": y}), y in existing)
        for y in sorted(years, reverse=True)
    ]


def _render_scheme(
    request: HttpRequest,
    scheme: Scheme,
    *,
    caps_form: CategoryCapsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    items = _items_with_use(scheme)
    closed = services.year_is_closed(scheme)
    can_edit = _may_edit(request, scheme) and not closed
    sections = []
    for value, label in Section.choices:
        rows = [item for item in items if item.section == value]
        sections.append(
            {
                "value": value,
                "label": label,
                "number": SECTION_NUMBERS[Section(value)],
                "items": rows,
                "total": sum((i.points or 0 for i in rows if not i.is_retired), start=0),
            }
        )
    context: dict[str, Any] = {
        "scheme": scheme,
        "sections": sections,
        "can_edit": can_edit,
        "closed": closed,
        "caps_form": caps_form or CategoryCapsForm(scheme=scheme),
        "caps": [(label, scheme.category_cap(value)) for value, label in _category_choices(scheme)],
    }
    context["columns"] = COLUMNS if can_edit else COLUMNS - 1
    context["is_committee"] = scope_for(request.user).is_committee
    if scheme.is_template:
        context["committee"] = committee_for_user(request.user)
        context["uses_default"] = scheme.organization_id is None
        context["create_url"] = reverse("rules:template_item_create")
        context["caps_url"] = reverse("rules:template_caps")
    else:
        branch, year = scheme.organization, scheme.year
        assert branch is not None  # a scheme that is not the template is a branch's
        assert year is not None
        context["branch"] = branch
        context["year"] = year
        context["year_links"] = _year_links(branch, year)
        context["create_url"] = reverse(
            "rules:item_create", kwargs={"code": branch.code, "year": year}
        )
        context["caps_url"] = reverse("rules:caps", kwargs={"code": branch.code, "year": year})
    return render(request, "rules/scheme.html", context, status=status)


def _category_choices(scheme: Scheme) -> list[tuple[str, str | Promise]]:
    return [(v, label) for v, label in Category.choices if scheme.category_cap(v) is not None]


# Pages ------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The schemes the user may open: their branches (and the template for the committee)."""
    scope, branches = get_scheme_owners(request.user)
    year = timezone.localdate().year
    if len(branches) == 1 and not scope.is_committee:
        return redirect("rules:scheme", code=branches[0].code, year=year)
    return render(
        request,
        "rules/index.html",
        {"branches": branches, "year": year, "is_committee": scope.is_committee},
    )


@login_required
@require_GET
def scheme(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The branch's scheme for the year, copied from the committee's template on first visit."""
    branch = get_branch_scheme_owner(request.user, code)
    year = checked_scheme_year(year)
    try:
        current = services.scheme_for_year(branch=branch, year=year, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("rules:index")
    current.organization = branch
    return _render_scheme(request, current)


@login_required
@require_GET
def template(request: HttpRequest) -> HttpResponse:
    """The committee's template: its own once edited, the built-in default until then."""
    committee = committee_for_user(request.user)
    scheme = services.committee_template(committee) or services.default_template()
    return _render_scheme(request, scheme)


# Items ------------------------------------------------------------------------------


def _render_form(
    request: HttpRequest,
    form: ItemForm,
    *,
    scheme: Scheme,
    item: Item | None,
    action: str,
    section: str = "",
) -> HttpResponse:
    context = {
        "form": form,
        "scheme": scheme,
        "item": item,
        "action": action,
        "section": section,
        "back_url": _scheme_url(scheme, item),
        "columns": COLUMNS,
    }
    if _is_htmx(request):
        return render(request, "rules/_item_form_row.html", context)
    return render(request, "rules/item_form.html", context)


def _render_row(request: HttpRequest, pk: int, *, error: str = "") -> HttpResponse:
    item = _item_with_use(pk)
    return render(
        request,
        "rules/_item_row.html",
        {"item": item, "can_edit": True, "row_error": error, "columns": COLUMNS},
    )


# The number of columns of the scheme table, for rows that span it.
COLUMNS = 10


def _saved(request: HttpRequest, item: Item, *, section_before: str) -> HttpResponse:
    if _is_htmx(request):
        if item.section != section_before:
            # The row moves to another section: reload the page to put it there.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = _scheme_url(item.scheme, item)
            return response
        return _render_row(request, item.pk)
    messages.success(request, _("The item “%(name)s” is saved.") % {"name": item.name})
    return redirect(_scheme_url(item.scheme, item))


def _add_service_error(form: ItemForm | CategoryCapsForm, exc: DomainError) -> None:
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, exc.message)


def _create(request: HttpRequest, scheme_for_write: Any, shown: Scheme) -> HttpResponse:
    """Shared by a branch's scheme and the template: `scheme_for_write()` gives the target."""
    section = request.GET.get("section") or request.POST.get("_section") or ""
    if section not in Section.values:
        section = Section.DEDICATION
    action = request.get_full_path()
    if request.method == "GET":
        form = ItemForm(initial={"section": section, "declarable": section != Section.BASE})
        return _render_form(request, form, scheme=shown, item=None, action=action, section=section)
    form = ItemForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                item = services.item_create(
                    scheme=scheme_for_write(), actor=request.user, **form.values()
                )
        except DomainError as exc:
            _add_service_error(form, exc)
        else:
            return _saved(request, item, section_before=section)
    return _render_form(request, form, scheme=shown, item=None, action=action, section=section)


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request: HttpRequest, code: str, year: int) -> HttpResponse:
    branch = get_branch_scheme_owner(request.user, code, write=True)
    year = checked_scheme_year(year)
    target = services.scheme_for_year(branch=branch, year=year, actor=request.user)
    target.organization = branch
    return _create(request, lambda: target, target)


@login_required
@require_http_methods(["GET", "POST"])
def template_item_create(request: HttpRequest) -> HttpResponse:
    committee = committee_for_user(request.user)
    shown = services.committee_template(committee) or services.default_template()
    return _create(
        request,
        lambda: services.template_for_committee_edit(committee=committee, actor=request.user),
        shown,
    )


def _writable(request: HttpRequest, item: Item) -> Item:
    """The item a write goes to: for the built-in default, its copy in the committee's own."""
    if item.scheme.is_template and item.scheme.organization_id is None:
        committee = committee_for_user(request.user)
        return services.template_item_for_edit(item=item, committee=committee, actor=request.user)
    return item


@login_required
@require_GET
def item_row(request: HttpRequest, pk: int) -> HttpResponse:
    """One row of the table (htmx: cancelling an edit)."""
    item = get_item_for_user(request.user, pk)
    if not _is_htmx(request):
        return redirect(_scheme_url(item.scheme, item))
    return render(
        request,
        "rules/_item_row.html",
        {
            "item": _item_with_use(pk),
            "can_edit": _may_edit(request, item.scheme)
            and not services.year_is_closed(item.scheme),
            "columns": COLUMNS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_item_for_user(request.user, pk, write=True)
    action = reverse("rules:item_edit", kwargs={"pk": item.pk})
    if request.method == "GET":
        return _render_form(
            request, ItemForm(item=item), scheme=item.scheme, item=item, action=action
        )
    form = ItemForm(request.POST, item=item)
    if form.is_valid():
        section_before = item.section
        try:
            with transaction.atomic():
                saved = services.item_update(
                    item=_writable(request, item), actor=request.user, **form.values()
                )
        except DomainError as exc:
            _add_service_error(form, exc)
        else:
            return _saved(request, saved, section_before=section_before)
    item.refresh_from_db()
    return _render_form(request, form, scheme=item.scheme, item=item, action=action)


def _row_action(request: HttpRequest, pk: int, service: Any, done: str) -> HttpResponse:
    item = get_item_for_user(request.user, pk, write=True)
    try:
        with transaction.atomic():
            target = _writable(request, item)
            service(item=target, actor=request.user)
    except DomainError as exc:
        if _is_htmx(request):
            return _render_row(request, item.pk, error=exc.message)
        messages.error(request, exc.message)
        return redirect(_scheme_url(item.scheme, item))
    if _is_htmx(request):
        return _render_row(request, target.pk)
    messages.success(request, done % {"name": target.name})
    return redirect(_scheme_url(target.scheme, target))


@login_required
@require_POST
def item_retire(request: HttpRequest, pk: int) -> HttpResponse:
    return _row_action(request, pk, services.item_retire, _("The item “%(name)s” is retired."))


@login_required
@require_POST
def item_restore(request: HttpRequest, pk: int) -> HttpResponse:
    return _row_action(
        request, pk, services.item_restore, _("The item “%(name)s” is in use again.")
    )


@login_required
@require_POST
def item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_item_for_user(request.user, pk, write=True)
    scheme = item.scheme
    try:
        with transaction.atomic():
            target = _writable(request, item)
            services.item_delete(item=target, actor=request.user)
    except DomainError as exc:
        if _is_htmx(request):
            return _render_row(request, item.pk, error=exc.message)
        messages.error(request, exc.message)
        return redirect(_scheme_url(scheme, item))
    if _is_htmx(request):
        return HttpResponse("")
    messages.success(request, _("The item “%(name)s” is deleted.") % {"name": item.name})
    return redirect(_scheme_url(scheme))


# Category caps ----------------------------------------------------------------------


def _set_caps(request: HttpRequest, shown: Scheme, scheme_for_write: Any) -> HttpResponse:
    form = CategoryCapsForm(request.POST, scheme=shown)
    if form.is_valid():
        try:
            with transaction.atomic():
                target = scheme_for_write()
                services.scheme_set_category_caps(
                    scheme=target, caps=form.caps(), actor=request.user
                )
        except DomainError as exc:
            _add_service_error(form, exc)
        else:
            messages.success(request, _("The category caps are saved."))
            return redirect(_scheme_url(target) + "#caps")
    return _render_scheme(request, shown, caps_form=form, status=400)


@login_required
@require_POST
def caps(request: HttpRequest, code: str, year: int) -> HttpResponse:
    branch = get_branch_scheme_owner(request.user, code, write=True)
    year = checked_scheme_year(year)
    target = services.scheme_for_year(branch=branch, year=year, actor=request.user)
    target.organization = branch
    return _set_caps(request, target, lambda: target)


@login_required
@require_POST
def template_caps(request: HttpRequest) -> HttpResponse:
    committee = committee_for_user(request.user)
    shown = services.committee_template(committee) or services.default_template()
    return _set_caps(
        request,
        shown,
        lambda: services.template_for_committee_edit(committee=committee, actor=request.user),
    )
