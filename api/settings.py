"""Service settings, read from ``PATHWAYS_*`` environment variables (pydantic-settings).

``pathways serve`` sets ``PATHWAYS_DATABASE_URL`` and ``PATHWAYS_CATALOG_DIR`` from its options
before the workers start, so every worker process reads the same settings. Tests build a
:class:`Settings` directly and hand it to :func:`api.main.create_app`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from pathways.catalog.load import DEFAULT_CATALOG

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Everything the service can be told; every field has a safe default."""

    model_config = SettingsConfigDict(env_prefix="PATHWAYS_", extra="ignore")

    database_url: str = "sqlite:///pathways.db"
    """SQLAlchemy URL: ``sqlite:///FILE`` (WAL, foreign keys on) or ``postgresql+psycopg://…``."""
    catalog_dir: Path = DEFAULT_CATALOG
    """The catalog published as version 1 when the database holds none yet."""

    max_body_bytes: int = Field(default=2 * 2**20, ge=1024)
    """Largest request body outside catalog uploads; larger bodies get 413."""
    max_upload_bytes: int = Field(default=32 * 2**20, ge=1024)
    """Largest catalog upload (``POST /v1/catalog``, ``/v1/catalog/validate``)."""

    anonymous_max_holdings: int = Field(default=500, ge=1)
    """Most holdings an anonymous stateless call may send (more: 422)."""
    max_holdings: int = Field(default=5000, ge=1)
    """Most holdings any record may have, signed in or not."""
    anonymous_solver_seconds: float = Field(default=5.0, gt=0)
    """Solver time an anonymous call may use (past it: 503)."""
    solver_seconds: float = Field(default=30.0, gt=0)
    """Solver time a signed-in call may use."""

    badge_resolve_dir: Path | None = None
    """Offline resolution directory (or its ``resolve.json``): the keys, documents and status
    lists badge issuers publish. Nothing is ever fetched; without it, badges whose keys live
    at https URLs cannot be verified."""
    badge_trust: tuple[str, ...] = ()
    """Issuer ids trusted for every credential, on top of the catalog's ``badge_issuers``."""

    cpu_workers: int = Field(default=1, ge=0, le=64)
    """Worker processes (per server process) that check badges, compile uploaded catalogs
    and read transcripts, so that this CPU-heavy work never stalls other requests; 0 runs it on the
    request's own thread (``api/workers.py``). One keeps the CPU a server process uses for
    badges what it was when checks ran one at a time in the process; more check several
    badges at once, at the cost of the cores other requests run on."""
    cpu_job_seconds: float = Field(default=120.0, gt=0)
    """How long a request waits for its worker job, queueing included (past it: 503)."""

    catalog_check_interval: float = Field(default=0.0, ge=0)
    """Seconds between checks of the published version (0: on every request that reads the
    catalog; the check is one primary-key lookup)."""
    log_requests: bool = True
    """Log one line per request on the ``pathways.api`` logger."""
