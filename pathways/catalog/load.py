"""Load catalogs and learner records from YAML, safely, with located errors.

The fast path parses with ``yaml_rs`` (a Rust YAML 1.2 parser) and validates each file with
the pydantic models of :mod:`pathways.catalog.model` in one call. Only when something is
wrong does a file get re-read with PyYAML's composer, whose nodes carry marks, to place every
error at ``path/file.yaml:LINE:COL: field.path: message``. Every error of a catalog is
reported in one :class:`~pathways.errors.CatalogError` (syntax, unknown keys, bad values,
unknown ids with "did you mean", duplicate ids naming both places, cycles).

Safety:

* files larger than :data:`MAX_FILE_BYTES` are refused before they are read;
* explicit YAML tags are refused (so ``!!python/…`` never gets near a constructor — neither
  parser here constructs Python objects anyway);
* aliases are bounded: ``yaml_rs`` stops replaying them after :data:`MAX_ALIAS_EVENTS` events,
  so a "billion laughs" file fails in milliseconds with bounded memory;
* a file holds one YAML document whose top level is a mapping of catalog sections.

An unchanged catalog loads without parsing any YAML: :func:`load_catalog` keys the compiled
catalog's image by the sha256 of the directory's file names and bytes, in :func:`cache_dir`
(see :mod:`pathways.catalog.cache`: atomic writes, and an entry or a cache directory that cannot
be used is reported as a :class:`~pathways.errors.CacheWarning`, never silently).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml_rs
from pydantic import BaseModel, ValidationError

from pathways.catalog.cache import cache_dir
from pathways.catalog.cache import read as cache_read
from pathways.catalog.cache import write as cache_write
from pathways.catalog.compile import (
    SECTION_KIND,
    CatalogProblems,
    CompiledCatalog,
    Compiler,
    catalog_of,
    gc_paused,
)
from pathways.catalog.model import (
    CATALOG_SECTIONS,
    ID_PATTERN,
    Catalog,
    Credential,
    Equivalence,
    Funding,
    Institution,
    LearnerRecord,
    Policy,
    Tag,
    TransferRule,
)
from pathways.errors import CatalogError, LocatedError, RecordError, suggest

if TYPE_CHECKING:
    import yaml

__all__ = [
    "DEFAULT_CATALOG",
    "MAX_ALIAS_EVENTS",
    "MAX_BADGE_FILE_BYTES",
    "MAX_FILE_BYTES",
    "cache_dir",
    "catalog_files",
    "load_catalog",
    "load_record",
    "load_sources",
    "parse_record",
]

DEFAULT_CATALOG: Path = Path(__file__).resolve().parents[2] / "data" / "ohio"
"""The bundled catalog directory."""

MAX_FILE_BYTES = 8 * 2**20
"""Largest catalog or record file accepted (bytes); larger files are refused unread."""

MAX_BADGE_FILE_BYTES = 2**20
"""Largest badge file a record may point to (bytes)."""

MAX_ALIAS_EVENTS = 100_000
"""Most parse events that alias expansion may replay in one file."""

_ALIAS_LIMITS = yaml_rs.AliasLimits(
    max_total_replayed_events=MAX_ALIAS_EVENTS, max_replay_stack_depth=32
)
_MODELS: dict[str, type[BaseModel]] = {
    "institutions": Institution,
    "policies": Policy,
    "credentials": Credential,
    "equivalences": Equivalence,
    "transfer_rules": TransferRule,
    "funding": Funding,
    "tags": Tag,
}
# A tag can only start a node: at the start of a line, or after whitespace, "[", "{" or ",".
_TAG_HINT = re.compile(r"(?:^|[\s\[{,])!", re.MULTILINE)
_RS_LOCATION = re.compile(r"line (\d+), column (\d+)")

Loc = tuple[str | int, ...]


# --------------------------------------------------------------------------- located errors


class _Source:
    """One file: its display name, text, and (lazily, on the error path) its marks."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self._marks: dict[Loc, tuple[int, int]] | None = None

    def marks(self) -> dict[Loc, tuple[int, int]]:
        """Field path → (line, col), 1-based, of each mapping key and sequence item."""
        import yaml  # PyYAML: the error path and rare inputs only

        if self._marks is None:
            try:
                node = _compose(self.text)
            except yaml.YAMLError:
                node = None
            self._marks = _marks_of(node) if node is not None else {}
        return self._marks

    def locate(self, path: Loc) -> tuple[int | None, int | None]:
        marks = self.marks()
        for end in range(len(path), 0, -1):
            found = marks.get(path[:end])
            if found is not None:
                return found
        return (1, 1) if self.text else (None, None)

    def error(self, path: Loc, message: str, shown: Loc | None = None) -> LocatedError:
        """An error located at ``path``; ``shown`` is the field path printed (default: path)."""
        line, col = self.locate(path)
        dotted = ".".join(str(p) for p in (path if shown is None else shown))
        return LocatedError(self.name, line, col, dotted, message)


