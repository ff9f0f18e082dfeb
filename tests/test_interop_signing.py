"""Credentials the tests sign themselves: every check of docs/semantics.md#badges fails
where it should."""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
from datetime import UTC, date, datetime
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given
from hypothesis import strategies as st

from pathways.catalog.model import Identity
from pathways.interop import Resolver, verify_badge
from pathways.interop.keys import jwk_of, jwk_thumbprint
from pathways.interop.signing import SigningKey

AS_OF = date(2026, 3, 1)
CREATED = datetime(2025, 1, 1, tzinfo=UTC)
V2 = "https://www.w3.org/ns/credentials/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB3_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
V1 = "https://www.w3.org/2018/credentials/v1"
OB301 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json"
DATA_INTEGRITY = "https://w3id.org/security/data-integrity/v1"


def badge(issuer: str, **extra: Any) -> dict[str, Any]:
    """An unsigned OB 3.0 credential from ``issuer`` to did:example:learner."""
    document: dict[str, Any] = {
        "@context": [V2, OB3],
        "id": "urn:uuid:2f2a4d4c-7e49-4c3b-9a57-0d1f4b8a3e11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Test Issuer"},
        "validFrom": "2025-01-15T00:00:00Z",
        "name": "Python Programming",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://badges.example.edu/classes/python",
                "type": ["Achievement"],
                "name": "Python Programming",
                "description": "Writes Python.",
                "criteria": {"narrative": "Pass the course."},
                "achievementType": "Course",
                "creditsAvailable": 3,
            },
        },
    }
    document.update(extra)
    return document


def check(document: Any, resolver: Resolver | None = None, **kwargs: Any) -> Any:
    return verify_badge(document, as_of=AS_OF, resolver=resolver, **kwargs)


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


# --------------------------------------------------------------------------- proof and key


def test_self_signed_did_key_badge_verifies(key: SigningKey) -> None:
    result = check(key.sign(badge(key.issuer), created=CREATED))
    assert result.verified, result.reason
    assert result.reason_code is None


def test_body_changed_after_signing_is_bad_proof(key: SigningKey) -> None:
    signed = key.sign(badge(key.issuer), created=CREATED)
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["creditsAvailable"] = 30
    assert check(tampered).reason_code == "bad_proof"


def test_proof_config_changed_after_signing_is_bad_proof(key: SigningKey) -> None:
    signed = key.sign(badge(key.issuer), created=CREATED)
    signed["proof"]["created"] = "2025-02-01T00:00:00Z"
    assert check(signed).reason_code == "bad_proof"


def test_signed_by_a_key_that_is_not_the_issuers_is_wrong_key(key: SigningKey) -> None:
    other = SigningKey.generate()
    forged = other.sign(badge(key.issuer), created=CREATED)
    result = check(forged)
    assert result.reason_code == "wrong_key"
    assert not result.verified


def test_https_issuer_with_key_published_under_it_verifies() -> None:
    issuer = "https://badges.example.edu/issuer"
    key = SigningKey.generate(issuer=issuer)
    resolver = Resolver(keys={key.verification_method: key.public_multibase})
    result = check(key.sign(badge(issuer), created=CREATED), resolver)
    assert result.verified, result.reason


def test_https_issuer_signed_with_someone_elses_published_key_is_wrong_key() -> None:
    issuer = "https://badges.example.edu/issuer"
    intruder = SigningKey.generate(issuer="https://evil.example.org/keys")
    resolver = Resolver(keys={intruder.verification_method: intruder.public_multibase})
    result = check(intruder.sign(badge(issuer), created=CREATED), resolver)
    assert result.reason_code == "wrong_key"


def test_https_issuer_key_not_published_is_unknown_key() -> None:
    key = SigningKey.generate(issuer="https://badges.example.edu/issuer")
    assert check(key.sign(badge(key.issuer), created=CREATED), Resolver()).reason_code == (
        "unknown_key"
    )


