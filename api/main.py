"""The FastAPI application: ``create_app(settings)``.

On start-up (the lifespan) the app migrates its database to the latest schema and, when the
database holds no catalog yet, publishes ``settings.catalog_dir`` as version 1. It then serves
``/v1`` (OpenAPI at ``/openapi.json``, docs at ``/docs``) and, when ``api/static`` exists, the
web page at ``/``. The docs page loads Swagger UI from ``/docs/assets`` (the files of the
``swagger-ui-bundle`` package), never from a CDN, so it works without internet.

At shutdown it stops its worker processes (:mod:`api.workers`, started by the first badge
check or catalog upload).

``uvicorn api.main:create_app --factory`` (what ``pathways serve`` runs) builds the app from
``PATHWAYS_*`` environment variables.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.routing import compile_path
from starlette.types import Scope

from api import crud
from api.catalogs import CatalogStore, bootstrap
from api.db import make_engine
from api.deps import get_current_user, get_registrar
from api.errors import install_handlers
from api.middleware import AllowOptions, AuthFirst, BodyLimit, RequestLog
from api.routes import API_PREFIX, RESOURCE_ROUTERS, api_router, web
from api.settings import Settings
from api.workers import Workers
from pathways.interop import Resolver

__all__ = ["STATIC_DIR", "create_app"]

STATIC_DIR: Path = Path(__file__).resolve().parent / "static"
"""The web page's files, served at ``/`` when the directory exists."""

UPLOAD_PATHS = ("/v1/catalog", "/v1/catalog/validate")
"""Routes that take a whole catalog, with the larger body limit."""


BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
"""Methods whose requests carry a body: these are authenticated before it is read."""


def _operation_id(route: APIRoute) -> str:
    """Stable OpenAPI operation ids: the route function's name (unique across the API)."""
    return route.name


DOCS_ASSETS = "/docs/assets"
"""Where the bundled Swagger UI files are served."""


def _install_docs(app: FastAPI) -> None:
    """``/docs`` with Swagger UI's script, style and icon served from the package."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount(DOCS_ASSETS, StaticFiles(directory=swagger_ui_path), name="docs-assets")

    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="Pathways API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
        )

    app.add_api_route("/docs", docs, include_in_schema=False, response_class=HTMLResponse)


def _depends_on(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return any(d.call is call or _depends_on(d, call) for d in dependant.dependencies)


def _matcher(routes: list[tuple[str, APIRoute]]) -> Callable[[Scope], bool]:
    """Whether a request is for one of ``routes`` (full path, route): path and method."""
    patterns = [(compile_path(path)[0], frozenset(route.methods or ())) for path, route in routes]

    def matches(scope: Scope) -> bool:
        method, path = scope.get("method"), scope.get("path", "")
        return any(method in methods and regex.match(path) for regex, methods in patterns)

    return matches


def _api_routes() -> list[tuple[str, APIRoute]]:
    """Every API operation: (full path, route)."""
    mounted = [(API_PREFIX, route) for r in RESOURCE_ROUTERS for route in r.routes]
    mounted += [("", route) for route in web.router.routes]
    return [
        (prefix + route.path, route) for prefix, route in mounted if isinstance(route, APIRoute)
    ]


def _allowed_methods() -> Callable[[str], frozenset[str]]:
    """A path → the methods its operations accept (empty for a path that is not the API's)."""
    table: dict[str, set[str]] = {}
    for path, route in _api_routes():
        table.setdefault(path, set()).update(route.methods or ())
    patterns = [(compile_path(path)[0], frozenset(methods)) for path, methods in table.items()]

    def allowed(path: str) -> frozenset[str]:
        return frozenset().union(*(methods for regex, methods in patterns if regex.match(path)))

    return allowed


def _auth_first(engine: Engine) -> dict[str, Any]:
    """The :class:`AuthFirst` options: the body-taking routes that refuse anonymous callers
    (those depending on the signed-in user) and those that need a registrar."""
    routes = [
        (path, route) for path, route in _api_routes() if (route.methods or set()) & BODY_METHODS
    ]
    signed_in = [(p, r) for p, r in routes if _depends_on(r.dependant, get_current_user)]
    registrar = [(p, r) for p, r in routes if _depends_on(r.dependant, get_registrar)]
    return {
        "check": partial(crud.token_role, engine),
        "gated": _matcher(signed_in),
        "registrar": _matcher(registrar),
    }


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """The application for ``settings`` (default: from the environment).

    ``engine`` overrides ``settings.database_url`` (tests pass an in-memory engine); an
    engine the app made itself is disposed of at shutdown. Raises
    :class:`~pathways.interop.ResolverError` when ``badge_resolve_dir`` does not load.
    """
    settings = settings or Settings()
    own_engine = engine is None
    engine = engine if engine is not None else make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(bootstrap, engine, settings.catalog_dir)
        app.state.catalogs.current()  # load the published catalog before the first request
        yield
        await run_in_threadpool(app.state.workers.shutdown)
        if own_engine:
            engine.dispose()

    app = FastAPI(
        title="Pathways",
        version="1",
        summary="Stackable-credential pathways: audit, transfer and catalog publication.",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.resolver = (
        Resolver.load(settings.badge_resolve_dir) if settings.badge_resolve_dir else None
    )
    app.state.workers = workers = Workers(
        settings.cpu_workers, seconds=settings.cpu_job_seconds, resolver=app.state.resolver
    )
    app.state.catalogs = CatalogStore(
        engine, check_interval=settings.catalog_check_interval, compile=workers.compile_now
    )
    install_handlers(app)
    app.include_router(api_router)
    app.include_router(web.router)
    _install_docs(app)
    if STATIC_DIR.is_dir():
        app.mount("/", StaticFiles(directory=STATIC_DIR, html=True), name="static")
    app.add_middleware(
        BodyLimit,
        limit=settings.max_body_bytes,
        upload_limit=settings.max_upload_bytes,
        upload_paths=UPLOAD_PATHS,
    )
    app.add_middleware(AuthFirst, **_auth_first(engine))
    app.add_middleware(AllowOptions, allowed=_allowed_methods())
    app.add_middleware(RequestLog, enabled=settings.log_requests)
    return app