_MAX_DEPTH = 2000
"""Deepest nesting handed to PyYAML's C composer, which recurses on the C stack."""


_DEEP_INDENT = re.compile(rf"^[ \t]{{{_MAX_DEPTH // 2},}}", re.MULTILINE)
_DEEP_COMPACT = re.compile(rf"(?:[-?:][ \t]+){{{_MAX_DEPTH // 2},}}")


def _shallow(text: str) -> bool:
    """Whether ``text`` surely nests less than :data:`_MAX_DEPTH` deep (a cheap upper bound).

    Flow collections are counted by brackets (quoted ones too: an overestimate is safe), block
    collections by indentation and by runs of compact ``- - -`` / ``? ?`` indicators.
    """
    if text.count("[") + text.count("{") >= _MAX_DEPTH:
        depth = deepest = 0
        for match in re.finditer(r"[\[\]{}]", text):
            depth += 1 if match.group() in "[{" else -1
            deepest = max(deepest, depth)
            if deepest >= _MAX_DEPTH:
                return False
    return not (_DEEP_INDENT.search(text) or _DEEP_COMPACT.search(text))


def _compose(text: str) -> yaml.Node | None:
    """PyYAML's node tree (with marks) of ``text``; ``None`` when too deep to compose safely.

    Raises :class:`yaml.YAMLError` on a syntax error.
    """
    import yaml  # PyYAML: the error path and rare inputs only

    if not _shallow(text):
        return None
    node: yaml.Node | None = yaml.compose(text, Loader=yaml.CSafeLoader)
    return node


def _marks_of(root: yaml.Node) -> dict[Loc, tuple[int, int]]:
    import yaml  # PyYAML: the error path and rare inputs only

    marks: dict[Loc, tuple[int, int]] = {(): (root.start_mark.line + 1, root.start_mark.column + 1)}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, Loc]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        # An alias is the same node object again: walk it once, so aliases cannot blow up.
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*path, str(key.value) if isinstance(key, yaml.ScalarNode) else "?")
                marks.setdefault(child, (key.start_mark.line + 1, key.start_mark.column + 1))
                stack.append((value, child))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                child = (*path, i)
                marks.setdefault(child, (item.start_mark.line + 1, item.start_mark.column + 1))
                stack.append((item, child))
    return marks


def _duplicate_key(text: str) -> tuple[int, int, str] | None:
    """Where a mapping repeats a key (yaml_rs refuses it but does not say where)."""
    import yaml  # PyYAML: the error path and rare inputs only

    try:
        root = _compose(text)
    except yaml.YAMLError:
        return None
    seen_nodes: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key, value in node.value:
                name = str(key.value)
                if name in keys:
                    return key.start_mark.line + 1, key.start_mark.column + 1, name
                keys.add(name)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return None


