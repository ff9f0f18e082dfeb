"""The public conformance files (../shared/conformance) get the verdicts EXPECTED.md lists.

The files are read in place: an extra check on top of the tests that sign their own credentials
(tests/test_interop_signing.py); without the folder these tests are deselected (see
``suite_support``). The
resolution directory is the folder's own ``resolve.json``, which is in the ``--resolve``
index format (documents by URL as paths relative to it, keys by verification method).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from suite_support import CONFORMANCE

from pathways.interop import BadgeResult, Resolver, import_badges, verify_badge
from pathways.interop.common import split_jws
from pathways.interop.dataintegrity import signed_data
from pathways.interop.jsonld import canonicalize
from pathways.interop.keys import jwk_thumbprint, parse_public_key

AS_OF = date(2026, 3, 1)

pytestmark = pytest.mark.conformance

# EXPECTED.md, row by row: file → reason code (None: valid).
EXPECTED: dict[str, str | None] = {
    "ob3_eddsa_test_vector/signed-openbadgecredential.json": None,
    "clr2_eddsa_test_vector/signed-clrcredential.json": None,
    "ob3_1edtech_validator_fixtures/simple-did-key-method.json": None,
    "ob3_1edtech_validator_fixtures/simple.json": None,
    "ob3_1edtech_validator_fixtures/simple-did-web-method.json": None,
    "ob3_1edtech_validator_fixtures/simple-eddsa-2022.json": None,
    "ob3_1edtech_validator_fixtures/simple-err-expired.json": "expired",
    "ob3_1edtech_validator_fixtures/simple-err-proof-value.json": "bad_proof",
    "ob3_1edtech_validator_fixtures/bitstring-credential-status-revoked.json": "revoked",
    "ob3_1edtech_validator_fixtures/bitstring-testlist.json": None,
    "ob3_1edtech_validator_fixtures/complete.json": "status_unavailable",
    "ob3_1edtech_validator_fixtures/credential-status-revoked.json": "unknown_key",
    "ob3_1edtech_validator_fixtures/simple.jwt": "unknown_key",
    "ob3_dcc_vc_test_fixtures/ed25519sig2020-valid.json": None,
    "ob3_dcc_vc_test_fixtures/ed25519sig2020-tampered.json": "bad_proof",
    "ob3_dcc_vc_test_fixtures/legacyRegistry-noStatus-noExpiry-achievementTypeExample.json": None,
    "ob3_dcc_vc_test_fixtures/legacyRegistry-noStatus-noExpiry-alignments.json": None,
    "ob3_dcc_vc_test_fixtures/legacyRegistry-noStatus-noExpiry-identityHash.json": None,
    "ob3_dcc_vc_test_fixtures/noRegsitry-revokedStatus-notExpired.json": "revoked",
    "ob3_dcc_vc_test_fixtures/twoOIDF-validStatus-expired.json": "expired",
    "ob3_dcc_vc_test_fixtures/oidf-noStatus-notExpired-notYetValid.json": "not_yet_valid",
    "ob3_dcc_vc_test_fixtures/statuslist-e5WK8CbZ1GjycuPombrj.json": None,
    "clr2_1edtech_validator_fixtures/complex.json": None,
    "clr2_1edtech_validator_fixtures/simple.json": None,
    # Valid proof, but the key is only in the JWT's own header: integrity, not identity.
    "clr2_1edtech_validator_fixtures/simple.jwt": "unknown_key",
    "ob2_1edtech_validator_fixtures/basic-assertion.json": None,
    "ob2_1edtech_validator_fixtures/basic-assertion-expired.json": "expired",
    "ob2_1edtech_validator_fixtures/simple.jwt": None,
    "ob2_1edtech_validator_fixtures/simple-revoked.jwt": "revoked",
}

# What needs the resolution directory: without it these cannot be checked.
NEEDS_RESOLVER: dict[str, str] = {
    "ob3_eddsa_test_vector/signed-openbadgecredential.json": "unknown_key",
    "ob3_1edtech_validator_fixtures/simple.json": "unknown_key",
    "ob3_1edtech_validator_fixtures/bitstring-credential-status-revoked.json": "unknown_key",
    "ob3_dcc_vc_test_fixtures/noRegsitry-revokedStatus-notExpired.json": "status_unavailable",
    "ob2_1edtech_validator_fixtures/basic-assertion.json": "unknown_key",
    "ob2_1edtech_validator_fixtures/simple.jwt": "unknown_key",
}


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver.load(CONFORMANCE / "resolve.json")


def _check(name: str, resolver: Resolver | None) -> BadgeResult:
    [result] = import_badges(
        [CONFORMANCE / name],
        catalog=None,
        resolver=resolver,
        trust=(),
        as_of=AS_OF,
        identity=None,
    )
    return result


def test_expected_covers_every_credential_file() -> None:
    listed = set(EXPECTED) | {
        f"ob3_dcc_vc_test_fixtures/{p.name}"
        for p in (CONFORMANCE / "ob3_dcc_vc_test_fixtures").glob("legacyRegistry-*.json")
    }
    table = (CONFORMANCE / "EXPECTED.md").read_text()
    for line in table.splitlines():
        if line.startswith("| ") and "/" in line.split("|")[1]:
            name = line.split("|")[1].strip()
            if "*" not in name:
                assert name in listed, name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_conformance_verdict_matches_expected(name: str, resolver: Resolver) -> None:
    result = _check(name, resolver)
    assert result.reason_code == EXPECTED[name], result.reason
    assert result.verified == (EXPECTED[name] is None)
    assert result.file == str(CONFORMANCE / name)
    assert result.reason


@pytest.mark.parametrize("name", sorted(NEEDS_RESOLVER))
def test_conformance_without_resolver_cannot_check_https_keys(name: str) -> None:
    result = _check(name, None)
    assert result.reason_code == NEEDS_RESOLVER[name]
    assert not result.verified


def test_conformance_did_key_file_needs_no_resolver() -> None:
    result = _check("ob3_1edtech_validator_fixtures/simple-did-key-method.json", None)
    assert result.verified and result.reason_code is None


def test_conformance_clr_complex_verifies_each_nested_credential(resolver: Resolver) -> None:
    result = _check("clr2_1edtech_validator_fixtures/complex.json", resolver)
    assert result.verified
    assert len(result.nested) == 6
    assert all(inner.verified and inner.reason_code is None for inner in result.nested)


def test_conformance_clr_nested_credential_with_unpublished_key_is_its_own_verdict(
    resolver: Resolver,
) -> None:
    result = _check("clr2_1edtech_validator_fixtures/simple.json", resolver)
    assert result.verified
    [inner] = result.nested
    assert inner.reason_code == "unknown_key"
    assert not inner.verified


def test_conformance_header_key_counts_when_its_thumbprint_is_trusted(resolver: Resolver) -> None:
    token = (CONFORMANCE / "clr2_1edtech_validator_fixtures/simple.jwt").read_text().strip()
    header, _ = split_jws(token)
    thumbprint = jwk_thumbprint(parse_public_key(header["jwk"]))
    result = verify_badge(token, as_of=AS_OF, resolver=resolver, trust=[thumbprint])
    assert result.verified, result.reason
    assert result.nested and all(inner.verified for inner in result.nested)


@pytest.mark.parametrize("folder", ["ob3_eddsa_test_vector", "clr2_eddsa_test_vector"])
def test_canonical_forms_equal_the_official_vectors(folder: str) -> None:
    [signed] = (CONFORMANCE / folder).glob("signed-*.json")
    document = json.loads(signed.read_text())
    proof = document.pop("proof")
    proof = proof[0] if isinstance(proof, list) else proof
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = document["@context"]
    assert canonicalize(document) == (CONFORMANCE / folder / "document-canon.nq").read_text()
    assert canonicalize(config) == (CONFORMANCE / folder / "proof-canon.nq").read_text()
    data = signed_data(document, proof)
    assert data[:32] == hashlib.sha256(canonicalize(config).encode()).digest()


def test_official_vector_hashes_match_published_prefixes() -> None:
    document = json.loads(
        (CONFORMANCE / "ob3_eddsa_test_vector/signed-openbadgecredential.json").read_text()
    )
    proof = document.pop("proof")
    data = signed_data(document, proof)
    # PROVENANCE.md publishes the hashes' first and last bytes.
    assert data[32:].hex().startswith("87f65a76") and data[32:].hex().endswith("0773")
    assert data[:32].hex().startswith("d34009ce") and data[:32].hex().endswith("5d19")


def test_ob2_hashed_recipient_matches_known_identity(resolver: Resolver) -> None:
    from pathways.catalog.model import Identity

    token = (CONFORMANCE / "ob2_1edtech_validator_fixtures/simple.jwt").read_text()
    good = verify_badge(
        token, as_of=AS_OF, resolver=resolver, identity=Identity(email="nobody@example.org")
    )
    bad = verify_badge(
        token, as_of=AS_OF, resolver=resolver, identity=Identity(email="somebody@example.org")
    )
    assert good.verified
    assert bad.reason_code == "recipient_mismatch"


def test_ob3_plain_identifier_compares_only_known_kinds(resolver: Resolver) -> None:
    from pathways.catalog.model import Identity

    path = (
        CONFORMANCE / "ob3_dcc_vc_test_fixtures/legacyRegistry-noStatus-noExpiry-identityHash.json"
    )
    result = verify_badge(
        path.read_text(), as_of=AS_OF, resolver=resolver, identity=Identity(email="a@b.org")
    )
    assert result.reason_code == "recipient_mismatch"
    assert "name" in (result.reason or "")
