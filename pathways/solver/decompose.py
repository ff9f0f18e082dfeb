"""Independent components: a goal's requirements that share nothing are solved apart.

A goal whose root is a plain ``all`` (no declared total, no free electives, no minimum-credit
limit of its own) is met exactly when each of its children is. Two children *interact* when
a holding could be applied in both (overlays read without using, so they do not count), when
a limit or an exclusive group covers holdings both could use, and through nothing else: the
rest of the objective (nodes met, credit, splits, order, tie-break) is a sum over leaves.
:func:`split` groups the root's children into runs of consecutive children that do not
interact with any child outside the run (so each leaf keeps its catalog order), each a
:class:`Problem` of its own whose root is an ``all`` over the component's children;
:func:`solve_split` solves each and joins the answers.

Why the joined answer is exact. The objective is lexicographic and every term after "the
goal met" is a sum over the components, so an allocation is optimal exactly when each
component's part is optimal for that component — provided the goal-met term is settled
first. Each component is solved with its own root's "met" as its first term. If every
component's root is met, the goal is met and every component's rest is optimal under that:
the join is optimal. If some component proves its root cannot be met, the goal cannot be
met either, and a component that met its own root may have traded nodes or credit for it;
those components are solved again with their root blocked (the term dropped), so each part
is optimal for the terms that remain.

A *chain* (:func:`chain`) is a run of plain ``all`` nodes below the root, each its parent's
only child (a program whose requirements sit in one group): the components are then those
of the chain's last node, and every chain node is met exactly when every component's root
is. With the goal's own term in play that changes nothing above. With the goal waived or
blocked, the chain's nodes are the only term joining the components: an optimal allocation
either meets every component's root (and is then the best such, the first join) or may
leave some unmet (and is then no better than the best blocked join), so both joins are
made and the better one, by the whole problem's objective and tie-break, is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from pathways.solver.problem import (
    LEAF_KINDS,
    Limit,
    Node,
    Problem,
    Solution,
    ranking,
)


@dataclass(frozen=True, slots=True)
class Component:
    """Some of the root's children, renumbered as a problem of their own.

    ``nodes[i]`` is the original index of the component's node ``i`` (0: the root)."""

    units: tuple[int, ...]
    nodes: tuple[int, ...]
    problem: Problem

    def blocked(self) -> Problem:
        """The same component with its root's "met" left out of the objective."""
        nodes = self.problem.nodes
        return replace(self.problem, nodes=(replace(nodes[0], blocked=True), *nodes[1:]))