def _tags(text: str) -> list[tuple[int, int, str]]:
    """Every explicit tag in ``text`` as (line, col, tag), via PyYAML's scanner."""
    import yaml  # PyYAML: the error path and rare inputs only

    found = []
    try:
        for token in yaml.scan(text, Loader=yaml.CSafeLoader):
            if isinstance(token, yaml.TagToken):
                handle, suffix = token.value
                mark = token.start_mark
                found.append((mark.line + 1, mark.column + 1, f"{handle or ''}{suffix}"))
    except yaml.YAMLError:
        pass  # a syntax error is reported by the parser itself
    return found


_INDENTATION = (
    "expected '-' indicator",
    "expected <block end>",
    "mapping values are not allowed",
    "could not find expected ':'",
    "expected key",
    "did not find expected key",
)


def _yaml_words(problem: str) -> str:
    """A YAML parser's problem in the project's words, with a hint for indentation slips."""
    if "'\\t'" in problem or "\\t" in problem or "tab" in problem:
        return "YAML syntax: a tab character; indent with spaces"
    if any(sign in problem for sign in _INDENTATION):
        return (
            f"YAML syntax: {problem} — check this line's indentation: the keys of one entry "
            "start in the same column, and a list item's '-' lines up with its siblings"
        )
    return f"YAML syntax: {problem}"


def _syntax_error(source: _Source, error: Exception) -> LocatedError:
    """Place a yaml_rs parse error, preferring PyYAML's located message for the same text."""
    import yaml  # PyYAML: the error path and rare inputs only

    text = str(error)
    if "duplicate mapping key" in text:
        found = _duplicate_key(source.text)
        if found is not None:
            line, col, key = found
            return LocatedError(source.name, line, col, "", f"duplicate key {key!r}")
    if "alias" in text and "limit" in text:
        first = re.search(r"\*[^\s,\]}]+", source.text)
        line, col = _line_col(source.text, first.start()) if first else (1, 1)
        return LocatedError(
            source.name,
            line,
            col,
            "",
            f"aliases expand beyond {MAX_ALIAS_EVENTS} nodes (a 'billion laughs' document?); "
            "refused",
        )
    try:
        _compose(source.text)
    except yaml.MarkedYAMLError as marked:
        mark = marked.problem_mark or marked.context_mark
        if mark is not None:
            problem = marked.problem or marked.context or "invalid YAML"
            return LocatedError(
                source.name, mark.line + 1, mark.column + 1, "", _yaml_words(problem)
            )
    except yaml.YAMLError:
        pass
    where = _RS_LOCATION.search(text)
    lines = [line for line in text.splitlines() if line.strip()]
    message = lines[-1].strip() if lines else "invalid YAML"
    if where:
        return LocatedError(
            source.name, int(where.group(1)), int(where.group(2)), "", _yaml_words(message)
        )
    return LocatedError(source.name, 1, 1, "", _yaml_words(message))


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _decode(name: str, raw: bytes, errors: list[LocatedError]) -> str | None:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, col = _line_col(raw[: error.start].decode("utf-8", "replace"), error.start)
        errors.append(LocatedError(name, line, col, "", "not UTF-8 text"))
        return None


def _parse(source: _Source, errors: list[LocatedError]) -> Any:
    """Parse one YAML text; on failure append located errors and return ``None``."""
    if "!" in source.text and _TAG_HINT.search(source.text):
        tags = _tags(source.text)
        for line, col, tag in tags:
            what = "Python tag" if "python/" in tag else "YAML tag"
            errors.append(
                LocatedError(
                    source.name, line, col, "", f"{what} {tag!r} refused: tags are not allowed"
                )
            )
        if tags:
            return None
    try:
        return yaml_rs.loads(source.text, alias_limits=_ALIAS_LIMITS)
    except yaml_rs.YAMLDecodeError as error:
        errors.append(_syntax_error(source, error))
    except RecursionError:
        errors.append(LocatedError(source.name, 1, 1, "", "YAML nested too deeply"))
    return None


