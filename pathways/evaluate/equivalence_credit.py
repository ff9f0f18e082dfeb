"""Equivalence credit in a transfer statement: an OAN member course held from elsewhere
counts as the receiving institution's own member course.

Two-way articulation is an equivalence, not a pair of rules (rules both ways would make a
cycle), so the rule firing of :func:`pathways.evaluate.transfer` never sees it. This module
adds it to a finished :class:`~pathways.evaluate.Statement`, counted like a rule's grant:

* a valid course holding (not earned at the receiving institution, not reported unused for
  a reason such as ``expired`` or ``in_progress``) that is a member of an equivalence with a
  ``policy`` earns that equivalence's single-course member at the receiving institution,
  through a line whose ``rule`` is the equivalence id, with the policy's guarantee and the
  equivalence's source as citation;
* the line replaces an Ohio Transfer 36 area line fired on the same holding (that line
  becomes ``superseded`` and leaves the totals), so a course is counted once;
* a local course is granted once: a second holding of the same code, or a holding of a
  code whose local course the learner already holds, is a ``duplicate`` grant.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.model import Holding, LearnerRecord
from pathways.evaluate.results import GrantedCredit, Statement, TransferLine

__all__ = ["add_equivalence_credit"]

_AREA_POLICY = "ohio.ot36-guarantee"


def _local_member(
    catalog: CompiledCatalog, equivalence: str, institution: str, earned: date | None
) -> str | None:
    """The receiving institution's single-course member of ``equivalence`` (lowest id)."""
    local = sorted(
        member.all[0]
        for member in catalog.equivalences[equivalence].members
        if len(member.all) == 1
        and member.all[0] in catalog.versions
        and catalog.credential(member.all[0]).issuer == institution
        and (member.effective is None or earned is None or member.effective.contains(earned))
    )
    return local[0] if local else None


def _candidates(
    catalog: CompiledCatalog, record: LearnerRecord, statement: Statement
) -> list[Holding]:
    invalid = {u.index for u in statement.unused if u.reason_code != "not_applicable"}
    found = []
    for index, holding in enumerate(record.holdings):
        ident = holding.credential
        if index in invalid or ident is None or holding.status != "earned":
            continue
        if ident not in catalog.versions or catalog.versions[ident][-1].kind != "course":
            continue
        at = holding.at or catalog.credential(ident).issuer
        if at != statement.institution and catalog.member_of.get(ident):
            found.append(holding)
    return found


def add_equivalence_credit(
    catalog: CompiledCatalog,
    record: LearnerRecord,
    statement: Statement,
) -> Statement:
    """``statement`` with equivalence credit added (see the module docstring); ``credits``
    stays guaranteed credit only, ``possible`` the rest."""

    institution = statement.institution
    native = {
        h.credential
        for h in record.holdings
        if h.credential
        and (h.earned is None or h.earned <= statement.as_of)
        and (h.at or catalog.credential(h.credential).issuer) == institution
    }
    granted: set[str] = {
        g.credential for t in statement.transfers for g in t.granted if g.credential
    }
    lines: list[TransferLine] = []
    covered: set[str] = set()
    for holding in _candidates(catalog, record, statement):
        assert holding.credential is not None
        for code in catalog.member_of[holding.credential]:
            equivalence = catalog.equivalences[code]
            if equivalence.policy is None:
                continue
            local = _local_member(catalog, code, institution, holding.earned)
            if local is None:
                continue
            policy = catalog.policies[equivalence.policy]
            duplicate = local in native or local in granted
            credits = float(catalog.credential(local).credits)
            lines.append(
                TransferLine(
                    rule=code,
                    policy=policy.id,
                    guarantee=policy.guarantee,
                    citation=equivalence.source or policy.source,
                    **{"from": [holding.credential]},
                    granted=[
                        GrantedCredit(
                            credential=local,
                            credits=credits,
                            label=f"{catalog.credential(local).title} ({equivalence.title})",
                            status="duplicate" if duplicate else "granted",
                        )
                    ],
                    label=f"{holding.credential} counts as {local} through {equivalence.title}",
                    status="granted" if policy.guarantee == "guaranteed" else "possible",
                )
            )
            granted.add(local)
            covered.add(holding.credential)
            break
    if not lines:
        return statement
    return _merged(statement, lines, covered)


def _merged(statement: Statement, lines: list[TransferLine], covered: set[str]) -> Statement:
    """The statement with ``lines`` added, OT36 area lines on ``covered`` sources superseded,
    the totals recomputed and the covered holdings no longer listed as unused."""
    transfers = []
    for line in statement.transfers:
        if line.policy == _AREA_POLICY and line.status == "granted" and set(line.from_) <= covered:
            line = line.model_copy(update={"status": "superseded"})
        transfers.append(line)
    transfers += lines
    credits = Fraction(0)
    possible = Fraction(0)
    for line in transfers:
        amount = sum(
            (Fraction(str(g.credits)) for g in line.granted if g.status == "granted"), Fraction(0)
        )
        if line.status == "granted":
            credits += amount
        elif line.status == "possible":
            possible += amount
    unused = [u for u in statement.unused if u.credential not in covered]
    return statement.model_copy(
        update={
            "transfers": transfers,
            "credits": _number(credits),
            "possible": _number(possible),
            "unused": unused,
        }
    )


def _number(value: Fraction) -> float:
    return int(value) if value.denominator == 1 else round(float(value), 4)
