"""``/docs`` works without internet: every script, style and icon it loads is served by the app."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from api_support import memory_app
from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app, engine = memory_app()
    with TestClient(app) as test_client:
        yield test_client
    engine.dispose()


def test_docs_page_loads_only_local_assets(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page.text)
    urls += re.findall(r"""url:\s*["']([^"']+)["']""", page.text)
    assert urls, page.text
    remote = [u for u in urls if re.match(r"(?i)(https?:)?//", u)]
    assert remote == [], f"/docs loads {remote} from the internet"
    assert "/openapi.json" in urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    script = client.get("/docs/assets/swagger-ui-bundle.js")
    assert "javascript" in script.headers["content-type"]
    assert len(script.content) > 100_000  # the real Swagger UI bundle, not a stand-in
    assert "text/css" in client.get("/docs/assets/swagger-ui.css").headers["content-type"]


def test_openapi_document_still_lists_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/v1/audit" in paths and "/docs" not in paths