# --------------------------------------------------------------------------- pydantic errors


def _data_path(data: Any, loc: Sequence[str | int]) -> tuple[Loc, Loc]:
    """Follow a pydantic ``loc`` through the input data.

    Returns the part of ``loc`` that exists in ``data`` and the rest (union branch tags,
    missing keys).
    """
    current = data
    for i, part in enumerate(loc):
        if isinstance(current, dict) and isinstance(part, str):
            if part not in current:
                return tuple(loc[:i]), tuple(loc[i:])
            current = current[part]
        elif isinstance(current, list | tuple) and isinstance(part, int):
            if not 0 <= part < len(current):
                return tuple(loc[:i]), tuple(loc[i:])
            current = current[part]
        else:
            return tuple(loc[:i]), tuple(loc[i:])
    return tuple(loc), ()


_KEYS: set[str] = set()


def _vocabulary() -> set[str]:
    """Every key the catalog and record languages know, for "did you mean" on unknown keys."""
    if not _KEYS:
        from pathways.catalog import model

        for value in vars(model).values():
            if isinstance(value, type) and issubclass(value, BaseModel):
                _KEYS.update(info.alias or name for name, info in value.model_fields.items())
        _KEYS.update(("value", "unit"))  # credits: {value, unit}
    return _KEYS


_PLAIN: dict[str, str] = {
    "tuple_type": "should be a list",
    "list_type": "should be a list",
    "string_type": "should be text",
    "int_type": "should be a whole number",
    "int_parsing": "should be a whole number",
    "int_from_float": "should be a whole number",
    "float_type": "should be a number",
    "float_parsing": "should be a number",
    "bool_type": "should be true or false",
    "bool_parsing": "should be true or false",
    "dict_type": "should be a mapping of keys to values",
    "model_type": "should be a mapping of keys to values",
    "model_attributes_type": "should be a mapping of keys to values",
    "date_type": "should be a date (YYYY-MM-DD)",
    "date_parsing": "should be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "should be a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "should be a date without a time (YYYY-MM-DD)",
    "none_required": "should be empty",
}
"""Pydantic error types → the project's own words (no Python type names)."""


def _items(count: Any) -> str:
    return f"{count} item" + ("" if count == 1 else "s")


def _message(error: Mapping[str, Any]) -> str:
    """One pydantic error in the project's words: what the value should be."""
    kind = str(error["type"])
    ctx = error.get("ctx") or {}
    if kind in _PLAIN:
        return _PLAIN[kind]
    if kind == "too_short":
        return f"needs at least {_items(ctx.get('min_length', 1))}"
    if kind == "too_long":
        return f"takes at most {_items(ctx.get('max_length', 0))}"
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "one of the allowed values"))
        close = suggest(str(error.get("input")), re.findall(r"'([^']*)'", expected), n=1)
        return f"should be {expected}" + (f"; did you mean {close[0]!r}?" if close else "")
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == ID_PATTERN:
            return (
                "an id is lowercase letters, digits, '.', '_' and '-', starting with a letter "
                "or a digit"
            )
        return f"does not have the expected form ({ctx.get('pattern', '')})"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = {"greater_than": "more than", "greater_than_equal": "at least",
                 "less_than": "less than", "less_than_equal": "at most"}[kind]  # fmt: skip
        limit = next(iter(ctx.values()), "")
        return f"should be {bound} {limit}"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    return message.replace("Input should be", "should be")


