"""Catalog publication: upload (validated whole), dry run, versions, rollback.

An upload is one of:

* a YAML document (``Content-Type: application/yaml``, ``text/yaml`` or ``text/plain``),
  stored as ``catalog.yaml`` or as ``?name=``;
* ``multipart/form-data`` with one file part per catalog file (the part's filename is the
  file's name) and an optional ``note`` field;
* JSON ``{"files": {name: YAML text}, "note": …}``.

The upload is loaded and compiled as a whole, in a worker process (:mod:`api.workers`)
(:func:`pathways.catalog.load.load_sources`); a rejected upload answers 422 with every
located error and writes nothing. A catalog that defines no
credentials at all is refused as well (an empty file uploaded by mistake would otherwise
empty the service). A valid one is stored and
published in one transaction, and this process swaps it in at once; other processes notice
the moved pointer on their next request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from starlette.datastructures import UploadFile

from api import crud
from api.catalogs import CatalogUnavailable, status_changes
from api.deps import (
    CatalogDep,
    CatalogStoreDep,
    RegistrarUser,
    SessionDep,
    SettingsDep,
    WorkersDep,
)
from api.models import (
    BUSY,
    INVALID_INPUT,
    MAX_ROW_ID,
    NO_NUL,
    CatalogValidation,
    CatalogVersion,
    CatalogVersionPublic,
    CatalogVersionsPublic,
    LocatedErrorPublic,
    Message,
)
from api.workers import Workers
from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.model import unstorable
from pathways.errors import CatalogError, LocatedError

router = APIRouter(prefix="/catalog", tags=["catalog"])

MAX_FILES = 1000
"""Most files one upload may hold."""
MAX_NAME = 500
"""Longest file name accepted."""

YAML_TYPES = frozenset(
    {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"}
)

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The whole catalog: one YAML document, a multipart set of files, or "
        "JSON {files: {name: YAML text}, note}.",
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                        },
                        "note": {"type": "string"},
                    },
                    "required": ["files"],
                }
            },
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {"type": "object", "additionalProperties": {"type": "string"}},
                        "note": {"type": "string"},
                    },
                    "required": ["files"],
                }
            },
        },
    }
}


@dataclass(frozen=True, slots=True)
class Upload:
    """The files of a catalog upload (name → bytes) and the publisher's note."""

    files: dict[str, bytes]
    note: str | None


def _bad(detail: str, code: int = 422) -> HTTPException:
    return HTTPException(status_code=code, detail=detail)


def _add(files: dict[str, bytes], name: str, content: bytes) -> None:
    if not name or len(name) > MAX_NAME or unstorable(name) is not None:
        raise _bad(f"a file name must be 1 to {MAX_NAME} characters of Unicode, without NUL")
    if name in files:
        raise _bad(f"the upload names {name!r} twice")
    if len(files) >= MAX_FILES:
        raise _bad(f"an upload holds at most {MAX_FILES} files")
    files[name] = content


