"""A compiled catalog as one compact byte image, read back lazily.

The image is what the on-disk cache stores (:mod:`pathways.catalog.cache`) and what a
:class:`~pathways.catalog.compile.CompiledCatalog` pickles to (a batch worker receives one).
Reading an image back costs almost nothing at any size: :func:`from_image` checks the header
and returns a catalog whose tables, indexes and graph are *sections* of the image, each
decoded on first use. A state-scale command that reads a few credentials decodes only those;
the image may be a read-only ``mmap`` of the cache file, so what is never read is never
copied into memory either.

Layout (integers little-endian)::

    b"PWCATIMG"  u32 format  u64 header length  u32 header crc32
    header       pickle: {"version", "digest", "salt", "length", "eager", "sections"}
    sections     one after another; "sections" maps a name to (offset, length, crc32)

``eager`` holds the few small tables every evaluation reads (unit, institutions, policies,
funding). Every other table is a section. A table of catalog entries (``versions``,
``equivalences``, ``rules``) is two sections: ``<name>.index`` (the ids, and per entry the
offset and crc32 of its own pickle) and ``<name>.blobs`` (those pickles, back to back).

Damage is never silently used: the header, each section and each entry carry a crc32 checked
when they are decoded, and a mismatch raises :class:`ImageError` (removing a damaged cache
file first, so the next load rebuilds it). An image is written only by this module, from a
catalog that compiled; it holds pickles, so it is read only from the cache directory this
process owns (mode 0700) or from the process that wrote it, never from outside input.
"""

from __future__ import annotations

import pickle
import struct
import zlib
from array import array
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar, overload

from pathways.catalog.compile import CompiledCatalog, gc_paused
from pathways.errors import PathwaysError

__all__ = ["FORMAT", "ImageError", "from_image", "to_image"]

MAGIC = b"PWCATIMG"
FORMAT = 2
"""The image layout's version: a reader refuses any other."""

_HEAD = struct.Struct("<8sIQI")
_PROTOCOL = pickle.HIGHEST_PROTOCOL
_TABLES = ("versions", "equivalences", "rules")
_INDEXES = ("member_of", "badge_classes", "ctids", "rules_by_source", "rules_granting", "rules_at")

V = TypeVar("V")
_T = TypeVar("_T")
Buffer = bytes | bytearray | memoryview | Any  # an mmap.mmap is a buffer too


class ImageError(PathwaysError):
    """A compiled-catalog image that is damaged, truncated, foreign or of another format."""


# --------------------------------------------------------------------------- writing


class _Writer:
    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.offset = 0
        self.sections: dict[str, tuple[int, int, int]] = {}

    def add(self, name: str, payload: bytes) -> None:
        self.sections[name] = (self.offset, len(payload), zlib.crc32(payload))
        self.parts.append(payload)
        self.offset += len(payload)

    def value(self, name: str, value: Any) -> None:
        self.add(name, pickle.dumps(value, _PROTOCOL))

    def table(self, name: str, table: Mapping[str, Any]) -> None:
        if isinstance(table, _Table):  # read from an image: copy the entries' bytes as they are
            keys, blobs = table.raw_entries()
        else:
            keys = tuple(table)
            blobs = [pickle.dumps(table[k], _PROTOCOL) for k in keys]
        offsets = array("Q", [0])
        crcs = array("I")
        for blob in blobs:
            offsets.append(offsets[-1] + len(blob))
            crcs.append(zlib.crc32(blob))
        self.value(f"{name}.index", (keys, offsets.tobytes(), crcs.tobytes()))
        self.add(f"{name}.blobs", b"".join(blobs))


