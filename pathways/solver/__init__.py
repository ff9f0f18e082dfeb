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

Modules: :mod:`.problem` (the types), :mod:`.cpsat` (the general solver),
:mod:`.exhaustive` (the reference); :func:`solve` chooses between them.
"""

from __future__ import annotations

from pathways.solver.cpsat import TIE_BREAK_BUDGET, CpAllocation, build_cpsat, solve_cpsat
from pathways.solver.exhaustive import (
    EXHAUSTIVE_LIMIT,
    active_set_count,
    search_space,
    solve_exhaustive,
)
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
    SolverTimeout,
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
    "TIE_BREAK_BUDGET",
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
    "objective",
    "order_weights",
    "search_space",
    "solve",
    "solve_cpsat",
    "solve_exhaustive",
    "takes_parts",
    "tie_break",
]


def solve(problem: Problem, *, time_limit: float = 10.0) -> Solution:
    """Solve exactly: exhaustively when the search space is tiny, else with CP-SAT."""
    if search_space(problem) * active_set_count(problem) <= EXHAUSTIVE_LIMIT:
        return solve_exhaustive(problem)
    return solve_cpsat(problem, time_limit=time_limit)
