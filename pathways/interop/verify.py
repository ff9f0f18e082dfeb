"""Verify a badge, map it to the catalog and decide whether it counts.

:func:`verify_badge` takes one badge in any supported form — an Open Badges 2.0 assertion
(hosted JSON or signed JWS), an Open Badges 3.0 / CLR 2.0 credential (JSON-LD with Data
Integrity proofs, or VC-JWT) — as a dict, JSON text or compact JWS text, and returns a
:class:`~pathways.interop.result.BadgeResult`. It never raises on bad input: a badge that
cannot be read is rejected with ``malformed`` or ``unsupported``.

The checks run in the order of ``docs/semantics.md#badges``; the first failure gives the
reason code: well-formed → contexts bundled → proof → key belongs to the issuer → status → dates →
recipient. A verified badge then maps to a catalog credential (``badge_classes``, the
``urn:pathways:credential:<id>`` achievement id a Pathways CLR export gives a credential
without ``badge_classes``, or a CTDL alignment ``ce-…`` matching a credential's ``ctid``)
and counts only when its issuer is
trusted for that credential: listed in the issuing institution's ``badge_issuers``, or named
in ``trust``.

The work comes in two halves: :func:`check_badge` runs the checks (the CPU-heavy part, with
JSON-LD canonicalization and signatures) and gives picklable :class:`Checked` data, which
:func:`conclude_badge` maps to the catalog. :func:`verify_badge` is the two in turn; a server
runs the first half in a worker process (``api/workers.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyld.jsonld import JsonLdError

from pathways.catalog.model import Holding, Identity
from pathways.interop.common import CREDENTIAL_URN, Facts, Settings, split_jws, types_of
from pathways.interop.ob2 import is_ob2_assertion, verify_hosted, verify_signed
from pathways.interop.resolver import Resolver
from pathways.interop.result import BadgeResult, ReasonCode, Rejected
from pathways.interop.vc import verify_credential, verify_vc_jwt

if TYPE_CHECKING:
    from pathways.catalog.compile import CompiledCatalog

__all__ = [
    "MAX_BADGE_BYTES",
    "Checked",
    "check_badge",
    "conclude_badge",
    "import_badges",
    "verify_badge",
]

MAX_BADGE_BYTES = 1024 * 1024
"""The largest badge accepted (1 MiB), as file bytes or as serialized JSON."""

_JWS_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")

# Errors that bad input can provoke deep inside JSON-LD processing or key parsing; turned into
# a rejection so that no badge, however broken, crashes a caller.
_INPUT_ERRORS = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    RecursionError,
    OverflowError,
    JsonLdError,
)


def _too_large(size: int) -> Rejected:
    return Rejected(
        "malformed",
        f"{size / 1024 / 1024:.1f} MiB is larger than the {MAX_BADGE_BYTES // 1024 // 1024} MiB "
        "a badge may be",
    )


def _read(document: Any) -> dict[str, Any] | str:
    """The badge as a JSON object, or as compact JWS text."""
    if isinstance(document, Mapping):
        try:
            size = len(json.dumps(document, default=str))
        except (TypeError, ValueError, RecursionError):
            raise Rejected("malformed", "not a JSON document") from None
        if size > MAX_BADGE_BYTES:
            raise _too_large(size)
        return dict(document)
    if isinstance(document, bytes | bytearray):
        if len(document) > MAX_BADGE_BYTES:
            raise _too_large(len(document))
        try:
            document = bytes(document).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Rejected(
                "malformed", "not UTF-8 text (baked PNG/SVG badges are not read)"
            ) from None
    if not isinstance(document, str):
        raise Rejected("malformed", "a badge is a JSON object, JSON text or a compact JWS")
    if len(document.encode("utf-8", errors="replace")) > MAX_BADGE_BYTES:
        raise _too_large(len(document.encode("utf-8", errors="replace")))
    text = document.strip().lstrip("\ufeff")
    if text.startswith(("{", "[", '"')):
        try:
            parsed = json.loads(text)
        except ValueError as error:
            raise Rejected("malformed", f"not valid JSON: {error}") from None
        except RecursionError:
            raise Rejected("malformed", "not valid JSON: nested too deeply") from None
        if isinstance(parsed, str):
            return _read(parsed)
        if not isinstance(parsed, dict):
            raise Rejected("malformed", "a badge is a JSON object, not a JSON list or value")
        return parsed
    if text.count(".") == 2 and set(text) <= _JWS_CHARS:
        return text
    raise Rejected("malformed", "neither JSON nor a compact JWS")


def _verify(document: Any, settings: Settings) -> Facts:
    """Run the checks on one badge; the facts of a verified badge, or :class:`Rejected`."""
    badge = _read(document)
    if isinstance(badge, str):
        header, payload = split_jws(badge)
        if is_ob2_assertion(payload):
            return verify_signed(badge, header, payload, settings)
        if isinstance(payload, dict) and (
            "vc" in payload or "VerifiableCredential" in types_of(payload)
        ):
            return verify_vc_jwt(badge, settings)
        raise Rejected("unsupported", "the JWS holds neither an OB 2.0 assertion nor a credential")
    if is_ob2_assertion(badge):
        return verify_hosted(badge, settings)
    if "VerifiableCredential" in types_of(badge):
        return verify_credential(badge, settings)
    raise Rejected(
        "unsupported",
        "not an Open Badges 2.0 assertion or a verifiable credential (OB 3.0, CLR 2.0)",
    )


@dataclass(frozen=True)
class _Mapper:
    """Maps verified facts to a catalog credential and judges trust."""

    catalog: CompiledCatalog
    trust: frozenset[str]

    def candidates(self, facts: Facts) -> list[str]:
        """The catalog credentials the facts name: by ``badge_classes``, by the id Pathways
        exports a credential under (:data:`CREDENTIAL_URN`), then by CTID."""
        found = [
            self.catalog.badge_classes.get(achievement) or self._exported(achievement)
            for achievement in facts.achievement_ids
        ]
        for ctid in facts.ctids:
            # CTIDs are lower-case by convention; a catalog may have written one otherwise.
            found.append(
                self.catalog.ctids.get(ctid) or self.catalog.ctids.get("ce-" + ctid[3:].upper())
            )
        return list(dict.fromkeys(ident for ident in found if ident))

    def _exported(self, achievement: str) -> str | None:
        ident = achievement.removeprefix(CREDENTIAL_URN)
        if ident != achievement and ident in self.catalog.versions:
            return ident
        return None

    def trusted(self, credential_id: str, issuer: str, on: date | None) -> bool:
        if issuer in self.trust:
            return True
        credential = self.catalog.credential(credential_id, on=on)
        institution = self.catalog.institutions.get(credential.issuer or "")
        return institution is not None and issuer in institution.badge_issuers

    def title(self, credential_id: str, on: date | None) -> str:
        """The credential in an advisor's words: "Teamwork (demo.badge.teamwork)"."""
        return f"{self.catalog.credential(credential_id, on=on).title} ({credential_id})"

    def institution_name(self, credential_id: str, on: date | None) -> str:
        owner = self.catalog.credential(credential_id, on=on).issuer
        return owner or "no institution"