class _Groups:
    """Union-find over the root's children."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, a: int) -> int:
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def join(self, members: Sequence[int]) -> None:
        for other in members[1:]:
            a, b = self.find(members[0]), self.find(other)
            if a != b:
                self.parent[max(a, b)] = min(a, b)


def splittable(problem: Problem, top: int) -> bool:
    """Whether the root is a plain ``all`` and the children of ``top`` (the root, or its
    :func:`chain`'s last node) may be solved apart."""
    root = problem.nodes[0]
    plain = Node(kind="all", children=root.children, waived=root.waived, blocked=root.blocked)
    if root != plain:
        return False  # a total, an overlay, or anything a later field adds stays whole
    if len(problem.nodes[top].children) < 2:
        return False
    if any(node.elective_of == 0 for node in problem.nodes):
        return False
    return not any(limit.scope == 0 and limit.min_units is not None for limit in problem.limits)


def chain(problem: Problem) -> list[int]:
    """The plain ``all`` nodes below the root, each the only child of the one above (the
    root's only child first): no total, overlay, waiver, block, limit or free electives of
    their own. Empty when the root has several children or its child is anything else."""
    nodes = problem.nodes
    scoped = {limit.scope for limit in problem.limits}
    owners = {node.elective_of for node in nodes}
    found: list[int] = []
    parent = nodes[0]
    while len(parent.children) == 1:
        child = parent.children[0]
        node = nodes[child]
        if node != Node(kind="all", children=node.children) or child in scoped | owners:
            break
        found.append(child)
        parent = node
    return found


def split(problem: Problem) -> list[Component] | None:
    """The components of ``problem`` in the order of the root's children (of its chain's last
    node's, when it has a :func:`chain`), or None when the root cannot be split or
    everything interacts (one component)."""
    top = ([0, *chain(problem)])[-1]
    if not splittable(problem, top):
        return None
    nodes = problem.nodes
    children = nodes[top].children
    owner = [-1] * len(nodes)  # node → position of the top's child above it
    for position, child in enumerate(children):
        stack = [child]
        while stack:
            index = stack.pop()
            owner[index] = position
            stack.extend(nodes[index].children)
    users: dict[str, list[int]] = {}
    for index, node in enumerate(nodes):
        if node.kind in LEAF_KINDS and not node.overlay and owner[index] >= 0:
            for option in node.options:
                for key in option:
                    users.setdefault(key, []).append(owner[index])
    groups = _Groups(len(children))
    for positions in users.values():
        groups.join(positions)
    for keys in [*(limit.items for limit in problem.limits), *problem.exclusive]:
        groups.join([p for key in keys for p in users.get(key, ())])
    # Components are runs of consecutive children: within a run every leaf keeps its place
    # relative to the others, so the catalog-order term ranks the run's leaves as the whole
    # problem does (its weights differ by a constant, which the named-credit term fixes).
    last = {}
    for position in range(len(children)):
        last[groups.find(position)] = position
    runs: list[list[int]] = []
    end = -1
    for position in range(len(children)):
        if position > end:
            runs.append([])
        runs[-1].append(position)
        end = max(end, last[groups.find(position)])
    if len(runs) < 2:
        return None
    return [_component(problem, children, owner, positions) for positions in runs]


def _component(
    problem: Problem, children: tuple[int, ...], owner: list[int], positions: list[int]
) -> Component:
    nodes = problem.nodes
    units = tuple(children[p] for p in positions)
    chosen = set(positions)
    order = [0] + [i for i in range(1, len(nodes)) if owner[i] in chosen]
    new = {old: new for new, old in enumerate(order)}
    renumbered = []
    for old in order[1:]:
        node = nodes[old]
        owner_of = node.elective_of
        if not node.children and owner_of is None:
            renumbered.append(node)  # a leaf names no other node
            continue
        renumbered.append(
            replace(
                node,
                children=tuple(new[c] for c in node.children),
                elective_of=None if owner_of is None else new[owner_of],
            )
        )
    root = replace(nodes[0], children=tuple(new[u] for u in units), waived=False, blocked=False)
    keys = {key for node in renumbered for option in node.options for key in option}
    limits = tuple(
        Limit(new[limit.scope], limit.items, limit.max_units, limit.min_units)
        for limit in problem.limits
        if limit.scope in new and (limit.scope > 0 or limit.items & keys)
    )
    part = Problem(
        items=tuple(item for item in problem.items if item.key in keys),
        nodes=(root, *renumbered),
        limits=limits,
        exclusive=tuple(group for group in problem.exclusive if set(group) & keys),
    )
    return Component(units=units, nodes=tuple(order), problem=part)


def solve_split(
    problem: Problem,
    parts: Sequence[Component],
    solve_part: Callable[[Problem, Solution | None], Solution],
) -> Solution:
    """Solve every component with ``solve_part(component, hint)`` and join the answers
    (exact when ``solve_part`` is; see the module docstring). A component solved again
    without its root's term gets its first answer as the hint (a warm start)."""
    root = problem.nodes[0]
    settled = root.waived or root.blocked  # the goal's own "met" does not depend on them
    links = chain(problem)
    if settled and not links:
        return _join(problem, links, parts, [solve_part(part.blocked(), None) for part in parts])
    answers = [solve_part(part.problem, None) for part in parts]
    met_all = all(answer.met[0] for answer in answers)
    if met_all and not settled:
        return _join(problem, links, parts, answers)
    blocked = [
        solve_part(part.blocked(), replace(answer, met=(False, *answer.met[1:])))
        if answer.met[0]
        else answer
        for part, answer in zip(parts, answers, strict=True)
    ]
    apart = _join(problem, links, parts, blocked)
    if not met_all:
        return apart
    together = _join(problem, links, parts, answers)
    return max(together, apart, key=lambda answer: ranking(problem, answer.met, answer.uses))


def _join(
    problem: Problem,
    links: Sequence[int],
    parts: Sequence[Component],
    answers: Sequence[Solution],
) -> Solution:
    """The whole problem's allocation made of each component's answer; the root and its
    chain (``links``) are met as their children are (the root always when waived, never
    when blocked)."""
    root = problem.nodes[0]
    met = [False] * len(problem.nodes)
    active = [False] * len(problem.nodes)
    uses: dict[tuple[int, str], int] = {}
    for part, answer in zip(parts, answers, strict=True):
        for new, old in enumerate(part.nodes[1:], start=1):
            met[old] = answer.met[new]
            active[old] = answer.active[new]
        for (leaf, key), units in answer.uses.items():
            uses[(part.nodes[leaf], key)] = units
    for link in reversed([0, *links]):
        active[link] = True
        met[link] = all(met[child] for child in problem.nodes[link].children)
    if root.waived:
        met[0] = True
    elif root.blocked:
        met[0] = False
    return Solution(
        met=tuple(met),
        active=tuple(active),
        uses=uses,
        optimal=all(answer.optimal for answer in answers),
        preferences_proven=all(answer.preferences_proven for answer in answers),
        tie_break_proven=all(answer.tie_break_proven for answer in answers),
    )
