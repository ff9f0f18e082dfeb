"""Export a learner's verified achievements as a CLR 2.0 ``ClrCredential``.

What goes in:

* every badge holding that verifies (with the learner's identity, the resolution directory
  and trust given), as the issuer's own signed credential, unchanged — so each still
  verifies on its own; a verified CLR contributes its verified nested credentials;
* every earned catalog holding, as an ``AchievementCredential`` issued by the exporter
  (achievement id: the credential's first ``badge_classes`` entry, else
  ``urn:pathways:credential:<id>``; its CTID as a ``ceterms:Credential`` alignment, its
  credits as ``creditsAvailable``; the holding's grade and score as ``result`` entries and
  its own credits as ``creditsEarned``, so a re-import keeps them), which the exporter
  vouches for with its key;
* an ``isParentOf`` association from each exported composite to each exported credential
  its requirement tree names.

In-progress and planned holdings, and badges that do not verify, are left out. With a
:class:`~pathways.interop.signing.SigningKey` every credential the exporter issues, and the
CLR itself, carries an ``eddsa-rdfc-2022`` proof; without one the CLR is unsigned.

VCDM 1.1 and 2.0 contexts protect their terms against each other, so a CLR holding VCDM 1.1
badges is itself written in VCDM 1.1 form (``issuanceDate``); it cannot hold both kinds.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from pathways.catalog.grammar import walk
from pathways.catalog.model import Credential, Holding, LearnerInfo, LearnerRecord, Requirement
from pathways.errors import PathwaysError
from pathways.interop.common import CREDENTIAL_URN, as_list, split_jws, types_of
from pathways.interop.resolver import Resolver
from pathways.interop.signing import SigningKey
from pathways.interop.verify import verify_badge

if TYPE_CHECKING:
    from pathways.catalog.compile import CompiledCatalog

__all__ = ["ClrExportError", "export_clr"]

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
CONTEXTS = {
    V2: [
        V2,
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    V1: [
        V1,
        "https://purl.imsglobal.org/spec/clr/v2p0/context.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "https://w3id.org/security/data-integrity/v1",
    ],
}
ACHIEVEMENT_CONTEXTS = {
    V2: [V2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
    V1: [
        V1,
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "https://w3id.org/security/data-integrity/v1",
    ],
}
_ACHIEVEMENT_TYPE = {
    "course": "Course",
    "badge": "Badge",
    "micro-credential": "MicroCredential",
    "certificate": "Certificate",
    "industry-certification": "Certification",
    "license": "License",
    "exam": "Assessment",
    "military-training": "ext:MilitaryTraining",
    "apprenticeship": "ApprenticeshipCertificate",
    "career-tech-program": "ext:CareerTechProgram",
    "micro-degree": "ext:MicroDegree",
    "associate": "AssociateDegree",
    "bachelor": "BachelorDegree",
    "master": "MasterDegree",
    "transfer-block": "ext:TransferBlock",
}


RESULT_NAMES = {"LetterGrade": "Grade", "ScaledScore": "Score"}
"""The ``resultType`` of a holding's grade and score in an exported credential, and its name."""


class ClrExportError(PathwaysError):
    """A CLR that cannot be built (nothing to export, or incompatible credentials)."""


def _version(credential: Any) -> str:
    if isinstance(credential, dict) and as_list(credential.get("@context"))[:1] == [V1]:
        return V1
    return V2


def _verified_documents(
    holdings: Iterable[Holding],
    *,
    record: LearnerRecord,
    catalog: CompiledCatalog,
    as_of: date,
    resolver: Resolver | None,
    trust: Iterable[str],
) -> Iterator[Any]:
    trusted = tuple(trust)
    for holding in holdings:
        if holding.badge is None or holding.status != "earned":
            continue
        result = verify_badge(
            holding.badge,
            catalog=catalog,
            as_of=as_of,
            resolver=resolver,
            trust=trusted,
            identity=record.learner.identity,
        )
        if not result.verified:
            continue
        document = holding.badge
        if isinstance(document, str) and document.lstrip().startswith("{"):
            document = json.loads(document)
        nested = _clr_nested(document)
        if nested is None:
            yield document
        else:
            pairs = zip(nested, result.nested, strict=True)
            yield from (item for item, inner in pairs if inner.verified)


def _clr_nested(document: Any) -> list[Any] | None:
    """The nested credentials of a CLR (JSON or VC-JWT), or None for any other credential."""
    credential = document
    if isinstance(document, str):
        _, payload = split_jws(document.strip())
        credential = payload.get("vc", payload) if isinstance(payload, dict) else None
    if not isinstance(credential, dict) or "ClrCredential" not in types_of(credential):
        return None
    subject = as_list(credential.get("credentialSubject"))[0]
    return list(subject.get("verifiableCredential", []))


def _achievement_id(credential: Credential) -> str:
    return (
        credential.badge_classes[0]
        if credential.badge_classes
        else f"{CREDENTIAL_URN}{credential.id}"
    )


def _achievement(credential: Credential) -> dict[str, Any]:
    achievement: dict[str, Any] = {
        "id": _achievement_id(credential),
        "type": ["Achievement"],
        "name": credential.title,
        "description": credential.note or credential.title,
        "criteria": {"narrative": f"Holds {credential.title} in the Pathways catalog."},
        "achievementType": _ACHIEVEMENT_TYPE[credential.kind],
        "humanCode": credential.id,
    }
    if credential.credits:
        achievement["creditsAvailable"] = float(credential.credits)
    if credential.subject:
        achievement["fieldOfStudy"] = credential.subject
    if credential.ctid:
        achievement["alignment"] = [
            {
                "type": ["Alignment"],
                "targetType": "ceterms:Credential",
                "targetCode": credential.ctid,
                "targetName": credential.title,
                "targetUrl": f"https://credentialengineregistry.org/resources/{credential.ctid}",
            }
        ]
    return achievement