def _validation_errors(
    source: _Source, data: Any, error: ValidationError, prefix: Loc = ()
) -> list[LocatedError]:
    """Translate pydantic errors on ``data`` (found at ``prefix`` in the file) to located ones."""
    # (where to locate, field path shown) -> messages; several messages on one field come
    # from the branches of a union, any one of which would do.
    merged: dict[tuple[Loc, Loc], list[str]] = {}
    errs = error.errors(include_url=False)
    inner = {tuple(e["loc"][:end]) for e in errs for end in range(len(e["loc"]))}
    for err in errs:
        if err["type"] == "too_short" and tuple(err["loc"]) in inner:
            continue  # "no valid item" because an item is invalid: that item's error says why
        found, rest = _data_path(data, tuple(err["loc"]))
        kind = err["type"]
        shown = found
        if kind == "missing" and len(rest) == 1 and isinstance(rest[0], str):
            message = f"missing required key {rest[0]!r}"
        elif kind == "extra_forbidden" and found and not rest:
            key = found[-1]
            shown = found[:-1]
            if not shown:
                message = (
                    f"unknown section {key!r} (a catalog file holds {', '.join(CATALOG_SECTIONS)})"
                )
                close = suggest(str(key), CATALOG_SECTIONS, n=1)
            else:
                message = f"unknown key {key!r}"
                close = suggest(str(key), _vocabulary(), n=1)
                if close and close[0] == key:
                    # A key of the language, in the wrong place: usually its indentation.
                    message = (
                        f"{key!r} does not belong inside {'.'.join(map(str, shown))}; "
                        f"it is a key of the entry around it: indent it as far as "
                        f"{str(shown[-1])!r}" if isinstance(shown[-1], str) else
                        f"{key!r} is not a key of this entry (it is one elsewhere in the "
                        "catalog language); check the entry's kind and its indentation"
                    )  # fmt: skip
                    close = []
            if close:
                message += f"; did you mean {close[0]!r}?"
        else:
            message = _message(err)
        messages = merged.setdefault(((*prefix, *found), (*prefix, *shown)), [])
        if message not in messages:
            messages.append(message)
    return [source.error(at, _either(msgs), shown) for (at, shown), msgs in merged.items()]


def _either(messages: Sequence[str]) -> str:
    """The messages of a union's branches as one sentence: any one branch would do."""
    text = messages[0]
    for message in messages[1:]:
        text += f", or it {message}" if message.startswith("should be") else f", or {message}"
    return text


# --------------------------------------------------------------------------- catalogs


@dataclass
class _Loaded:
    """What validating the files gave: entries with their origin, and every error so far."""

    sources: list[_Source] = field(default_factory=list)
    entries: dict[str, list[tuple[Any, int, int]]] = field(
        default_factory=lambda: {s: [] for s in CATALOG_SECTIONS}
    )
    invalid_ids: dict[str, set[str]] = field(default_factory=dict)
    errors: list[LocatedError] = field(default_factory=list)


def _validate_file(loaded: _Loaded, source_index: int, data: Any) -> None:
    source = loaded.sources[source_index]
    if data is None:
        return
    if not isinstance(data, dict):
        what = (
            "several YAML documents"
            if isinstance(data, list) and _documents(source.text)
            else (f"a {type(data).__name__}")
        )
        loaded.errors.append(
            source.error(
                (),
                f"a catalog file is a mapping of sections ({', '.join(CATALOG_SECTIONS)}), "
                f"not {what}",
            )
        )
        return
    try:
        catalog = Catalog.model_validate(data)
    except ValidationError as error:
        loaded.errors.extend(_validation_errors(source, data, error))
        _salvage(loaded, source_index, data)
        return
    for section in CATALOG_SECTIONS:
        for index, entry in enumerate(getattr(catalog, section)):
            loaded.entries[section].append((entry, source_index, index))


def _documents(text: str) -> bool:
    """Whether ``text`` holds more than one YAML document (only asked on the error path)."""
    import yaml  # PyYAML: the error path and rare inputs only

    try:
        return (
            _shallow(text) and sum(1 for _ in yaml.compose_all(text, Loader=yaml.CSafeLoader)) > 1
        )
    except yaml.YAMLError:
        return False


