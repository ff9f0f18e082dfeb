"""The allocation problem the evaluator hands to a solver, and the solution it gets back.

See :mod:`pathways.solver` for the semantics every solver honours."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pathways.errors import PathwaysError

NodeKind = Literal["all", "any", "at_least", "has", "credits", "count"]
LEAF_KINDS = ("has", "credits", "count")


class NoAllocation(PathwaysError):
    """No allocation honours every forced placement (``apply_here`` exceptions that conflict
    with each other or with a goal's caps)."""


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
    ``split``: on a ``credits`` leaf, an item may be divided between it and other leaves (it
    takes at most ``need`` units in all). Without it the leaf takes items whole, and only
    while it is short of ``need``: removing any item it uses would leave it below ``need``
    (so its surplus is at most one item's units less one, and it counts toward the
    composite's ``total``). A free-elective leaf always takes parts (see :func:`takes_parts`).
    ``forced``: item keys this leaf must use (a registrar's ``apply_here``); the leaf is then
    active, and an allocation that cannot honour them all does not exist
    (:class:`NoAllocation`).
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
    split: bool = False
    forced: tuple[str, ...] = ()


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
    """The report's terms (goal met, requirements met, named and elective credit) are
    proven best."""
    preferences_proven: bool = True
    """The later terms (fewest split holdings, catalog order) are proven best too; False when
    the general solver's budgeted stages for them stopped short of a proof."""
    tie_break_proven: bool = True
    """The tie-break is proven least among allocations equal on every term; False when the
    general solver's budgeted search for it (or for the later terms) stopped short."""

    def applied_units(self, problem: Problem) -> int:
        """Units applied over non-overlay leaves (named requirements and free electives)."""
        return sum(
            units for (leaf, _), units in self.uses.items() if not problem.nodes[leaf].overlay
        )


# --------------------------------------------------------------------------- objective

OBJECTIVE: tuple[str, ...] = (
    "goal met",
    "named requirements met",
    "credit in named requirements",
    "credit in free electives",
    "fewest split holdings",
    "catalog order",
)
"""The allocation's lexicographic objective, most important first; every solver (and every
fast path) must return an allocation whose :func:`objective` vector is the largest possible,
and among those the smallest :func:`tie_break`. The terms, as :func:`objective` computes them:

1. *goal met*: 1 when the root is met, else 0;
2. *named requirements met*: the met nodes other than free-elective leaves (overlays count);
3. *credit in named requirements*: units applied by non-overlay leaves that are not free
   electives, partial progress included (a whole item's surplus counts);
4. *credit in free electives*: units applied by free-elective leaves;
5. *fewest split holdings*: minus the items that a leaf taking parts (:func:`takes_parts`)
   uses for less than their units;
6. *catalog order*: ``Σ order_weight(leaf) · units`` over the leaves of term 3, where
   :func:`order_weights` gives a leaf listed earlier (pre-order, as the catalog lists
   requirements) a larger weight, so credit sits in the earlier of two requirements that
   could both take it.

Then the stable tie-break :func:`tie_break`: the fewest uses, then items of lower ``rank``."""


def has_electives(problem: Problem) -> bool:
    """Whether some composite of ``problem`` has a free-elective leaf."""
    return any(node.elective_of is not None for node in problem.nodes)


def takes_parts(node: Node) -> bool:
    """Whether a leaf may take part of an item: a ``credits`` leaf with ``split``, or a free
    electives leaf (which fills only up to its composite's total)."""
    return node.kind == "credits" and (node.split or node.elective_of is not None)


def order_weights(problem: Problem) -> dict[int, int]:
    """Term 6's weight of every named non-overlay leaf: the last-listed gets 1, the one before
    it 2, and so on (pre-order numbering is the catalog's order)."""
    named = [
        index
        for index, node in enumerate(problem.nodes)
        if node.kind in LEAF_KINDS and not node.overlay and node.elective_of is None
    ]
    return {leaf: len(named) - position for position, leaf in enumerate(named)}


def objective(
    problem: Problem, met: Sequence[bool], uses: Mapping[tuple[int, str], int]
) -> tuple[int, ...]:
    """The :data:`OBJECTIVE` vector of an allocation (``met`` per node, ``uses`` as in
    :class:`Solution`); a larger vector (compared as a tuple) is a better allocation."""
    nodes = problem.nodes
    units = {item.key: item.units for item in problem.items}
    weights = order_weights(problem)
    named_met = sum(1 for i, flag in enumerate(met) if flag and nodes[i].elective_of is None)
    named = elective = order = 0
    split: set[str] = set()
    for (leaf, key), amount in uses.items():
        node = nodes[leaf]
        if node.overlay:
            continue
        if node.elective_of is None:
            named += amount
            order += weights[leaf] * amount
        else:
            elective += amount
        if takes_parts(node) and amount < units[key]:
            split.add(key)
    return (int(met[0]), named_met, named, elective, -len(split), order)


def objective_bounds(problem: Problem) -> tuple[int, ...]:
    """An upper bound of the absolute value of every :func:`objective` term (for weights)."""
    total = sum(item.units for item in problem.items)
    weights = order_weights(problem)
    return (
        1,
        len(problem.nodes),
        total,
        total,
        len(problem.items),
        max(weights.values(), default=0) * total,
    )


def tie_break_bound(problem: Problem) -> int:
    """An upper bound of :func:`tie_break` (``1 + rank`` over every use a leaf could make)."""
    rank = {item.key: item.rank for item in problem.items}
    return sum(
        1 + rank[key]
        for node in problem.nodes
        if node.kind in LEAF_KINDS
        for option in node.options
        for key in option
    )


def tie_break(problem: Problem, uses: Mapping[tuple[int, str], int]) -> int:
    """The stable tie-break, to minimise: ``1 + rank`` summed over every use of an item."""
    rank = {item.key: item.rank for item in problem.items}
    return sum(1 + rank[key] for _, key in uses)


def ranking(
    problem: Problem, met: Sequence[bool], uses: Mapping[tuple[int, str], int]
) -> tuple[int, ...]:
    """An allocation's :func:`objective` terms followed by its negated :func:`tie_break`: of
    two allocations the one with the larger ranking is the better."""
    return (*objective(problem, met, uses), -tie_break(problem, uses))


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
