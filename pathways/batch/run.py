"""Audit many learners against many goals: reverse transfer and "degree in reach".

:func:`run_batch` audits every (learner, goal) pair with :func:`pathways.evaluate.audit` and
classifies each result:

* ``completed_not_awarded`` — the audit is complete but the learner does not hold the goal
  credential (reverse transfer, Ohio's "Credit When It's Due");
* ``within_n`` — not complete, and ``required − applied ≤ within`` credits ("degree in reach");
* ``awarded`` — the learner already holds the goal;
* ``none`` — neither; ``error`` — the audit refused the input (the message is kept).

Engines. ``local`` runs a process pool (``workers`` processes, ``forkserver`` start method);
``ray`` runs one Ray actor per worker, on a private local Ray instance whose servers listen on
127.0.0.1 only (no dashboard), or on a cluster when ``address`` is given (``pip install
pathways[ray]``). Either way each worker receives the compiled catalog exactly once — pickled
into the pool initializer, or put in Ray's object store and handed to each actor's
constructor — and keeps it read-only; no worker ever parses catalog YAML. Work travels in
chunks of parsed learner records.

Results are sorted by learner id, then goal, then input position, so the rows are identical
whatever the engine and the number of workers. :func:`write_rows` writes them to CSV or
Parquet atomically; storing them in a database is the service's job (:mod:`api.batch_sink`).
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import pickle
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pathways.errors import PathwaysError
from pathways.options import Options

if TYPE_CHECKING:
    from pathways.catalog.compile import CompiledCatalog
    from pathways.catalog.model import LearnerRecord

__all__ = [
    "ENGINES",
    "FINDINGS",
    "BatchError",
    "BatchResult",
    "BatchRow",
    "classify",
    "run_batch",
    "write_rows",
]

ENGINES = ("local", "ray")
FINDINGS = ("completed_not_awarded", "within_n", "awarded", "none", "error")
Engine = Literal["local", "ray"]


class BatchError(PathwaysError):
    """A batch that cannot run as asked (missing optional package, unreachable Ray cluster…)."""


@dataclass(frozen=True, slots=True, order=True)
class BatchRow:
    """One audit of one learner against one goal.

    Credits are semester hours rounded to 4 decimals; ``gap`` is ``required − applied``
    (never negative). ``unmet`` counts the requirements the audit lists as remaining: applied
    credit includes free electives, so a learner may be 0 credits short yet miss a named
    course — sort "within N" findings by ``unmet`` too. ``seq`` is the learner's position in
    the input, a tie-break only.
    """

    learner: str
    goal: str
    seq: int
    status: str
    required: float
    applied: float
    gap: float
    unmet: int
    holds_goal: bool
    finding: str
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The row as a flat dict (the CSV/Parquet/database columns)."""
        return asdict(self)


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(BatchRow))


