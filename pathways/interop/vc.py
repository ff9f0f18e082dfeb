"""Open Badges 3.0 / CLR 2.0 and other W3C Verifiable Credentials: Data Integrity and VC-JWT.

:func:`verify_credential` runs the checks of ``docs/semantics.md#badges`` in order on a
credential in JSON-LD form with embedded proofs; :func:`verify_vc_jwt` does the same for a
VC-JWT. Both return the :class:`~pathways.interop.common.Facts` of a verified credential and
raise
:class:`~pathways.interop.result.Rejected` at the first failing check.
"""

from __future__ import annotations

import re
from datetime import datetime
from fractions import Fraction
from typing import Any, get_args

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyld.jsonld import JsonLdError

from pathways.catalog.model import MAX_SCORE, Grade
from pathways.interop.common import (
    Facts,
    Settings,
    as_list,
    id_of,
    parse_instant,
    split_jws,
    types_of,
)
from pathways.interop.dataintegrity import proof_suite, verify_proof
from pathways.interop.jose import check_algorithm, key_fits, verify_jws
from pathways.interop.jsonld import (
    BUNDLED_CONTEXTS,
    ContextNotBundled,
    TooComplex,
    check_complexity,
    context_urls,
    undefined_terms,
)
from pathways.interop.keys import (
    IssuerKey,
    header_key_identity,
    jwk_thumbprint,
    key_belongs,
    parse_public_key,
    published_issuer_keys,
    resolve_method,
)
from pathways.interop.recipient import check_recipient, vc_identities
from pathways.interop.result import Rejected
from pathways.interop.status import check_status

__all__ = ["VC_CONTEXTS", "verify_credential", "verify_vc_jwt"]

VC_CONTEXTS = ("https://www.w3.org/2018/credentials/v1", "https://www.w3.org/ns/credentials/v2")
"""A Verifiable Credential's first ``@context`` is one of these (VCDM 1.1, VCDM 2.0)."""

GRADES: tuple[str, ...] = get_args(Grade)
"""The letter grades a ``LetterGrade`` result may carry: the catalog's."""
_CTID = re.compile(
    r"ce-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE
)


def _issuer_id(credential: dict[str, Any]) -> str:
    issuer = id_of(credential.get("issuer"))
    if not issuer:
        raise Rejected("malformed", "a credential needs an issuer (an id or a Profile with an id)")
    return issuer


def _check_shape(credential: dict[str, Any], *, secured_by_jwt: bool) -> None:
    contexts = as_list(credential.get("@context"))
    if not secured_by_jwt and (not contexts or contexts[0] not in VC_CONTEXTS):
        raise Rejected(
            "malformed", f"a verifiable credential's first @context is one of {VC_CONTEXTS}"
        )
    kinds = types_of(credential)
    if "VerifiableCredential" not in kinds:
        raise Rejected("malformed", "type must include VerifiableCredential")
    _issuer_id(credential)
    for name in ("validFrom", "validUntil", "issuanceDate", "expirationDate", "awardedDate"):
        if name in credential:
            parse_instant(credential[name], name)
    subject = credential.get("credentialSubject")
    if not subject or not all(isinstance(item, dict) for item in as_list(subject)):
        raise Rejected("malformed", "credentialSubject must be an object")
    if "ClrCredential" in kinds:
        nested = as_list(subject)[0].get("verifiableCredential")
        if not isinstance(nested, list) or not all(isinstance(i, dict | str) for i in nested):
            raise Rejected("malformed", "a CLR's subject needs verifiableCredential: [credentials]")
    elif "achievement" in as_list(subject)[0]:
        achievement = as_list(subject)[0]["achievement"]
        if not isinstance(achievement, dict) or not isinstance(achievement.get("id"), str):
            raise Rejected("malformed", "credentialSubject.achievement needs an id")


# --------------------------------------------------------------------------- Data Integrity


def _check_contexts(credential: dict[str, Any]) -> None:
    for url in context_urls(credential):
        if url not in BUNDLED_CONTEXTS:
            raise Rejected(
                "context_not_bundled",
                f"JSON-LD context {url} is not bundled with the engine (contexts are never "
                "fetched)",
            )


def _method_of(proof: dict[str, Any]) -> str:
    method = id_of(proof.get("verificationMethod"))
    if not method:
        raise Rejected("malformed", "a proof needs its verificationMethod")
    return method