def _holding(credential_id: str, facts: Facts) -> Holding:
    return Holding(
        credential=credential_id,
        earned=facts.earned,
        credits=facts.credits,
        grade=facts.grade,
        score=facts.score,
        issuer=facts.issuer,
        evidence=facts.credential_id,
        achievement_type=facts.achievement_type,
        alignments=facts.alignments,
    )


def _conclude(
    facts: Facts, mapper: _Mapper | None, file: str | None, nested: tuple[BadgeResult, ...] = ()
) -> BadgeResult:
    if facts.kind == "clr":
        counted = sum(1 for inner in nested if inner.credential)
        verified = sum(1 for inner in nested if inner.verified)
        return BadgeResult(
            file=file,
            verified=True,
            reason=(f"a CLR of {len(nested)} credentials: {verified} verified, {counted} counted"),
            nested=nested,
        )
    if mapper is None:
        return BadgeResult(file=file, verified=True, reason="verified (no catalog to map it to)")
    candidates = mapper.candidates(facts)
    if not candidates:
        what = ", ".join(facts.achievement_ids + facts.ctids) or "no achievement"
        return BadgeResult(
            file=file,
            verified=True,
            reason_code="unmapped",
            reason=f"verified, but no catalog credential lists {what}",
        )
    for credential_id in candidates:
        if mapper.trusted(credential_id, facts.issuer, facts.earned):
            return BadgeResult(
                file=file,
                verified=True,
                reason=f"verified; counts as {mapper.title(credential_id, facts.earned)}",
                credential=credential_id,
                holding=_holding(credential_id, facts),
            )
    first = candidates[0]
    return BadgeResult(
        file=file,
        verified=True,
        reason_code="untrusted_issuer",
        reason=(
            f"verified, but its issuer {facts.issuer} is not trusted for {first}: it is not "
            f"among the badge_issuers of {mapper.institution_name(first, facts.earned)} and "
            "was not named with --trust"
        ),
    )


@dataclass(frozen=True)
class Checked:
    """The outcome of the checks on one badge, before the catalog is consulted.

    Plain, picklable data (what a worker process hands back): ``facts`` when every check
    passed, else None with the first failure's ``code`` and ``reason``; ``nested`` holds a
    verified CLR's credentials, each checked on its own.
    """

    file: str | None
    facts: Facts | None = None
    code: ReasonCode | None = None
    reason: str | None = None
    nested: tuple[Checked, ...] = ()


def _unreadable(file: str | None, error: Exception) -> Checked:
    reason = f"could not be read as a badge ({type(error).__name__}: {error})"[:300]
    return Checked(file, code="malformed", reason=reason)


