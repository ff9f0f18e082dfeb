"""Options and helpers shared by every ``pathways`` command.

* :data:`CatalogOption`, :data:`AsOfOption`, :data:`JsonOption` — ``Annotated`` option types, so
  a command reads ``catalog: CatalogOption = DEFAULT_CATALOG``;
* :func:`exit_on_error` — a context manager turning any
  :class:`~pathways.errors.PathwaysError` into its message on stderr and exit code 1;
* :func:`load` — the compiled catalog for ``--catalog`` (cached on disk);
* :func:`print_json` — the JSON document on stdout, as the API returns it;
* :func:`report_console` — where readable reports are printed;
* :func:`working` — a spinner naming the step under way, on stderr, on a terminal only.

Usage errors (unknown option, bad option value) exit 2: Click already does that.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pathways.errors import PathwaysError, SolverTimeout

if TYPE_CHECKING:
    from rich.console import Console

    from pathways.catalog.compile import CompiledCatalog

__all__ = [
    "DEFAULT_CATALOG",
    "AsOfOption",
    "CatalogOption",
    "JsonOption",
    "counted",
    "exit_on_error",
    "load",
    "parse_date",
    "print_json",
]

DEFAULT_CATALOG: Path = Path(__file__).resolve().parent.parent.parent / "data" / "ohio"
"""The bundled catalog (the same directory as :data:`pathways.catalog.load.DEFAULT_CATALOG`)."""


def counted(amount: int, noun: str) -> str:
    """``1 holding``, ``3 holdings``: a count with its noun, singular for exactly one (an
    advisor reads "1 credit", never "1 credit(s)")."""
    return f"{amount} {noun}{'' if amount == 1 else 's'}"


def parse_date(value: str | date) -> date:
    """Parse ``YYYY-MM-DD`` for an option; a bad value is a usage error (exit 2)."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


CatalogOption = Annotated[
    Path,
    typer.Option(
        "--catalog",
        help="Catalog directory of *.yaml files (default: the bundled Ohio catalog).",
        file_okay=False,
        show_default=False,
    ),
]
AsOfOption = Annotated[
    date | None,
    typer.Option(
        "--as-of",
        parser=parse_date,
        metavar="YYYY-MM-DD",
        help="Evaluate as of this date (default: today).",
    ),
]
DiscretionaryOption = Annotated[
    bool,
    typer.Option(
        "--include-discretionary",
        help="Count recommended and discretionary transfer credit too (default: guaranteed only).",
    ),
]
"""The one flag name for possible credit, in every command (the API field and the page's
checkbox are ``include_discretionary`` too)."""
OldDiscretionaryOption = Annotated[
    bool,
    typer.Option("--allow-discretionary", hidden=True, help="Old name of --include-discretionary."),
]
"""The name plans used before: still accepted, not shown."""
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print the JSON document the API returns.")
]


@contextmanager
def exit_on_error() -> Iterator[None]:
    """Turn a :class:`~pathways.errors.PathwaysError` (bad input) or a
    :class:`~pathways.errors.SolverTimeout` (no allocation found within the time limit) into
    stderr text and exit code 1."""
    try:
        yield
    except (PathwaysError, SolverTimeout) as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None


def load(catalog: Path) -> CompiledCatalog:
    """The compiled catalog in ``catalog`` (raises :class:`~pathways.errors.CatalogError`)."""
    from pathways.catalog.load import load_catalog

    return load_catalog(catalog)


def print_json(document: Any) -> None:
    """Print ``document`` as indented JSON (dates and other values as strings)."""
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False, default=str))


#: Width of a report written to a file or a pipe (a terminal's own width is used otherwise):
#: wide enough that transfer tables keep their policy names and citations on readable lines.
PIPE_WIDTH = 132


@contextmanager
def working(message: str) -> Iterator[Any]:
    """Show ``message`` with a spinner on stderr while the block runs (only when stderr is a
    terminal; nothing otherwise). Yields a function that replaces the message."""
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda _text: None
        return
    with console.status(message) as status:
        yield lambda text: status.update(text)


def report_console(**options: Any) -> Console:
    """A rich console on stdout for readable reports: the terminal's width on a terminal,
    ``$COLUMNS`` when set, otherwise :data:`PIPE_WIDTH` (rich's own default there is 80)."""
    from rich.console import Console

    if not sys.stdout.isatty() and "COLUMNS" not in os.environ:
        options.setdefault("width", PIPE_WIDTH)
    return Console(**options)
