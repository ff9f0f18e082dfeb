"""Exact allocation of holdings to a requirement tree, behind one small interface.

The evaluator turns a goal and a learner's holdings into a :class:`Problem`: integer credit
units, a tree of :class:`Node` (node 0 is the root), the :class:`Item` each leaf may use, goal
limits and exclusive groups. :func:`solve` returns a :class:`Solution`: which nodes are met,
which are *active* (on the path the allocation follows) and how many units of which item each
leaf uses. Two solvers answer the same question and are held together by property tests:

* :func:`solve_cpsat`, an integer program (``docs/semantics.md#allocation``) on OR-Tools
  CP-SAT (one worker, so the same problem always gets the same answer);
* :func:`solve_exhaustive`, a reference that enumerates every allocation; exact too, and the
  fast path for problems whose whole search space is small.

Semantics a caller may rely on (both solvers):

* an item's units are applied at most once over the non-overlay leaves; a leaf uses an item
  whole (a ``credits`` leaf only while it is short of its need), except that a ``credits``
  leaf with ``split`` and a composite's free electives may take part of one;
* ``all`` children are active with their parent; of an ``any`` at most one child is active,
  of an ``at_least: k`` at most k; only active leaves use items and only active nodes are met;
* the objective is lexicographic and defined once, in :data:`problem.OBJECTIVE` (computed by
  :func:`objective`, then :func:`tie_break`): the goal met; the named requirements met;
  credit in named requirements; credit in free electives; the fewest split holdings;
  requirements filled in catalog order; then the stable tie-break;
* items in one exclusive group are never both applied (a source and its grants).

Modules: :mod:`.problem` (the types), :mod:`.cpmodel` (the allocation as a CP-SAT model),
:mod:`.cpsat` (the general solver, which solves it),
:mod:`.exhaustive` (the reference), :mod:`.decompose` (independent components),
:mod:`.flow` (direct assignment and min-cost flow), :mod:`.dynamic` (a memoised walk for
small problems of whole holdings) and :mod:`.electives` (free electives by
certificate, and the one arrangement of elective credit every answer is given);
:func:`solve` chooses between them.
"""

from __future__ import annotations

import os
import time

from pathways.errors import SolverTimeout, UnknownIdError
from pathways.solver.cpmodel import CpAllocation, build_cpsat, pooled_uses
from pathways.solver.cpsat import (
    TIE_BREAK_BUDGET,
    Settler,
    hint_answer,
    solve_cpsat,
)
from pathways.solver.decompose import Component, chain, solve_split, split
from pathways.solver.dynamic import solve_dynamic
from pathways.solver.electives import least_filled, settle_electives, solve_electives
from pathways.solver.exhaustive import (
    EXHAUSTIVE_LIMIT,
    active_set_count,
    search_space,
    solve_exhaustive,
)
from pathways.solver.flow import solve_direct, solve_flow
from pathways.solver.problem import (
    LEAF_KINDS,
    OBJECTIVE,
    OBJECTIVE_BOUND,
    Item,
    Limit,
    NoAllocation,
    Node,
    NodeKind,
    Problem,
    ProblemTooLarge,
    Solution,
    has_electives,
    objective,
    order_weights,
    takes_parts,
    tie_break,
)

__all__ = [
    "EXHAUSTIVE_LIMIT",
    "LEAF_KINDS",
    "OBJECTIVE",
    "OBJECTIVE_BOUND",
    "SOLVERS",
    "TIE_BREAK_BUDGET",
    "Component",
    "CpAllocation",
    "Item",
    "Limit",
    "NoAllocation",
    "Node",
    "NodeKind",
    "Problem",
    "ProblemTooLarge",
    "Solution",
    "SolverTimeout",
    "build_cpsat",
    "chain",
    "hint_answer",
    "objective",
    "order_weights",
    "pooled_uses",
    "search_space",
    "settle_electives",
    "solve",
    "solve_component",
    "solve_cpsat",
    "solve_direct",
    "solve_dynamic",
    "solve_electives",
    "solve_exhaustive",
    "solve_flow",
    "solve_split",
    "solver_choice",
    "split",
    "takes_parts",
    "tie_break",
]


