"""Stored learner records against a real database (a SQLite file, and PostgreSQL when
PATHWAYS_TEST_PG_URL is set): create, read, update, delete; holdings and exceptions; the
stored audit equals the stateless one; every change is in the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import add_user, database_url, sample_record
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api import crud
from api.db import make_engine
from api.main import create_app
from api.models import ExceptionRow, HoldingRow
from api.settings import Settings

AS_OF = "2026-06-01"


class Server:
    def __init__(self, client: TestClient, engine: Engine) -> None:
        self.client = client
        self.engine = engine
        self.registrar = add_user(engine, "reg", "registrar")
        self.advisor = add_user(engine, "adv", "advisor", advisees=("l-cyber-01",))
        self.learner = add_user(engine, "marcus", "learner", learner="l-cyber-01")

    def create(self, record: dict[str, Any], **extra: Any) -> Any:
        body = {**record["learner"], "holdings": record.get("holdings", []), **extra}
        reply = self.client.post("/v1/learners", json=body, headers=self.registrar)
        assert reply.status_code == 201, reply.text
        return reply.json()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    with database_url(request.param, tmp_path) as url:
        engine = make_engine(url)
        app = create_app(Settings(database_url=url), engine=engine)
        with TestClient(app) as client:
            yield Server(client, engine)
        engine.dispose()


def test_create_then_read_record_round_trips(server: Server) -> None:
    record = sample_record("cyber-security-plus.yaml")
    created = server.create(record, goals=["tri-c.cert.cybersecurity"])
    assert created["id"] == "l-cyber-01"
    assert created["goals"] == ["tri-c.cert.cybersecurity"]
    assert created["created_at"].endswith("Z")
    stored = server.client.get("/v1/learners/l-cyber-01/record", headers=server.learner).json()
    assert stored["learner"]["name"] == record["learner"]["name"]
    assert [h["credential"] for h in stored["holdings"]] == [
        h["credential"] for h in record["holdings"]
    ]


def test_create_existing_id_is_409(server: Server) -> None:
    record = sample_record("cyber-security-plus.yaml")
    server.create(record)
    reply = server.client.post("/v1/learners", json={"id": "l-cyber-01"}, headers=server.advisor)
    assert reply.status_code == 409


def test_stored_audit_equals_stateless_audit(server: Server) -> None:
    record = sample_record("advisor-exceptions.yaml")
    server.create({"learner": record["learner"], "holdings": record["holdings"]})
    for exception in record["exceptions"]:
        body = {k: v for k, v in exception.items() if k != "by"}
        added = server.client.post(
            "/v1/learners/l-exc-13/exceptions", json=body, headers=server.registrar
        )
        assert added.status_code == 201
        assert added.json()["by"] == "reg"
    params = {"goal": "tri-c.aas.cybersecurity", "as_of": AS_OF}
    stored = server.client.get(
        "/v1/learners/l-exc-13/audit", params=params, headers=server.registrar
    ).json()
    sent = {**record, "exceptions": [{**e, "by": "reg"} for e in record["exceptions"]]}
    stateless = server.client.post("/v1/audit", json={"record": sent, **params}).json()
    assert stored == stateless
    assert stored["waived"] == ["Cybersecurity capstone"]


def test_holdings_keep_their_place_when_replaced(server: Server) -> None:
    server.create(sample_record("cyber-security-plus.yaml"))
    base = "/v1/learners/l-cyber-01/holdings"
    before = server.client.get(base, headers=server.learner).json()
    second = before["data"][1]
    changed = {k: v for k, v in second.items() if k != "id" and v not in (None, [], ())}
    changed["grade"] = "A"
    reply = server.client.put(f"{base}/{second['id']}", json=changed, headers=server.learner)
    assert reply.status_code == 200
    after = server.client.get(base, headers=server.learner).json()
    assert [h["id"] for h in after["data"]] == [h["id"] for h in before["data"]]
    assert after["data"][1]["grade"] == "A"


def test_holding_credits_stay_exact(server: Server) -> None:
    server.create({"learner": {"id": "l-q"}, "holdings": []})
    holding = {"credential": "tri-c.eng-1010", "earned": "2024-01-01", "credits": "8/3"}
    added = server.client.post("/v1/learners/l-q/holdings", json=holding, headers=server.registrar)
    assert added.status_code == 201
    record = server.client.get("/v1/learners/l-q/record", headers=server.registrar).json()
    assert record["holdings"][0]["credits"] == pytest.approx(8 / 3)
    with Session(server.engine) as session:
        rows = crud.list_holdings(session=session, learner_id="l-q")
    assert rows[0].document["credits"] == "8/3"


def test_bad_holding_is_422_and_nothing_is_added(server: Server) -> None:
    server.create({"learner": {"id": "l-b"}})
    for bad in (
        {"credential": "tri-c.eng-1010"},  # earned without a date
        {"credential": "X Y", "earned": "2024-01-01"},
        {"badge": {"a": 1}, "credential": "tri-c.eng-1010", "earned": "2024-01-01"},
        {"credential": "tri-c.eng-1010", "earned": "2024-01-01", "grade": "Q"},
    ):
        reply = server.client.post("/v1/learners/l-b/holdings", json=bad, headers=server.registrar)
        assert reply.status_code == 422, bad
    assert (
        server.client.get("/v1/learners/l-b/holdings", headers=server.registrar).json()["count"]
        == 0
    )


def test_exception_needs_waive_or_substitute_for(server: Server) -> None:
    server.create({"learner": {"id": "l-e"}})
    for bad in (
        {"reason": "nothing to waive"},
        {"waive": "X", "substitute": "tri-c.eng-1010", "for": "tri-c.eng-1020", "reason": "r"},
        {"substitute": "tri-c.eng-1010", "reason": "for what?"},
        {"waive": "X", "reason": ""},
        {"waive": "X", "reason": "r", "by": "someone else"},
    ):
        reply = server.client.post(
            "/v1/learners/l-e/exceptions", json=bad, headers=server.registrar
        )
        assert reply.status_code == 422, bad
    assert (
        server.client.get("/v1/learners/l-e/exceptions", headers=server.registrar).json()["count"]
        == 0
    )


def test_update_changes_only_given_fields(server: Server) -> None:
    server.create(sample_record("cyber-security-plus.yaml"))
    reply = server.client.patch(
        "/v1/learners/l-cyber-01", json={"goals": ["tri-c.aa"]}, headers=server.advisor
    )
    assert reply.status_code == 200
    body = reply.json()
    assert body["goals"] == ["tri-c.aa"]
    assert body["name"] == "Marcus Bell"
    assert body["catalog_year"] == 2025
    cleared = server.client.patch(
        "/v1/learners/l-cyber-01", json={"goals": None, "name": None}, headers=server.advisor
    ).json()
    assert cleared["goals"] == []
    assert cleared["name"] is None


def test_delete_learner_removes_holdings_and_exceptions(server: Server) -> None:
    server.create(sample_record("cyber-security-plus.yaml"))
    server.client.post(
        "/v1/learners/l-cyber-01/exceptions",
        json={"waive": "x", "reason": "y"},
        headers=server.advisor,
    )
    reply = server.client.delete("/v1/learners/l-cyber-01", headers=server.registrar)
    assert reply.status_code == 200
    assert server.client.get("/v1/learners/l-cyber-01", headers=server.registrar).status_code == 404
    with Session(server.engine) as session:
        assert session.exec(select(HoldingRow)).all() == []
        assert session.exec(select(ExceptionRow)).all() == []


def test_audit_log_records_who_changed_what(server: Server) -> None:
    server.create({"learner": {"id": "l-log"}})
    server.client.put("/v1/users/adv/advisees/l-log", headers=server.registrar)
    server.client.post(
        "/v1/learners/l-log/exceptions", json={"waive": "w", "reason": "r"}, headers=server.advisor
    )
    entries = server.client.get("/v1/audit-log", headers=server.registrar).json()["data"]
    actions = [(e["actor"], e["action"], e["target"]) for e in entries]
    assert actions[:3] == [
        ("adv", "exception.add", "l-log"),
        ("reg", "advisee.add", "l-log"),
        ("reg", "learner.create", "l-log"),
    ]
    only = server.client.get(
        "/v1/audit-log", params={"action": "learner.create"}, headers=server.registrar
    ).json()
    assert {e["action"] for e in only["data"]} == {"learner.create"}


def test_learner_audit_unknown_goal_is_422(server: Server) -> None:
    server.create(sample_record("cyber-security-plus.yaml"))
    reply = server.client.get(
        "/v1/learners/l-cyber-01/audit", params={"goal": "no.such.goal"}, headers=server.learner
    )
    assert reply.status_code == 422


def test_registrar_exceptions_stored_and_applied(server: Server) -> None:
    # also_allow / change_limit through the API (issue 14), and a 422 naming the closest
    # held credential when the learner does not hold what an exception names.
    record = sample_record("one-year-option.yaml")
    server.create(record, goals=["tri-c.ats"])
    learner = record["learner"]["id"]
    url = f"/v1/learners/{learner}/exceptions"
    bad = {"also_allow": "tri-c.eng-1011", "in": "General education", "reason": "r"}
    reply = server.client.post(url, json=bad, headers=server.registrar)
    assert reply.status_code == 422
    assert "tri-c.eng-1010" in reply.text
    for good in (
        {"change_limit": "General education", "credits": 12, "reason": "petition"},
        {"also_allow": "tri-c.eng-1010", "in": "Non-technical studies", "reason": "petition"},
    ):
        reply = server.client.post(url, json=good, headers=server.registrar)
        assert reply.status_code == 201, reply.text
    audit = server.client.get(
        f"/v1/learners/{learner}/audit",
        params={"goal": "tri-c.ats", "as_of": AS_OF},
        headers=server.registrar,
    ).json()
    assert [e["kind"] for e in audit["exceptions"]] == ["change_limit", "also_allow"]
    assert all(e["by"] == "reg" for e in audit["exceptions"])
