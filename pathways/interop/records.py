"""Add verified badge holdings to a learner record file, changing nothing else in it.

YAML records are edited with ruamel.yaml's round-trip mode, so comments, key order, quoting
and flow style of everything already there are kept; JSON records keep their key order. The
result must still be a valid learner record, and it is written atomically (a temporary file
in the same directory, then a rename): a failure leaves the file as it was.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from pathways.catalog.model import Holding, LearnerRecord
from pathways.errors import LocatedError, PathwaysError, RecordError

__all__ = ["add_holdings", "with_holdings", "write_atomically"]


def _entry(holding: Holding, *, json_mode: bool = False) -> dict[str, Any]:
    """A holding as record data: whole credits as integers, lists as lists, and dates as
    dates (YAML) or ISO strings (JSON)."""
    data: dict[str, Any] = holding.model_dump(
        mode="json" if json_mode else "python", exclude_defaults=True
    )
    for name, value in data.items():
        if isinstance(value, tuple):
            data[name] = list(value)
        elif isinstance(value, float) and value.is_integer():
            data[name] = int(value)
    return data


def _sequence_indent(text: str) -> tuple[int, int]:
    """(sequence, offset) indentation of the record's first block list, for ruamel to keep."""
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if stripped.startswith("- "):
            offset = len(line) - len(stripped)
            return offset + 2, offset
    return 4, 2


def with_holdings(record: LearnerRecord, holdings: Sequence[Holding]) -> LearnerRecord:
    """``record`` with ``holdings`` appended, skipping a badge already there (same credential
    and evidence) — the in-memory counterpart of :func:`add_holdings`, for the API."""
    seen = {_key(_entry(h)) for h in record.holdings} - {None}
    added: list[Holding] = []
    for holding in holdings:
        key = _key(_entry(holding))
        if key is None or key not in seen:
            added.append(holding)
            seen.add(key)
    return record.model_copy(update={"holdings": (*record.holdings, *added)})


def _key(entry: Any) -> tuple[Any, Any] | None:
    if isinstance(entry, dict) and entry.get("evidence"):
        return (entry.get("credential"), entry.get("evidence"))
    return None


def _fail(path: Path, message: str) -> RecordError:
    return RecordError([LocatedError(str(path), None, None, "", message)])


def _check(path: Path, plain: Any) -> None:
    try:
        LearnerRecord.model_validate(plain)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise _fail(path, f"the record would not be valid ({where}: {first['msg']})") from None


def write_atomically(path: str | Path, text: str, *, mode: int | None = None) -> None:
    """Replace ``path``'s content with ``text`` all at once (temporary file, then rename).

    The file keeps its permissions (or gets ``mode``). Raises
    :class:`~pathways.errors.PathwaysError` when it cannot be written; it is then unchanged.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise PathwaysError(f"{path}: cannot write: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        if mode is not None:
            os.chmod(temporary, mode)
        elif path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise PathwaysError(f"{path}: cannot write: {error.strerror or error}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def add_holdings(path: str | Path, holdings: Sequence[Holding]) -> int:
    """Append ``holdings`` to the record file's ``holdings:``; return how many were added.

    A holding already present (same credential and evidence, i.e. the same badge imported
    before) is not added twice. Raises :class:`~pathways.errors.RecordError` when the file
    cannot be read, is not a record, or would not be valid afterwards.
    """
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _fail(path, f"cannot read the record: {error}") from None
    if path.suffix.lower() == ".json":
        return _add_json(path, text, holdings)
    return _add_yaml(path, text, holdings)


def _add_json(path: Path, text: str, holdings: Sequence[Holding]) -> int:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise _fail(path, f"not JSON: {error}") from None
    if not isinstance(data, dict):
        raise _fail(path, "a learner record is a JSON object")
    existing = data.setdefault("holdings", [])
    if not isinstance(existing, list):
        raise _fail(path, "holdings must be a list")
    seen = {_key(entry) for entry in existing} - {None}
    added = 0
    for holding in holdings:
        entry = _entry(holding, json_mode=True)
        if _key(entry) not in seen:
            existing.append(entry)
            seen.add(_key(entry))
            added += 1
    _check(path, data)
    if added:
        write_atomically(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return added


def _add_yaml(path: Path, text: str, holdings: Sequence[Holding]) -> int:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    sequence, offset = _sequence_indent(text)
    yaml.indent(mapping=2, sequence=sequence, offset=offset)
    try:
        data = yaml.load(text)
    except YAMLError as error:
        raise _fail(path, f"not YAML: {error}") from None
    if not isinstance(data, CommentedMap):
        raise _fail(path, "a learner record is a mapping with learner: and holdings:")
    existing = data.get("holdings")
    if existing is None:
        existing = CommentedSeq()
        data["holdings"] = existing
    if not isinstance(existing, CommentedSeq):
        raise _fail(path, "holdings must be a list")
    flow = bool(existing) and all(
        isinstance(item, CommentedMap) and item.fa.flow_style() for item in existing
    )
    seen = {_key(dict(entry)) for entry in existing if isinstance(entry, dict)} - {None}
    added = 0
    for holding in holdings:
        entry = _entry(holding)
        if _key(entry) in seen:
            continue
        node = CommentedMap(entry)
        if "alignments" in entry:
            node["alignments"] = CommentedSeq(entry["alignments"])
            node["alignments"].fa.set_flow_style()
        if flow:
            node.fa.set_flow_style()
        existing.append(node)
        seen.add(_key(entry))
        added += 1
    plain = json.loads(json.dumps(data, default=str))  # dates → ISO strings, as in a file
    _check(path, plain)
    if added:
        out = io.StringIO()
        yaml.dump(data, out)
        write_atomically(path, out.getvalue())
    return added
