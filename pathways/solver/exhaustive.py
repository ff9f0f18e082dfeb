"""The reference solver: every allocation enumerated; exact, and the fast path for tiny problems."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import replace

from pathways.solver.problem import (
    LEAF_KINDS,
    Limit,
    NoAllocation,
    Node,
    Problem,
    Solution,
    check_order,
    ranking,
    subtree_leaves,
    takes_parts,
)

# --------------------------------------------------------------------------- exhaustive


def _leaf_choices(problem: Problem, index: int) -> list[dict[str, int]]:
    """Every allocation a leaf could take on its own: item key → units."""
    node = problem.nodes[index]
    items = {item.key: item for item in problem.items}
    if node.kind == "has":
        choices: list[dict[str, int]] = [{}]
        choices += [{k: items[k].units for k in option} for option in node.options]
        return choices
    if node.kind == "count":
        keys = [option[0] for option in node.options]
        return [
            {k: items[k].units for k in combo}
            for size in range(0, min(node.need, len(keys)) + 1)
            for combo in itertools.combinations(keys, size)
        ]
    keys = [option[0] for option in node.options if items[option[0]].units > 0]
    if not takes_parts(node):
        # Whole items, only while short: dropping any of them leaves the leaf below need.
        return [
            {k: items[k].units for k in combo}
            for size in range(0, len(keys) + 1)
            for combo in itertools.combinations(keys, size)
            if not combo
            or sum(items[k].units for k in combo) - min(items[k].units for k in combo) < node.need
        ]
    ranges = [range(0, min(items[k].units, node.need) + 1) for k in keys]
    return [
        {k: v for k, v in zip(keys, amounts, strict=True) if v}
        for amounts in itertools.product(*ranges)
        if sum(amounts) <= node.need
    ]


def _active_sets(problem: Problem) -> Iterator[frozenset[int]]:
    """Every consistent choice of active nodes."""
    nodes = problem.nodes

    def expand(index: int) -> list[frozenset[int]]:
        node = nodes[index]
        if node.kind in LEAF_KINDS:
            return [frozenset({index})]
        child_sets = [expand(c) for c in node.children]
        if node.kind == "all":
            combos = itertools.product(*child_sets)
            return [frozenset({index}).union(*combo) for combo in combos]
        limit = 1 if node.kind == "any" else node.need
        result: list[frozenset[int]] = []
        positions = range(len(node.children))
        for size in range(0, limit + 1):
            for chosen in itertools.combinations(positions, size):
                for combo in itertools.product(*(child_sets[p] for p in chosen)):
                    result.append(frozenset({index}).union(*combo))
        return result

    yield from expand(0)


def search_space(problem: Problem, cap: int = 10**9) -> int:
    """An upper bound of the allocations :func:`solve_exhaustive` enumerates (at most ``cap``).

    Computed without listing them, so it is cheap on problems far too big to enumerate.
    """
    items = {item.key: item for item in problem.items}
    size = 1
    for node in problem.nodes:
        if node.kind == "has":
            size *= len(node.options) + 1
        elif node.kind == "count":
            size *= sum(math.comb(len(node.options), k) for k in range(node.need + 1))
        elif node.kind == "credits" and not takes_parts(node):
            size *= 2 ** min(len(node.options), 40)
        elif node.kind == "credits":
            for (key,) in node.options:
                size *= min(items[key].units, node.need) + 1
                if size > cap:
                    return cap
        if size > cap:
            return cap
    return size


def _limit_amount(
    problem: Problem,
    limit: Limit,
    alloc: Mapping[int, Mapping[str, int]],
    below: list[list[int]],
) -> int:
    """Units an allocation applies from a limit's items inside its scope (non-overlay)."""
    return sum(
        units
        for leaf, taken in alloc.items()
        if leaf in below[limit.scope] and not problem.nodes[leaf].overlay
        for key, units in taken.items()
        if key in limit.items
    )