def _check(document: Any, settings: Settings, file: str | None) -> Checked:
    try:
        facts = _verify(document, settings)
        nested: tuple[Checked, ...] = ()
        if facts.kind == "clr":
            inner = settings.deeper()
            nested = tuple(
                _check(item, inner, f"{file or ''}#verifiableCredential[{index}]")
                for index, item in enumerate(facts.nested)
            )
        return Checked(file, replace(facts, nested=()), nested=nested)
    except Rejected as failure:
        return Checked(file, code=failure.code, reason=failure.reason)
    except _INPUT_ERRORS as error:
        return _unreadable(file, error)


def _decide(checked: Checked, mapper: _Mapper | None) -> BadgeResult:
    if checked.facts is None:
        return BadgeResult(
            file=checked.file, verified=False, reason_code=checked.code, reason=checked.reason
        )
    nested = tuple(_decide(inner, mapper) for inner in checked.nested)
    try:
        return _conclude(checked.facts, mapper, checked.file, nested)
    except _INPUT_ERRORS as error:
        return _decide(_unreadable(checked.file, error), mapper)


def check_badge(
    document: Mapping[str, Any] | str | bytes,
    *,
    as_of: date,
    resolver: Resolver | None = None,
    trust: Iterable[str] = (),
    identity: Identity | None = None,
    file: str | None = None,
) -> Checked:
    """The checks of :func:`verify_badge` (proof, key, status, dates, recipient) without the
    catalog: the CPU-heavy part (JSON-LD canonicalization, signatures), which a server may
    run in another process. Never raises on bad input; the arguments mean what they mean for
    :func:`verify_badge`, and ``conclude_badge(check_badge(d, ...), ...)`` is
    ``verify_badge(d, ...)``."""
    settings = Settings(as_of=as_of, resolver=resolver, trust=frozenset(trust), identity=identity)
    return _check(document, settings, file)


def conclude_badge(
    checked: Checked, *, catalog: CompiledCatalog | None = None, trust: Iterable[str] = ()
) -> BadgeResult:
    """Map checked badges to ``catalog`` and judge their issuers against it and ``trust``
    (the same ``trust`` the checks were given): the cheap second half of :func:`verify_badge`."""
    mapper = _Mapper(catalog, frozenset(trust)) if catalog is not None else None
    return _decide(checked, mapper)


def verify_badge(
    document: Mapping[str, Any] | str | bytes,
    *,
    catalog: CompiledCatalog | None = None,
    as_of: date,
    resolver: Resolver | None = None,
    trust: Iterable[str] = (),
    identity: Identity | None = None,
    file: str | None = None,
) -> BadgeResult:
    """Verify one badge and decide whether it counts; never raises on bad input.

    ``document`` is a parsed JSON object, JSON text, or compact JWS/JWT text (at most
    :data:`MAX_BADGE_BYTES`). ``resolver`` supplies what issuers publish (nothing is fetched;
    without it, keys and status lists at https URLs are unknown). ``trust`` names issuer ids
    trusted for every credential, on top of the catalog's ``badge_issuers`` (and may name a
    JWK thumbprint URI to accept a key a VC-JWT carries in its own header). ``identity`` is
    the learner's; when given (and not empty) the badge must name that learner. ``file`` is
    echoed into the result.
    """
    trusted = tuple(trust)
    checked = check_badge(
        document, as_of=as_of, resolver=resolver, trust=trusted, identity=identity, file=file
    )
    return conclude_badge(checked, catalog=catalog, trust=trusted)


def import_badges(
    files: Sequence[str | Path],
    *,
    catalog: CompiledCatalog | None,
    resolver: Resolver | None,
    trust: Iterable[str],
    as_of: date,
    identity: Identity | None,
) -> list[BadgeResult]:
    """Verify badge files, one result per file in the order given.

    A file that cannot be read, or is larger than :data:`MAX_BADGE_BYTES`, is rejected
    (``malformed``) like any other bad badge; the size is checked before reading it whole.
    """
    trusted = tuple(trust)
    results = []
    for name in files:
        path = Path(name)
        try:
            size = path.stat().st_size
            content: bytes | None = None if size > MAX_BADGE_BYTES else path.read_bytes()
        except OSError as error:
            results.append(
                BadgeResult(
                    file=str(name),
                    verified=False,
                    reason_code="malformed",
                    reason=f"cannot read the file: {error.strerror or error}",
                )
            )
            continue
        if content is None:
            failure = _too_large(size)
            results.append(
                BadgeResult(
                    file=str(name), verified=False, reason_code=failure.code, reason=failure.reason
                )
            )
            continue
        results.append(
            verify_badge(
                content,
                catalog=catalog,
                as_of=as_of,
                resolver=resolver,
                trust=trusted,
                identity=identity,
                file=str(name),
            )
        )
    return results
