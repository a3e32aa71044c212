"""Row locks that serialise writers without blocking foreign-key checks.

Services lock a row (a branch, a member, a policy) to serialise competing writers with
``select_for_update(**ROW_LOCK)``:

- ``of=("self",)`` locks the queried table's row only, not rows of tables joined in by
  ``select_related`` or by the model's default ordering (Member orders by its branch);
- ``no_key=True`` takes PostgreSQL's FOR NO KEY UPDATE, which still excludes the other
  writers of that row but, unlike FOR UPDATE, lets other transactions insert rows that
  refer to it (their foreign-key check takes FOR KEY SHARE).

With plain FOR UPDATE on a branch, a transaction holding the audit chain's lock and
inserting a row that refers to the branch waited for the branch's lock holder, which in
turn waited for the audit chain: a deadlock under month-end load. SQLite ignores row
locks; its writers are serialised by the database lock.
"""

from typing import Any

ROW_LOCK: dict[str, Any] = {"of": ("self",), "no_key": True}