def _one_proof(
    unsecured: dict[str, Any], proof: dict[str, Any], issuer: str, settings: Settings
) -> str:
    method = _method_of(proof)
    found = resolve_method(method, settings.resolver)
    if found is None:
        raise Rejected(
            "unknown_key",
            f"the key {method} is not published in the resolution directory, so the proof "
            "cannot be checked",
        )
    if not isinstance(found.key, Ed25519PublicKey):
        raise Rejected("bad_proof", f"{method} is not an Ed25519 key")
    if proof.get("proofPurpose") != "assertionMethod":
        raise Rejected("bad_proof", "the proof's purpose is not assertionMethod")
    try:
        valid = verify_proof(unsecured, proof, found.key)
    except ContextNotBundled as error:
        raise Rejected("context_not_bundled", str(error)) from None
    except JsonLdError as error:
        raise Rejected("malformed", f"not valid JSON-LD: {_jsonld_message(error)}") from None
    if not valid:
        raise Rejected("bad_proof", f"the signature does not verify with {method}")
    unsigned = undefined_terms(unsecured)
    if unsigned:
        raise Rejected(
            "bad_proof",
            f"the proof does not cover {', '.join(unsigned)}: not defined by the credential's "
            "JSON-LD contexts, so not signed",
        )
    return key_belongs(issuer, found, settings.resolver)


def _jsonld_message(error: JsonLdError) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:200]


def _data_integrity(credential: dict[str, Any], issuer: str, settings: Settings) -> str:
    proofs = as_list(credential.get("proof"))
    if not proofs:
        raise Rejected("bad_proof", "the credential carries no proof")
    usable = [proof for proof in proofs if proof_suite(proof)]
    if not usable:
        kinds = sorted({str(p.get("type")) for p in proofs if isinstance(p, dict)}) or ["?"]
        raise Rejected(
            "unsupported",
            f"proof type {', '.join(kinds)} is not supported (supported: DataIntegrityProof "
            "eddsa-rdfc-2022 / eddsa-2022, Ed25519Signature2020)",
        )
    _check_contexts(credential)
    try:
        check_complexity(credential)
    except TooComplex as error:
        raise Rejected("malformed", f"cannot be canonicalized safely: {error}") from None
    unsecured = {key: value for key, value in credential.items() if key != "proof"}
    failures: list[Rejected] = []
    for proof in usable:
        try:
            return _one_proof(unsecured, proof, issuer, settings)
        except Rejected as failure:
            failures.append(failure)
    # Any one valid proof is enough; otherwise report the proof that got furthest.
    rank = {"wrong_key": 0, "bad_proof": 1}
    raise min(failures, key=lambda failure: rank.get(failure.code, 2))


def verify_credential(credential: dict[str, Any], settings: Settings) -> Facts:
    """Verify a credential secured with embedded Data Integrity proofs (checks in the order
    of ``docs/semantics.md#badges``)."""
    _check_shape(credential, secured_by_jwt=False)
    issuer = _issuer_id(credential)
    identity = _data_integrity(credential, issuer, settings)
    return _after_proof(credential, identity, settings, window=(None, None))


# --------------------------------------------------------------------------- VC-JWT


def _jwt_candidates(
    header: dict[str, Any], issuer: str, settings: Settings
) -> tuple[list[IssuerKey], bool]:
    """Keys to try, and whether they are tied to the issuer (False: the header's own key)."""
    kid = header.get("kid")
    if isinstance(kid, str) and kid:
        method = issuer + kid if kid.startswith("#") else kid
        found = resolve_method(method, settings.resolver)
        if found is not None:
            return [found], True
    jwk = header.get("jwk")
    if isinstance(jwk, dict):
        try:
            key = parse_public_key(jwk)
        except ValueError as error:
            raise Rejected("malformed", f"the JWT header's jwk: {error}") from None
        return [IssuerKey("jwk", key)], False
    if isinstance(kid, str) and kid:
        return [], True
    return published_issuer_keys(issuer, settings.resolver), True


