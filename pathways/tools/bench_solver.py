"""The allocation figures of ``pathways bench`` (issue 15): fast paths against CP-SAT.

Measured in the bench's process unless said otherwise; figures, never assertions.

* :func:`speedup_vs_cpsat` — the same audits timed with the solver on ``auto`` and forced to
  ``cpsat`` (:class:`pathways.options.Options` ``solver``), taking turns audit by audit, and
  how many of them read differently (status, credit per requirement, unused reasons);
* :func:`bundled_audit` — p50 of the README's bundled audit (a sample learner against the
  Associate of Applied Science in Cybersecurity), both ways;
* :func:`hard_family` — ``n`` overlapping ``any`` requirements over a ring of ``2n``
  holdings (a perfect assignment exists), audited in this process and through the CLI;
* :func:`bundled_plan` — p50 of planning Wright State's BSB in Accountancy from an empty
  record (an Ohio resident who has earned nothing yet).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pathways.options import Options

if TYPE_CHECKING:
    from pathways.catalog.compile import CompiledCatalog
    from pathways.catalog.model import LearnerRecord
    from pathways.evaluate import Decision, NodeResult
    from pathways.solver import Problem, Solution

__all__ = ["bundled_audit", "bundled_plan", "hard_family", "speedup_vs_cpsat"]

BUNDLED_GOAL = "tri-c.aas.cybersecurity"
BUNDLED_LEARNER = "cyber-security-plus.yaml"
PLAN_GOAL = "wright-state.bsb.accountancy"
HARD_N = 1000


def _reading(decision: Decision) -> tuple[Any, ...]:
    """What two solvers must agree on: status, credit per requirement, unused reasons."""

    def rows(node: NodeResult) -> list[tuple[str, str, float]]:
        found: list[tuple[str, str, float]] = [
            (node.id, node.status, round(sum(a.credits for a in node.applied), 6))
        ]
        for child in node.children:
            found += rows(child)
        return found

    unused = [(u.credential, u.reason_code) for u in decision.unused]
    return decision.status, rows(decision.requirements), unused


def _ms(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def speedup_vs_cpsat(
    catalog: CompiledCatalog, pairs: list[tuple[LearnerRecord, str]], as_of: date
) -> dict[str, Any]:
    """``p50_ms_auto``/``p50_ms_cpsat`` over ``pairs``, ``speedup_vs_cpsat`` (total time
    forced over total time auto) and ``cpsat_disagree`` (audits that read differently), split
    by the two allocations' objective and tie-break: ``cpsat_disagree_ties`` (equal on every
    term and on the tie-break: a choice the definition leaves open), ``cpsat_disagree_auto_better``
    (CP-SAT's budgeted later stages stopped short of the fast path's proven answer) and
    ``cpsat_disagree_auto_worse`` (``auto`` behind CP-SAT: a defect where ``auto`` proved its
    answer; where both stop a budgeted tie-break search unproven, their searches differ in
    where they start, and either may end lower). ``auto_without_cpsat``
    splits the audits by whether ``auto`` called CP-SAT at all: how many it answered without
    it and their total milliseconds both ways (``auto_without_cpsat_ms_auto``,
    ``..._ms_cpsat``), and the same of the rest (``auto_with_cpsat``)."""
    from pathways.evaluate import audit

    auto, forced = Options(as_of=as_of), Options(as_of=as_of, solver="cpsat")
    auto_ms: list[float] = []
    cpsat_ms: list[float] = []
    called: list[bool] = []  # whether auto called CP-SAT, audit by audit
    verdicts = {"ties": 0, "auto_better": 0, "auto_worse": 0}
    with _allocations() as seen, _cpsat_calls() as calls:
        for record, goal in pairs:
            answers: dict[str, Decision] = {}
            scores = {}
            for name, options, samples in (("auto", auto, auto_ms), ("cpsat", forced, cpsat_ms)):
                calls.clear()
                started = time.perf_counter()
                answers[name] = audit(catalog, record, goal, options)
                samples.append((time.perf_counter() - started) * 1000)
                scores[name] = seen[-1]  # the audit's own allocation: recorded last
                seen.clear()
                if name == "auto":
                    called.append(bool(calls))
            if _reading(answers["auto"]) != _reading(answers["cpsat"]):
                if scores["auto"] == scores["cpsat"]:
                    verdicts["ties"] += 1
                else:
                    verdicts[
                        "auto_better" if scores["auto"] > scores["cpsat"] else "auto_worse"
                    ] += 1
    return {
        "p50_ms_auto": round(statistics.median(auto_ms), 2),
        "p50_ms_cpsat": round(statistics.median(cpsat_ms), 2),
        "speedup_vs_cpsat": round(sum(cpsat_ms) / sum(auto_ms), 2),
        "cpsat_disagree": sum(verdicts.values()),
        **{f"cpsat_disagree_{name}": count for name, count in verdicts.items()},
        **_by_cpsat_use(called, auto_ms, cpsat_ms),
    }


def _by_cpsat_use(
    called: list[bool], auto_ms: list[float], cpsat_ms: list[float]
) -> dict[str, float]:
    """The audits ``auto`` answered without CP-SAT and the rest: each part's count and total
    milliseconds on ``auto`` and forced (``called``: whether it called CP-SAT, audit by audit)."""
    found: dict[str, float] = {}
    for part, wanted in (("auto_without_cpsat", False), ("auto_with_cpsat", True)):
        picked = [i for i, flag in enumerate(called) if flag == wanted]
        found[part] = len(picked)
        found[f"{part}_ms_auto"] = round(sum(auto_ms[i] for i in picked), 1)
        found[f"{part}_ms_cpsat"] = round(sum(cpsat_ms[i] for i in picked), 1)
    return found


@contextmanager
def _allocations() -> Iterator[list[tuple[int, ...]]]:
    """While open, every allocation :func:`pathways.solver.solve` returns, as its
    :func:`~pathways.solver.problem.ranking` (larger is better), in the order the calls
    return (a solve inside a solve returns first)."""
    from pathways.solver.problem import ranking

    seen: list[tuple[int, ...]] = []
    with _watching("solve", lambda p, a: seen.append(ranking(p, a.met, a.uses))):
        yield seen


@contextmanager
def _cpsat_calls() -> Iterator[list[None]]:
    """While open, an entry for every call :mod:`pathways.solver` makes to its
    :func:`~pathways.solver.solve_cpsat`, either path (the caller clears it between audits)."""
    calls: list[None] = []
    with _watching("solve_cpsat", lambda _p, _a: calls.append(None)):
        yield calls


@contextmanager
def _watching(name: str, seen: Callable[[Problem, Solution], object]) -> Iterator[None]:
    """While open, :mod:`pathways.solver`'s function ``name`` (a solve, called through the
    module) hands each problem and the answer it returns to ``seen``."""
    from pathways import solver

    original = getattr(solver, name)

    def watched(problem: Problem, **options: Any) -> Solution:
        answer: Solution = original(problem, **options)
        seen(problem, answer)
        return answer

    setattr(solver, name, watched)
    try:
        yield
    finally:
        setattr(solver, name, original)


def bundled_audit(as_of: date, runs: int = 50) -> dict[str, Any]:
    """``bundled_p50_ms`` (auto) and ``bundled_p50_ms_cpsat`` of the README's bundled audit."""
    from pathways.catalog.load import DEFAULT_CATALOG, load_catalog, load_record
    from pathways.evaluate import audit

    catalog = load_catalog(DEFAULT_CATALOG)
    record = load_record(DEFAULT_CATALOG.parent / "learners" / BUNDLED_LEARNER)
    found: dict[str, Any] = {}
    choices = (("", Options(as_of=as_of)), ("_cpsat", Options(as_of=as_of, solver="cpsat")))
    for suffix, options in choices:
        audit(catalog, record, BUNDLED_GOAL, options)  # warm
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            audit(catalog, record, BUNDLED_GOAL, options)
            samples.append((time.perf_counter() - started) * 1000)
        found[f"bundled_p50_ms{suffix}"] = round(statistics.median(samples), 2)
    return found


