"""``pathways users`` and ``pathways serve``: the bearer token is the last line printed and
works against the API; bad input exits 1 (or 2 for usage) with one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.db import make_engine
from api.main import create_app
from api.settings import Settings
from pathways.cli import app as cli


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'service.db'}"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_users_add_prints_token_last_and_it_signs_in(db: str) -> None:
    code, out, err = _run("users", "add", "ada", "--role", "registrar", "--db", db)
    assert code == 0, err
    token = out.strip().splitlines()[-1]
    assert len(token) >= 40
    assert "registrar 'ada'" in err
    engine = make_engine(db)
    with TestClient(create_app(Settings(database_url=db), engine=engine)) as client:
        me = client.get("/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["name"] == "ada"
        assert me.json()["role"] == "registrar"
    engine.dispose()


def test_users_add_advisor_with_advisees_and_learner_account(db: str) -> None:
    code, _out, err = _run(
        "users",
        "add",
        "bo",
        "--role",
        "advisor",
        "--advisees",
        "l-1,l-2",
        "--advisees",
        "l-3",
        "--db",
        db,
    )
    assert code == 0, err
    code, _out, err = _run(
        "users", "add", "cy", "--role", "learner", "--learner", "l-2", "--db", db
    )
    assert code == 0, err
    code, out, _err = _run("users", "list", "--db", db)
    assert code == 0
    assert out.splitlines() == ["1\tbo\tadvisor\tl-1, l-2, l-3", "2\tcy\tlearner\tl-2"]


def test_users_add_existing_name_exits_1_without_traceback(db: str) -> None:
    assert _run("users", "add", "ada", "--role", "registrar", "--db", db)[0] == 0
    code, out, err = _run("users", "add", "ada", "--role", "advisor", "--db", db)
    assert code == 1
    assert out == ""
    assert err.strip() == "error: an account named 'ada' already exists"


@pytest.mark.parametrize(
    "args",
    [
        ("users", "add", "x", "--role", "learner"),
        ("users", "add", "x", "--role", "advisor", "--learner", "l-1"),
        ("users", "add", "x", "--role", "registrar", "--advisees", "l-1"),
        ("users", "add", "x", "--role", "dean"),
    ],
)
def test_users_add_wrong_options_is_usage_error(db: str, args: tuple[str, ...]) -> None:
    code, out, _err = _run(*args, "--db", db)
    assert code == 2
    assert out == ""


@pytest.mark.parametrize("url", ["nosuchdb://x", "postgresql+psycopg://nobody@127.0.0.1:1/x"])
def test_bad_database_url_exits_1_with_one_line(url: str) -> None:
    code, _out, err = _run("users", "list", "--db", url)
    assert code == 1
    assert err.startswith("error: ")
    assert "Traceback" not in err


def test_serve_with_invalid_catalog_exits_1_with_located_errors(db: str, tmp_path: Path) -> None:
    catalog = tmp_path / "bad"
    catalog.mkdir()
    (catalog / "c.yaml").write_text("credentials: [{id: A, title: x, kind: course}]\n")
    code, _out, err = _run("serve", "--catalog", str(catalog), "--db", db, "--port", "0")
    assert code == 1
    assert "c.yaml:1:" in err
    assert "Traceback" not in err


def test_users_token_replaces_the_token_and_the_old_one_stops_working(db: str) -> None:
    code, out, err = _run("users", "add", "ada", "--role", "registrar", "--db", db)
    assert code == 0, err
    old = out.strip().splitlines()[-1]
    code, out, err = _run("users", "token", "ada", "--db", db)
    assert code == 0, err
    new = out.strip().splitlines()[-1]
    assert new != old and "the old one no longer works" in err
    engine = make_engine(db)
    with TestClient(create_app(Settings(database_url=db), engine=engine)) as client:
        assert (
            client.get("/v1/users/me", headers={"Authorization": f"Bearer {old}"}).status_code
            == 401
        )
        me = client.get("/v1/users/me", headers={"Authorization": f"Bearer {new}"})
        assert me.status_code == 200 and me.json()["name"] == "ada"
    engine.dispose()


def test_users_token_for_unknown_account_exits_1_with_suggestion(db: str) -> None:
    assert _run("users", "add", "ada", "--role", "registrar", "--db", db)[0] == 0
    code, out, err = _run("users", "token", "adaa", "--db", db)
    assert code == 1 and out == ""
    assert err.strip() == "error: unknown account 'adaa'; did you mean ada?"
