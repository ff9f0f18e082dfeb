"""The local trust and resolution directory: what issuers publish, read from disk, never fetched.

On disk it is one JSON index (``resolve.json``), given either as the file itself or as the
directory that holds it::

    {
      "documents": {"<url>": "<path relative to the index>" | {<inline JSON document>}},
      "keys":      {"<verification method id>": "<z6Mk… multibase>" | {<JWK>} | "<PEM>"}
    }

``documents`` holds what would be fetched from a URL: Open Badges 2.0 Assertions, BadgeClasses,
Issuer profiles, CryptographicKeys and RevocationLists, DID documents (``did:web`` resolves to
its ``https://…/did.json`` URL), 1EdTech revocation lists and status list credentials (JSON or
a compact VC-JWT). ``keys`` holds the public keys issuers publish, by verification-method id.
This is the format of ``conformance/resolve.json``, which loads as it is. Any other key of the
index (such as ``about``) is ignored. A document path may not leave the index's directory.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from pathways.errors import PathwaysError

__all__ = ["INDEX_NAME", "Resolver", "ResolverError", "did_web_url"]

INDEX_NAME = "resolve.json"
_MAX_DOCUMENT_BYTES = 4 * 1024 * 1024


class ResolverError(PathwaysError):
    """A resolution directory that cannot be read (missing, not JSON, or a bad entry)."""


def did_web_url(did: str) -> str | None:
    """The URL of a ``did:web`` DID's document, or None if ``did`` is not a did:web.

    >>> did_web_url("did:web:example.com")
    'https://example.com/.well-known/did.json'
    >>> did_web_url("did:web:example.com%3A8443:users:alice")
    'https://example.com:8443/users/alice/did.json'
    """
    if not did.startswith("did:web:"):
        return None
    ident = did[len("did:web:") :].split("#", 1)[0]
    parts = [unquote(part) for part in ident.split(":")]
    if not parts[0]:
        return None
    if len(parts) == 1:
        return f"https://{parts[0]}/.well-known/did.json"
    return "https://" + "/".join(parts) + "/did.json"


@dataclass(frozen=True)
class Resolver:
    """Documents by URL and public keys by verification-method id, all local.

    ``document(url)`` returns the parsed JSON (a dict) or, for a document published as a
    compact JWS/JWT, its text; None when nothing is published at ``url``.
    """

    documents: Mapping[str, Any] = field(default_factory=dict)
    keys: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> Resolver:
        """Read an index file, or the ``resolve.json`` inside a directory.

        Raises :class:`ResolverError` naming the file and entry at fault.
        """
        index = Path(path)
        if index.is_dir():
            index = index / INDEX_NAME
        try:
            data = json.loads(index.read_text("utf-8"))
        except OSError as error:
            raise ResolverError(f"{index}: cannot read the resolution index: {error}") from None
        except (ValueError, UnicodeDecodeError) as error:
            raise ResolverError(f"{index}: not JSON: {error}") from None
        if not isinstance(data, dict):
            raise ResolverError(f"{index}: the index must be a JSON object")
        base = index.parent.resolve()
        documents: dict[str, Any] = {}
        for url, entry in _section(data, "documents", index).items():
            documents[url] = _read_entry(base, index, url, entry)
        keys = dict(_section(data, "keys", index))
        return cls(documents=documents, keys=keys)

    def document(self, url: str) -> Any:
        """What is published at ``url`` (a dict, or text for a JWT), or None."""
        found = self.documents.get(url)
        if found is None and "#" in url:
            found = self.documents.get(url.split("#", 1)[0])
        return found

    def key(self, method: str) -> Any:
        """The public key published for a verification-method id, or None."""
        return self.keys.get(method)

    def keys_for(self, controller: str) -> dict[str, Any]:
        """Every published key whose verification-method id lies under ``controller``."""
        return {
            method: key
            for method, key in self.keys.items()
            if method.split("#", 1)[0] == controller
        }


def _section(data: dict[str, Any], name: str, index: Path) -> dict[str, Any]:
    section = data.get(name, {})
    if not isinstance(section, dict):
        raise ResolverError(f"{index}: {name} must be an object of URL → entry")
    return section


def _read_entry(base: Path, index: Path, url: str, entry: Any) -> Any:
    if isinstance(entry, dict):
        return entry
    if not isinstance(entry, str):
        raise ResolverError(f"{index}: documents[{url!r}] must be a path or a JSON object")
    target = (base / entry).resolve()
    if not target.is_relative_to(base):
        raise ResolverError(f"{index}: documents[{url!r}] leaves the index's directory")
    try:
        raw = target.read_bytes()
    except OSError as error:
        raise ResolverError(f"{index}: documents[{url!r}]: {error}") from None
    if len(raw) > _MAX_DOCUMENT_BYTES:
        raise ResolverError(f"{index}: documents[{url!r}] is larger than 4 MiB")
    text = raw.decode("utf-8", errors="replace").strip()
    if text.startswith(("{", "[")):
        try:
            return json.loads(text)
        except ValueError as error:
            raise ResolverError(f"{target}: not JSON: {error}") from None
    return text
