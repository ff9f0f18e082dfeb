"""Reading the published catalog: health, credentials (search, filters, pages), stacks,
institutions, policies; the catalog-version header; 404 and 422 for bad ids and values."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_support import memory_app
from fastapi.testclient import TestClient

from api.middleware import CATALOG_VERSION_HEADER
from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.graph import stacks
from pathways.catalog.load import load_catalog


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app, _engine = memory_app()
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def bundled() -> CompiledCatalog:
    return load_catalog()


def test_health_names_published_version(client: TestClient, bundled: CompiledCatalog) -> None:
    reply = client.get("/v1/health")
    assert reply.status_code == 200
    assert reply.json() == {
        "status": "ok",
        "version": 1,
        "catalog_version": bundled.version,
        "database": "sqlite",
    }
    assert reply.headers[CATALOG_VERSION_HEADER] == bundled.version


def test_credentials_list_counts_every_credential(
    client: TestClient, bundled: CompiledCatalog
) -> None:
    ids: list[str] = []
    while True:  # pages of at most 500 (the catalog holds more)
        reply = client.get("/v1/credentials", params={"limit": 500, "offset": len(ids)})
        body = reply.json()
        assert reply.status_code == 200
        assert body["count"] == len(bundled.versions)
        ids += [c["id"] for c in body["data"]]
        if not body["data"]:
            break
    assert ids == sorted(bundled.versions)


def test_credentials_list_pages_without_overlap(client: TestClient) -> None:
    first = client.get("/v1/credentials", params={"limit": 10}).json()
    second = client.get("/v1/credentials", params={"limit": 10, "offset": 10}).json()
    assert first["count"] == second["count"]
    assert len(first["data"]) == len(second["data"]) == 10
    assert first["data"][-1]["id"] < second["data"][0]["id"]


def test_credentials_search_matches_id_or_title_any_case(client: TestClient) -> None:
    body = client.get("/v1/credentials", params={"q": "CYBERSECURITY", "limit": 500}).json()
    ids = {c["id"] for c in body["data"]}
    assert {"tri-c.cert.cybersecurity", "tri-c.aas.cybersecurity"} <= ids
    for item in body["data"]:
        assert "cybersecurity" in item["id"] or "cybersecurity" in item["title"].lower()


def test_credentials_filters_all_apply(client: TestClient, bundled: CompiledCatalog) -> None:
    body = client.get(
        "/v1/credentials",
        params={"kind": "course", "issuer": "tri-c", "subject": "ITNT", "level": "lower",
                "limit": 500},
    ).json()  # fmt: skip
    expected = sorted(
        ident
        for ident, versions in bundled.versions.items()
        if versions[-1].kind == "course"
        and versions[-1].issuer == "tri-c"
        and versions[-1].subject == "ITNT"
        and versions[-1].level == "lower"
    )
    assert expected
    assert [c["id"] for c in body["data"]] == expected
    assert body["count"] == len(expected)


def test_credentials_filter_composite_only(client: TestClient) -> None:
    body = client.get("/v1/credentials", params={"composite": True, "limit": 500}).json()
    assert body["count"] > 0
    assert all(item["composite"] for item in body["data"])


def test_credential_read_returns_catalog_definition(
    client: TestClient, bundled: CompiledCatalog
) -> None:
    reply = client.get("/v1/credentials/tri-c.cert.cybersecurity")
    assert reply.status_code == 200
    body = reply.json()
    definition = bundled.credential("tri-c.cert.cybersecurity")
    assert body["title"] == definition.title
    assert body["requires"] == definition.model_dump(mode="json")["requires"]
    assert body["versions"] == len(bundled.versions["tri-c.cert.cybersecurity"])


def test_credential_read_lists_equivalences(client: TestClient) -> None:
    body = client.get("/v1/credentials/tri-c.eng-1010").json()
    assert "ohio.oan.tme001" in body["member_of"]


def test_credential_unknown_is_404_with_suggestion(client: TestClient) -> None:
    reply = client.get("/v1/credentials/tri-c.cert.cybersecurit")
    assert reply.status_code == 404
    assert "tri-c.cert.cybersecurity" in reply.json()["detail"]


def test_credential_stacks_match_engine(client: TestClient, bundled: CompiledCatalog) -> None:
    reply = client.get("/v1/credentials/tri-c.eng-1010/stacks")
    assert reply.status_code == 200
    expected = stacks(bundled, "tri-c.eng-1010")
    assert reply.json() == {"data": expected, "count": len(expected)}


def test_credential_stacks_unknown_is_404(client: TestClient) -> None:
    assert client.get("/v1/credentials/no.such.thing/stacks").status_code == 404


def test_institutions_filter_by_kind(client: TestClient, bundled: CompiledCatalog) -> None:
    body = client.get("/v1/institutions", params={"kind": "university", "limit": 500}).json()
    expected = sorted(i for i, inst in bundled.institutions.items() if inst.kind == "university")
    assert [i["id"] for i in body["data"]] == expected


def test_institution_read_and_unknown(client: TestClient) -> None:
    assert client.get("/v1/institutions/tri-c").json()["id"] == "tri-c"
    missing = client.get("/v1/institutions/tri-x")
    assert missing.status_code == 404
    assert "tri-c" in missing.json()["detail"]


def test_policies_list_and_read(client: TestClient, bundled: CompiledCatalog) -> None:
    body = client.get("/v1/policies").json()
    assert body["count"] == len(bundled.policies)
    guaranteed = client.get("/v1/policies", params={"guarantee": "guaranteed"}).json()
    assert all(p["guarantee"] == "guaranteed" for p in guaranteed["data"])
    assert client.get("/v1/policies/ohio.itag").json()["guarantee"] == "guaranteed"
    assert client.get("/v1/policies/ohio.nope").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/v1/credentials?limit=0",
        "/v1/credentials?limit=100000",
        "/v1/credentials?offset=-1",
        "/v1/credentials?composite=maybe",
        "/v1/credentials/tri-c.eng-1010?on=yesterday",
        f"/v1/credentials/{'x' * 300}",
        f"/v1/credentials?q={'y' * 300}",
    ],
)
def test_bad_query_or_path_values_are_422(client: TestClient, path: str) -> None:
    reply = client.get(path)
    assert reply.status_code == 422
    assert isinstance(reply.json()["detail"], list)


def test_unknown_route_is_json_404(client: TestClient) -> None:
    reply = client.get("/v1/nothing-here")
    assert reply.status_code == 404
    assert reply.json() == {"detail": "Not Found"}
