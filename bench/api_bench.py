"""HTTP load benchmark: ``POST /v1/audit`` against ``pathways serve`` with 2 workers.

Starts ``pathways serve --workers N`` on a free loopback port with a fresh SQLite database
(the bundled catalog published as version 1), then drives it from this process — a second
process — with ``--concurrency`` httpx connections, each sending sample learner records and
goals from ``data/learners`` in turn, until ``--requests`` requests are done or ``--seconds``
have passed. A warm-up round (one pass over the samples per connection) is not counted.
Prints requests per second and p50/p90/p99 latency. A figure, not a test.

    python bench/api_bench.py                        # 2 workers, 8 connections, 400 requests
    python bench/api_bench.py --requests 1000 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import yaml

REPO = Path(__file__).resolve().parent.parent
LEARNERS = REPO / "data" / "learners"
AS_OF = "2026-06-01"

SAMPLES: tuple[tuple[str, str], ...] = (
    ("cyber-security-plus.yaml", "tri-c.cert.cybersecurity"),
    ("cyber-security-plus.yaml", "tri-c.aas.cybersecurity"),
    ("advisor-exceptions.yaml", "tri-c.aas.cybersecurity"),
    ("one-year-option.yaml", "tri-c.ats"),
    ("ladder-accounting.yaml", "tri-c.cert.accounting"),
    ("lpn-to-rn.yaml", "tri-c.aas.nursing"),
)
"""(record, goal) pairs sent in turn: certificates and associate degrees, with transfer."""


def _json_ready(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def bodies() -> list[bytes]:
    """The request bodies, as a client would send them (JSON, dates as strings)."""
    found = []
    for name, goal in SAMPLES:
        record = yaml.safe_load((LEARNERS / name).read_text(encoding="utf-8"))
        body = {"record": record, "goal": goal, "as_of": AS_OF}
        found.append(json.dumps(body, default=_json_ready).encode())
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(db: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    """``pathways serve`` in a subprocess, once it answers /v1/health."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pathways.cli",
            "serve",
            "--db",
            f"sqlite:///{db}",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=REPO,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"pathways serve exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("pathways serve did not answer within 120 s")


async def drive(
    base: str, payloads: list[bytes], *, requests: int, seconds: float, concurrency: int
) -> tuple[list[float], int, float]:
    """Send audits until ``requests`` are done or ``seconds`` pass; latencies, errors, time."""
    latencies: list[float] = []
    errors = 0
    counter = 0
    headers = {"content-type": "application/json"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def warm(worker: int) -> None:
            for index in range(len(payloads)):
                body = payloads[(index + worker) % len(payloads)]
                await client.post("/v1/audit", content=body, headers=headers)

        await asyncio.gather(*(warm(w) for w in range(concurrency)))
        started = time.perf_counter()
        deadline = started + seconds

        async def run() -> None:
            nonlocal counter, errors
            while counter < requests and time.perf_counter() < deadline:
                body = payloads[counter % len(payloads)]
                counter += 1
                sent = time.perf_counter()
                reply = await client.post("/v1/audit", content=body, headers=headers)
                latencies.append(time.perf_counter() - sent)
                if reply.status_code != 200:
                    errors += 1

        await asyncio.gather(*(run() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return latencies, errors, elapsed


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="Server worker processes.")
    parser.add_argument("--concurrency", type=int, default=8, help="Client connections.")
    parser.add_argument("--requests", type=int, default=400, help="Requests measured (max).")
    parser.add_argument("--seconds", type=float, default=60.0, help="Time measured (max).")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    args = parser.parse_args(argv)

    payloads = bodies()
    with tempfile.TemporaryDirectory(prefix="pathways-api-bench-") as scratch:
        port = _free_port()
        server = start_server(Path(scratch) / "bench.db", port, args.workers)
        try:
            latencies, errors, elapsed = asyncio.run(
                drive(
                    f"http://127.0.0.1:{port}",
                    payloads,
                    requests=args.requests,
                    seconds=args.seconds,
                    concurrency=args.concurrency,
                )
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    figures = {
        "endpoint": "POST /v1/audit",
        "workers": args.workers,
        "concurrency": args.concurrency,
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p90_ms": round(_percentile(latencies, 0.90) * 1000, 1),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(
        f"{figures['endpoint']}: {figures['workers']} server workers, "
        f"{figures['concurrency']} client connections (a second process), "
        f"{figures['requests']} requests in {figures['seconds']} s, {errors} errors"
    )
    print(f"requests/s: {figures['requests_per_second']}")
    print(
        f"latency: p50 {figures['p50_ms']} ms, p90 {figures['p90_ms']} ms, "
        f"p99 {figures['p99_ms']} ms"
    )
    print(
        f"machine: {figures['cpus']} CPUs, Python {figures['python']}, "
        f"load average {figures['load_average']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
