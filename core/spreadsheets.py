"""What the system writes into .xlsx and .csv files, safe to open in a spreadsheet.

Members type their own name, unit and phone, and officers the names of branches,
items and notes. A text that starts with `=`, `+`, `-` or `@` (or a tab or a carriage
return) is read by Excel, WPS and LibreOffice as a formula: `=HYPERLINK(...)` becomes a
live link, `=1+1` a sum (OWASP, "CSV injection"). Every writer of the system routes
each cell's value through `cell_value` (the .xlsx writers) or writes its rows with
`csv_writer`, which put an apostrophe in front of such a text so it stays text; numbers,
dates and empty cells pass unchanged. `unquoted` undoes it where the system reads its
own workbooks back (summaries.card_reader).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def cell_value(value: Any) -> Any:
    """`value` as a cell may hold it: a text that would start a formula gets a leading
    apostrophe; anything else (numbers, dates, None, rich text) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def unquoted(value: Any) -> Any:
    """A cell read back: the apostrophe `cell_value` added, taken off again."""
    if isinstance(value, str) and value.startswith(QUOTE) and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class _SafeWriter:
    def __init__(self, out: IO[str], **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([cell_value(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: IO[str], **options: Any) -> _SafeWriter:
    """`csv.writer(out, **options)` whose every field goes through `cell_value`."""
    return _SafeWriter(out, **options)
