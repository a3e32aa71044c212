"""Top-bar links contributed by each part of the plan, in the menus' order.

Each app that has pages of its own provides `<app>/nav.py` with
`links(user, scope) -> list[core.nav.NavLink]`; the base layout shows them after the
portal's own links (portal.templatetags.jifen_nav).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts import nav as accounts_nav
from appraisals import nav as appraisals_nav
from commitments import nav as commitments_nav
from contributions import nav as contributions_nav
from core.nav import NavLink
from declarations import nav as declarations_nav
from ledger import nav as ledger_nav
from notifications import nav as notifications_nav
from orglife import nav as orglife_nav
from oversight import nav as oversight_nav
from participation import nav as participation_nav
from publicity import nav as publicity_nav
from results import nav as results_nav
from rules import nav as rules_nav
from summaries import nav as summaries_nav

PROVIDERS = [
    declarations_nav,
    contributions_nav,
    orglife_nav,
    appraisals_nav,
    commitments_nav,
    participation_nav,
    rules_nav,
    ledger_nav,
    summaries_nav,
    results_nav,
    publicity_nav,
    oversight_nav,
    notifications_nav,
    accounts_nav,
]

GROUPS = {
    # group: (label msgid, icon)
    "mine": (_("My work"), "bi-person-badge"),
    "branch": (_("Branch work"), "bi-building"),
    "committee": (_("Committee"), "bi-bank"),
}


def extra_links(user: Any, scope: Any) -> list[NavLink]:
    links: list[NavLink] = []
    for provider in PROVIDERS:
        links.extend(provider.links(user, scope))
    return links
