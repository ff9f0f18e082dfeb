"""Worker processes for the CPU-heavy part of requests: :class:`Workers`.

Checking a badge canonicalizes JSON-LD and verifies signatures, seconds of pure-Python work for
a large badge; compiling an uploaded catalog and reading large transcripts are the same kind
of work. Run in the server's own
process it holds the GIL, and every other request waits (``GET /v1/health`` took 1.5 s while
8 large badges were checked). The service therefore runs both in a bounded pool of worker
processes (``settings.cpu_workers`` of them) and keeps only cheap work (mapping a checked badge
to the catalog, the database) in its own. What a caller may rely on:

* the answer is the one the same function gives in-process (``cpu_workers = 0`` runs it so):
  inputs and outputs are pickled, errors the job raises (a catalog's ``CatalogError``, a
  transcript's ``TranscriptError``) are raised again in the caller, and an input too deeply
  nested to pickle runs in-process. A job that needs the published catalog sends it pickled
  once per catalog version (the bytes are kept), and each worker keeps the last two it read;
* the pool starts on the first job, never holds more than ``cpu_workers`` processes, and
  :meth:`Workers.shutdown` (the app's shutdown) stops them;
* processes come from a fork server that has already imported the engine (never ``fork`` of
  the threaded server);
* a job not finished within ``settings.cpu_job_seconds`` (waiting included) answers 503 and
  is dropped if it has not started; an async request that is cancelled drops its queued job
  the same way. A started job runs to its end (each is bounded: badges by size and
  ``MAX_OBJECTS``, catalogs by the upload cap) and its process returns to the pool;
* a process that dies (killed, out of memory) answers 503, and the next job gets a new pool.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, Generic, TypeVar

from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.load import load_sources
from pathways.catalog.model import Identity
from pathways.interop import Checked, Resolver, check_badge
from pathways.interop.transcripts import (
    ImportOptions,
    ImportResult,
    TranscriptFormat,
    import_transcripts,
)

__all__ = ["Job", "Workers", "WorkersUnavailable"]

T = TypeVar("T")

_resolver: Resolver | None = None
"""In a worker process: the server's badge resolver, given once when the process starts."""

KEPT_CATALOGS = 2
"""Catalog versions kept pickled in the server and unpickled in each worker."""

_catalogs: OrderedDict[str, CompiledCatalog] = OrderedDict()
"""In a worker process: the catalogs jobs sent, by content hash, the last KEPT_CATALOGS."""

TranscriptFiles = Sequence[tuple[str, bytes, TranscriptFormat | None]]
"""Transcript files to import: (name, content, format or None to guess)."""


class WorkersUnavailable(Exception):
    """A job that did not finish in time, or whose worker process died: answered with 503."""


@dataclass(frozen=True)
class Job(Generic[T]):
    """One piece of work: ``remote(*args)`` in a worker process, or ``local(*args)`` (the same
    computation with what this process holds) in the caller."""

    remote: Callable[..., T]
    """A module-level function, importable in the worker."""
    local: Callable[..., T]
    args: tuple[Any, ...]


def _start(resolver: Resolver | None) -> None:
    """Each worker process's set-up: keep the resolver."""
    global _resolver
    _resolver = resolver


def _run_pickled(job: bytes) -> Any:
    """In a worker: run the pickled ``(function, args)``. An exception that would not survive
    the way back (its class cannot be rebuilt from its pickle) is raised as a RuntimeError
    naming it, a bug answered with 500, rather than breaking the pool."""
    function, args = pickle.loads(job)
    try:
        return function(*args)
    except Exception as error:
        try:
            pickle.loads(pickle.dumps(error))
        except Exception:
            raise RuntimeError(f"{type(error).__name__}: {error}") from None
        raise


def _check_badge(
    document: Any, as_of: date, trust: tuple[str, ...], identity: Identity | None
) -> Checked:
    """In a worker: :func:`~pathways.interop.check_badge` with the process's resolver."""
    return check_badge(document, as_of=as_of, resolver=_resolver, trust=trust, identity=identity)


def _catalog(version: str, pickled: bytes) -> CompiledCatalog:
    """In a worker: the catalog ``pickled`` holds (unpickled once per version)."""
    found = _catalogs.get(version)
    if found is None:
        found = _catalogs[version] = pickle.loads(pickled)
        while len(_catalogs) > KEPT_CATALOGS:
            _catalogs.popitem(last=False)
    _catalogs.move_to_end(version)
    return found


def _import_transcripts(
    version: str, pickled: bytes, files: TranscriptFiles, options: ImportOptions
) -> ImportResult:
    """In a worker: :func:`~pathways.interop.transcripts.import_transcripts`."""
    return import_transcripts(_catalog(version, pickled), files, options)


def _import_transcripts_with(
    catalog: CompiledCatalog,
    _version: str,
    _pickled: bytes,
    files: TranscriptFiles,
    options: ImportOptions,
) -> ImportResult:
    return import_transcripts(catalog, files, options)


def _check_badge_with(
    resolver: Resolver | None,
    document: Any,
    as_of: date,
    trust: tuple[str, ...],
    identity: Identity | None,
) -> Checked:
    return check_badge(document, as_of=as_of, resolver=resolver, trust=trust, identity=identity)


def _cancel_submitted(submitting: asyncio.Future[Any]) -> None:
    """Drop the job of a request cancelled while the job was being submitted."""
    if not submitting.cancelled() and submitting.exception() is None and submitting.result():
        submitting.result()[0].cancel()


