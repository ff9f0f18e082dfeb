"""Small shared pieces of the verifier: the per-call settings, JSON accessors, dates, JWS."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any

from pathways.catalog.model import Identity
from pathways.interop.resolver import Resolver
from pathways.interop.result import Rejected

__all__ = [
    "CREDENTIAL_URN",
    "MAX_DEPTH",
    "Facts",
    "Settings",
    "as_list",
    "b64url_json",
    "id_of",
    "parse_instant",
    "split_jws",
    "types_of",
]

CREDENTIAL_URN = "urn:pathways:credential:"
"""The prefix of the achievement id Pathways gives a catalog credential with no
``badge_classes`` when it exports a CLR; the verifier maps ``<prefix><id>`` back to ``<id>``."""

MAX_DEPTH = 3
"""How deep credentials may nest (a CLR inside a CLR, a status list's own status)."""


@dataclass(frozen=True)
class Settings:
    """What one verification runs against; ``depth`` counts nesting (CLR, status lists)."""

    as_of: date
    resolver: Resolver | None = None
    trust: frozenset[str] = frozenset()
    identity: Identity | None = None
    depth: int = 0

    def deeper(self, *, identity: Identity | None = None) -> Settings:
        """The settings for a credential nested in this one (no recipient check by default)."""
        if self.depth + 1 > MAX_DEPTH:
            raise Rejected("malformed", f"credentials nested more than {MAX_DEPTH} deep")
        return Settings(self.as_of, self.resolver, self.trust, identity, self.depth + 1)


@dataclass(frozen=True)
class Facts:
    """What a verified credential says, for mapping it to the catalog and building a holding."""

    issuer: str
    """The issuer identity that proved itself (its id, or the did:key of a urn:uuid issuer)."""
    credential_id: str | None = None
    achievement_ids: tuple[str, ...] = ()
    ctids: tuple[str, ...] = ()
    alignments: tuple[str, ...] = ()
    achievement_type: str | None = None
    credits: Fraction | None = None
    grade: str | None = None
    """A ``LetterGrade`` result (one of the catalog's grades)."""
    score: float | None = None
    """A ``ScaledScore`` result."""
    earned: date | None = None
    kind: str = "credential"
    """``assertion`` (OB 2.0), ``achievement`` (OB 3.0), ``clr`` or ``credential`` (other VC)."""
    nested: tuple[Any, ...] = ()
    """For a CLR: the nested credentials (dicts or JWT text), verified after it."""


def as_list(value: Any) -> list[Any]:
    """A JSON value as a list: None → [], a list as is, anything else → [value]."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def id_of(value: Any) -> str | None:
    """The id of a JSON-LD reference: the string itself, or an object's ``id``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def types_of(document: dict[str, Any]) -> list[str]:
    """A document's ``type`` (or ``@type``) values, as strings."""
    value = document.get("type", document.get("@type"))
    return [item for item in as_list(value) if isinstance(item, str)]


def parse_instant(value: Any, what: str) -> datetime:
    """An ISO 8601 date or date-time (``Z`` or an offset; naive means UTC), or a Unix time.

    Raises :class:`Rejected` (``malformed``) naming ``what`` when it is neither.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise Rejected("malformed", f"{what} {value!r} is not a usable time") from None
    if not isinstance(value, str):
        raise Rejected("malformed", f"{what} must be an ISO 8601 date-time")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise Rejected("malformed", f"{what} {value!r} is not an ISO 8601 date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def b64url_json(segment: str, what: str) -> Any:
    """Decode one base64url segment of a compact JWS and parse it as JSON."""
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        return json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise Rejected("malformed", f"the JWS {what} is not base64url-encoded JSON") from None


def split_jws(token: str) -> tuple[dict[str, Any], Any]:
    """The header and payload of a compact JWS, decoded but not yet verified."""
    parts = token.split(".")
    if len(parts) != 3:
        raise Rejected("malformed", "a compact JWS has three dot-separated parts")
    header = b64url_json(parts[0], "header")
    if not isinstance(header, dict):
        raise Rejected("malformed", "the JWS header is not a JSON object")
    return header, b64url_json(parts[1], "payload")
