"""What an audit row changed, key by key, in the reader's language (the log's pages)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import display


@dataclass(frozen=True)
class Change:
    key: str
    label: str  # the key in the reader's language
    before: str | None  # None: the key is not in `before`
    after: str | None  # None: the key is not in `after`


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else ({} if value is None else {"": value})


def compact_changes(
    before: Any, after: Any, *, object_type: str = "", action: str = "", full: bool = False
) -> list[Change]:
    """What changed, key by key, in the reader's language: only differing keys when
    there is a before and an after; `full` keeps every key and the whole values."""
    model = display.model_for(object_type)
    before, after = _as_dict(before), _as_dict(after)
    fit = (lambda text: text) if full else display.shorten
    changes = []
    one_sided = not before or not after
    for key in list(dict.fromkeys([*before, *after])):
        if key in display.HIDDEN_KEYS:
            continue
        if not full and key in before and key in after and before[key] == after[key]:
            continue
        value = after.get(key, before.get(key))
        if not full and one_sided and (key == "id" or value in (None, "", [], {})):
            continue  # a snapshot of a new or deleted object: its filled fields say enough
        changes.append(
            Change(
                key=key,
                label=display.key_label(model, key, action) if key else "",
                before=fit(display.value_text(model, key, before[key])) if key in before else None,
                after=fit(display.value_text(model, key, after[key])) if key in after else None,
            )
        )
    return changes
