"""Request body limits (413 JSON, declared or streamed) and one log line per request."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from api_support import add_user, memory_app
from fastapi.testclient import TestClient

from api.middleware import CATALOG_VERSION_HEADER

REGISTRAR: dict[str, str] = {}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app, engine = memory_app(max_body_bytes=4096, max_upload_bytes=8192)
    REGISTRAR.update(add_user(engine, "limits-registrar", "registrar"))
    with TestClient(app) as test_client:
        yield test_client


def test_declared_body_over_limit_is_413_json(client: TestClient) -> None:
    reply = client.post(
        "/v1/audit", content=b" " * 5000, headers={"content-type": "application/json"}
    )
    assert reply.status_code == 413
    assert "4096" in reply.json()["detail"]


def test_streamed_body_over_limit_is_413_json(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b" " * 1000

    reply = client.post("/v1/audit", content=chunks(), headers={"content-type": "application/json"})
    assert reply.status_code == 413


def test_catalog_upload_has_its_own_limit(client: TestClient) -> None:
    # Over the general limit but under the upload limit: read and validated (an empty
    # catalog is 422), not 413.
    yaml = {"content-type": "text/yaml", **REGISTRAR}
    reply = client.post("/v1/catalog", content=b"#" * 6000, headers=yaml)
    assert reply.status_code == 422
    over = client.post("/v1/catalog", content=b"#" * 9000, headers=yaml)
    assert over.status_code == 413


def test_an_anonymous_upload_is_401_whatever_its_size(client: TestClient) -> None:
    # Authentication comes before the body: the size is never looked at.
    for size in (6000, 9000, 10**6):
        reply = client.post(
            "/v1/catalog", content=b"#" * size, headers={"content-type": "text/yaml"}
        )
        assert reply.status_code == 401
        assert reply.headers["www-authenticate"] == "Bearer"


def test_one_log_line_per_request(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="pathways.api"):
        client.get("/v1/health")
        client.get("/v1/credentials/no.such")
        client.post("/v1/audit", content=b" " * 5000, headers={"content-type": "application/json"})
    lines = [r.getMessage() for r in caplog.records if r.name == "pathways.api"]
    assert len(lines) == 3
    assert '"GET /v1/health" 200' in lines[0]
    assert "catalog=" in lines[0]
    assert '"GET /v1/credentials/no.such" 404' in lines[1]
    assert '"POST /v1/audit" 413' in lines[2]


def test_catalog_version_header_only_where_the_catalog_was_read(client: TestClient) -> None:
    assert CATALOG_VERSION_HEADER in client.get("/v1/policies").headers
    assert CATALOG_VERSION_HEADER not in client.get("/v1/users/me").headers
