"""Verified badges map to catalog credentials, count only from trusted issuers, and change audits.

The catalog is written as YAML and loaded with :func:`pathways.catalog.load.load_catalog`; the
badges are signed in the test with fresh Ed25519 keys.
"""

from __future__ import annotations

import copy
import json
import stat
import uuid
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.load import load_catalog, load_record, parse_record
from pathways.cli import app
from pathways.evaluate import audit
from pathways.interop import Resolver, verify_badge
from pathways.interop.clr import ClrExportError, export_clr
from pathways.interop.records import add_holdings
from pathways.interop.signing import SigningKey
from pathways.options import Options

AS_OF = date(2026, 3, 1)
CREATED = datetime(2025, 1, 1, tzinfo=UTC)
CTID = "ce-cf4dee18-7cea-443a-b920-158a0762c6bf"
PYTHON_CLASS = "https://badges.example.edu/classes/python"
KEY = SigningKey.generate()
STRANGER = SigningKey.generate()


def catalog_files() -> dict[str, Any]:
    return {
        "catalog.yaml": {
            "institutions": [
                {"id": "cc", "name": "Community College", "kind": "community-college",
                 "state": "OH", "control": "public", "badge_issuers": [KEY.issuer]},
                {"id": "other", "name": "Other Provider", "kind": "provider"},
            ],
            "credentials": [
                {"id": "cc.python", "title": "Python", "kind": "course", "issuer": "cc",
                 "credits": 3, "subject": "CS", "level": "lower",
                 "badge_classes": [PYTHON_CLASS]},
                {"id": "cc.sql", "title": "SQL", "kind": "course", "issuer": "cc", "credits": 3,
                 "subject": "CS", "level": "lower", "ctid": CTID},
                {"id": "other.badge", "title": "Other badge", "kind": "badge",
                 "issuer": "other", "badge_classes": ["https://badges.example.edu/classes/o"]},
                {"id": "cc.cert", "title": "Data Certificate", "kind": "certificate",
                 "issuer": "cc", "credits": 6, "requires": {"all": ["cc.python", "cc.sql"]}},
            ],
        }
    }  # fmt: skip


@pytest.fixture
def catalog_dir(write_catalog: Any) -> Path:
    return Path(write_catalog(catalog_files()))


@pytest.fixture
def catalog(catalog_dir: Path) -> CompiledCatalog:
    return load_catalog(catalog_dir)


def badge(
    key: SigningKey,
    achievement_id: str = PYTHON_CLASS,
    *,
    alignment: str | None = None,
    subject: str = "did:example:jane",
) -> dict[str, Any]:
    achievement: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "name": "Python Programming",
        "description": "Writes Python.",
        "criteria": {"narrative": "Pass the course."},
        "achievementType": "Course",
        "creditsAvailable": 4,
    }
    if alignment:
        achievement["alignment"] = [
            {"type": ["Alignment"], "targetCode": alignment, "targetName": "SQL",
             "targetType": "ceterms:Credential",
             "targetUrl": f"https://credentialengineregistry.org/resources/{alignment}"}
        ]  # fmt: skip
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{achievement_id}|{key.issuer}")),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": key.issuer, "type": ["Profile"], "name": "Issuer"},
        "validFrom": "2025-01-15T00:00:00Z",
        "name": "Python Programming",
        "credentialSubject": {
            "id": subject,
            "type": ["AchievementSubject"],
            "achievement": achievement,
        },
    }
    return key.sign(document, created=CREATED)


def check(document: Any, catalog: CompiledCatalog, **kwargs: Any) -> Any:
    return verify_badge(document, catalog=catalog, as_of=AS_OF, **kwargs)


# --------------------------------------------------------------------------- mapping and trust


def test_badge_class_maps_and_carries_facts_into_the_holding(catalog: CompiledCatalog) -> None:
    result = check(badge(KEY), catalog)
    assert result.verified and result.reason_code is None
    assert result.credential == "cc.python"
    assert result.reason == "verified; counts as Python (cc.python)"
    holding = result.holding
    assert holding is not None
    assert holding.credential == "cc.python"
    assert holding.credits == Fraction(4)  # creditsAvailable, not the catalog's 3
    assert holding.earned == date(2025, 1, 15)
    assert holding.issuer == KEY.issuer
    assert holding.evidence == badge(KEY)["id"]
    assert holding.achievement_type == "Course"


