"""Batch audits: the same sorted rows whatever the engine and workers; outputs; CLI exit codes."""

from __future__ import annotations

import csv
import importlib.util
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from api.batch_sink import store_rows
from pathways.batch import BatchError, BatchRow, classify, run_batch, write_rows
from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.load import load_catalog, load_record
from pathways.catalog.model import LearnerRecord
from pathways.cli import app
from pathways.errors import UnknownIdError
from pathways.options import Options
from pathways.tools.generate import generate_catalog

AS_OF = date(2026, 7, 1)
HAS_RAY = importlib.util.find_spec("ray") is not None
HAS_PYARROW = importlib.util.find_spec("pyarrow") is not None
World = tuple[Path, CompiledCatalog, list[LearnerRecord], list[str]]
"""The ``world`` fixture: generated catalog folder, compiled catalog, learners, goals."""


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> World:
    root = tmp_path_factory.mktemp("batch")
    generate_catalog(root, institutions=3, courses_per=60, learners=14, programs_per=16, seed=5)
    catalog = load_catalog(root / "catalog", cache=False)
    records = [load_record(p) for p in sorted((root / "learners").glob("*.yaml"))]
    with (root / "targets.csv").open(newline="") as handle:
        goals = sorted({row["goal"] for row in csv.DictReader(handle)})[:3]
    return root, catalog, records, goals


def test_batch_rows_identical_with_one_and_two_workers(world: World) -> None:
    _, catalog, records, goals = world
    one = run_batch(catalog, records, goals, Options(as_of=AS_OF), workers=1)
    two = run_batch(catalog, list(reversed(records)), goals, Options(as_of=AS_OF), workers=2)
    assert one.audits == len(records) * len(goals)
    assert [r.as_dict() | {"seq": 0} for r in one.rows] == [
        r.as_dict() | {"seq": 0} for r in two.rows
    ]
    assert one.rows == tuple(sorted(one.rows, key=lambda r: (r.learner, r.goal, r.seq)))


def test_batch_process_pool_matches_in_order_audits(world: World) -> None:
    from pathways.evaluate import audit

    _, catalog, records, goals = world
    result = run_batch(catalog, records[:4], goals[:2], Options(as_of=AS_OF), workers=2)
    for row in result.rows:
        record = next(r for r in records if r.learner.id == row.learner)
        decision = audit(catalog, record, row.goal, Options(as_of=AS_OF))
        assert row.status == decision.status
        assert row.applied == round(decision.credits.applied, 4)
        assert row.required == round(decision.credits.required, 4)
        assert row.unmet == len(decision.remaining)


@pytest.mark.skipif(not HAS_RAY, reason="ray is not installed (pip install 'pathways[ray]')")
def test_batch_rows_identical_on_ray_and_local(world: World) -> None:
    _, catalog, records, goals = world
    local = run_batch(catalog, records, goals, Options(as_of=AS_OF), workers=1)
    on_ray = run_batch(catalog, records, goals, Options(as_of=AS_OF), engine="ray", workers=2)
    assert on_ray.rows == local.rows
    assert on_ray.engine == "ray"


def test_batch_finds_completed_not_awarded_for_generated_completers(world: World) -> None:
    root, catalog, records, _ = world
    with (root / "targets.csv").open(newline="") as handle:
        targets = list(csv.DictReader(handle))
    by_id = {r.learner.id: r for r in records}
    completers = [t for t in targets if t["intent"] == "complete"]
    assert completers, "the generator wrote no completers"
    found = 0
    for target in completers:
        result = run_batch(
            catalog, [by_id[target["learner"]]], [target["goal"]], Options(as_of=AS_OF)
        )
        found += result.rows[0].finding == "completed_not_awarded"
    assert found >= 1
    for target in (t for t in targets if t["intent"].endswith("-awarded")):
        result = run_batch(
            catalog, [by_id[target["learner"]]], [target["goal"]], Options(as_of=AS_OF)
        )
        assert result.rows[0].finding == "awarded"
        assert result.rows[0].holds_goal


def test_batch_unknown_goal_raises_before_work(world: World) -> None:
    _, catalog, records, _ = world
    with pytest.raises(UnknownIdError):
        run_batch(catalog, records, ["no.such-goal"], Options(as_of=AS_OF))


def test_batch_bad_engine_or_workers_raise(world: World) -> None:
    _, catalog, records, goals = world
    with pytest.raises(BatchError):
        run_batch(catalog, records, goals, Options(as_of=AS_OF), engine="spark")  # type: ignore[arg-type]
    with pytest.raises(BatchError):
        run_batch(catalog, records, goals, Options(as_of=AS_OF), workers=0)


def test_batch_nothing_to_do_is_empty(world: World) -> None:
    _, catalog, _, goals = world
    result = run_batch(catalog, [], goals, Options(as_of=AS_OF))
    assert result.rows == ()
    assert result.summary()["counts"]["none"] == 0


@pytest.mark.parametrize(
    ("status", "required", "applied", "holds", "expected"),
    [
        ("complete", 60, 60, False, "completed_not_awarded"),
        ("complete", 60, 60, True, "awarded"),
        ("in_progress", 60, 54, False, "within_n"),
        ("in_progress", 60, 53.5, False, "none"),
        ("in_progress", 60, 10, True, "awarded"),
    ],
)
def test_classify_findings(
    status: str, required: float, applied: float, holds: bool, expected: str
) -> None:
    assert classify(status, required, applied, holds, 6) == expected


