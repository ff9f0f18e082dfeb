"""POST /v1/records/import: transcripts inline make the record and report that
``import-transcript --json`` prints; bad files answer 422 with located errors; nothing is
stored; the record it returns audits through POST /v1/audit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import REPO, add_user, memory_app
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.models import HoldingRow, Learner, UnmappedRow
from pathways.cli import app as cli

SAMPLES = REPO / "data" / "transcripts"
AS_OF = "2026-12-01"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[TestClient, Engine]]:
    app, engine = memory_app()
    with TestClient(app) as test_client:
        yield test_client, engine


@pytest.fixture(scope="module")
def client(served: tuple[TestClient, Engine]) -> TestClient:
    return served[0]


def _file(path: Path, **extra: Any) -> dict[str, Any]:
    return {"name": path.name, "content": path.read_text(encoding="utf-8"), **extra}


def test_import_returns_the_cli_json_document(client: TestClient) -> None:
    files = [SAMPLES / "tri-c.xml", SAMPLES / "wright-state.xml"]
    reply = client.post(
        "/v1/records/import",
        json={"files": [_file(f) for f in files], "learner": "l-api", "as_of": AS_OF},
    )
    assert reply.status_code == 200, reply.text
    done = CliRunner().invoke(
        cli,
        ["import-transcript", *map(str, files), "--learner", "l-api", "--as-of", AS_OF, "--json"],
    )
    assert done.exit_code == 0, done.output
    expected = json.loads(done.stdout)
    for name in ("files",):
        for entry in expected["report"][name]:
            entry["file"] = Path(entry["file"]).name
    for section in ("holdings", "unmapped"):
        for entry in expected["report"][section]:
            entry["source"] = entry["source"].replace(str(SAMPLES) + "/", "")
    for entry in [*expected["record"]["holdings"], *expected["record"].get("unmapped", [])]:
        for key in ("note", "source"):
            if key in entry:
                entry[key] = entry[key].replace(str(SAMPLES) + "/", "")
    assert reply.json() == expected


def test_imported_record_audits_with_unmapped_lines_not_counted(client: TestClient) -> None:
    body = {
        "files": [_file(SAMPLES / "tri-c.xml"), _file(SAMPLES / "tri-c-summer.csv")],
        "as_of": AS_OF,
    }
    imported = client.post("/v1/records/import", json=body).json()
    assert imported["record"]["learner"]["id"] == "S0048213"
    decision = client.post(
        "/v1/audit",
        json={"record": imported["record"], "goal": "tri-c.cert.accounting", "as_of": AS_OF},
    )
    assert decision.status_code == 200, decision.text
    unmapped = [u for u in decision.json()["unused"] if u["reason_code"] == "unmapped"]
    assert [u["reason"].split(":")[0] for u in unmapped] == [
        "CVT 1000 College Success Seminar (tri-c, Fall 2024)",
        "CVT 1010 Career Planning (tri-c, Summer 2025)",
    ]


def test_explicit_format_and_mapping_table(client: TestClient) -> None:
    csv = "student_id,institution,subject,number,grade,term\nS1,Tri-C,CVT,1000,P,Fall 2024\n"
    table = "institution,subject,number,title,credential\ntri-c,CVT,1000,,tri-c.itnt-1100\n"
    reply = client.post(
        "/v1/records/import",
        json={"files": [{"name": "h.txt", "content": csv, "format": "csv"}], "mapping": table},
    )
    assert reply.status_code == 200, reply.text
    holdings = reply.json()["record"]["holdings"]
    assert [h["credential"] for h in holdings] == ["tri-c.itnt-1100"]


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ('<?xml version="1.0"?>\n<!DOCTYPE t [<!ENTITY a "b">]>\n<t>&a;</t>', (2, 1)),
        ("<CollegeTranscript>\n<Student>\n</CollegeTranscript>", (3, 3)),
    ],
)
def test_unreadable_file_answers_422_located(
    client: TestClient, content: str, where: tuple[int, int]
) -> None:
    reply = client.post(
        "/v1/records/import", json={"files": [{"name": "t.xml", "content": content}]}
    )
    assert reply.status_code == 422
    (error,) = reply.json()["errors"]
    assert (error["file"], error["line"], error["col"]) == ("t.xml", *where)


def test_a_transcript_past_the_line_cap_answers_422_at_its_first_line_past_it(
    client: TestClient,
) -> None:
    from pathways.interop.transcripts import MAX_TRANSCRIPT_LINES

    rows = ["subject,number,grade,term,institution"]
    rows += [f"ZZZ,{1000 + i},A,Fall 2024,Tri-C" for i in range(MAX_TRANSCRIPT_LINES + 1)]
    reply = client.post(
        "/v1/records/import",
        json={"files": [{"name": "big.csv", "content": "\n".join(rows)}], "learner": "l"},
    )
    assert reply.status_code == 422
    (error,) = reply.json()["errors"]
    assert (error["file"], error["line"], error["col"]) == ("big.csv", MAX_TRANSCRIPT_LINES + 2, 1)


def test_bad_options_answer_422(client: TestClient) -> None:
    raw = "subject,number,grade,term,institution\nENG,1010,A,Fall 2024,Tri-C\n"
    no_learner = client.post(
        "/v1/records/import", json={"files": [{"name": "a.csv", "content": raw}]}
    )
    assert no_learner.status_code == 422 and "learner" in no_learner.json()["detail"]
    unknown = client.post(
        "/v1/records/import",
        json={"files": [{"name": "a.csv", "content": raw}], "learner": "l", "institution": "tric"},
    )
    assert unknown.status_code == 422
    empty = client.post("/v1/records/import", json={"files": []})
    assert empty.status_code == 422


def test_import_stores_nothing(served: tuple[TestClient, Engine]) -> None:
    client, engine = served
    body = {"files": [_file(SAMPLES / "tri-c.xml")], "learner": "l-not-stored"}
    assert client.post("/v1/records/import", json=body).status_code == 200
    assert "/v1/records/import" in client.get("/openapi.json").json()["paths"]
    with Session(engine) as session:
        assert session.get(Learner, "l-not-stored") is None
        rows = select(HoldingRow).where(HoldingRow.learner_id == "l-not-stored")
        assert session.exec(rows).all() == []


def test_learner_route_stores_the_import_in_their_record(served: tuple[TestClient, Engine]) -> None:
    client, engine = served
    registrar = add_user(engine, "reg-transcripts", "registrar")
    own = add_user(engine, "learner-renata", "learner", learner="l-renata")
    other = add_user(engine, "learner-other", "learner", learner="l-other")
    created = client.post("/v1/learners", json={"id": "l-renata"}, headers=registrar)
    assert created.status_code == 201, created.text
    body = {"files": [_file(SAMPLES / "tri-c.xml")], "as_of": AS_OF}
    assert client.post("/v1/learners/l-renata/transcripts", json=body).status_code == 401
    denied = client.post("/v1/learners/l-renata/transcripts", json=body, headers=other)
    assert denied.status_code == 403
    bad = {"files": [{"name": "t.xml", "content": "<CollegeTranscript>"}]}
    refused = client.post("/v1/learners/l-renata/transcripts", json=bad, headers=own)
    assert refused.status_code == 422 and refused.json()["errors"][0]["file"] == "t.xml"
    stored = client.post("/v1/learners/l-renata/transcripts", json=body, headers=own)
    assert stored.status_code == 201, stored.text
    record = client.get("/v1/learners/l-renata/record", headers=own).json()
    assert record["learner"]["id"] == "l-renata"
    assert len(record["holdings"]) == len(stored.json()["report"]["holdings"]) == 10
    assert [u["line"] for u in record["unmapped"]] == [
        "CVT 1000 College Success Seminar (tri-c, Fall 2024)"
    ]
    decision = client.get(
        "/v1/learners/l-renata/audit",
        params={"goal": "tri-c.cert.accounting", "as_of": AS_OF},
        headers=own,
    ).json()
    assert decision["status"] == "complete"
    assert [u["reason_code"] for u in decision["unused"]][-1] == "unmapped"
    assert client.delete("/v1/learners/l-renata", headers=registrar).status_code == 200
    with Session(engine) as session:
        assert session.exec(select(UnmappedRow)).all() == []