def _jwt_proof(token: str, header: dict[str, Any], issuer: str, settings: Settings) -> str:
    alg = check_algorithm(header)
    candidates, tied = _jwt_candidates(header, issuer, settings)
    fitting = [found for found in candidates if key_fits(alg, found.key)]
    if not fitting:
        raise Rejected(
            "unknown_key",
            f"no {alg} key for {issuer} is published in the resolution directory or carried "
            "in the JWT header, so the signature cannot be checked",
        )
    used = next((found for found in fitting if verify_jws(token, alg, found.key)), None)
    if used is None:
        raise Rejected("bad_proof", "the JWT signature does not verify")
    if tied:
        return key_belongs(issuer, used, settings.resolver)
    if header_key_identity(issuer, used.key, settings.resolver):
        return issuer
    if jwk_thumbprint(used.key) in settings.trust:
        return issuer
    raise Rejected(
        "unknown_key",
        "the signature verifies with the key the JWT carries in its own header, which proves "
        f"integrity only: nothing published ties that key to {issuer} (trust its thumbprint "
        f"{jwk_thumbprint(used.key)} to accept it)",
    )


def _claims_window(
    claims: dict[str, Any], credential: dict[str, Any]
) -> tuple[datetime | None, datetime | None]:
    if claims.get("iss") is not None and claims.get("iss") != _issuer_id(credential):
        raise Rejected("malformed", "the JWT iss differs from the credential's issuer")
    if claims.get("jti") is not None and credential.get("id") not in (None, claims["jti"]):
        raise Rejected("malformed", "the JWT jti differs from the credential's id")
    subject = as_list(credential.get("credentialSubject"))[0]
    if claims.get("sub") is not None and subject.get("id") not in (None, claims["sub"]):
        raise Rejected("malformed", "the JWT sub differs from the credential subject's id")
    start = parse_instant(claims["nbf"], "nbf") if "nbf" in claims else None
    end = parse_instant(claims["exp"], "exp") if "exp" in claims else None
    return start, end


def verify_vc_jwt(token: str, settings: Settings) -> Facts:
    """Verify a credential secured as a VC-JWT (VCDM 1.1 ``vc`` claim, or VCDM 2.0 payload)."""
    header, payload = split_jws(token)
    if not isinstance(payload, dict):
        raise Rejected("malformed", "the JWT payload is not a JSON object")
    check_algorithm(header)
    credential = payload.get("vc", payload)
    if not isinstance(credential, dict):
        raise Rejected("malformed", "the JWT vc claim is not a JSON object")
    if "vc" in payload and "issuer" not in credential and isinstance(payload.get("iss"), str):
        credential = {**credential, "issuer": payload["iss"]}
    _check_shape(credential, secured_by_jwt=True)
    claims = payload if "vc" in payload else {}
    window = _claims_window(claims, credential)
    issuer = _issuer_id(credential)
    identity = _jwt_proof(token, header, issuer, settings)
    return _after_proof(credential, identity, settings, window=window)


# --------------------------------------------------------------------------- after the proof


def _verify_status_list(published: Any, settings: Settings) -> dict[str, Any]:
    inner = settings.deeper()
    if isinstance(published, str):
        _, payload = split_jws(published)
        verify_vc_jwt(published, inner)
        credential = payload.get("vc", payload) if isinstance(payload, dict) else None
    else:
        credential = published
        if isinstance(credential, dict):
            verify_credential(credential, inner)
    if not isinstance(credential, dict):
        raise Rejected("malformed", "not a credential")
    return credential


def _check_dates(
    credential: dict[str, Any], settings: Settings, window: tuple[datetime | None, datetime | None]
) -> None:
    starts = [window[0]] if window[0] else []
    ends = [window[1]] if window[1] else []
    for name in ("validFrom", "issuanceDate"):
        if name in credential:
            starts.append(parse_instant(credential[name], name))
    for name in ("validUntil", "expirationDate"):
        if name in credential:
            ends.append(parse_instant(credential[name], name))
    if ends and min(ends).date() < settings.as_of:
        raise Rejected("expired", f"expired on {min(ends).date().isoformat()}")
    if starts and max(starts).date() > settings.as_of:
        raise Rejected("not_yet_valid", f"not valid before {max(starts).date().isoformat()}")


