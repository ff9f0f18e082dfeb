"""The generated blocks of data/ohio/COVERAGE.md (``python3 -m pathways.tools.coverage``):
counts per institution from small tables, the bundled document staying in step with its
tables, and a document without its markers left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from pathways.tools.coverage import (
    LEFT_END,
    LEFT_START,
    TABLE_END,
    TABLE_START,
    coverage_table,
    left_out_block,
    rewrite,
    update_file,
)

OHIO = Path(__file__).resolve().parent.parent / "data" / "ohio"

OT36_HEADER = (
    "institution,subject,number,title,credits,credit_unit,ot36_area,lab,oan_code,source,seen"
)
GUIDE_HEADER = (
    "from_institution,from_subject,from_number,from_title,from_credits,to_institution,"
    "to_subject,to_number,to_title,to_credits,oan_code,effective_from,effective_to,source,seen"
)


def _sources(tmp_path: Path) -> Path:
    """Two institutions, one closed; three OT36 rows at the first; one guide row between them."""
    src = tmp_path / "sources"
    (src / "ot36").mkdir(parents=True)
    (src / "equivalencies").mkdir()
    (src / "institutions-x.csv").write_text(
        "id,name,aliases,kind,opeid,ipeds,closed,source,seen\n"
        "cc,Valley CC,,community,,,,https://cc.example.edu,2026-12-04\n"
        "old,Old CC,,community,,,2024-10-31,https://old.example.edu,2026-12-04\n"
    )
    (src / "ot36" / "cc.csv").write_text(
        f"{OT36_HEADER}\n"
        "cc,ENG,101,Composition I,3,semester,eng,,TME001,https://cc.example.edu/ot36,2026-12-04\n"
        "cc,BIO,101,,4,semester,ns,yes,,https://cc.example.edu/ot36,2026-12-04\n"
        'cc,ART,110,"Art, Appreciation",,semester,ah,,,https://cc.example.edu/ot36,2026-12-04\n'
    )
    (src / "ot36" / "old.csv").write_text(f"{OT36_HEADER}\n")
    (src / "equivalencies" / "cc--old.csv").write_text(
        f"{GUIDE_HEADER}\ncc,ENG,101,,,old,ENG,1,,,,,,https://old.example.edu/g,2026-12-04\n"
    )
    return src


def test_table_counts_rows_gaps_and_guide_rows(tmp_path: Path) -> None:
    table = coverage_table(_sources(tmp_path)).splitlines()
    assert table[2] == "| cc | 3 | 1 | 1 | 1 | 1 | math, sbs | 1 / 0 |  |"
    assert table[3] == "| old | 0 | 0 | 0 | 0 | 0 | eng, math, ns, sbs, ah | 0 / 1 | 2024-10-31 |"
    assert table[4] == "| **total** | **3** | | | | | | **1** | |"


def test_bundled_coverage_is_in_step_with_its_tables() -> None:
    text = (OHIO / "COVERAGE.md").read_text(encoding="utf-8")
    table = coverage_table(OHIO / "sources")
    left_out = left_out_block(OHIO / "sources", OHIO, OHIO / "generated")
    assert rewrite(text, table, left_out) == text, (
        "COVERAGE.md is stale: run `python3 -m pathways.tools.coverage`"
    )


def test_rewrite_replaces_only_the_marked_blocks() -> None:
    text = f"intro\n{TABLE_START}\nold\n{TABLE_END}\nmiddle\n{LEFT_START}\nold\n{LEFT_END}\nend\n"
    assert rewrite(text, "T", "L") == (
        f"intro\n{TABLE_START}\nT\n{TABLE_END}\nmiddle\n{LEFT_START}\nL\n{LEFT_END}\nend\n"
    )


def test_missing_marker_is_named_and_the_file_is_left_alone(tmp_path: Path) -> None:
    coverage = tmp_path / "COVERAGE.md"
    coverage.write_text(f"{TABLE_START}\n{TABLE_END}\n")
    with pytest.raises(ValueError, match="left out"):
        update_file(coverage, OHIO / "sources", OHIO, OHIO / "generated")
    assert coverage.read_text() == f"{TABLE_START}\n{TABLE_END}\n"
