"""Database engines and schema migrations.

* :func:`make_engine` — an engine for a URL: SQLite with WAL, foreign keys on, a busy timeout
  and ``check_same_thread=False`` (in-memory ``sqlite://`` on one shared connection, for
  tests); PostgreSQL through psycopg 3 (``postgresql+psycopg://…``).
* :func:`migrate` — brings the schema to the latest Alembic revision. The migrations ship
  inside the package (``api/migrations``); tables are never made with ``create_all``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import create_engine

__all__ = ["MIGRATIONS", "alembic_config", "make_engine", "migrate"]

MIGRATIONS: Path = Path(__file__).resolve().parent / "migrations"
"""The Alembic script directory shipped with the package."""


def make_engine(url: str) -> Engine:
    """An engine for ``url``, configured for concurrent use by a threaded server.

    SQLite files get WAL (readers never wait for the writer), ``foreign_keys=ON`` and a
    5 s busy timeout on every connection; ``sqlite://`` (in memory) uses one connection shared
    by all threads (``StaticPool``). Other URLs are passed to SQLAlchemy as they are, with
    ``pool_pre_ping`` so a restarted database server is noticed.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    memory = parsed.database in (None, "", ":memory:")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 5.0},
        poolclass=StaticPool if memory else None,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration pointing at the packaged migrations (and ``url``, if given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision`` (default: the latest).

    Safe to call on every start: an up-to-date database is left as it is.
    """
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
