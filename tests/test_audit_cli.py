"""The ``audit`` and ``transfer`` commands as a user runs them: output, JSON, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LEARNER = REPO / "data" / "learners" / "cyber-security-plus.yaml"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as a user pipes it (pytest's own ``COLUMNS=80`` removed)."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    return subprocess.run(
        [sys.executable, "-m", "pathways.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        env=env,
    )


def test_audit_cli_json_follows_the_contract() -> None:
    done = run(
        "audit",
        str(LEARNER),
        "--goal",
        "tri-c.cert.cybersecurity",
        "--as-of",
        "2026-06-01",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    decision = json.loads(done.stdout)
    for field in (
        "goal",
        "learner",
        "as_of",
        "catalog_version",
        "status",
        "projected",
        "credits",
        "requirements",
        "transfers",
        "unused",
        "remaining",
        "waived",
    ):
        assert field in decision
    assert decision["status"] == "complete"
    assert decision["credits"] == {"applied": 16, "required": 16}
    line = decision["transfers"][0]
    assert {"rule", "policy", "guarantee", "citation", "from", "granted"} <= set(line)
    node = decision["requirements"]
    assert {"label", "status", "applied", "missing", "children"} <= set(node)


def test_audit_cli_text_report_marks_the_tree() -> None:
    done = run("audit", str(LEARNER), "--goal", "tri-c.aas.cybersecurity", "--as-of", "2026-06-01")
    assert done.returncode == 0, done.stderr  # an incomplete audit is a success
    assert "in progress" in done.stdout
    assert "✓" in done.stdout and "✗" in done.stdout
    assert "itag.security-plus.tri-c  Industry-Recognized Credential Transfer" in done.stdout
    # piped output is wide enough, and each citation sits whole on its own line
    json_done = run("audit", str(LEARNER), "--goal", "tri-c.aas.cybersecurity", "--json")
    citations = {line["citation"] for line in json.loads(json_done.stdout)["transfers"]}
    lines = {line.strip() for line in done.stdout.splitlines()}
    assert citations and citations <= lines


def test_transfer_cli_json_follows_the_contract() -> None:
    done = run("transfer", str(LEARNER), "--to", "tri-c", "--as-of", "2026-06-01", "--json")
    assert done.returncode == 0, done.stderr
    statement = json.loads(done.stdout)
    assert {
        "institution",
        "learner",
        "as_of",
        "catalog_version",
        "credits",
        "possible",
        "transfers",
        "unused",
    } <= set(statement)
    assert statement["credits"] == 3


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("audit", str(LEARNER), "--goal", "tri-c.aas.cybersec"),
            "did you mean tri-c.aas.cybersecurity",
        ),
        (("transfer", str(LEARNER), "--to", "tric"), "did you mean tri-c"),
        (("audit", "no-such-record.yaml", "--goal", "tri-c.aa"), "no-such-record.yaml"),
    ],
)
def test_evaluation_cli_bad_input_exits_1_without_traceback(
    args: tuple[str, ...], expected: str
) -> None:
    done = run(*args)
    assert done.returncode == 1
    assert expected in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("audit", str(LEARNER), "--goal", "tri-c.cert.cybersecurity"),
        ("plan", str(LEARNER), "--goal", "tri-c.cert.cybersecurity"),
        ("compare", str(LEARNER), "--goals", "tri-c.cert.cybersecurity"),
    ],
)
def test_a_solver_out_of_time_exits_1_without_traceback(
    monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    # A record too large for the time limit: the command says so and exits 1, as for bad
    # input (the API answers 503); it used to end an audit in a traceback.
    from typer.testing import CliRunner

    from pathways import solver
    from pathways.cli import app
    from pathways.errors import SolverTimeout
    from pathways.plan import encoding

    def out_of_time(*_: object, **__: object) -> object:
        raise SolverTimeout("no allocation found within 10 s")

    monkeypatch.setattr(solver, "solve", out_of_time)
    monkeypatch.setattr(encoding.Search, "best", out_of_time)
    result = CliRunner().invoke(app, [*args, "--as-of", "2026-06-01"])
    assert result.exit_code == 1, result.output
    assert "no allocation found within 10 s" in result.output
    assert not isinstance(result.exception, SolverTimeout)


def test_audit_cli_malformed_record_is_located(tmp_path: Path) -> None:
    record = tmp_path / "bad.yaml"
    record.write_text(
        "learner: {id: x}\nholdings:\n  - {credential: tri-c.eng-1010, earnd: 2024-01-01}\n"
    )
    done = run("audit", str(record), "--goal", "tri-c.aa")
    assert done.returncode == 1
    assert "bad.yaml:3:" in done.stderr
    assert "earnd" in done.stderr
    assert "Traceback" not in done.stderr


def test_audit_cli_unknown_credential_in_record(tmp_path: Path) -> None:
    record = tmp_path / "typo.yaml"
    record.write_text(
        "learner: {id: x}\nholdings:\n  - {credential: tri-c.eng-10100, earned: 2024-01-01}\n"
    )
    done = run("audit", str(record), "--goal", "tri-c.aa")
    assert done.returncode == 1
    assert "unknown credential 'tri-c.eng-10100'" in done.stderr
    assert "did you mean" in done.stderr and "tri-c.eng-1010" in done.stderr


def test_audit_cli_bad_option_value_is_a_usage_error() -> None:
    done = run("audit", str(LEARNER), "--goal", "tri-c.aa", "--as-of", "2026-13-01")
    assert done.returncode == 2
