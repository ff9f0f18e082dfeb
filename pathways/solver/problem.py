"""The allocation problem the evaluator hands to a solver, and the solution it gets back.

See :mod:`pathways.solver` for the semantics every solver honours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pathways.errors import PathwaysError

NodeKind = Literal["all", "any", "at_least", "has", "credits", "count"]
LEAF_KINDS = ("has", "credits", "count")


class SolverTimeout(Exception):
    """The solver found no allocation within its time limit."""


class ProblemTooLarge(PathwaysError):
    """The allocation's numbers do not fit the solver's 64-bit arithmetic (a record or
    catalog with enormous credit totals or very fine fractions of a credit)."""


OBJECTIVE_BOUND = 2**62
"""The largest objective value the CP-SAT model may reach (its integers are 64-bit)."""


@dataclass(frozen=True, slots=True)
class Item:
    """A holding as the solver sees it: a key, its credit units and a tie-break rank."""

    key: str
    units: int
    rank: int = 0
    attrs: Mapping[str, str] = field(default_factory=dict)
    """Attribute values read by ``distinct`` (subject, issuer, …)."""


@dataclass(frozen=True, slots=True)
class Node:
    """One requirement.

    ``need``: for ``at_least`` the children to meet, for ``credits`` the units, for ``count``
    the items. ``options``: for ``has`` each option is a tuple of item keys used together (a
    sequence counts only together); for ``credits``/``count`` each option is one item.
    ``total``: a composite's units that its whole subtree must apply (0 for none).
    ``elective_of``: for the free-elective leaf of a composite, that composite's node index;
    it fills only what the rest of the composite leaves below ``total`` and is never a
    condition of its parent (the composite's ``total`` is).
    ``reserve``: a composite's units kept for its named requirements: while any of them is
    unmet, its free electives fill at most ``total − reserve``, so a partial audit never shows
    the whole total applied while a required course is missing.
    """

    kind: NodeKind
    need: int = 0
    children: tuple[int, ...] = ()
    options: tuple[tuple[str, ...], ...] = ()
    overlay: bool = False
    waived: bool = False
    blocked: bool = False
    distinct: tuple[str, int] | None = None
    total: int = 0
    elective_of: int | None = None
    reserve: int = 0


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``max_units`` / at least ``min_units`` (when ``scope`` is met) applied from
    ``items`` inside the subtree of node ``scope``."""

    scope: int
    items: frozenset[str]
    max_units: int | None = None
    min_units: int | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    items: tuple[Item, ...]
    nodes: tuple[Node, ...]
    limits: tuple[Limit, ...] = ()
    exclusive: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Solution:
    met: tuple[bool, ...]
    active: tuple[bool, ...]
    uses: Mapping[tuple[int, str], int]
    """(leaf index, item key) → units applied; present whenever the leaf uses the item."""
    optimal: bool = True

    def applied_units(self, problem: Problem) -> int:
        """Units applied over non-overlay leaves (the objective's second term)."""
        return sum(
            units for (leaf, _), units in self.uses.items() if not problem.nodes[leaf].overlay
        )


# --------------------------------------------------------------------------- helpers


def subtree_leaves(problem: Problem) -> list[list[int]]:
    """For every node, the leaves below it (itself when a leaf)."""
    nodes = problem.nodes
    below: list[list[int]] = [[] for _ in nodes]
    for index in reversed(range(len(nodes))):
        node = nodes[index]
        if node.kind in LEAF_KINDS:
            below[index] = [index]
        else:
            below[index] = [leaf for child in node.children for leaf in below[child]]
    return below


def check_order(problem: Problem) -> None:
    for index, node in enumerate(problem.nodes):
        for child in node.children:
            if child <= index:
                raise ValueError("children must come after their parent (pre-order numbering)")
