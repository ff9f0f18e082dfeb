"""An Ed25519 signing key for credentials the engine issues (CLR export), and its file format.

A key file is either a Multikey JSON document::

    {"type": "Multikey", "id": "<verification method>", "controller": "<issuer id>",
     "publicKeyMultibase": "z6Mk…", "secretKeyMultibase": "z3u2…"}

or a PKCS#8 PEM Ed25519 private key. Without ``controller``/``id`` (and for a PEM) the issuer
is the key's own ``did:key``, which any verifier checks with nothing published. An https or
did:web issuer must publish the public key (``publicKeyMultibase`` under ``id``) for others
to verify what it signs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pathways.errors import PathwaysError
from pathways.interop.dataintegrity import sign
from pathways.interop.multibase import (
    MultibaseError,
    did_key_from_public,
    multikey_private,
    multikey_public,
    seed_from_multikey,
)

__all__ = ["SigningKey", "SigningKeyError"]


class SigningKeyError(PathwaysError):
    """A key file that cannot be read as an Ed25519 private key."""


@dataclass(frozen=True)
class SigningKey:
    """An Ed25519 private key, the issuer it signs for and its verification-method id."""

    private: Ed25519PrivateKey
    issuer: str
    verification_method: str

    @property
    def public_multibase(self) -> str:
        """The public key as a Multikey ``publicKeyMultibase`` (``z6Mk…``)."""
        return multikey_public(self._public_bytes())

    def _public_bytes(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @classmethod
    def from_private(
        cls, private: Ed25519PrivateKey, *, issuer: str | None = None, method: str | None = None
    ) -> SigningKey:
        """Wrap a private key; by default the issuer is its ``did:key``."""
        public = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        did = did_key_from_public(public)
        issuer = issuer or did
        if method is None:
            fragment = multikey_public(public)
            method = f"{did}#{fragment}" if issuer == did else f"{issuer}#{fragment}"
        return cls(private=private, issuer=issuer, verification_method=method)

    @classmethod
    def generate(cls, *, issuer: str | None = None) -> SigningKey:
        """A new random key (issuer: its ``did:key`` unless given)."""
        return cls.from_private(Ed25519PrivateKey.generate(), issuer=issuer)

    @classmethod
    def load(cls, path: str | Path) -> SigningKey:
        """Read a Multikey JSON or PEM key file; :class:`SigningKeyError` if it is neither."""
        try:
            text = Path(path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise SigningKeyError(f"{path}: cannot read the key file: {error}") from None
        if text.lstrip().startswith("-----BEGIN"):
            try:
                private = serialization.load_pem_private_key(text.encode(), password=None)
            except (ValueError, TypeError) as error:
                raise SigningKeyError(f"{path}: not an unencrypted PEM key: {error}") from None
            if not isinstance(private, Ed25519PrivateKey):
                raise SigningKeyError(f"{path}: the PEM key is not an Ed25519 key")
            return cls.from_private(private)
        try:
            data = json.loads(text)
        except ValueError as error:
            raise SigningKeyError(f"{path}: neither PEM nor JSON: {error}") from None
        return cls.from_json(data, name=str(path))

    @classmethod
    def from_json(cls, data: Any, *, name: str = "<key>") -> SigningKey:
        """A key from its Multikey JSON document (with ``secretKeyMultibase``)."""
        if not isinstance(data, dict) or not isinstance(data.get("secretKeyMultibase"), str):
            raise SigningKeyError(f"{name}: a Multikey key file needs secretKeyMultibase")
        try:
            private = Ed25519PrivateKey.from_private_bytes(
                seed_from_multikey(data["secretKeyMultibase"])
            )
        except MultibaseError as error:
            raise SigningKeyError(f"{name}: secretKeyMultibase: {error}") from None
        key = cls.from_private(
            private,
            issuer=data.get("controller") if isinstance(data.get("controller"), str) else None,
            method=data.get("id") if isinstance(data.get("id"), str) else None,
        )
        published = data.get("publicKeyMultibase")
        if published is not None and published != key.public_multibase:
            raise SigningKeyError(f"{name}: publicKeyMultibase does not match the secret key")
        return key

    def to_json(self) -> dict[str, str]:
        """The Multikey JSON document of this key, secret included (keep it private)."""
        seed = self.private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return {
            "type": "Multikey",
            "id": self.verification_method,
            "controller": self.issuer,
            "publicKeyMultibase": self.public_multibase,
            "secretKeyMultibase": multikey_private(seed),
        }

    def sign(self, credential: dict[str, Any], *, created: datetime) -> dict[str, Any]:
        """``credential`` with an eddsa-rdfc-2022 proof by this key (contexts must be bundled)."""
        return sign(credential, self.private, self.verification_method, created=created)