def _add_results(subject: dict[str, Any], holding: Holding) -> None:
    """Put a holding's grade, score and own credits on its ``AchievementSubject``, as CLR 2.0
    states them: a ``result`` per value, each naming the achievement's ``resultDescription``
    (``LetterGrade`` for a grade, ``ScaledScore`` for a score), and ``creditsEarned``."""
    achievement = subject["achievement"]
    values = [
        (kind, value)
        for kind, value in (("LetterGrade", holding.grade), ("ScaledScore", holding.score))
        if value is not None
    ]
    descriptions, results = [], []
    for kind, value in values:
        ident = f"{achievement['id']}#{kind}"
        descriptions.append({"id": ident, "type": ["ResultDescription"], "name": RESULT_NAMES[kind],
                             "resultType": kind})  # fmt: skip
        results.append({"type": ["Result"], "resultDescription": ident, "value": str(value)})
    if results:
        achievement["resultDescription"] = descriptions
        subject["result"] = results
    if holding.credits is not None:
        subject["creditsEarned"] = float(holding.credits)


def _stamp(version: str, moment: datetime) -> dict[str, str]:
    text = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"issuanceDate": text} if version == V1 else {"validFrom": text}


def _has_ids(requirement: Requirement | None) -> Iterator[str]:
    """The ``has`` targets of a tree, in tree order."""
    return (node.has for node in walk(requirement) if node.has is not None)


def _subject_ref(learner: LearnerInfo) -> dict[str, Any]:
    """How the CLR names its subject: the learner's DID and a salted hash of the e-mail."""
    subject_ref: dict[str, Any] = {}
    if learner.identity.did:
        subject_ref["id"] = learner.identity.did
    if learner.identity.email:
        salt = secrets.token_hex(8)
        digest = hashlib.sha256((learner.identity.email + salt).encode()).hexdigest()
        subject_ref["identifier"] = [
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": f"sha256${digest}",
                "salt": salt,
            }
        ]
    return subject_ref


def export_clr(
    record: LearnerRecord,
    *,
    catalog: CompiledCatalog,
    as_of: date,
    resolver: Resolver | None = None,
    trust: Iterable[str] = (),
    key: SigningKey | None = None,
    issuer: str | None = None,
    issuer_name: str = "Pathways",
    created: datetime | None = None,
) -> dict[str, Any]:
    """Build (and with ``key``, sign) the CLR 2.0 of a learner's verified achievements.

    ``issuer`` defaults to the key's issuer, or ``urn:pathways:exporter`` when unsigned.
    Raises :class:`ClrExportError` when there is nothing to export, or when the badges mix
    VCDM 1.1 and 2.0 credentials.
    """
    moment = created or datetime.now(UTC).replace(microsecond=0)
    issuer_id = issuer or (key.issuer if key else "urn:pathways:exporter")
    badges = list(
        _verified_documents(
            record.holdings,
            record=record,
            catalog=catalog,
            as_of=as_of,
            resolver=resolver,
            trust=trust,
        )
    )
    versions = {_version(item) for item in badges if isinstance(item, dict)}
    if len(versions) > 1:
        raise ClrExportError(
            "the verified badges mix VCDM 1.1 and 2.0 credentials, which one CLR cannot hold"
        )
    version = versions.pop() if versions else V2
    profile = {"id": issuer_id, "type": ["Profile"], "name": issuer_name}
    learner = record.learner
    subject_ref = _subject_ref(learner)
    issued: list[dict[str, Any]] = []
    exported: dict[str, Credential] = {}
    for holding in record.holdings:
        if holding.credential is None or holding.status != "earned":
            continue
        credential = catalog.credential(holding.credential, on=holding.earned)
        exported[credential.id] = credential
        achievement = _achievement(credential)
        document: dict[str, Any] = {
            "@context": ACHIEVEMENT_CONTEXTS[version],
            "id": "urn:uuid:"
            + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{issuer_id}|{learner.id}|{credential.id}")),
            "type": ["VerifiableCredential", "AchievementCredential"],
            "issuer": profile,
            "name": credential.title,
            **_stamp(version, moment),
            "credentialSubject": {
                **subject_ref,
                "type": ["AchievementSubject"],
                "achievement": achievement,
            },
        }
        _add_results(document["credentialSubject"], holding)
        if holding.earned is not None:
            document["awardedDate"] = f"{holding.earned.isoformat()}T00:00:00Z"
        issued.append(key.sign(document, created=moment) if key else document)
    nested = [*badges, *issued]
    if not nested:
        raise ClrExportError(f"{learner.id} has no verified achievements to export")
    associations = [
        {
            "type": ["Association"],
            "associationType": "isParentOf",
            "sourceId": _achievement_id(parent),
            "targetId": _achievement_id(exported[child]),
        }
        for parent in exported.values()
        for child in dict.fromkeys(_has_ids(parent.requires))
        if child in exported
    ]
    subject: dict[str, Any] = {
        **subject_ref,
        "type": ["ClrSubject"],
        "verifiableCredential": nested,
    }
    if associations:
        subject["association"] = associations
    clr: dict[str, Any] = {
        "@context": CONTEXTS[version],
        "id": "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{issuer_id}|{learner.id}|clr")),
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": profile,
        "name": f"Comprehensive Learner Record of {learner.name or learner.id}",
        **_stamp(version, moment),
        "credentialSubject": subject,
    }
    return key.sign(clr, created=moment) if key else clr
