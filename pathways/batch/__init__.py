"""Batch audits: many learners against many goals, on a process pool or Ray.

The implementation is :mod:`pathways.batch.run`; its public names are re-exported here.
Storing results in a database is the service's business (:mod:`api.batch_sink`).
"""

from pathways.batch.run import (
    ENGINES,
    FINDINGS,
    BatchError,
    BatchResult,
    BatchRow,
    Engine,
    classify,
    parquet_available,
    run_batch,
    write_rows,
)

__all__ = [
    "ENGINES",
    "FINDINGS",
    "BatchError",
    "BatchResult",
    "BatchRow",
    "Engine",
    "classify",
    "parquet_available",
    "run_batch",
    "write_rows",
]
