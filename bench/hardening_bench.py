"""Figures for the README's Hardening section (issue 18). Figures, not tests.

* ``flood``: starts ``pathways serve`` (SQLite, one worker), sends ``--rounds`` rounds of 16
  concurrent anonymous 31 MiB uploads to ``POST /v1/catalog`` and prints the server's RSS
  (read from ``/proc``, the process and its children) before, at its peak and after; then
  runs 8 concurrent verifications of one badge with ``--alignments`` alignments while polling
  ``GET /v1/health`` every 50 ms, and prints the verdicts and the health latencies.
* ``health``: only the second half of ``flood``: health latency while 8 verifications of one
  badge with ``--alignments`` alignments run at once, on a server whose verification pool has
  ``--cpu-workers`` processes (0: verification on the request's own thread, as before the pool);
  with ``--transcript-rows N``, while one transcript of N course lines is imported instead;
  with ``--route audit``, while 8 ``POST /v1/audit`` calls each read that badge inline in
  the record.
* ``kill-sweep``: kills (SIGKILL) a process publishing the bundled catalog right after its
  k-th SQL statement, for every k of the transaction, ``--rounds`` times, and checks after
  each kill that the database is consistent (the pointer names a stored version, every
  version has all its files, one publication in the audit log per version).

    python bench/hardening_bench.py flood --rounds 4
    python bench/hardening_bench.py health --cpu-workers 2
    python bench/hardening_bench.py kill-sweep --db sqlite --rounds 5
    PATHWAYS_TEST_PG_URL=postgresql+psycopg://… \\
        python bench/hardening_bench.py kill-sweep --db postgresql
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, func, select

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from api_support import database_url, serve  # noqa: E402
from test_api_badges import KEY, badge  # noqa: E402

from api import crud  # noqa: E402
from api.catalogs import bootstrap  # noqa: E402
from api.db import make_engine  # noqa: E402
from api.models import AuditLog, CatalogFile, CatalogVersion  # noqa: E402
from pathways.catalog.load import DEFAULT_CATALOG  # noqa: E402

PUBLISHER = """
import sys, time
from sqlalchemy import event
from sqlmodel import Session
from api import crud
from api.catalogs import directory_sources
from api.db import make_engine
from pathways.catalog.load import load_sources
url, directory, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
engine = make_engine(url)
sources = {"k/" + name: raw for name, raw in directory_sources(directory).items()}
compiled = load_sources(sources)
seen = 0
@event.listens_for(engine, "after_cursor_execute")
def pause(*args):
    global seen
    seen += 1
    if seen == k:
        print("PAUSED", flush=True)
        time.sleep(600)
with Session(engine) as session:
    crud.publish_catalog(session=session, sources=sources, compiled=compiled, actor=None,
                         note="sweep")
print("COMMITTED", flush=True)
"""


def tree_rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, in MiB."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            # Each thread lists the children it started (a worker pool is started by one).
            children = [
                child
                for task in Path(f"/proc/{current}/task").iterdir()
                for child in (task / "children").read_text().split()
            ]
        except FileNotFoundError:
            continue
        pending.extend(int(child) for child in children)
    return total / 1024


def listening_pid(port: int) -> int:
    """The process listening on a loopback ``port`` (from ``ss -ltnp``)."""
    out = subprocess.run(["ss", "-ltnp"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if f":{port} " in line and "pid=" in line:
            return int(line.split("pid=")[1].split(",")[0])
    raise RuntimeError(f"nothing listens on port {port}")


def flood(base: str, pid: int, rounds: int) -> dict[str, Any]:
    """RSS around ``rounds`` × 16 concurrent anonymous 31 MiB catalog uploads."""
    body = b"credentials: []\n" + b"#" * (31 * 2**20 - 16)
    before = peak = tree_rss_mib(pid)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_mib(pid))
            time.sleep(0.05)

    def upload(_: int) -> str:
        try:
            headers = {"content-type": "application/yaml"}
            reply = httpx.post(f"{base}/v1/catalog", content=body, headers=headers, timeout=120)
        except httpx.HTTPError as error:
            return type(error).__name__
        return str(reply.status_code)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        statuses = [s for _ in range(rounds) for s in pool.map(upload, range(16))]
    seconds = time.monotonic() - started
    time.sleep(2)
    done.set()
    sampler.join()
    return {
        "uploads": len(statuses),
        "statuses": Counter(statuses),
        "rss_mib": [round(before), round(peak), round(tree_rss_mib(pid))],
        "seconds": round(seconds, 1),
    }


def health_while(base: str, pid: int, work: Callable[[], list[str]]) -> dict[str, Any]:
    """Poll ``GET /v1/health`` every 50 ms while ``work`` runs: its outcomes, the health
    latencies, how long it took, and the server's RSS (worker processes included) before and
    at its peak."""
    latencies: list[float] = []
    done = threading.Event()
    before = peak = tree_rss_mib(pid)

    def poll() -> None:
        nonlocal peak
        # One client, one kept-alive connection: the figure is the server's, not the cost of
        # a new client (its TLS context) for every poll.
        with httpx.Client(timeout=60) as client:
            while not done.is_set():
                started = time.monotonic()
                client.get(f"{base}/v1/health")
                latencies.append(time.monotonic() - started)
                peak = max(peak, tree_rss_mib(pid))
                time.sleep(0.05)

    poller = threading.Thread(target=poll)
    poller.start()
    started = time.monotonic()
    outcomes = work()
    seconds = time.monotonic() - started
    done.set()
    poller.join()
    return {
        "outcomes": Counter(outcomes),
        "health_polls": len(latencies),
        "health_median_ms": round(statistics.median(latencies) * 1000),
        "health_max_ms": round(max(latencies) * 1000),
        "work_seconds": round(seconds, 1),
        "rss_mib": [round(before), round(peak)],
    }


def health_under_badges(base: str, pid: int, alignments: int, route: str) -> dict[str, Any]:
    """Health while 8 verifications of one badge with ``alignments`` alignments run at once
    (``route`` ``verify``: ``POST /v1/badges/verify``; ``audit``: inline in an audit's record)."""
    document = badge()
    document.pop("proof")
    document["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetName": f"T{i}", "targetUrl": f"https://e.org/{i}"}
        for i in range(alignments)
    ]
    signed = KEY.sign(document, created=datetime(2025, 1, 1, tzinfo=UTC))
    payload = {"badge": signed, "trust": [KEY.issuer], "as_of": "2026-03-01"}
    audit = {
        "record": {"learner": {"id": "l"}, "holdings": [{"badge": signed}]},
        "goal": "demo.badge.robotics",
        "trust": [KEY.issuer],
        "as_of": "2026-03-01",
    }

    def verify(_: int) -> str:
        if route == "audit":
            reply = httpx.post(f"{base}/v1/audit", json=audit, timeout=600)
            return f"{reply.status_code} {reply.json().get('status')}"
        reply = httpx.post(f"{base}/v1/badges/verify", json=payload, timeout=600)
        verdict = reply.json()
        return f"{reply.status_code} {verdict.get('verified')} {verdict.get('reason_code')}"

    def work() -> list[str]:
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(verify, range(8)))

    return health_while(base, pid, work)