SOLVERS = ("auto", "cpsat")
"""``auto``: the exact fast paths where they apply, CP-SAT for the rest; ``cpsat``: the
general solver for everything (to compare the two on the same input)."""


def solver_choice(choice: str | None = None) -> str:
    """The solver to use: ``choice``, else the ``PATHWAYS_SOLVER`` environment variable, else
    ``auto``. Raises :class:`UnknownIdError` (with a suggestion) for any other name."""
    value = choice if choice is not None else os.environ.get("PATHWAYS_SOLVER") or "auto"
    if value not in SOLVERS:
        where = "solver" if choice is not None else "solver (PATHWAYS_SOLVER)"
        raise UnknownIdError(where, value, SOLVERS)
    return value


def solve(problem: Problem, *, time_limit: float = 10.0, method: str | None = None) -> Solution:
    """Solve ``problem`` exactly (see the module docstring for what that means).

    ``method`` (see :func:`solver_choice`): with ``auto`` the problem is split into
    independent components (:func:`split`, again inside each component that splits) and
    each goes to the first exact path whose shape it fits (:func:`solve_component`); with
    ``cpsat`` the whole problem goes to CP-SAT. Both give an allocation equal on every term
    of the objective, its free-elective credit settled in catalog order
    (:func:`settle_electives`). ``time_limit`` bounds the whole solve; an answer not proven
    within it comes back with ``optimal=False``, and :class:`SolverTimeout` (naming
    ``time_limit``) is raised when no allocation is found within it.
    """
    if solver_choice(method) == "cpsat":
        return settle_electives(problem, solve_cpsat(problem, time_limit=time_limit))
    deadline = time.monotonic() + time_limit

    def part(component: Problem, hint: Solution | None) -> Solution:
        parts = split(component)
        if parts is not None:  # a component whose own root splits again (below a chain)
            return solve_split(component, parts, part)
        left = max(0.05, deadline - time.monotonic())
        return solve_component(component, time_limit=left, hint=hint)

    try:
        return settle_electives(problem, part(problem, None))
    except SolverTimeout:  # a part's message names what was left of the limit when it began
        raise SolverTimeout(f"no allocation found within {time_limit:g} s") from None


def solve_component(
    problem: Problem, *, time_limit: float = 10.0, hint: Solution | None = None
) -> Solution:
    """One component: direct assignment where nothing contends, else min-cost flow where the
    shape is an assignment, else the walk of :func:`solve_dynamic` where every use is of a
    whole holding and the walk stays small, else the exhaustive reference where the search
    space is tiny, else CP-SAT (started from ``hint``, an earlier answer, when given). Each
    path is taken only where it is exact for the shape. A component with free electives
    first tries the certificate of :func:`solve_electives` (its named part solved by
    :func:`solve`); when that does not prove its answer, CP-SAT solves it without a warm
    start (its budgeted later stages depend on where they start, so one would change answers
    the objective leaves open), holding the first terms when the certificate proved them
    (``known``), and skipping the later stages when, once it has proven the report's terms,
    the certificate proves its allocation best on them too. When CP-SAT's budgeted
    tie-break search stops unproven above a filled allocation equal to its answer on every
    term, that fill is the answer (:func:`least_filled`)."""
    settled: Settler | None = None
    known: tuple[int, ...] = ()
    filled: tuple[Solution, ...] = ()
    if has_electives(problem):
        started = time.monotonic()

        def named(relaxed: Problem) -> Solution:
            return solve(relaxed, time_limit=time_limit, method="auto")

        attempt = solve_electives(problem, named)
        if attempt.answer is not None:
            return attempt.answer
        settled, known, filled = attempt.settled, attempt.known, attempt.filled
        time_limit = max(0.05, time_limit - (time.monotonic() - started))
    for fast in (solve_direct, solve_flow, solve_dynamic):
        answer = fast(problem)
        if answer is not None:
            return answer
    if search_space(problem) * active_set_count(problem) <= EXHAUSTIVE_LIMIT:
        return solve_exhaustive(problem)
    answer = solve_cpsat(problem, time_limit=time_limit, hint=hint, settled=settled, known=known)
    return least_filled(problem, answer, filled)
