"""Open Badges 2.0 assertions: hosted (re-read from its id) and signed (a compact JWS).

Hosted: the issuer's hosted copy, read from the resolution directory at the assertion's id,
is authoritative. Every property it states must appear unchanged in the file given (a file
may add properties, such as a wallet's ``expires``, and is then checked as given, which can
only make it stricter). The assertion's id must lie in the issuer's allowed scope (its
profile's origin, or ``verification.allowedOrigins`` / ``startsWith``).

Signed: the key must be one the issuer profile lists in ``publicKey`` (narrowed by
``verification.creator``), the ``CryptographicKey``'s ``owner`` must be the issuer, and the
JWS must verify with its PEM. Both kinds then check the issuer's ``revocationList``, the
assertion's ``revoked`` flag, ``issuedOn``/``expires`` and the recipient.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pathways.interop.common import Facts, Settings, as_list, id_of, parse_instant, types_of
from pathways.interop.jose import check_algorithm, key_fits, verify_jws
from pathways.interop.keys import IssuerKey, parse_public_key
from pathways.interop.recipient import check_recipient, ob2_identities
from pathways.interop.result import Rejected

__all__ = ["OB2_CONTEXT", "is_ob2_assertion", "verify_hosted", "verify_signed"]

OB2_CONTEXT = "https://w3id.org/openbadges/v2"


def is_ob2_assertion(document: Any) -> bool:
    """Whether a JSON document is an Open Badges 2.0 Assertion."""
    return isinstance(document, dict) and (
        "Assertion" in types_of(document) and "VerifiableCredential" not in types_of(document)
    )


def _verification_type(assertion: dict[str, Any]) -> str:
    verification = assertion.get("verification")
    kind = verification.get("type") if isinstance(verification, dict) else None
    if kind in ("hosted", "HostedBadge"):
        return "hosted"
    if kind in ("signed", "SignedBadge"):
        return "signed"
    raise Rejected("malformed", "an assertion's verification.type is hosted or signed")


def _check_shape(assertion: dict[str, Any]) -> None:
    for name in ("id", "badge", "recipient", "issuedOn"):
        if not assertion.get(name):
            raise Rejected("malformed", f"an Open Badges 2.0 assertion needs {name}")
    if not isinstance(assertion["id"], str):
        raise Rejected("malformed", "the assertion id must be a string")
    parse_instant(assertion["issuedOn"], "issuedOn")
    if "expires" in assertion:
        parse_instant(assertion["expires"], "expires")
    ob2_identities(assertion["recipient"])


def _published(url: str, settings: Settings, what: str) -> dict[str, Any]:
    found = settings.resolver.document(url) if settings.resolver is not None else None
    if found is None:
        raise Rejected(
            "unknown_key",
            f"the {what} {url} is not in the resolution directory, so the "
            "badge cannot be checked against what its issuer publishes",
        )
    if not isinstance(found, dict):
        raise Rejected("malformed", f"the {what} published at {url} is not a JSON object")
    return found


def _badge_class(assertion: dict[str, Any], settings: Settings) -> tuple[dict[str, Any], str]:
    """The assertion's BadgeClass and its issuer id."""
    badge = assertion["badge"]
    if isinstance(badge, dict):
        found = badge
    elif isinstance(badge, str):
        found = _published(badge, settings, "BadgeClass")
    else:
        raise Rejected("malformed", "badge must be a BadgeClass id or object")
    issuer = id_of(found.get("issuer"))
    if not isinstance(found.get("id"), str) or not issuer:
        raise Rejected("malformed", "the BadgeClass needs an id and an issuer")
    return found, issuer


def _in_scope(assertion_id: str, issuer: str, profile: dict[str, Any]) -> bool:
    verification = profile.get("verification")
    if isinstance(verification, dict):
        starts = [s for s in as_list(verification.get("startsWith")) if isinstance(s, str)]
        if starts:
            return any(assertion_id.startswith(prefix) for prefix in starts)
        origins = [o for o in as_list(verification.get("allowedOrigins")) if isinstance(o, str)]
        if origins:
            return urlsplit(assertion_id).netloc in origins
    return urlsplit(assertion_id).netloc == urlsplit(issuer).netloc


def _check_revocation(
    assertion: dict[str, Any], profile: dict[str, Any], settings: Settings
) -> None:
    if assertion.get("revoked") is True:
        why = assertion.get("revocationReason")
        raise Rejected("revoked", f"revoked by its issuer{': ' + why if why else ''}")
    listing_url = id_of(profile.get("revocationList"))
    if listing_url is None:
        return
    listing = settings.resolver.document(listing_url) if settings.resolver else None
    if not isinstance(listing, dict):
        raise Rejected(
            "status_unavailable",
            f"the issuer's revocation list {listing_url} is not in the resolution directory",
        )
    for item in as_list(listing.get("revokedAssertions")):
        if id_of(item) == assertion["id"]:
            why = item.get("revocationReason") if isinstance(item, dict) else None
            raise Rejected(
                "revoked", f"listed in {listing_url}{': ' + why if isinstance(why, str) else ''}"
            )


