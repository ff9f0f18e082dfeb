"""The service under hostile or careless input (issue 18), on SQLite and on PostgreSQL when
PATHWAYS_TEST_PG_URL is set: far dates, huge numbers, deep JSON, NUL/NaN/Infinity, bodies
sent before signing in, advisor links that outlive a learner, concurrent publications, and
concurrent badge verification. Each answer is a 4xx in the project's words, never a 5xx."""

from __future__ import annotations

import asyncio
import copy
import json
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from api_support import add_user, database_url, sample_record
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session, col, func, select
from test_api_badges import KEY, badge

from api import crud
from api.catalogs import directory_sources
from api.db import make_engine
from api.main import create_app
from api.models import CatalogVersion
from api.settings import Settings
from pathways.catalog.load import DEFAULT_CATALOG, load_catalog, load_sources
from pathways.interop import verify_badge

DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
GOAL = "tri-c.cert.cybersecurity"
AS_OF = "2026-06-01"


class Server:
    def __init__(self, app: FastAPI, client: TestClient, engine: Engine) -> None:
        self.app = app
        self.client = client
        self.engine = engine
        self.registrar = add_user(engine, "reg", "registrar")
        self.advisor = add_user(engine, "adv", "advisor", advisees=("c1",))
        self.learner = add_user(engine, "cara", "learner", learner="c1")


@pytest.fixture(params=DATABASES)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    with database_url(request.param, tmp_path) as url:
        engine = make_engine(url)
        app = create_app(Settings(database_url=url, log_requests=False), engine=engine)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield Server(app, client, engine)
        engine.dispose()


def _record(**change: Any) -> dict[str, Any]:
    record = sample_record("cyber-security-plus.yaml")
    record["holdings"][0].update(change)
    return record


# --------------------------------------------------------------------------- 1. far dates


def test_far_dates_never_answer_500(server: Server) -> None:
    far = _record(earned="9999-12-31")
    reply = server.client.post("/v1/audit", json={"record": far, "goal": GOAL, "as_of": AS_OF})
    assert reply.status_code == 200, reply.text
    for as_of in ("9999-12-31", "0001-01-01"):
        reply = server.client.post(
            "/v1/audit", json={"record": _record(), "goal": GOAL, "as_of": as_of}
        )
        assert reply.status_code == 200, reply.text
    body = {**far["learner"], "id": "c1", "holdings": far["holdings"], "goals": [GOAL]}
    created = server.client.post("/v1/learners", json=body, headers=server.registrar)
    assert created.status_code == 201, created.text
    audit = server.client.get(
        "/v1/learners/c1/audit", params={"goal": GOAL, "as_of": AS_OF}, headers=server.learner
    )
    assert audit.status_code == 200, audit.text
    transfer = server.client.get(
        "/v1/learners/c1/transfer", params={"institution": "wright-state"}, headers=server.learner
    )
    assert transfer.status_code == 200, transfer.text
    catalog = {"files": {k: v.decode() for k, v in directory_sources(DEFAULT_CATALOG).items()}}
    dry_run = server.client.post("/v1/catalog/validate", json=catalog, headers=server.registrar)
    assert dry_run.status_code == 200, dry_run.text
    assert dry_run.json()["checked"] == 1


# --------------------------------------------------------------------------- 2. huge numbers


@pytest.mark.parametrize("credits", [3e8, 1e9, 100000000000000000000])
def test_huge_credits_are_a_located_422(server: Server, credits: float) -> None:
    for route, extra in (("/v1/audit", {"goal": GOAL}), ("/v1/transfer", {"institution": "x"})):
        reply = server.client.post(route, json={"record": _record(credits=credits), **extra})
        assert reply.status_code == 422, reply.text
        errors = reply.json()["errors"]
        assert errors[0]["path"] == "holdings.0.credits"
        assert "at most 1000" in errors[0]["message"]


def test_a_catalog_with_huge_credits_is_refused_whole(server: Server) -> None:
    text = "credentials:\n  - {id: a.b, title: T, kind: course, credits: 100000000000000000000}\n"
    reply = server.client.post(
        "/v1/catalog",
        content=text,
        headers={**server.registrar, "content-type": "application/yaml"},
    )
    assert reply.status_code == 422
    assert reply.json()["errors"][0]["line"] == 2
    assert reply.json()["errors"][0]["path"] == "credentials.0.credits"


