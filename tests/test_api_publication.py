"""Catalog publication on a real database (SQLite file; PostgreSQL when PATHWAYS_TEST_PG_URL
is set): upload forms, located 422s that change nothing, the dry run, versions and rollback,
other processes picking up a new version, body limits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from api_support import add_user, database_url, sample_record
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from api.catalogs import directory_sources
from api.db import make_engine
from api.main import create_app
from api.middleware import CATALOG_VERSION_HEADER
from api.models import AuditLog, CatalogFile, CatalogVersion
from api.settings import Settings
from pathways.catalog.load import DEFAULT_CATALOG

SMALL = """\
institutions:
  - {id: east, name: East College, kind: community-college, state: OH}
credentials:
  - {id: east.c101, title: Course 101, kind: course, issuer: east, credits: 3}
  - {id: east.c102, title: Course 102, kind: course, issuer: east, credits: 3}
  - id: east.cert
    title: Certificate
    kind: certificate
    issuer: east
    requires: {all: [{has: east.c101}, {has: east.c102}]}
"""


class Server:
    def __init__(self, url: str, client: TestClient, engine: Engine) -> None:
        self.url = url
        self.client = client
        self.engine = engine
        self.registrar = add_user(engine, "reg", "registrar")

    def publish(self, **kwargs: Any) -> Any:
        return self._post("/v1/catalog", **kwargs)

    def validate(self, **kwargs: Any) -> Any:
        return self._post("/v1/catalog/validate", **kwargs)

    def _post(self, path: str, **kwargs: Any) -> Any:
        headers = {**kwargs.pop("headers", {}), **self.registrar}
        return self.client.post(path, headers=headers, **kwargs)

    def health(self) -> dict[str, Any]:
        reply: dict[str, Any] = self.client.get("/v1/health").json()
        return reply

    def counts(self) -> tuple[int, int, int]:
        with Session(self.engine) as session:
            return (
                session.exec(select(func.count()).select_from(CatalogVersion)).one(),
                session.exec(select(func.count()).select_from(CatalogFile)).one(),
                session.exec(select(func.count()).select_from(AuditLog)).one(),
            )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    with database_url(request.param, tmp_path) as url:
        engine = make_engine(url)
        settings = Settings(database_url=url, max_upload_bytes=4 * 2**20)
        with TestClient(create_app(settings, engine=engine)) as client:
            yield Server(url, client, engine)
        engine.dispose()


def _yaml(text: str) -> dict[str, Any]:
    return {"content": text.encode(), "headers": {"content-type": "application/yaml"}}


def test_first_start_publishes_bundled_catalog_as_version_1(server: Server) -> None:
    health = server.health()
    assert health["version"] == 1
    versions = server.client.get("/v1/catalog/versions", headers=server.registrar).json()
    assert versions["count"] == 1
    assert versions["data"][0]["published"] is True
    assert versions["data"][0]["files"] == len(directory_sources(DEFAULT_CATALOG))


def test_publish_yaml_body_is_201_and_served_at_once(server: Server) -> None:
    reply = server.publish(**_yaml(SMALL), params={"note": "east only"})
    assert reply.status_code == 201
    body = reply.json()
    assert (body["version"], body["credentials"], body["note"]) == (2, 3, "east only")
    assert server.health()["catalog_version"] == body["catalog_version"]
    listed = server.client.get("/v1/credentials").json()
    assert [c["id"] for c in listed["data"]] == ["east.c101", "east.c102", "east.cert"]


def test_publish_multipart_files_keeps_each_file(server: Server) -> None:
    files = [
        ("files", ("a/institutions.yaml", SMALL.split("credentials:")[0], "application/yaml")),
        ("files", ("b/credentials.yaml", "credentials:" + SMALL.split("credentials:")[1])),
    ]
    reply = server.publish(files=files, data={"note": "two files"})
    assert reply.status_code == 201, reply.text
    assert reply.json()["files"] == 2
    with Session(server.engine) as session:
        names = session.exec(
            select(CatalogFile.name).where(CatalogFile.version_id == reply.json()["version"])
        ).all()
    assert sorted(names) == ["a/institutions.yaml", "b/credentials.yaml"]


def test_publish_json_files(server: Server) -> None:
    reply = server.publish(json={"files": {"east.yaml": SMALL}, "note": "json"})
    assert reply.status_code == 201
    assert reply.json()["note"] == "json"


def test_same_content_has_same_hash_as_cli(server: Server) -> None:
    from pathways.catalog.load import load_catalog

    files = [("files", (name, raw)) for name, raw in directory_sources(DEFAULT_CATALOG).items()]
    reply = server.publish(files=files)
    assert reply.status_code == 201
    assert reply.json()["catalog_version"] == load_catalog(DEFAULT_CATALOG).version


@pytest.mark.parametrize(
    ("upload", "where"),
    [
        ("credentials:\n  - id: east.c101\n    title: x\n    kind: corse\n", ("catalog.yaml", 4)),
        (
            "credentials:\n  - {id: a, title: A, kind: course, prerequisites: {has: b}}\n",
            ("catalog.yaml", 2),
        ),
        ("credentials: [\n", ("catalog.yaml", None)),
        ("", ("<upload>", None)),
    ],
)
def test_rejected_upload_is_422_located_and_changes_nothing(
    server: Server, upload: str, where: tuple[str, int | None]
) -> None:
    before_health, before_counts = server.health(), server.counts()
    reply = server.publish(**_yaml(upload))
    assert reply.status_code == 422
    errors = reply.json()["errors"]
    assert errors
    assert set(errors[0]) == {"file", "line", "col", "path", "message"}
    assert errors[0]["file"] == where[0]
    if where[1] is not None:
        assert errors[0]["line"] == where[1]
    assert server.health() == before_health
    assert server.counts() == before_counts


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"content": b"x", "headers": {"content-type": "image/png"}}, 415),
        ({"content": b"{", "headers": {"content-type": "application/json"}}, 422),
        ({"json": {"files": {"a.yaml": 3}}}, 422),
        ({"json": {"files": {"a.yaml": SMALL}, "extra": 1}}, 422),
        ({"json": {"files": {}}}, 422),
        ({"files": [("files", ("a.yaml", SMALL)), ("files", ("a.yaml", SMALL))]}, 422),
        ({"files": [("files", ("a.yaml", SMALL))], "data": {"surprise": "1"}}, 422),
    ],
)
def test_malformed_upload_is_4xx_and_changes_nothing(
    server: Server, kwargs: dict[str, Any], status: int
) -> None:
    before = server.counts()
    reply = server.publish(**kwargs)
    assert reply.status_code == status, reply.text
    assert "detail" in reply.json()
    assert server.counts() == before


def test_upload_over_limit_is_413(server: Server) -> None:
    big = b"# padding\n" * (5 * 2**20 // 10)
    before = server.counts()
    declared = server.publish(content=big, headers={"content-type": "application/yaml"})
    assert declared.status_code == 413

    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b"#" * 2**20

    streamed = server.publish(content=chunks(), headers={"content-type": "application/yaml"})
    assert streamed.status_code == 413
    assert server.counts() == before


def _bundled_files(*, harder: bool) -> list[tuple[str, tuple[str, bytes]]]:
    """The bundled catalog's files (multipart), the cybersecurity certificate made harder."""
    sources = directory_sources(DEFAULT_CATALOG)
    data = yaml.safe_load(sources["programs-tri-c.yaml"])
    for credential in data["credentials"]:
        if harder and credential["id"] == "tri-c.cert.cybersecurity":
            credential["credits"] = 60
    sources["programs-tri-c.yaml"] = yaml.safe_dump(data, sort_keys=False).encode()
    return [("files", (name, raw)) for name, raw in sources.items()]


