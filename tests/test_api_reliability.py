"""Publication is all or nothing, even when the publishing process is killed (SIGKILL) in the
middle of its transaction; readers of a server with two workers never see a half-published
catalog, and every worker serves the latest version as soon as a publication returns.
On SQLite always, and on PostgreSQL when PATHWAYS_TEST_PG_URL is set."""

from __future__ import annotations

import os
import select as io_select
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from api_support import REPO, add_user, database_url, serve
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from api import crud
from api.catalogs import bootstrap, directory_sources
from api.db import make_engine, migrate
from api.main import create_app
from api.middleware import CATALOG_VERSION_HEADER
from api.models import AuditLog, CatalogFile, CatalogVersion
from api.settings import Settings
from pathways.catalog.load import DEFAULT_CATALOG, load_catalog

DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

PUBLISHER = """
import sys, time
from sqlalchemy import event
from sqlmodel import Session
from api import crud
from api.catalogs import directory_sources
from api.db import make_engine
from pathways.catalog.load import load_sources

url, directory, pause_before = sys.argv[1:4]
engine = make_engine(url)
sources = directory_sources(directory)
compiled = load_sources(sources)

@event.listens_for(engine, "after_cursor_execute")
def pause(conn, cursor, statement, parameters, context, executemany):
    if statement.lstrip().upper().startswith(pause_before):
        print("PAUSED", flush=True)
        time.sleep(600)

with Session(engine) as session:
    crud.publish_catalog(session=session, sources=sources, compiled=compiled, actor=None,
                         note="killed")
print("COMMITTED", flush=True)
"""


def _big_catalog(directory: Path, credentials: int = 3000) -> Path:
    """The bundled catalog plus a file of ``credentials`` extra courses."""
    for name, raw in directory_sources(DEFAULT_CATALOG).items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes(raw)
    extra = [
        {
            "id": f"bulk.c{i:05d}",
            "title": f"Bulk course {i}",
            "kind": "course",
            "issuer": "tri-c",
            "credits": 3,
            "subject": "BULK",
            "level": "lower",
        }
        for i in range(credentials)
    ]
    (directory / "bulk.yaml").write_text(yaml.safe_dump({"credentials": extra}), encoding="utf-8")
    return directory


def _wait_for_line(process: subprocess.Popen[bytes], expected: bytes, timeout: float) -> None:
    assert process.stdout is not None
    ready, _, _ = io_select.select([process.stdout], [], [], timeout)
    assert ready, f"the publisher did not print {expected!r} within {timeout} s"
    line = process.stdout.readline().strip()
    assert line == expected, line


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize(
    "pause_before",
    ["INSERT INTO CATALOG_FILE", "INSERT INTO AUDIT_LOG"],
    ids=["after-file-rows", "after-pointer-moved"],
)
def test_publication_killed_midway_leaves_previous_version(
    database: str, pause_before: str, tmp_path: Path
) -> None:
    with database_url(database, tmp_path) as url:
        engine = make_engine(url)
        bootstrap(engine, DEFAULT_CATALOG)
        bundled = load_catalog(DEFAULT_CATALOG)
        big = _big_catalog(tmp_path / "big")
        process = subprocess.Popen(
            [sys.executable, "-c", PUBLISHER, url, str(big), pause_before],
            stdout=subprocess.PIPE,
            cwd=REPO,
        )
        try:
            _wait_for_line(process, b"PAUSED", timeout=120)
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL

        with Session(engine) as session:
            assert crud.publication(engine) == (1, 1)
            assert session.exec(select(func.count()).select_from(CatalogVersion)).one() == 1
            files = session.exec(select(CatalogFile.version_id)).all()
            assert set(files) == {1}
            assert len(files) == len(directory_sources(DEFAULT_CATALOG))
            notes = session.exec(select(CatalogVersion.note)).all()
            assert "killed" not in notes
            actions = session.exec(select(AuditLog.action)).all()
            assert actions == ["catalog.publish"]

        app = create_app(Settings(database_url=url), engine=engine)
        with TestClient(app) as client:
            health = client.get("/v1/health").json()
            assert (health["version"], health["catalog_version"]) == (1, bundled.version)
            listed = client.get("/v1/credentials", params={"q": "bulk."}).json()
            assert listed["count"] == 0
            total = client.get("/v1/credentials").json()["count"]
            assert total == len(bundled.versions)
            # The database is not left locked: the next publication goes through whole.
            header = add_user(engine, "reg", "registrar")
            upload = [("files", (n, raw)) for n, raw in directory_sources(big).items()]
            published = client.post("/v1/catalog", files=upload, headers=header)
            assert published.status_code == 201
            assert client.get("/v1/credentials", params={"q": "bulk."}).json()["count"] == 3000
        engine.dispose()