def _evaluate(
    problem: Problem,
    active: frozenset[int],
    alloc: Mapping[int, Mapping[str, int]],
    below: list[list[int]],
) -> tuple[tuple[bool, ...], int] | None:
    """Met flags and applied units of one allocation, or None when it is infeasible."""
    nodes = problem.nodes
    items = {item.key: item for item in problem.items}
    whole: dict[str, int] = {}
    used_units: dict[str, int] = {}
    for leaf, taken in alloc.items():
        if nodes[leaf].overlay:
            continue
        for key, units in taken.items():
            if nodes[leaf].kind in ("has", "count"):
                whole[key] = whole.get(key, 0) + 1
            used_units[key] = used_units.get(key, 0) + units
    if any(n > 1 for n in whole.values()):
        return None
    if any(used_units[k] > items[k].units for k in used_units):
        return None
    applied = {leaf: sum(taken.values()) for leaf, taken in alloc.items()}

    def sub_applied(index: int, skip: int | None = None) -> int:
        return sum(
            applied.get(leaf, 0)
            for leaf in below[index]
            if leaf != skip and not nodes[leaf].overlay
        )

    if problem.exclusive:
        applied_keys = {
            key for leaf, taken in alloc.items() if not nodes[leaf].overlay for key in taken
        }
        for group in problem.exclusive:
            if sum(key in applied_keys for key in group) > 1:
                return None
    for limit in problem.limits:
        amount = _limit_amount(problem, limit, alloc, below)
        if limit.max_units is not None and amount > limit.max_units:
            return None

    met = [False] * len(nodes)
    for index in reversed(range(len(nodes))):
        node = nodes[index]
        if index not in active or node.blocked:
            continue
        if node.waived or node.elective_of is not None:
            ok = True
        elif node.kind == "all":
            ok = all(met[c] for c in node.children)
        elif node.kind == "any":
            ok = any(met[c] for c in node.children)
        elif node.kind == "at_least":
            ok = sum(met[c] for c in node.children) >= node.need
        elif node.kind == "has":
            ok = bool(alloc.get(index))
        elif node.kind == "count":
            ok = len(alloc.get(index, {})) >= node.need
        else:
            ok = applied.get(index, 0) >= node.need
        if ok and node.kind in LEAF_KINDS and node.distinct is not None and not node.waived:
            attr, at_least = node.distinct
            values = {items[k].attrs.get(attr) for k in alloc.get(index, {})} - {None}
            ok = len(values) >= at_least
        if ok and node.total > 0 and not node.waived:
            ok = sub_applied(index) >= node.total
        met[index] = ok
    for index, node in enumerate(nodes):
        if node.elective_of is not None:
            owner = nodes[node.elective_of]
            cap = owner.total - sub_applied(node.elective_of, index)
            if not all(met[c] for c in owner.children if c != index):
                cap = min(cap, owner.total - owner.reserve)
            if applied.get(index, 0) > max(0, cap):
                return None
    for limit in problem.limits:
        if (
            limit.min_units is not None
            and met[limit.scope]
            and _limit_amount(problem, limit, alloc, below) < limit.min_units
        ):
            return None  # the caller re-evaluates with that scope unmet
    total = sum(applied[leaf] for leaf in applied if not nodes[leaf].overlay)
    return tuple(met), total


def solve_exhaustive(problem: Problem) -> Solution:
    """Solve ``problem`` by enumerating every consistent allocation (the reference solver).

    It keeps the allocation with the largest :func:`~pathways.solver.problem.objective`
    vector and, among those, the smallest :func:`~pathways.solver.problem.tie_break`.
    Exponential: use it only where :func:`search_space` is small.
    """
    check_order(problem)
    nodes = problem.nodes
    below = subtree_leaves(problem)
    leaves = [i for i, n in enumerate(nodes) if n.kind in LEAF_KINDS]
    choices = {
        leaf: [c for c in _leaf_choices(problem, leaf) if set(nodes[leaf].forced) <= set(c)]
        for leaf in leaves
    }
    forced = {leaf for leaf in leaves if nodes[leaf].forced}
    best: tuple[tuple[int, ...], Solution] | None = None
    for active in _active_sets(problem):
        if not forced <= active:
            continue
        live = [leaf for leaf in leaves if leaf in active]
        for combo in _within_capacity(problem, live, choices):
            alloc = {leaf: taken for leaf, taken in zip(live, combo, strict=True) if taken}
            result = _evaluate(problem, active, alloc, below)
            if result is None:
                # An allocation whose min-credit limit fails is still valid with the scope
                # unmet: try that reading before giving up on it.
                result = _evaluate_scope_unmet(problem, active, alloc, below)
                if result is None:
                    continue
            met, _ = result
            uses = {(leaf, k): u for leaf, taken in alloc.items() for k, u in taken.items()}
            score = ranking(problem, met, uses)
            if best is None or score > best[0]:
                best = (score, Solution(met=met, active=_full_active(nodes, active), uses=uses))
    if best is None:  # without forced placements the empty allocation is always feasible
        raise NoAllocation("no allocation honours every placement the exceptions make")
    return best[1]


