"""Every named URL of the site, found from the resolver: new pages are walked too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

SKIPPED_PREFIXES = ("static/", "media/", "^static/", "^media/", "__")


@dataclass(frozen=True)
class Page:
    name: str  # namespaced URL name, e.g. "summaries:card"
    route: str
    converters: dict[str, Any]  # kwarg name -> converter


def walk(
    resolver: URLResolver | None = None, namespace: str = "", route: str = ""
) -> Iterator[Page]:
    """Every named URL pattern of the site, whatever app added it (static and media left out)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        here = route + str(pattern.pattern)
        if here.startswith(SKIPPED_PREFIXES):
            continue
        converters = dict(getattr(pattern.pattern, "converters", {}))
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}{pattern.namespace}:"
            for page in walk(pattern, ns, here):
                yield Page(page.name, page.route, {**converters, **page.converters})
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield Page(f"{namespace}{pattern.name}", here, converters)


def simple_kwargs(page: Page, *, code: str, pk: int, year: int) -> dict[str, Any]:
    """One plausible set of arguments: years, pks and codes."""
    kwargs: dict[str, Any] = {}
    for name, converter in page.converters.items():
        fixed = source_of(page.name, name) or ""
        if fixed.startswith("="):
            kwargs[name] = fixed.removeprefix("=")
        elif "year" in name:
            kwargs[name] = year
        elif isinstance(converter, IntConverter):
            kwargs[name] = 1 if name in ("half", "quarter", "month") else pk
        else:
            kwargs[name] = code
    return kwargs


# --- what each URL argument names ----------------------------------------------------

# (URL name pattern, argument) -> where its value comes from, first match wins:
#   "app.Model"  a pk of branch B's object of that model (tests/access_fixtures.py)
#   "secret:x"   branch B's secret of a public page (a ballot code, a sign-in token)
#   "branch"     branch B's code
#   "=value"     a constant (a year, a month, a format)
# A page added later is covered as long as its arguments follow these names; a `pk` in
# a new app falls back to every pk of branch B's objects.
ARGUMENTS: list[tuple[str, str, str]] = [
    ("*", "year", "=2026"),
    ("*", "month", "=3"),
    ("*", "half", "=1"),
    ("*", "quarter", "=1"),
    ("*", "fmt", "=xlsx"),
    ("appraisals:ballot", "code", "secret:ballot_code"),
    ("accounts:activate_code", "code", "=NOTACODE00"),
    ("*", "code", "branch"),
    ("orglife:*", "token", "secret:signin_token"),
    ("commitments:*", "token", "secret:post_token"),
    ("publicity:*", "token", "secret:screen_token"),
    ("*", "member_pk", "organizations.Member"),
    ("*", "voter_pk", "appraisals.Voter"),
    ("*", "file_pk", "declarations.EvidenceFile"),
    ("*", "line_pk", "declarations.DeclarationLine"),
    ("organizations:role_*", "pk", "organizations.RoleAssignment"),
    ("organizations:department_*", "pk", "organizations.Department"),
    ("organizations:representative_*", "pk", "organizations.PublicRepresentative"),
    ("organizations:*", "pk", "organizations.Member"),
    ("rules:item_*", "pk", "rules.Item"),
    ("rules:filing_*", "pk", "rules.SchemeFiling"),
    ("ledger:veto_*", "pk", "ledger.Veto"),
    ("ledger:*", "pk", "ledger.Entry"),
    ("summaries:*", "pk", "summaries.ClosingSnapshot"),
    ("appraisals:*", "pk", "appraisals.AppraisalSession"),
    ("declarations:*", "pk", "declarations.Declaration"),
    ("orglife:attendance_*", "pk", "orglife.Attendance"),
    ("orglife:*", "pk", "orglife.Meeting"),
    ("notifications:*", "pk", "notifications.Notification"),
    ("commitments:*", "pk", "commitments.Commitment"),
    ("contributions:*", "department_pk", "organizations.Department"),
    ("contributions:*", "pk", "contributions.Platform"),
    ("participation:head_*", "pk", "participation.DepartmentHead"),
    ("participation:retiree_*", "pk", "participation.RetireeDecision"),
    ("participation:*", "pk", "participation.Exemption"),
    ("results:vanguard_*", "pk", "commitments.VanguardPost"),
    ("results:*", "pk", "results.HandlingCase"),
    ("publicity:answer", "pk", "publicity.Objection"),
    ("publicity:screen_*", "pk", "publicity.Screen"),
    ("publicity:*", "pk", "publicity.Publication"),
    ("oversight:check_*", "pk", "oversight.SpotCheck"),
    ("oversight:item_*", "pk", "oversight.SpotCheckItem"),
    ("oversight:response", "pk", "oversight.SpotCheckItem"),
    ("oversight:unit_*", "pk", "oversight.ModelUnit"),
    ("oversight:case_*", "pk", "oversight.ExemplaryCase"),
    ("api:notification_*", "pk", "notifications.Notification"),
    ("api:attendance", "pk", "orglife.Attendance"),
    ("api:*", "pk", "declarations.Declaration"),
    ("api:*", "job_number", "secret:job_number"),
    ("api_pages:*", "pk", "api.ApiToken"),
]


def source_of(page_name: str, argument: str) -> str | None:
    """Where the value of `argument` of the page comes from (see ARGUMENTS), or None."""
    for pattern, name, source in ARGUMENTS:
        if name == argument and fnmatchcase(page_name, pattern):
            return source
    return None
