"""CSV source tables: rows with their place in the file, and located cell errors.

A table is a CSV file whose first line names its columns. :func:`read_table` returns its rows
as :class:`Row` objects that know their file, 1-based line and the column of every field, so
that a bad cell is reported as ``file:line:col: column: message`` (a
:class:`~pathways.errors.LocatedError`). The cell checkers (:meth:`Row.text`, :meth:`Row.date`,
:meth:`Row.number`, …) record an error on the row's :class:`Problems` and return ``None``;
a caller checks every cell of every row, then raises once with all the problems.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pathways.errors import CatalogError, LocatedError, suggest

__all__ = [
    "Problems",
    "Row",
    "Table",
    "TableError",
    "exactly",
    "first_seen",
    "read_table",
    "slug",
]

_URL = re.compile(r"^https?://\S+$")


class TableError(CatalogError):
    """Source tables with bad rows; ``errors`` lists every problem, located (a
    :class:`~pathways.errors.CatalogError`, so callers report it like any catalog error)."""


@dataclass
class Problems:
    """The located errors found so far (all of them are reported together)."""

    errors: list[LocatedError] = field(default_factory=list)

    def add(self, file: str, line: int | None, col: int | None, path: str, message: str) -> None:
        """Record one problem."""
        self.errors.append(LocatedError(file, line, col, path, message))

    def raise_if_any(self) -> None:
        """Raise :class:`TableError` with every problem, when there is one."""
        if self.errors:
            raise TableError(self.errors)


@dataclass(frozen=True)
class Row:
    """One data row: its cells by column name, and where it sits in its file."""

    file: str
    line: int
    cells: dict[str, str]
    columns: dict[str, int]
    problems: Problems

    def col(self, name: str) -> int:
        """The 1-based column number of ``name`` (1 when the table lacks the column)."""
        return self.columns.get(name, 1)

    def error(self, name: str, message: str) -> None:
        """Record ``message`` against the cell ``name`` of this row."""
        self.problems.add(self.file, self.line, self.col(name), name, message)

    def raw(self, name: str) -> str:
        """The cell's text with surrounding blanks removed ("" when absent)."""
        return self.cells.get(name, "").strip()

    def text(self, name: str, *, required: bool = True) -> str | None:
        """The cell's text; an empty required cell is an error (and ``None``)."""
        value = self.raw(name)
        if not value:
            if required:
                self.error(name, "is empty; this column needs a value")
            return None
        return value

    def choice(self, name: str, allowed: Sequence[str], *, required: bool = True) -> str | None:
        """The cell when it is one of ``allowed`` (case-insensitive), else an error."""
        value = self.text(name, required=required)
        if value is None:
            return None
        lowered = value.lower()
        if lowered not in allowed:
            close = suggest(lowered, allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self.error(name, f"{value!r} is not one of {', '.join(allowed)}{hint}")
            return None
        return lowered

    def date(self, name: str, *, required: bool = True) -> date | None:
        """The cell as an ISO date ``YYYY-MM-DD``, else an error."""
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.error(name, f"{value!r} is not a date (YYYY-MM-DD)")
            return None

    def number(self, name: str, *, required: bool = True, positive: bool = True) -> Decimal | None:
        """The cell as a decimal number (above zero when ``positive``), else an error."""
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            hint = " (a range such as 3-4 is not a credit value)" if "-" in value[1:] else ""
            self.error(name, f"{value!r} is not a number{hint}")
            return None
        if not number.is_finite() or (positive and number <= 0) or number < 0:
            self.error(name, f"{value!r} must be {'above' if positive else 'at least'} 0")
            return None
        return number

    def url(self, name: str, *, required: bool = True) -> str | None:
        """The cell as an http(s) URL, else an error."""
        value = self.text(name, required=required)
        if value is None:
            return None
        if not _URL.match(value):
            self.error(name, f"{value!r} is not an http(s) URL")
            return None
        return value

    def key(self) -> tuple[str, ...]:
        """The row's cells in column order, blanks trimmed (equal rows have equal keys)."""
        return tuple(self.raw(name) for name in sorted(self.columns, key=self.columns.__getitem__))


@dataclass(frozen=True)
class Table:
    """A CSV table: its file name (as reported), its columns and its data rows."""

    file: str
    header: tuple[str, ...]
    rows: tuple[Row, ...]

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)


def read_table(
    path: str | Path, problems: Problems, *, text: str | None = None, name: str | None = None
) -> Table:
    """Read one CSV table (UTF-8, optional BOM); blank lines are skipped.

    ``text`` gives the content instead of reading ``path`` (e.g. an upload); ``name`` is the
    file name used in errors (default: ``path``). A file that cannot be read or decoded is a
    problem at the file (and an empty table).
    """
    shown = name or str(path)
    if text is None:
        try:
            text = Path(path).read_bytes().decode("utf-8-sig")
        except OSError as error:
            problems.add(shown, None, None, "", f"cannot read: {error.strerror or error}")
            return Table(shown, (), ())
        except UnicodeDecodeError as error:
            problems.add(shown, None, None, "", f"not UTF-8 text (byte {error.start})")
            return Table(shown, (), ())
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = tuple(cell.strip().lower() for cell in next(reader))
    except StopIteration:
        problems.add(shown, None, None, "", "empty file; the first line names the columns")
        return Table(shown, (), ())
    columns = {name: index + 1 for index, name in enumerate(header) if name}
    rows: list[Row] = []
    line = 1
    try:
        for cells in reader:
            start = line + 1
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                problems.add(
                    shown, start, len(header) + 1, "",
                    f"{len(cells)} cells but the header names {len(header)} columns",
                )  # fmt: skip
                continue
            named = {header[i]: cell for i, cell in enumerate(cells) if header[i]}
            rows.append(Row(shown, start, named, columns, problems))
    except csv.Error as error:
        problems.add(shown, reader.line_num, None, "", f"not valid CSV: {error}")
    return Table(shown, header, tuple(rows))


def first_seen(rows: dict[tuple[str, ...], Row], row: Row) -> bool:
    """Record ``row`` in ``rows``; a row equal to an earlier one is an error (and False)."""
    key = row.key()
    earlier = rows.get(key)
    if earlier is not None:
        row.problems.add(
            row.file, row.line, 1, "",
            f"this row equals row {earlier.line} of {earlier.file}; delete one of them",
        )  # fmt: skip
        return False
    rows[key] = row
    return True


def exactly(ident: str) -> dict[str, object]:
    """A ``when`` that holding ``ident`` itself meets (``has:`` would also accept a course
    sharing an equivalence with it, which a course-specific rule must not).

    >>> exactly("sinclair.eng-1101")
    {'count': 1, 'from': {'ids': ['sinclair.eng-1101']}}
    """
    return {"count": 1, "from": {"ids": [ident]}}


def slug(value: str) -> str:
    """A lowercase id part: runs of anything but letters and digits become one ``-``.

    >>> slug("ACC 121S")
    'acc-121s'
    """
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