def test_ctdl_alignment_maps_through_the_ctid(catalog: CompiledCatalog) -> None:
    document = badge(KEY, "https://badges.example.edu/classes/sql-101", alignment=CTID)
    result = check(document, catalog)
    assert result.credential == "cc.sql"
    assert result.holding is not None and result.holding.alignments == (CTID,)


def test_untrusted_issuer_is_verified_but_does_not_count(catalog: CompiledCatalog) -> None:
    result = check(badge(STRANGER), catalog)
    assert result.verified
    assert result.reason_code == "untrusted_issuer"
    assert result.credential is None and result.holding is None
    trusted = check(badge(STRANGER), catalog, trust=[STRANGER.issuer])
    assert trusted.credential == "cc.python"


def test_institution_without_badge_issuers_trusts_no_one(catalog: CompiledCatalog) -> None:
    result = check(badge(KEY, "https://badges.example.edu/classes/o"), catalog)
    assert result.reason_code == "untrusted_issuer"


def test_unknown_achievement_is_unmapped(catalog: CompiledCatalog) -> None:
    result = check(badge(KEY, "https://badges.example.edu/classes/unknown"), catalog)
    assert result.verified and result.reason_code == "unmapped" and result.credential is None


def test_clr_nested_credentials_map_one_by_one(catalog: CompiledCatalog) -> None:
    clr = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:7a1b8c4e-0d1f-4a55-9e2b-3c4d5e6f7a8b",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": KEY.issuer, "type": ["Profile"], "name": "Registrar"},
        "validFrom": "2025-02-01T00:00:00Z",
        "name": "Transcript",
        "credentialSubject": {
            "id": "did:example:jane",
            "type": ["ClrSubject"],
            "verifiableCredential": [
                badge(KEY),
                badge(KEY, "urn:x:sql", alignment=CTID),
                badge(STRANGER, "urn:x:other"),
            ],
        },
    }
    result = check(KEY.sign(clr, created=CREATED), catalog)
    assert result.verified
    assert [inner.credential for inner in result.nested] == ["cc.python", "cc.sql", None]
    assert [h.credential for h in result.holdings()] == ["cc.python", "cc.sql"]
    assert result.nested[2].reason_code == "unmapped"


# --------------------------------------------------------------------------- audits


def _record(holdings: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "learner": {"id": "jane", "identity": {"did": "did:example:jane"}},
        "holdings": [{"credential": "cc.sql", "earned": "2024-12-01"}, *holdings],
    }


def test_signed_badge_in_a_record_completes_an_audit(catalog: CompiledCatalog) -> None:
    without = audit(catalog, parse_record(_record([])), "cc.cert", Options(as_of=AS_OF))
    assert without.status == "in_progress"
    with_badge = audit(
        catalog, parse_record(_record([{"badge": badge(KEY)}])), "cc.cert", Options(as_of=AS_OF)
    )
    assert with_badge.status == "complete"
    tampered = copy.deepcopy(badge(KEY))
    tampered["credentialSubject"]["achievement"]["creditsAvailable"] = 40
    rejected = audit(
        catalog, parse_record(_record([{"badge": tampered}])), "cc.cert", Options(as_of=AS_OF)
    )
    assert rejected.status == "in_progress"
    assert any(u.reason_code == "unverified" for u in rejected.unused)


def test_imported_badge_holding_changes_the_audit(catalog: CompiledCatalog, tmp_path: Path) -> None:
    path = tmp_path / "jane.yaml"
    path.write_text(yaml.safe_dump(_record([]), sort_keys=False))
    assert (
        audit(catalog, load_record(path), "cc.cert", Options(as_of=AS_OF)).status == "in_progress"
    )
    result = check(badge(KEY), catalog, identity=load_record(path).learner.identity)
    assert add_holdings(path, result.holdings()) == 1
    assert audit(catalog, load_record(path), "cc.cert", Options(as_of=AS_OF)).status == "complete"


def test_badge_for_someone_else_does_not_count(catalog: CompiledCatalog) -> None:
    other = badge(KEY, subject="did:example:john")
    decision = audit(
        catalog, parse_record(_record([{"badge": other}])), "cc.cert", Options(as_of=AS_OF)
    )
    assert decision.status == "in_progress"


def _with_result(kind: str, value: object) -> dict[str, Any]:
    """A badge stating one ``result`` of ``kind`` (a CLR 2.0 ``resultType``), signed by KEY."""
    document = badge(KEY)
    document.pop("proof")
    subject = document["credentialSubject"]
    ident = f"{PYTHON_CLASS}#{kind}"
    subject["achievement"]["resultDescription"] = [
        {"id": ident, "type": ["ResultDescription"], "name": kind, "resultType": kind}
    ]
    subject["result"] = [{"type": ["Result"], "resultDescription": ident, "value": value}]
    return KEY.sign(document, created=CREATED)


