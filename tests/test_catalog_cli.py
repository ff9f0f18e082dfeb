"""The catalog commands: validate, stacks, graph — exit codes 0 / 1 / 2, never a traceback."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pathways.catalog.load import DEFAULT_CATALOG
from pathways.cli import app

CatalogWriter = Callable[[Mapping[str, Any]], Path]
"""The ``write_catalog`` fixture of conftest.py."""

GOOD = """\
institutions:
  - {id: cc, name: Community College, kind: community-college}
policies:
  - {id: itag, title: ITAG, guarantee: guaranteed}
credentials:
  - {id: cc.a, title: Course A, kind: course, issuer: cc, credits: 3}
  - {id: cc.b, title: Course B, kind: course, issuer: cc, credits: 3}
  - {id: cc.cert, title: Certificate, kind: certificate, issuer: cc, requires: {has: cc.a},
     effective: {to: 2029-12-31}}
  - {id: cc.cert, title: Certificate 2030, kind: certificate, issuer: cc,
     requires: {has: cc.b}, effective: {from: 2030-01-01}}
equivalences:
  - {id: oan.x, title: X, members: [cc.a]}
transfer_rules:
  - {id: r, policy: itag, when: {has: cc.b}, grants: [{credits: 3}]}
funding:
  - {id: f, title: Fund}
"""

BAD = {
    "a.yaml": "credentials:\n  - {id: cc.a, title: A, kind: course, creditz: 3}\n",
    "b.yaml": "credentials:\n  - {id: cc.b, title: B, kind: certificate, requires: {has: cc.aa}}\n",
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_validate_ok_prints_counts(runner: CliRunner, write_catalog: CatalogWriter) -> None:
    directory = write_catalog({"good.yaml": GOOD})
    result = runner.invoke(app, ["validate", "--catalog", str(directory)])
    assert result.exit_code == 0, result.output
    line = result.stdout.strip()
    assert line.startswith(
        "ok: 1 institutions, 1 policies, 3 credentials (4 versions), 1 equivalences, "
        "1 transfer rules, 1 funding programs (catalog "
    )
    assert result.stderr == ""


def test_validate_json(runner: CliRunner, write_catalog: CatalogWriter) -> None:
    directory = write_catalog({"good.yaml": GOOD})
    result = runner.invoke(app, ["validate", "--catalog", str(directory), "--json"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["ok"] is True
    assert document["counts"]["credentials"] == 3
    assert len(document["catalog_version"]) == 16


def test_validate_bad_catalog_every_error_on_stderr(
    runner: CliRunner, write_catalog: CatalogWriter
) -> None:
    directory = write_catalog({"good.yaml": GOOD.replace("cc.a", "cc.z"), **BAD})
    result = runner.invoke(app, ["validate", "--catalog", str(directory)])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert any("a.yaml:2:" in line and "unknown key 'creditz'" in line for line in lines)
    assert any("b.yaml:2:" in line and "'cc.aa'" in line for line in lines)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_validate_bad_catalog_json_lists_errors(
    runner: CliRunner, write_catalog: CatalogWriter
) -> None:
    directory = write_catalog(BAD)
    result = runner.invoke(app, ["validate", "--catalog", str(directory), "--json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["ok"] is False
    assert {e["file"].rsplit("/", 1)[-1] for e in document["errors"]} == {"a.yaml", "b.yaml"}
    assert all(e["line"] == 2 for e in document["errors"])


def test_validate_missing_directory_exit_1(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", "--catalog", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "no such catalog directory" in result.stderr


def test_usage_errors_exit_2(runner: CliRunner) -> None:
    assert runner.invoke(app, ["validate", "--bogus"]).exit_code == 2
    assert runner.invoke(app, ["graph", "x", "--format", "png"]).exit_code == 2
    assert runner.invoke(app, ["stacks"]).exit_code == 2
    assert runner.invoke(app, ["no-such-command"]).exit_code == 2


def test_stacks_json(runner: CliRunner, write_catalog: CatalogWriter) -> None:
    directory = write_catalog({"good.yaml": GOOD})
    result = runner.invoke(app, ["stacks", "cc.a", "--catalog", str(directory), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "goals": [{"goal": "cc.cert", "title": "Certificate 2030", "via": ["cc.a", "cc.cert"]}]
    }


def test_stacks_text(runner: CliRunner, write_catalog: CatalogWriter) -> None:
    directory = write_catalog({"good.yaml": GOOD})
    result = runner.invoke(app, ["stacks", "cc.a", "--catalog", str(directory)])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["cc.cert  Certificate 2030", "    via cc.a -> cc.cert"]


def test_stacks_unknown_id_exit_1_with_suggestion(
    runner: CliRunner, write_catalog: CatalogWriter
) -> None:
    directory = write_catalog({"good.yaml": GOOD})
    result = runner.invoke(app, ["stacks", "cc.cer", "--catalog", str(directory)])
    assert result.exit_code == 1
    assert "unknown credential 'cc.cer'; did you mean cc.cert" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("fmt", "start"), [("dot", "digraph"), ("mermaid", "flowchart LR"), ("svg", "<svg")]
)
def test_graph_formats(
    runner: CliRunner, write_catalog: CatalogWriter, fmt: str, start: str
) -> None:
    directory = write_catalog({"good.yaml": GOOD})
    result = runner.invoke(app, ["graph", "cc.cert", "--format", fmt, "--catalog", str(directory)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(start)
    assert "cc.b" in result.stdout


def test_graph_writes_a_file(
    runner: CliRunner, write_catalog: CatalogWriter, tmp_path: Path
) -> None:
    directory = write_catalog({"good.yaml": GOOD})
    out = tmp_path / "cert.svg"
    result = runner.invoke(
        app, ["graph", "cc.cert", "-f", "svg", "-o", str(out), "--catalog", str(directory)]
    )
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == f"wrote the SVG graph of cc.cert to {out}\n"
    assert out.read_text().startswith("<svg")


def test_graph_unknown_goal_exit_1(runner: CliRunner, write_catalog: CatalogWriter) -> None:
    directory = write_catalog({"good.yaml": GOOD})
    result = runner.invoke(app, ["graph", "nope", "--catalog", str(directory)])
    assert result.exit_code == 1
    assert "unknown credential 'nope'" in result.stderr


@pytest.mark.skipif(not DEFAULT_CATALOG.is_dir(), reason="the bundled catalog is not there yet")
def test_validate_passes_on_the_bundled_catalog(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ok: ")
