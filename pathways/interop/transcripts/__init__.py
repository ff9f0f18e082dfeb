"""Learner records from transcripts: PESC College Transcript XML and student-system CSV.

The function API the CLI (``pathways import-transcript``) and the service
(``POST /v1/records/import``) share:

* :func:`read_transcript` — one file's bytes → :class:`Transcript` (format by ``pesc``/``csv``
  or guessed from the content); a file that cannot be read raises :class:`TranscriptError`
  with ``file:line:col`` (XML) or ``file:row:col`` (CSV) and nothing is made;
* :func:`import_transcripts` — files → :class:`ImportResult`: the learner record (holdings,
  and an unmapped entry for every line no catalog credential claims) and the
  :class:`ImportReport`;
* :func:`record_document` / :func:`record_yaml` — the record as JSON-ready data or YAML text
  (credits that are not whole stay exact, as fractions like ``"8/3"``).

The mapping rules are in :mod:`pathways.interop.transcripts.mapping`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pathways.catalog.model import LearnerRecord
from pathways.errors import LocatedError
from pathways.interop.transcripts.csvfile import read_csv
from pathways.interop.transcripts.mapping import (
    ImportOptions,
    ImportReport,
    ImportResult,
    MappingTable,
    map_transcripts,
)
from pathways.interop.transcripts.pesc import read_pesc
from pathways.interop.transcripts.source import (
    MAX_TRANSCRIPT_BYTES,
    MAX_TRANSCRIPT_LINES,
    Transcript,
    TranscriptError,
    fail,
)

if TYPE_CHECKING:
    from pathways.catalog.compile import CompiledCatalog

__all__ = [
    "MAX_TRANSCRIPT_BYTES",
    "MAX_TRANSCRIPT_LINES",
    "ImportOptions",
    "ImportReport",
    "ImportResult",
    "MappingTable",
    "Transcript",
    "TranscriptError",
    "TranscriptFormat",
    "import_transcripts",
    "read_transcript",
    "record_document",
    "record_yaml",
]

TranscriptFormat = Literal["pesc", "csv"]


def guess_format(raw: bytes) -> TranscriptFormat:
    """``pesc`` when the content starts like XML (after a byte-order mark and blanks), else
    ``csv``."""
    head = raw.lstrip(b"\xef\xbb\xbf").lstrip()
    return "pesc" if head.startswith(b"<") else "csv"


def read_transcript(name: str, raw: bytes, format: TranscriptFormat | None = None) -> Transcript:
    """The transcript in ``raw`` (file ``name``), read as ``format`` (default: guessed).

    Raises :class:`TranscriptError`, located, for a file that cannot be read.
    """
    kind = format or guess_format(raw)
    return read_pesc(name, raw) if kind == "pesc" else read_csv(name, raw)


def import_transcripts(
    catalog: CompiledCatalog,
    files: Sequence[tuple[str, bytes, TranscriptFormat | None]],
    options: ImportOptions,
) -> ImportResult:
    """Read every ``(name, bytes, format)`` file (format None: guessed) and merge them into
    one record, with the report.

    Every file is read before anything is mapped: one unreadable file raises
    :class:`TranscriptError` carrying the errors of all of them, and nothing is made; so do
    files that hold more than :data:`MAX_TRANSCRIPT_LINES` lines, alone or together.
    """
    transcripts: list[Transcript] = []
    errors: list[LocatedError] = []
    for name, raw, kind in files:
        try:
            transcripts.append(read_transcript(name, raw, kind))
        except TranscriptError as error:
            errors += error.errors
    if errors:
        raise TranscriptError(errors)
    total = 0
    for transcript in transcripts:
        total += len(transcript.courses) + len(transcript.tests) + len(transcript.awards)
        if total > MAX_TRANSCRIPT_LINES:
            raise fail(
                transcript.file,
                None,
                None,
                f"the files hold more than {MAX_TRANSCRIPT_LINES} course, test and award lines "
                "together (one learner's whole history is a few hundred)",
            )
    return map_transcripts(catalog, transcripts, options)


def record_document(record: LearnerRecord) -> dict[str, Any]:
    """``record`` as JSON-ready data; a holding's credit that is not whole (converted quarter
    hours) is written as an exact fraction string such as ``"8/3"``, which reads back equal."""
    data: dict[str, Any] = record.model_dump(mode="json", exclude_defaults=True)
    for holding, entry in zip(record.holdings, data.get("holdings", []), strict=True):
        if holding.credits is not None:
            whole = holding.credits.denominator == 1
            entry["credits"] = (
                int(holding.credits)
                if whole
                else f"{holding.credits.numerator}/{holding.credits.denominator}"
            )
        if holding.score is not None and float(holding.score).is_integer():
            entry["score"] = int(holding.score)
    return data


def record_yaml(record: LearnerRecord, header: str = "") -> str:
    """``record`` as YAML text (a comment ``header`` first), short entries one per line."""
    import yaml

    data = record_document(record)
    for section in ("holdings", "unmapped"):
        for entry in data.get(section, []):
            for key in ("earned", "claimed"):
                if isinstance(entry.get(key), str):
                    entry[key] = date.fromisoformat(entry[key])  # written as a YAML date
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines.append(yaml.safe_dump({"learner": data["learner"]}, sort_keys=False, width=100).rstrip())
    for section in ("holdings", "exceptions", "unmapped"):
        entries = data.get(section)
        if not entries:
            continue
        lines.append(f"{section}:")
        for entry in entries:
            flow = yaml.safe_dump(entry, default_flow_style=True, sort_keys=False, width=10_000)
            block = yaml.safe_dump([entry], sort_keys=False, width=100, allow_unicode=True)
            text = f"  - {flow.strip()}" if len(flow) < 96 else _indent(block)
            lines.append(text)
    return "\n".join(lines) + "\n"


def _indent(block: str) -> str:
    return "\n".join(f"  {line}" for line in block.rstrip().splitlines())
