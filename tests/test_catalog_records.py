"""Learner records: load_record (files, badges inlined) and parse_record (inline, never reads)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pathways.catalog.load import load_record, parse_record
from pathways.errors import RecordError

RECORD = """\
learner:
  id: l-0042
  name: Jane Doe
  catalog_year: 2024
  state: OH
  status: [unemployed]
  identity: {email: jane@example.org}
holdings:
  - {credential: comptia.security-plus, earned: 2024-03-15, score: 790}
  - {credential: tri-c.eng-1010, earned: 2023-12-10, grade: B, at: tri-c}
  - {credential: ohio-bon.lpn-license, earned: 2019-06-01, claimed: 2020-01-15}
  - {credential: tri-c.itnt-1500, status: in_progress}
  - {badge: badges/python.json}
  - {badge: badges/vc.jwt}
exceptions:
  - {waive: Natural Sciences, by: registrar, reason: prior degree}
  - {substitute: tri-c.itnt-1100, for: tri-c.itnt-1500, by: advisor, reason: same content}
"""


def _write(tmp_path: Path, text: str = RECORD) -> Path:
    (tmp_path / "badges").mkdir(exist_ok=True)
    (tmp_path / "badges" / "python.json").write_text(json.dumps({"type": ["VerifiableCredential"]}))
    (tmp_path / "badges" / "vc.jwt").write_text("eyJhbGciOiJFZERTQSJ9.e30.c2ln\n")
    path = tmp_path / "jane.yaml"
    path.write_text(text)
    return path


def test_load_record_reads_every_field(tmp_path: Path) -> None:
    record = load_record(_write(tmp_path))
    assert record.learner.id == "l-0042"
    assert record.learner.identity.email == "jane@example.org"
    assert record.holdings[0].score == 790
    assert record.holdings[1].grade == "B" and record.holdings[1].at == "tri-c"
    assert record.holdings[2].claimed == date(2020, 1, 15)
    assert record.holdings[3].status == "in_progress"
    assert record.exceptions[1].for_ == "tri-c.itnt-1500"


def test_load_record_inlines_badge_files(tmp_path: Path) -> None:
    record = load_record(_write(tmp_path))
    assert record.holdings[4].badge == {"type": ["VerifiableCredential"]}
    assert record.holdings[5].badge == "eyJhbGciOiJFZERTQSJ9.e30.c2ln"


def test_load_record_json(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"learner": {"id": "l-1"}, "holdings": []}))
    assert load_record(path).learner.id == "l-1"


def test_load_record_missing_badge_file_located(tmp_path: Path) -> None:
    path = _write(tmp_path, RECORD.replace("badges/python.json", "badges/missing.json"))
    with pytest.raises(RecordError) as caught:
        load_record(path)
    (error,) = caught.value.errors
    assert (error.line, error.col, error.path) == (13, 6, "holdings.4.badge")
    assert "badge file 'badges/missing.json'" in error.message


def test_load_record_every_error_located(tmp_path: Path) -> None:
    text = RECORD.replace("grade: B", "grade: Q").replace("score: 790", "scroe: 790")
    with pytest.raises(RecordError) as caught:
        load_record(_write(tmp_path, text))
    rendered = str(caught.value).splitlines()
    assert len(rendered) == 2
    assert rendered[0].endswith(
        "jane.yaml:9:61: holdings.0: unknown key 'scroe'; did you mean 'score'?"
    )
    assert "jane.yaml:10:54: holdings.1.grade: should be 'A+', 'A'" in rendered[1]


def test_record_error_under_an_alias_is_named_by_the_alias() -> None:
    text = (
        "learner: {id: l-1}\n"
        "exceptions:\n"
        "  - {substitute: a.b, for: Not_An_Id, by: advisor, reason: same course}\n"
    )
    with pytest.raises(RecordError) as caught:
        parse_record(text, name="r.yaml")
    (error,) = caught.value.errors
    assert (error.line, error.col, error.path) == (3, 23, "exceptions.0.for")
    assert "an id is lowercase letters, digits" in error.message


def test_load_record_unreadable(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="cannot read"):
        load_record(tmp_path / "nope.yaml")


def test_load_record_malformed_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("learner: {id: x\nholdings: []\n")
    with pytest.raises(RecordError, match=r"bad\.yaml:\d+:\d+: YAML syntax"):
        load_record(path)


def test_load_record_refuses_python_tags(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("learner: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(RecordError, match="Python tag"):
        load_record(path)


def test_parse_record_from_text_locates_errors() -> None:
    with pytest.raises(RecordError) as caught:
        parse_record("learner: {id: l-1}\nholdings:\n  - {credential: x}\n", name="upload")
    (error,) = caught.value.errors
    assert str(error) == "upload:3:5: holdings.0: an earned holding needs its earned: date"


def test_parse_record_from_bytes_and_mapping() -> None:
    assert parse_record(b"learner: {id: l-1}\n").learner.id == "l-1"
    record = parse_record({"learner": {"id": "l-2"}, "holdings": [{"badge": "badges/x.json"}]})
    # Inline records never read files: the badge string stays as given.
    assert record.holdings[0].badge == "badges/x.json"


def test_parse_record_mapping_errors_have_paths_without_lines() -> None:
    with pytest.raises(RecordError) as caught:
        parse_record({"learner": {"id": "l-1", "nmae": "x"}})
    (error,) = caught.value.errors
    assert (error.file, error.line, error.path) == ("<record>", None, "learner")
    assert "unknown key 'nmae'; did you mean 'name'?" in error.message


def test_parse_record_top_level_must_be_a_mapping() -> None:
    with pytest.raises(RecordError, match="a learner record is a mapping, not a list"):
        parse_record("- 1\n- 2\n")
