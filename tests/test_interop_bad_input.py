"""Bad input is a clear rejection with a reason code: never a crash, never an accepted badge."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pathways.interop import MAX_BADGE_BYTES, REASON_CODES, import_badges, verify_badge

AS_OF = date(2026, 3, 1)


def _rejected(document: Any) -> str:
    result = verify_badge(document, as_of=AS_OF)
    assert not result.verified
    assert result.credential is None and result.holding is None
    assert result.reason_code in REASON_CODES and result.reason
    return str(result.reason_code)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        '{"type": ',
        "[1, 2, 3]",
        "42",
        "not a badge at all",
        "a.b",
        "a.b.c",
        "eyJhbGciOiJSUzI1NiJ9.!!!.sig",
        "[" * 100_000,
        '"just a string"',
    ],
)
def test_malformed_text_is_rejected_as_malformed(text: str) -> None:
    assert _rejected(text) == "malformed"


def test_invalid_utf8_bytes_are_malformed() -> None:
    assert _rejected(b"\xff\xfe\x00garbage") == "malformed"


def test_unknown_document_kind_is_unsupported() -> None:
    assert _rejected({"@context": "https://schema.org", "type": "Person"}) == "unsupported"


def test_verifiable_credential_missing_pieces_is_malformed() -> None:
    base = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:1",
        "credentialSubject": {"id": "did:example:2"},
    }
    assert _rejected({**base, "issuer": 7}) == "malformed"
    assert _rejected({**base, "credentialSubject": "x"}) == "malformed"
    assert _rejected({**base, "@context": ["https://example.org/ctx"]}) == "malformed"
    assert _rejected({**base, "validFrom": "yesterday", "proof": {}}) == "malformed"


def test_unknown_proof_type_is_unsupported() -> None:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:1",
        "credentialSubject": {"id": "did:example:2"},
        "proof": {"type": "RsaSignature2018", "jws": "abc"},
    }
    assert _rejected(document) == "unsupported"


def test_oversized_input_is_rejected_before_parsing(tmp_path: Path) -> None:
    padding = "x" * (MAX_BADGE_BYTES + 1)
    assert _rejected('{"pad": "' + padding + '"}') == "malformed"
    assert _rejected({"pad": padding}) == "malformed"
    big = tmp_path / "big.json"
    big.write_text('{"pad": "' + padding + '"}')
    [result] = import_badges(
        [big], catalog=None, resolver=None, trust=(), as_of=AS_OF, identity=None
    )
    assert result.reason_code == "malformed" and "MiB" in (result.reason or "")


def test_missing_file_is_a_result_not_an_error(tmp_path: Path) -> None:
    [result] = import_badges(
        [tmp_path / "nope.json"],
        catalog=None,
        resolver=None,
        trust=(),
        as_of=AS_OF,
        identity=None,
    )
    assert result.reason_code == "malformed" and not result.verified


def test_deeply_nested_credential_does_not_crash() -> None:
    deep = '{"a": ' * 5000 + '{"id": "x"}' + "}" * 5000
    text = (
        '{"@context": ["https://www.w3.org/ns/credentials/v2"], '
        '"type": ["VerifiableCredential"], "issuer": "did:example:1", '
        f'"credentialSubject": {deep}}}'
    )
    assert _rejected(text) == "malformed"
    nested: dict[str, Any] = {"id": "x"}
    for _ in range(5000):
        nested = {"a": nested}
    assert _rejected({"type": ["VerifiableCredential"], "credentialSubject": nested}) == (
        "malformed"
    )


def test_bad_did_key_is_malformed() -> None:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:key:z0OIl",
        "credentialSubject": {"id": "did:example:2"},
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "verificationMethod": "did:key:z0OIl",
            "proofPurpose": "assertionMethod",
            "proofValue": "z1111",
        },
    }
    assert _rejected(document) == "malformed"


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "@context",
                    "type",
                    "issuer",
                    "id",
                    "proof",
                    "credentialSubject",
                    "validFrom",
                    "verification",
                    "badge",
                    "recipient",
                    "issuedOn",
                    "achievement",
                    "x",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=25,
)


@given(
    _json,
    st.sampled_from(
        [
            ["https://www.w3.org/ns/credentials/v2"],
            "https://w3id.org/openbadges/v2",
            ["https://www.w3.org/2018/credentials/v1", {"@vocab": "https://e.example/"}],
        ]
    ),
    st.sampled_from([["VerifiableCredential", "OpenBadgeCredential"], "Assertion", ["x"]]),
)
def test_arbitrary_json_never_crashes_and_is_never_accepted(
    body: Any, context: Any, kind: Any
) -> None:
    document = body if isinstance(body, dict) else {"x": body}
    document = {**document, "@context": context, "type": kind}
    _rejected(document)


@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(raw: bytes) -> None:
    _rejected(raw)


def _signed_shape(subject: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
        "credentialSubject": subject,
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "verificationMethod": "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
            "proofPurpose": "assertionMethod",
            "proofValue": "z1111",
        },
    }


def test_blank_node_graphs_that_would_hang_canonicalization_are_refused() -> None:
    # A complete graph of 8 explicit blank nodes takes RDFC-1.0 minutes; refused up front.
    nodes = [
        {"id": f"_:b{i}", "knows": [{"id": f"_:b{j}"} for j in range(8) if j != i]}
        for i in range(8)
    ]
    result = verify_badge(_signed_shape({"id": "did:example:x", "related": nodes}), as_of=AS_OF)
    assert result.reason_code == "malformed" and "blank node" in (result.reason or "")


def test_too_many_objects_are_refused_before_canonicalization() -> None:
    subject = {"id": "did:example:x", "items": [{"n": i} for i in range(5000)]}
    result = verify_badge(_signed_shape(subject), as_of=AS_OF)
    assert result.reason_code == "malformed" and "objects" in (result.reason or "")