def test_https_issuer_profile_may_list_a_key_hosted_elsewhere() -> None:
    issuer = "https://badges.example.edu/issuer"
    key = SigningKey.generate(issuer="https://keys.example.edu/k1")
    profile = {"id": issuer, "assertionMethod": [key.verification_method]}
    resolver = Resolver(
        documents={issuer: profile}, keys={key.verification_method: key.public_multibase}
    )
    assert check(key.sign(badge(issuer), created=CREATED), resolver).verified


def test_did_web_issuer_resolves_through_its_did_document() -> None:
    issuer = "did:web:badges.example.edu"
    key = SigningKey.generate(issuer=issuer)
    did_doc = {
        "id": issuer,
        "verificationMethod": [
            {
                "id": key.verification_method,
                "type": "Multikey",
                "controller": issuer,
                "publicKeyMultibase": key.public_multibase,
            }
        ],
        "assertionMethod": [key.verification_method],
    }
    resolver = Resolver(documents={"https://badges.example.edu/.well-known/did.json": did_doc})
    signed = key.sign(badge(issuer), created=CREATED)
    assert check(signed, resolver).verified
    without_assertion = {**did_doc, "assertionMethod": []}
    resolver = Resolver(
        documents={"https://badges.example.edu/.well-known/did.json": without_assertion}
    )
    assert check(signed, resolver).reason_code == "wrong_key"


def test_urn_uuid_issuer_is_identified_by_its_did_key(key: SigningKey) -> None:
    urn = "urn:uuid:0b1e6c1a-5a4b-4a55-a1a7-2f6d7f0b9c33"
    signed = SigningKey.from_private(key.private, issuer=urn, method=key.verification_method)
    result = check(signed.sign(badge(urn), created=CREATED), catalog=None)
    assert result.verified


def test_unknown_proof_type_is_unsupported(key: SigningKey) -> None:
    signed = key.sign(badge(key.issuer), created=CREATED)
    signed["proof"]["type"] = "BbsBlsSignature2020"
    assert check(signed).reason_code == "unsupported"


