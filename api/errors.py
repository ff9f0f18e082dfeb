"""Exception handlers: every error becomes a JSON reply with a 4xx (or 503) status.

* request validation (a bad body, query or path value) → 422 ``{"detail": [errors]}``, with
  inputs never echoed back (they may be huge or not text);
* :class:`~pathways.errors.CatalogError` / :class:`~pathways.errors.RecordError` → 422
  ``{"detail", "errors": [{file, line, col, path, message}]}``;
* :class:`~pathways.errors.UnknownIdError` → 422 ``{"detail", "suggestions"}`` (a route whose
  path names the id answers 404 itself); any other :class:`~pathways.errors.PathwaysError` →
  422;
* the solver's time cap → 503; no catalog to serve, or the database unreachable → 503; a
  worker job (badge check, catalog compilation) not done in time or whose process died → 503;
* anything else → 500 ``{"detail": "internal error"}`` (a bug: logged with its traceback).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from api.catalogs import CatalogUnavailable
from api.workers import WorkersUnavailable
from pathways.errors import CatalogError, PathwaysError, RecordError, UnknownIdError
from pathways.solver import SolverTimeout

__all__ = ["install_handlers", "located", "validation_errors"]

logger = logging.getLogger("pathways.api")


def validation_errors(errors: Any) -> list[dict[str, Any]]:
    """Pydantic/FastAPI errors reduced to ``{loc, msg, type}`` (no echoed input)."""
    return [
        {
            "loc": [p if isinstance(p, int) else str(p)[:200] for p in e.get("loc", ())],
            "msg": str(e.get("msg", ""))[:500],
            "type": str(e.get("type", "")),
        }
        for e in errors
    ]


def located(error: CatalogError | RecordError) -> dict[str, Any]:
    """The 422 body for a catalog or record that does not load."""
    count = len(error.errors)
    what = "catalog" if isinstance(error, CatalogError) else "learner record"
    return {
        "detail": f"the {what} has {count} error{'s' if count != 1 else ''}",
        "errors": [e.as_dict() for e in error.errors],
    }


def install_handlers(app: FastAPI) -> None:
    """Register every handler on ``app``."""

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            status_code=422,
            content={"detail": validation_errors(error.errors())},
        )

    @app.exception_handler(ValidationError)
    async def _model_invalid(_request: Request, error: ValidationError) -> JSONResponse:
        return JSONResponse(
            status_code=422,
            content={"detail": validation_errors(error.errors())},
        )

    @app.exception_handler(CatalogError)
    @app.exception_handler(RecordError)
    async def _located(_request: Request, error: CatalogError | RecordError) -> JSONResponse:
        return JSONResponse(status_code=422, content=located(error))

    @app.exception_handler(UnknownIdError)
    async def _unknown(_request: Request, error: UnknownIdError) -> JSONResponse:
        return JSONResponse(
            status_code=422, content={"detail": str(error), "suggestions": error.suggestions}
        )

    @app.exception_handler(PathwaysError)
    async def _invalid(_request: Request, error: PathwaysError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(error)[:5000]})

    @app.exception_handler(SolverTimeout)
    async def _timeout(_request: Request, _error: SolverTimeout) -> JSONResponse:
        return JSONResponse(
            status_code=503,
            content={
                "detail": "the audit found no allocation within its time limit; "
                "retry, send a smaller record, or sign in for a longer limit"
            },
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(WorkersUnavailable)
    async def _busy(_request: Request, error: WorkersUnavailable) -> JSONResponse:
        return JSONResponse(
            status_code=503, content={"detail": str(error)}, headers={"Retry-After": "5"}
        )

    @app.exception_handler(CatalogUnavailable)
    async def _no_catalog(_request: Request, error: CatalogUnavailable) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(error)})

    @app.exception_handler(OperationalError)
    async def _database_down(_request: Request, error: OperationalError) -> JSONResponse:
        logger.error("database error: %s", error.orig)
        return JSONResponse(status_code=503, content={"detail": "the database is unavailable"})

    @app.exception_handler(Exception)
    async def _bug(request: Request, error: Exception) -> JSONResponse:
        logger.exception("unhandled error in %s %s", request.method, request.url.path)
        return JSONResponse(status_code=500, content={"detail": "internal error"})
