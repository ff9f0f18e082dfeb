"""Multibase, multicodec and ``did:key`` encoding of Ed25519 keys and signatures.

Only what Open Badges 3.0 / CLR 2.0 Data Integrity proofs use: base58btc (multibase prefix
``z``) and base64url without padding (prefix ``u``), and the multicodec prefixes of Ed25519
public keys (``0xed 0x01``) and private keys (``0x80 0x26``). base58 is written out here (a
few lines) rather than taken from a package.

>>> raw = bytes(range(32))
>>> did = did_key_from_public(raw)
>>> did.startswith("did:key:z6Mk")
True
>>> public_key_from_did_key(did) == raw
True
>>> base58_decode(base58_encode(b"\\x00\\x00hello")) == b"\\x00\\x00hello"
True
"""

from __future__ import annotations

import base64

__all__ = [
    "ED25519_PRIVATE_PREFIX",
    "ED25519_PUBLIC_PREFIX",
    "MultibaseError",
    "base58_decode",
    "base58_encode",
    "did_key_from_public",
    "multibase_decode",
    "multibase_encode_base58",
    "multikey_private",
    "multikey_public",
    "public_key_from_did_key",
    "public_key_from_multikey",
    "seed_from_multikey",
]

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}

ED25519_PUBLIC_PREFIX = b"\xed\x01"
"""Multicodec varint of ``ed25519-pub`` (0xed)."""
ED25519_PRIVATE_PREFIX = b"\x80\x26"
"""Multicodec varint of ``ed25519-priv`` (0x1300)."""

_MAX_MULTIBASE = 4096
"""Longer strings are refused before decoding: base58 decoding is quadratic."""


class MultibaseError(ValueError):
    """A string that is not the multibase / multikey / did:key value it claims to be."""


def base58_encode(data: bytes) -> str:
    """Encode bytes in base58 (Bitcoin alphabet); leading zero bytes become ``1``."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, digit = divmod(number, 58)
        out.append(_ALPHABET[digit])
    zeros = len(data) - len(data.lstrip(b"\x00"))
    return "1" * zeros + "".join(reversed(out))


def base58_decode(text: str) -> bytes:
    """Decode base58 (Bitcoin alphabet); raises :class:`MultibaseError` on a bad character."""
    if len(text) > _MAX_MULTIBASE:
        raise MultibaseError("base58 value too long")
    number = 0
    for char in text:
        digit = _INDEX.get(char)
        if digit is None:
            raise MultibaseError(f"{char!r} is not a base58btc character")
        number = number * 58 + digit
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    zeros = len(text) - len(text.lstrip("1"))
    return b"\x00" * zeros + body


def multibase_decode(text: str) -> bytes:
    """Decode a multibase string: ``z`` base58btc or ``u`` base64url (no padding)."""
    if not isinstance(text, str) or len(text) < 2:
        raise MultibaseError("not a multibase string")
    if len(text) > _MAX_MULTIBASE and text[0] == "z":
        raise MultibaseError("multibase value too long")
    prefix, body = text[0], text[1:]
    if prefix == "z":
        return base58_decode(body)
    if prefix == "u":
        try:
            return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except ValueError as error:
            raise MultibaseError(f"bad base64url: {error}") from None
    raise MultibaseError(f"unsupported multibase prefix {prefix!r} (expected z or u)")


def multibase_encode_base58(data: bytes) -> str:
    """Encode bytes as multibase base58btc (``z…``)."""
    return "z" + base58_encode(data)


def public_key_from_multikey(value: str) -> bytes:
    """The 32-byte Ed25519 public key in a Multikey ``publicKeyMultibase`` (``z6Mk…``)."""
    raw = multibase_decode(value)
    if not raw.startswith(ED25519_PUBLIC_PREFIX) or len(raw) != 34:
        raise MultibaseError("not an Ed25519 public Multikey (0xed01 + 32 bytes)")
    return raw[2:]


def multikey_public(public: bytes) -> str:
    """The Multikey ``publicKeyMultibase`` of a 32-byte Ed25519 public key."""
    return multibase_encode_base58(ED25519_PUBLIC_PREFIX + public)


def multikey_private(seed: bytes) -> str:
    """The Multikey ``secretKeyMultibase`` of a 32-byte Ed25519 private key (seed)."""
    return multibase_encode_base58(ED25519_PRIVATE_PREFIX + seed)


def seed_from_multikey(value: str) -> bytes:
    """The 32-byte Ed25519 seed in a Multikey ``secretKeyMultibase``."""
    raw = multibase_decode(value)
    if not raw.startswith(ED25519_PRIVATE_PREFIX) or len(raw) != 34:
        raise MultibaseError("not an Ed25519 secret Multikey (0x8026 + 32 bytes)")
    return raw[2:]


def did_key_from_public(public: bytes) -> str:
    """The ``did:key`` of a 32-byte Ed25519 public key."""
    return "did:key:" + multikey_public(public)


def public_key_from_did_key(did: str) -> bytes:
    """The Ed25519 public key a ``did:key`` (optionally with its ``#fragment``) names.

    The fragment, when present, must repeat the method-specific id, as did:key defines.
    """
    if not did.startswith("did:key:"):
        raise MultibaseError(f"{did!r} is not a did:key")
    ident, _, fragment = did[len("did:key:") :].partition("#")
    if fragment and fragment != ident:
        raise MultibaseError(f"the fragment of {did!r} does not repeat its key")
    return public_key_from_multikey(ident)
