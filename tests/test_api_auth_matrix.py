"""Who may do what: every role (and anonymous) against every kind of endpoint.

Callers: anonymous, a registrar, an advisor of learner l-1, an advisor of someone else, the
learner l-1 and another learner. 401 when a token is needed and missing, 403 for the wrong
role (or someone else's record), 404 for what does not exist, 2xx otherwise.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from api_support import add_user, memory_app, sample_record
from fastapi.testclient import TestClient

CALLERS = ("anonymous", "registrar", "advisor", "other-advisor", "learner", "other-learner")
_fresh = itertools.count(1)


@dataclass
class World:
    client: TestClient
    headers: dict[str, dict[str, str]]

    def call(self, caller: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**kwargs.pop("headers", {}), **self.headers[caller]}
        return self.client.request(method, path, headers=headers, **kwargs)

    def fresh_exception(self) -> int:
        reply = self.call(
            "registrar", "POST", "/v1/learners/l-1/exceptions",
            json={"waive": "Cybersecurity capstone", "reason": "matrix"},
        )  # fmt: skip
        assert reply.status_code == 201
        ident: int = reply.json()["id"]
        return ident

    def fresh_holding(self) -> int:
        reply = self.call("registrar", "POST", "/v1/learners/l-1/holdings", json=HOLDING)
        assert reply.status_code == 201
        ident: int = reply.json()["id"]
        return ident

    def fresh_learner(self) -> str:
        ident = f"fresh-{next(_fresh)}"
        assert self.call("registrar", "POST", "/v1/learners", json={"id": ident}).status_code == 201
        linked = self.call("registrar", "PUT", f"/v1/users/adv/advisees/{ident}")
        assert linked.status_code == 200
        return ident


HOLDING = {"credential": "tri-c.eng-1010", "earned": "2024-05-01", "grade": "B", "at": "tri-c"}
BAD_CATALOG = {"content": b"credentials: [{id: BAD}]\n", "headers": {"content-type": "text/yaml"}}


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    app, engine = memory_app()
    with TestClient(app) as client:
        headers = {
            "anonymous": {},
            "registrar": add_user(engine, "reg", "registrar"),
            "advisor": add_user(engine, "adv", "advisor", advisees=("l-1",)),
            "other-advisor": add_user(engine, "adv2", "advisor", advisees=("l-2",)),
            "learner": add_user(engine, "me", "learner", learner="l-1"),
            "other-learner": add_user(engine, "you", "learner", learner="l-2"),
        }
        built = World(client, headers)
        record = sample_record("cyber-security-plus.yaml")
        for ident in ("l-1", "l-2"):
            created = built.call(
                "registrar", "POST", "/v1/learners",
                json={"id": ident, "holdings": record["holdings"], "goals": ["tri-c.aa"]},
            )  # fmt: skip
            assert created.status_code == 201
        yield built


Request = Callable[[World], tuple[str, str, dict[str, Any]]]


def fixed(method: str, path: str, **kwargs: Any) -> Request:
    return lambda _world: (method, path, kwargs)


OWN = (401, 200, 200, 403, 200, 403)
"""Reading or writing l-1's record: registrar, l-1's advisor and l-1 themself."""

CASES: dict[str, tuple[Request, tuple[int, ...]]] = {
    # the published catalog and stateless calls: anyone
    "health": (fixed("GET", "/v1/health"), (200,) * 6),
    "verify badge": (fixed("POST", "/v1/badges/verify", json={"badge": "x"}), (200,) * 6),
    "credentials": (fixed("GET", "/v1/credentials"), (200,) * 6),
    "credential": (fixed("GET", "/v1/credentials/tri-c.aa"), (200,) * 6),
    "stacks": (fixed("GET", "/v1/credentials/tri-c.eng-1010/stacks"), (200,) * 6),
    "institutions": (fixed("GET", "/v1/institutions"), (200,) * 6),
    "policies": (fixed("GET", "/v1/policies"), (200,) * 6),
    "published catalog": (fixed("GET", "/v1/catalog"), (200,) * 6),
    "stateless audit": (
        fixed("POST", "/v1/audit", json={"record": {"learner": {"id": "x"}}, "goal": "tri-c.aa"}),
        (200,) * 6,
    ),
    "stateless transfer": (
        fixed(
            "POST",
            "/v1/transfer",
            json={"record": {"learner": {"id": "x"}}, "institution": "tri-c"},
        ),
        (200,) * 6,
    ),
    "stateless plan": (
        fixed("POST", "/v1/plan", json={"record": {"learner": {"id": "x"}}, "goal": "tri-c.aa"}),
        (200,) * 6,
    ),
    "stateless compare": (
        fixed(
            "POST", "/v1/compare", json={"record": {"learner": {"id": "x"}}, "goals": ["tri-c.aa"]}
        ),
        (200,) * 6,
    ),
    # accounts
    "me": (fixed("GET", "/v1/users/me"), (401, 200, 200, 200, 200, 200)),
    "users": (fixed("GET", "/v1/users"), (401, 200, 403, 403, 403, 403)),
    "link advisee": (
        fixed("PUT", "/v1/users/adv2/advisees/l-2"),
        (401, 200, 403, 403, 403, 403),
    ),
    "audit log": (fixed("GET", "/v1/audit-log"), (401, 200, 403, 403, 403, 403)),
    # learner records
    "list learners": (fixed("GET", "/v1/learners"), (401, 200, 200, 200, 200, 200)),
    "read learner": (fixed("GET", "/v1/learners/l-1"), OWN),
    "read record": (fixed("GET", "/v1/learners/l-1/record"), OWN),
    "update learner": (fixed("PATCH", "/v1/learners/l-1", json={"state": "OH"}), OWN),
    "list holdings": (fixed("GET", "/v1/learners/l-1/holdings"), OWN),
    "add holding": (
        fixed("POST", "/v1/learners/l-1/holdings", json=HOLDING),
        (401, 201, 201, 403, 201, 403),
    ),
    "read holding": (
        lambda w: ("GET", f"/v1/learners/l-1/holdings/{w.fresh_holding()}", {}),
        OWN,
    ),
    "replace holding": (
        lambda w: ("PUT", f"/v1/learners/l-1/holdings/{w.fresh_holding()}", {"json": HOLDING}),
        OWN,
    ),
    "delete holding": (
        lambda w: ("DELETE", f"/v1/learners/l-1/holdings/{w.fresh_holding()}", {}),
        OWN,
    ),
    "add badge": (
        fixed("POST", "/v1/learners/l-1/badges", json={"badge": "not a badge"}),
        (401, 422, 422, 403, 422, 403),
    ),
    "list exceptions": (fixed("GET", "/v1/learners/l-1/exceptions"), OWN),
    "add exception": (
        fixed(
            "POST",
            "/v1/learners/l-1/exceptions",
            json={"substitute": "tri-c.comm-1010", "for": "tri-c.eng-1020", "reason": "r"},
        ),
        (401, 201, 201, 403, 403, 403),
    ),
    "delete exception": (
        lambda w: ("DELETE", f"/v1/learners/l-1/exceptions/{w.fresh_exception()}", {}),
        (401, 200, 200, 403, 403, 403),
    ),
    "learner audit": (fixed("GET", "/v1/learners/l-1/audit?goal=tri-c.aa"), OWN),
    "learner transfer": (fixed("GET", "/v1/learners/l-1/transfer?institution=tri-c"), OWN),
    "create learner": (
        lambda _w: ("POST", "/v1/learners", {"json": {"id": f"new-{next(_fresh)}"}}),
        (401, 201, 201, 201, 403, 403),
    ),
    "delete learner": (
        lambda w: ("DELETE", f"/v1/learners/{w.fresh_learner()}", {}),
        (401, 200, 403, 403, 403, 403),
    ),
    # catalog publication (the upload is invalid: auth is decided before the body is read)
    "publish": (fixed("POST", "/v1/catalog", **BAD_CATALOG), (401, 422, 403, 403, 403, 403)),
    "validate": (
        fixed("POST", "/v1/catalog/validate", **BAD_CATALOG),
        (401, 200, 403, 403, 403, 403),
    ),
    "versions": (fixed("GET", "/v1/catalog/versions"), (401, 200, 403, 403, 403, 403)),
    "rollback": (fixed("POST", "/v1/catalog/rollback/1"), (401, 200, 403, 403, 403, 403)),
}


@pytest.mark.parametrize(
    ("case", "caller"),
    [(case, caller) for case in CASES for caller in CALLERS],
)
def test_role_matrix_status(world: World, case: str, caller: str) -> None:
    build, expected = CASES[case]
    method, path, kwargs = build(world)
    reply = world.call(caller, method, path, **kwargs)
    assert reply.status_code == expected[CALLERS.index(caller)], reply.text
    assert isinstance(reply.json(), dict | list)


@pytest.mark.parametrize(
    ("caller", "method", "path"),
    [
        ("registrar", "GET", "/v1/learners/nobody"),
        ("registrar", "PATCH", "/v1/learners/nobody"),
        ("registrar", "DELETE", "/v1/learners/nobody"),
        ("registrar", "GET", "/v1/learners/l-1/holdings/999999"),
        ("advisor", "DELETE", "/v1/learners/l-1/holdings/999999"),
        ("learner", "GET", "/v1/learners/l-1/holdings/999999"),
        ("registrar", "DELETE", "/v1/learners/l-1/exceptions/999999"),
        ("registrar", "POST", "/v1/catalog/rollback/999"),
        ("registrar", "PUT", "/v1/users/nobody/advisees/l-1"),
        ("registrar", "DELETE", "/v1/users/adv/advisees/never-linked"),
    ],
)
def test_missing_things_are_404(world: World, caller: str, method: str, path: str) -> None:
    kwargs = {"json": {"name": "x"}} if method == "PATCH" else {}
    reply = world.call(caller, method, path, **kwargs)
    assert reply.status_code == 404, reply.text


def test_learner_without_stored_record_gets_404_for_own_id(world: World) -> None:
    engine = world.client.app.state.engine  # type: ignore[attr-defined]
    header = add_user(engine, "ghost", "learner", learner="l-ghost")
    assert world.client.get("/v1/learners/l-ghost", headers=header).status_code == 404
    assert world.client.get("/v1/learners/l-1", headers=header).status_code == 403


def test_someone_elses_missing_record_is_403_not_404(world: World) -> None:
    # Existence of a record is not revealed to someone who may not see it.
    assert world.call("other-advisor", "GET", "/v1/learners/nobody").status_code == 403
    assert world.call("learner", "GET", "/v1/learners/nobody").status_code == 403


@pytest.mark.parametrize(
    ("caller", "expected"),
    [("registrar", {"l-1", "l-2"}), ("advisor", {"l-1"}), ("other-advisor", {"l-2"}),
     ("learner", {"l-1"}), ("other-learner", {"l-2"})],
)  # fmt: skip
def test_list_learners_shows_only_visible_records(
    world: World, caller: str, expected: set[str]
) -> None:
    reply = world.call(caller, "GET", "/v1/learners", params={"q": "l-", "limit": 500})
    assert {item["id"] for item in reply.json()["data"]} == expected


def test_learner_cannot_create_someone_elses_record(world: World) -> None:
    reply = world.call("learner", "POST", "/v1/learners", json={"id": "l-2"})
    assert reply.status_code == 403


def test_advisor_creating_a_learner_becomes_their_advisor(world: World) -> None:
    reply = world.call("other-advisor", "POST", "/v1/learners", json={"id": "adv2-new"})
    assert reply.status_code == 201
    me = world.call("other-advisor", "GET", "/v1/users/me").json()
    assert "adv2-new" in me["advisees"]
    assert world.call("other-advisor", "GET", "/v1/learners/adv2-new").status_code == 200
    assert world.call("advisor", "GET", "/v1/learners/adv2-new").status_code == 403