@dataclass(frozen=True)
class BatchResult:
    """Sorted rows and how the run went.

    ``startup_s`` is the time to start the workers and hand each the catalog;
    ``elapsed_s`` the time spent auditing after that (the throughput figure's denominator);
    ``cpu_s`` what that auditing cost the workers in CPU time. ``cpu_s / (elapsed_s ×
    workers)`` near 1 means the workers never waited: throughput then grows with the cores
    they get.
    """

    rows: tuple[BatchRow, ...]
    engine: str
    workers: int
    catalog_version: str
    as_of: date
    within: float
    startup_s: float
    elapsed_s: float
    cpu_s: float = 0.0
    """CPU seconds the workers spent auditing (their own clocks, summed over chunks)."""
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def audits(self) -> int:
        """How many (learner, goal) audits ran."""
        return len(self.rows)

    @property
    def audits_per_s(self) -> float:
        """Audits per second of auditing time (worker start-up excluded)."""
        return self.audits / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def findings(self) -> list[BatchRow]:
        """The rows worth acting on: completed-but-not-awarded and within-N."""
        return [r for r in self.rows if r.finding in ("completed_not_awarded", "within_n")]

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (no rows)."""
        return {
            "audits": self.audits,
            "learners": len({r.seq for r in self.rows}),
            "engine": self.engine,
            "workers": self.workers,
            "catalog_version": self.catalog_version,
            "as_of": self.as_of.isoformat(),
            "within": self.within,
            "counts": {k: self.counts.get(k, 0) for k in FINDINGS},
            "startup_s": round(self.startup_s, 3),
            "elapsed_s": round(self.elapsed_s, 3),
            "audits_per_s": round(self.audits_per_s, 2),
            "cpu_s": round(self.cpu_s, 3),
        }


# --------------------------------------------------------------------------- one audit


def _number(value: Any) -> float:
    return round(float(value), 4)


def classify(status: str, required: float, applied: float, holds_goal: bool, within: float) -> str:
    """The finding for one audit result (see the module docstring).

    >>> classify("complete", 60, 60, False, 6)
    'completed_not_awarded'
    >>> classify("in_progress", 60, 55, False, 6)
    'within_n'
    >>> classify("in_progress", 60, 40, False, 6)
    'none'
    """
    if holds_goal:
        return "awarded"
    if status == "complete":
        return "completed_not_awarded"
    if required - applied <= within + 1e-9:
        return "within_n"
    return "none"


def _holds(record: LearnerRecord, goal: str, as_of: date) -> bool:
    """Whether ``record`` says ``goal`` was awarded on or before ``as_of``."""
    return any(
        h.credential == goal and h.status == "earned" and (h.earned is None or h.earned <= as_of)
        for h in record.holdings
    )


@dataclass(frozen=True, slots=True)
class Job:
    """What every worker needs besides the catalog: the goals, the threshold, the options."""

    goals: tuple[str, ...]
    within: float
    options: Options


def audit_chunk(
    catalog: CompiledCatalog, chunk: Sequence[tuple[int, LearnerRecord]], job: Job
) -> tuple[list[BatchRow], float]:
    """One worker's share of a batch: a row per (learner, goal) of ``chunk`` (in order) and
    the CPU seconds its audits took; what every worker runs, in whichever process it lives."""
    from pathways.evaluate import Auditor
    from pathways.solver import SolverTimeout

    rows = []
    started = time.process_time()
    for seq, record in chunk:
        auditor = Auditor(catalog, record, job.options)  # the record prepared once, all goals
        for goal in job.goals:
            holds = _holds(record, goal, job.options.day())
            try:
                decision = auditor.audit(goal)
            except (PathwaysError, SolverTimeout) as error:
                message = " ".join(str(error).split())
                rows.append(
                    BatchRow(
                        record.learner.id,
                        goal,
                        seq,
                        "error",
                        0.0,
                        0.0,
                        0.0,
                        0,
                        holds,
                        "error",
                        message,
                    )
                )
                continue
            status = decision.status_label()
            required = _number(decision.credits.required)
            applied = _number(decision.credits.applied)
            finding = classify(decision.status, required, applied, holds, job.within)
            gap = round(max(0.0, required - applied), 4)
            unmet = len(decision.remaining)
            rows.append(
                BatchRow(
                    record.learner.id,
                    goal,
                    seq,
                    status,
                    required,
                    applied,
                    gap,
                    unmet,
                    holds,
                    finding,
                )
            )
    return rows, time.process_time() - started


# --------------------------------------------------------------------------- process pool

_WORKER_CATALOG: CompiledCatalog | None = None
_WORKER_BARRIER: Any = None


def _init_worker(blob: bytes, barrier: Any) -> None:
    # Runs once per worker process: the only time the catalog crosses a process boundary.
    global _WORKER_CATALOG, _WORKER_BARRIER
    _WORKER_CATALOG = pickle.loads(blob)
    _WORKER_BARRIER = barrier
    _load_solver()


def _load_solver() -> None:
    """Import the exact solver's library (OR-Tools, about 0.17 s of CPU), which the first
    audit that needs it would otherwise import: a worker is ready to audit once it holds the
    catalog and the solver, before the batch's clock starts."""
    from pathways.ortools_import import load_cp_model

    load_cp_model()


def _worker_ready() -> int:
    # One such task per worker, each blocking until all are up: every process is started
    # and holds the catalog before the clock starts.
    _WORKER_BARRIER.wait(timeout=600)
    return os.getpid()


def _worker_audit(
    chunk: Sequence[tuple[int, LearnerRecord]], job: Job
) -> tuple[list[BatchRow], float]:
    assert _WORKER_CATALOG is not None, "worker used before its initializer ran"
    return audit_chunk(_WORKER_CATALOG, chunk, job)


