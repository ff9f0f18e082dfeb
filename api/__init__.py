"""Pathways HTTP service: FastAPI + SQLModel, in the FastAPI full-stack template's layout.

* :mod:`api.main` — ``create_app(settings)``: lifespan (migrate, first-start publication),
  routers, exception handlers, middleware, the web page at ``/``;
* :mod:`api.settings` — ``PATHWAYS_*`` settings (pydantic-settings);
* :mod:`api.db` — engines (SQLite with WAL and foreign keys, or PostgreSQL) and Alembic
  migrations shipped in ``api/migrations``;
* :mod:`api.models` — tables and request/response models; :mod:`api.crud` — reads and
  writes; :mod:`api.deps` — typed dependencies (session, settings, catalog, accounts);
* :mod:`api.catalogs` — the published catalog held in memory and swapped atomically;
* :mod:`api.routes` — one router per resource under ``/v1``.

The engine (:mod:`pathways`) never imports this package; the ``serve`` and ``users``
commands import it lazily.
"""
