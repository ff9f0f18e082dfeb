"""Exact fast path for small trees: dynamic programming over the holdings already used.

The shape (:func:`fits`): no limits, no free electives, no declared totals and no leaf that
takes part of a holding. Every use then takes a holding whole, and outside overlays a holding
is used at most once, so which holdings an allocation has used so far is a set.

Walk the tree in catalog (pre-)order: at each leaf choose what it takes (one of the choices
the reference enumerates, :func:`_takes`); at each child of an ``any`` or ``at_least`` also
choose whether it is active. Every term of the objective and the tie-break is a sum of what
each leaf contributes (its credit, catalog-order weight, uses) and of what each node
contributes when the walk leaves it (met or not). What the rest of the walk can still add
depends only on where the walk is, the holdings used that a later leaf could still want
(:func:`_future`), and, for each node the walk is inside, how many of its children were met
and made active: that is the state, and the best continuation of each state is computed once
(memoised). Adding a constant to every allocation does not change which is largest, so the
best continuation of a state is the same whatever came before it, and the allocation
assembled from them is optimal.

A ``credits`` leaf whose holdings no later leaf could want (a *tail*: often the last pool of
a program, or a goal's only requirement) need not be enumerated: what it takes changes
nothing later except whether it is met, so only two of its choices can be best, the best met
and the best unmet one. :meth:`_Table.respond` finds them for the holdings still free by a
knapsack over sums below the need (with the holdings heaviest first, a choice is a set
summing below the need plus one lighter holding), memoised by the holdings free.

The terms are compared as one Python integer (each term scaled past the range of the terms
below it, the tie-break subtracted last), so comparing two allocations is one comparison and
no term can overflow. The walk gives up (returns None) past :data:`WORK_LIMIT` steps of work,
so a problem too large for it costs a bounded amount before the next path takes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pathways.solver.problem import (
    LEAF_KINDS,
    Item,
    NoAllocation,
    Node,
    Problem,
    Solution,
    check_order,
    order_weights,
    subtree_leaves,
    takes_parts,
    tie_break_bound,
)

WORK_LIMIT = 6_000
"""The most steps of work (a choice tried in a state, a holding added to a knapsack's sums)
the walk spends before it gives the problem up."""

CHOICE_LIMIT = 128
"""The most choices all leaves together may have (the reference's leaf enumeration)."""

TAIL_OPTIONS = 6
"""The fewest options for which a tail ``credits`` leaf is answered by a knapsack rather than
by enumerating its choices. Measured 2026-12-05 (Intel Xeon): on the README's bundled audit,
whose relaxation ends in a tail of five options, enumerating it is 0.2 ms faster (3.33 against
3.56 ms p50); on 91 generated problems the walk declined before, 1, 3, 6 or 10 here solve the
same 30-31, in the same time within noise."""

_SELECTIVE = ("any", "at_least")


def fits(problem: Problem) -> bool:
    """Whether ``problem`` has the shape this path solves: no limits, no free electives, no
    declared total, no leaf taking parts of a holding; every use is then of a whole holding."""
    if problem.limits:
        return False
    return all(
        node.elective_of is None and node.total == 0 and not takes_parts(node)
        for node in problem.nodes
    )


@dataclass(frozen=True, slots=True)
class _Choice:
    """One thing a leaf may take: the holdings it uses (as a bit set, none for an overlay),
    the bit set of holdings that must all be unused for it to be open (those and their
    exclusive-group mates), whether the leaf is met, its contribution to the objective, and
    the uses themselves."""

    mask: int
    blocks: int
    met: bool
    value: int
    uses: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class _Scale:
    """The multipliers that turn the objective and the tie-break into one integer."""

    goal: int
    met: int
    credit: int
    order: int


class _GiveUp(Exception):
    """The walk used up :data:`WORK_LIMIT`."""


def _scale(problem: Problem, weights: Mapping[int, int]) -> _Scale:
    total = sum(item.units for item in problem.items)
    order = tie_break_bound(problem) + 1
    credit = order * (max(weights.values(), default=0) * total + 1)
    met = credit * (total + 1)
    return _Scale(goal=met * (len(problem.nodes) + 1), met=met, credit=credit, order=order)


def _takes(problem: Problem, index: int, budget: int) -> list[dict[str, int]] | None:
    """What leaf ``index`` may take, the same choices the exhaustive reference enumerates
    for it, generated directly rather than filtered from every subset; None past ``budget``
    choices."""
    node = problem.nodes[index]
    units = {item.key: item.units for item in problem.items}
    if node.kind == "has":
        if len(node.options) + 1 > budget:
            return None
        return [{}, *({key: units[key] for key in option} for option in node.options)]
    if node.kind == "count":
        pool = [option[0] for option in node.options]
        room = node.need
    else:
        # Whole holdings, only while short: with the holdings taken heaviest first, the
        # lightest is the last, so a subset is allowed exactly when what it held before its
        # last holding was still short of the need.
        pool = sorted(
            (option[0] for option in node.options if units[option[0]] > 0),
            key=lambda key: -units[key],
        )
        room = len(pool)
    found: list[dict[str, int]] = []

    def extend(start: int, taken: dict[str, int], held: int) -> bool:
        found.append(taken)
        if len(found) > budget:
            return False
        if len(taken) == room or (node.kind == "credits" and held >= node.need):
            return True
        for position in range(start, len(pool)):
            key = pool[position]
            if not extend(position + 1, {**taken, key: units[key]}, held + units[key]):
                return False
        return True

    return found if extend(0, {}, 0) else None


class _Table:
    """Every leaf's choices, encoded: holdings as bits (those a non-overlay leaf may use),
    each holding's exclusive-group mates, and the objective's scale. ``work`` counts down the
    walk's budget; :class:`_GiveUp` is raised when it runs out."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.items = {item.key: item for item in problem.items}
        self.costs = {item.key: 1 + item.rank for item in problem.items}
        """Each holding's share of the tie-break when a leaf uses it."""
        keys = {
            key
            for node in problem.nodes
            if node.kind in LEAF_KINDS and not node.overlay
            for option in node.options
            for key in option
        }
        self.bits = {key: 1 << position for position, key in enumerate(sorted(keys))}
        self.mates = dict.fromkeys(self.bits, 0)
        for group in problem.exclusive:
            inside = [key for key in group if key in self.bits]
            for key in inside:
                self.mates[key] |= sum(self.bits[k] for k in inside if k != key)
        self.weights = order_weights(problem)
        self.scale = _scale(problem, self.weights)
        self.work = WORK_LIMIT
        self.responses: dict[tuple[int, int], list[_Choice]] = {}

    def spend(self, steps: int) -> None:
        self.work -= steps
        if self.work < 0:
            raise _GiveUp

    def own(self, index: int) -> int:
        """The holdings leaf ``index`` could use (none for an overlay, which uses nothing up)."""
        node = self.problem.nodes[index]
        if node.overlay:
            return 0
        return sum(self.bits[key] for key in {key for option in node.options for key in option})

    def reach(self, index: int) -> int:
        """The holdings leaf ``index`` could be refused for: its own and their mates."""
        node = self.problem.nodes[index]
        reach = 0
        if not node.overlay:
            for option in node.options:
                for key in option:
                    reach |= self.bits[key] | self.mates[key]
        return reach

    def encode(self, index: int, taken: Mapping[str, int]) -> _Choice | None:
        """Leaf ``index`` taking ``taken`` as one choice; None when it holds two holdings of
        one exclusive group or leaves out a forced one."""
        node = self.problem.nodes[index]
        if node.forced and not taken.keys() >= set(node.forced):
            return None
        mask = conflicts = credit = 0
        if not node.overlay:
            bits, mates = self.bits, self.mates
            for key, units in taken.items():
                mask |= bits[key]
                conflicts |= mates[key]
                credit += units
            if mask & conflicts:
                return None
        met = _leaf_met(node, taken, self.items)
        scale = self.scale
        value = (
            met * scale.met
            + credit * (scale.credit + self.weights.get(index, 0) * scale.order)
            - sum(self.costs[key] for key in taken)
        )
        return _Choice(mask, mask | conflicts, met, value, taken)

    def choices(self, tails: set[int]) -> dict[int, list[_Choice]] | None:
        """Every leaf's choices but the tails'; None past :data:`CHOICE_LIMIT` in all."""
        found: dict[int, list[_Choice]] = {}
        budget = CHOICE_LIMIT
        for index, node in enumerate(self.problem.nodes):
            if node.kind not in LEAF_KINDS or index in tails:
                continue
            takes = _takes(self.problem, index, budget)
            if takes is None:
                return None
            budget -= len(takes)
            encoded = (self.encode(index, taken) for taken in takes)
            found[index] = [choice for choice in encoded if choice is not None]
        return found

    def tail(self, index: int) -> bool:
        """Whether leaf ``index`` may be answered by :meth:`respond`: a ``credits`` leaf of
        at least :data:`TAIL_OPTIONS` options, with no overlay, forced holding, ``distinct``
        or two of its holdings in one exclusive group."""
        node = self.problem.nodes[index]
        if node.kind != "credits" or node.overlay or node.forced or node.distinct is not None:
            return False
        keys = [option[0] for option in node.options]
        own = sum(self.bits[key] for key in keys)
        return len(keys) >= TAIL_OPTIONS and not any(self.mates[key] & own for key in keys)

    def respond(self, index: int, used: int) -> list[_Choice]:
        """A tail's best met and best unmet choice among the holdings ``used`` leaves free
        (not used, no mate used): a knapsack over sums below the need, each sum reached at
        the least tie-break, the holdings heaviest first so each choice is such a sum plus
        one holding no heavier than any in it."""
        known = self.responses.get((index, used))
        if known is not None:
            return known
        node = self.problem.nodes[index]
        free = [
            self.items[option[0]]
            for option in node.options
            if self.items[option[0]].units > 0
            and not used & (self.bits[option[0]] | self.mates[option[0]])
        ]
        free.sort(key=lambda item: (-item.units, item.key))
        below: dict[int, tuple[int, tuple[str, ...]]] = {0: (0, ())}  # sum → (cost, keys)
        best: dict[bool, tuple[int, int, tuple[str, ...]]] = {}  # met → (sum, -cost, keys)
        for item in free:
            self.spend(len(below))
            cost = 1 + item.rank
            for held, (paid, keys) in list(below.items()):
                total, taken = held + item.units, (*keys, item.key)
                met = total >= node.need
                candidate = (total, -(paid + cost), taken)
                if met not in best or candidate[:2] > best[met][:2]:
                    best[met] = candidate
                if not met and (total not in below or paid + cost < below[total][0]):
                    below[total] = (paid + cost, taken)
        responses = [self.encode(index, {})]
        for _, _, keys in best.values():
            responses.append(self.encode(index, {key: self.items[key].units for key in keys}))
        found = [choice for choice in responses if choice is not None]
        self.responses[(index, used)] = found
        return found


def _leaf_met(node: Node, taken: Mapping[str, int], items: Mapping[str, Item]) -> bool:
    """Whether an active leaf taking ``taken`` is met, as the reference reads it."""
    if node.blocked:
        return False
    if node.waived:
        return True
    if node.kind == "has":
        met = bool(taken)
    elif node.kind == "count":
        met = len(taken) >= node.need
    else:
        met = sum(taken.values()) >= node.need
    if met and node.distinct is not None:
        attr, at_least = node.distinct
        values = {items[key].attrs.get(attr) for key in taken} - {None}
        met = len(values) >= at_least
    return met


def _node_met(node: Node, tally: int) -> bool:
    """Whether an active inner node is met, given its children's :func:`_tally`."""
    if node.blocked:
        return False
    if node.waived:
        return True
    if node.kind == "all":
        return tally == 0
    return tally >= (1 if node.kind == "any" else node.need)


def _tally(node: Node, stack: tuple[int, ...], met: bool) -> tuple[int, ...]:
    """``stack`` with its last node (``node``, a child's parent) told of one more active
    child, met or not. A node keeps two numbers, as few distinct values as it can: an ``all``
    whether some child was unmet (its active children are all of them), an ``any`` or
    ``at_least`` how many children were met (up to its need) and made active."""
    tally, made = stack[-2], stack[-1]
    if node.kind == "all":
        return (*stack[:-2], min(1, tally + (not met)), 0)
    need = 1 if node.kind == "any" else node.need
    return (*stack[:-2], min(need, tally + met), made + 1)


EVENT_LIMIT = 500
"""The most steps (leaves, and each inner node entered and left) a walk may have: the walk
recurses once per step."""


@dataclass(frozen=True, slots=True)
class _Walk:
    """The tree as the walk reads it: ``events`` in pre-order, each ``(kind, node)`` with kind
    ``leaf``, ``open`` or ``close``; ``skip[node]`` the event after the node's subtree;
    ``parent[node]`` (-1 for the root); ``pinned[node]`` when a forced leaf lies in its
    subtree (it must be active)."""

    events: tuple[tuple[str, int], ...]
    skip: tuple[int, ...]
    parent: tuple[int, ...]
    pinned: tuple[bool, ...]


def _walk(problem: Problem) -> _Walk:
    nodes = problem.nodes
    events: list[tuple[str, int]] = []
    skip = [0] * len(nodes)
    parent = [-1] * len(nodes)
    for index, node in enumerate(nodes):
        for child in node.children:
            parent[child] = index
    below = subtree_leaves(problem)
    pinned = tuple(any(nodes[leaf].forced for leaf in below[i]) for i in range(len(nodes)))

    def visit(index: int) -> None:
        node = nodes[index]
        if node.kind in LEAF_KINDS:
            events.append(("leaf", index))
        else:
            events.append(("open", index))
            for child in node.children:
                visit(child)
            events.append(("close", index))
        skip[index] = len(events)

    visit(0)
    return _Walk(tuple(events), tuple(skip), tuple(parent), pinned)


_Memo = dict[tuple[int, int, tuple[int, ...]], tuple[int | None, "int | _Choice"]]
"""(step, holdings used that matter, open nodes' tallies) → (best value, how): a code
(:data:`_SKIP`, :data:`_ENTER`, :data:`_CLOSE`) or the leaf's choice."""

_SKIP, _ENTER, _CLOSE = -1, -2, -3


def solve_dynamic(problem: Problem) -> Solution | None:
    """The exact allocation of ``problem`` (the largest objective, then the least
    tie-break, as :func:`~pathways.solver.exhaustive.solve_exhaustive` defines them), or
    None when the problem is not of the shape (:func:`fits`) or too large for the walk.
    Raises :class:`NoAllocation` when forced placements leave no allocation."""
    if not fits(problem):
        return None
    check_order(problem)
    walk = _walk(problem)
    if len(walk.events) > EVENT_LIMIT:
        return None
    table = _Table(problem)
    future, tails = _future(walk, table)
    choices = table.choices(tails)
    if choices is None:
        return None
    memo: _Memo = {}
    nodes = problem.nodes
    scale = table.scale

    def limit(index: int) -> int:
        return 1 if nodes[index].kind == "any" else nodes[index].need

    def best(step: int, used: int, stack: tuple[int, ...]) -> int | None:
        if step == len(walk.events):
            return 0
        used &= future[step]  # only what a later leaf could still be refused for matters
        key = (step, used, stack)
        hit = memo.get(key)
        if hit is not None:
            return hit[0]
        kind, index = walk.events[step]
        top: int | None = None
        how: int | _Choice = _SKIP
        if kind == "close":
            met = _node_met(nodes[index], stack[-2])
            rest = stack[:-2]
            if index > 0:
                rest = _tally(nodes[walk.parent[index]], rest, met)
            after = best(step + 1, used, rest)
            if after is not None:
                top = after + met * (scale.met + (scale.goal if index == 0 else 0))
            memo[key] = (top, _CLOSE)
            return top
        up = walk.parent[index]
        selective = up >= 0 and nodes[up].kind in _SELECTIVE
        if selective and not walk.pinned[index]:
            top = best(walk.skip[index], used, stack)
        if not selective or stack[-1] < limit(up):
            if kind == "open":
                inside = best(step + 1, used, (*stack, 0, 0))
                if inside is not None and (top is None or inside > top):
                    top, how = inside, _ENTER
            else:
                options = table.respond(index, used) if index in tails else choices[index]
                table.spend(len(options))
                # What follows a choice depends on whether it meets the leaf and, unless no
                # later leaf could want a holding (``quiet``), on the holdings it takes.
                quiet = not future[step + 1]
                rests: dict[bool, tuple[int, ...]] = {}
                afters: dict[bool, int | None] = {}
                for choice in options:
                    if used & choice.blocks:
                        continue
                    met = choice.met
                    tallied = rests.get(met)
                    if tallied is None:
                        tallied = rests[met] = stack if up < 0 else _tally(nodes[up], stack, met)
                    if not quiet:
                        after = best(step + 1, used | choice.mask, tallied)
                    elif met in afters:
                        after = afters[met]
                    else:
                        after = afters[met] = best(step + 1, 0, tallied)
                    if after is None:
                        continue
                    value = after + choice.value + (met * scale.goal if index == 0 else 0)
                    if top is None or value > top:
                        top, how = value, choice
        memo[key] = (top, how)
        return top

    try:
        if best(0, 0, ()) is None:
            raise NoAllocation("no allocation honours every placement the exceptions make")
    except _GiveUp:
        return None
    return _assemble(problem, walk, future, memo)


def _future(walk: _Walk, table: _Table) -> tuple[list[int], set[int]]:
    """For each step, the holdings whose use a leaf at that step or later could be refused
    for (it could take them, or one of their exclusive group); and the tails, the leaves
    :meth:`_Table.respond` answers (none of their holdings wanted by a later leaf)."""
    future = [0] * (len(walk.events) + 1)
    tails: set[int] = set()
    for step in reversed(range(len(walk.events))):
        kind, index = walk.events[step]
        reach = 0
        if kind == "leaf":
            reach = table.reach(index)
            if not table.own(index) & future[step + 1] and table.tail(index):
                tails.add(index)
        future[step] = future[step + 1] | reach
    return future, tails


def _assemble(problem: Problem, walk: _Walk, future: list[int], memo: _Memo) -> Solution:
    """The allocation the memoised walk chose, replayed from its first step."""
    nodes = problem.nodes
    met = [False] * len(nodes)
    active = [False] * len(nodes)
    uses: dict[tuple[int, str], int] = {}
    step, used = 0, 0
    stack: tuple[int, ...] = ()
    while step < len(walk.events):
        kind, index = walk.events[step]
        used &= future[step]
        _, how = memo[(step, used, stack)]
        if kind == "close":
            met[index] = _node_met(nodes[index], stack[-2])
            stack = stack[:-2]
            if index > 0:
                stack = _tally(nodes[walk.parent[index]], stack, met[index])
            step += 1
        elif how == _SKIP:
            step = walk.skip[index]
        elif kind == "open":
            active[index] = True
            stack = (*stack, 0, 0)
            step += 1
        else:
            assert isinstance(how, _Choice)
            active[index], met[index] = True, how.met
            uses.update(((index, key), units) for key, units in how.uses.items())
            used |= how.mask
            if walk.parent[index] >= 0:
                stack = _tally(nodes[walk.parent[index]], stack, how.met)
            step += 1
    return Solution(met=tuple(met), active=tuple(active), uses=uses)