def test_validate_reports_whose_status_would_change(server: Server) -> None:
    record = sample_record("cyber-security-plus.yaml")
    body = {
        **record["learner"],
        "holdings": record["holdings"],
        "goals": ["tri-c.cert.cybersecurity", "tri-c.aas.cybersecurity"],
    }
    assert (
        server.client.post("/v1/learners", json=body, headers=server.registrar).status_code == 201
    )
    before = server.counts()
    params = {"as_of": "2026-06-01"}
    harder = server.validate(files=_bundled_files(harder=True), params=params).json()
    assert harder["valid"] is True
    assert harder["checked"] == 2
    assert [(c["learner"], c["goal"], c["before"], c["after"]) for c in harder["changes"]] == [
        ("l-cyber-01", "tri-c.cert.cybersecurity", "complete", "in_progress")
    ]
    same = server.validate(files=_bundled_files(harder=False), params=params).json()
    assert (same["valid"], same["checked"], same["changes"]) == (True, 2, [])
    assert server.counts() == before


def test_validate_goal_gone_is_not_evaluable(server: Server) -> None:
    assert server.publish(**_yaml(SMALL)).status_code == 201
    holdings = [
        {"credential": "east.c101", "earned": "2025-01-01"},
        {"credential": "east.c102", "earned": "2025-05-01"},
    ]
    body = {"id": "l-east", "holdings": holdings, "goals": ["east.cert"]}
    assert (
        server.client.post("/v1/learners", json=body, headers=server.registrar).status_code == 201
    )
    without = SMALL[: SMALL.index("  - id: east.cert")]
    reply = server.validate(**_yaml(without)).json()
    assert reply["valid"] is True
    [change] = reply["changes"]
    assert (change["learner"], change["before"], change["after"]) == (
        "l-east",
        "complete",
        "not_evaluable",
    )
    assert "east.cert" in change["reason"]