def health_under_import(base: str, pid: int, rows: int) -> dict[str, Any]:
    """Health while one CSV transcript of ``rows`` course lines (none a catalog credential
    claims, each a different course) is imported with ``POST /v1/records/import``."""
    lines = ["student_id,institution,subject,number,title,credits,grade,term"]
    lines += [f"s1,tri-c,ZZZ,{1000 + i},Course {i},3,A,Fall {2000 + i % 20}" for i in range(rows)]
    body = {"files": [{"name": "big.csv", "content": "\n".join(lines)}], "institution": "tri-c"}

    def work() -> list[str]:
        reply = httpx.post(f"{base}/v1/records/import", json=body, timeout=600)
        return [str(reply.status_code)]

    return health_while(base, pid, work)


def consistent(engine: Engine) -> bool:
    """The publication pointer names a stored version; every version is whole and logged."""
    with Session(engine) as session:
        pointer = crud.publication(engine)
        versions = session.exec(select(CatalogVersion)).all()
        whole = all(
            session.exec(
                select(func.count()).select_from(CatalogFile).where(CatalogFile.version_id == v.id)
            ).one()
            == v.files
            for v in versions
        )
        logged = session.exec(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "catalog.publish")
        ).one()
    named = pointer is not None and any(v.id == pointer[1] for v in versions)
    return named and whole and logged == len(versions)


def kill_sweep(kind: str, rounds: int) -> dict[str, Any]:
    """Kill a publication after each of its statements in turn, ``rounds`` times."""
    kills = inconsistent = completed = 0
    with database_url(kind, Path(tempfile.mkdtemp())) as url:
        engine = make_engine(url)
        bootstrap(engine, DEFAULT_CATALOG)
        for _ in range(rounds):
            k = 1
            while True:
                process = subprocess.Popen(
                    [sys.executable, "-c", PUBLISHER, url, str(DEFAULT_CATALOG), str(k)],
                    stdout=subprocess.PIPE,
                    cwd=REPO,
                )
                assert process.stdout is not None
                paused = b"PAUSED" in process.stdout.readline()
                if paused:
                    os.kill(process.pid, signal.SIGKILL)
                process.wait()
                kills += paused
                completed += not paused
                inconsistent += not consistent(engine)
                if not paused:
                    break
                k += 1
        engine.dispose()
    return {"database": kind, "kills": kills, "completed": completed, "inconsistent": inconsistent}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    flood_args = commands.add_parser("flood")
    flood_args.add_argument("--rounds", type=int, default=4)
    flood_args.add_argument("--alignments", type=int, default=1500)
    health_args = commands.add_parser("health")
    health_args.add_argument("--alignments", type=int, default=1500)
    health_args.add_argument("--cpu-workers", type=int, default=None)
    health_args.add_argument("--route", choices=("verify", "audit"), default="verify")
    health_args.add_argument(
        "--transcript-rows", type=int, default=0, help="import a transcript instead of badges"
    )
    sweep_args = commands.add_parser("kill-sweep")
    sweep_args.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    sweep_args.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.command == "kill-sweep":
        print(json.dumps(kill_sweep(args.db, args.rounds)))
        return
    env = {}
    if args.command == "health" and args.cpu_workers is not None:
        env["PATHWAYS_CPU_WORKERS"] = str(args.cpu_workers)
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve(f"sqlite:///{tmp}/p.db", workers=1, env=env) as base,
    ):
        pid = listening_pid(int(base.rsplit(":", 1)[1]))
        if args.command == "flood":
            print(json.dumps(flood(base, pid, args.rounds)))
        if args.command == "health" and args.transcript_rows:
            print(json.dumps(health_under_import(base, pid, args.transcript_rows)))
        else:
            route = args.route if args.command == "health" else "verify"
            print(json.dumps(health_under_badges(base, pid, args.alignments, route)))


if __name__ == "__main__":
    main()
