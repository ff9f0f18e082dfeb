"""``POST /v1/records/import``: a learner record from transcripts (``import-transcript``).

Stateless and open to anonymous callers, like the evaluation endpoints: the files travel
inline as text (PESC College Transcript XML or CSV), and the reply is the learner record and
the report that ``pathways import-transcript --json`` prints. Nothing is stored (a learner's
own ``POST /v1/learners/{id}/transcripts`` stores the import in their record). A file that
cannot be read answers 422 with every problem located (``file:line:col`` for XML,
``file:row:col`` for CSV); XML with a DTD, entities or external references is refused.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField

from api.deps import CatalogDep, WorkersDep
from api.models import BUSY, INVALID_INPUT
from api.workers import Workers
from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.model import LearnerRecord
from pathways.interop.transcripts import MAX_TRANSCRIPT_BYTES, ImportReport

router = APIRouter(prefix="/records", tags=["records"])

MAX_FILES = 10
"""Most transcript files one request may carry."""


class TranscriptFile(BaseModel):
    """One transcript file, inline."""

    model_config = ConfigDict(extra="forbid")

    name: str = PydanticField(
        min_length=1, max_length=200, description="The file's name, used in error locations."
    )
    content: str = PydanticField(
        max_length=MAX_TRANSCRIPT_BYTES, description="The file's text (XML or CSV)."
    )
    format: Literal["pesc", "csv"] | None = PydanticField(
        default=None, description="pesc or csv (default: guessed from the content)."
    )


class TranscriptsRequest(BaseModel):
    """Transcripts to add to a stored learner's record (``POST /v1/learners/{id}/transcripts``)."""

    model_config = ConfigDict(extra="forbid")

    files: list[TranscriptFile] = PydanticField(min_length=1, max_length=MAX_FILES)
    institution: Annotated[str, PydanticField(min_length=1, max_length=200)] | None = PydanticField(
        default=None, description="The institution that issued every file."
    )
    as_of: date | None = PydanticField(
        default=None, description="Which courses are in progress is judged on this day."
    )
    mapping: str | None = PydanticField(
        default=None,
        max_length=MAX_TRANSCRIPT_BYTES,
        description="A registrar's mapping table as CSV text (institution, subject, number, "
        "title, credential).",
    )


class TranscriptImportRequest(TranscriptsRequest):
    """``POST /v1/records/import``: transcripts to merge into one learner record."""

    learner: Annotated[str, PydanticField(min_length=1, max_length=200)] | None = PydanticField(
        default=None, description="The learner id (default: the student id in the files)."
    )


class TranscriptImport(BaseModel):
    """The learner record the transcripts make, and the report on what was mapped."""

    record: dict[str, Any] = PydanticField(
        description="A learner record (docs/semantics.md), ready for /v1/audit; lines no catalog "
        "credential claims are in its unmapped list.",
        json_schema_extra={"type": "object"},
    )
    report: ImportReport


def run_import(
    catalog: CompiledCatalog, body: TranscriptsRequest, learner: str | None, workers: Workers
) -> Any:
    """The :class:`~pathways.interop.transcripts.ImportResult` of ``body``'s files, read in a
    worker process, or a 422 JSON reply locating every problem of a file that cannot be read.
    Raises :class:`~api.workers.WorkersUnavailable` (503)."""
    from pathways.interop.transcripts import ImportOptions, MappingTable, TranscriptError

    try:
        table = (
            MappingTable.read("mapping", body.mapping.encode()) if body.mapping else MappingTable()
        )
        files = [(f.name, f.content.encode(), f.format) for f in body.files]
        options = ImportOptions(
            institution=body.institution, learner=learner, as_of=body.as_of, table=table
        )
        return workers.call(workers.import_transcripts(catalog, files, options))
    except TranscriptError as error:
        count = len(error.errors)
        return JSONResponse(
            status_code=422,
            content={
                "detail": f"the transcript has {count} error{'s' if count != 1 else ''}",
                "errors": [e.as_dict() for e in error.errors],
            },
        )


def reply(record: LearnerRecord, report: ImportReport, status_code: int = 200) -> JSONResponse:
    """The ``{record, report}`` reply (credits that are not whole kept exact)."""
    from pathways.interop.transcripts import record_document

    document = {"record": record_document(record), "report": report}
    return JSONResponse(
        TranscriptImport.model_validate(document).model_dump(mode="json"), status_code=status_code
    )


@router.post(
    "/import",
    response_model=TranscriptImport,
    responses={422: INVALID_INPUT, 503: BUSY},
)
def import_records(
    body: TranscriptImportRequest, catalog: CatalogDep, workers: WorkersDep
) -> JSONResponse:
    """Read the transcripts, merge them into one learner record, and report every line that
    maps to no catalog credential, with the reason. Stores nothing."""
    result = run_import(catalog.compiled, body, body.learner, workers)
    if isinstance(result, JSONResponse):
        return result
    return reply(result.record, result.report)