def test_validate_invalid_upload_lists_errors_and_writes_nothing(server: Server) -> None:
    before = server.counts()
    reply = server.validate(**_yaml("credentials: [{id: A}]\n"))
    assert reply.status_code == 200
    body = reply.json()
    assert body["valid"] is False
    assert {e["path"] for e in body["errors"]} >= {"credentials.0.id"}
    assert server.counts() == before


def test_rollback_serves_earlier_version_and_history_grows(server: Server) -> None:
    bundled = server.health()["catalog_version"]
    published = server.publish(**_yaml(SMALL)).json()
    reply = server.client.post("/v1/catalog/rollback/1", headers=server.registrar)
    assert reply.status_code == 200
    assert reply.json()["published"] is True
    assert server.health() == {**server.health(), "version": 1, "catalog_version": bundled}
    versions = server.client.get("/v1/catalog/versions", headers=server.registrar).json()
    assert [(v["version"], v["published"]) for v in versions["data"]] == [(2, False), (1, True)]
    again = server.client.post(
        f"/v1/catalog/rollback/{published['version']}", headers=server.registrar
    )
    assert again.json()["catalog_version"] == published["catalog_version"]
    third = server.publish(**_yaml(SMALL.replace("Course 101", "Course One")))
    assert third.json()["version"] == 3
    actions = [
        e["action"]
        for e in server.client.get("/v1/audit-log", headers=server.registrar).json()["data"]
    ]
    assert actions[:4] == [
        "catalog.publish",
        "catalog.rollback",
        "catalog.rollback",
        "catalog.publish",
    ]


def test_other_process_serves_new_version_on_next_request(server: Server) -> None:
    other_engine = make_engine(server.url)
    other = create_app(Settings(database_url=server.url), engine=other_engine)
    with TestClient(other) as other_client:
        first = other_client.get("/v1/health").json()
        published = server.publish(**_yaml(SMALL)).json()
        reply = other_client.get("/v1/credentials")
        assert reply.headers[CATALOG_VERSION_HEADER] == published["catalog_version"]
        assert reply.json()["count"] == 3
        server.client.post("/v1/catalog/rollback/1", headers=server.registrar)
        assert other_client.get("/v1/health").json() == first
    other_engine.dispose()


@pytest.mark.parametrize("cpu_workers", [0, 1])
def test_a_version_another_process_published_is_compiled_in_a_worker(
    server: Server, cpu_workers: int
) -> None:
    other_engine = make_engine(server.url)
    other = create_app(
        Settings(database_url=server.url, cpu_workers=cpu_workers), engine=other_engine
    )
    with TestClient(other) as other_client:
        other_client.get("/v1/health")
        assert other.state.workers.processes() == []  # the first catalog: compiled in-process
        published = server.publish(**_yaml(SMALL)).json()
        reply = other_client.get("/v1/credentials")
        assert reply.headers[CATALOG_VERSION_HEADER] == published["catalog_version"]
        assert reply.json()["count"] == 3
        assert len(other.state.workers.processes()) == cpu_workers
    other_engine.dispose()


def test_interval_check_serves_cached_version_between_checks(server: Server) -> None:
    other_engine = make_engine(server.url)
    lazy = create_app(
        Settings(database_url=server.url, catalog_check_interval=3600), engine=other_engine
    )
    with TestClient(lazy) as lazy_client:
        first = lazy_client.get("/v1/health").json()
        server.publish(**_yaml(SMALL))
        assert lazy_client.get("/v1/health").json() == first
    other_engine.dispose()