class Workers:
    """The app's pool of worker processes (one pool per server process), started on first use."""

    def __init__(self, count: int, *, seconds: float, resolver: Resolver | None) -> None:
        """``count`` processes at most (0: run every job in the caller); ``seconds`` to wait
        for a job; ``resolver`` for badge checks."""
        self.count = count
        self.seconds = seconds
        self._resolver = resolver
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._pickled: OrderedDict[str, bytes] = OrderedDict()

    def check_badge(
        self,
        document: Mapping[str, Any] | str,
        *,
        as_of: date,
        trust: tuple[str, ...],
        identity: Identity | None,
    ) -> Job[Checked]:
        """The job that checks one badge against the server's resolver."""
        return Job(
            _check_badge,
            partial(_check_badge_with, self._resolver),
            (document, as_of, trust, identity),
        )

    def check_badge_now(
        self,
        document: Mapping[str, Any] | str,
        *,
        as_of: date,
        trust: tuple[str, ...],
        identity: Identity | None,
    ) -> Checked:
        """:meth:`check_badge` run and waited for in this (worker) thread: the engine's
        ``Options.badge_checker``, so that the badges of a record an evaluation reads are
        checked in the pool. Raises :class:`WorkersUnavailable`."""
        return self.call(self.check_badge(document, as_of=as_of, trust=trust, identity=identity))

    def import_transcripts(
        self, catalog: CompiledCatalog, files: TranscriptFiles, options: ImportOptions
    ) -> Job[ImportResult]:
        """The job that reads transcripts and maps them to ``catalog`` (raises
        ``TranscriptError``)."""
        pickled = self._pickle(catalog) if self.count else b""
        return Job(
            _import_transcripts,
            partial(_import_transcripts_with, catalog),
            (catalog.version, pickled, files, options),
        )

    def _pickle(self, catalog: CompiledCatalog) -> bytes:
        """``catalog`` pickled, kept for its version."""
        with self._lock:
            found = self._pickled.get(catalog.version)
        if found is None:
            found = pickle.dumps(catalog, protocol=pickle.HIGHEST_PROTOCOL)
            with self._lock:
                self._pickled[catalog.version] = found
                while len(self._pickled) > KEPT_CATALOGS:
                    self._pickled.popitem(last=False)
        return found

    @staticmethod
    def compile_catalog(sources: dict[str, bytes]) -> Job[CompiledCatalog]:
        """The job that loads and compiles catalog files (raises ``CatalogError``)."""
        return Job(load_sources, load_sources, (sources,))

    def compile_now(self, sources: dict[str, bytes]) -> CompiledCatalog:
        """:meth:`compile_catalog` run and waited for in this thread: how a server process
        compiles a version another process published. Raises ``CatalogError`` or
        :class:`WorkersUnavailable`."""
        return self.call(self.compile_catalog(sources))

    def call(self, job: Job[T]) -> T:
        """Run ``job``, waiting for it in this (worker) thread.

        Raises what the job raises, or :class:`WorkersUnavailable`.
        """
        submitted = self._submit(job)
        if submitted is None:
            return job.local(*job.args)
        future, pool = submitted
        try:
            return future.result(timeout=self.seconds)
        except FutureTimeout:
            future.cancel()
            raise WorkersUnavailable(self._too_long()) from None
        except BrokenProcessPool:
            raise self._broken(pool) from None

    async def run(self, job: Job[T]) -> T:
        """Run ``job``, awaited; cancelling the caller drops the job if it has not started.

        Raises what the job raises, or :class:`WorkersUnavailable`.
        """
        # Pickling the input and starting processes take time: not on the event loop.
        submitting = asyncio.ensure_future(asyncio.to_thread(self._submit, job))
        try:
            submitted = await asyncio.shield(submitting)
        except asyncio.CancelledError:
            submitting.add_done_callback(_cancel_submitted)
            raise
        if submitted is None:
            return await asyncio.to_thread(job.local, *job.args)
        future, pool = submitted
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.seconds)
        except TimeoutError:
            raise WorkersUnavailable(self._too_long()) from None
        except BrokenProcessPool:
            raise self._broken(pool) from None

    def shutdown(self) -> None:
        """Stop the worker processes: running jobs finish, queued ones are dropped. A later
        job starts a new pool."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def processes(self) -> list[int]:
        """The process ids of the pool's workers now (none before the first job)."""
        with self._lock:
            pool = self._pool
        found: dict[int, Any] = getattr(pool, "_processes", None) or {}
        return list(found)

    def _submit(self, job: Job[T]) -> tuple[Future[T], ProcessPoolExecutor] | None:
        """The job's future and its pool, or None when the job is to run in the caller (no
        pool, or an input nested too deeply to pickle)."""
        if self.count == 0:
            return None
        try:
            payload = pickle.dumps((job.remote, job.args), protocol=pickle.HIGHEST_PROTOCOL)
        except RecursionError:
            return None
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload([__name__])
                self._pool = ProcessPoolExecutor(
                    self.count, mp_context=context, initializer=_start, initargs=(self._resolver,)
                )
            pool = self._pool
        try:
            return pool.submit(_run_pickled, payload), pool
        except BrokenProcessPool:
            raise self._broken(pool) from None

    def _broken(self, pool: ProcessPoolExecutor) -> WorkersUnavailable:
        """Forget ``pool``, one of whose processes died (the next job starts a new one)."""
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)
        return WorkersUnavailable("a worker process stopped; retry")

    def _too_long(self) -> str:
        return f"the work did not finish within {self.seconds:g} s (the server is busy); retry"
