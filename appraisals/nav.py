from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from core.nav import NavLink


def links(user: Any, scope: Any) -> list[NavLink]:
    if not scope.is_officer_anywhere:
        return []
    return [
        NavLink(
            label=_("Democratic appraisal"),
            url=reverse("appraisals:index"),
            icon="bi-ui-checks-grid",
            app_name="appraisals",
        )
    ]
