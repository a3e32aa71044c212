"""Who may read a member's phone number in full: one decision for every page.

The member themself, the officers of the member's branch (secretary, assessment
group, recorder) and the committee see it; everyone else sees 138****1234.
"""

from __future__ import annotations

import re
from typing import Any

from .permissions import scope_for

_DIGITS = re.compile(r"\d")


def may_see_phone(user: Any, *, branch_id: int | None, member_id: int | None = None) -> bool:
    scope = scope_for(user)
    if member_id is not None and scope.member is not None and scope.member.pk == member_id:
        return True
    return branch_id is not None and scope.is_officer(branch_id)


def mask_phone(value: Any) -> str:
    """138****1234: the first three and last four digits of a number; shorter ones hidden."""
    text = str(value or "").strip()
    digits = _DIGITS.findall(text)
    if not digits:
        return text
    if len(digits) < 8:
        return "*" * len(digits)
    return "".join(digits[:3]) + "****" + "".join(digits[-4:])
