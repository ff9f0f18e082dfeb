"""``pathways import-transcript FILE… -o OUT.yaml``: a learner record from transcripts.

Reads PESC College Transcript XML and student-system CSV exports (format guessed from the
content, or ``--format``), merges several files (two colleges) into one record, and prints a
report: the holdings made, the lines not mapped and why, with suggestions. Lines that map to
no catalog credential are kept in the record as ``unmapped`` entries (an audit lists them as
not counted). ``--json`` prints ``{"record", "report"}``, the reply of
``POST /v1/records/import``.

Exit codes: 0 ok (unmapped lines are not a failure), 1 a file that cannot be read (every
problem located as ``file:line:col`` or ``file:row:col``; nothing is written), an unknown
``--institution``, or no learner id; 2 usage error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pathways.cli.common import (
    DEFAULT_CATALOG,
    AsOfOption,
    CatalogOption,
    JsonOption,
    exit_on_error,
    load,
    print_json,
    report_console,
)

if TYPE_CHECKING:
    from pathways.interop.transcripts import ImportReport, MappingTable, TranscriptFormat

__all__ = ["register"]


def _read(path: Path) -> bytes:
    from pathways.errors import LocatedError
    from pathways.interop.transcripts import MAX_TRANSCRIPT_BYTES, TranscriptError

    try:
        if path.stat().st_size > MAX_TRANSCRIPT_BYTES:
            message = f"larger than {MAX_TRANSCRIPT_BYTES} bytes"
            raise TranscriptError([LocatedError(str(path), None, None, "", message)])
        return path.read_bytes()
    except OSError as error:
        message = f"cannot read: {error.strerror or error}"
        raise TranscriptError([LocatedError(str(path), None, None, "", message)]) from None


def _table(path: Path | None) -> MappingTable:
    from pathways.interop.transcripts import MappingTable

    return MappingTable.read(str(path), _read(path)) if path is not None else MappingTable()


def _print_report(report: ImportReport, out: Path | None) -> None:
    from rich.markup import escape
    from rich.table import Table

    console = report_console(emoji=False, highlight=False)
    for file in report.files:
        found = f"{file.institution} (by {file.matched_by})" if file.institution else "not found"
        console.print(
            f"{escape(file.file)}: {file.format}, {file.lines} lines, from "
            f"{escape(file.issuer)} → {escape(found)}"
        )
    made = Table(title=f"{len(report.holdings)} holdings made", title_justify="left")
    for column in ("credential", "status", "earned", "grade/score", "from", "note"):
        made.add_column(column, overflow="fold")
    for h in report.holdings:
        mark = h.grade if h.grade is not None else (f"{h.score:g}" if h.score is not None else "")
        made.add_row(
            h.credential,
            h.status,
            str(h.earned or ""),
            mark,
            escape(h.source),
            escape(h.note or ""),
        )
    console.print(made)
    if report.unmapped:
        lost = Table(
            title=f"{len(report.unmapped)} lines not mapped (kept in the record as unmapped)",
            title_justify="left",
        )
        for column in ("line", "from", "why"):
            lost.add_column(column, overflow="fold")
        for u in report.unmapped:
            lost.add_row(escape(u.line), escape(u.source or ""), escape(u.reason))
        console.print(lost)
    for note in report.notes:
        console.print(f"note: {escape(note)}")
    done = f"record written to {escape(str(out))}" if out else "no -o given: nothing written"
    console.print(done)


def import_transcript(
    files: Annotated[
        list[Path],
        typer.Argument(help="Transcript files: PESC College Transcript XML or CSV exports."),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Write the learner record here (YAML).", dir_okay=False
        ),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option("--format", help="pesc or csv (default: guessed from each file)."),
    ] = None,
    institution: Annotated[
        str | None,
        typer.Option(
            "--institution",
            help="The catalog institution that issued every file (overrides what the files say).",
        ),
    ] = None,
    learner: Annotated[
        str | None,
        typer.Option("--learner", help="The learner id (default: the student id in the file)."),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--map",
            help="A registrar's mapping table (CSV: institution, subject, "
            "number, title, credential).",
            dir_okay=False,
        ),
    ] = None,
    catalog: CatalogOption = DEFAULT_CATALOG,
    as_of: AsOfOption = None,
    json_output: JsonOption = False,
) -> None:
    """Make a learner record from transcripts and report what was and was not mapped."""
    from pathways.interop.records import write_atomically
    from pathways.interop.transcripts import (
        ImportOptions,
        import_transcripts,
        record_document,
        record_yaml,
    )

    if format not in (None, "pesc", "csv"):
        raise typer.BadParameter(f"{format!r} is not pesc or csv", param_hint="--format")
    with exit_on_error():
        table = _table(mapping)
        kind: TranscriptFormat | None = (
            "pesc" if format == "pesc" else "csv" if format == "csv" else None
        )
        raw = [(str(path), _read(path), kind) for path in files]
        compiled = load(catalog)
        options = ImportOptions(institution=institution, learner=learner, as_of=as_of, table=table)
        result = import_transcripts(compiled, raw, options)
        if output is not None:
            header = "Learner record made by pathways import-transcript from " + ", ".join(
                path.name for path in files
            )
            write_atomically(output, record_yaml(result.record, header))
    if json_output:
        print_json({"record": record_document(result.record), "report": result.report.model_dump()})
    else:
        _print_report(result.report, output)


def register(app: typer.Typer) -> None:
    """Add ``import-transcript`` to ``app``."""
    app.command("import-transcript")(import_transcript)
