"""Catalog load benchmark: cold load, the CSafeLoader parse floor, and warm (cached) load.

Generates a synthetic state-shaped catalog with :func:`pathways.tools.generate.generate_catalog`
(or reuses one with ``--catalog DIR``) and prints three figures, each the best of
``--repeat`` runs, measured in this one process:

* cold: ``load_catalog(DIR, cache=False)`` — parse, validate and compile;
* parse floor: PyYAML's ``CSafeLoader`` merely parsing the same files (read included);
* warm: ``load_catalog(DIR)`` with the compiled catalog already in the disk cache;

and the ratios cold/floor and warm/floor (issue 8's targets: at most 0.25 and 0.1).
A figure, not a test: nothing here asserts a time.

    python bench/load_bench.py                       # about Ohio's 90 public institutions
    python bench/load_bench.py --institutions 4      # small
    python bench/load_bench.py --catalog data/ohio   # an existing catalog
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml


def _best(run: Callable[[], object], repeat: int) -> tuple[float, list[float]]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        samples.append(time.perf_counter() - started)
        del result  # freeing the previous catalog is not part of loading the next one
    return min(samples), samples


def parse_floor(directory: Path) -> None:
    """Read and parse every ``*.yaml`` file under ``directory`` with CSafeLoader."""
    for path in sorted(directory.rglob("*.yaml")):
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalog", type=Path, help="Measure this catalog instead.")
    parser.add_argument("--institutions", type=int, default=90)
    parser.add_argument("--courses-per", type=int, default=250)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="Runs per figure (best kept).")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="pathways-load-bench-") as tmp:
        os.environ["PATHWAYS_CACHE"] = str(Path(tmp) / "cache")
        from pathways.catalog.load import load_catalog

        if args.catalog is not None:
            directory = args.catalog
        else:
            from pathways.tools.generate import generate_catalog

            print(
                f"generating {args.institutions} institutions × {args.courses_per} courses "
                f"(seed {args.seed})…",
                file=sys.stderr,
            )
            summary = generate_catalog(
                Path(tmp) / "generated",
                institutions=args.institutions,
                courses_per=args.courses_per,
                learners=0,
                seed=args.seed,
            )
            directory = summary.out / "catalog"
        files = sorted(directory.rglob("*.yaml"))
        size = sum(p.stat().st_size for p in files)

        # The floor first, in a heap holding no catalog: a big live heap makes every cyclic
        # garbage collection during parsing slower, which would flatter the ratios.
        parse_floor(directory)  # warms the page cache
        floor, floor_all = _best(lambda: parse_floor(directory), args.repeat)
        cold, cold_all = _best(lambda: load_catalog(directory, cache=False), args.repeat)
        compiled = load_catalog(directory)  # writes the cache entry
        warm, warm_all = _best(lambda: load_catalog(directory), args.repeat)
        if load_catalog(directory) != compiled:
            print("the cached catalog differs from the compiled one", file=sys.stderr)
            return 1

    figures = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
        f"Python {platform.python_version()}",
        "catalog": {
            "files": len(files),
            "mib": round(size / 2**20, 2),
            "credentials": len(compiled.versions),
            "equivalences": len(compiled.equivalences),
            "transfer_rules": len(compiled.rules),
        },
        "cold_s": round(cold, 3),
        "parse_floor_s": round(floor, 3),
        "warm_s": round(warm, 4),
        "cold_to_floor": round(cold / floor, 3),
        "warm_to_floor": round(warm / floor, 4),
        "samples": {
            "cold_s": [round(s, 3) for s in cold_all],
            "parse_floor_s": [round(s, 3) for s in floor_all],
            "warm_s": [round(s, 4) for s in warm_all],
        },
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    cat = figures["catalog"]
    assert isinstance(cat, dict)
    print(f"machine      {figures['machine']}")
    print(
        f"catalog      {cat['files']} files, {cat['mib']} MiB: {cat['credentials']} credentials, "
        f"{cat['equivalences']} equivalences, {cat['transfer_rules']} transfer rules"
    )
    print(f"cold load    {cold:8.3f} s   (median {statistics.median(cold_all):.3f})")
    print(f"parse floor  {floor:8.3f} s   CSafeLoader (median {statistics.median(floor_all):.3f})")
    print(f"warm load    {warm:8.4f} s   (median {statistics.median(warm_all):.4f})")
    print(f"cold / floor {cold / floor:8.3f}     target ≤ 0.25")
    print(f"warm / floor {warm / floor:8.4f}     target ≤ 0.1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
