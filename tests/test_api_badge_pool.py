"""Badges inline in a record that POST /v1/audit, /v1/transfer and /v1/plan read are checked in
the worker processes (api/workers.py), not the server's: the pooled app answers exactly what
the in-process one answers (verdicts, reasons, error documents), on SQLite and PostgreSQL, and
a busy pool answers 503."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import add_user, database_url
from fastapi.testclient import TestClient
from test_api_badges import AS_OF, KEY, badge

from api.db import make_engine
from api.main import create_app
from api.settings import Settings

GOAL = "demo.badge.robotics"


def _tampered() -> dict[str, Any]:
    document = copy.deepcopy(badge())
    document["name"] = "Something else"
    return document


def _record(*documents: Any, identity: dict[str, str] | None = None) -> dict[str, Any]:
    learner: dict[str, Any] = {"id": "l-jane"}
    if identity is not None:
        learner["identity"] = identity
    return {"learner": learner, "holdings": [{"badge": d} for d in documents]}


RECORDS: list[tuple[dict[str, Any], list[str]]] = [
    (_record(badge(), identity={"did": "did:example:jane"}), [KEY.issuer]),
    (_record(badge()), []),
    (_record(_tampered()), [KEY.issuer]),
    (_record(badge("did:example:other"), identity={"did": "did:example:jane"}), [KEY.issuer]),
    (_record("not a badge", {"a": 1}, "eyJhbGciOiJub25lIn0.e30."), []),
    (_record({"type": "VerifiableCredential", "x": [{}] * 3000}), []),
    (_record(badge(), badge()), [KEY.issuer]),
    ({"learner": {"id": "l-jane"}, "holdings": [{"badge": 7}]}, []),
]
"""Records with inline badges of every verdict, and one the record schema refuses (422)."""

ROUTES = [
    ("/v1/audit", {"goal": GOAL}),
    ("/v1/transfer", {"institution": "tri-c"}),
    ("/v1/plan", {"goal": GOAL}),
]

Apps = dict[str, tuple[TestClient, Any]]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def apps(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Apps]:
    served: Apps = {}
    with database_url(request.param, tmp_path_factory.mktemp("db")) as url:
        engine = make_engine(url)
        clients = []
        for name, count in (("in-process", 0), ("pooled", 2)):
            client = TestClient(
                create_app(Settings(database_url=url, cpu_workers=count), engine=engine)
            )
            client.__enter__()
            clients.append(client)
            served[name] = (client, client.app)
        yield served
        for client in clients:
            client.__exit__(None, None, None)
        engine.dispose()


@pytest.mark.parametrize("route", ROUTES, ids=[r for r, _ in ROUTES])
@pytest.mark.parametrize("case", range(len(RECORDS)))
def test_pooled_badge_checks_answer_as_in_process(
    apps: Apps, route: tuple[str, dict[str, Any]], case: int
) -> None:
    path, extra = route
    record, trust = RECORDS[case]
    body = {"record": record, "trust": trust, "as_of": AS_OF, **extra}
    replies = [client.post(path, json=body) for client, _ in apps.values()]
    assert replies[0].status_code == replies[1].status_code, replies[1].text
    assert replies[0].json() == replies[1].json()
    assert replies[0].status_code in (200, 422)
    pooled = apps["pooled"][1].state.workers
    assert pooled.processes(), "the pooled app checked no badge in a worker process"


def test_a_trusted_badge_counts_and_a_tampered_one_does_not(apps: Apps) -> None:
    client = apps["pooled"][0]
    good, trust = RECORDS[0]
    body = {"record": good, "trust": trust, "as_of": AS_OF, "goal": GOAL}
    assert client.post("/v1/audit", json=body).json()["status"] == "complete"
    bad, trust = RECORDS[2]
    reply = client.post("/v1/audit", json={**body, "record": bad}).json()
    assert reply["status"] != "complete"
    assert any(u["reason_code"] == "unverified" for u in reply["unused"])


def test_records_without_badges_start_no_worker(tmp_path: Path) -> None:
    with database_url("sqlite", tmp_path) as url:
        engine = make_engine(url)
        app = create_app(Settings(database_url=url, cpu_workers=1), engine=engine)
        with TestClient(app) as client:
            body = {"record": {"learner": {"id": "x"}}, "goal": GOAL, "as_of": AS_OF}
            assert client.post("/v1/audit", json=body).status_code == 200
            assert app.state.workers.processes() == []
            record, trust = RECORDS[0]
            reply = client.post("/v1/audit", json={**body, "record": record, "trust": trust})
            assert reply.json()["status"] == "complete"
            assert len(app.state.workers.processes()) == 1
        engine.dispose()


def test_a_busy_pool_answers_503_with_retry_after(tmp_path: Path) -> None:
    with database_url("sqlite", tmp_path) as url:
        engine = make_engine(url)
        settings = Settings(database_url=url, cpu_workers=1, cpu_job_seconds=0.001)
        app = create_app(settings, engine=engine)
        with TestClient(app) as client:
            record, trust = RECORDS[0]
            body = {"record": record, "trust": trust, "goal": GOAL, "as_of": AS_OF}
            reply = client.post("/v1/audit", json=body)
            assert reply.status_code == 503
            assert reply.headers["Retry-After"] == "5"
            assert "did not finish within" in reply.json()["detail"]
            learner = add_user(engine, "reg", "registrar")
            assert client.get("/v1/health", headers=learner).status_code == 200
        engine.dispose()