def to_image(compiled: CompiledCatalog, *, digest: str = "", salt: str = "") -> bytes:
    """The image of ``compiled``. ``digest`` and ``salt`` (the content hash of the files it
    was compiled from and the hash of the code that compiled it) are stored in the header for
    :func:`from_image` to compare."""
    writer = _Writer()
    with gc_paused():
        for name in _TABLES:
            writer.table(name, getattr(compiled, name))
        indexes: dict[str, Any] = {
            "member_of": dict(compiled.member_of),
            "badge_classes": dict(compiled.badge_classes),
            "ctids": dict(compiled.ctids),
            "rules_by_source": ids_of(compiled.rules_by_source),
            "rules_granting": ids_of(compiled.rules_granting),
            "rules_at": dict(compiled._rules_at_ids),
        }
        for name in _INDEXES:
            writer.value(name, indexes[name])
        writer.value("topo_order", compiled.topo_order)
        writer.value("graph", compiled._graph_data())
        header = pickle.dumps(
            {
                "version": compiled.version,
                "digest": digest,
                "salt": salt,
                "length": writer.offset,
                "eager": {
                    "unit": compiled.unit,
                    "institutions": dict(compiled.institutions),
                    "policies": dict(compiled.policies),
                    "funding": dict(compiled.funding),
                    "tags": dict(compiled.tags),
                },
                "sections": writer.sections,
            },
            _PROTOCOL,
        )
    head = _HEAD.pack(MAGIC, FORMAT, len(header), zlib.crc32(header))
    return b"".join([head, header, *writer.parts])


# --------------------------------------------------------------------------- reading


class _Image:
    """An image's buffer and header; decodes checked sections on demand."""

    __slots__ = ("base", "buffer", "header", "path", "view")

    def __init__(self, buffer: Buffer, path: Path | None) -> None:
        self.buffer = buffer
        self.path = path
        self.view = memoryview(buffer)
        if len(self.view) < _HEAD.size:
            raise self.damaged("shorter than its header")
        magic, fmt, length, crc = _HEAD.unpack_from(self.view)
        if magic != MAGIC:
            raise self.damaged("not a compiled-catalog image")
        if fmt != FORMAT:
            raise self.damaged(f"format {fmt}, this version reads format {FORMAT}")
        raw = self.view[_HEAD.size : _HEAD.size + length]
        if len(raw) != length or zlib.crc32(raw) != crc:
            raise self.damaged("its header fails its checksum")
        try:
            self.header: dict[str, Any] = pickle.loads(raw)
        except Exception as error:
            raise self.damaged(f"its header does not decode ({error})") from None
        self.base = _HEAD.size + length
        if len(self.view) != self.base + self.header["length"]:
            raise self.damaged(f"{len(self.view)} bytes, its header says {self.base}+")

    def damaged(self, what: str) -> ImageError:
        """The error for damage found now; a damaged cache file is removed first."""
        where = str(self.path) if self.path is not None else "compiled-catalog image"
        if self.path is not None:
            try:
                self.path.unlink(missing_ok=True)
                what += "; removed, the next load rebuilds it"
            except OSError as error:
                what += f"; could not remove it ({error.strerror or error}), delete it by hand"
        return ImageError(f"{where}: {what}")

    def raw(self, name: str, *, check: bool = True) -> memoryview:
        """The bytes of section ``name`` (crc32 checked unless ``check`` is false)."""
        offset, length, crc = self.header["sections"][name]
        data = self.view[self.base + offset : self.base + offset + length]
        if check and zlib.crc32(data) != crc:
            raise self.damaged(f"section {name!r} fails its checksum")
        return data

    def load(self, name: str) -> Any:
        """Section ``name`` decoded."""
        data = self.raw(name)
        with gc_paused():
            return pickle.loads(data)

    def deferred(self, name: str) -> Callable[[], Any]:
        """A function returning section ``name`` decoded (each call decodes it again)."""
        return lambda: self.load(name)


class _Table(Mapping[str, V]):
    """Entries of one table, each unpickled (crc32 checked) on first access."""

    __slots__ = ("_blobs", "_crcs", "_image", "_keys", "_name", "_offsets", "_positions", "_values")

    def __init__(self, image: _Image, name: str) -> None:
        self._image = image
        self._name = name
        self._positions: dict[str, int] | None = None
        self._values: dict[str, V] = {}

    def _index(self) -> dict[str, int]:
        if self._positions is None:
            keys, offsets, crcs = self._image.load(f"{self._name}.index")
            self._keys: tuple[str, ...] = keys
            self._offsets = array("Q")
            self._offsets.frombytes(offsets)
            self._crcs = array("I")
            self._crcs.frombytes(crcs)
            self._blobs = self._image.raw(f"{self._name}.blobs", check=False)
            self._positions = {key: i for i, key in enumerate(keys)}
        return self._positions

    def _blob(self, i: int) -> memoryview:
        blob = self._blobs[self._offsets[i] : self._offsets[i + 1]]
        if zlib.crc32(blob) != self._crcs[i]:
            raise self._image.damaged(f"{self._name} entry {self._keys[i]!r} fails its checksum")
        return blob

    def __getitem__(self, key: str) -> V:
        try:
            return self._values[key]
        except KeyError:
            pass
        i = self._index()[key]
        try:
            value: V = pickle.loads(self._blob(i))
        except ImageError:
            raise
        except Exception as error:
            raise self._image.damaged(f"{self._name} entry {key!r}: {error}") from None
        self._values[key] = value
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._index()

    def __iter__(self) -> Iterator[str]:
        self._index()
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._index())

    def raw_entries(self) -> tuple[tuple[str, ...], list[bytes]]:
        """The ids and each entry's checked pickle, in order (to write the table again)."""
        self._index()
        return self._keys, [bytes(self._blob(i)) for i in range(len(self._keys))]


