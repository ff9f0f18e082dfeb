"""Audit latency figures (issue 3): prints numbers, asserts nothing.

1. p50/p99 of auditing a bundled sample learner against a bundled associate degree;
2. the same audit with the bundled catalog merged into a synthetic state-scale catalog
   (an audit touches only the goal's subgraph, so the two should be nearly equal);
3. the hard instance: 30 overlapping `any` requirements over 60 holdings, which defeats
   first-fit (it strands requirements) and exhaustive search (4^30 branches).

    python bench/audit_bench.py [--runs 200] [--institutions 90] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import yaml

from pathways.catalog.compile import keep_resident
from pathways.catalog.load import DEFAULT_CATALOG, load_catalog, load_record
from pathways.catalog.model import LearnerRecord
from pathways.evaluate import audit
from pathways.options import Options
from pathways.tools.generate import generate_catalog

REPO = Path(__file__).resolve().parent.parent
GOAL = "tri-c.aas.cybersecurity"
LEARNER = REPO / "data" / "learners" / "cyber-security-plus.yaml"
AS_OF = date(2026, 6, 1)


def timings(run: Callable[[], object], runs: int) -> dict[str, float]:
    run()  # warm: imports, solver start-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 3),
        "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 3),
    }


def merge(generated: Path, bundled: Path, out: Path) -> Path:
    """The bundled catalog plus a generated one, minus generated entries whose ids clash
    (both define the statewide policies, e.g. ``ohio.itag``)."""
    shutil.copytree(bundled, out / "ohio")
    taken = {
        entry["id"]
        for path in bundled.rglob("*.yaml")
        for entries in (yaml.load(path.read_text(), Loader=yaml.CSafeLoader) or {}).values()
        for entry in entries
    }
    for path in generated.glob("*.yaml"):
        data = yaml.load(path.read_text(), Loader=yaml.CSafeLoader) or {}
        kept = {key: [e for e in entries if e["id"] not in taken] for key, entries in data.items()}
        (out / path.name).write_text(yaml.dump(kept, Dumper=yaml.CSafeDumper, sort_keys=False))
    return out


def hard_instance(folder: Path) -> tuple[Path, LearnerRecord]:
    lines = [
        "institutions:",
        "  - {id: u, name: U, kind: university}",
        "credentials:",
    ]
    lines += [
        f"  - {{id: u.c{i:02d}, title: C{i:02d}, kind: course, issuer: u, credits: 3,"
        " subject: X, level: lower}"
        for i in range(60)
    ]
    lines += [
        "  - id: u.hard",
        "    title: Hard",
        "    kind: certificate",
        "    issuer: u",
        "    requires:",
        "      all:",
    ]
    for r in range(30):
        options = ", ".join(f"{{has: u.c{(2 * r + d) % 60:02d}}}" for d in (0, 1, 2))
        lines.append(f"        - any: [{options}]")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hard.yaml").write_text("\n".join(lines) + "\n")
    record = LearnerRecord.model_validate(
        {
            "learner": {"id": "hard"},
            "holdings": [
                {"credential": f"u.c{i:02d}", "earned": "2025-01-01", "grade": "B"}
                for i in range(60)
            ],
        }
    )
    return folder, record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--institutions", type=int, default=90)
    parser.add_argument("--courses-per", type=int, default=60)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="pathways-audit-bench-"))
    try:
        record = load_record(LEARNER)
        bundled = load_catalog(DEFAULT_CATALOG, cache=False)
        small = timings(lambda: audit(bundled, record, GOAL, Options(as_of=AS_OF)), args.runs)

        generate_catalog(
            work / "state",
            institutions=args.institutions,
            courses_per=args.courses_per,
            learners=0,
            seed=1,
        )
        merged = merge(work / "state" / "catalog", DEFAULT_CATALOG, work / "merged")
        state_catalog = keep_resident(load_catalog(merged, cache=False))
        state = timings(lambda: audit(state_catalog, record, GOAL, Options(as_of=AS_OF)), args.runs)

        folder, hard_record = hard_instance(work / "hard")
        hard_catalog = load_catalog(folder, cache=False)
        decision = audit(hard_catalog, hard_record, "u.hard", Options(as_of=AS_OF))
        hard = timings(lambda: audit(hard_catalog, hard_record, "u.hard", Options(as_of=AS_OF)), 20)
        hard["status"] = decision.status  # type: ignore[assignment]

        figures = {
            "goal": GOAL,
            "bundled": small,
            "state": {**state, "credentials": len(state_catalog.versions)},
            "scale_ratio": round(state["p50_ms"] / small["p50_ms"], 3),
            "hard_instance": hard,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"audit {GOAL} (bundled catalog):  p50 {small['p50_ms']} ms  p99 {small['p99_ms']} ms")
    print(
        f"same goal in a state-scale catalog ({figures['state']['credentials']} credentials): "
        f"p50 {state['p50_ms']} ms  p99 {state['p99_ms']} ms  ratio {figures['scale_ratio']}"
    )
    print(
        f"hard instance (30 overlapping any over 60 holdings): {hard['status']}, "
        f"p50 {hard['p50_ms']} ms  p99 {hard['p99_ms']} ms"
    )


if __name__ == "__main__":
    main()
