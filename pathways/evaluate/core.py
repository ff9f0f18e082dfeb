"""Transfer and audit: what a learner's holdings are worth at an institution and toward a goal.

Both are pure functions of (compiled catalog, learner record, goal or institution, as-of date,
options) and return pydantic documents whose ``model_dump(mode="json")`` is the JSON contract
of ``docs/semantics.md#answers`` (the CLI's ``--json`` and the API's body):

* :func:`transfer` → :class:`Statement`: which transfer rules fire at an institution, what
  each grants, under which policy, guarantee and citation, and why the rest does not count;
* :func:`audit` → :class:`Decision`: the goal's requirement tree with what is applied where
  (an exact allocation by :mod:`pathways.solver`), what remains, and a reason for every
  holding that is not applied.

The steps, each a function below: prepare the holdings (dates, grades, repeats, badges) →
fire transfer rules at the goal's institution → expand the goal into a solver problem
(nested composites inlined, eligibility and its reasons computed up front) → solve → read
the answer back into a Decision.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING

from pathways import solver
from pathways.catalog.model import LearnerRecord
from pathways.errors import UnknownIdError
from pathways.evaluate.equivalence_credit import add_equivalence_credit
from pathways.evaluate.expansion import goal_builder, goal_version, solver_items
from pathways.evaluate.explain import decide
from pathways.evaluate.holdings import (
    Held,
    Prepared,
    badge_unused,
    grade_point_average,
    native_at,
    own_credit_in_goals,
    prepare,
)
from pathways.evaluate.matching import Context, evaluation_context
from pathways.evaluate.results import Decision, Statement, Unused, number
from pathways.evaluate.transfers import TransferResult, fire_rules, transfer_line
from pathways.options import Options

if TYPE_CHECKING:
    from pathways.catalog.compile import CompiledCatalog

__all__ = ["Auditor", "audit", "transfer"]


def transfer(
    catalog: CompiledCatalog,
    record: LearnerRecord,
    institution: str,
    options: Options | None = None,
) -> Statement:
    """The transfer statement of ``record`` at ``institution`` on ``options.as_of``.

    ``credits`` totals the guaranteed credit granted, whatever the options; ``possible`` the
    recommended and discretionary credit (which counts toward a goal, in an audit or plan,
    only with ``options.include_discretionary``; here the option only decides which of two
    grants of the same credit is listed as given).
    A statement is about what was earned: ``options.projected`` does not apply.
    Every own holding that no rule fired on is in ``unused`` with a reason; courses earned
    at the institution itself are ``native``. Raises :class:`UnknownIdError` for an unknown
    institution or credential.
    """
    options = options or Options()
    as_of = options.day()
    include_discretionary = options.include_discretionary
    if institution not in catalog.institutions:
        raise UnknownIdError("institution", institution, catalog.institutions)
    ctx = evaluation_context(catalog, record, as_of)
    prepared = prepare(
        catalog,
        record,
        as_of,
        projected=False,
        options=options,
    )
    result = fire_rules(ctx, prepared, institution, include_discretionary=include_discretionary)
    credits = Fraction(0)
    possible = Fraction(0)
    used_sources: dict[str, str] = {}
    superseded: dict[str, str] = {}
    for f in result.fired:
        amount = sum((h.credits for h in f.grants), Fraction(0))
        if f.superseded_by is not None:
            for h in f.sources:
                superseded.setdefault(h.key, f.superseded_by)
            continue
        if f.guarantee == "guaranteed":
            credits += amount
        else:
            possible += amount
        for h in f.sources:
            used_sources.setdefault(h.key, f.rule.id)
    unused = []
    for held in prepared.own:
        if held.key in used_sources:
            continue
        unused.append(
            _unused_for_transfer(catalog, held, institution, prepared, result, superseded)
        )
    unused += badge_unused(prepared)
    statement = Statement(
        institution=institution,
        learner=record.learner.id,
        as_of=as_of,
        catalog_version=catalog.version,
        credits=number(credits),
        possible=number(possible),
        transfers=[transfer_line(f, catalog) for f in result.fired],
        unused=sorted(unused, key=lambda u: u.index or 0) + prepared.unmapped,
    )
    return add_equivalence_credit(catalog, record, statement)


def _unused_for_transfer(
    catalog: CompiledCatalog,
    held: Held,
    institution: str,
    prepared: Prepared,
    result: TransferResult,
    superseded: Mapping[str, str],
) -> Unused:
    if held.key in prepared.reasons:
        code, sentence = prepared.reasons[held.key]
    elif native_at(held, institution):
        code, sentence = "native", f"earned at {institution} itself; it needs no transfer"
    elif held.key in superseded:
        code, sentence = "superseded", f"a higher tier ({superseded[held.key]}) fired instead"
    elif held.key in result.reasons:
        code, sentence = result.reasons[held.key]
    else:
        code = "not_applicable"
        sentence = f"no transfer rule at {institution} applies to it" + _still_counts(
            catalog, held, institution
        )
    return Unused(credential=held.credential, reason_code=code, reason=sentence, index=held.index)


def _still_counts(catalog: CompiledCatalog, held: Held, institution: str) -> str:
    """How a holding no rule converts may still count at ``institution`` (a clause, or "")."""
    if held.credential is None:
        return ""
    for code in catalog.member_of.get(held.credential, ()):
        local = sorted(
            course
            for member in catalog.equivalences[code].members
            for course in member.all
            if course in catalog.versions and catalog.versions[course][-1].issuer == institution
        )
        if local:
            return f"; through {code} it counts as {', '.join(local)} in an audit"
    if held.kind == "course":
        return f"; its own credit may still meet {institution}'s requirements (audit a goal)"
    return ""


def audit(
    catalog: CompiledCatalog,
    record: LearnerRecord,
    goal: str,
    options: Options | None = None,
) -> Decision:
    """Audit ``record`` against ``goal`` on ``options.as_of`` (see :class:`Options`).

    Transfer rules fire first at the goal's issuing institution; then an exact allocation
    meets the goal whenever any allocation can, and otherwise applies the most credit.
    Every own holding is applied somewhere or listed in ``unused`` with a reason code.
    Raises :class:`UnknownIdError` for an unknown goal or credential, and
    :class:`solver.SolverTimeout` when no allocation is found within ``options.time_limit``.
    To audit one record against several goals, :class:`Auditor` does the shared work once.
    """
    return Auditor(catalog, record, options).audit(goal)


class Auditor:
    """Audits of one ``record`` against any number of goals with the same ``options``: its
    holdings are resolved (dates, grades, repeats, badges checked) on the first audit that
    needs them and kept, and transfer rules fire once per institution. Each
    :meth:`audit` returns what :func:`audit` returns for that goal, and raises what it
    raises; a failed preparation is tried again on the next goal. The record and options
    must not change while the auditor is in use."""

    def __init__(
        self, catalog: CompiledCatalog, record: LearnerRecord, options: Options | None = None
    ) -> None:
        self.catalog = catalog
        self.record = record
        self.options = options or Options()
        self._record: tuple[Context, Prepared, float | None] | None = None
        self._transfers: dict[str, TransferResult] = {}

    def _prepared(self, as_of: date) -> tuple[Context, Prepared, float | None]:
        """What every goal reads of the record: the matching context, the prepared holdings
        and the overall GPA, computed on first use."""
        if self._record is None:
            catalog, record, options = self.catalog, self.record, self.options
            prepared = prepare(catalog, record, as_of, projected=options.projected, options=options)
            self._record = (
                evaluation_context(catalog, record, as_of),
                prepared,
                grade_point_average(prepared.graded),
            )
        return self._record

    def audit(self, goal: str) -> Decision:
        """The audit of the record against ``goal`` (see :func:`audit`)."""
        catalog, record, options = self.catalog, self.record, self.options
        as_of = options.day()
        goal_cred, goal_day = goal_version(catalog, goal, record, as_of)
        ctx, prepared, gpa = self._prepared(as_of)
        institution = goal_cred.issuer if goal_cred.issuer in catalog.institutions else None
        if institution is None:
            transferred = TransferResult(fired=[], granted=[], reasons={})
        elif institution in self._transfers:
            transferred = self._transfers[institution]
        else:
            transferred = fire_rules(
                ctx, prepared, institution, include_discretionary=options.include_discretionary
            )
            self._transfers[institution] = transferred
        pool = sorted(
            [*(own_credit_in_goals(catalog, h) for h in prepared.valid), *transferred.granted],
            key=lambda h: (h.granted, h.earned or date.min, h.key),
        )
        unit = math.lcm(*(h.credits.denominator for h in pool), catalog.unit)
        builder = goal_builder(ctx, record, goal_cred, goal_day, pool, prepared.graded, unit)
        problem = solver.Problem(
            items=solver_items(pool, unit),
            nodes=tuple(builder.nodes),
            limits=tuple(builder.limits),
            exclusive=tuple((source, h.key) for h in transferred.granted for source in h.sources),
        )
        solution = solver.solve(problem, time_limit=options.time_limit, method=options.solver)
        return decide(
            catalog=catalog,
            record=record,
            goal=goal_cred,
            as_of=as_of,
            projected=options.projected,
            institution=institution,
            prepared=prepared,
            transferred=transferred,
            pool=pool,
            builder=builder,
            problem=problem,
            solution=solution,
            unit=unit,
            gpa=gpa,
        )