def _pool_context() -> multiprocessing.context.BaseContext:
    # forkserver: workers never inherit the parent's threads (the progress bar, Ray's
    # client…); the server preloads the engine so each worker starts without re-importing it.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["pathways.batch", "pathways.evaluate"])
    return context


def _run_local(
    catalog: CompiledCatalog,
    chunks: list[list[tuple[int, LearnerRecord]]],
    job: Job,
    workers: int,
    advance: Callable[[int], None],
) -> tuple[list[BatchRow], float, float, float]:
    started = time.perf_counter()
    context = _pool_context()
    barrier = context.Barrier(workers)
    blob = pickle.dumps(catalog, protocol=pickle.HIGHEST_PROTOCOL)
    rows: list[BatchRow] = []
    cpu_s = 0.0
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(blob, barrier),
    ) as pool:
        for ready in [pool.submit(_worker_ready) for _ in range(workers)]:
            ready.result()
        del blob
        startup = time.perf_counter() - started
        started = time.perf_counter()
        pending: set[Future[tuple[list[BatchRow], float]]] = {
            pool.submit(_worker_audit, chunk, job) for chunk in chunks
        }
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                result, cpu = future.result()
                rows.extend(result)
                cpu_s += cpu
                advance(len(result))
    return rows, startup, time.perf_counter() - started, cpu_s


# --------------------------------------------------------------------------- Ray


class _RayAuditor:
    """A Ray actor holding the catalog; ``ray.remote`` wraps it only when Ray is used."""

    def __init__(self, catalog: CompiledCatalog) -> None:
        # Ray resolves the object ref passed to the constructor: one copy per actor.
        self.catalog = catalog
        _load_solver()

    def ready(self) -> int:
        return os.getpid()

    def run(
        self, chunk: Sequence[tuple[int, LearnerRecord]], job: Job
    ) -> tuple[list[BatchRow], float]:
        return audit_chunk(self.catalog, chunk, job)


_LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
"""Set to 0, Ray takes the loopback address as the node's (as on macOS), so every server it
starts listens on 127.0.0.1 only. Ray reads it on first import and its processes at start."""


@contextmanager
def _loopback_only(enabled: bool) -> Iterator[None]:
    saved = os.environ.get(_LOOPBACK_ENV)
    if enabled:
        os.environ[_LOOPBACK_ENV] = "0"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(_LOOPBACK_ENV, None)
        else:
            os.environ[_LOOPBACK_ENV] = saved


def _import_ray(*, local: bool) -> Any:
    with _loopback_only(local and "ray" not in sys.modules):
        try:
            import ray
        except ImportError:
            raise BatchError(
                "the ray engine needs Ray: pip install 'pathways[ray]' (or use --engine local)"
            ) from None
    return ray


def _run_ray(
    catalog: CompiledCatalog,
    chunks: list[list[tuple[int, LearnerRecord]]],
    job: Job,
    workers: int,
    address: str | None,
    advance: Callable[[int], None],
) -> tuple[list[BatchRow], float, float, float]:
    ray = _import_ray(local=address is None)
    from ray.util import ActorPool

    started = time.perf_counter()
    owned = not ray.is_initialized()
    if owned:
        try:
            if address:
                ray.init(address=address, log_to_driver=False, configure_logging=False)
            else:
                # A private local instance: one CPU per worker, no dashboard, loopback only.
                with _loopback_only(True):
                    ray.init(
                        num_cpus=workers,
                        include_dashboard=False,
                        log_to_driver=False,
                        configure_logging=False,
                    )
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise BatchError(
                f"cannot start or reach Ray at {address or 'local'}: {error}"
            ) from None
    try:
        actor_class = ray.remote(num_cpus=1)(_RayAuditor)
        catalog_ref = ray.put(catalog)
        actors = [actor_class.remote(catalog_ref) for _ in range(workers)]
        ray.get([actor.ready.remote() for actor in actors])
        startup = time.perf_counter() - started
        started = time.perf_counter()
        rows: list[BatchRow] = []
        cpu_s = 0.0
        pool = ActorPool(actors)
        for result in pool.map_unordered(lambda a, c: a.run.remote(c, job), chunks):
            result_rows, cpu = result
            rows.extend(result_rows)
            cpu_s += cpu
            advance(len(result_rows))
        elapsed = time.perf_counter() - started
        for actor in actors:
            ray.kill(actor)
    finally:
        if owned:
            ray.shutdown()
    return rows, startup, elapsed, cpu_s


