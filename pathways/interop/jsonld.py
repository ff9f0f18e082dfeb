"""JSON-LD canonicalization over bundled contexts only (RDFC-1.0 / URDNA2015 with pyld).

Contexts decide what a signed credential means, so they are security-relevant: the verifier
serves the copies shipped in ``pathways/interop/contexts/`` and refuses every other URL with
:class:`ContextNotBundled`. Nothing is ever fetched.

pyld keeps process-wide caches of processed contexts that are not safe to share between
threads (concurrent use corrupts them: ``KeyError``, ``OrderedDict mutated during
iteration``). :func:`canonicalize` therefore runs one pyld call at a time in a process, so
equal documents get equal answers at any concurrency; callers in a server run it on worker
threads, never on the event loop.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from pyld import jsonld

__all__ = [
    "BUNDLED_CONTEXTS",
    "MAX_OBJECTS",
    "ContextNotBundled",
    "TooComplex",
    "canonicalize",
    "context_urls",
    "undefined_terms",
]

_UNDEFINED = "urn:pathways:undefined-term#"

BUNDLED_CONTEXTS: dict[str, str] = {
    "https://www.w3.org/2018/credentials/v1": "2018-credentials-v1.jsonld",
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    "https://w3id.org/security/suites/ed25519-2020/v1": "security-suites-ed25519-2020-v1.jsonld",
    "https://w3id.org/openbadges/v2": "ob-v2p0.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "ob-v3p0.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob-v3p0-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob-v3p0-extensions.json",
    "https://purl.imsglobal.org/spec/clr/v2p0/context.json": "clr-v2p0.json",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json": "clr-v2p0-2.0.1.json",
}
"""Context URL → file in ``pathways/interop/contexts/``."""


_PYLD_LOCK = threading.Lock()
"""Held around every pyld call: pyld's shared context caches are not thread-safe."""

MAX_OBJECTS = 2000
"""The most JSON objects a document to canonicalize may hold (a 200-course transcript fits)."""


class TooComplex(ValueError):
    """A document whose canonicalization could take unbounded time, refused up front.

    RDFC-1.0 is exponential on densely connected blank nodes (which only explicit ``_:``
    identifiers can build) and superlinear in the number of blank nodes.
    """


def check_complexity(document: Any) -> None:
    """Raise :class:`TooComplex` for explicit blank node ids or more than MAX_OBJECTS objects."""
    objects = 0
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            objects += 1
            if objects > MAX_OBJECTS:
                raise TooComplex(f"more than {MAX_OBJECTS} JSON objects")
            for key, value in item.items():
                if key.startswith("_:"):
                    raise TooComplex("blank node identifiers (_:…) are not accepted")
                pending.append(value)
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and item.startswith("_:"):
            raise TooComplex("blank node identifiers (_:…) are not accepted")


class ContextNotBundled(Exception):
    """A JSON-LD context URL that is not bundled with the engine (it is never fetched)."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(f"JSON-LD context {url!r} is not bundled (contexts are never fetched)")


@cache
def _context_text(url: str) -> str:
    name = BUNDLED_CONTEXTS[url]
    return resources.files("pathways.interop").joinpath("contexts", name).read_text("utf-8")


def _loader(refused: list[str]) -> Any:
    def load(url: str, options: Any = None) -> dict[str, Any]:
        if url not in BUNDLED_CONTEXTS:
            refused.append(url)
            raise ContextNotBundled(url)
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": json.loads(_context_text(url)),
        }

    return load


def context_urls(document: Any) -> Iterator[str]:
    """Every context URL a document names in an ``@context`` anywhere inside it."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "@context":
                items = value if isinstance(value, list) else [value]
                for item in items:
                    if isinstance(item, str):
                        yield item
                    else:
                        yield from context_urls(item)
            else:
                yield from context_urls(value)
    elif isinstance(document, list):
        for item in document:
            yield from context_urls(item)


def canonicalize(document: dict[str, Any]) -> str:
    """The RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document.

    Raises :class:`ContextNotBundled` when the document needs a context that is not bundled,
    :class:`TooComplex` when it could not be canonicalized in bounded time, and
    ``pyld.jsonld.JsonLdError`` when it is not valid JSON-LD.
    """
    check_complexity(document)
    for url in context_urls(document):
        if url not in BUNDLED_CONTEXTS:
            raise ContextNotBundled(url)
    refused: list[str] = []
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": _loader(refused),
    }
    try:
        with _PYLD_LOCK:
            result = jsonld.normalize(document, options)
    except jsonld.JsonLdError:
        if refused:
            raise ContextNotBundled(refused[0]) from None
        raise
    if not isinstance(result, str):
        raise TypeError("canonicalization did not produce N-Quads")
    return result


def undefined_terms(document: dict[str, Any]) -> list[str]:
    """Properties (and types) of a document that its contexts do not define.

    JSON-LD silently drops undefined terms, so a proof over the canonical form does not
    cover them: whatever they say was not signed. Found by canonicalizing once more with a
    sentinel ``@vocab`` appended, which maps exactly the undefined terms to sentinel IRIs.
    """
    contexts = document.get("@context")
    probe = {
        **document,
        "@context": [
            *(contexts if isinstance(contexts, list) else [contexts]),
            {"@vocab": _UNDEFINED},
        ],
    }
    found = re.findall(re.escape(_UNDEFINED) + r"([^>]*)>", canonicalize(probe))
    return sorted(set(found))
