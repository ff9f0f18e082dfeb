"""Stateless planning: POST /v1/plan and /v1/compare return the CLI's ``plan --json`` and
``compare --json`` documents, accept /v1/audit's body, and keep the anonymous caps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from api_support import LEARNERS, memory_app, sample_record
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pathways import plan as planning
from pathways import solver
from pathways.cli import app as cli
from pathways.options import Options

AS_OF = "2026-06-01"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app, _engine = memory_app(anonymous_max_holdings=30)
    with TestClient(app) as test_client:
        yield test_client


def _cli_json(*args: str) -> Any:
    result = CliRunner().invoke(cli, [*args, "--as-of", AS_OF, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_plan_returns_cli_json_document(client: TestClient) -> None:
    record = sample_record("cyber-security-plus.yaml")
    body = {
        "record": record,
        "goal": "tri-c.aas.cybersecurity",
        "as_of": AS_OF,
        "optimize": "cost",
        "alternatives": 1,
    }
    reply = client.post("/v1/plan", json=body)
    assert reply.status_code == 200, reply.text
    expected = _cli_json(
        "plan",
        str(LEARNERS / "cyber-security-plus.yaml"),
        "--goal",
        "tri-c.aas.cybersecurity",
        "--optimize",
        "cost",
        "--alternatives",
        "1",
    )
    assert reply.json() == expected
    assert reply.json()["status"] == "plannable"


def test_plan_accepts_the_audit_body(client: TestClient) -> None:
    body = {
        "record": sample_record("cyber-security-plus.yaml"),
        "goal": "tri-c.cert.cybersecurity",
        "as_of": AS_OF,
        "projected": True,
        "include_discretionary": True,
    }
    reply = client.post("/v1/plan", json=body)
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] in {"complete", "plannable"}


def test_compare_returns_cli_json_document(client: TestClient) -> None:
    record = sample_record("ladder-accounting.yaml")
    goals = ["tri-c.cert.accounting", "tri-c.aa.business-ogtp"]
    reply = client.post("/v1/compare", json={"record": record, "goals": goals, "as_of": AS_OF})
    assert reply.status_code == 200, reply.text
    expected = _cli_json("compare", str(LEARNERS / "ladder-accounting.yaml"), "--goals", *goals)
    assert reply.json() == expected
    assert {g["goal"] for g in reply.json()["goals"]} == set(goals)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/plan", {"goal": "no.such.goal"}),
        ("/v1/plan", {"goal": "tri-c.aa", "optimize": "speed"}),
        ("/v1/plan", {"goal": "tri-c.aa", "alternatives": 50}),
        ("/v1/compare", {"goals": []}),
        ("/v1/compare", {"goals": ["tri-c.aa", "no.such.goal"]}),
    ],
)
def test_bad_plan_requests_are_422(client: TestClient, path: str, body: dict[str, Any]) -> None:
    reply = client.post(path, json={"record": {"learner": {"id": "x"}}, **body})
    assert reply.status_code == 422
    assert "detail" in reply.json()


def test_anonymous_plan_over_record_cap_is_422(client: TestClient) -> None:
    holdings = [{"credential": "tri-c.eng-1010", "earned": "2024-05-01", "grade": "B"}] * 31
    record = {"learner": {"id": "big"}, "holdings": holdings}
    reply = client.post("/v1/plan", json={"record": record, "goal": "tri-c.aa"})
    assert reply.status_code == 422


def test_plan_out_of_time_is_503(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    limits: list[float] = []

    def out_of_time(catalog: Any, record: Any, goal: str, options: Options, **kwargs: Any) -> Any:
        limits.append(options.time_limit)
        raise solver.SolverTimeout("no plan found within the solver's time limit")

    monkeypatch.setattr(planning, "plan", out_of_time)
    body = {"record": sample_record("cyber-security-plus.yaml"), "goal": "tri-c.aa"}
    reply = client.post("/v1/plan", json=body)
    assert reply.status_code == 503
    assert limits == [5.0]
