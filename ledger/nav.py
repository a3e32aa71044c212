from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from core.nav import NavLink
from organizations.models import Organization


def links(user: Any, scope: Any) -> list[NavLink]:
    """Officers who record points get a direct link for their (first) branch."""
    recording = [b for b in sorted(scope.branch_ids) if scope.may_record_points(b)]
    if not recording:
        return []
    own = {a.organization_id: a.organization.code for a in scope.assignments}
    code = own.get(recording[0]) or (
        Organization.objects.filter(pk=recording[0]).values_list("code", flat=True).first()
    )
    if code is None:
        return []
    return [
        NavLink(
            label=_("Record points"),
            url=reverse("ledger:entry_new", kwargs={"code": code}),
            icon="bi-pencil-square",
            app_name="ledger",
        )
    ]
