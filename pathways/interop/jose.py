"""Compact JWS verification (Open Badges 2.0 signed assertions and VC-JWT) with PyJWT.

Only asymmetric algorithms are accepted; ``alg: none`` and the HMAC family are refused, since
neither proves who signed.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt import PyJWS
from jwt.exceptions import InvalidKeyError, InvalidSignatureError, InvalidTokenError

from pathways.interop.keys import PublicKey
from pathways.interop.result import Rejected

__all__ = ["ALGORITHMS", "check_algorithm", "key_fits", "verify_jws"]

ALGORITHMS: dict[str, str] = {
    "RS256": "RSA",
    "RS384": "RSA",
    "RS512": "RSA",
    "PS256": "RSA",
    "PS384": "RSA",
    "PS512": "RSA",
    "ES256": "P-256",
    "ES384": "P-384",
    "ES512": "P-521",
    "EdDSA": "Ed25519",
}
"""Accepted JWS algorithms and the key each needs."""

_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


def check_algorithm(header: dict[str, Any]) -> str:
    """The header's ``alg``, if it is one the verifier accepts; else :class:`Rejected`."""
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none":
        raise Rejected("unsupported", "an unsigned JWS (alg none) proves nothing and is refused")
    if alg not in ALGORITHMS:
        raise Rejected(
            "unsupported",
            f"JWS algorithm {alg!r} is not accepted (accepted: {', '.join(ALGORITHMS)})",
        )
    return alg


def key_fits(alg: str, key: PublicKey) -> bool:
    """Whether ``key`` is of the type ``alg`` needs."""
    need = ALGORITHMS[alg]
    if need == "RSA":
        return isinstance(key, RSAPublicKey)
    if need == "Ed25519":
        return isinstance(key, Ed25519PublicKey)
    return isinstance(key, EllipticCurvePublicKey) and _CURVES.get(key.curve.name) == need


def verify_jws(token: str, alg: str, key: PublicKey) -> bytes | None:
    """The verified payload bytes, or None when the signature does not verify with ``key``."""
    try:
        payload = PyJWS().decode(token, key=key, algorithms=[alg])
    except (InvalidSignatureError, InvalidKeyError, InvalidTokenError, ValueError, TypeError):
        return None
    return payload if isinstance(payload, bytes) else None
