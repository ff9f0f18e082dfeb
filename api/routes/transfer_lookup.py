""" "Will it transfer?" and a registrar's equivalency-table import.

* ``GET /v1/credentials/{id}/transfer?at=&score=&as_of=`` (anyone): what the credential
  becomes at every institution of the published catalog, or at ``at``
  (:func:`pathways.evaluate.lookup.lookup`; the ``pathways lookup --json`` document).
* ``POST /v1/catalog/import`` (registrars): CSV tables (registrar equivalency tables, OT36
  course lists, institution lists, statewide exam tables) turned into catalog YAML against
  the published catalog, as ``pathways import-equivalencies`` does. ``publish: false`` (the
  default) is a dry run: 200 with the generated files, or ``valid: false`` and every located
  error. ``publish: true`` stores the published files plus the generated ones as a new
  version (201), or answers 422 with the located errors and writes nothing. The generated
  files go under ``imported/<tables>/``; importing the same tables again replaces them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from api import crud
from api.catalogs import Snapshot
from api.deps import CatalogDep, CatalogStoreDep, RegistrarUser, SessionDep, WorkersDep
from api.models import (
    BUSY,
    INVALID_INPUT,
    CatalogVersionPublic,
    LocatedErrorPublic,
    Message,
)
from api.routes.catalog import Upload, compile_upload
from pathways.errors import CatalogError, UnknownIdError
from pathways.evaluate.lookup import Lookup, lookup
from pathways.interop.tables import slug

router = APIRouter(tags=["transfer"])

MAX_TABLES = 200
MAX_TABLE_CHARS = 5_000_000


class ImportRequest(BaseModel):
    """Tables to import (file name → CSV text) and how."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    tables: dict[str, str] = Field(min_length=1, max_length=MAX_TABLES)
    from_: str | None = Field(default=None, alias="from", max_length=200)
    to: str | None = Field(default=None, max_length=200)
    publish: bool = False
    note: str | None = Field(default=None, max_length=2000)


class ImportResult(BaseModel):
    """A dry run's answer: the generated files, or every located error."""

    valid: bool
    files: dict[str, str] = {}
    counts: dict[str, int] = {}
    errors: list[LocatedErrorPublic] = []


@router.get(
    "/credentials/{ident}/transfer",
    response_model=Lookup,
    responses={404: {"model": Message}},
)
def credential_transfer(
    catalog: CatalogDep,
    ident: Annotated[str, PathParam(min_length=1, max_length=200, description="Credential id.")],
    at: Annotated[str | None, Query(max_length=200, description="Only this institution.")] = None,
    score: Annotated[float | None, Query(ge=0, le=10**6, description="Exam score.")] = None,
    as_of: Annotated[date | None, Query(description="As of (default: today).")] = None,
) -> Lookup:
    """What the credential becomes at each institution, by which policy and rule, with its
    guarantee level and citation; guaranteed routes first."""
    try:
        return lookup(catalog.compiled, ident, at=at, as_of=as_of, score=score)
    except UnknownIdError as error:
        raise HTTPException(status_code=404, detail=str(error)) from None


def _prefix(names: list[str]) -> str:
    stems = "-".join(slug(PurePosixPath(n).stem) for n in sorted(names))
    return f"imported/{stems[:80] or 'tables'}"


def _generate(
    session: Session, catalog: Snapshot, body: ImportRequest
) -> tuple[dict[str, bytes], dict[str, str], dict[str, int]]:
    """The published files (without an earlier import of the same tables), the generated
    files by name under the import's prefix, and the counts."""
    from pathways.interop.sources import generate

    for name, text in body.tables.items():
        if len(name) > 500 or len(text) > MAX_TABLE_CHARS:
            raise HTTPException(status_code=422, detail=f"table {name[:100]!r} is too large")
    prefix = _prefix(list(body.tables))
    published = crud.version_sources(connection=session, version_id=catalog.version)
    hand = {n: raw for n, raw in published.items() if not n.startswith(prefix + "/")}
    result = generate(
        [], Path("."), Path(prefix),
        sending=body.from_, receiving=body.to, texts=body.tables, hand=hand,
    )  # fmt: skip
    files = {f"{prefix}/{name}": text for name, text in result.files.items()}
    return hand, files, result.counts


@router.post(
    "/catalog/import",
    response_model=ImportResult | CatalogVersionPublic,
    responses={
        201: {"model": CatalogVersionPublic, "description": "Published as a new version."},
        422: INVALID_INPUT,
        503: BUSY,
    },
)
def import_tables(
    session: SessionDep,
    user: RegistrarUser,
    store: CatalogStoreDep,
    catalog: CatalogDep,
    workers: WorkersDep,
    body: ImportRequest,
) -> Any:
    """Import CSV tables into the published catalog (registrars only): a dry run, or a new
    version when ``publish`` is true."""
    try:
        hand, files, counts = _generate(session, catalog, body)
    except CatalogError as error:
        if body.publish:
            raise
        errors = [LocatedErrorPublic.model_validate(e.as_dict()) for e in error.errors]
        return ImportResult(valid=False, errors=errors)
    if not body.publish:
        return ImportResult(valid=True, files=files, counts=counts)
    upload = Upload(files={**hand, **{n: t.encode() for n, t in files.items()}}, note=body.note)
    compiled = compile_upload(upload, workers)
    version, serial = crud.publish_catalog(
        session=session, sources=upload.files, compiled=compiled, actor=user, note=body.note
    )
    assert version.id is not None
    store.install(serial, version.id, compiled)
    public = crud.version_public(version, version.id)
    return JSONResponse(status_code=status.HTTP_201_CREATED, content=public.model_dump(mode="json"))
