"""The compiled-catalog cache: a warm load gives what a cold load gives, an entry written for
other files or other code is never used, and an entry or a cache directory that cannot be used
is reported (a CacheWarning; an ImageError when damage is found in a table later), never
silently wrong."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml_rs
from typer.testing import CliRunner

import pathways.catalog.cache
import pathways.catalog.load
from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.image import ImageError, _Image, from_image
from pathways.catalog.load import DEFAULT_CATALOG, cache_dir, load_catalog, load_record
from pathways.cli import app
from pathways.errors import CacheWarning
from pathways.evaluate import audit
from pathways.options import Options

CatalogWriter = Callable[[Mapping[str, Any]], Path]
"""The ``write_catalog`` fixture of conftest.py."""

SMALL = """\
institutions:
  - {id: cc, name: College, kind: community-college}
credentials:
  - {id: cc.a, title: A, kind: course, credits: 3}
  - {id: cc.cert, title: Cert, kind: certificate, requires: {has: cc.a}}
"""
LEARNER = DEFAULT_CATALOG.parent / "learners" / "cyber-security-plus.yaml"


def _everything(compiled: CompiledCatalog) -> tuple[Any, ...]:
    """Every table, index and derived value of a compiled catalog, comparable with ==."""
    return (
        compiled.version,
        compiled.unit,
        compiled.catalog,
        compiled.topo_order,
        sorted(compiled.graph.edges(data="rel")),
        sorted((n, sorted(a.items())) for n, a in compiled.graph.nodes(data=True)),
        *(
            dict(getattr(compiled, name))
            for name in (
                "institutions",
                "policies",
                "funding",
                "equivalences",
                "rules",
                "versions",
                "member_of",
                "badge_classes",
                "ctids",
                "rules_by_source",
                "rules_granting",
            )
        ),
        {i: compiled.rules_at(i) for i in compiled.institutions},
    )


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("YAML was parsed")

    monkeypatch.setattr(pathways.catalog.load, "_parse", refuse)
    monkeypatch.setattr(yaml_rs, "loads", refuse)


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("catalog-*.img"))


def _cached(
    write_catalog: CatalogWriter, cache: Path, text: str = SMALL
) -> tuple[Path, CompiledCatalog, Path]:
    """A catalog directory of ``text``, loaded once: (directory, catalog, its new entry)."""
    before = set(_entries(cache)) if cache.exists() else set()
    directory = write_catalog({"a.yaml": text})
    compiled = load_catalog(directory)
    (entry,) = set(_entries(cache)) - before
    return directory, compiled, entry


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("PATHWAYS_CACHE", str(cache))
    return cache


# --------------------------------------------------------------------------- warm equals cold


def test_warm_bundled_catalog_equals_cold(
    private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = load_catalog(DEFAULT_CATALOG, cache=False)
    load_catalog(DEFAULT_CATALOG)
    _no_parsing(monkeypatch)
    warm = load_catalog(DEFAULT_CATALOG)
    assert _everything(warm) == _everything(cold)
    assert warm == cold


def test_warm_audit_equals_cold_audit(private_cache: Path) -> None:
    cold = load_catalog(DEFAULT_CATALOG, cache=False)
    load_catalog(DEFAULT_CATALOG)
    warm = load_catalog(DEFAULT_CATALOG)
    options = Options(as_of=None)
    decisions = [
        audit(c, load_record(LEARNER, c), "tri-c.cert.cybersecurity", options).model_dump()
        for c in (cold, warm)
    ]
    assert decisions[0] == decisions[1]


def test_a_warm_catalog_pickles_to_an_equal_catalog(private_cache: Path) -> None:
    load_catalog(DEFAULT_CATALOG)
    warm = load_catalog(DEFAULT_CATALOG)
    assert _everything(pickle.loads(pickle.dumps(warm))) == _everything(warm)


def test_cache_returns_an_equal_catalog_without_parsing(
    write_catalog: CatalogWriter, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = write_catalog({"a.yaml": SMALL})
    first = load_catalog(directory)
    assert cache_dir() == private_cache
    assert len(_entries(private_cache)) == 1
    _no_parsing(monkeypatch)
    second = load_catalog(directory)
    assert _everything(second) == _everything(first)
    assert second is not first


# --------------------------------------------------------------------------- never stale


def test_cache_misses_when_a_file_changes(
    write_catalog: CatalogWriter, private_cache: Path
) -> None:
    directory = write_catalog({"a.yaml": SMALL})
    first = load_catalog(directory)
    (directory / "a.yaml").write_text(SMALL.replace("title: A,", "title: A2,"))
    second = load_catalog(directory)
    assert second.version != first.version
    assert second.credential("cc.a").title == "A2"
    assert len(_entries(private_cache)) == 2


def test_cache_misses_when_a_file_is_renamed_or_added(
    write_catalog: CatalogWriter, private_cache: Path
) -> None:
    directory = write_catalog({"a.yaml": SMALL})
    versions = {load_catalog(directory).version}
    (directory / "a.yaml").rename(directory / "b.yaml")
    versions.add(load_catalog(directory).version)
    (directory / "c.yaml").write_text("policies:\n  - {id: p, title: P, guarantee: guaranteed}\n")
    assert "p" in load_catalog(directory).policies
    assert len(versions) == 2
    assert len(_entries(private_cache)) == 3


def test_a_code_change_misses_the_old_entry(
    write_catalog: CatalogWriter, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = write_catalog({"a.yaml": SMALL})
    load_catalog(directory)
    monkeypatch.setattr(pathways.catalog.cache, "_salt", "another compiler")
    parsed: list[str] = []
    real_parse = pathways.catalog.load._parse

    def counting_parse(*a: Any) -> Any:
        parsed.append("x")
        return real_parse(*a)

    monkeypatch.setattr(pathways.catalog.load, "_parse", counting_parse)
    load_catalog(directory)
    assert parsed
    assert len(_entries(private_cache)) == 2


def test_an_entry_written_for_other_files_is_refused(
    write_catalog: CatalogWriter, private_cache: Path
) -> None:
    _one, _first, entry_one = _cached(write_catalog, private_cache)
    other, expected, entry_other = _cached(
        write_catalog, private_cache, SMALL.replace("title: A,", "title: Other,")
    )
    entry_other.write_bytes(entry_one.read_bytes())  # the right name, the wrong catalog
    with pytest.warns(CacheWarning, match="another catalog"):
        found = load_catalog(other)
    assert _everything(found) == _everything(expected)
    assert found.credential("cc.a").title == "Other"


# --------------------------------------------------------------------------- reported, never wrong


def _header_flipped(raw: bytes) -> bytes:
    return raw[:30] + bytes([raw[30] ^ 0xFF]) + raw[31:]


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: b"",
        lambda raw: b"not an image",
        lambda raw: pickle.dumps({"a": "dict"}),
        lambda raw: raw[:50],
        lambda raw: raw[:-1],
        lambda raw: raw + b"\0",
        _header_flipped,
    ],
    ids=["empty", "text", "other pickle", "truncated", "one byte short", "one byte long", "flip"],
)
def test_damaged_entry_is_reported_and_rebuilt(
    write_catalog: CatalogWriter, private_cache: Path, damage: Callable[[bytes], bytes]
) -> None:
    directory, first, entry = _cached(write_catalog, private_cache)
    entry.write_bytes(damage(entry.read_bytes()))
    with pytest.warns(CacheWarning, match="unusable, rebuilt"):
        again = load_catalog(directory)
    assert _everything(again) == _everything(first)
    assert _everything(from_image(entry.read_bytes())) == _everything(first)  # rewritten whole


def test_damage_inside_a_table_raises_when_read_and_removes_the_entry(
    write_catalog: CatalogWriter, private_cache: Path
) -> None:
    directory, first, entry = _cached(write_catalog, private_cache)
    raw = bytearray(entry.read_bytes())
    image = _Image(bytes(raw), None)
    offset, length, _crc = image.header["sections"]["versions.blobs"]
    raw[image.base + offset + length // 2] ^= 0xFF
    entry.write_bytes(bytes(raw))
    damaged = load_catalog(directory)  # the header is sound: the damage is found on reading
    with pytest.raises(ImageError, match="fails its checksum; removed"):
        [damaged.versions[k] for k in damaged.versions]
    assert not entry.exists()
    assert _everything(load_catalog(directory)) == _everything(first)


@pytest.fixture
def unwritable_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PATHWAYS_CACHE names a directory under a regular file: it can never be created."""
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    monkeypatch.setenv("PATHWAYS_CACHE", str(blocker / "cache"))


