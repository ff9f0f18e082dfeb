"""Stateless evaluation: POST /v1/audit and /v1/transfer return the CLI's --json document;
records are validated with located errors; anonymous calls are capped in record size and
solver time; the server never reads a path named in a request."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from api_support import LEARNERS, add_user, memory_app, sample_record
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from pathways import solver
from pathways.catalog import load
from pathways.cli import app as cli

AS_OF = "2026-06-01"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[TestClient, Engine]]:
    app, engine = memory_app(anonymous_max_holdings=20, max_holdings=40)
    with TestClient(app) as client:
        yield client, engine


@pytest.fixture(scope="module")
def client(served: tuple[TestClient, Engine]) -> TestClient:
    return served[0]


def _cli_json(*args: str) -> Any:
    result = CliRunner().invoke(cli, [*args, "--as-of", AS_OF, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("sample", "goal", "projected"),
    [
        ("cyber-security-plus.yaml", "tri-c.cert.cybersecurity", False),
        ("cyber-security-plus.yaml", "tri-c.aas.cybersecurity", True),
        ("advisor-exceptions.yaml", "tri-c.aas.cybersecurity", False),
    ],
)
def test_audit_returns_cli_json_document(
    client: TestClient, sample: str, goal: str, projected: bool
) -> None:
    body = {"record": sample_record(sample), "goal": goal, "as_of": AS_OF, "projected": projected}
    reply = client.post("/v1/audit", json=body)
    assert reply.status_code == 200
    flags = ["--projected"] if projected else []
    expected = _cli_json("audit", str(LEARNERS / sample), "--goal", goal, *flags)
    assert reply.json() == expected


def test_transfer_returns_cli_json_document(client: TestClient) -> None:
    body = {"record": sample_record("lpn-to-rn.yaml"), "institution": "tri-c", "as_of": AS_OF}
    reply = client.post("/v1/transfer", json=body)
    assert reply.status_code == 200
    expected = _cli_json("transfer", str(LEARNERS / "lpn-to-rn.yaml"), "--to", "tri-c")
    assert reply.json() == expected


def test_include_discretionary_counts_possible_credit_toward_goals_only(
    client: TestClient,
) -> None:
    # A statement's guaranteed total never includes possible credit, whatever the flag;
    # an audit counts it when asked (issue 14).
    record = sample_record("microbachelors-tesu.yaml")
    plain = client.post(
        "/v1/transfer", json={"record": record, "institution": "tesu", "as_of": AS_OF}
    ).json()
    generous = client.post(
        "/v1/transfer",
        json={"record": record, "institution": "tesu", "as_of": AS_OF,
              "include_discretionary": True},
    ).json()  # fmt: skip
    assert plain["possible"] == generous["possible"] == 21
    assert plain["credits"] == generous["credits"] == 0
    body = {"record": record, "goal": "tesu.ba.liberal-studies", "as_of": AS_OF}
    audits = [
        client.post("/v1/audit", json={**body, "include_discretionary": flag}).json()
        for flag in (False, True)
    ]
    assert audits[1]["credits"]["applied"] == audits[0]["credits"]["applied"] + 21


def test_audit_unknown_goal_is_422_with_suggestions(client: TestClient) -> None:
    body = {"record": sample_record("cyber-security-plus.yaml"), "goal": "tri-c.cert.cybersec"}
    reply = client.post("/v1/audit", json=body)
    assert reply.status_code == 422
    assert "tri-c.cert.cybersecurity" in reply.json()["suggestions"]


def test_transfer_unknown_institution_is_422(client: TestClient) -> None:
    body = {"record": sample_record("lpn-to-rn.yaml"), "institution": "nowhere"}
    reply = client.post("/v1/transfer", json=body)
    assert reply.status_code == 422
    assert "nowhere" in reply.json()["detail"]


def test_audit_bad_record_lists_located_errors(client: TestClient) -> None:
    record = {
        "learner": {"name": "no id"},
        "holdings": [{"credential": "tri-c.eng-1010", "grade": "Z", "earned": "2024-01-01"}],
    }
    reply = client.post("/v1/audit", json={"record": record, "goal": "tri-c.aa"})
    assert reply.status_code == 422
    paths = {error["path"] for error in reply.json()["errors"]}
    assert {"learner", "holdings.0.grade"} <= paths


@pytest.mark.parametrize(
    "body",
    [
        {"goal": "tri-c.aa"},
        {"record": [], "goal": "tri-c.aa"},
        {"record": {"learner": {"id": "x"}}, "goal": ""},
        {"record": {"learner": {"id": "x"}}, "goal": "tri-c.aa", "as_of": "soon"},
        {"record": {"learner": {"id": "x"}}, "goal": "tri-c.aa", "surprise": 1},
        {"record": {"learner": {"id": "x"}}, "goal": "g" * 1000},
    ],
)
def test_audit_bad_body_is_422_json(client: TestClient, body: dict[str, Any]) -> None:
    reply = client.post("/v1/audit", json=body)
    assert reply.status_code == 422
    assert "detail" in reply.json()


def test_audit_body_not_json_is_4xx_json(client: TestClient) -> None:
    reply = client.post(
        "/v1/audit", content=b"\xff\xfe{not json", headers={"content-type": "application/json"}
    )
    assert 400 <= reply.status_code < 500
    assert "detail" in reply.json()


def _holdings(count: int) -> list[dict[str, Any]]:
    return [{"credential": "tri-c.eng-1010", "earned": "2024-05-01", "grade": "B"}] * count


def test_anonymous_record_over_cap_is_422(client: TestClient) -> None:
    record = {"learner": {"id": "big"}, "holdings": _holdings(21)}
    reply = client.post("/v1/audit", json={"record": record, "goal": "tri-c.aa"})
    assert reply.status_code == 422
    assert "sign in" in reply.json()["detail"]


def test_signed_in_record_over_anonymous_cap_is_accepted(
    served: tuple[TestClient, Engine],
) -> None:
    client, engine = served
    header = add_user(engine, "cap-advisor", "advisor")
    record = {"learner": {"id": "big"}, "holdings": _holdings(21)}
    reply = client.post("/v1/audit", json={"record": record, "goal": "tri-c.aa"}, headers=header)
    assert reply.status_code == 200
    over = {"learner": {"id": "big"}, "holdings": _holdings(41)}
    assert (
        client.post("/v1/audit", json={"record": over, "goal": "tri-c.aa"}, headers=header)
    ).status_code == 422


def test_solver_time_cap_is_503_json(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    limits: list[float] = []

    def out_of_time(
        problem: solver.Problem, time_limit: float = 10.0, method: str | None = None
    ) -> solver.Solution:
        limits.append(time_limit)
        raise solver.SolverTimeout("no allocation in time")

    monkeypatch.setattr(solver, "solve", out_of_time)
    body = {"record": sample_record("cyber-security-plus.yaml"), "goal": "tri-c.aas.cybersecurity"}
    reply = client.post("/v1/audit", json=body)
    assert reply.status_code == 503
    assert "time limit" in reply.json()["detail"]
    assert limits == [5.0]


def test_invalid_token_is_401_even_where_anonymous_is_allowed(client: TestClient) -> None:
    body = {"record": sample_record("cyber-security-plus.yaml"), "goal": "tri-c.aa"}
    for header in ("Bearer not-a-token", "Basic dXNlcjpwdw=="):
        reply = client.post("/v1/audit", json=body, headers={"Authorization": header})
        assert reply.status_code == 401
        assert reply.headers["www-authenticate"] == "Bearer"


def test_badge_text_is_never_read_as_a_path(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    badge_file = tmp_path / "badge.json"
    badge_file.write_text("{}", encoding="utf-8")

    def no_reading(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the server read a file named in a request")

    monkeypatch.setattr(load, "_read", no_reading)
    monkeypatch.setattr(load, "load_record", no_reading)
    record = {"learner": {"id": "b"}, "holdings": [{"badge": str(badge_file)}]}
    reply = client.post("/v1/audit", json={"record": record, "goal": "tri-c.aa", "as_of": AS_OF})
    assert reply.status_code == 200
    unused = reply.json()["unused"]
    assert [u["reason_code"] for u in unused] == ["unverified"]
