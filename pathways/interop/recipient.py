"""Recipient binding: does a badge name the learner the caller says it belongs to?

A badge names its recipient by plain or hashed identities: OB 2.0 ``recipient``
(``sha256$<hex>`` of identity + salt), OB 3.0 / CLR ``credentialSubject.id`` (a DID or URL)
and ``identifier[]`` IdentityObjects. The learner's identities come from the record
(``learner.identity``: email, did, url, telephone, student_id). The check runs only when the
learner has at least one identity; it passes when any identity of the badge matches one of
the learner's of the same type.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pathways.catalog.model import Identity
from pathways.interop.common import as_list
from pathways.interop.result import Rejected

__all__ = ["BadgeIdentity", "check_recipient", "ob2_identities", "vc_identities"]

_TYPES = {
    "email": "email",
    "emailaddress": "email",
    "did": "did",
    "url": "url",
    "telephone": "telephone",
    "phone": "telephone",
    "studentid": "student_id",
}
"""Badge identity types (lower-cased) → the learner identity field they compare with."""


@dataclass(frozen=True)
class BadgeIdentity:
    """One way a badge names its recipient."""

    kind: str
    """The raw identity type as the badge states it."""
    value: str
    """The identity, or its hash (``sha256$<hex>``, ``md5$<hex>`` or bare hex) when hashed."""
    hashed: bool = False
    salt: str = ""


def ob2_identities(recipient: Any) -> list[BadgeIdentity]:
    """The identity of an OB 2.0 assertion's ``recipient`` IdentityObject."""
    if not isinstance(recipient, dict) or not isinstance(recipient.get("identity"), str):
        raise Rejected("malformed", "the assertion's recipient needs an identity")
    return [
        BadgeIdentity(
            kind=str(recipient.get("type", "email")),
            value=recipient["identity"],
            hashed=bool(recipient.get("hashed", False)),
            salt=str(recipient.get("salt") or ""),
        )
    ]


def vc_identities(subject: Any) -> list[BadgeIdentity]:
    """The identities of a credential subject: its ``id`` and its ``identifier`` objects."""
    found: list[BadgeIdentity] = []
    for item in as_list(subject):
        if not isinstance(item, dict):
            continue
        ident = item.get("id")
        if isinstance(ident, str):
            if ident.startswith("did:"):
                found.append(BadgeIdentity("did", ident))
            elif ident.startswith("mailto:"):
                found.append(BadgeIdentity("email", ident[len("mailto:") :]))
            elif ident.startswith(("https://", "http://")):
                found.append(BadgeIdentity("url", ident))
        for obj in as_list(item.get("identifier")):
            if isinstance(obj, dict) and isinstance(obj.get("identityHash"), str):
                found.append(
                    BadgeIdentity(
                        kind=str(obj.get("identityType", "")),
                        value=obj["identityHash"],
                        hashed=bool(obj.get("hashed", False)),
                        salt=str(obj.get("salt") or ""),
                    )
                )
    return found


def _learner_values(identity: Identity) -> dict[str, str]:
    return {name: value for name, value in identity.model_dump().items() if value}


def _matches(badge: BadgeIdentity, value: str) -> bool:
    # Email addresses compare case-insensitively; a hash may have been taken of either form.
    is_email = _TYPES.get(badge.kind.lower()) == "email"
    if not badge.hashed:
        return badge.value.lower() == value.lower() if is_email else badge.value == value
    algorithm, _, digest = badge.value.rpartition("$")
    algorithm = algorithm.lower() or "sha256"
    if algorithm not in ("sha256", "md5"):
        return False
    candidates = {value, value.lower()} if is_email else {value}
    return any(
        hmac.compare_digest(
            hashlib.new(algorithm, (candidate + badge.salt).encode()).hexdigest(), digest.lower()
        )
        for candidate in candidates
    )


def check_recipient(badge: Iterable[BadgeIdentity], identity: Identity | None) -> None:
    """Raise :class:`Rejected` (``recipient_mismatch``) unless the badge names the learner.

    Does nothing when ``identity`` is None or empty (no learner identity is known).
    """
    if identity is None:
        return
    learner = _learner_values(identity)
    if not learner:
        return
    named = list(badge)
    comparable = False
    for item in named:
        field = _TYPES.get(item.kind.lower())
        if field is None or field not in learner:
            continue
        comparable = True
        if _matches(item, learner[field]):
            return
    kinds = sorted({item.kind for item in named}) or ["nothing"]
    if comparable:
        raise Rejected(
            "recipient_mismatch",
            f"issued to someone else: its recipient ({', '.join(kinds)}) does not match the "
            "learner's identity",
        )
    raise Rejected(
        "recipient_mismatch",
        f"the badge names its recipient by {', '.join(kinds)}, and the learner record has no "
        "identity of that kind to compare",
    )
