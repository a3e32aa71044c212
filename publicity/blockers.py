"""Unanswered objections keep a half-year from closing (see summaries.blockers)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from core.periods import HalfYear
from organizations.models import Organization
from summaries.blockers import Blocker, register

from .models import Objection


@register
def unanswered_objections(branch: Organization, half: HalfYear) -> list[Blocker]:
    quarters = (1, 2) if half.half == 1 else (3, 4)
    objections = (
        Objection.objects.filter(
            publication__branch=branch,
            publication__year=half.year,
            publication__quarter__in=quarters,
            answered_at__isnull=True,
        )
        .select_related("member", "publication")
        .order_by("raised_at", "pk")
    )
    return [
        Blocker(
            "objection",
            _("%(name)s's objection to “%(title)s” has not been answered.")
            % {"name": o.member.name, "title": o.publication.title},
            reverse("publicity:answer", kwargs={"pk": o.pk}),
            (o.member_id,),
        )
        for o in objections
    ]
