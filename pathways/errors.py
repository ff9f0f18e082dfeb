"""The engine's exceptions: a small tree a presenter can turn into exit codes or 4xx replies.

``PathwaysError`` is the root. ``CatalogError`` and ``RecordError`` carry every located problem
found in one run (``errors``), each rendered as ``file:line:col: field.path: message``.
``UnknownIdError`` names an id that is not in the catalog, with "did you mean" suggestions.
A presenter prints ``str(error)`` and exits 1 (CLI) or answers 4xx (API); none of these is
ever a bug, so none should surface as a traceback. ``SolverTimeout`` is not bad input but a
question too large for its time limit: the CLI prints it and exits 1 too, the API answers
503.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "CacheWarning",
    "CatalogError",
    "LocatedError",
    "PathwaysError",
    "RecordError",
    "SolverTimeout",
    "UnknownIdError",
    "suggest",
]


class PathwaysError(Exception):
    """Root of every error the engine raises on bad input."""


class SolverTimeout(Exception):
    """The solver found no allocation within its time limit."""


class CacheWarning(UserWarning):
    """A compiled-catalog cache entry that could not be read or written (the load goes on)."""


@dataclass(frozen=True, slots=True)
class LocatedError:
    """One problem at a place: file, 1-based line and column, dotted field path, message."""

    file: str
    line: int | None
    col: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.col or 1}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        """The JSON shape used by the API: file, line, col, path, message."""
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "path": self.path,
            "message": self.message,
        }


class _LocatedErrors(PathwaysError):
    def __init__(self, errors: Iterable[LocatedError]) -> None:
        self.errors: tuple[LocatedError, ...] = tuple(errors)
        super().__init__("\n".join(str(e) for e in self.errors))

    def __reduce__(self) -> tuple[type[PathwaysError], tuple[object, ...]]:
        """Pickled as its errors, so that it crosses to and from worker processes whole."""
        return type(self), (self.errors,)


class CatalogError(_LocatedErrors):
    """A catalog that does not load, validate or compile; ``errors`` lists every problem."""


class RecordError(_LocatedErrors):
    """A learner record that does not load or validate; ``errors`` lists every problem."""


def suggest(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` close matches of ``word`` among ``choices``, best first.

    >>> suggest("tri-c.itnt-150", ["tri-c.itnt-1500", "osu.math-1151"])
    ['tri-c.itnt-1500']
    """
    return difflib.get_close_matches(word, list(choices), n=n, cutoff=0.6)


class UnknownIdError(PathwaysError):
    """An id (goal, institution, credential…) that the catalog does not hold."""

    def __init__(self, what: str, ident: str, choices: Iterable[str] = ()) -> None:
        self.what = what
        self.ident = ident
        self.suggestions = suggest(ident, choices)
        hint = f"; did you mean {' or '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown {what} {ident!r}{hint}")

    def __reduce__(self) -> tuple[type[PathwaysError], tuple[object, ...]]:
        """Pickled as its id and suggestions (the suggestions of themselves are themselves),
        so that it crosses to and from worker processes whole."""
        return type(self), (self.what, self.ident, self.suggestions)
