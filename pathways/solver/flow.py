"""Exact fast paths for requirement families an assignment solves: direct and min-cost flow.

The family (:func:`requirements`): a root ``all`` without a declared total, limits or
exclusive groups, whose every child is a *requirement* that takes one holding whole — a
``has`` leaf whose options are single holdings, or an ``any`` over such leaves. Nothing below
the root is waived, overlaid, ``distinct``, forced or otherwise qualified: every other field
of those nodes is at its default. Such a problem is a bipartite matching of
requirements to holdings: a requirement is met exactly when it gets a holding, and every
term of the objective is a sum over matched (requirement, holding) pairs
(:func:`_value`).

Why the answer is exact. Along an augmenting path every matched requirement and holding
stays matched, so a matching that is not maximum can always gain a met requirement without
losing anything of higher priority: the optimum is a maximum matching, and among maximum
matchings the one of least cost is, by construction of the cost, the lexicographic optimum.
OR-Tools' ``SimpleMinCostFlow.solve_max_flow_with_min_cost`` (C++) finds exactly that.
Where no holding is eligible for two requirements the matching is trivial and each
requirement takes its best holding directly (:func:`solve_direct`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pathways.solver.problem import (
    OBJECTIVE_BOUND,
    Item,
    Node,
    Problem,
    Solution,
    order_weights,
)


@dataclass(frozen=True, slots=True)
class Requirement:
    """One child of the root: ``node`` (its index) and ``leaves`` (itself when a ``has``
    leaf, else the ``any``'s children), with the holding keys each leaf accepts."""

    node: int
    leaves: tuple[int, ...]
    keys: tuple[tuple[str, ...], ...]


def _plain_has(node: Node) -> bool:
    """A ``has`` leaf of single-holding options and nothing else: every other field at its
    default (so a field added to :class:`Node` later keeps such a leaf out of the family)."""
    return node == Node(kind="has", need=1, options=node.options) and all(
        len(option) == 1 for option in node.options
    )


def _plain_any(node: Node) -> bool:
    """An ``any`` node and nothing else (every other field at its default)."""
    return node == Node(kind="any", children=node.children)


def requirements(problem: Problem) -> list[Requirement] | None:
    """The root's children as requirements, or None when the problem is not of the family."""
    nodes = problem.nodes
    root = nodes[0]
    plain_root = Node(kind="all", children=root.children, waived=root.waived, blocked=root.blocked)
    if root != plain_root or problem.limits or problem.exclusive:
        return None
    found: list[Requirement] = []
    for child in root.children:
        node = nodes[child]
        if _plain_has(node):
            leaves: tuple[int, ...] = (child,)
        elif _plain_any(node) and all(_plain_has(nodes[c]) for c in node.children):
            leaves = node.children
        else:
            return None
        keys = tuple(tuple(option[0] for option in nodes[leaf].options) for leaf in leaves)
        found.append(Requirement(child, leaves, keys))
    return found


@dataclass(frozen=True, slots=True)
class _Weights:
    """One integer value per (requirement, leaf, holding) pair whose sum over a maximum
    matching orders matchings exactly as :func:`~pathways.solver.problem.objective` then
    :func:`~pathways.solver.problem.tie_break` do (see :func:`_weights`)."""

    met: int
    units: int
    order: int
    order_of: dict[int, int]


def _weights(problem: Problem, reqs: list[Requirement]) -> _Weights | None:
    """The weights of the terms that can differ between maximum matchings, each above the
    whole range of the terms after it; None when they would overflow 64-bit costs.

    Over maximum matchings the number of requirements met is fixed, so the terms are:
    named requirements met (an ``any`` and its leaf count two, a ``has`` leaf one: only
    the number of ``any`` matched varies), credit in named requirements (the matched
    holdings' units), catalog order (each leaf's order weight times the units it takes),
    then the tie-break (``1 + rank`` per holding used, to minimise). Free electives and
    split holdings do not occur in the family. A term constant over maximum matchings
    (every requirement of one kind; every holding of the same units) gets weight 0."""
    order_of = order_weights(problem)
    count = len(reqs)
    ranks = sorted((1 + item.rank for item in problem.items), reverse=True)
    sizes = sorted((item.units for item in problem.items), reverse=True)
    tie_span = sum(ranks[:count]) + 1
    most_units = sum(sizes[:count])
    order_span = max(order_of.values(), default=0) * most_units + 1
    kinds = {len(req.leaves) == 1 and req.leaves[0] == req.node for req in reqs}
    w_order = tie_span
    w_units = w_order * order_span if len(set(sizes)) > 1 else 0
    w_met = max(w_units * (most_units + 1), w_order * order_span) if len(kinds) > 1 else 0
    top = sizes[0] if sizes else 0
    largest_arc = (
        w_met + w_units * top + w_order * max(order_of.values(), default=0) * top + sum(ranks[:1])
    )
    if largest_arc * (count + 1) > OBJECTIVE_BOUND:
        return None
    return _Weights(met=w_met, units=w_units, order=w_order, order_of=order_of)


def _value(req: Requirement, leaf: int, units: int, rank: int, weights: _Weights) -> int:
    """What giving the holding (``units``, ``rank``) to ``leaf`` of ``req`` adds."""
    is_any = req.leaves != (req.node,)
    return (
        weights.met * is_any
        + weights.units * units
        + weights.order * weights.order_of[leaf] * units
        - (1 + rank)
    )


def _leaf_for(req: Requirement, key: str) -> int:
    """The leaf of ``req`` that applies ``key``: the first listed that accepts it (the
    largest catalog-order weight, so the best for every term)."""
    for leaf, keys in zip(req.leaves, req.keys, strict=True):
        if key in keys:
            return leaf
    raise KeyError(key)


def _pair_value(req: Requirement, item: Item, weights: _Weights) -> int:
    return _value(req, _leaf_for(req, item.key), item.units, item.rank, weights)


def _solution(problem: Problem, reqs: list[Requirement], chosen: dict[int, str]) -> Solution:
    """The allocation that gives requirement ``i`` the holding ``chosen[i]``."""
    nodes = problem.nodes
    units = {item.key: item.units for item in problem.items}
    met = [False] * len(nodes)
    active = [False] * len(nodes)
    active[0] = True
    uses: dict[tuple[int, str], int] = {}
    for position, req in enumerate(reqs):
        active[req.node] = True
        key = chosen.get(position)
        if key is None:
            continue
        leaf = _leaf_for(req, key)
        met[req.node] = met[leaf] = active[leaf] = True
        uses[(leaf, key)] = units[key]
    root = nodes[0]
    met[0] = root.waived or (not root.blocked and all(met[r.node] for r in reqs))
    return Solution(met=tuple(met), active=tuple(active), uses=uses)


def solve_direct(problem: Problem) -> Solution | None:
    """The allocation when no holding is eligible for two requirements (each takes its best
    holding), or None when the problem is not of the family or holdings contend."""
    reqs = requirements(problem)
    if reqs is None:
        return None
    seen: set[str] = set()
    for req in reqs:
        keys = {key for keys in req.keys for key in keys}
        if keys & seen:
            return None
        seen |= keys
    weights = _weights(problem, reqs)
    if weights is None:
        return None
    items = {item.key: item for item in problem.items}
    chosen: dict[int, str] = {}
    for position, req in enumerate(reqs):
        keys = {key for keys in req.keys for key in keys}
        if keys:
            best = max(
                sorted(keys),
                key=lambda k: _pair_value(req, items[k], weights),
            )
            chosen[position] = best
    return _solution(problem, reqs, chosen)


def solve_flow(problem: Problem) -> Solution | None:
    """The exact allocation by min-cost maximum flow, or None when the problem is not of the
    family (or its weights would overflow 64-bit costs)."""
    reqs = requirements(problem)
    if reqs is None:
        return None
    weights = _weights(problem, reqs)
    if weights is None:
        return None
    # Imported only for a problem of the family: the module costs ~30 ms to load, which a
    # command line audit that never uses it should not pay.
    from ortools.graph.python import min_cost_flow

    items = {item.key: item for item in problem.items}
    item_node = {item.key: len(reqs) + 1 + i for i, item in enumerate(problem.items)}
    sink = len(reqs) + len(problem.items) + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs: list[tuple[int, int, str]] = []  # (arc, requirement, key)
    for position, req in enumerate(reqs):
        flow.add_arc_with_capacity_and_unit_cost(0, position + 1, 1, 0)
        for key in sorted({key for keys in req.keys for key in keys}):
            item = items[key]
            cost = -_pair_value(req, item, weights)
            arc = flow.add_arc_with_capacity_and_unit_cost(position + 1, item_node[key], 1, cost)
            arcs.append((arc, position, key))
    for key in items:
        flow.add_arc_with_capacity_and_unit_cost(item_node[key], sink, 1, 0)
    flow.set_node_supply(0, len(reqs))
    flow.set_node_supply(sink, -len(reqs))
    if flow.solve_max_flow_with_min_cost() != flow.OPTIMAL:
        return None
    chosen = {position: key for arc, position, key in arcs if flow.flow(arc)}
    return _solution(problem, reqs, chosen)