def write_hard_family(folder: Path, n: int = HARD_N) -> Path:
    """Write the hard family's catalog (``folder/catalog``) and learner; return the learner's
    path. Requirement ``r`` is ``any`` of courses ``2r``, ``2r+1``, ``2r+2`` (mod ``2n``)."""
    lines = ["institutions:", "  - {id: u, name: U, kind: university}", "credentials:"]
    lines += [
        f"  - {{id: u.c{i:05d}, title: C{i:05d}, kind: course, issuer: u, credits: 3,"
        " subject: X, level: lower}"
        for i in range(2 * n)
    ]
    lines += ["  - id: u.hard", "    title: Hard", "    kind: certificate", "    issuer: u"]
    lines += ["    requires:", "      all:"]
    for r in range(n):
        options = ", ".join(f"{{has: u.c{(2 * r + d) % (2 * n):05d}}}" for d in (0, 1, 2))
        lines.append(f"        - any: [{options}]")
    (folder / "catalog").mkdir(parents=True, exist_ok=True)
    (folder / "catalog" / "hard.yaml").write_text("\n".join(lines) + "\n")
    learner = folder / "hard-learner.yaml"
    holdings = [
        f"  - {{credential: u.c{i:05d}, earned: 2025-01-01, grade: B}}" for i in range(2 * n)
    ]
    learner.write_text("learner: {id: hard}\nholdings:\n" + "\n".join(holdings) + "\n")
    return learner


