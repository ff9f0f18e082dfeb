""" "Will it transfer?": what one credential becomes at every institution, or at one.

:func:`lookup` answers the question Transferology answers, with the engine's own transfer
statement: it holds the credential in a one-line learner record (earned on the as-of day, at
its issuer, with the exam score given) and asks :func:`pathways.evaluate.transfer` at each
institution where a rule reading it (or an equivalence it belongs to) applies. So a lookup and
a learner's transfer statement never disagree: an OT36 course, an OAN equivalence and a
CLEP score are counted the same way in both.

What a caller may rely on: one :class:`Route` per rule that fires (its policy, guarantee
level, citation, and what the credential becomes, with credits), guaranteed routes first,
then by institution; a course's issuer appears as a ``native`` route; a closed institution
is left out from its closing day on; an unknown credential or institution raises
:class:`~pathways.errors.UnknownIdError`.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.model import LearnerRecord
from pathways.errors import UnknownIdError
from pathways.evaluate.core import transfer
from pathways.options import Options

__all__ = ["Becomes", "Lookup", "Route", "lookup"]


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True)


class Becomes(_Doc):
    """One thing the credential is worth at the receiving institution."""

    credential: str | None
    title: str
    credits: float


class Route(_Doc):
    """How the credential counts at one institution, by one rule (or natively)."""

    institution: str
    name: str
    status: Literal["granted", "possible", "native"]
    guarantee: Literal["guaranteed", "recommended", "discretionary"]
    credits: float
    becomes: list[Becomes]
    rule: str | None
    policy: str | None
    policy_title: str | None
    equivalence: str | None
    """The articulation code (equivalence) the rule reads, when it reads one."""
    citation: str | None


class Lookup(_Doc):
    """Every route of one credential (the ``pathways lookup --json`` document)."""

    credential: str
    title: str
    kind: str
    issuer: str | None
    score: float | None
    as_of: date
    catalog_version: str
    routes: list[Route]
    institutions: int
    """How many institutions give it some credit (guaranteed or possible)."""


def _institutions(catalog: CompiledCatalog, credential: str, at: str | None) -> list[str]:
    if at is not None:
        if at not in catalog.institutions:
            raise UnknownIdError("institution", at, catalog.institutions)
        return [at]
    reading = {r.id for r in catalog.rules_by_source.get(credential, ())}
    members_at: set[str] = set()
    for code in catalog.member_of.get(credential, ()):
        reading.update(r.id for r in catalog.rules_by_source.get(code, ()))
        if catalog.equivalences[code].policy is not None:
            members_at.update(
                issuer
                for member in catalog.equivalences[code].members
                for part in member.all
                if part in catalog.versions and (issuer := catalog.credential(part).issuer)
            )
    return sorted(
        ident
        for ident in catalog.institutions
        if ident in members_at or any(rule.id in reading for rule in catalog.rules_at(ident))
    )


def lookup(
    catalog: CompiledCatalog,
    credential: str,
    *,
    at: str | None = None,
    as_of: date | None = None,
    score: float | None = None,
) -> Lookup:
    """What ``credential`` becomes at every institution (or at ``at``) on ``as_of``.

    ``score`` is the exam score to judge score bands by (an exam without one meets no
    ``min_score``). Raises :class:`~pathways.errors.UnknownIdError`.
    """
    as_of = as_of or date.today()
    cred = catalog.credential(credential, on=as_of)
    holding: dict[str, object] = {"credential": credential, "earned": as_of.isoformat()}
    if score is not None:
        holding["score"] = score
    record = LearnerRecord.model_validate({"learner": {"id": "lookup"}, "holdings": [holding]})
    routes: list[Route] = []
    for ident in _institutions(catalog, credential, at):
        institution = catalog.institutions[ident]
        if institution.closed is not None and institution.closed <= as_of:
            continue
        if ident == cred.issuer:
            if cred.kind == "course":
                routes.append(_native(catalog, credential, ident))
            continue
        routes.extend(_routes(catalog, record, ident, as_of))
    issuer = cred.issuer
    if (
        at is None
        and cred.kind == "course"
        and issuer in catalog.institutions
        and all(r.status != "native" for r in routes)
    ):
        assert issuer is not None
        routes.append(_native(catalog, credential, issuer))
    order = {"guaranteed": 0, "recommended": 1, "discretionary": 2}
    routes.sort(
        key=lambda r: (r.status == "native", order[r.guarantee], r.institution, r.rule or "")
    )
    return Lookup(
        credential=credential,
        title=cred.title,
        kind=cred.kind,
        issuer=cred.issuer,
        score=score,
        as_of=as_of,
        catalog_version=catalog.version,
        routes=routes,
        institutions=len({r.institution for r in routes if r.status != "native"}),
    )


def _native(catalog: CompiledCatalog, credential: str, institution: str) -> Route:
    cred = catalog.credential(credential)
    return Route(
        institution=institution,
        name=catalog.institutions[institution].name,
        status="native",
        guarantee="guaranteed",
        credits=float(cred.credits),
        becomes=[Becomes(credential=credential, title=cred.title, credits=float(cred.credits))],
        rule=None,
        policy=None,
        policy_title=None,
        equivalence=None,
        citation=cred.source,
    )


def _routes(
    catalog: CompiledCatalog, record: LearnerRecord, institution: str, as_of: date
) -> list[Route]:
    statement = transfer(catalog, record, institution, Options(as_of=as_of))
    routes = []
    for line in statement.transfers:
        if line.status == "superseded":
            continue
        becomes = [
            Becomes(
                credential=g.credential,
                title=_title(catalog, g.credential, g.label),
                credits=g.credits,
            )
            for g in line.granted
            if g.status == "granted"
        ]
        if not becomes:
            continue
        if line.rule in catalog.equivalences:
            equivalence: str | None = line.rule
        else:
            read = catalog.rules[line.rule].when.has
            equivalence = read if read in catalog.equivalences else None
        routes.append(
            Route(
                institution=institution,
                name=catalog.institutions[institution].name,
                status="granted" if line.status == "granted" else "possible",
                guarantee=line.guarantee,
                credits=sum(b.credits for b in becomes),
                becomes=becomes,
                rule=line.rule,
                policy=line.policy,
                policy_title=catalog.policies[line.policy].title,
                equivalence=equivalence,
                citation=line.citation,
            )
        )
    return routes


def _title(catalog: CompiledCatalog, credential: str | None, label: str | None) -> str:
    if credential is not None and credential in catalog.versions:
        return catalog.credential(credential).title
    if credential is not None and credential in catalog.equivalences:
        return catalog.equivalences[credential].title
    return label or "block credit"