def _salvage(loaded: _Loaded, source_index: int, data: dict[str, Any]) -> None:
    """Keep the valid entries of a file that failed, so their references are still checked."""
    for section, model in _MODELS.items():
        items = data.get(section)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            try:
                entry = model.model_validate(item)
            except ValidationError:
                ident = item.get("id") if isinstance(item, dict) else None
                if isinstance(ident, str):
                    what = SECTION_KIND[section]
                    loaded.invalid_ids.setdefault(what, set()).add(ident)
                continue
            loaded.entries[section].append((entry, source_index, index))


def _sort_key(entry: Any) -> tuple[str, date]:
    effective = getattr(entry, "effective", None)
    start = effective.from_ if effective is not None and effective.from_ is not None else date.min
    return entry.id, start


def _assemble(loaded: _Loaded, version: str) -> CompiledCatalog:
    """Merge the files' entries (sorted by id, so file order does not matter) and compile."""
    origins: dict[str, list[tuple[int, int]]] = {}
    sections: dict[str, tuple[Any, ...]] = {}
    for section, found in loaded.entries.items():
        # Stable: ties (duplicate ids, reported later) stay in file-name then position order.
        found.sort(key=lambda e: _sort_key(e[0]))
        sections[section] = tuple(e[0] for e in found)
        origins[section] = [(e[1], e[2]) for e in found]
    catalog = catalog_of(sections)
    extra = dict(loaded.invalid_ids)
    errors = list(loaded.errors)
    compiled: CompiledCatalog | None = None
    try:
        compiled = Compiler(catalog, extra, presorted=True).compile(version)
    except CatalogProblems as problems:
        for p in problems.problems:
            source_index, index = origins[p.section][p.index]
            source = loaded.sources[source_index]
            message = p.message
            if p.also is not None:
                also_section, also_index, also_path = p.also
                also_source_index, also_file_index = origins[also_section][also_index]
                also_source = loaded.sources[also_source_index]
                line, col = also_source.locate((also_section, also_file_index, *also_path))
                message += f" (also at {also_source.name}:{line}:{col})"
            errors.append(source.error((p.section, index, *p.path), message))
    if errors or compiled is None:
        errors.sort(key=lambda e: (e.file, e.line or 0, e.col or 0, e.path, e.message))
        raise CatalogError(errors)
    return compiled


def _load(files: Sequence[tuple[str, bytes]], version: str, max_bytes: int) -> CompiledCatalog:
    loaded = _Loaded()
    with gc_paused():
        for name, raw in files:
            if len(raw) > max_bytes:
                loaded.errors.append(_too_big(name, len(raw), max_bytes))
                continue
            text = _decode(name, raw, loaded.errors)
            if text is None:
                continue
            loaded.sources.append(_Source(name, text))
            data = _parse(loaded.sources[-1], loaded.errors)
            _validate_file(loaded, len(loaded.sources) - 1, data)
        return _assemble(loaded, version)


def _too_big(name: str, size: int, limit: int) -> LocatedError:
    return LocatedError(
        name, None, None, "", f"file is {_mib(size)}, over the {_mib(limit)} limit; refused"
    )


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB" if size >= 2**20 else f"{size} bytes"