def hard_family(folder: Path, as_of: date, n: int = HARD_N) -> dict[str, Any]:
    """The hard family audited in this process (``hard_s``, ``hard_complete``,
    ``hard_optimal``; the catalog already loaded) and through the CLI from process start
    (``hard_cli_s``: compiled cache warm; ``hard_cli_cold_s``: the first run, which compiles)."""
    from pathways.catalog.load import load_catalog, load_record
    from pathways.evaluate import audit

    learner = write_hard_family(folder, n)
    catalog = load_catalog(folder / "catalog", cache=False)
    record = load_record(learner)
    started = time.perf_counter()
    decision = audit(catalog, record, "u.hard", Options(as_of=as_of))
    seconds = time.perf_counter() - started
    command = [
        sys.executable, "-m", "pathways.cli", "audit", str(learner), "--goal", "u.hard",
        "--catalog", str(folder / "catalog"), "--as-of", as_of.isoformat(),
    ]  # fmt: skip
    timed = []
    for _ in range(2):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        timed.append(time.perf_counter() - started)
    return {
        "hard_n": n,
        "hard_s": round(seconds, 3),
        "hard_complete": decision.status == "complete",
        "hard_optimal": decision.optimal,
        "hard_cli_cold_s": round(timed[0], 3),
        "hard_cli_s": round(timed[1], 3),
    }


def bundled_plan(as_of: date, runs: int = 7) -> dict[str, Any]:
    """``bsb_empty_p50_ms``: planning :data:`PLAN_GOAL` from an empty Ohio record, the median
    of ``runs`` plans after one to warm up."""
    from pathways.catalog.load import DEFAULT_CATALOG, load_catalog
    from pathways.catalog.model import LearnerRecord
    from pathways.plan import plan

    catalog = load_catalog(DEFAULT_CATALOG)
    empty = LearnerRecord.model_validate({"learner": {"id": "new", "state": "OH"}})
    options = Options(as_of=as_of)
    plan(catalog, empty, PLAN_GOAL, options)  # warm
    samples = [_ms(lambda: plan(catalog, empty, PLAN_GOAL, options)) for _ in range(runs)]
    return {"bsb_empty_p50_ms": round(statistics.median(samples), 1)}
