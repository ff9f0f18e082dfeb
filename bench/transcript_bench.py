"""Transcript mapping speed: lines per second of ``import_transcripts`` on the bundled catalog.

Run ``python3 bench/transcript_bench.py [--rows N]``. It imports three CSV transcripts of
``N`` course lines each, in-process, and prints one JSON line per kind with the seconds and
lines per second:

* ``unmapped``: every line a course of a catalog institution that no credential claims (each a
  different number in a subject the institution teaches), the case that asks "did you mean";
* ``mapped``: every line a course the catalog holds;
* ``other-subject``: every line in a subject the institution does not teach.

The first import of a catalog also builds its mapping index; that time is printed apart.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.load import DEFAULT_CATALOG, load_catalog
from pathways.interop.transcripts import ImportOptions, import_transcripts

HEADER = "student_id,institution,subject,number,title,credits,grade,term"


def courses(catalog: CompiledCatalog, institution: str) -> list[tuple[str, str]]:
    """(SUBJECT, NUMBER) of the institution's catalog courses ``inst.subject-number``."""
    found = []
    for ident, versions in catalog.versions.items():
        head, _, rest = ident.partition(".")
        subject, _, number = rest.rpartition("-")
        if head == institution and versions[-1].kind == "course" and subject:
            found.append((subject.upper(), number.upper()))
    return found


def transcript(kind: str, rows: int, held: list[tuple[str, str]]) -> bytes:
    """A CSV transcript of ``rows`` course lines of ``kind``."""
    lines = [HEADER]
    for i in range(rows):
        subject, number = held[i % len(held)]
        if kind == "unmapped":
            number = f"{9000 + i}"
        elif kind == "other-subject":
            subject = "ZZZ"
            number = f"{1000 + i}"
        lines.append(f"s1,tri-c,{subject},{number},Course {i},3,A,Fall {2000 + i % 20}")
    return "\n".join(lines).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000, help="course lines per transcript")
    args = parser.parse_args()
    catalog = load_catalog(DEFAULT_CATALOG)
    held = courses(catalog, "tri-c")
    options = ImportOptions(institution="tri-c", as_of=date(2026, 9, 1))
    started = time.perf_counter()
    import_transcripts(catalog, [("warm.csv", transcript("mapped", 1, held), "csv")], options)
    print(json.dumps({"kind": "first-import", "seconds": round(time.perf_counter() - started, 3)}))
    for kind in ("unmapped", "mapped", "other-subject"):
        raw = transcript(kind, args.rows, held)
        started = time.perf_counter()
        result = import_transcripts(catalog, [(f"{kind}.csv", raw, "csv")], options)
        seconds = time.perf_counter() - started
        figure = {
            "kind": kind,
            "rows": args.rows,
            "holdings": len(result.record.holdings),
            "unmapped": len(result.record.unmapped),
            "seconds": round(seconds, 3),
            "lines_per_s": round(args.rows / seconds),
        }
        print(json.dumps(figure))


if __name__ == "__main__":
    main()