@pytest.mark.usefixtures("unwritable_cache")
def test_unwritable_cache_is_reported_and_the_load_goes_on(write_catalog: CatalogWriter) -> None:
    with pytest.warns(CacheWarning, match="cannot be written"):
        compiled = load_catalog(write_catalog({"a.yaml": SMALL}))
    assert "cc.a" in compiled.versions


def test_unreadable_entry_is_reported_and_the_load_goes_on(
    write_catalog: CatalogWriter, private_cache: Path
) -> None:
    directory, _compiled, entry = _cached(write_catalog, private_cache)
    entry.unlink()
    entry.mkdir()  # neither readable nor replaceable as a file
    with pytest.warns(CacheWarning) as caught:
        compiled = load_catalog(directory)
    messages = [str(w.message) for w in caught]
    assert any("cannot be read" in m for m in messages)
    assert any("cannot be written" in m for m in messages)
    assert compiled.credential("cc.cert").title == "Cert"


def test_cache_off_neither_reads_nor_writes(
    write_catalog: CatalogWriter, private_cache: Path
) -> None:
    directory = write_catalog({"a.yaml": SMALL})
    load_catalog(directory, cache=False)
    assert not private_cache.exists()


def test_cache_writes_leave_no_temporary_files(
    write_catalog: CatalogWriter, private_cache: Path
) -> None:
    load_catalog(write_catalog({"a.yaml": SMALL}))
    assert [p.name.startswith("catalog-") for p in private_cache.iterdir()] == [True]
    assert os.stat(private_cache).st_mode & 0o077 == 0


@pytest.mark.usefixtures("unwritable_cache")
def test_cli_prints_a_cache_warning_as_one_line(write_catalog: CatalogWriter) -> None:
    directory = write_catalog({"a.yaml": SMALL})
    result = CliRunner().invoke(app, ["validate", "--catalog", str(directory)])
    assert result.exit_code == 0, result.output
    assert "warning: compiled-catalog cache" in result.stderr
    assert "Traceback" not in result.stderr
    assert "cannot be written" in result.stderr


def test_cli_stops_with_a_message_on_damage_found_during_an_audit(
    private_cache: Path,
) -> None:
    load_catalog(DEFAULT_CATALOG)
    (entry,) = _entries(private_cache)
    raw = bytearray(entry.read_bytes())
    image = _Image(bytes(raw), None)
    offset, length, _crc = image.header["sections"]["versions.index"]
    raw[image.base + offset + length // 2] ^= 0xFF
    entry.write_bytes(bytes(raw))
    args = ["audit", str(LEARNER), "--goal", "tri-c.cert.cybersecurity", "--as-of", "2026-07-01"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "section 'versions.index' fails its checksum; removed" in result.stderr
    assert str(entry) in result.stderr
    assert "Traceback" not in result.stderr
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.stderr
