"""Badges over HTTP: POST /v1/badges/verify gives import-badge's verdict; POST
/v1/learners/{id}/badges adds what a verified, trusted badge proves (once), and refuses one
that does not count. Every test runs twice: with the checks on the request's thread
(``cpu_workers=0``) and in the worker processes (api/workers.py)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from api_support import add_user, memory_app
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from pathways.interop.signing import SigningKey

KEY = SigningKey.generate()
ROBOTICS = "https://example.org/robotics-badge.json"  # demo.badge.robotics in the bundled catalog
AS_OF = "2026-03-01"


def badge(subject: str = "did:example:jane") -> dict[str, Any]:
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:6a3b1f0e-63a4-4b5e-9d1c-2f6f0c1d7e11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": KEY.issuer, "type": ["Profile"], "name": "Robotics Club"},
        "validFrom": "2025-01-15T00:00:00Z",
        "name": "Robotics",
        "credentialSubject": {
            "id": subject,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": ROBOTICS,
                "type": ["Achievement"],
                "name": "Robotics",
                "description": "Builds robots.",
                "criteria": {"narrative": "Build one."},
            },
        },
    }
    signed: dict[str, Any] = KEY.sign(document, created=datetime(2025, 1, 1, tzinfo=UTC))
    return signed


@pytest.fixture(scope="module", params=[0, 2], ids=["in-process", "pooled"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[TestClient, Engine]]:
    app, engine = memory_app(cpu_workers=request.param)
    with TestClient(app) as client:
        yield client, engine


@pytest.fixture(scope="module")
def client(served: tuple[TestClient, Engine]) -> TestClient:
    return served[0]


def test_verify_trusted_badge_maps_to_catalog_credential(client: TestClient) -> None:
    body = {"badge": badge(), "trust": [KEY.issuer], "as_of": AS_OF}
    reply = client.post("/v1/badges/verify", json=body)
    assert reply.status_code == 200
    result = reply.json()
    assert (result["verified"], result["reason_code"], result["credential"]) == (
        True,
        None,
        "demo.badge.robotics",
    )
    assert result["holding"]["credential"] == "demo.badge.robotics"


def test_verify_untrusted_issuer_is_verified_but_does_not_count(client: TestClient) -> None:
    result = client.post("/v1/badges/verify", json={"badge": badge(), "as_of": AS_OF}).json()
    assert (result["verified"], result["reason_code"]) == (True, "untrusted_issuer")


def test_verify_tampered_badge_is_bad_proof(client: TestClient) -> None:
    tampered = copy.deepcopy(badge())
    tampered["name"] = "Something else"
    result = client.post(
        "/v1/badges/verify", json={"badge": tampered, "trust": [KEY.issuer], "as_of": AS_OF}
    ).json()
    assert (result["verified"], result["reason_code"]) == (False, "bad_proof")


@pytest.mark.parametrize("document", ["not a badge", "eyJhbGciOiJub25lIn0.e30.", {"a": 1}])
def test_verify_garbage_is_a_verdict_not_an_error(client: TestClient, document: Any) -> None:
    reply = client.post("/v1/badges/verify", json={"badge": document})
    assert reply.status_code == 200
    assert reply.json()["verified"] is False


def test_learner_badge_added_once_and_counts(served: tuple[TestClient, Engine]) -> None:
    client, engine = served
    registrar = add_user(engine, "reg", "registrar")
    advisor = add_user(engine, "jane-advisor", "advisor", advisees=("l-jane",))
    jane = add_user(engine, "jane", "learner", learner="l-jane")
    learner = {"id": "l-jane", "identity": {"did": "did:example:jane"}}
    assert client.post("/v1/learners", json=learner, headers=registrar).status_code == 201
    body = {"badge": badge(), "trust": [KEY.issuer]}
    first = client.post("/v1/learners/l-jane/badges", json=body, headers=advisor)
    assert first.status_code == 201, first.text
    assert [h["credential"] for h in first.json()["added"]] == ["demo.badge.robotics"]
    again = client.post("/v1/learners/l-jane/badges", json=body, headers=registrar)
    assert again.status_code == 201
    assert again.json()["added"] == []
    holdings = client.get("/v1/learners/l-jane/holdings", headers=jane).json()
    assert holdings["count"] == 1
    assert holdings["data"][0]["evidence"] == badge()["id"]


def test_a_learner_cannot_trust_their_own_issuer(served: tuple[TestClient, Engine]) -> None:
    # A learner who signs a badge with their own key and names that key in `trust` would
    # otherwise grant themselves any credential the catalog maps badges to.
    client, engine = served
    registrar = add_user(engine, "reg-self", "registrar")
    mallory = add_user(engine, "mallory", "learner", learner="l-mallory")
    learner = {"id": "l-mallory", "identity": {"did": "did:example:mallory"}}
    assert client.post("/v1/learners", json=learner, headers=registrar).status_code == 201
    body = {"badge": badge("did:example:mallory"), "trust": [KEY.issuer]}
    reply = client.post("/v1/learners/l-mallory/badges", json=body, headers=mallory)
    assert reply.status_code == 422, reply.text
    assert reply.json()["result"]["verified"] is True
    assert reply.json()["result"]["reason_code"] == "untrusted_issuer"
    holdings = client.get("/v1/learners/l-mallory/holdings", headers=mallory).json()
    assert holdings["count"] == 0
    audit = client.get(
        "/v1/learners/l-mallory/audit",
        params={"goal": "demo.badge.robotics", "as_of": AS_OF},
        headers=mallory,
    )
    assert audit.status_code in (200, 422)
    assert "complete" not in audit.json().get("status", "")


def test_learner_badge_that_does_not_count_is_422_and_adds_nothing(
    served: tuple[TestClient, Engine],
) -> None:
    client, engine = served
    registrar = add_user(engine, "reg2", "registrar")
    learner = {"id": "l-ann", "identity": {"did": "did:example:ann"}}
    assert client.post("/v1/learners", json=learner, headers=registrar).status_code == 201
    for body, code in (
        ({"badge": badge(), "trust": [KEY.issuer]}, "recipient_mismatch"),
        ({"badge": badge("did:example:ann")}, "untrusted_issuer"),
    ):
        reply = client.post("/v1/learners/l-ann/badges", json=body, headers=registrar)
        assert reply.status_code == 422
        assert reply.json()["result"]["reason_code"] == code
    holdings = client.get("/v1/learners/l-ann/holdings", headers=registrar).json()
    assert holdings["count"] == 0
