"""The resolution directory: one JSON index of documents by URL and keys by method."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, date, datetime
from pathlib import Path

import jwt
import pytest

from pathways.interop import Resolver, ResolverError, verify_badge
from pathways.interop.signing import SigningKey

AS_OF = date(2026, 3, 1)


def test_index_loads_from_its_directory_or_as_a_file(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "profile.json").write_text('{"id": "https://e.example/issuer"}')
    (tmp_path / "docs" / "list.jwt").write_text("aaa.bbb.ccc\n")
    index = {
        "about": "ignored",
        "documents": {
            "https://e.example/issuer": "docs/profile.json",
            "https://e.example/list": "docs/list.jwt",
            "https://e.example/inline": {"id": "inline"},
        },
        "keys": {"https://e.example/issuer#k": "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"},
    }
    (tmp_path / "resolve.json").write_text(json.dumps(index))
    for where in (tmp_path, tmp_path / "resolve.json"):
        resolver = Resolver.load(where)
        assert resolver.document("https://e.example/issuer") == {"id": "https://e.example/issuer"}
        assert resolver.document("https://e.example/issuer#k") == {"id": "https://e.example/issuer"}
        assert resolver.document("https://e.example/list") == "aaa.bbb.ccc"
        assert resolver.document("https://e.example/inline") == {"id": "inline"}
        assert resolver.document("https://e.example/nothing") is None
        assert list(resolver.keys_for("https://e.example/issuer")) == ["https://e.example/issuer#k"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not JSON"),
        ("[]", "JSON object"),
        ('{"documents": []}', "documents must be an object"),
        ('{"documents": {"https://x": 5}}', "path or a JSON object"),
        ('{"documents": {"https://x": "../outside.json"}}', "leaves the index's directory"),
        ('{"documents": {"https://x": "missing.json"}}', "missing.json"),
    ],
)
def test_bad_index_is_a_resolver_error(tmp_path: Path, content: str, message: str) -> None:
    folder = tmp_path / "dir"
    folder.mkdir()
    (tmp_path / "outside.json").write_text("{}")
    (folder / "resolve.json").write_text(content)
    with pytest.raises(ResolverError, match=message):
        Resolver.load(folder)


def test_status_list_published_as_a_vc_jwt(tmp_path: Path) -> None:
    key = SigningKey.generate()
    bits = bytearray(16384)
    bits[0] = 0b0100_0000  # entry 1 is set
    encoded = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits))).decode().rstrip("=")
    status_list = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "https://e.example/status/1",
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": key.issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }
    token = jwt.encode(status_list, key.private, "EdDSA", headers={"kid": key.verification_method})
    (tmp_path / "list.jwt").write_text(token)
    (tmp_path / "resolve.json").write_text(
        json.dumps({"documents": {"https://e.example/status/1": "list.jwt"}})
    )
    resolver = Resolver.load(tmp_path)

    def credential(index: int) -> dict[str, object]:
        document = {
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            ],
            "id": f"urn:uuid:00000000-0000-4000-8000-00000000000{index}",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": key.issuer, "type": ["Profile"], "name": "Issuer"},
            "validFrom": "2025-01-15T00:00:00Z",
            "name": "Badge",
            "credentialStatus": {
                "id": f"https://e.example/status/1#{index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": str(index),
                "statusListCredential": "https://e.example/status/1",
            },
            "credentialSubject": {
                "id": "did:example:jane",
                "type": ["AchievementSubject"],
                "achievement": {
                    "id": "https://e.example/a",
                    "type": ["Achievement"],
                    "name": "A",
                    "description": "A.",
                    "criteria": {"narrative": "N."},
                },
            },
        }
        return key.sign(document, created=datetime(2025, 1, 1, tzinfo=UTC))

    assert verify_badge(credential(1), as_of=AS_OF, resolver=resolver).reason_code == "revoked"
    assert verify_badge(credential(2), as_of=AS_OF, resolver=resolver).verified