def catalog_files(directory: str | Path) -> list[Path]:
    """Every ``*.yaml`` file under ``directory`` (recursively, skipping hidden ones), sorted.

    Raises :class:`~pathways.errors.CatalogError` when the directory does not exist or holds
    no YAML file.
    """
    root = Path(directory)
    if not root.is_dir():
        raise CatalogError([LocatedError(str(root), None, None, "", "no such catalog directory")])
    found = sorted(
        p
        for p in root.rglob("*.yaml")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
    if not found:
        raise CatalogError([LocatedError(str(root), None, None, "", "no .yaml files")])
    return found


def _content_hash(files: Iterable[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for name, raw in sorted(files):
        digest.update(f"{name}\0{len(raw)}\0".encode())
        digest.update(raw)
    return digest.hexdigest()


def _read(path: Path, name: str, max_bytes: int) -> bytes | LocatedError:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return _too_big(name, size, max_bytes)
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as error:
        return LocatedError(name, None, None, "", f"cannot read: {error.strerror or error}")
    if len(raw) > max_bytes:
        return _too_big(name, len(raw), max_bytes)
    return raw


def load_catalog(
    directory: str | Path = DEFAULT_CATALOG,
    *,
    cache: bool = True,
    max_file_bytes: int = MAX_FILE_BYTES,
) -> CompiledCatalog:
    """Load, validate and compile every ``*.yaml`` file under ``directory``.

    The result does not depend on the order of the files (entries are sorted by id); its
    ``version`` is the sha256 (first 16 hex digits) of the files' relative names and bytes.
    With ``cache``, an unchanged catalog is read back from :func:`cache_dir` without parsing
    any YAML, and a freshly compiled one is stored there. Raises
    :class:`~pathways.errors.CatalogError` with every located error; nothing is written then.
    """
    root = Path(directory)
    paths = catalog_files(root)
    files: list[tuple[str, bytes]] = []
    errors: list[LocatedError] = []
    for path in paths:
        name = str(root / path.relative_to(root))
        raw = _read(path, name, max_file_bytes)
        if isinstance(raw, LocatedError):
            errors.append(raw)
        else:
            files.append((path.relative_to(root).as_posix(), raw))
    if errors:
        raise CatalogError(errors)
    digest = _content_hash(files)
    if cache:
        cached = cache_read(digest)
        if cached is not None:
            return cached
    display = [(str(root / name), raw) for name, raw in files]
    compiled = _load(display, digest[:16], max_file_bytes)
    if cache:
        cache_write(digest, compiled)
    return compiled


def load_sources(
    sources: Mapping[str, str | bytes], *, max_file_bytes: int = MAX_FILE_BYTES
) -> CompiledCatalog:
    """Load a catalog from in-memory files (name → YAML text), e.g. an API upload.

    Names are used in error messages and in the content hash exactly as given; no file is
    read and nothing is cached. Raises :class:`~pathways.errors.CatalogError`.
    """
    if not sources:
        raise CatalogError([LocatedError("<upload>", None, None, "", "no catalog files")])
    files = sorted(
        (name, raw.encode() if isinstance(raw, str) else bytes(raw))
        for name, raw in sources.items()
    )
    return _load(files, _content_hash(files)[:16], max_file_bytes)


# --------------------------------------------------------------------------- learner records


def _record(source: _Source, data: Any, base: Path | None) -> LearnerRecord:
    errors: list[LocatedError] = []
    if not isinstance(data, dict):
        raise RecordError(
            [source.error((), f"a learner record is a mapping, not a {type(data).__name__}")]
        )
    if base is not None:
        data = _inline_badges(source, data, base, errors)
    try:
        record = LearnerRecord.model_validate(data)
    except ValidationError as error:
        errors.extend(_validation_errors(source, data, error))
        record = None
    if record is not None:
        errors.extend(_exceptions_name_holdings(source, record))
    if errors or record is None:
        errors.sort(key=lambda e: (e.line or 0, e.col or 0, e.path))
        raise RecordError(errors)
    return record


def _exceptions_name_holdings(source: _Source, record: LearnerRecord) -> list[LocatedError]:
    """A located error for every ``also_allow``/``apply_here`` naming a credential the record
    does not hold."""
    held = {h.credential for h in record.holdings if h.credential}
    errors = []
    for i, exc in enumerate(record.exceptions):
        if exc.held is not None and exc.held not in held:
            close = suggest(exc.held, held, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            message = f"the record holds no {exc.held!r}{hint}"
            errors.append(source.error(("exceptions", i, exc.kind), message))
    return errors


def _inline_badges(
    source: _Source, data: dict[str, Any], base: Path, errors: list[LocatedError]
) -> dict[str, Any]:
    holdings = data.get("holdings")
    if not isinstance(holdings, list):
        return data
    inlined = list(holdings)
    for i, holding in enumerate(holdings):
        if not isinstance(holding, dict) or not isinstance(holding.get("badge"), str):
            continue
        where = ("holdings", i, "badge")
        path = base / holding["badge"]
        raw = _read(path, str(path), MAX_BADGE_FILE_BYTES)
        if isinstance(raw, LocatedError):
            errors.append(source.error(where, f"badge file {holding['badge']!r}: {raw.message}"))
            continue
        try:
            text = raw.decode("utf-8-sig").strip()
            document: str | dict[str, Any] = json.loads(text) if text.startswith("{") else text
        except (UnicodeDecodeError, ValueError):
            errors.append(
                source.error(where, f"badge file {holding['badge']!r} is not JSON or JWT text")
            )
            continue
        inlined[i] = {**holding, "badge": document}
    return {**data, "holdings": inlined}


def _parse_text(name: str, raw: bytes, errors: list[LocatedError]) -> tuple[_Source | None, Any]:
    if len(raw) > MAX_FILE_BYTES:
        errors.append(_too_big(name, len(raw), MAX_FILE_BYTES))
        return None, None
    text = _decode(name, raw, errors)
    if text is None:
        return None, None
    source = _Source(name, text)
    return source, _parse(source, errors)


def _unknown_ids(source: _Source, record: LearnerRecord, catalog: CompiledCatalog) -> None:
    """Raise a located :class:`RecordError` for every holding naming a credential or an
    institution the catalog does not hold."""
    errors = []
    for i, holding in enumerate(record.holdings):
        if holding.credential is not None and holding.credential not in catalog.versions:
            close = suggest(holding.credential, catalog.versions, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            message = f"unknown credential {holding.credential!r}{hint}"
            errors.append(source.error(("holdings", i, "credential"), message))
        if holding.at is not None and holding.at not in catalog.institutions:
            close = suggest(holding.at, catalog.institutions, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            errors.append(
                source.error(("holdings", i, "at"), f"unknown institution {holding.at!r}{hint}")
            )
    if errors:
        raise RecordError(errors)


def load_record(path: str | Path, catalog: CompiledCatalog | None = None) -> LearnerRecord:
    """Load a learner record from a YAML or JSON file.

    A holding ``{badge: FILE}`` names a badge file relative to the record; its content (JSON,
    or compact JWS/JWT text) is inlined, to be verified when the record is evaluated. With
    ``catalog``, every holding's credential and ``at`` institution must be in it. Raises
    :class:`~pathways.errors.RecordError` with every located error.
    """
    file = Path(path)
    raw = _read(file, str(file), MAX_FILE_BYTES)
    if isinstance(raw, LocatedError):
        raise RecordError([raw])
    errors: list[LocatedError] = []
    source, data = _parse_text(str(file), raw, errors)
    if source is None or errors:
        raise RecordError(errors)
    record = _record(source, data, file.parent)
    if catalog is not None:
        _unknown_ids(source, record, catalog)
    return record


def parse_record(data: str | bytes | Mapping[str, Any], name: str = "<record>") -> LearnerRecord:
    """Validate a learner record given inline (YAML/JSON text or parsed data).

    Never reads a file: a ``badge`` given as a string stays as it is (inline JWS/JWT text).
    Raises :class:`~pathways.errors.RecordError` with every located error (text input) or
    every error with its field path (parsed input).
    """
    if isinstance(data, Mapping):
        return _record(_Source(name, ""), dict(data), None)
    errors: list[LocatedError] = []
    raw = data.encode() if isinstance(data, str) else bytes(data)
    source, parsed = _parse_text(name, raw, errors)
    if source is None or errors:
        raise RecordError(errors)
    return _record(source, parsed, None)
