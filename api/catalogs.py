"""The published catalog in memory, first-start publication, and a dry run's status changes.

Each server process keeps the compiled catalog of the published version in a
:class:`CatalogStore`. A request that reads the catalog asks :meth:`CatalogStore.current`,
which checks the publication pointer (one primary-key lookup, at most once per
``check_interval`` seconds) and, when another process published or rolled back, compiles the
new version from its stored sources and swaps it in (in a worker process when the store is
given one: only the first catalog a process serves, at start-up, is compiled in the process).
A request works on one :class:`Snapshot` from start to end, so it never mixes two versions; the
swap is a single reference assignment, so readers never see a half-built catalog.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api import crud
from api.db import migrate
from api.models import Learner, StatusChange
from pathways.catalog.compile import CompiledCatalog, keep_resident
from pathways.catalog.load import catalog_files, load_sources
from pathways.errors import CatalogError, PathwaysError
from pathways.options import Options
from pathways.solver import SolverTimeout

if TYPE_CHECKING:
    from pathways.evaluate import Auditor

__all__ = [
    "CatalogStore",
    "CatalogUnavailable",
    "Snapshot",
    "bootstrap",
    "directory_sources",
    "status_changes",
]


class CatalogUnavailable(Exception):
    """No catalog can be served: none is published yet, or the stored one no longer loads."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One published version as this process serves it."""

    serial: int
    """The publication counter when it was read (grows with every publish and rollback)."""
    version: int
    """The version number."""
    compiled: CompiledCatalog

    @property
    def catalog_version(self) -> str:
        """The content hash, as in Decisions and Statements."""
        return self.compiled.version


