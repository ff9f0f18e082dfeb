"""The benchmark command: every figure is reported (or null with a reason); no timing asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pathways.tools.bench as bench
from pathways.cli import app
from pathways.tools.bench import TARGETS, format_report, machine, parse_floor, run_bench
from pathways.tools.generate import SCALES, generate_catalog


def test_machine_describes_cpus_and_memory() -> None:
    info = machine()
    assert info["nproc"] >= 1
    assert info["cpu"]
    assert info["memory_mib"] is None or info["memory_mib"] > 0
    assert info["load_avg_1m"] >= 0


def test_parse_floor_reads_every_catalog_file(tmp_path: Path) -> None:
    summary = generate_catalog(tmp_path, institutions=2, courses_per=50, learners=0, programs_per=8)
    seconds, files, size = parse_floor(tmp_path / "catalog")
    assert files == summary.catalog_files
    assert size == summary.catalog_bytes
    assert seconds > 0


def test_bench_small_reports_every_figure(tmp_path: Path) -> None:
    lines: list[str] = []
    figures = run_bench(
        "small", workdir=tmp_path, audits=10, batch_learners=3, batch_goals=2, rounds=1,
        plans=3, ray=False, log=lines.append,
    )  # fmt: skip
    for name in (
        "cold_s",
        "parse_floor_s",
        "ratio_to_parse_floor",
        "warm_s",
        "warm_to_parse_floor",
        "warm_to_cold",
    ):
        assert figures["load"][name] > 0, name
    assert figures["load_3x"]["warm_to_cold"] is None
    assert "--load-3x" in figures["load_3x"]["reason"]
    assert figures["targets"]["load_3x.warm_to_cold"]["met"] is None
    assert figures["audit"]["pairs"] == 10
    assert figures["audit"]["small_p50_ms"] > 0
    assert figures["audit"]["small_p99_ms"] >= figures["audit"]["small_p50_ms"]
    assert figures["audit"]["scale_ratio"] is None
    assert "--scale state" in figures["audit"]["scale_ratio_reason"]
    audits = figures["audit"]
    assert audits["auto_without_cpsat"] + audits["auto_with_cpsat"] == 10
    for part in ("auto_without_cpsat", "auto_with_cpsat"):
        assert audits[f"{part}_ms_auto"] >= 0 and audits[f"{part}_ms_cpsat"] >= 0
    both = audits["auto_without_cpsat_ms_cpsat"] + audits["auto_with_cpsat_ms_cpsat"]
    assert both > 0
    batch = figures["batch"]
    assert batch["audits"] == 6
    assert batch["audits_per_s_1_worker"] > 0
    assert batch["audits_per_s_2_workers"] > 0
    assert batch["speedup_2_workers"] > 0
    assert batch["cpu_parallel_ceiling"] > 0
    assert batch["cpu_ms_per_audit_local2"] > 0
    assert batch["worker_cpu_share_local1"] > 0
    assert batch["identical_rows"] is True
    assert batch["ray_speedup_2_workers"] is None
    assert batch["ray_speedup_2_workers_reason"] == "skipped (--no-ray)"
    assert figures["plan"]["p50_ms"] is None or figures["plan"]["p50_ms"] > 0
    assert figures["memory"]["peak_mib"] > 0
    assert (
        figures["cli"]["start_s"] > 0 and figures["cli"]["audit_s"] > figures["cli"]["start_s"] / 2
    )
    assert figures["cli"]["python_s"] > 0 and figures["cli"]["audit_cpu_s"] > 0
    assert "cli.audit_s" in figures["targets"]
    assert set(figures["targets"]) == set(TARGETS)
    assert figures["targets"]["audit.scale_ratio"]["met"] is None
    report = format_report(figures)
    assert "load.cold_s" in report
    assert "target batch.speedup_2_workers" in report
    assert lines and lines[0] == "generating the small catalog"
    json.dumps(figures)


def test_the_auto_split_counts_the_calls_that_reach_cpsat() -> None:
    from pathways.solver import Item, Node, Problem, solve
    from pathways.tools.bench_solver import _cpsat_calls

    problem = Problem(
        items=(Item("a", 3), Item("b", 3)),
        nodes=(Node(kind="all", children=(1,)), Node(kind="has", need=1, options=(("a",),))),
    )
    with _cpsat_calls() as calls:
        solve(problem)  # nothing contends: direct assignment
        assert calls == []
        solve(problem, method="cpsat")
        assert len(calls) == 1


def test_load_3x_reports_cold_and_warm_from_fresh_interpreters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(SCALES, "state3", {"institutions": 3, "courses_per": 40, "learners": 0})
    lines: list[str] = []
    figures = bench.measure_load_3x(tmp_path, lines.append)
    assert figures["institutions"] == 3
    assert figures["credentials"] > 0
    assert figures["cold_s"] > 0 and figures["warm_s"] > 0
    assert figures["warm_to_cold"] == pytest.approx(figures["warm_s"] / figures["cold_s"], rel=0.05)
    assert figures["cache_mib"] > 0
    assert lines[0] == "generating a catalog three times the state one"


def test_cli_bench_unknown_scale_exits_2() -> None:
    result = CliRunner().invoke(app, ["bench", "--scale", "galactic"])
    assert result.exit_code == 2