class _Section(Mapping[str, V]):
    """A mapping decoded from one section on first access."""

    __slots__ = ("_load", "_value")

    def __init__(self, load: Callable[[], dict[str, V]]) -> None:
        self._load = load
        self._value: dict[str, V] | None = None

    def _dict(self) -> dict[str, V]:
        if self._value is None:
            self._value = self._load()
        return self._value

    def __getitem__(self, key: str) -> V:
        return self._dict()[key]

    @overload
    def get(self, key: str, /) -> V | None: ...
    @overload
    def get(self, key: str, default: V | _T, /) -> V | _T: ...
    def get(self, key: str, default: object = None, /) -> object:
        """The dict's own ``get`` (a miss raises no exception: matching asks for every
        holding's equivalences, and most holdings have none)."""
        return self._dict().get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._dict()

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict())

    def __len__(self) -> int:
        return len(self._dict())


class _Resolved(Mapping[str, tuple[V, ...]]):
    """A mapping of key → ids, resolved through ``table`` (and kept) on access."""

    __slots__ = ("_ids", "_table", "_values")

    def __init__(self, ids: Mapping[str, tuple[str, ...]], table: Mapping[str, V]) -> None:
        self._ids = ids
        self._table = table
        self._values: dict[str, tuple[V, ...]] = {}

    def __getitem__(self, key: str) -> tuple[V, ...]:
        try:
            return self._values[key]
        except KeyError:
            value = tuple(self._table[i] for i in self._ids[key])
            self._values[key] = value
            return value

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


def from_image(
    buffer: Buffer, path: Path | None = None, *, digest: str | None = None, salt: str | None = None
) -> CompiledCatalog:
    """The compiled catalog an image holds; its sections are decoded on first use.

    ``buffer`` must stay unchanged while the catalog lives (bytes, or a read-only ``mmap``).
    ``path`` names the cache file it was read from, for messages, and is removed when damage
    is found. With ``digest`` / ``salt``, an image written for other files or by other code is
    refused. Raises :class:`ImageError` when the header is damaged or does not match; damage
    found later, in a section or entry, raises it from the access that found it.
    """
    image = _Image(buffer, path)
    for name, expected in (("digest", digest), ("salt", salt)):
        if expected is not None and image.header[name] != expected:
            raise image.damaged(f"written for another catalog or code version ({name} differs)")
    eager = image.header["eager"]
    rules: _Table[Any] = _Table(image, "rules")
    return CompiledCatalog(
        version=image.header["version"],
        unit=eager["unit"],
        institutions=eager["institutions"],
        policies=eager["policies"],
        funding=eager["funding"],
        tags=eager["tags"],
        versions=_Table(image, "versions"),
        equivalences=_Table(image, "equivalences"),
        rules=rules,
        member_of=_Section(image.deferred("member_of")),
        badge_classes=_Section(image.deferred("badge_classes")),
        ctids=_Section(image.deferred("ctids")),
        rules_by_source=_Resolved(_Section(image.deferred("rules_by_source")), rules),
        rules_granting=_Resolved(_Section(image.deferred("rules_granting")), rules),
        _rules_at_ids=_Section(image.deferred("rules_at")),
        _topo_order=image.deferred("topo_order"),
        _graph=image.deferred("graph"),
        _catalog=None,
        _image=image.buffer,
    )


def ids_of(table: Mapping[str, tuple[Any, ...]]) -> dict[str, tuple[str, ...]]:
    """``key → ids`` of a ``key → entries`` index (as an image stores it)."""
    if isinstance(table, _Resolved):
        return dict(table._ids)
    return {key: tuple(entry.id for entry in entries) for key, entries in table.items()}
