"""The OpenAPI contract: schemathesis finds no 5xx on any operation (as a registrar, and
anonymously on the stateless endpoints); operation ids are stable; every operation documents
its reply; the Alembic migrations build exactly the tables the models describe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from api_support import add_user, database_url, memory_app
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from sqlalchemy import inspect
from sqlmodel import SQLModel

from api.db import alembic_config, make_engine, migrate

APP, ENGINE = memory_app()
REGISTRAR = add_user(ENGINE, "fuzz-registrar", "registrar")
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)
STATELESS = SCHEMA.include(path_regex=r"^/v1/(audit|transfer|plan|compare|records/import)$")

CHECKS = [not_a_server_error, response_schema_conformance]
"""No 5xx, and every reply matches the schema the OpenAPI document declares for its status."""

FUZZ = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@pytest.fixture(scope="module", autouse=True)
def _running() -> Any:
    with TestClient(APP):
        yield


@SCHEMA.parametrize()
@FUZZ
def test_no_server_error_as_registrar(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate(headers=REGISTRAR, checks=CHECKS)


@STATELESS.parametrize()
@settings(FUZZ, max_examples=30)
def test_no_server_error_anonymous_stateless(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate(checks=CHECKS)


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    document = APP.openapi()
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_operation_ids_are_unique_and_stable() -> None:
    ids = [operation["operationId"] for _path, _method, operation in _operations()]
    assert len(ids) == len(set(ids))
    assert {
        "health", "list_credentials", "read_credential", "credential_stacks",
        "list_institutions", "read_institution", "list_policies", "read_policy",
        "audit", "transfer", "list_learners", "create_learner", "read_learner",
        "update_learner", "delete_learner", "read_record", "list_holdings", "add_holding",
        "read_holding", "replace_holding", "delete_holding", "list_exceptions",
        "add_exception", "delete_exception", "audit_learner", "transfer_learner",
        "published_catalog", "publish_catalog", "validate_catalog", "list_versions",
        "rollback_catalog", "read_me", "list_users", "add_advisee", "remove_advisee",
        "read_audit_log", "verify_badge", "add_badge", "plan", "compare", "import_records",
    } <= set(ids)  # fmt: skip


def test_every_operation_documents_its_success_reply() -> None:
    for path, method, operation in _operations():
        success = [code for code in operation["responses"] if code.startswith("2")]
        assert success, (method, path)
        content = operation["responses"][success[0]].get("content", {})
        assert content, (method, path)
        if "application/json" in content:  # (an SVG picture needs no schema)
            assert content["application/json"].get("schema"), (method, path)


def test_stateless_replies_reference_engine_documents() -> None:
    document = APP.openapi()
    audit = document["paths"]["/v1/audit"]["post"]["responses"]["200"]
    transfer = document["paths"]["/v1/transfer"]["post"]["responses"]["200"]
    assert audit["content"]["application/json"]["schema"]["$ref"].endswith("/Decision")
    assert transfer["content"]["application/json"]["schema"]["$ref"].endswith("/Statement")


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_migrations_build_exactly_the_models(database: str, tmp_path: Path) -> None:
    with database_url(database, tmp_path) as url:
        engine = make_engine(url)
        migrate(engine)
        with engine.connect() as connection:
            differences = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}),
                SQLModel.metadata,
            )
        assert differences == []
        migrate(engine)  # a second start changes nothing
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate(engine)
        assert set(SQLModel.metadata.tables) <= set(inspect(engine).get_table_names())
        engine.dispose()


def test_options_answers_every_documented_path_with_its_methods() -> None:
    document = APP.openapi()
    client = TestClient(APP)
    for path, item in document["paths"].items():
        concrete = path.replace("{", "").replace("}", "")
        reply = client.options(concrete)
        assert reply.status_code == 204, (path, reply.status_code)
        allowed = {m.strip() for m in reply.headers["allow"].split(",")}
        assert {method.upper() for method in item} | {"OPTIONS"} <= allowed, path


def test_every_422_documents_the_malformed_request_shape() -> None:
    document = APP.openapi()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            invalid = operation["responses"].get("422")
            if invalid is None:
                continue
            schema = invalid["content"]["application/json"]["schema"]
            names = {ref["$ref"].rsplit("/", 1)[-1] for ref in schema.get("anyOf", [schema])}
            # Every operation may refuse a malformed request ({"detail": [problems]}).
            assert names & {"ValidationErrorsPublic", "HTTPValidationError"}, (method, path)