def test_badge_results_carry_grade_and_score_into_the_holding(catalog: CompiledCatalog) -> None:
    assert check(_with_result("LetterGrade", "B-"), catalog).holding.grade == "B-"
    assert check(_with_result("ScaledScore", "61"), catalog).holding.score == 61.0
    # A result with only a status (no value), or naming no description, reads as no grade.
    assert check(_with_result("LetterGrade", None), catalog).holding.grade is None
    odd = badge(KEY)
    odd.pop("proof")
    odd["credentialSubject"]["result"] = [{"type": ["Result"], "resultDescription": ["x"]}]
    assert check(KEY.sign(odd, created=CREATED), catalog).holding.grade is None


@pytest.mark.parametrize(
    ("kind", "value"), [("LetterGrade", "Q"), ("ScaledScore", "high"), ("ScaledScore", True)]
)
def test_badge_result_pathways_cannot_read_is_malformed(
    catalog: CompiledCatalog, kind: str, value: object
) -> None:
    result = check(_with_result(kind, value), catalog)
    assert result.reason_code == "malformed"
    assert repr(value) in result.reason


# --------------------------------------------------------------------------- CLR export


def test_clr_export_signed_verifies_and_maps_back(catalog: CompiledCatalog) -> None:
    registrar = SigningKey.generate()
    record = parse_record(_record([{"badge": badge(KEY)}]))
    clr = export_clr(record, catalog=catalog, as_of=AS_OF, key=registrar, created=CREATED)
    result = verify_badge(
        clr, catalog=catalog, as_of=AS_OF, trust=[registrar.issuer],
        identity=record.learner.identity,
    )  # fmt: skip
    assert result.verified, result.reason
    assert len(result.nested) == 2
    assert all(inner.verified for inner in result.nested)
    # The learner's own badge keeps its issuer's signature; the catalog holding is vouched
    # for by the registrar and maps back through its CTID alignment.
    assert sorted(h.credential or "" for h in result.holdings()) == ["cc.python", "cc.sql"]
    assert clr["credentialSubject"]["verifiableCredential"][0] == badge(KEY)


def test_clr_export_unsigned_and_associations(catalog: CompiledCatalog) -> None:
    record = parse_record(
        {
            "learner": {"id": "jane"},
            "holdings": [
                {"credential": "cc.python", "earned": "2024-05-01"},
                {"credential": "cc.sql", "earned": "2024-12-01"},
                {"credential": "cc.cert", "earned": "2025-01-01"},
                {"credential": "cc.sql", "status": "planned"},
            ],
        }
    )
    clr = export_clr(record, catalog=catalog, as_of=AS_OF)
    assert "proof" not in clr
    subject = clr["credentialSubject"]
    assert len(subject["verifiableCredential"]) == 3
    assert {(a["sourceId"], a["targetId"]) for a in subject["association"]} == {
        ("urn:pathways:credential:cc.cert", PYTHON_CLASS),
        ("urn:pathways:credential:cc.cert", "urn:pathways:credential:cc.sql"),
    }
    assert verify_badge(clr, as_of=AS_OF).reason_code == "bad_proof"


def test_clr_export_with_nothing_verified_is_an_error(catalog: CompiledCatalog) -> None:
    record = parse_record({"learner": {"id": "x"}, "holdings": [{"badge": badge(STRANGER)}]})
    record_bad = record.model_copy(
        update={"holdings": (record.holdings[0].model_copy(update={"badge": "garbage"}),)}
    )
    with pytest.raises(ClrExportError, match="no verified achievements"):
        export_clr(record_bad, catalog=catalog, as_of=AS_OF)


# --------------------------------------------------------------------------- CLI


runner = CliRunner()


