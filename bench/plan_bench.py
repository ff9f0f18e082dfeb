"""Plan latency figures (issue 4): prints numbers, asserts nothing.

A bachelor's degree in the bundled catalog (Wright State's BSB in Accountancy), planned

1. from an empty record (an Ohio resident who has earned nothing yet);
2. from a typical transfer student with 40 holdings (data/learners/ot36-transfer-wsu.yaml:
   an OT36-complete Tri-C graduate with Wright State courses done, in progress and planned);

for each optimisation target, then the transfer student with 3 alternatives, and (with
``--state``) the same plans with the bundled catalog merged into a generated state-scale one.

    python bench/plan_bench.py [--runs 20] [--state] [--json]
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
from typing import Any

from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.load import DEFAULT_CATALOG, load_catalog, load_record
from pathways.catalog.model import LearnerRecord
from pathways.options import Options
from pathways.plan import Plan, plan

REPO = Path(__file__).resolve().parent.parent
GOAL = "wright-state.bsb.accountancy"
TRANSFER = REPO / "data" / "learners" / "ot36-transfer-wsu.yaml"
AS_OF = date(2026, 6, 1)


def timings(run: Callable[[], Plan], runs: int) -> dict[str, Any]:
    document = run()  # warm: imports, solver start-up, the catalog's candidate index
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    totals = document.totals
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 1),
        "status": document.status,
        "steps": len(document.steps),
        "credits": totals.credits if totals else None,
        "cost": totals.cost if totals else None,
        "weeks": totals.weeks if totals else None,
        "optimal": document.optimal,
    }


def figures(catalog: CompiledCatalog, runs: int) -> dict[str, Any]:
    empty = LearnerRecord.model_validate({"learner": {"id": "new", "state": "OH"}})
    transfer = load_record(TRANSFER)
    found: dict[str, Any] = {"holdings": {"empty": 0, "transfer": len(transfer.holdings)}}
    for name, record in (("empty", empty), ("transfer", transfer)):
        for target in ("credits", "cost", "time"):
            found[f"{name}/{target}"] = timings(
                lambda r=record, t=target: plan(catalog, r, GOAL, Options(as_of=AS_OF), optimize=t),
                runs,
            )
    found["transfer/cost+3 alternatives"] = timings(
        lambda: plan(
            catalog, transfer, GOAL, Options(as_of=AS_OF), optimize="cost", alternatives=3
        ),
        runs,
    )
    return found


def state_catalog(work: Path) -> CompiledCatalog:
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    from audit_bench import merge

    from pathways.tools.generate import generate_catalog

    generate_catalog(work / "state", institutions=90, courses_per=60, learners=0, seed=1)
    merged = merge(work / "state" / "catalog", DEFAULT_CATALOG, work / "merged")
    return load_catalog(merged, cache=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--state", action="store_true", help="also a state-scale catalog")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    result: dict[str, Any] = {"goal": GOAL, "as_of": AS_OF.isoformat()}
    result["bundled"] = figures(load_catalog(DEFAULT_CATALOG, cache=False), args.runs)
    if args.state:
        work = Path(tempfile.mkdtemp(prefix="pathways-plan-bench-"))
        try:
            big = state_catalog(work)
            result["state"] = {"credentials": len(big.versions), **figures(big, args.runs)}
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"plan {GOAL}, as of {AS_OF}")
    for scale in ("bundled", "state"):
        if scale not in result:
            continue
        size = f" ({result[scale]['credentials']} credentials)" if scale == "state" else ""
        print(f"{scale} catalog{size}:")
        for key, row in result[scale].items():
            if not isinstance(row, dict) or "p50_ms" not in row:
                continue
            print(
                f"  {key:32} p50 {row['p50_ms']:>7} ms  p99 {row['p99_ms']:>7} ms   "
                f"{row['status']}, {row['steps']} steps, {row['credits']} cr, "
                f"${row['cost']}, {row['weeks']} wk{'' if row['optimal'] else ' (not proven)'}"
            )


if __name__ == "__main__":
    main()
