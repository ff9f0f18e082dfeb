"""The ``plan`` and ``compare`` commands as a user runs them: output, JSON, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LEARNER = REPO / "data" / "learners" / "ot36-transfer-wsu.yaml"
GOAL = "wright-state.bsb.accountancy"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pathways.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=180,
        env={**os.environ, "COLUMNS": "250"},  # rich wraps ids at the default 80
    )


def test_plan_cli_json_follows_the_contract() -> None:
    done = run(
        "plan", str(LEARNER), "--goal", GOAL, "--as-of", "2026-06-01",
        "--optimize", "cost", "--alternatives", "1", "--max-credits-per-term", "12", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert {"goal", "status", "steps", "totals", "alternatives", "blocked_by", "terms"} <= set(
        document
    )
    assert document["goal"] == GOAL and document["status"] == "plannable"
    step = document["steps"][0]
    assert {"credential", "title", "credits", "cost", "weeks", "satisfies"} <= set(step)
    assert {"credits", "cost", "weeks", "out_of_pocket", "lower_bound"} <= set(document["totals"])
    (alternative,) = document["alternatives"]
    assert {"steps", "totals"} <= set(alternative)
    assert alternative["totals"]["cost"] >= document["totals"]["cost"]
    assert all(term["credits"] <= 12 for term in document["terms"])
    assert sum(len(term["steps"]) for term in document["terms"]) == len(document["steps"])


def test_plan_cli_text_lists_steps_in_order() -> None:
    done = run("plan", str(LEARNER), "--goal", GOAL, "--as-of", "2026-06-01")
    assert done.returncode == 0, done.stderr
    assert "plannable" in done.stdout
    assert "Steps, in order" in done.stdout
    assert done.stdout.index("acc-2010") < done.stdout.index("acc-3040")


def test_plan_cli_unreachable_says_what_blocks() -> None:
    done = run(
        "plan",
        str(REPO / "data" / "learners" / "microbachelors-tesu.yaml"),
        "--goal",
        "tesu.ba.liberal-studies",
        "--as-of",
        "2026-06-01",
    )
    assert done.returncode == 0, done.stderr
    assert "unreachable" in done.stdout and "Blocked by" in done.stdout
    assert "--from" in done.stdout


def test_plan_cli_unknown_goal_exits_1_with_a_suggestion() -> None:
    done = run("plan", str(LEARNER), "--goal", "wright-state.bsb.acountancy")
    assert done.returncode == 1
    assert "did you mean wright-state.bsb.accountancy" in done.stderr
    assert "Traceback" not in done.stderr


def test_plan_cli_unknown_institution_exits_1() -> None:
    done = run("plan", str(LEARNER), "--goal", GOAL, "--from", "tri-c,nowhere-u")
    assert done.returncode == 1
    assert "unknown institution 'nowhere-u'" in done.stderr


def test_plan_cli_unknown_optimisation_target_is_a_usage_error() -> None:
    done = run("plan", str(LEARNER), "--goal", GOAL, "--optimize", "speed")
    assert done.returncode == 2
    assert "speed" in done.stderr


def test_plan_cli_missing_record_exits_1() -> None:
    done = run("plan", str(REPO / "no-such-record.yaml"), "--goal", GOAL)
    assert done.returncode in (1, 2)
    assert "Traceback" not in done.stderr


def test_compare_cli_ranks_goals() -> None:
    done = run(
        "compare", str(LEARNER), "--goals", GOAL, "tri-c.aa.business-ogtp",
        "--as-of", "2026-06-01", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    goals = document["goals"]
    assert [g["goal"] for g in goals] == ["tri-c.aa.business-ogtp", GOAL]
    for row in goals:
        assert {"goal", "status", "credits", "plan"} <= set(row)
        assert {"applied", "required"} <= set(row["credits"])
        assert "totals" in row["plan"]
    assert goals[0]["status"] == "complete"
    text = run("compare", str(LEARNER), "--goals", f"{GOAL},tri-c.aa.business-ogtp")
    assert text.returncode == 0, text.stderr
    assert text.stdout.index("tri-c.aa.business-ogtp") < text.stdout.index(GOAL)


def test_compare_cli_needs_a_goal_and_known_goals() -> None:
    assert run("compare", str(LEARNER)).returncode == 2
    done = run("compare", str(LEARNER), "--goals", "tri-c.aa.busines-ogtp")
    assert done.returncode == 1
    assert "did you mean" in done.stderr


def test_plan_cli_marks_a_step_dated_after_the_as_of_date(tmp_path: Path) -> None:
    """The text report says the record already lists the step, though it does not count yet."""
    record = tmp_path / "l.yaml"
    record.write_text(
        "learner: {id: l-1}\n"
        "holdings:\n"
        "  - {credential: tri-c.acct-1320, earned: 2027-05-08, grade: A}\n"
    )
    result = run("plan", str(record), "--goal", "tri-c.cert.accounting", "--as-of", "2026-12-04")
    assert result.returncode == 0, result.stderr
    assert "(not yet earned)" in result.stdout
