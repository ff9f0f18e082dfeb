"""Shared test setup: hypothesis profiles, an isolated compiled-catalog cache, catalog writers.

* Hypothesis profiles and the long-test heartbeat live in :mod:`suite_support`: ``ci`` (fixed,
  derandomized) when ``CI=true``, ``dev`` (exploring) otherwise.
* Every test session gets its own ``PATHWAYS_CACHE`` directory, so tests never read or write
  the user's cache.
* ``write_catalog(files)`` writes ``{name: YAML text or data}`` into a fresh directory under
  ``tmp_path`` and returns it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

pytest_plugins = ["suite_support"]

CatalogWriter = Callable[[Mapping[str, Any]], Path]


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    previous = os.environ.get("PATHWAYS_CACHE")
    os.environ["PATHWAYS_CACHE"] = str(tmp_path_factory.mktemp("pathways-cache"))
    yield
    if previous is None:
        os.environ.pop("PATHWAYS_CACHE", None)
    else:
        os.environ["PATHWAYS_CACHE"] = previous


def write_files(directory: Path, files: Mapping[str, Any]) -> Path:
    """Write ``{relative name: YAML text, bytes or data}`` under ``directory``; return it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    return directory


@pytest.fixture
def write_catalog(tmp_path: Path) -> CatalogWriter:
    """A function writing catalog files into a fresh directory (one per call)."""
    counter = iter(range(1_000_000))

    def write(files: Mapping[str, Any]) -> Path:
        return write_files(tmp_path / f"catalog-{next(counter)}", files)

    return write