def _within_capacity(
    problem: Problem, live: list[int], choices: Mapping[int, list[dict[str, int]]]
) -> Iterator[tuple[dict[str, int], ...]]:
    """The product of the live leaves' choices, less every combination that applies an item
    beyond its units or uses it whole twice (outside overlays), pruned as soon as a prefix
    does: those are exactly the combinations :func:`_evaluate` would refuse first."""
    nodes = problem.nodes
    units = {item.key: item.units for item in problem.items}
    used: dict[str, int] = dict.fromkeys(units, 0)
    whole: dict[str, int] = dict.fromkeys(units, 0)
    combo: list[dict[str, int]] = []

    def walk(position: int) -> Iterator[tuple[dict[str, int], ...]]:
        if position == len(live):
            yield tuple(combo)
            return
        leaf = live[position]
        counted = not nodes[leaf].overlay
        once = nodes[leaf].kind in ("has", "count")
        for taken in choices[leaf]:
            if counted and any(
                used[key] + amount > units[key] or (once and whole[key])
                for key, amount in taken.items()
            ):
                continue
            if counted:
                for key, amount in taken.items():
                    used[key] += amount
                    whole[key] += once
            combo.append(taken)
            yield from walk(position + 1)
            combo.pop()
            if counted:
                for key, amount in taken.items():
                    used[key] -= amount
                    whole[key] -= once

    return walk(0)


def _full_active(nodes: tuple[Node, ...], active: frozenset[int]) -> tuple[bool, ...]:
    return tuple(i in active for i in range(len(nodes)))


def _evaluate_scope_unmet(
    problem: Problem,
    active: frozenset[int],
    alloc: Mapping[int, Mapping[str, int]],
    below: list[list[int]],
) -> tuple[tuple[bool, ...], int] | None:
    """Like :func:`_evaluate`, but with every scope whose min-credit limit fails left unmet."""
    relaxed = list(problem.nodes)
    for limit in problem.limits:
        if limit.min_units is None:
            continue
        if _limit_amount(problem, limit, alloc, below) < limit.min_units:
            node = relaxed[limit.scope]
            relaxed[limit.scope] = replace(node, blocked=True, waived=False)
    if relaxed == list(problem.nodes):
        return None
    blocked = Problem(problem.items, tuple(relaxed), problem.limits, problem.exclusive)
    return _evaluate(blocked, active, alloc, below)


def allocation_met(
    problem: Problem,
    active: frozenset[int],
    uses: Mapping[tuple[int, str], int],
    below: list[list[int]] | None = None,
) -> tuple[bool, ...] | None:
    """The met flag of every node under one allocation (``uses`` as in :class:`Solution`, by
    active leaves only, each use a whole option or a part a leaf may take), read as the
    reference reads it: a scope whose minimum-credit limit fails is unmet. None when the
    allocation is infeasible (an item over-used, a limit or exclusive group broken, free
    electives past their room). ``below``: the problem's :func:`subtree_leaves`, when the
    caller has them."""
    alloc: dict[int, dict[str, int]] = {}
    for (leaf, key), units in uses.items():
        alloc.setdefault(leaf, {})[key] = units
    if below is None:
        below = subtree_leaves(problem)
    result = _evaluate(problem, active, alloc, below)
    if result is None:
        result = _evaluate_scope_unmet(problem, active, alloc, below)
    return None if result is None else result[0]


EXHAUSTIVE_LIMIT = 128
"""Problems whose search space is at most this many allocations take the exhaustive path.

Where enumeration stops paying (2026-12-04, Intel Xeon; 269 components of the bundled and
generated audits, and of their relaxations without electives, mean time per component):
up to 16 allocations 0.13 ms against CP-SAT's 0.79 ms, up to 64 0.54 against 1.12, up to
128 1.18 against 1.31, up to 256 1.88 against 1.58, up to 1,024 6.5 against 2.0."""


def active_set_count(problem: Problem) -> int:
    """How many consistent active sets :func:`_active_sets` yields, without listing them."""
    nodes = problem.nodes
    counts = [1] * len(nodes)
    for index in reversed(range(len(nodes))):
        node = nodes[index]
        if node.kind == "all":
            counts[index] = math.prod(counts[c] for c in node.children)
        elif node.kind in ("any", "at_least"):
            limit = 1 if node.kind == "any" else node.need
            child = [counts[c] for c in node.children]
            # Sum over subsets of size <= limit of the product of their counts.
            by_size = [1] + [0] * limit
            for value in child:
                for size in range(limit, 0, -1):
                    by_size[size] += by_size[size - 1] * value
            counts[index] = sum(by_size)
    return counts[0]