# --------------------------------------------------------------------------- 3. deep JSON


def test_a_deep_json_catalog_upload_is_400(server: Server) -> None:
    deep = '{"files": ' + "[" * 100_000 + "]" * 100_000 + "}"
    reply = server.client.post(
        "/v1/catalog",
        content=deep,
        headers={**server.registrar, "content-type": "application/json"},
    )
    assert reply.status_code == 400
    assert reply.json() == {"detail": "the JSON body is nested too deeply"}


# --------------------------------------------------------------------------- 5. NUL, NaN


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "c\x00"}, "id"),
        ({"id": "c2", "name": "A\x00B"}, "name"),
        ({"id": "c2", "holdings": [{"credential": "x.y", "status": "planned", "note": "\x00"}]},
         "note"),
        ({"id": "c2", "holdings": [{"credential": "x.y", "status": "planned", "score": "NaN"}]},
         "finite"),
        ({"id": "c2", "holdings": [{"credential": "x.y", "status": "planned",
                                    "hours": "Infinity"}]}, "finite"),
    ],
)  # fmt: skip
def test_nul_nan_and_infinity_are_refused_at_the_door(
    server: Server, body: dict[str, Any], field: str
) -> None:
    # json.dumps writes NaN and Infinity as bare tokens, as a careless client would.
    raw = json.dumps(body).replace('"NaN"', "NaN").replace('"Infinity"', "Infinity")
    reply = server.client.post(
        "/v1/learners",
        content=raw,
        headers={**server.registrar, "content-type": "application/json"},
    )
    assert reply.status_code == 422, reply.text
    assert field in json.dumps(reply.json())
    assert server.client.get("/v1/learners", headers=server.registrar).json()["count"] == 0


def test_nul_in_stored_paths_queries_and_notes_is_422(server: Server) -> None:
    created = server.client.post("/v1/learners", json={"id": "c1"}, headers=server.registrar)
    assert created.status_code == 201
    replies = [
        server.client.get("/v1/learners/c%00", headers=server.registrar),
        server.client.get("/v1/learners", params={"q": "a\x00"}, headers=server.registrar),
        server.client.patch("/v1/learners/c1", json={"name": "\x00"}, headers=server.registrar),
        server.client.post(
            "/v1/learners/c1/exceptions",
            json={"waive": "Security", "reason": "\x00"},
            headers=server.registrar,
        ),
        server.client.put("/v1/users/adv/advisees/c%00", headers=server.registrar),
        server.client.post(
            "/v1/catalog",
            json={"files": {"a.yaml": "credentials: []"}, "note": "\x00"},
            headers=server.registrar,
        ),
        # Row ids past PostgreSQL's integer range.
        server.client.get(f"/v1/learners/c1/holdings/{2**62}", headers=server.registrar),
        server.client.delete(f"/v1/learners/c1/exceptions/{2**31}", headers=server.registrar),
        server.client.post(f"/v1/catalog/rollback/{2**62}", headers=server.registrar),
    ]
    assert [r.status_code for r in replies] == [422] * len(replies), [r.text for r in replies]


# --------------------------------------------------------------------------- 6. auth first


