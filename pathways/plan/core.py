"""Planning: the cheapest route to a goal, the next-best routes, goal comparison and funding.

:func:`plan` answers an advisor's question "what should this learner earn next?" exactly. It
turns the goal into the audit's allocation problem (:mod:`pathways.solver`) over the learner's
valid holdings *plus candidate credentials*, each with an acquisition variable, and solves it
with CP-SAT: the goal's root is forced met and the credits, cost or weeks of what is acquired
are minimised. What a caller may rely on:

* **Candidates** are the credentials that can count toward the goal — named in its tree (nested
  composites expanded), members of equivalences there, an advisor's substitutes, credentials a
  filter of the tree reads, college-level credit for a composite's free electives, sources of
  the transfer rules at the goal's institution that grant any of those, and the prerequisites
  of all of them — that the learner does not validly hold (a course in progress, planned,
  dated after the as-of day, failed or expired is a candidate), or holds only in attempts
  that some requirement reading it does not accept (a D where a C is needed, a failing exam
  score, outside a window: a *retake*, ``Step.retake``; the retake and the attempts it
  repeats never both count), and that are offered on the as-of date. Only simple
  credentials: a composite is met through its requirements, never acquired whole. Issued by
  the goal's institution or an institution whose composite the goal nests, an institution where
  the learner earned something (or their ``learner.institution``), a ``from_institutions``
  institution — or, from anyone, a non-college credential (:data:`NON_COLLEGE_KINDS`: military
  training and career-tech programs are not among them, nobody is told to enlist). A candidate
  without the attribute being optimised (``cost`` or ``weeks``) is left out (``excluded`` says
  so) unless ``allow_unknown``; then it counts 0 in the objective, its value shows as ``null``
  and the totals say they are a lower bound.
* **A planned credential** is earned on the as-of date and meets every grade requirement; a
  planned exam reaches its lowest qualifying tier (the smallest ``min_score`` that reads it).
* **Transfer.** Rules at the goal's institution fire on held and planned credentials exactly
  as :func:`pathways.evaluate.transfer` would fire them on the record with the plan added
  (source choice, effective dates, superseded tiers, a credential granted once, a source and
  its grant never both applied). Guaranteed rules count; recommended and discretionary ones
  only with ``include_discretionary``, as in an audit.
* **Prerequisites** are requirement trees over what is held, planned earlier and granted from
  those; they do not consume credit. Every step comes after the steps its prerequisites use.
  (A composite inside a prerequisite is met by its requirement tree; its credit total and
  limits are not checked there.)
* **Optimal and deterministic.** The plan minimises the credit its steps bring to the goal,
  cost, or weeks on the critical path through the prerequisites (steps without a
  prerequisite relation run in parallel). A step brings its own credit, or, when it is the
  source of a transfer grant given at the goal's institution (used by a requirement or
  not), the credit granted (an exam is not free: its credit is its grant's; a grant needing
  several steps counts once); ``Totals.missing``
  says, in the same semester hours, what the goal still misses as the record stands;
  ties go to the fewest steps, then to the smallest sum of the steps' ranks in id
  order (earlier ids preferred; searched within a fixed deterministic budget), so the same
  question always gets the same plan. Each alternative is the best plan that contains no
  earlier one (a no-good cut), so alternatives are distinct sets of steps, never better than
  the plan.
* **Unreachable** goals say which requirements block them and why (``blocked_by``).
* **Funding.** Each step's cost is paid by the best eligible funding program of the catalog
  (:func:`fund`), respecting per-learner caps; ``out_of_pocket`` is what is left.

:func:`compare` ranks goals by how close the learner is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from pathways import solver
from pathways.catalog.model import LearnerRecord
from pathways.errors import PathwaysError
from pathways.evaluate import Auditor, audit

if TYPE_CHECKING:
    from pathways.catalog.compile import CompiledCatalog

from pathways.options import Options
from pathways.plan.documents import (
    OPTIMIZE_TARGETS,
    Alternative,
    Comparison,
    Excluded,
    GoalComparison,
    Optimize,
    Plan,
    PlanSummary,
)
from pathways.plan.encoding import Found, Search, build_model
from pathways.plan.reading import blocked_by, number, read_route, terms_of
from pathways.plan.space import SearchOptions, build_space

__all__ = ["compare", "plan"]


# --------------------------------------------------------------------------- entry points


def plan(
    catalog: CompiledCatalog,
    record: LearnerRecord,
    goal: str,
    options: Options | None = None,
    *,
    optimize: str = "credits",
    alternatives: int = 0,
    allow_unknown: bool = False,
    from_institutions: Sequence[str] = (),
    max_credits_per_term: float | None = None,
) -> Plan:
    """The best set of credentials for ``record`` to earn to complete ``goal`` (module doc).

    ``options``: :class:`~pathways.options.Options` (``projected`` does not apply).
    ``optimize``: ``credits``, ``cost`` or ``time`` (weeks on the critical path).
    ``alternatives``: how many next-best plans to add, each a distinct set of steps that is
    not a superset of an earlier one. ``max_credits_per_term`` groups the steps into terms.
    ``status`` is ``complete`` when nothing needs earning, ``plannable`` with steps, and
    ``unreachable`` with ``blocked_by`` saying why. Raises
    :class:`~pathways.errors.UnknownIdError` for an unknown goal, institution or credential,
    :class:`~pathways.errors.PathwaysError` for a bad option value, and
    :class:`~pathways.solver.SolverTimeout` when no plan is found within
    ``options.time_limit``.
    """
    options = options or Options()
    time_limit = options.time_limit
    if optimize not in OPTIMIZE_TARGETS:
        raise PathwaysError(
            f"unknown optimisation target {optimize!r} (choose {', '.join(OPTIMIZE_TARGETS)})"
        )
    if alternatives < 0:
        raise PathwaysError("alternatives must be 0 or more")
    if max_credits_per_term is not None and max_credits_per_term <= 0:
        raise PathwaysError("max_credits_per_term must be positive")
    as_of = options.day()
    search_options = SearchOptions(
        optimize=cast(Optimize, optimize),
        include_discretionary=options.include_discretionary,
        allow_unknown=allow_unknown,
        from_institutions=tuple(from_institutions),
    )
    space = build_space(
        catalog,
        record,
        goal,
        as_of,
        search_options,
        evaluation=options,
    )
    built = build_model(space, reduce=alternatives == 0)
    search = Search(built, time_limit)
    best = search.best()
    excluded = [Excluded(credential=k, reason=v) for k, v in sorted(space.excluded.items())]
    head = {
        "goal": space.goal.id,
        "title": space.goal.title,
        "institution": space.institution,
        "learner": record.learner.id,
        "as_of": as_of,
        "catalog_version": catalog.version,
        "optimize": search_options.optimize,
        "excluded": excluded,
    }
    if best is None:
        return Plan(
            **head,
            status="unreachable",
            steps=[],
            totals=None,
            alternatives=[],
            blocked_by=blocked_by(space, time_limit),
        )
    routes = _next_best(search, best, alternatives)
    now = audit(catalog, record, goal, replace(options, as_of=as_of, projected=False))
    missing = number(max(0.0, now.credits.required - now.credits.applied))
    steps, totals = read_route(built, routes[0], missing)
    others = [read_route(built, r, missing) for r in routes[1:]]
    return Plan(
        **head,
        status="plannable" if steps else "complete",
        steps=steps,
        totals=totals,
        alternatives=[Alternative(steps=s, totals=t) for s, t in others],
        blocked_by=[],
        terms=terms_of(steps, max_credits_per_term) if max_credits_per_term else None,
        optimal=search.optimal,
    )


def _next_best(search: Search, best: Found, alternatives: int) -> list[Found]:
    """``best`` and up to ``alternatives`` next-best plans, each containing no earlier one;
    fewer when none is left or the time runs out (``search.optimal`` then turns false)."""
    routes = [best]
    while best.steps and len(routes) <= alternatives:
        if search.clock() >= search.deadline:
            search.optimal = False  # fewer alternatives than asked: the time ran out
            break
        search.cut(routes[-1])
        try:
            found = search.best()
        except solver.SolverTimeout:
            search.optimal = False
            break
        if found is None:
            break
        routes.append(found)
    return routes


def compare(
    catalog: CompiledCatalog,
    record: LearnerRecord,
    goals: Sequence[str],
    options: Options | None = None,
    *,
    optimize: str = "cost",
    allow_unknown: bool = False,
    from_institutions: Sequence[str] = (),
) -> Comparison:
    """Rank ``goals`` by how close ``record`` is to each.

    Each goal carries the audit's status and credits (applied, required) and the totals of
    its plan (:func:`plan` with the same options). Order: complete goals first, then
    plannable before unreachable, then by the plan's total for ``optimize`` (cost, credits or
    weeks), then by the credits still required, then by id. The audits take the record as it
    stands (``options.projected`` does not apply). Raises
    :class:`~pathways.errors.UnknownIdError` for an unknown goal.
    """
    if not goals:
        raise PathwaysError("compare needs at least one goal")
    options = replace(options or Options(), projected=False)
    options = replace(options, as_of=options.day())
    as_of = options.day()
    rows = []
    auditor = Auditor(catalog, record, options)
    for goal in dict.fromkeys(goals):
        decision = auditor.audit(goal)
        route = plan(
            catalog,
            record,
            goal,
            options,
            optimize=optimize,
            allow_unknown=allow_unknown,
            from_institutions=from_institutions,
        )
        remaining = max(0.0, decision.credits.required - decision.credits.applied)
        rows.append(
            GoalComparison(
                goal=goal,
                title=decision.title,
                status=decision.status,
                credits=decision.credits,
                remaining=number(remaining),
                plan=PlanSummary(status=route.status, totals=route.totals, steps=len(route.steps)),
            )
        )
    field_name = {"cost": "cost", "credits": "credits", "time": "weeks"}[optimize]

    def rank(row: GoalComparison) -> tuple[Any, ...]:
        totals = row.plan.totals
        return (
            row.status != "complete",
            row.plan.status == "unreachable",
            getattr(totals, field_name) if totals is not None else math.inf,
            row.remaining,
            row.goal,
        )

    return Comparison(
        learner=record.learner.id,
        as_of=as_of,
        catalog_version=catalog.version,
        optimize=cast(Optimize, optimize),
        goals=sorted(rows, key=rank),
    )