class CatalogStore:
    """The compiled published catalog of one process, reloaded when the pointer moves.

    ``check_interval`` 0 checks the pointer on every call; a positive value checks at most
    that often (a process then serves a new version at most that many seconds late).
    Compiled versions are kept (the ``keep`` most recent), so a rollback swaps instantly.
    ``compile`` compiles a version's sources once a first one is served (the service runs it
    in its worker processes; it raises ``CatalogError`` as :func:`load_sources` does, or
    ``WorkersUnavailable``, answered 503); the first is compiled with :func:`load_sources`.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        check_interval: float = 0.0,
        keep: int = 4,
        compile: Callable[[dict[str, bytes]], CompiledCatalog] = load_sources,
    ) -> None:
        self._engine = engine
        self._compile = compile
        self._interval = check_interval
        self._keep = keep
        self._snapshot: Snapshot | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()
        self._compiled: OrderedDict[int, CompiledCatalog] = OrderedDict()

    def current(self) -> Snapshot:
        """The published version (reloaded first if it changed). Raises CatalogUnavailable."""
        snapshot = self._snapshot
        now = time.monotonic()
        if snapshot is not None and now - self._checked < self._interval:
            return snapshot
        pointer = crud.publication(self._engine)
        self._checked = now
        if pointer is None:
            raise CatalogUnavailable("no catalog has been published yet")
        serial, version = pointer
        if snapshot is not None and snapshot.serial >= serial:
            return snapshot
        return self._switch(serial, version)

    def install(self, serial: int, version: int, compiled: CompiledCatalog) -> Snapshot:
        """Serve ``compiled`` (version ``version``, just published by this process)."""
        with self._lock:
            self._remember(version, compiled)
            return self._swap(Snapshot(serial, version, compiled))

    def compiled(self, version: int) -> CompiledCatalog:
        """The compiled catalog of any stored version (kept, or compiled from its sources)."""
        with self._lock:
            found = self._compiled.get(version)
            if found is None:
                found = self._load(version)
                self._remember(version, found)
            return found

    def _switch(self, serial: int, version: int) -> Snapshot:
        with self._lock:
            snapshot = self._snapshot
            if snapshot is not None and snapshot.serial >= serial:
                return snapshot
            compiled = self._compiled.get(version)
            if compiled is None:
                compiled = self._load(version)
            self._remember(version, compiled)
            return self._swap(Snapshot(serial, version, compiled))

    def _swap(self, snapshot: Snapshot) -> Snapshot:
        current = self._snapshot
        if current is not None and snapshot.serial < current.serial:
            return current
        self._snapshot = snapshot  # one reference assignment: the atomic swap
        if current is None or current.compiled is not snapshot.compiled:
            # Keep the served catalog out of full collections (long pauses at state scale),
            # after letting the collector reclaim the catalog it replaces.
            gc.unfreeze()
            keep_resident(snapshot.compiled)
        return snapshot

    def _remember(self, version: int, compiled: CompiledCatalog) -> None:
        self._compiled[version] = compiled
        self._compiled.move_to_end(version)
        while len(self._compiled) > self._keep:
            self._compiled.popitem(last=False)

    def _load(self, version: int) -> CompiledCatalog:
        with self._engine.connect() as connection:
            sources = crud.version_sources(connection=connection, version_id=version)
        if not sources:
            raise CatalogUnavailable(f"catalog version {version} has no stored files")
        try:
            return (self._compile if self._snapshot is not None else load_sources)(sources)
        except CatalogError as error:
            # Stored versions were valid when published; a newer engine may reject one.
            raise CatalogUnavailable(
                f"catalog version {version} no longer loads: {error.errors[0]}"
            ) from None


def directory_sources(directory: str | Path) -> dict[str, bytes]:
    """The ``*.yaml`` files under ``directory``, relative POSIX name → bytes.

    The names are those :func:`pathways.catalog.load.load_catalog` hashes, so the published version
    has the same content hash as ``pathways validate`` prints for the directory.
    Raises :class:`~pathways.errors.CatalogError` for a missing or empty directory.
    """
    root = Path(directory)
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in catalog_files(root)}


def bootstrap(engine: Engine, catalog_dir: str | Path) -> int | None:
    """Migrate the schema; on an empty database, publish ``catalog_dir`` as version 1.

    Returns the version published now, or None when the database already had one. Safe when
    several processes start at once: the loser of the race publishes nothing. Raises
    :class:`~pathways.errors.CatalogError` when the directory does not load.
    """
    migrate(engine)
    if crud.publication(engine) is not None:
        return None
    sources = directory_sources(catalog_dir)
    compiled = load_sources(sources)
    with Session(engine) as session:
        try:
            version, _serial = crud.publish_catalog(
                session=session,
                sources=sources,
                compiled=compiled,
                actor=None,
                note=f"first start: {Path(catalog_dir).name}",
            )
        except IntegrityError:
            return None
    return version.id


def dry_run_status(auditor: Auditor, goal: str) -> tuple[str, str | None]:
    """The audit status of the auditor's record toward ``goal``, or not_evaluable and why."""
    time_limit = auditor.options.time_limit
    try:
        decision = auditor.audit(goal)
    except PathwaysError as error:
        return "not_evaluable", str(error).splitlines()[0]
    except SolverTimeout:
        return "not_evaluable", f"no allocation found within {time_limit:g} s"
    if not decision.optimal:
        return decision.status_label(), f"the solver's time ran out after {time_limit:g} s"
    return decision.status, None


def status_changes(
    *,
    session: Session,
    before: CompiledCatalog,
    after: CompiledCatalog,
    as_of: date,
    time_limit: float,
) -> tuple[list[StatusChange], int]:
    """Which stored learners' audit status toward their goals differs between two catalogs.

    Every stored learner is audited, on ``as_of``, against every goal in their ``goals``
    list, once with each catalog. Returns the pairs whose status (``complete``,
    ``in_progress`` or ``not_evaluable``, followed by ``(not proven)`` when the solver's time
    ran out) differs, and how many pairs were checked.
    """
    from pathways.evaluate import Auditor

    changes: list[StatusChange] = []
    checked = 0
    options = Options(as_of=as_of, time_limit=time_limit)
    for learner in session.exec(select(Learner).order_by(col(Learner.id))).all():
        if not learner.goals:
            continue
        record = crud.learner_record(session=session, learner=learner)
        # The record prepared once per catalog, for all of its goals.
        before_audits, after_audits = (
            Auditor(before, record, options),
            Auditor(after, record, options),
        )
        for goal in dict.fromkeys(learner.goals):
            checked += 1
            old, old_reason = dry_run_status(before_audits, goal)
            new, new_reason = dry_run_status(after_audits, goal)
            if old != new:
                changes.append(
                    StatusChange(
                        learner=learner.id,
                        goal=goal,
                        before=old,
                        after=new,
                        reason=new_reason or old_reason,
                    )
                )
    return changes, checked