ROWS = (
    BatchRow("l-1", "g.a", 0, "complete", 60.0, 60.0, 0.0, 0, False, "completed_not_awarded"),
    BatchRow("l-2", "g.a", 1, "in_progress", 60.0, 57.5, 2.5, 1, False, "within_n"),
    BatchRow("l-3", "g.a", 2, "error", 0.0, 0.0, 0.0, 0, False, "error", 'bad, "quoted" input'),
)


def test_write_rows_csv_round_trips(tmp_path: Path) -> None:
    target = tmp_path / "out" / "rows.csv"
    write_rows(ROWS, target)
    with target.open(newline="") as handle:
        read = list(csv.DictReader(handle))
    assert [r["learner"] for r in read] == ["l-1", "l-2", "l-3"]
    assert read[1]["gap"] == "2.5"
    assert read[1]["unmet"] == "1"
    assert read[0]["holds_goal"] == "false"
    assert read[2]["error"] == 'bad, "quoted" input'
    assert list(tmp_path.joinpath("out").iterdir()) == [target]


@pytest.mark.skipif(not HAS_PYARROW, reason="pyarrow is not installed (pathways[parquet])")
def test_write_rows_parquet_round_trips(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    target = tmp_path / "rows.parquet"
    write_rows(ROWS, target)
    table = pq.read_table(target)
    assert table.column("finding").to_pylist() == [r.finding for r in ROWS]
    assert table.column("applied").to_pylist() == [60.0, 57.5, 0.0]


def test_store_rows_inserts_one_run(world: World, tmp_path: Path) -> None:
    _, catalog, records, goals = world
    result = run_batch(catalog, records[:3], goals[:2], Options(as_of=AS_OF))
    url = f"sqlite:///{tmp_path / 'batch.db'}"
    first = store_rows(result, url, goals=goals[:2])
    second = store_rows(result, url, goals=goals[:2])
    assert second == first + 1
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(
            sa.text("select count(*) from batch_results where run_id = :r"), {"r": first}
        ).scalar_one()
        as_of = connection.execute(sa.text("select as_of from batch_runs")).scalars().all()
    engine.dispose()
    assert count == result.audits
    assert as_of == ["2026-07-01", "2026-07-01"]


def test_store_rows_unreachable_database_raises(world: World, tmp_path: Path) -> None:
    _, catalog, records, goals = world
    result = run_batch(catalog, records[:1], goals[:1], Options(as_of=AS_OF))
    with pytest.raises(BatchError):
        store_rows(result, f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")


# --------------------------------------------------------------------------- CLI


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_cli_batch_writes_csv_and_database(world: World, tmp_path: Path) -> None:
    root, _, records, goals = world
    out = tmp_path / "rows.csv"
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    result = _invoke(
        "batch", "--catalog", str(root / "catalog"), "--learners", str(root / "learners"),
        "--goals", ",".join(goals[:2]), "--workers", "2", "--as-of", "2026-07-01",
        "--out", str(out), "--db", db, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with out.open(newline="") as handle:
        assert len(list(csv.DictReader(handle))) == len(records) * 2
    assert '"db_run_id": 1' in result.stdout


def test_cli_batch_repeated_goals_option(world: World) -> None:
    root, _, _, goals = world
    result = _invoke(
        "batch", "--catalog", str(root / "catalog"), "--learners", str(root / "learners"),
        "--goals", goals[0], "--goals", goals[1], "--workers", "1", "--as-of", "2026-07-01",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "audited 28 (14 learners × 2 goals)" in result.stdout


def test_cli_batch_unknown_goal_exits_1(world: World, tmp_path: Path) -> None:
    root, _, _, _ = world
    out = tmp_path / "rows.csv"
    result = _invoke(
        "batch", "--catalog", str(root / "catalog"), "--learners", str(root / "learners"),
        "--goals", "no.such-goal", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 1
    assert "no.such-goal" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_cli_batch_bad_record_exits_1_without_output(world: World, tmp_path: Path) -> None:
    root, _, _, goals = world
    learners = tmp_path / "learners"
    learners.mkdir()
    (learners / "ok.yaml").write_text((root / "learners" / "l-000001.yaml").read_text())
    (learners / "bad.yaml").write_text(
        "learner: {id: x}\nholdings:\n  - {credential: a, grade: Q}\n"
    )
    out = tmp_path / "rows.csv"
    result = _invoke(
        "batch", "--catalog", str(root / "catalog"), "--learners", str(learners),
        "--goals", goals[0], "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 1
    assert "bad.yaml" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "extra",
    [
        ["--engine", "spark"],
        ["--workers", "0"],
        ["--as-of", "yesterday"],
        ["--out", "rows.txt"],
        ["--address", "127.0.0.1:6379"],
    ],
)
def test_cli_batch_usage_errors_exit_2(world: World, extra: list[str]) -> None:
    root, _, _, goals = world
    result = _invoke(
        "batch", "--catalog", str(root / "catalog"), "--learners", str(root / "learners"),
        "--goals", goals[0], *extra,
    )  # fmt: skip
    assert result.exit_code == 2, result.output


def test_cli_batch_missing_learners_exits_1(world: World, tmp_path: Path) -> None:
    root, _, _, goals = world
    result = _invoke(
        "batch", "--catalog", str(root / "catalog"), "--learners", str(tmp_path / "nope"),
        "--goals", goals[0],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "nope" in result.stderr
