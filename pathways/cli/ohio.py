"""Source-table commands: ``import-equivalencies`` and ``lookup``.

* ``pathways import-equivalencies FILE_OR_DIR… -o DIR [--from INST] [--to INST]``: read
  registrar equivalency tables, OT36 course tables, institution lists and statewide exam
  tables (CSV; a directory is searched for ``*.csv``), and write the catalog YAML they make
  into DIR. Every bad row is reported as ``file:line:col: column: message``, exit 1, and
  nothing is written (``--keep-going`` leaves bad rows out and writes the rest, still
  exit 1). ``--export FILE`` writes the catalog's equivalencies back as a registrar table
  (``-`` for stdout).
* ``pathways lookup CREDENTIAL [--at INST] [--score N] [--json]``: what the credential
  becomes at every institution (or one), by which policy and rule, guaranteed routes first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pathways.cli.common import (
    DEFAULT_CATALOG,
    AsOfOption,
    CatalogOption,
    JsonOption,
    counted,
    exit_on_error,
    load,
    print_json,
)

__all__ = ["register"]

FromOption = Annotated[
    str | None,
    typer.Option("--from", help="Sending institution of rows that do not name one."),
]
ToOption = Annotated[
    str | None,
    typer.Option("--to", help="Receiving institution of rows that do not name one."),
]


def import_equivalencies(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="CSV tables, or directories searched for *.csv.", show_default=False),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", file_okay=False, help="Write the generated YAML here."),
    ] = None,
    sending: FromOption = None,
    receiving: ToOption = None,
    export: Annotated[
        Path | None,
        typer.Option("--export", dir_okay=False, help="Write the catalog's equivalencies as CSV."),
    ] = None,
    keep_going: Annotated[
        bool, typer.Option("--keep-going", help="Leave bad rows out and write the rest.")
    ] = False,
    catalog: CatalogOption = DEFAULT_CATALOG,
) -> None:
    """Generate catalog YAML from equivalency and Ohio source tables (or --export them)."""
    if export is not None:
        _export(export, catalog, sending, receiving)
        return
    if not files or output is None:
        raise typer.BadParameter("give the tables to read and --output DIR (or --export FILE)")
    from pathways.errors import PathwaysError
    from pathways.interop.sources import generate, write_generated
    from pathways.interop.tables import TableError

    try:
        result = generate(
            files, catalog, output, sending=sending, receiving=receiving, keep_going=keep_going
        )
    except TableError as error:
        typer.echo(str(error), err=True)
        typer.echo(f"{counted(len(error.errors), 'bad row')}; nothing was written", err=True)
        raise typer.Exit(1) from None
    except PathwaysError as error:
        typer.echo(str(error), err=True)
        typer.echo("the generated catalog does not load; nothing was written", err=True)
        raise typer.Exit(1) from None
    try:
        written = write_generated(result, output)
    except OSError as error:
        typer.echo(f"{output}: cannot write: {error.strerror or error}", err=True)
        raise typer.Exit(1) from None
    for problem in result.skipped:
        typer.echo(f"{problem} (left out)", err=True)
    counts = result.counts
    typer.echo(
        f"wrote {counted(len(written), 'file')} to {output}: {counts['tables']} tables, "
        f"{counts['rows']} rows, {counts['institutions']} new institutions, "
        f"{counts['courses']} new courses"
    )
    if result.skipped:
        raise typer.Exit(1)


def _export(path: Path, catalog: Path, sending: str | None, receiving: str | None) -> None:
    from pathways.interop.equivalencies import export_rows, to_csv

    with exit_on_error():
        compiled = load(catalog)
        for ident in (sending, receiving):
            if ident is not None and ident not in compiled.institutions:
                from pathways.errors import UnknownIdError

                raise UnknownIdError("institution", ident, compiled.institutions)
        text = to_csv(export_rows(compiled, sending=sending, receiving=receiving))
    if str(path) == "-":
        typer.echo(text, nl=False)
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        typer.echo(f"{path}: cannot write: {error.strerror or error}", err=True)
        raise typer.Exit(1) from None
    rows = counted(text.count("\n") - 1, "equivalency row")
    typer.echo(f"wrote {rows} to {path}", err=True)


def lookup(
    credential: Annotated[str, typer.Argument(metavar="CREDENTIAL", help="A credential id.")],
    at: Annotated[str | None, typer.Option("--at", help="Only this receiving institution.")] = None,
    score: Annotated[
        float | None, typer.Option("--score", help="The exam score, for score bands.")
    ] = None,
    catalog: CatalogOption = DEFAULT_CATALOG,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
) -> None:
    """Will it transfer? What CREDENTIAL becomes at each institution, and on what authority."""
    from pathways.evaluate.lookup import lookup as run_lookup

    with exit_on_error():
        result = run_lookup(load(catalog), credential, at=at, as_of=as_of, score=score)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    typer.echo(f"{result.credential}  {result.title}")
    if not result.routes:
        where = f"at {at}" if at else "anywhere in this catalog"
        typer.echo(f"  no rule or equivalence gives it credit {where}")
        if score is None and result.kind == "exam":
            typer.echo("  (an exam's credit depends on its score: give --score)")
        return
    for route in result.routes:
        becomes = ", ".join(f"{b.credential or b.title} ({b.credits:g} cr)" for b in route.becomes)
        how = "native (earned here)" if route.status == "native" else f"{route.guarantee}"
        typer.echo(f"  {route.institution:<20} {route.credits:>5g} cr  {how:<14} {becomes}")
        if route.rule:
            via = f" through {route.equivalence}" if route.equivalence else ""
            typer.echo(f"  {'':<20} rule {route.rule} ({route.policy}){via}")
            if route.citation:
                typer.echo(f"  {'':<20} {route.citation}")
    typer.echo(f"credit at {counted(result.institutions, 'institution')}")


def register(app: typer.Typer) -> None:
    """Add ``import-equivalencies`` and ``lookup`` to the ``pathways`` app."""
    app.command("import-equivalencies")(import_equivalencies)
    app.command("lookup")(lookup)
