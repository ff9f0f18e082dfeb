"""Data Integrity proofs over Ed25519: ``eddsa-rdfc-2022`` (and its legacy names).

The hash-then-sign routine of the eddsa-rdfc-2022 cryptosuite:

1. the proof configuration is the proof without ``proofValue``, with the document's
   ``@context``; the unsecured document is the document without ``proof``;
2. both are canonicalized with RDFC-1.0 (URDNA2015) to N-Quads;
3. the signed data is ``sha256(canonical proof config) ‖ sha256(canonical document)``;
4. ``proofValue`` is the base58btc multibase of the 64-byte Ed25519 signature.

``cryptosuite: eddsa-2022`` (the pre-final name) and ``type: Ed25519Signature2020`` (the
VCDM 1.1 suite) use the same routine and are accepted.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from pathways.interop.jsonld import canonicalize
from pathways.interop.multibase import MultibaseError, multibase_decode, multibase_encode_base58

__all__ = ["CRYPTOSUITES", "proof_suite", "sign", "signed_data", "verify_proof"]

CRYPTOSUITES = ("eddsa-rdfc-2022", "eddsa-2022")
"""DataIntegrityProof cryptosuites accepted (the second is the pre-final name)."""


def proof_suite(proof: Any) -> str | None:
    """The supported suite a proof object uses, or None when it is not one the engine verifies."""
    if not isinstance(proof, dict):
        return None
    if proof.get("type") == "DataIntegrityProof" and proof.get("cryptosuite") in CRYPTOSUITES:
        return str(proof["cryptosuite"])
    if proof.get("type") == "Ed25519Signature2020":
        return "Ed25519Signature2020"
    return None


def signed_data(document: dict[str, Any], proof: dict[str, Any]) -> bytes:
    """The 64 bytes a proof signs: hash of the proof configuration, then of the document.

    ``document`` is the unsecured document (without ``proof``). May raise
    :class:`~pathways.interop.jsonld.ContextNotBundled` or a pyld ``JsonLdError``.
    """
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    config["@context"] = document.get("@context")
    proof_hash = hashlib.sha256(canonicalize(config).encode()).digest()
    document_hash = hashlib.sha256(canonicalize(document).encode()).digest()
    return proof_hash + document_hash


def verify_proof(document: dict[str, Any], proof: dict[str, Any], key: Ed25519PublicKey) -> bool:
    """Whether ``proof`` is a valid Ed25519 signature by ``key`` over the unsecured document."""
    value = proof.get("proofValue")
    if not isinstance(value, str):
        return False
    try:
        signature = multibase_decode(value)
    except MultibaseError:
        return False
    if len(signature) != 64:
        return False
    try:
        key.verify(signature, signed_data(document, proof))
    except InvalidSignature:
        return False
    return True


def sign(
    document: dict[str, Any],
    key: Ed25519PrivateKey,
    verification_method: str,
    *,
    created: datetime,
    cryptosuite: str = "eddsa-rdfc-2022",
) -> dict[str, Any]:
    """Return ``document`` with an added ``DataIntegrityProof`` signed by ``key``.

    ``document`` must not already carry a proof; its contexts must be bundled.
    """
    if "proof" in document:
        raise ValueError("the document already carries a proof")
    if cryptosuite not in CRYPTOSUITES:
        raise ValueError(f"cryptosuite must be one of {CRYPTOSUITES}")
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": cryptosuite,
        "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    signature = key.sign(signed_data(document, proof))
    proof["proofValue"] = multibase_encode_base58(signature)
    return {**document, "proof": proof}
