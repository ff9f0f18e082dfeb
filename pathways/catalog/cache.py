"""The on-disk cache of compiled catalogs, keyed on content.

:func:`~pathways.catalog.load.load_catalog` hashes the bytes of every catalog file (sha256 of
names and contents), then asks :func:`read` for the compiled catalog of that hash before
parsing any YAML. An entry is one image (:mod:`pathways.catalog.image`) in :func:`cache_dir`,
named by a hash of the content hash and of the code that compiles (:func:`code_salt`), so a
changed file or a changed compiler never meets an old entry; the header repeats both hashes
and :func:`read` compares them too. A hit maps the file read-only (``mmap``): the load costs
the hashing plus a header, and each table is decoded only when first read.

Nothing here is silent: an entry that cannot be read (damaged, truncated, foreign, another
format, unreadable file) is reported as a :class:`~pathways.errors.CacheWarning`, removed and
rebuilt; a cache that cannot be written is reported the same way and the load goes on
without it. Entries are written to a temporary file in the same directory and renamed over
the old one, so a reader never sees half an entry; the directory is created with mode 0700.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import sys
import tempfile
import warnings
from pathlib import Path

from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.image import FORMAT, ImageError, from_image, to_image
from pathways.errors import CacheWarning

__all__ = ["cache_dir", "code_salt", "entry_path", "read", "write"]

_SUFFIX = ".img"
_salt: str | None = None


def cache_dir() -> Path:
    """Where compiled catalogs are cached: ``$PATHWAYS_CACHE``, else the user cache dir."""
    configured = os.environ.get("PATHWAYS_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pathways"


def code_salt() -> str:
    """A hash of the image format, the Python version and the code that shapes a compiled
    catalog: a change to any of them invalidates every entry."""
    global _salt
    if _salt is None:
        digest = hashlib.sha256(f"{FORMAT}:{sys.version_info[:2]}".encode())
        package = Path(__file__).resolve().parent
        for module in ("model.py", "compile.py", "references.py", "load.py", "image.py"):
            digest.update((package / module).read_bytes())
        _salt = digest.hexdigest()
    return _salt


def entry_path(digest: str) -> Path:
    """The cache file for the catalog whose files hash to ``digest``."""
    key = hashlib.sha256(f"{code_salt()}:{digest}".encode()).hexdigest()[:32]
    return cache_dir() / f"catalog-{key}{_SUFFIX}"


def _warn(message: str) -> None:
    warnings.warn(CacheWarning(message), stacklevel=3)


def read(digest: str) -> CompiledCatalog | None:
    """The cached compiled catalog of ``digest``, or None (nothing cached yet, or an entry
    that could not be used — reported, and removed when damaged)."""
    path = entry_path(digest)
    try:
        with path.open("rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                raise ImageError(f"{path}: empty")
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (FileNotFoundError, NotADirectoryError):  # nothing cached (yet)
        return None
    except ImageError as error:
        path.unlink(missing_ok=True)
        _warn(f"compiled-catalog cache unusable, rebuilt: {error}")
        return None
    except OSError as error:
        _warn(f"compiled-catalog cache {path} cannot be read ({error.strerror or error})")
        return None
    try:
        return from_image(mapped, path, digest=digest, salt=code_salt())
    except ImageError as error:
        _warn(f"compiled-catalog cache unusable, rebuilt: {error}")
        return None


def write(digest: str, compiled: CompiledCatalog) -> None:
    """Store ``compiled`` as the entry of ``digest`` (atomically); a failure is reported as a
    :class:`~pathways.errors.CacheWarning` and otherwise ignored."""
    path = entry_path(digest)
    temp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        payload = to_image(compiled, digest=digest, salt=code_salt())
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=_SUFFIX)
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
        os.replace(temp, path)
        temp = None
    except OSError as error:
        _warn(
            f"compiled-catalog cache {path} cannot be written ({error.strerror or error}); "
            "later loads compile again (set PATHWAYS_CACHE to a writable directory)"
        )
    finally:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)