def _call_without_body(app: FastAPI, path: str, headers: dict[str, str]) -> tuple[int, int]:
    """Call the app with a request whose body is never delivered; the status and how many
    times the body was asked for."""
    reads = 0
    replies: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        replies.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"content-type", b"application/yaml"),
            (b"content-length", str(31 * 2**20).encode()),
            *((k.lower().encode(), v.encode()) for k, v in headers.items()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    return replies[0]["status"], reads


def test_uploads_are_authenticated_before_their_body_is_read(server: Server) -> None:
    advisor = server.advisor
    for path, headers, status in (
        ("/v1/catalog", {}, 401),
        ("/v1/catalog", {"Authorization": "Bearer not-a-token"}, 401),
        ("/v1/catalog", {"Authorization": "Basic abc"}, 401),
        ("/v1/catalog", advisor, 403),
        ("/v1/catalog/validate", {}, 401),
        ("/v1/learners", {}, 401),
        ("/v1/learners/c1/holdings", {}, 401),
    ):
        assert _call_without_body(server.app, path, headers) == (status, 0), (path, headers)
    # A registrar's upload is read (and here refused for its size, 413).
    assert _call_without_body(server.app, "/v1/catalog", server.registrar)[0] == 413
    # Anonymous stateless routes still read their (small) bodies.
    assert _call_without_body(server.app, "/v1/audit", {})[0] == 413


# --------------------------------------------------------------------------- 9. links


def test_deleting_a_learner_ends_the_links_to_it(server: Server) -> None:
    client, registrar = server.client, server.registrar
    assert client.post("/v1/learners", json={"id": "c1"}, headers=registrar).status_code == 201
    assert client.get("/v1/learners/c1", headers=server.advisor).status_code == 200
    assert client.get("/v1/learners/c1", headers=server.learner).status_code == 200
    assert client.delete("/v1/learners/c1", headers=registrar).status_code == 200
    # Someone else gets the id c1.
    other = {"id": "c1", "name": "Someone Else"}
    assert client.post("/v1/learners", json=other, headers=registrar).status_code == 201
    assert client.get("/v1/learners/c1", headers=server.advisor).status_code == 403
    assert client.get("/v1/learners/c1", headers=server.learner).status_code == 403
    assert client.get("/v1/learners", headers=server.advisor).json()["count"] == 0
    me = client.get("/v1/users/me", headers=server.advisor).json()
    assert me["advisees"] == []
    log = client.get("/v1/audit-log", params={"action": "learner.delete"}, headers=registrar).json()
    assert log["data"][0]["detail"] == {
        "advisors_unlinked": ["adv"],
        "accounts_unlinked": ["cara"],
    }


# --------------------------------------------------------------------------- 10. publication


@pytest.mark.postgres
def test_the_newest_upload_is_the_one_published(tmp_path: Path) -> None:
    """An upload numbered first but slow to finish must not overwrite a newer one."""
    with database_url("postgresql", tmp_path) as url:
        engine = make_engine(url)
        create_app(Settings(database_url=url), engine=engine)
        from api.catalogs import bootstrap

        bootstrap(engine, DEFAULT_CATALOG)
        sources = directory_sources(DEFAULT_CATALOG)
        compiled = load_sources(sources)
        paused, release = threading.Event(), threading.Event()

        @event.listens_for(engine, "before_cursor_execute")
        def _pause(*args: Any) -> None:
            statement = args[2]
            first = threading.current_thread().name == "first"
            if first and statement.lstrip().upper().startswith("INSERT INTO CATALOG_FILE"):
                paused.set()
                release.wait(timeout=60)

        def publish(note: str) -> None:
            with Session(engine) as session:
                crud.publish_catalog(
                    session=session, sources=sources, compiled=compiled, actor=None, note=note
                )

        first = threading.Thread(target=publish, args=("first",), name="first")
        second = threading.Thread(target=publish, args=("second",), name="second")
        first.start()
        assert paused.wait(timeout=60)
        second.start()
        second.join(timeout=3)  # with the fix it waits for the first publication's lock
        release.set()
        first.join(timeout=60)
        second.join(timeout=60)
        with Session(engine) as session:
            newest = session.exec(select(func.max(col(CatalogVersion.id)))).one()
            note = session.exec(
                select(CatalogVersion.note).where(CatalogVersion.id == newest)
            ).one()
        pointer = crud.publication(engine)
        assert pointer is not None
        assert pointer[1] == newest
        assert note == "second"
        engine.dispose()


# --------------------------------------------------------------------------- 4. concurrency


def test_equal_badges_get_equal_verdicts_at_any_concurrency() -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    document = badge()
    document.pop("proof")
    document["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetName": f"T{i}", "targetUrl": f"https://example.org/{i}"}
        for i in range(100)
    ]
    signed = KEY.sign(document, created=datetime(2025, 1, 1, tzinfo=UTC))
    verdicts: list[Any] = []
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(3):
                result = verify_badge(
                    copy.deepcopy(signed),
                    catalog=catalog,
                    as_of=date(2026, 3, 1),
                    resolver=None,
                    trust=(KEY.issuer,),
                    identity=None,
                )
                verdicts.append(result.document())
        except BaseException as error:
            failures.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, as a busy server does
    try:
        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
    assert len(verdicts) == 24
    assert all(v == verdicts[0] for v in verdicts)
    assert verdicts[0]["verified"] is True
    assert verdicts[0]["credential"] == "demo.badge.robotics"
