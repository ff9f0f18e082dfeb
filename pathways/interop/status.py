"""Credential status: the 1EdTech revocation list and the Bitstring Status List.

Status documents come from the resolution directory, keyed by the URL the credential names
(a re-hosted list whose own ``id`` differs is accepted, as it would be when fetched). A list
that is not published, does not verify or cannot be decoded gives ``status_unavailable``; a
set bit or a listed id gives ``revoked``.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import zlib
from collections.abc import Callable
from typing import Any

from pathways.interop.common import Settings, as_list, id_of, types_of
from pathways.interop.result import Rejected

__all__ = ["check_status", "decode_bitstring", "read_bits"]

_MAX_BITSTRING_BYTES = 16 * 1024 * 1024
_BITSTRING_ENTRIES = ("BitstringStatusListEntry", "StatusList2021Entry")
_BITSTRING_LISTS = ("BitstringStatusListCredential", "StatusList2021Credential")

VerifyList = Callable[[Any, Settings], dict[str, Any]]
"""Verifies a status list credential (JSON or VC-JWT) and returns it; raises Rejected."""


def check_status(credential: dict[str, Any], settings: Settings, verify_list: VerifyList) -> None:
    """Raise :class:`Rejected` (``revoked`` / ``status_unavailable``) if the status says so."""
    for entry in as_list(credential.get("credentialStatus")):
        if not isinstance(entry, dict):
            raise Rejected("malformed", "credentialStatus must be an object")
        kinds = types_of(entry)
        if "1EdTechRevocationList" in kinds:
            _revocation_list(credential, entry, settings)
        elif any(kind in _BITSTRING_ENTRIES for kind in kinds):
            _bitstring(entry, settings, verify_list)
        else:
            raise Rejected(
                "status_unavailable", f"status method {kinds or ['(none)']} is not supported"
            )


def _published(url: Any, settings: Settings, what: str) -> Any:
    if not isinstance(url, str):
        raise Rejected("malformed", f"the {what} has no URL")
    found = settings.resolver.document(url) if settings.resolver is not None else None
    if found is None:
        raise Rejected("status_unavailable", f"the {what} {url} is not in the resolution directory")
    return found


def _revocation_list(credential: dict[str, Any], entry: dict[str, Any], settings: Settings) -> None:
    listing = _published(entry.get("id"), settings, "1EdTech revocation list")
    if not isinstance(listing, dict):
        raise Rejected("status_unavailable", "the 1EdTech revocation list is not a JSON object")
    own_id = credential.get("id")
    for item in as_list(listing.get("revokedCredentials")):
        if id_of(item) != own_id or own_id is None:
            continue
        flag = item.get("revoked", True) if isinstance(item, dict) else True
        if flag is True or (isinstance(flag, str) and flag.lower() == "true"):
            why = item.get("revocationReason") if isinstance(item, dict) else None
            raise Rejected("revoked", f"revoked by its issuer{': ' + why if why else ''}")


def decode_bitstring(encoded: str) -> bytes:
    """Expand a status list's ``encodedList``: multibase base64url (or plain base64), GZIP."""
    # Bitstring Status List: multibase "u" + base64url. StatusList2021: base64 without a
    # prefix (a GZIP stream's base64 always starts "H4sI", so the "u" is unambiguous).
    text = encoded[1:] if encoded.startswith("u") else encoded
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("encodedList is not base64") from None
    inflater = zlib.decompressobj(wbits=31)
    try:
        raw = inflater.decompress(packed, _MAX_BITSTRING_BYTES)
    except (zlib.error, gzip.BadGzipFile) as error:
        raise ValueError(f"encodedList is not GZIP data: {error}") from None
    if inflater.unconsumed_tail:
        raise ValueError("encodedList expands beyond 16 MiB")
    return raw


def read_bits(bitstring: bytes, index: int, size: int = 1) -> int:
    """The ``size``-bit value at entry ``index``; bit 0 is the first byte's most significant bit.

    >>> read_bits(bytes([0b0010_0000]), 2)
    1
    >>> read_bits(bytes([0b0010_0000]), 3)
    0
    """
    start = index * size
    if start + size > len(bitstring) * 8:
        raise IndexError(f"index {index} lies beyond the {len(bitstring) * 8 // size} entries")
    value = 0
    for position in range(start, start + size):
        value = value << 1 | (bitstring[position // 8] >> (7 - position % 8)) & 1
    return value


def _bitstring(entry: dict[str, Any], settings: Settings, verify_list: VerifyList) -> None:
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str):
        raise Rejected("malformed", "a status list entry needs its statusPurpose")
    try:
        index = int(entry.get("statusListIndex"))  # type: ignore[arg-type]
        size = int(entry.get("statusSize", 1))
    except (TypeError, ValueError):
        raise Rejected("malformed", "statusListIndex/statusSize must be integers") from None
    if index < 0 or not 1 <= size <= 64:
        raise Rejected("malformed", "statusListIndex must be ≥ 0 and statusSize 1…64")
    url = entry.get("statusListCredential")
    published = _published(url, settings, "status list")
    try:
        listing = verify_list(published, settings)
    except Rejected as failure:
        raise Rejected(
            "status_unavailable", f"the status list {url} does not verify: {failure.reason}"
        ) from None
    if not any(kind in _BITSTRING_LISTS for kind in types_of(listing)):
        raise Rejected("status_unavailable", f"{url} is not a status list credential")
    subject = listing.get("credentialSubject")
    if not isinstance(subject, dict) or not isinstance(subject.get("encodedList"), str):
        raise Rejected("status_unavailable", f"the status list {url} has no encodedList")
    if str(subject.get("statusPurpose", "")).lower() != purpose.lower():
        raise Rejected(
            "status_unavailable",
            f"the status list {url} is for {subject.get('statusPurpose')!r}, not {purpose!r}",
        )
    try:
        value = read_bits(decode_bitstring(subject["encodedList"]), index, size)
    except (ValueError, IndexError) as error:
        raise Rejected("status_unavailable", f"the status list {url}: {error}") from None
    if value and purpose.lower() == "revocation":
        raise Rejected("revoked", f"revoked: entry {index} of status list {url} is set")
    if value and purpose.lower() == "suspension":
        raise Rejected("revoked", f"suspended: entry {index} of status list {url} is set")
