"""Rewrite the generated parts of ``data/ohio/COVERAGE.md`` from the Ohio source tables.

``python3 -m pathways.tools.coverage [SOURCES] [COVERAGE_MD]`` (defaults
``data/ohio/sources`` and ``data/ohio/COVERAGE.md``) replaces two marked blocks and leaves every
other line of the file as written by hand:

* between ``<!-- table: generated from the source tables -->`` and ``<!-- end table -->``, one
  row per institution of ``institutions-*.csv``: its OT36 course rows (``ot36/<id>.csv``), how
  many of them lack a title or a credit value, carry an OAN code or a lab mark, the OT36 areas
  with no row, and the rows of ``equivalencies/*.csv`` in which it sends or receives;
* between ``<!-- left out -->`` and ``<!-- end left out -->``, the rows that
  ``pathways import-equivalencies SOURCES -o data/ohio/generated --keep-going`` leaves out, each
  with the location and reason the import gives.

What a caller may rely on: :func:`coverage_table` and :func:`left_out_block` are pure functions
of the tables (and, for the second, the catalog they join), so running the command twice writes
the same bytes; a missing marker is a :class:`ValueError` naming it, and the file is then left
unchanged.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

__all__ = ["AREAS", "coverage_table", "left_out_block", "rewrite", "update_file"]

AREAS: tuple[str, ...] = ("eng", "math", "ns", "sbs", "ah")
"""The OT36 areas in the order the table names them."""

TABLE_START = "<!-- table: generated from the source tables -->"
TABLE_END = "<!-- end table -->"
LEFT_START = "<!-- left out -->"
LEFT_END = "<!-- end left out -->"


def _rows(path: Path) -> list[dict[str, str]]:
    """The rows of one CSV table as dictionaries (empty cells are empty strings)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            {k: (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(handle)
        ]


def _institutions(sources: Path) -> list[tuple[str, str]]:
    """Every institution of the ``institutions-*.csv`` tables as (id, closing date), by id."""
    found: dict[str, str] = {}
    for path in sorted(sources.glob("institutions-*.csv")):
        for row in _rows(path):
            found[row["id"]] = row.get("closed", "")
    return sorted(found.items())


def coverage_table(sources: Path) -> str:
    """The Markdown table of OT36 and guide coverage per institution, with a total line."""
    sent: Counter[str] = Counter()
    received: Counter[str] = Counter()
    guide_rows = 0
    for path in sorted((sources / "equivalencies").glob("*.csv")):
        for row in _rows(path):
            guide_rows += 1
            sent[row["from_institution"]] += 1
            received[row["to_institution"]] += 1
    lines = [
        "| institution | OT36 courses | no title | no credits | with OAN code | lab marked "
        "| areas missing | guide rows sent / received | closed |",
        "|---|---:|---:|---:|---:|---:|---|---|---|",
    ]
    total = 0
    for ident, closed in _institutions(sources):
        path = sources / "ot36" / f"{ident}.csv"
        courses = _rows(path) if path.exists() else []
        total += len(courses)
        areas = {row["ot36_area"] for row in courses}
        missing = ", ".join(a for a in AREAS if a not in areas) or "—"
        counts = (
            len(courses),
            sum(1 for row in courses if not row["title"]),
            sum(1 for row in courses if not row["credits"]),
            sum(1 for row in courses if row["oan_code"]),
            sum(1 for row in courses if row["lab"] == "yes"),
        )
        cells = " | ".join(str(n) for n in counts)
        lines.append(
            f"| {ident} | {cells} | {missing} | {sent[ident]} / {received[ident]} | {closed} |"
        )
    lines.append(f"| **total** | **{total}** | | | | | | **{guide_rows}** | |")
    return "\n".join(lines)


def left_out_block(sources: Path, catalog: Path, output: Path) -> str:
    """The Markdown list of the rows a ``--keep-going`` generation leaves out, with reasons.

    Raises :class:`~pathways.errors.PathwaysError` when the generated catalog does not load.
    """
    from pathways.interop.sources import generate

    result = generate([sources], catalog, output, keep_going=True)
    shown = [str(problem).replace(f"{catalog}/", "") for problem in result.skipped]
    head = (
        f"{len(shown)} rows were left out by the last generation, "
        "each with the reason the import gives:"
    )
    return "\n".join([head, "", *(f"* `{problem}`" for problem in shown)])


def _replace(text: str, start: str, end: str, body: str) -> str:
    """``text`` with the lines between the ``start`` and ``end`` markers replaced by ``body``."""
    before, found, rest = text.partition(start)
    if not found:
        raise ValueError(f"marker {start!r} not found")
    _, found, after = rest.partition(end)
    if not found:
        raise ValueError(f"marker {end!r} not found after {start!r}")
    return f"{before}{start}\n{body}\n{end}{after}"


def rewrite(text: str, table: str, left_out: str) -> str:
    """The coverage document ``text`` with its two generated blocks replaced."""
    return _replace(_replace(text, TABLE_START, TABLE_END, table), LEFT_START, LEFT_END, left_out)


def update_file(coverage: Path, sources: Path, catalog: Path, output: Path) -> bool:
    """Rewrite ``coverage`` in place; True when its text changed."""
    old = coverage.read_text(encoding="utf-8")
    new = rewrite(old, coverage_table(sources), left_out_block(sources, catalog, output))
    if new != old:
        coverage.write_text(new, encoding="utf-8")
    return new != old


def main(argv: list[str]) -> int:
    """Command-line entry: ``[SOURCES] [COVERAGE_MD]``; prints whether the file changed."""
    sources = Path(argv[0]) if argv else Path("data/ohio/sources")
    coverage = Path(argv[1]) if len(argv) > 1 else sources.parent / "COVERAGE.md"
    catalog = sources.parent
    try:
        changed = update_file(coverage, sources, catalog, catalog / "generated")
    except (OSError, ValueError) as error:
        print(f"{coverage}: {error}", file=sys.stderr)
        return 1
    print(f"{coverage}: {'updated' if changed else 'already up to date'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