def _after_proof(
    credential: dict[str, Any],
    identity: str,
    settings: Settings,
    *,
    window: tuple[datetime | None, datetime | None],
) -> Facts:
    check_status(credential, settings, _verify_status_list)
    _check_dates(credential, settings, window)
    subject = credential.get("credentialSubject")
    check_recipient(vc_identities(subject), settings.identity)
    return _facts(credential, identity, window[0])


def _credits(value: Any) -> Fraction | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return Fraction(str(value))
    if isinstance(value, str):
        try:
            amount = Fraction(value.strip())
        except ValueError:
            return None
        return amount if amount >= 0 else None
    return None


def _earned(credential: dict[str, Any], start: datetime | None) -> Any:
    for name in ("awardedDate", "validFrom", "issuanceDate"):
        if name in credential:
            return parse_instant(credential[name], name).date()
    return start.date() if start else None


def _alignment_facts(achievement: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    alignments: list[str] = []
    ctids: list[str] = []
    for item in as_list(achievement.get("alignment")):
        if not isinstance(item, dict):
            continue
        code, url = item.get("targetCode"), item.get("targetUrl")
        label = code if isinstance(code, str) and code else url
        if isinstance(label, str):
            alignments.append(label)
        for text in (code, url):
            if isinstance(text, str):
                ctids.extend(match.group(0).lower() for match in _CTID.finditer(text))
    return tuple(dict.fromkeys(alignments)), tuple(dict.fromkeys(ctids))


def _score(value: Any) -> float:
    """A ``ScaledScore`` result's value (a JSON number or its text) as a number."""
    try:
        score = float(value) if isinstance(value, int | float | str) else float("nan")
    except ValueError:
        score = float("nan")
    if isinstance(value, bool) or not abs(score) <= MAX_SCORE:
        raise Rejected("malformed", f"score result {value!r} is not a number Pathways reads")
    return score


def _results(
    subject: dict[str, Any], achievement: dict[str, Any]
) -> tuple[str | None, float | None]:
    """The grade and score an ``AchievementSubject`` states: each ``result`` whose
    ``resultDescription`` is of type ``LetterGrade`` or ``ScaledScore`` (CLR 2.0 / OB 3.0) and
    that states a ``value``.
    A letter grade the catalog does not know, or a score that is not a number, is malformed."""
    kinds = {
        d["id"]: d.get("resultType")
        for d in as_list(achievement.get("resultDescription"))
        if isinstance(d, dict) and isinstance(d.get("id"), str)
    }
    grade: str | None = None
    score: float | None = None
    for result in as_list(subject.get("result")):
        if not isinstance(result, dict):
            continue
        described = result.get("resultDescription")
        kind = kinds.get(described) if isinstance(described, str) else None
        value = result.get("value")
        if value is None:
            continue  # a status or a rubric level only: no grade or score to read
        if kind == "LetterGrade":
            if value not in GRADES:
                known = ", ".join(GRADES)
                raise Rejected("malformed", f"result {value!r} is not a grade ({known})")
            grade = value
        elif kind == "ScaledScore":
            score = _score(value)
    return grade, score


def _facts(credential: dict[str, Any], identity: str, start: datetime | None) -> Facts:
    kinds = types_of(credential)
    subject = as_list(credential.get("credentialSubject"))[0]
    earned = _earned(credential, start)
    credential_id = credential.get("id") if isinstance(credential.get("id"), str) else None
    if "ClrCredential" in kinds:
        return Facts(
            issuer=identity,
            credential_id=credential_id,
            earned=earned,
            kind="clr",
            nested=tuple(subject.get("verifiableCredential", ())),
        )
    achievement = subject.get("achievement")
    if not isinstance(achievement, dict):
        return Facts(issuer=identity, credential_id=credential_id, earned=earned)
    if earned is None:
        raise Rejected("malformed", "an achievement credential needs validFrom or issuanceDate")
    alignments, ctids = _alignment_facts(achievement)
    grade, score = _results(subject, achievement)
    achievement_type = achievement.get("achievementType")
    return Facts(
        issuer=identity,
        credential_id=credential_id,
        achievement_ids=(str(achievement["id"]),),
        ctids=ctids,
        alignments=alignments,
        achievement_type=achievement_type if isinstance(achievement_type, str) else None,
        credits=_credits(subject.get("creditsEarned", achievement.get("creditsAvailable"))),
        grade=grade,
        score=score,
        earned=earned,
        kind="achievement",
    )
