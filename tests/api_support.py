"""Helpers for the API tests (``tests/test_api_*.py``): databases, apps, accounts, servers.

* :func:`postgres_schema` — a fresh PostgreSQL schema on ``PATHWAYS_TEST_PG_URL`` (dropped
  afterwards), as a URL whose connections use it; tests call :func:`require_postgres` first,
  which skips with the reason when the variable is not set;
* :func:`memory_app` — an app on an in-memory SQLite engine (``StaticPool``) with the bundled
  catalog published, for fast unit-level tests;
* :func:`add_user` — an account and its ``Authorization`` header;
* :func:`serve` — ``pathways serve`` in a subprocess on a free loopback port.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from api import crud
from api.catalogs import bootstrap
from api.db import make_engine
from api.main import create_app
from api.settings import Settings
from pathways.catalog.load import DEFAULT_CATALOG

PG_ENV = "PATHWAYS_TEST_PG_URL"
REPO = Path(__file__).resolve().parent.parent
LEARNERS = REPO / "data" / "learners"


def require_postgres() -> str:
    """The PostgreSQL URL to test against, or skip the test saying how to enable it."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(
            f"PostgreSQL tests need {PG_ENV}, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
    return url


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """A URL on a fresh, empty schema of ``base_url``'s database; dropped on exit."""
    schema = f"pathways_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def database_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database of ``kind`` (``sqlite``: a file under ``tmp_path``; ``postgresql``)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'pathways.db'}"
    else:
        with postgres_schema(require_postgres()) as url:
            yield url


def memory_engine() -> Engine:
    """An in-memory SQLite engine (one shared connection)."""
    return make_engine("sqlite://")


def memory_app(**settings: Any) -> tuple[FastAPI, Engine]:
    """An app on a fresh in-memory database, migrated, with the bundled catalog published."""
    engine = memory_engine()
    bootstrap(engine, DEFAULT_CATALOG)
    app = create_app(Settings(database_url="sqlite://", **settings), engine=engine)
    return app, engine


def add_user(
    engine: Engine,
    name: str,
    role: str,
    *,
    learner: str | None = None,
    advisees: tuple[str, ...] = (),
) -> dict[str, str]:
    """Create an account; return its ``Authorization`` header."""
    with Session(engine) as session:
        _user, token = crud.create_user(
            session=session, name=name, role=role, learner_id=learner, advisees=advisees
        )
    return {"Authorization": f"Bearer {token}"}


def sample_record(name: str) -> dict[str, Any]:
    """A bundled sample learner as JSON data (dates as strings), as a client would send it."""
    data = yaml.safe_load((LEARNERS / name).read_text(encoding="utf-8"))
    loaded: dict[str, Any] = json.loads(json.dumps(data, default=_iso))
    return loaded


def _iso(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def yaml_text(data: Mapping[str, Any]) -> str:
    """A catalog file's text."""
    text: str = yaml.safe_dump(dict(data), sort_keys=False)
    return text


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(
    db_url: str,
    *,
    catalog: Path = DEFAULT_CATALOG,
    workers: int = 2,
    log: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Run ``pathways serve`` on a free loopback port; yield its base URL; stop it after."""
    port = free_port()
    out = open(log, "wb") if log is not None else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pathways.cli",
            "serve",
            "--db",
            db_url,
            "--catalog",
            str(catalog),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        stdout=out,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        cwd=REPO,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"pathways serve exited with {process.returncode}")
            try:
                if httpx.get(f"{base}/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("pathways serve did not answer within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log is not None:
            out.close()  # type: ignore[union-attr]