def _invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_cli_import_badge_json_and_learner_append(catalog_dir: Path, tmp_path: Path) -> None:
    good = tmp_path / "python.json"
    good.write_text(json.dumps(badge(KEY)))
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    record = tmp_path / "jane.yaml"
    record.write_text("# Jane\n" + yaml.safe_dump(_record([]), sort_keys=False))
    before = record.read_text()
    result = _invoke(
        "import-badge", str(good), str(bad), "--catalog", str(catalog_dir),
        "--learner", str(record), "--as-of", "2026-03-01", "--json",
    )  # fmt: skip
    assert result.exit_code == 1  # one badge was rejected
    documents = json.loads(result.stdout)
    assert [d["file"] for d in documents] == [str(good), str(bad)]
    assert set(documents[0]) >= {"file", "verified", "reason_code", "reason", "credential",
                                 "holding"}  # fmt: skip
    assert documents[0]["credential"] == "cc.python"
    assert documents[0]["holding"]["credits"] == 4
    assert documents[1]["reason_code"] == "malformed" and documents[1]["holding"] is None
    after = record.read_text()
    assert after.startswith(before) and "credential: cc.python" in after
    audit_result = _invoke(
        "audit", str(record), "--goal", "cc.cert", "--catalog", str(catalog_dir),
        "--as-of", "2026-03-01", "--json",
    )  # fmt: skip
    assert json.loads(audit_result.stdout)["status"] == "complete"


def test_cli_import_badge_text_output_and_bad_resolver(catalog_dir: Path, tmp_path: Path) -> None:
    good = tmp_path / "python.json"
    good.write_text(json.dumps(badge(KEY)))
    result = _invoke("import-badge", str(good), "--catalog", str(catalog_dir), "--as-of",
                     "2026-03-01")  # fmt: skip
    assert result.exit_code == 0 and "cc.python" in result.stdout
    missing = _invoke("import-badge", str(good), "--catalog", str(catalog_dir), "--resolve",
                      str(tmp_path / "nowhere"))  # fmt: skip
    assert missing.exit_code == 1 and "cannot read the resolution index" in missing.stderr
    usage = _invoke("import-badge", str(good), "--as-of", "March")
    assert usage.exit_code == 2


def test_cli_resolver_in_conformance_format(catalog_dir: Path, tmp_path: Path) -> None:
    issuer = "https://badges.example.edu/issuer"
    key = SigningKey.generate(issuer=issuer)
    (tmp_path / "resolve.json").write_text(
        json.dumps({"documents": {}, "keys": {key.verification_method: key.public_multibase}})
    )
    path = tmp_path / "badge.json"
    path.write_text(json.dumps(badge(key)))
    args = ["import-badge", str(path), "--catalog", str(catalog_dir), "--json"]
    assert json.loads(_invoke(*args).stdout)[0]["reason_code"] == "unknown_key"
    resolved = json.loads(_invoke(*args, "--resolve", str(tmp_path), "--trust", issuer).stdout)
    assert resolved[0]["credential"] == "cc.python"


def test_cli_ctdl_export_then_import_round_trip(catalog_dir: Path, tmp_path: Path) -> None:
    exported = tmp_path / "pathway.jsonld"
    result = _invoke("ctdl", "export", "cc.cert", "--catalog", str(catalog_dir), "-o",
                     str(exported))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "imported"
    result = _invoke("ctdl", "import", str(exported), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    back = load_catalog(out)
    original = load_catalog(catalog_dir)
    for ident in ("cc.cert", "cc.python", "cc.sql"):
        a, b = original.credential(ident), back.credential(ident)
        assert (a.title, a.kind, a.credits, a.issuer, a.ctid) == (
            b.title, b.kind, b.credits, b.issuer, b.ctid
        )  # fmt: skip
    assert back.credential("cc.cert").requires == original.credential("cc.cert").requires
    again = _invoke("ctdl", "import", str(exported), "-o", str(out))
    assert again.exit_code == 1 and "exists" in again.stderr
    unknown = _invoke("ctdl", "export", "cc.certt", "--catalog", str(catalog_dir))
    assert unknown.exit_code == 1 and "did you mean" in unknown.stderr


def test_cli_clr_keygen_and_signed_export(catalog_dir: Path, tmp_path: Path) -> None:
    key_file = tmp_path / "registrar.key.json"
    result = _invoke("clr", "keygen", "-o", str(key_file))
    assert result.exit_code == 0
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    registrar = SigningKey.load(key_file)
    record = tmp_path / "jane.yaml"
    record.write_text(yaml.safe_dump(_record([]), sort_keys=False))
    out = tmp_path / "clr.json"
    result = _invoke("clr", "export", str(record), "--catalog", str(catalog_dir), "--key",
                     str(key_file), "--as-of", "2026-03-01", "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    verified = verify_badge(
        json.loads(out.read_text()), as_of=date.today(), resolver=Resolver(),
        trust=[registrar.issuer], catalog=load_catalog(catalog_dir),
    )  # fmt: skip
    assert verified.verified and [h.credential for h in verified.holdings()] == ["cc.sql"]
    again = _invoke("clr", "keygen", "-o", str(key_file))
    assert again.exit_code == 1
