"""The worker processes of api/workers.py: the pooled path answers exactly what the in-process
path answers (badge verdicts, catalog errors, transcript imports), and the pool starts lazily,
stays bounded, drops the queued jobs of cancelled or timed-out requests, survives a killed
worker and stops with the app."""

from __future__ import annotations

import asyncio
import copy
import os
import pickle
import signal
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from api_support import add_user, memory_app
from fastapi.testclient import TestClient
from test_api_badges import AS_OF, KEY, badge

from api.workers import Job, Workers, WorkersUnavailable
from pathways.catalog.compile import CatalogProblems, Problem
from pathways.errors import CatalogError, LocatedError, PathwaysError, UnknownIdError
from pathways.interop import check_badge
from pathways.interop.transcripts import TranscriptError

DEEP = 3000


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _gone(pids: list[int], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while any(_alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _nested(depth: int) -> dict[str, Any]:
    document: dict[str, Any] = {"type": "VerifiableCredential"}
    for _ in range(depth):
        document = {"type": "VerifiableCredential", "inner": document}
    return document


def _tampered() -> dict[str, Any]:
    document = copy.deepcopy(badge())
    document["name"] = "Something else"
    return document


BADGES: list[dict[str, Any]] = [
    {"badge": badge(), "trust": [KEY.issuer], "as_of": AS_OF},
    {"badge": badge(), "as_of": AS_OF},
    {"badge": _tampered(), "trust": [KEY.issuer], "as_of": AS_OF},
    {"badge": badge("did:example:other"), "identity": {"did": "did:example:jane"}},
    {"badge": "not a badge"},
    {"badge": "eyJhbGciOiJub25lIn0.e30."},
    {"badge": {"a": 1}},
    {"badge": {**badge(), "@context": ["https://example.org/unbundled"]}},
    {"badge": {"type": "VerifiableCredential", "x": [{}] * 3000}},
    {"badge": "x" * 100},
    {"badge": badge(), "as_of": "1990-01-01"},
    {"trust": [KEY.issuer]},
    {"badge": badge(), "trust": ["a" * 600]},
]
"""Requests to POST /v1/badges/verify: verdicts of every kind, and bodies refused with 422."""

CATALOGS: list[dict[str, Any]] = [
    {"files": {"a.yaml": "credentials: [{id: 1}]\nfoo: ["}},
    {"files": {"a.yaml": "credentials: []\n"}},
    {"files": {"a.yaml": "credentials:\n  - id: x\n    kind: nonsense\n"}},
]
"""Catalog uploads that do not load: each must give the same located errors either way."""


TRANSCRIPTS = Path(__file__).resolve().parent.parent / "data" / "transcripts"

IMPORTS: list[dict[str, Any]] = [
    {"files": [{"name": f.name, "content": f.read_text()} for f in sorted(TRANSCRIPTS.iterdir())]},
    {"files": [{"name": "t.csv", "content": "subject,number\nITNT,1500\n"}], "learner": "x"},
    {"files": [{"name": "t.xml", "content": "<CollegeTranscript><Student>"}]},
    {"files": [{"name": "t.csv", "content": "student_id,subject,number,credits,grade,term\n"
                "s1,ITNT,1500,lots,A,Fall 2024\n"}], "institution": "tri-c"},
]  # fmt: skip
"""Transcript imports: a whole record, and files that cannot be read (located 422s)."""


Apps = dict[str, tuple[TestClient, dict[str, str]]]
"""The in-process and the pooled app, each with a registrar's Authorization header."""


@pytest.fixture(scope="module")
def apps() -> Iterator[Apps]:
    served: Apps = {}
    clients = []
    for name, count in (("in-process", 0), ("pooled", 2)):
        app, engine = memory_app(cpu_workers=count)
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        served[name] = (client, add_user(engine, "reg", "registrar"))
    yield served
    for client in clients:
        client.__exit__(None, None, None)


def _same_reply(apps: Apps, route: str, body: dict[str, Any]) -> tuple[int, Any]:
    """POST ``body`` (as a registrar) to both apps: their status and JSON, which must agree."""
    replies = [client.post(route, json=body, headers=reg) for client, reg in apps.values()]
    assert replies[0].status_code == replies[1].status_code
    assert replies[0].json() == replies[1].json()
    return replies[0].status_code, replies[0].json()


@pytest.mark.parametrize("body", BADGES, ids=range(len(BADGES)))
def test_pooled_verdicts_equal_in_process_verdicts(apps: Apps, body: dict[str, Any]) -> None:
    status, _reply = _same_reply(apps, "/v1/badges/verify", body)
    assert status in (200, 422)


@pytest.mark.parametrize("upload", CATALOGS, ids=range(len(CATALOGS)))
def test_pooled_catalog_errors_equal_in_process_errors(apps: Apps, upload: dict[str, Any]) -> None:
    for route, expected in (("/v1/catalog", 422), ("/v1/catalog/validate", 200)):
        status, reply = _same_reply(apps, route, upload)
        assert status == expected
        assert reply.get("errors")


@pytest.mark.parametrize("body", IMPORTS, ids=range(len(IMPORTS)))
def test_pooled_transcript_imports_equal_in_process_imports(
    apps: Apps, body: dict[str, Any]
) -> None:
    _status, reply = _same_reply(apps, "/v1/records/import", body)
    assert reply.get("record") or reply.get("errors")


def test_pool_starts_lazily_and_stops_with_the_app() -> None:
    app, _engine = memory_app(cpu_workers=2)
    workers: Workers = app.state.workers
    with TestClient(app) as client:
        client.get("/v1/health")
        assert workers.processes() == []
        body = {"badge": badge(), "trust": [KEY.issuer], "as_of": AS_OF}
        assert client.post("/v1/badges/verify", json=body).json()["verified"] is True
        pids = workers.processes()
        assert 1 <= len(pids) <= 2
        assert all(_alive(pid) for pid in pids)
    assert workers.processes() == []
    assert _gone(pids)


def test_too_deep_to_pickle_runs_in_the_caller_with_the_same_verdict() -> None:
    workers = Workers(1, seconds=60, resolver=None)
    try:
        document = _nested(DEEP)
        job = workers.check_badge(document, as_of=date(2026, 3, 1), trust=(), identity=None)
        assert workers.call(job) == check_badge(document, as_of=date(2026, 3, 1))
        assert workers.processes() == []
    finally:
        workers.shutdown()


def test_a_timed_out_job_answers_unavailable_and_keeps_the_pool_bounded() -> None:
    workers = Workers(1, seconds=0.5, resolver=None)
    try:
        with pytest.raises(WorkersUnavailable, match=r"did not finish within 0\.5 s"):
            workers.call(Job(time.sleep, time.sleep, (2,)))
        assert len(workers.processes()) == 1
        workers.seconds = 60
        assert workers.call(Job(abs, abs, (-3,))) == 3
        assert len(workers.processes()) == 1
    finally:
        pids = workers.processes()
        workers.shutdown()
    assert _gone(pids)


def test_cancelled_requests_drop_their_queued_jobs(tmp_path: Path) -> None:
    workers = Workers(1, seconds=60, resolver=None)
    marks = [tmp_path / f"job-{index}" for index in range(4)]

    async def scenario() -> None:
        busy = asyncio.ensure_future(workers.run(Job(time.sleep, time.sleep, (1.5,))))
        await asyncio.sleep(0.3)
        queued = [
            asyncio.ensure_future(workers.run(Job(Path.touch, Path.touch, (mark,))))
            for mark in marks
        ]
        await asyncio.sleep(0.1)
        for task in queued:
            task.cancel()
        await busy
        await asyncio.gather(*queued, return_exceptions=True)

    try:
        workers.call(Job(abs, abs, (0,)))  # the pool is up before the clock starts
        asyncio.run(scenario())
        time.sleep(0.5)
        ran = [mark.exists() for mark in marks]
        # The executor hands at most one job per process ahead to its queue; the rest of a
        # cancelled request's jobs never run.
        assert not ran[-1]
        assert sum(ran) <= 2
        assert len(workers.processes()) == 1
    finally:
        pids = workers.processes()
        workers.shutdown()
    assert _gone(pids)


def test_a_killed_worker_answers_unavailable_and_the_next_job_gets_a_new_pool() -> None:
    workers = Workers(1, seconds=60, resolver=None)
    try:
        assert workers.call(Job(abs, abs, (-1,))) == 1
        [pid] = workers.processes()
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(WorkersUnavailable, match="stopped"):
            workers.call(Job(time.sleep, time.sleep, (0.1,)))
        assert workers.call(Job(abs, abs, (-2,))) == 2
        assert workers.processes() != [pid]
    finally:
        pids = workers.processes()
        workers.shutdown()
    assert _gone(pids)


@pytest.mark.parametrize(
    "error",
    [
        CatalogError([LocatedError("a.yaml", 3, 1, "credentials.0", "bad")]),
        CatalogProblems([Problem("credentials", 0, ("id",), "twice", ("credentials", 2, ()))]),
        TranscriptError([LocatedError("t.csv", 2, 4, "credits", "'lots' is not a number")]),
        UnknownIdError("institution", "tric", ["tri-c", "osu", "trick", "tric-x"]),
    ],
    ids=lambda error: type(error).__name__,
)
def test_errors_cross_to_and_from_workers_whole(error: PathwaysError) -> None:
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert str(back) == str(error)
    assert vars(back) == vars(error)
