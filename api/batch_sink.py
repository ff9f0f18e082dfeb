"""Store a batch run in a database: the database side of ``pathways batch --db URL``.

The engine (:mod:`pathways.batch`) computes rows and never touches a database; this module
inserts a :class:`~pathways.batch.BatchResult` into two tables it owns, in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from pathways.batch import BatchError, BatchResult

__all__ = ["store_rows"]


def store_rows(result: BatchResult, url: str, *, goals: Sequence[str] = ()) -> int:
    """Insert a run and its rows into the database at ``url``; return the run's id.

    Two tables, created when missing and owned by this module: ``batch_runs`` (one row per
    run) and ``batch_results`` (one row per audit, ``run_id`` pointing at the run). Everything
    is inserted in one transaction: a failure leaves the database unchanged. Raises
    :class:`BatchError` when the database cannot be reached or written.
    """
    import sqlalchemy as sa
    from sqlalchemy.exc import SQLAlchemyError

    metadata = sa.MetaData()
    runs = sa.Table(
        "batch_runs",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("catalog_version", sa.String(128), nullable=False),
        sa.Column("as_of", sa.Date, nullable=True),
        sa.Column("goals", sa.Text, nullable=False),
        sa.Column("within_credits", sa.Float, nullable=False),
        sa.Column("engine", sa.String(16), nullable=False),
        sa.Column("workers", sa.Integer, nullable=False),
        sa.Column("audits", sa.Integer, nullable=False),
    )
    results = sa.Table(
        "batch_results",
        metadata,
        sa.Column("run_id", sa.Integer, sa.ForeignKey("batch_runs.id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("goal", sa.String(200), primary_key=True),
        sa.Column("learner", sa.String(200), nullable=False, index=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("required", sa.Float, nullable=False),
        sa.Column("applied", sa.Float, nullable=False),
        sa.Column("gap", sa.Float, nullable=False),
        sa.Column("unmet", sa.Integer, nullable=False),
        sa.Column("holds_goal", sa.Boolean, nullable=False),
        sa.Column("finding", sa.String(32), nullable=False, index=True),
        sa.Column("error", sa.Text, nullable=False),
    )
    try:
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            metadata.create_all(connection, checkfirst=True)
            inserted = connection.execute(
                runs.insert().values(
                    started_at=datetime.now(UTC),
                    catalog_version=result.catalog_version,
                    as_of=result.as_of,
                    goals=" ".join(goals or sorted({r.goal for r in result.rows})),
                    within_credits=result.within,
                    engine=result.engine,
                    workers=result.workers,
                    audits=result.audits,
                )
            ).inserted_primary_key
            assert inserted is not None, "an INSERT without a primary key"
            run_id = inserted[0]
            if result.rows:
                connection.execute(
                    results.insert(), [{"run_id": run_id, **r.as_dict()} for r in result.rows]
                )
        engine.dispose()
    except SQLAlchemyError as error:
        raise BatchError(f"cannot write batch results to the database: {error}") from None
    return int(run_id)