def _note(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 2000 or unstorable(value) is not None:
        raise _bad("note must be text of at most 2000 characters, without NUL")
    return value


async def read_upload(
    request: Request,
    name: Annotated[
        str, Query(min_length=1, max_length=MAX_NAME, description="File name of a YAML body.")
    ] = "catalog.yaml",
    note: Annotated[
        str | None, Query(max_length=2000, pattern=NO_NUL, description="Why (kept with it).")
    ] = None,
) -> Upload:
    """Read a catalog upload in any of the three forms (415 for another content type)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    files: dict[str, bytes] = {}
    if kind == "multipart/form-data":
        form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES)
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                _add(files, value.filename or key, await value.read())
            elif key == "note":
                note = _note(value)
            else:
                raise _bad(f"unexpected form field {key[:100]!r} (send files and note)")
    elif kind in YAML_TYPES:
        _add(files, name, await request.body())
    elif kind == "application/json":
        try:
            document = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            raise _bad("the body is not JSON") from None
        except RecursionError:
            raise _bad("the JSON body is nested too deeply", status.HTTP_400_BAD_REQUEST) from None
        if not isinstance(document, dict) or not isinstance(document.get("files"), dict):
            raise _bad('a JSON upload is {"files": {name: YAML text}, "note": …}')
        unknown = set(document) - {"files", "note"}
        if unknown:
            raise _bad(f"unexpected key {sorted(unknown)[0][:100]!r} (send files and note)")
        for file_name, text in document["files"].items():
            if not isinstance(text, str):
                raise _bad(f"files[{file_name[:100]!r}] must be YAML text")
            try:
                content = text.encode("utf-8", "surrogateescape")
            except UnicodeEncodeError:
                raise _bad(f"files[{file_name[:100]!r}] is not valid Unicode text") from None
            _add(files, file_name, content)
        note = _note(document.get("note", note))
    else:
        raise _bad(
            "send application/yaml, multipart/form-data or application/json",
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        )
    if not files:
        raise _bad("the upload holds no files")
    return Upload(files=files, note=note)


UploadDep = Annotated[Upload, Depends(read_upload)]


def compile_upload(upload: Upload, workers: Workers) -> CompiledCatalog:
    """Load and compile an upload whole, in a worker process; a catalog without credentials
    is refused too.

    Raises :class:`~pathways.errors.CatalogError` with every located error, or
    :class:`~api.workers.WorkersUnavailable`.
    """
    compiled = workers.call(workers.compile_catalog(upload.files))
    if not compiled.versions:
        raise CatalogError(
            [
                LocatedError(
                    "<upload>",
                    None,
                    None,
                    "",
                    "the catalog defines no credentials; an empty catalog is not published",
                )
            ]
        )
    return compiled


@router.get("", response_model=CatalogVersionPublic)
def published_catalog(catalog: CatalogDep, session: SessionDep) -> CatalogVersionPublic:
    """The version being served."""
    version = session.get(CatalogVersion, catalog.version)
    if version is None:
        raise HTTPException(status_code=503, detail="the published version is missing")
    return crud.version_public(version, catalog.version)


@router.post(
    "",
    response_model=CatalogVersionPublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=UPLOAD_BODY,
    responses={422: INVALID_INPUT, 503: BUSY},
)
def publish_catalog(
    session: SessionDep,
    user: RegistrarUser,
    store: CatalogStoreDep,
    workers: WorkersDep,
    upload: UploadDep,
) -> CatalogVersionPublic:
    """Validate an upload whole and publish it as a new version (registrars only).

    201 with the new version; 422 with every located error, and nothing written.
    """
    compiled = compile_upload(upload, workers)
    version, serial = crud.publish_catalog(
        session=session, sources=upload.files, compiled=compiled, actor=user, note=upload.note
    )
    assert version.id is not None
    store.install(serial, version.id, compiled)
    return crud.version_public(version, version.id)


@router.post(
    "/validate",
    response_model=CatalogValidation,
    openapi_extra=UPLOAD_BODY,
    responses={503: BUSY},
)
def validate_catalog(
    session: SessionDep,
    user: RegistrarUser,
    settings: SettingsDep,
    catalog: CatalogDep,
    workers: WorkersDep,
    upload: UploadDep,
    as_of: Annotated[date | None, Query(description="Audit as of (default: today).")] = None,
) -> CatalogValidation:
    """Dry run (registrars only): the located errors, or whose audit status would change.

    Nothing is written. For a valid upload every stored learner is audited against each goal
    in their ``goals`` with the published catalog and with the upload; ``changes`` lists the
    pairs whose status differs. An invalid upload answers 200 with ``valid: false``.
    """
    try:
        compiled = compile_upload(upload, workers)
    except CatalogError as error:
        return CatalogValidation(
            valid=False,
            errors=[LocatedErrorPublic.model_validate(e.as_dict()) for e in error.errors],
        )
    changes, checked = status_changes(
        session=session,
        before=catalog.compiled,
        after=compiled,
        as_of=as_of or date.today(),
        time_limit=settings.solver_seconds,
    )
    return CatalogValidation(
        valid=True, catalog_version=compiled.version, changes=changes, checked=checked
    )


@router.get("/versions", response_model=CatalogVersionsPublic)
def list_versions(
    session: SessionDep,
    user: RegistrarUser,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> CatalogVersionsPublic:
    """Every stored version, newest first, marking the published one (registrars only)."""
    rows, count = crud.list_versions(session=session, offset=offset, limit=limit)
    pointer = crud.publication(session.connection())
    published = pointer[1] if pointer else None
    return CatalogVersionsPublic(
        data=[crud.version_public(row, published) for row in rows], count=count
    )


@router.post(
    "/rollback/{version}",
    response_model=CatalogVersionPublic,
    responses={404: {"model": Message}, 409: {"model": Message}},
)
def rollback_catalog(
    session: SessionDep,
    user: RegistrarUser,
    store: CatalogStoreDep,
    version: Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="The version to publish again.")],
) -> CatalogVersionPublic:
    """Publish an earlier (or any stored) version again (registrars only)."""
    if session.get(CatalogVersion, version) is None:
        raise HTTPException(status_code=404, detail=f"no catalog version {version}")
    try:
        compiled = store.compiled(version)
    except CatalogUnavailable as error:
        raise HTTPException(status_code=409, detail=str(error)) from None
    moved = crud.rollback_catalog(session=session, version_id=version, actor=user)
    if moved is None:
        raise HTTPException(status_code=404, detail=f"no catalog version {version}")
    row, serial = moved
    store.install(serial, version, compiled)
    return crud.version_public(row, version)
