"""Public keys: parsing every published form, and deciding whether a key belongs to an issuer.

A verification method resolves to a key from, in order: the ``did:key`` itself; the DID
document of a ``did:web`` (from the resolution directory); the ``keys`` table of the resolution
directory; a document published at the method's URL (a key document, or a controller document
listing it under ``verificationMethod``). Nothing is fetched.

Whether a key *belongs* to the issuer is a separate question (``docs/semantics.md#badges``):
a DID issuer's key must be one of that DID's; an https issuer's key must be published for
it; an issuer id that names no key (``urn:uuid:…``) is identified by its ``did:key``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt import PyJWK
from jwt.exceptions import PyJWKError

from pathways.interop.multibase import (
    MultibaseError,
    public_key_from_did_key,
    public_key_from_multikey,
)
from pathways.interop.resolver import Resolver, did_web_url
from pathways.interop.result import Rejected

__all__ = [
    "IssuerKey",
    "PublicKey",
    "header_key_identity",
    "jwk_of",
    "jwk_thumbprint",
    "key_belongs",
    "parse_public_key",
    "published_issuer_keys",
    "resolve_method",
]

PublicKey = Ed25519PublicKey | RSAPublicKey | EllipticCurvePublicKey


@dataclass(frozen=True)
class IssuerKey:
    """A resolved verification method: its id and its public key."""

    method: str
    key: PublicKey


def parse_public_key(value: Any) -> PublicKey:
    """A public key from a Multikey string, a PEM string, a JWK, or a verification-method object.

    Raises ``ValueError`` when the value holds no usable public key (or holds a private one).
    """
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("-----BEGIN"):
            try:
                key = serialization.load_pem_public_key(text.encode())
            except (ValueError, UnsupportedAlgorithm) as error:
                raise ValueError(f"not a PEM public key: {error}") from None
            if not isinstance(key, Ed25519PublicKey | RSAPublicKey | EllipticCurvePublicKey):
                raise ValueError("unsupported PEM key type")
            return key
        try:
            return Ed25519PublicKey.from_public_bytes(public_key_from_multikey(text))
        except MultibaseError as error:
            raise ValueError(str(error)) from None
    if isinstance(value, dict):
        if "kty" in value:
            return _from_jwk(value)
        for field in ("publicKeyMultibase", "publicKeyJwk", "publicKeyPem"):
            if field in value:
                return parse_public_key(value[field])
        raise ValueError("no publicKeyMultibase, publicKeyJwk or publicKeyPem")
    raise ValueError("not a key")


def _from_jwk(jwk: dict[str, Any]) -> PublicKey:
    if "d" in jwk:
        raise ValueError("the JWK holds a private key")
    try:
        key = PyJWK(jwk).key
    except (PyJWKError, ValueError, TypeError, KeyError) as error:
        raise ValueError(f"not a usable JWK: {error}") from None
    if not isinstance(key, Ed25519PublicKey | RSAPublicKey | EllipticCurvePublicKey):
        raise ValueError("unsupported JWK key type")
    return key


def jwk_of(key: PublicKey) -> dict[str, str]:
    """The public JWK members of a key (the ones RFC 7638 thumbprints use)."""

    def b64(number: int) -> str:
        raw = number.to_bytes(max(1, (number.bit_length() + 7) // 8), "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    if isinstance(key, Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        return {"crv": "Ed25519", "kty": "OKP", "x": x}
    if isinstance(key, RSAPublicKey):
        numbers = key.public_numbers()
        return {"e": b64(numbers.e), "kty": "RSA", "n": b64(numbers.n)}
    point = key.public_numbers()
    size = (key.curve.key_size + 7) // 8
    crv = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}.get(
        key.curve.name, key.curve.name
    )

    def coord(value: int) -> str:
        return base64.urlsafe_b64encode(value.to_bytes(size, "big")).rstrip(b"=").decode()

    return {"crv": crv, "kty": "EC", "x": coord(point.x), "y": coord(point.y)}


def jwk_thumbprint(key: PublicKey) -> str:
    """The RFC 7638 SHA-256 thumbprint URI of a key (``urn:ietf:params:oauth:jwk-thumbprint:…``).

    A verifier may name it with ``trust`` to accept a key a credential carries in its own
    header.
    """
    canonical = json.dumps(jwk_of(key), separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).digest()
    value = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return f"urn:ietf:params:oauth:jwk-thumbprint:sha-256:{value}"


def _same_key(a: PublicKey, b: PublicKey) -> bool:
    return jwk_of(a) == jwk_of(b)


def _did_document(did: str, resolver: Resolver | None) -> dict[str, Any] | None:
    url = did_web_url(did)
    if url is None or resolver is None:
        return None
    found = resolver.document(url)
    return found if isinstance(found, dict) else None


def _method_entries(document: dict[str, Any], name: str) -> list[Any]:
    value = document.get(name, [])
    return value if isinstance(value, list) else [value]


def _absolute(reference: str, base: str) -> str:
    return base + reference if reference.startswith("#") else reference


def _find_method(document: dict[str, Any], method: str) -> Any:
    """The key material a controller/DID/key document publishes for ``method``, or None."""
    base = document.get("id") if isinstance(document.get("id"), str) else method.split("#")[0]
    if document.get("id") == method and any(
        field in document for field in ("publicKeyMultibase", "publicKeyJwk", "publicKeyPem")
    ):
        return document
    for name in ("verificationMethod", "assertionMethod", "publicKey"):
        for entry in _method_entries(document, name):
            ref = entry.get("id") if isinstance(entry, dict) else None
            if isinstance(ref, str) and _absolute(ref, str(base)) == method:
                return entry
    return None


def _lists_method(document: dict[str, Any], names: tuple[str, ...], method: str) -> bool:
    base = str(document.get("id", ""))
    for name in names:
        for entry in _method_entries(document, name):
            ref = entry.get("id") if isinstance(entry, dict) else entry
            if isinstance(ref, str) and _absolute(ref, base) == method:
                return True
    return False


def resolve_method(method: str, resolver: Resolver | None) -> IssuerKey | None:
    """Resolve a verification-method id to its public key, or None when nothing publishes it.

    Raises :class:`Rejected` (``malformed``) for a ``did:key`` that does not decode, or
    published key material that is not a key.
    """
    if method.startswith("did:key:"):
        try:
            raw = public_key_from_did_key(method)
        except MultibaseError as error:
            raise Rejected("malformed", f"verification method {method!r}: {error}") from None
        return IssuerKey(method, Ed25519PublicKey.from_public_bytes(raw))
    candidates: list[Any] = []
    did_doc = _did_document(method, resolver)
    if did_doc is not None:
        candidates.append(_find_method(did_doc, method))
    if resolver is not None:
        candidates.append(resolver.key(method))
        published = resolver.document(method)
        if isinstance(published, dict):
            candidates.append(_find_method(published, method))
    for material in candidates:
        if material is None:
            continue
        try:
            return IssuerKey(method, parse_public_key(material))
        except ValueError as error:
            raise Rejected("malformed", f"the key published for {method!r}: {error}") from None
    return None


def published_issuer_keys(issuer: str, resolver: Resolver | None) -> list[IssuerKey]:
    """Every key published *for* an issuer: its did:key, its DID document's assertion
    methods, the resolution directory's keys under its id, and its profile's methods."""
    if issuer.startswith("did:key:"):
        found = resolve_method(issuer + "#" + issuer[len("did:key:") :], resolver)
        return [found] if found else []
    methods: list[str] = []
    did_doc = _did_document(issuer, resolver)
    if did_doc is not None:
        for entry in _method_entries(did_doc, "assertionMethod"):
            ref = entry.get("id") if isinstance(entry, dict) else entry
            if isinstance(ref, str):
                methods.append(_absolute(ref, issuer))
    if resolver is not None:
        methods.extend(resolver.keys_for(issuer))
        profile = resolver.document(issuer)
        if isinstance(profile, dict) and not issuer.startswith("did:"):
            for name in ("verificationMethod", "assertionMethod"):
                for entry in _method_entries(profile, name):
                    ref = entry.get("id") if isinstance(entry, dict) else entry
                    if isinstance(ref, str):
                        methods.append(_absolute(ref, issuer))
    keys = []
    for method in dict.fromkeys(methods):
        try:
            found = resolve_method(method, resolver)
        except Rejected:
            continue
        if found is not None:
            keys.append(found)
    return keys


def key_belongs(issuer: str, used: IssuerKey, resolver: Resolver | None) -> str:
    """Check that the key that verified a proof is the issuer's; return the issuer's identity.

    The identity is the issuer id, except for an issuer id that names no key (``urn:uuid:``
    and the like), which is identified by the ``did:key`` that signed. Raises
    :class:`Rejected` with ``wrong_key`` when the key belongs to someone else.
    """
    method = used.method
    controller = method.split("#", 1)[0]
    if issuer.startswith("did:"):
        if controller != issuer:
            raise Rejected(
                "wrong_key", f"the proof was made with {method}, which is not a key of {issuer}"
            )
        did_doc = _did_document(issuer, resolver)
        if did_doc is not None and not _lists_method(did_doc, ("assertionMethod",), method):
            raise Rejected(
                "wrong_key", f"{method} is not an assertion method in {issuer}'s DID document"
            )
        return issuer
    if issuer.startswith(("https://", "http://")):
        if controller == issuer:
            return issuer
        profile = resolver.document(issuer) if resolver is not None else None
        if isinstance(profile, dict) and _lists_method(
            profile, ("verificationMethod", "assertionMethod", "publicKey"), method
        ):
            return issuer
        raise Rejected(
            "wrong_key", f"the key {method} is not one that {issuer} publishes for itself"
        )
    if method.startswith("did:key:"):
        return controller
    raise Rejected(
        "wrong_key",
        f"the issuer id {issuer!r} names no key, and {method} is not a did:key that could "
        "identify it",
    )


def header_key_identity(issuer: str, key: PublicKey, resolver: Resolver | None) -> bool:
    """Whether a key carried in a credential's own header is also published for its issuer."""
    return any(_same_key(key, found.key) for found in published_issuer_keys(issuer, resolver))