def _reuse_proof(key: SigningKey, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with the proof of a good badge (signing it would need its contexts)."""
    return {**document, "proof": key.sign(badge(key.issuer), created=CREATED)["proof"]}


def test_unbundled_context_is_refused_not_fetched(key: SigningKey) -> None:
    document = badge(key.issuer)
    document["@context"] = [*document["@context"], "https://example.org/my-context.jsonld"]
    result = check(_reuse_proof(key, document))
    assert result.reason_code == "context_not_bundled"
    assert "https://example.org/my-context.jsonld" in (result.reason or "")


def test_scoped_unbundled_context_is_refused(key: SigningKey) -> None:
    document = badge(key.issuer)
    document["credentialSubject"]["@context"] = {
        "x": {"@id": "https://e.example/x", "@context": "https://e.example/c"}
    }
    assert check(_reuse_proof(key, document)).reason_code == "context_not_bundled"


def test_credential_without_proof_is_bad_proof(key: SigningKey) -> None:
    assert check(badge(key.issuer)).reason_code == "bad_proof"


def test_any_one_valid_proof_is_enough(key: SigningKey) -> None:
    signed = key.sign(badge(key.issuer), created=CREATED)
    broken = {**signed["proof"], "proofValue": "z" + "1" * 80}
    signed["proof"] = [broken, signed["proof"]]
    assert check(signed).verified


# --------------------------------------------------------------------------- dates


def test_expired_and_not_yet_valid_against_as_of(key: SigningKey) -> None:
    expired = key.sign(badge(key.issuer, validUntil="2026-02-28T23:59:59Z"), created=CREATED)
    assert check(expired).reason_code == "expired"
    last_day = key.sign(badge(key.issuer, validUntil="2026-03-01T00:00:00Z"), created=CREATED)
    assert check(last_day).verified
    future = key.sign(badge(key.issuer, validFrom="2026-03-02T00:00:00Z"), created=CREATED)
    assert check(future).reason_code == "not_yet_valid"


def test_vcdm1_dates_are_read_too(key: SigningKey) -> None:
    document = badge(key.issuer, expirationDate="2020-01-01T00:00:00Z")
    document["@context"] = [V1, OB301, DATA_INTEGRITY]
    document["issuanceDate"] = document.pop("validFrom")
    assert check(key.sign(document, created=CREATED)).reason_code == "expired"


def test_property_outside_the_contexts_is_not_covered_by_the_proof(key: SigningKey) -> None:
    # JSON-LD drops undefined terms, so a signature never covers them: a VCDM 2.0
    # credential's expirationDate (a VCDM 1.1 term) could be added by anyone.
    document = badge(key.issuer, expirationDate="2020-01-01T00:00:00Z")
    result = check(key.sign(document, created=CREATED))
    assert result.reason_code == "bad_proof" and "expirationDate" in (result.reason or "")
    signed = key.sign(badge(key.issuer), created=CREATED)
    signed["credentialSubject"]["awardedDate"] = "2026-01-01T00:00:00Z"
    assert check(signed).reason_code == "bad_proof"


# --------------------------------------------------------------------------- status


def _status_list(key: SigningKey, set_bits: set[int], *, size: int = 131072) -> dict[str, Any]:
    bits = bytearray(size // 8)
    for index in set_bits:
        bits[index // 8] |= 0x80 >> (index % 8)
    encoded = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits))).decode().rstrip("=")
    document = {
        "@context": [V2],
        "id": "https://status.example.edu/lists/1",
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": key.issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "https://status.example.edu/lists/1#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }
    return key.sign(document, created=CREATED)


def _with_status(key: SigningKey, index: int, url: str) -> dict[str, Any]:
    status = {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": url,
    }
    return key.sign(badge(key.issuer, credentialStatus=status), created=CREATED)


def test_bitstring_status_list_bit_order_is_msb_first(key: SigningKey) -> None:
    url = "https://status.example.edu/lists/1"
    resolver = Resolver(documents={url: _status_list(key, {3, 10})})
    assert check(_with_status(key, 3, url), resolver).reason_code == "revoked"
    assert check(_with_status(key, 10, url), resolver).reason_code == "revoked"
    assert check(_with_status(key, 4, url), resolver).verified
    assert check(_with_status(key, 11, url), resolver).verified


def test_status_list_missing_tampered_or_short_is_unavailable(key: SigningKey) -> None:
    url = "https://status.example.edu/lists/1"
    assert check(_with_status(key, 3, url), Resolver()).reason_code == "status_unavailable"
    tampered = _status_list(key, set())
    tampered["credentialSubject"]["statusPurpose"] = "suspension"
    resolver = Resolver(documents={url: tampered})
    assert check(_with_status(key, 3, url), resolver).reason_code == "status_unavailable"
    short = Resolver(documents={url: _status_list(key, set(), size=64)})
    assert check(_with_status(key, 100, url), short).reason_code == "status_unavailable"


def test_1edtech_revocation_list(key: SigningKey) -> None:
    status = {"id": "https://example.edu/revocations", "type": "1EdTechRevocationList"}
    document = badge(key.issuer, credentialStatus=status)
    document["@context"] = [V2, OB3, OB3_EXTENSIONS]
    signed = key.sign(document, created=CREATED)
    listed = {"revokedCredentials": [{"id": signed["id"], "revocationReason": "cheated"}]}
    other = {"revokedCredentials": [{"id": "urn:uuid:someone-else"}]}
    revoked = check(signed, Resolver(documents={status["id"]: listed}))
    assert revoked.reason_code == "revoked" and "cheated" in (revoked.reason or "")
    assert check(signed, Resolver(documents={status["id"]: other})).verified
    assert check(signed, Resolver()).reason_code == "status_unavailable"


# --------------------------------------------------------------------------- recipient


def test_recipient_did_and_hashed_email(key: SigningKey) -> None:
    salt = "pepper"
    digest = hashlib.sha256(("jane@example.org" + salt).encode()).hexdigest()
    document = badge(key.issuer)
    document["credentialSubject"]["identifier"] = [
        {
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "identityHash": f"sha256${digest}",
            "hashed": True,
            "salt": salt,
        }
    ]
    signed = key.sign(document, created=CREATED)
    assert check(signed, identity=Identity(did="did:example:learner")).verified
    assert check(signed, identity=Identity(email="Jane@Example.org")).verified
    mismatch = check(signed, identity=Identity(email="john@example.org"))
    assert mismatch.reason_code == "recipient_mismatch"
    assert check(signed, identity=Identity(did="did:example:other")).reason_code == (
        "recipient_mismatch"
    )
    assert check(signed, identity=Identity()).verified


def test_expired_is_reported_before_recipient(key: SigningKey) -> None:
    signed = key.sign(badge(key.issuer, validUntil="2020-01-01T00:00:00Z"), created=CREATED)
    result = check(signed, identity=Identity(did="did:example:someone-else"))
    assert result.reason_code == "expired"


# --------------------------------------------------------------------------- VC-JWT


def _vc_jwt(credential: dict[str, Any], private: Any, alg: str, header: dict[str, Any]) -> str:
    issuer = credential["issuer"]["id"]
    claims = {"vc": credential, "iss": issuer, "jti": credential["id"], "nbf": 1736899200}
    return jwt.encode(claims, private, algorithm=alg, headers=header)


def test_vc_jwt_eddsa_with_did_key_kid(key: SigningKey) -> None:
    token = _vc_jwt(badge(key.issuer), key.private, "EdDSA", {"kid": key.verification_method})
    assert check(token).verified


def test_vc_jwt_es256_key_published_for_https_issuer() -> None:
    issuer = "https://badges.example.edu/issuer"
    private = ec.generate_private_key(ec.SECP256R1())
    resolver = Resolver(keys={f"{issuer}#k1": jwk_of(private.public_key())})
    token = _vc_jwt(badge(issuer), private, "ES256", {"kid": f"{issuer}#k1"})
    assert check(token, resolver).verified
    other = ec.generate_private_key(ec.SECP256R1())
    forged = _vc_jwt(badge(issuer), other, "ES256", {"kid": f"{issuer}#k1"})
    assert check(forged, resolver).reason_code == "bad_proof"


def test_vc_jwt_header_jwk_proves_integrity_only() -> None:
    issuer = "https://badges.example.edu/issuer"
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = _vc_jwt(badge(issuer), private, "RS256", {"jwk": jwk_of(private.public_key())})
    result = check(token)
    assert result.reason_code == "unknown_key" and "integrity" in (result.reason or "")
    published = Resolver(keys={f"{issuer}#rsa": jwk_of(private.public_key())})
    assert check(token, published).verified
    assert check(token, trust=[jwk_thumbprint(private.public_key())]).verified


def test_jwt_alg_none_is_refused(key: SigningKey) -> None:
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    body = jwt.encode({"vc": badge(key.issuer)}, key="", algorithm="none").split(".")[1]
    result = check(f"{header}.{body}.")
    assert result.reason_code == "unsupported" and not result.verified
    assert "none" in (result.reason or "")


def test_jwt_hmac_is_refused(key: SigningKey) -> None:
    token = jwt.encode({"vc": badge(key.issuer)}, "secret-secret-secret-secret-1234", "HS256")
    assert check(token).reason_code == "unsupported"


def test_jwt_private_key_in_header_is_malformed(key: SigningKey) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    secret_jwk = jwt.algorithms.ECAlgorithm.to_jwk(private, as_dict=True)
    token = _vc_jwt(badge("https://x.example"), private, "ES256", {"jwk": secret_jwk})
    assert check(token).reason_code == "malformed"


def test_jwt_iss_must_match_issuer(key: SigningKey) -> None:
    claims = {"vc": badge(key.issuer), "iss": "did:example:someone"}
    token = jwt.encode(claims, key.private, "EdDSA", headers={"kid": key.verification_method})
    assert check(token).reason_code == "malformed"


# --------------------------------------------------------------------------- OB 2.0 signed


def _ob2(private: Any, creator: str, listed: str, assertion_id: str) -> tuple[str, Resolver]:
    issuer = "https://example.org/issuer"
    pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    assertion = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": assertion_id,
        "recipient": {"type": "email", "hashed": False, "identity": "jane@example.org"},
        "badge": "https://example.org/badge",
        "issuedOn": "2024-05-01T00:00:00Z",
        "verification": {"type": "signed", "creator": creator},
    }
    resolver = Resolver(
        documents={
            "https://example.org/badge": {
                "id": "https://example.org/badge",
                "type": "BadgeClass",
                "issuer": issuer,
            },
            issuer: {"id": issuer, "type": "Issuer", "publicKey": listed},
            creator: {
                "id": creator,
                "type": "CryptographicKey",
                "owner": issuer,
                "publicKeyPem": pem,
            },
        }
    )
    return jwt.encode(assertion, private, "RS256"), resolver


def test_ob2_signed_with_listed_key_verifies_and_unlisted_is_wrong_key() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    good, resolver = _ob2(private, "https://example.org/k1", "https://example.org/k1", "urn:uuid:1")
    assert check(good, resolver, identity=Identity(email="jane@example.org")).verified
    bad, resolver = _ob2(private, "https://example.org/k2", "https://example.org/k1", "urn:uuid:1")
    assert check(bad, resolver).reason_code == "wrong_key"


def test_ob2_hosted_copy_must_match_the_file() -> None:
    hosted: dict[str, Any] = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://example.org/a/1",
        "recipient": {"type": "email", "hashed": False, "identity": "jane@example.org"},
        "badge": {
            "id": "https://example.org/badge",
            "type": "BadgeClass",
            "issuer": "https://example.org/issuer",
        },
        "issuedOn": "2024-05-01T00:00:00Z",
        "verification": {"type": "hosted"},
    }
    resolver = Resolver(
        documents={
            hosted["id"]: hosted,
            "https://example.org/issuer": {"id": "https://example.org/issuer", "type": "Issuer"},
        }
    )
    assert check(hosted, resolver).verified
    changed = {**hosted, "recipient": {**hosted["recipient"], "identity": "eve@example.org"}}
    assert check(changed, resolver).reason_code == "bad_proof"
    elsewhere = {**hosted, "id": "https://evil.example.net/a/1"}
    resolver2 = Resolver(documents={**resolver.documents, elsewhere["id"]: elsewhere})
    assert check(elsewhere, resolver2).reason_code == "wrong_key"
    revoked = {**hosted, "revoked": True, "revocationReason": "error"}
    resolver3 = Resolver(documents={**resolver.documents, hosted["id"]: revoked})
    assert check(revoked, resolver3).reason_code == "revoked"


# --------------------------------------------------------------------------- properties

_PATHS = [
    ("name",),
    ("validFrom",),
    ("issuer", "name"),
    ("credentialSubject", "id"),
    ("credentialSubject", "achievement", "id"),
    ("credentialSubject", "achievement", "name"),
    ("credentialSubject", "achievement", "creditsAvailable"),
    ("credentialSubject", "achievement", "criteria", "narrative"),
]


@given(
    path=st.sampled_from(_PATHS),
    value=st.one_of(
        st.text(min_size=1, max_size=12),
        st.integers(min_value=0, max_value=99),
        st.sampled_from(["2025-01-15T00:00:01Z", "did:example:other", "https://e.example/x"]),
    ),
)
def test_any_change_to_a_signed_value_is_caught(path: tuple[str, ...], value: Any) -> None:
    key = _PROPERTY_KEY
    signed = key.sign(badge(key.issuer), created=CREATED)
    changed = copy.deepcopy(signed)
    target = changed
    for step in path[:-1]:
        target = target[step]
    original = target[path[-1]]
    target[path[-1]] = value
    result = check(changed)
    if value == original:
        assert result.verified
    else:
        assert not result.verified
        assert result.reason_code in ("bad_proof", "malformed")


_PROPERTY_KEY = SigningKey.generate()