# --------------------------------------------------------------------------- entry point


def _chunks(
    records: Sequence[LearnerRecord], goals: int, workers: int
) -> list[list[tuple[int, LearnerRecord]]]:
    # Enough chunks per worker to balance uneven audits, few enough to keep the per-task
    # overhead (pickling records, scheduling) small next to the audits themselves.
    per_chunk = max(1, min(64 // max(1, goals), len(records) // (workers * 8) or 1))
    indexed = list(enumerate(records))
    return [indexed[i : i + per_chunk] for i in range(0, len(indexed), per_chunk)]


def run_batch(
    catalog: CompiledCatalog,
    records: Sequence[LearnerRecord],
    goals: Sequence[str],
    options: Options | None = None,
    *,
    within: float = 6.0,
    engine: Engine = "local",
    workers: int = 1,
    address: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> BatchResult:
    """Audit every record against every goal and classify the results.

    ``goals`` must name credentials of ``catalog`` (else :class:`~pathways.errors.UnknownIdError`
    before any work starts). ``progress`` is called with the number of audits each finished
    chunk holds. ``options.as_of`` defaults to today, fixed once for the whole run; the
    options travel to every worker, so a ``badge_resolver`` must pickle. An audit that
    refuses its input (a :class:`~pathways.errors.PathwaysError`, or a solver time-out)
    becomes an ``error`` row; anything else propagates. Raises :class:`BatchError` when the
    engine cannot run (Ray missing or unreachable). The returned rows are sorted and do not
    depend on ``engine`` or ``workers``.
    """
    if engine not in ENGINES:
        raise BatchError(f"unknown engine {engine!r} (expected one of {', '.join(ENGINES)})")
    if workers < 1:
        raise BatchError("workers must be at least 1")
    goal_ids = tuple(dict.fromkeys(goals))
    for goal in goal_ids:
        catalog.credential(goal)
    # One date for the whole run, fixed here: workers never disagree about "today".
    options = options or Options()
    as_of = options.day()
    job = Job(goal_ids, float(within), replace(options, as_of=as_of))
    advance = progress or (lambda _n: None)
    chunks = _chunks(records, len(goal_ids), workers) if records and goal_ids else []
    if not chunks:
        rows: list[BatchRow] = []
        startup = elapsed = cpu_s = 0.0
    elif engine == "ray":
        rows, startup, elapsed, cpu_s = _run_ray(catalog, chunks, job, workers, address, advance)
    else:
        rows, startup, elapsed, cpu_s = _run_local(catalog, chunks, job, workers, advance)
    rows.sort(key=lambda r: (r.learner, r.goal, r.seq))
    return BatchResult(
        rows=tuple(rows),
        engine=engine,
        workers=workers,
        catalog_version=str(catalog.version),
        as_of=as_of,
        within=float(within),
        startup_s=startup,
        elapsed_s=elapsed,
        cpu_s=cpu_s,
        counts=dict(Counter(r.finding for r in rows)),
    )


# --------------------------------------------------------------------------- output


@contextmanager
def _atomic_target(path: Path) -> Iterator[Path]:
    # Write next to the target and rename over it: a reader never sees a half-written file.
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def parquet_available() -> bool:
    """Whether pyarrow is installed (Parquet output is optional: ``pathways[parquet]``)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def write_rows(rows: Sequence[BatchRow], path: Path) -> None:
    """Write rows to ``path``: Parquet when it ends in ``.parquet``, else CSV.

    The file appears whole or not at all. Raises :class:`BatchError` for Parquet without
    pyarrow.
    """
    path = Path(path)
    if path.suffix == ".parquet":
        if not parquet_available():
            raise BatchError("Parquet output needs pyarrow: pip install 'pathways[parquet]'")
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({name: [getattr(r, name) for r in rows] for name in COLUMNS})
        with _atomic_target(path) as tmp:
            pq.write_table(table, tmp)
        return
    with _atomic_target(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([_csv_value(getattr(row, name)) for name in COLUMNS])


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
