"""Verified holdings are appended to a record file; nothing else in it changes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pathways.catalog.model import Holding
from pathways.errors import RecordError
from pathways.interop.records import add_holdings, with_holdings

HOLDING = Holding(
    credential="tri-c.itnt-1500",
    earned=date(2025, 1, 15),
    credits=3,
    issuer="did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
    evidence="urn:uuid:2f2a4d4c-7e49-4c3b-9a57-0d1f4b8a3e11",
    achievement_type="Course",
    alignments=("ce-cf4dee18-7cea-443a-b920-158a0762c6bf",),
)

FLOW = """\
# Jane's record: keep this comment
learner: {id: l-0042, name: Jane Doe, identity: {email: jane@example.org}}
holdings:
  - {credential: comptia.security-plus, earned: 2024-03-15, score: 790}  # first try
  # a comment between entries
  - {badge: badges/jane-python.json}
exceptions: []   # none yet
"""

BLOCK = """\
learner:
  id: l-7
  name: "Sam"   # quoted on purpose
holdings:
- credential: tri-c.eng-1010
  earned: 2023-12-10
  grade: B
"""


def test_flow_record_gains_one_line_and_keeps_everything_else(tmp_path: Path) -> None:
    path = tmp_path / "jane.yaml"
    path.write_text(FLOW)
    assert add_holdings(path, [HOLDING]) == 1
    after = path.read_text()
    before_lines = FLOW.splitlines()
    after_lines = after.splitlines()
    added = [line for line in after_lines if line not in before_lines]
    assert len(after_lines) == len(before_lines) + 1
    assert len(added) == 1
    assert added[0].startswith("  - {credential: tri-c.itnt-1500, earned: 2025-01-15, credits: 3")
    assert after_lines.index(added[0]) == 6  # right after the last holding, before exceptions


def test_block_record_keeps_quotes_comments_and_style(tmp_path: Path) -> None:
    path = tmp_path / "sam.yaml"
    path.write_text(BLOCK)
    add_holdings(path, [HOLDING])
    after = path.read_text()
    assert after.startswith(BLOCK)
    assert "- credential: tri-c.itnt-1500\n  earned: 2025-01-15\n" in after


def test_same_badge_is_not_added_twice(tmp_path: Path) -> None:
    path = tmp_path / "jane.yaml"
    path.write_text(FLOW)
    add_holdings(path, [HOLDING])
    once = path.read_text()
    assert add_holdings(path, [HOLDING]) == 0
    assert path.read_text() == once


def test_json_record_keeps_key_order(tmp_path: Path) -> None:
    path = tmp_path / "jane.json"
    record = {"learner": {"id": "l-1", "name": "Jane"}, "holdings": []}
    path.write_text(json.dumps(record))
    add_holdings(path, [HOLDING])
    data = json.loads(path.read_text())
    assert list(data) == ["learner", "holdings"]
    assert data["holdings"][0]["credential"] == "tri-c.itnt-1500"
    assert data["holdings"][0]["earned"] == "2025-01-15"


def test_invalid_record_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    text = "learner: {name: no id}\nholdings: []\n"
    path.write_text(text)
    with pytest.raises(RecordError, match="would not be valid"):
        add_holdings(path, [HOLDING])
    assert path.read_text() == text
    assert [p.name for p in tmp_path.iterdir()] == ["bad.yaml"]


def test_unreadable_or_non_mapping_record_is_a_record_error(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="cannot read"):
        add_holdings(tmp_path / "missing.yaml", [HOLDING])
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(RecordError, match="mapping"):
        add_holdings(path, [HOLDING])


def test_with_holdings_appends_in_memory_once() -> None:
    from pathways.catalog.model import LearnerRecord

    record = LearnerRecord.model_validate({"learner": {"id": "l-1"}, "holdings": []})
    once = with_holdings(record, [HOLDING])
    assert once.holdings == (HOLDING,)
    assert with_holdings(once, [HOLDING]).holdings == (HOLDING,)
    assert record.holdings == ()