def _catalog(prefix: str, files: int, per_file: int) -> dict[str, str]:
    """A catalog of ``files`` files, each with ``per_file`` courses whose ids start ``prefix``."""
    return {
        f"{prefix}-{f}.yaml": yaml.safe_dump(
            {
                "credentials": [
                    {
                        "id": f"{prefix}.f{f}.c{i}",
                        "title": f"{prefix} {f}/{i}",
                        "kind": "course",
                        "credits": 3,
                    }
                    for i in range(per_file)
                ]
            }
        )
        for f in range(files)
    }


@pytest.mark.parametrize("database", DATABASES)
def test_concurrent_readers_never_see_half_published_catalog(database: str, tmp_path: Path) -> None:
    first = _catalog("alpha", files=3, per_file=40)
    second = _catalog("beta", files=4, per_file=30)
    expected: dict[str, set[str]] = {}
    for files in (first, second):
        directory = tmp_path / next(iter(files)).split("-")[0]
        directory.mkdir()
        for name, text in files.items():
            (directory / name).write_text(text, encoding="utf-8")
        compiled = load_catalog(directory, cache=False)
        expected[compiled.version] = set(compiled.versions)
    with database_url(database, tmp_path) as url:
        engine = make_engine(url)
        migrate(engine)
        header = add_user(engine, "reg", "registrar")
        engine.dispose()
        with serve(url, catalog=tmp_path / "alpha", workers=2, log=tmp_path / "serve.log") as base:
            seen: list[tuple[str, frozenset[str]]] = []
            errors: list[Any] = []
            stop = threading.Event()

            def read() -> None:
                with httpx.Client(base_url=base, timeout=30) as client:
                    while not stop.is_set():
                        reply = client.get("/v1/credentials", params={"limit": 500})
                        if reply.status_code != 200:
                            errors.append((reply.status_code, reply.text))
                            continue
                        ids = frozenset(c["id"] for c in reply.json()["data"])
                        seen.append((reply.headers[CATALOG_VERSION_HEADER], ids))

            readers = [threading.Thread(target=read) for _ in range(4)]
            for reader in readers:
                reader.start()
            try:
                with httpx.Client(base_url=base, timeout=60, headers=header) as registrar:
                    for round_ in range(8):
                        files = second if round_ % 2 == 0 else first
                        upload = [("files", (n, t.encode())) for n, t in files.items()]
                        reply = registrar.post("/v1/catalog", files=upload)
                        assert reply.status_code == 201, reply.text
                        version = reply.json()["catalog_version"]
                        # Every worker serves it from the next request on (fresh connections
                        # land on either worker).
                        for _ in range(6):
                            health = httpx.get(f"{base}/v1/health", timeout=30).json()
                            assert health["catalog_version"] == version
            finally:
                stop.set()
                for reader in readers:
                    reader.join(timeout=60)
            assert errors == []
            assert {version for version, _ in seen} == set(expected)
            for version, ids in seen:
                assert ids == expected[version]
        log = (tmp_path / "serve.log").read_text(encoding="utf-8")
        assert log.count('"POST /v1/catalog"') == 8
        assert '"GET /v1/health" 200' in log
