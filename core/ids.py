"""Ids from paths, query strings and forms: positive integers a bigint column can hold.

Every table's id is a BigAutoField, a signed 64-bit integer. A larger number names
nothing, yet handed to the database it fails the whole request (SQLite: OverflowError,
PostgreSQL: out of range) with a 500. So every id the outside sends goes through here:

- paths: the `id` converter (`<id:pk>`, registered in core.apps) matches only ids that
  fit, so anything larger is the ordinary 404;
- query strings and posted values: `parse_id` (None when it is not an id) or
  `id_or_404`;
- forms: `IdChoiceField` and `IdMultipleChoiceField` instead of Django's model choice
  fields, which refuse such a value next to the field as an invalid choice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls.converters import IntConverter

MAX_ID = 2**63 - 1


def parse_id(value: Any) -> int | None:
    """The id `value` spells (an int, or digits with optional spaces around), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        digits = value.strip()
        if len(digits) > len(str(MAX_ID)):
            return None
        number = int(digits)
    else:
        return None
    return number if 0 < number <= MAX_ID else None


def id_or_404(value: Any) -> int:
    number = parse_id(value)
    if number is None:
        raise Http404
    return number


def parse_ids(values: Iterable[Any]) -> list[int]:
    """The ids among `values`, in order; anything else left out."""
    return [number for number in map(parse_id, values) if number is not None]


class IdConverter(IntConverter):
    """`<id:pk>`: like `<int:pk>`, but a number no row can have does not match (404)."""

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)
        return number


def _check_id(field: forms.ModelChoiceField, value: Any) -> None:
    if (
        field.to_field_name is None
        and not isinstance(value, getattr(field.queryset, "model", ()))
        and value not in field.empty_values
        and parse_id(value) is None
    ):
        raise ValidationError(
            field.error_messages["invalid_choice"],
            code="invalid_choice",
            params={"value": str(value)[:30]},
        )


class IdChoiceField(forms.ModelChoiceField):
    """A model choice whose submitted value must be an id before the database sees it."""

    def to_python(self, value: Any) -> Any:
        _check_id(self, value)
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Model choices whose submitted values must all be ids before the database sees them."""

    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            for item in value:
                _check_id(self, item)
        return super().clean(value)


class IdField(forms.IntegerField):
    """A posted id (a hidden field naming a row): a whole number from 1 to MAX_ID."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)