def _after_proof(
    assertion: dict[str, Any],
    badge: dict[str, Any],
    issuer: str,
    profile: dict[str, Any],
    settings: Settings,
) -> Facts:
    _check_revocation(assertion, profile, settings)
    issued: datetime = parse_instant(assertion["issuedOn"], "issuedOn")
    if "expires" in assertion:
        expires = parse_instant(assertion["expires"], "expires")
        if expires.date() < settings.as_of:
            raise Rejected("expired", f"expired on {expires.date().isoformat()}")
    if issued.date() > settings.as_of:
        raise Rejected("not_yet_valid", f"issued on {issued.date().isoformat()}, after as-of")
    check_recipient(ob2_identities(assertion["recipient"]), settings.identity)
    alignments: list[str] = []
    ctids: list[str] = []
    for item in as_list(badge.get("alignment")):
        if isinstance(item, dict):
            code, url = item.get("targetCode"), item.get("targetUrl")
            label = code if isinstance(code, str) and code else url
            if isinstance(label, str):
                alignments.append(label)
            if isinstance(code, str) and code.lower().startswith("ce-"):
                ctids.append(code.lower())
    return Facts(
        issuer=issuer,
        credential_id=assertion["id"],
        achievement_ids=(badge["id"],),
        ctids=tuple(ctids),
        alignments=tuple(alignments),
        earned=issued.date(),
        kind="assertion",
    )


def verify_hosted(assertion: dict[str, Any], settings: Settings) -> Facts:
    """Verify a hosted OB 2.0 assertion given as JSON."""
    _check_shape(assertion)
    if _verification_type(assertion) != "hosted":
        raise Rejected(
            "unsupported",
            "a signed Open Badges 2.0 assertion is verified from its JWS, not its decoded JSON",
        )
    assertion_id = assertion["id"]
    if not assertion_id.startswith(("https://", "http://")):
        raise Rejected("malformed", "a hosted assertion's id is the URL it is hosted at")
    hosted = _published(assertion_id, settings, "hosted assertion")
    for name, value in hosted.items():
        if assertion.get(name) != value:
            raise Rejected(
                "bad_proof",
                f"its {name} differs from the copy its issuer hosts at {assertion_id}",
            )
    badge, issuer = _badge_class(hosted, settings)
    profile = _published(issuer, settings, "issuer profile")
    if not _in_scope(assertion_id, issuer, profile):
        raise Rejected(
            "wrong_key", f"{assertion_id} is not hosted where its issuer {issuer} may host badges"
        )
    return _after_proof(assertion, badge, issuer, profile, settings)


def _key_document(reference: Any, settings: Settings) -> tuple[str, dict[str, Any]] | None:
    if isinstance(reference, dict) and isinstance(reference.get("id"), str):
        return reference["id"], reference
    if isinstance(reference, str) and settings.resolver is not None:
        found = settings.resolver.document(reference)
        if isinstance(found, dict):
            return reference, found
    return None


def verify_signed(token: str, header: dict[str, Any], payload: Any, settings: Settings) -> Facts:
    """Verify a signed OB 2.0 assertion given as its compact JWS."""
    alg = check_algorithm(header)
    if not isinstance(payload, dict):
        raise Rejected("malformed", "the JWS payload is not a JSON object")
    _check_shape(payload)
    if _verification_type(payload) != "signed":
        raise Rejected("malformed", "a JWS-signed assertion has verification.type signed")
    badge, issuer = _badge_class(payload, settings)
    profile = _published(issuer, settings, "issuer profile")
    listed = [ref for ref in (id_of(k) for k in as_list(profile.get("publicKey"))) if ref]
    creator = id_of(payload["verification"].get("creator"))
    wanted = [creator] if creator else listed
    keys: list[tuple[IssuerKey, dict[str, Any]]] = []
    for reference in wanted:
        embedded = next(
            (k for k in as_list(profile.get("publicKey")) if id_of(k) == reference), reference
        )
        found = _key_document(embedded, settings)
        if found is None:
            continue
        key_id, document = found
        try:
            key = parse_public_key(document)
        except ValueError as error:
            raise Rejected("malformed", f"the key {key_id}: {error}") from None
        if key_fits(alg, key):
            keys.append((IssuerKey(key_id, key), document))
    if not keys:
        raise Rejected(
            "unknown_key",
            f"no {alg} key of {issuer} is in the resolution directory (looked for "
            f"{', '.join(wanted) or 'a publicKey, but its profile lists none'})",
        )
    used = next(((k, d) for k, d in keys if verify_jws(token, alg, k.key)), None)
    if used is None:
        raise Rejected("bad_proof", "the JWS signature does not verify")
    signer, document = used
    if signer.method not in listed:
        raise Rejected("wrong_key", f"{signer.method} is not a key that {issuer}'s profile lists")
    owner = id_of(document.get("owner"))
    if owner is not None and owner != issuer:
        raise Rejected("wrong_key", f"{signer.method} belongs to {owner}, not {issuer}")
    return _after_proof(payload, badge, issuer, profile, settings)
