"""Free electives by certificate: the named requirements solved alone, the electives filled
after, and the answer kept only when bounds prove it optimal for the whole problem.

A composite with a declared total couples every holding through its free electives, so the
decomposition and the assignment paths cannot take it. But a learner short of the total
usually has every remaining holding fit in the electives, and a learner past it usually has
whole holdings that fill it exactly; either way the hard part is the named requirements'
alone. :func:`solve_electives` tests that, exactly:

1. *The relaxation* ``R``: the problem without its free-elective leaves, without composite
   totals and reserves and without minimum-credit limits; a composite whose total exceeds
   every unit the leaves below it could apply stays unmet in ``R`` too. Any allocation of the
   whole problem, its electives removed, is an allocation of ``R`` in which every node met
   before is still met, with the same named credit, no more split holdings and the same
   catalog-order value.
   So ``R``'s optimum (solved by any exact path: it has no electives, so it decomposes) bounds
   the first three objective terms, and fixes the least split holdings and the best order an
   allocation equal to it on those terms can reach.
2. *The fill*: ``R``'s answer, then every elective leaf in catalog order (a composite's own
   electives are listed after the composites inside it) takes what the named requirements
   left, up to its room: everything when it fits (of holdings that exclude each other, the
   choice that applies most), else the cheapest whole holdings that fill the room exactly,
   else by rank with the last holding divided (or, a second fill, left short). When the
   first divides a holding, a third takes the same credit in each leaf in whole holdings:
   the cheapest that make the electives' total, divided among the leaves in turn.
3. *The certificate*: the joined allocation ``A`` is feasible (read by the reference's own
   evaluation), equals ``R``'s optimum on goal met, requirements met and named credit, and
   on split holdings and catalog order, and either

   * applies every unit any allocation could apply (every holding some requirement may take,
     and of each group of mutually exclusive holdings the heaviest choice), so no allocation
     with that named credit has more elective credit, and reaches the least tie-break of
     applying every unit: each holding of the heaviest choice once, and each always-active
     overlay that can be met at its cheapest reading; or
   * has as much elective credit as the root's total allows (:func:`_elective_bound`),
     splits nothing, or one holding when no whole holdings sum to its units and no named
     requirement takes parts (so every allocation splits one), and reaches the tie-break
     floor of :func:`_tie_break_floor`: the larger of the cheapest holdings summing to (with
     a split, covering) its units, plus the overlays' cheapest readings, and ``R``'s
     tie-break, when proven least, plus the cheapest holdings an elective may take summing
     to (covering) the elective credit; in both, the holdings that every such allocation
     spends in a named requirement (:func:`_held`) are counted there, and neither they nor
     the holdings exclusive with them count as free for the rest.

   Every term an allocation could beat ``A`` on is then bounded by ``A``'s own value, so
   ``A`` is optimal with the general solver's tie-break. When any test fails, the general
   solver decides; once it has proven the report's terms (and, asked, that every allocation
   reaching them splits a holding), :func:`_settler` may still show ``A`` best on the later
   ones, sparing their budgeted search, and, when :func:`_tie_break_floor` reaches its
   tie-break, the tie-break's search too.

Which elective leaf holds a unit of elective credit is not a term of the objective, so
every solver's answer is put in one canonical arrangement by :func:`settle_electives`.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from pathways.solver.cpsat import Settler
from pathways.solver.exhaustive import allocation_met
from pathways.solver.knapsack import (
    Choices,
    Reach,
    alternatives,
    cheapest_of,
    cheapest_sum,
    exclusive_pairs,
    heaviest,
)
from pathways.solver.problem import (
    LEAF_KINDS,
    Item,
    Limit,
    Node,
    Problem,
    Solution,
    objective,
    ranking,
    subtree_leaves,
    takes_parts,
    tie_break,
)


@dataclass(frozen=True, slots=True)
class Relaxed:
    """The relaxation of a problem with free electives; ``kept[i]`` is the original index of
    the relaxation's node ``i``."""

    problem: Problem
    kept: tuple[int, ...]


def relax(problem: Problem) -> Relaxed | None:
    """The relaxation ``R`` (module docstring, step 1), or None for a shape the certificate
    does not cover: an elective leaf with a forced placement, of a composite that is not an
    ``all``."""
    nodes = problem.nodes
    for node in nodes:
        if node.elective_of is not None and (node.forced or nodes[node.elective_of].kind != "all"):
            return None
    kept = tuple(i for i, node in enumerate(nodes) if node.elective_of is None)
    new = {old: position for position, old in enumerate(kept)}
    short = _short_of_total(problem)
    relaxed = tuple(
        nodes[old]  # a leaf: nothing to renumber or relax
        if not (nodes[old].children or nodes[old].total or nodes[old].reserve or short[old])
        else replace(
            nodes[old],
            children=tuple(new[c] for c in nodes[old].children if c in new),
            total=0,
            reserve=0,
            blocked=nodes[old].blocked or short[old],
        )
        for old in kept
    )
    limits = tuple(
        Limit(new[limit.scope], limit.items, limit.max_units)
        for limit in problem.limits
        if limit.max_units is not None
    )
    return Relaxed(Problem(problem.items, relaxed, limits, problem.exclusive), kept)


def _short_of_total(problem: Problem) -> list[bool]:
    """For every node, whether it is a composite no allocation can meet because its total
    exceeds every unit the leaves below it could apply (each holding some non-overlay leaf
    there may take, of each group of exclusive holdings the heaviest choice). Dropping the
    total from the relaxation would otherwise let it meet such a composite and bound the goal
    above anything reachable."""
    nodes = problem.nodes
    below = subtree_leaves(problem)
    units = {item.key: item.units for item in problem.items}
    short = [False] * len(nodes)
    for index, node in enumerate(nodes):
        if node.total <= 0 or node.waived or node.blocked:
            continue
        usable = _takeable(problem, (leaf for leaf in below[index] if not nodes[leaf].overlay))
        if sum(units[key] for key in usable) < node.total:
            short[index] = True
            continue
        choices = alternatives(problem, [item for item in problem.items if item.key in usable])
        short[index] = choices is not None and heaviest(choices)[0] < node.total
    return short


@dataclass(frozen=True, slots=True)
class Attempt:
    """What :func:`solve_electives` found: ``answer``, proven optimal; else possibly
    ``settled``, which gives back a filled allocation once the general solver has proven the
    report's terms, if that allocation is then best on the later ones (see
    :data:`~pathways.solver.cpsat.Settler`), and ``known``, the optimum of the objective's
    first terms as far as a filled allocation proves them (:func:`_known`)."""

    answer: Solution | None = None
    settled: Settler | None = None
    known: tuple[int, ...] = ()
    filled: tuple[Solution, ...] = ()
    """The feasible filled allocations (for :func:`least_filled`)."""


def solve_electives(problem: Problem, solve_named: Callable[[Problem], Solution]) -> Attempt:
    """The certificate's attempt at ``problem`` (module docstring).

    ``solve_named`` must solve a problem without free electives exactly (the relaxation);
    :class:`~pathways.solver.problem.NoAllocation` from it propagates (no allocation of the
    relaxation means none of the problem)."""
    relaxed = relax(problem)
    if relaxed is None:
        return Attempt()
    named = solve_named(relaxed.problem)
    if not (named.optimal and named.preferences_proven):
        return Attempt()  # the bounds on the later terms would not be proven
    bound = objective(relaxed.problem, named.met, named.uses)
    most = _elective_bound(problem, bound)
    filled = []
    for joined in _fills(problem, relaxed, named):
        if _proven(problem, relaxed.problem, named, bound, most, joined):
            return Attempt(answer=joined)
        filled.append(joined)
    known = _known(bound, most, [objective(problem, f.met, f.uses) for f in filled])
    found = [_settler(problem, relaxed.problem, named, bound, joined) for joined in filled]
    settlers = [settler for settler in found if settler is not None]
    if not settlers:
        return Attempt(known=known, filled=tuple(filled))

    def settled(report: Sequence[int], split_needed: bool) -> Solution | None:
        found = (settler(report, split_needed) for settler in settlers)
        return next((best for best in found if best is not None), None)

    return Attempt(settled=settled, known=known, filled=tuple(filled))


def _fills(problem: Problem, relaxed: Relaxed, named: Solution) -> Iterator[Solution]:
    """The feasible filled allocations, in turn (module docstring, step 2): each leaf filled
    by rank, a holding taken in part where no whole holdings fill its room; each leaf left
    short instead; and the first one's elective credit, leaf by leaf, in whole holdings
    (:func:`_whole_fill`), when it took a holding in part."""
    split = _feasible(problem, *_fill(problem, relaxed, named, whole=False))
    if split is not None:
        yield split
    short = _feasible(problem, *_fill(problem, relaxed, named, whole=True))
    if short is not None:
        yield short
    found = None if split is None else _whole_fill(problem, relaxed, named, split)
    whole = None if found is None else _feasible(problem, *found)
    if whole is not None:
        yield whole


def _feasible(
    problem: Problem, uses: dict[tuple[int, str], int], active: list[bool]
) -> Solution | None:
    """The allocation of ``uses`` by the ``active`` leaves, when it is feasible."""
    met = allocation_met(problem, frozenset(_indices(active)), uses)
    return None if met is None else Solution(met=met, active=tuple(active), uses=uses)


def _whole_fill(
    problem: Problem, relaxed: Relaxed, named: Solution, first: Solution
) -> tuple[dict[tuple[int, str], int], list[bool]] | None:
    """``named`` (``R``'s answer) with each elective leaf taking as much as it does in
    ``first`` but in whole holdings, when ``first`` takes a holding in part there: the
    cheapest whole holdings the elective leaves may take (none the named part uses or
    excludes) that make their total, each leaf in turn taking the cheapest of them that make
    its own amount. None when ``first`` takes none in part or there are no such holdings."""
    nodes = problem.nodes
    items = {item.key: item for item in problem.items}
    amounts: dict[int, int] = {}
    parted = False
    for (leaf, key), units in first.uses.items():
        if nodes[leaf].elective_of is not None:
            amounts[leaf] = amounts.get(leaf, 0) + units
            parted = parted or units < items[key].units
    if not parted:
        return None
    uses = {(relaxed.kept[leaf], key): units for (leaf, key), units in named.uses.items()}
    mates = _mates(problem)
    spent = {key for (leaf, key) in uses if not nodes[leaf].overlay}
    gone = spent.union(*(mates[key] for key in spent))
    wanted = {key for leaf in amounts for (key,) in nodes[leaf].options}
    free = [item for item in problem.items if item.key in wanted and item.key not in gone]
    found = cheapest_of(problem, free, sum(amounts.values()))
    if found is None:
        return None
    chosen = set(found[1])
    for leaf in sorted(amounts):
        options = {key for (key,) in nodes[leaf].options}
        mine = [item for item in free if item.key in chosen and item.key in options]
        found = cheapest_of(problem, mine, amounts[leaf])
        if found is None:
            return None
        uses.update(((leaf, key), items[key].units) for key in found[1])
        chosen.difference_update(found[1])
    return uses, list(first.active)


def least_filled(problem: Problem, answer: Solution, filled: Sequence[Solution]) -> Solution:
    """``answer``, or, when its tie-break is not proven least, the filled allocation (of
    ``filled``) equal to it on every objective term with the smallest tie-break below
    ``answer``'s: the general solver's budgeted search for the tie-break may stop above a
    fill the certificate already holds. The flags stay ``answer``'s (its proofs speak of
    those terms, which the fill shares)."""
    if answer.tie_break_proven or not filled:
        return answer
    terms = objective(problem, answer.met, answer.uses)
    best, least = answer, tie_break(problem, answer.uses)
    for joined in filled:
        cost = tie_break(problem, joined.uses)
        if cost < least and objective(problem, joined.met, joined.uses) == terms:
            best, least = joined, cost
    if best is answer:
        return answer
    return replace(
        best,
        optimal=answer.optimal,
        preferences_proven=answer.preferences_proven,
        tie_break_proven=False,
    )


def _known(
    bound: Sequence[int], most: int | None, filled: list[tuple[int, ...]]
) -> tuple[int, ...]:
    """The optimum's first terms, as far as a filled allocation (``filled``: their objective
    terms) proves them: goal met, requirements met and named credit when one reaches the
    relaxation's bound on them (``bound``, which no allocation passes), and the elective
    credit too when it also reaches ``most`` (:func:`_elective_bound`); empty when none
    reaches the relaxation's bound."""
    first = [terms for terms in filled if terms[:3] == bound[:3]]
    if not first:
        return ()
    if most is not None and any(terms[3] == most for terms in first):
        return (*bound[:3], most)
    return tuple(bound[:3])


def _settler(
    problem: Problem, relaxed: Problem, named: Solution, bound: Sequence[int], joined: Solution
) -> Settler | None:
    """Once the general solver proves the report's terms, ``joined`` when it is best on the
    later ones too: it reaches those terms, has the relaxation's catalog order, and either the
    relaxation's split holdings or, when no named requirement takes parts, one split more
    where every allocation reaching the terms splits one: no whole holdings can sum to the
    credit applied, or the caller proved it (``split_needed``). The fewest split holdings and
    the best order are then ``joined``'s, by the bounds of the module docstring (``bound``:
    the relaxation's optimum, ``named``'s terms)."""
    reached = objective(problem, joined.met, joined.uses)
    if reached[:3] != bound[:3] or reached[5] != bound[5]:
        return None
    one_more = reached[4] == -1 and bound[4] == 0 and not _named_parts(problem)
    if reached[4] != bound[4] and not one_more:
        return None
    spending = tie_break(problem, joined.uses)

    @functools.cache
    def unavoidable() -> bool:
        return _split_unavoidable(_usable_choices(problem), reached[2] + reached[3])

    @functools.cache
    def least() -> int | None:
        return _tie_break_floor(problem, relaxed, named, reached)

    def settled(report: Sequence[int], split_needed: bool) -> Solution | None:
        if tuple(report) != reached[:4]:
            return None
        if reached[4] != bound[4] and not (split_needed or unavoidable()):
            return None
        return replace(joined, tie_break_proven=spending == least())

    return settled


def _tie_break_floor(
    problem: Problem, relaxed: Problem, named: Solution, reached: Sequence[int]
) -> int | None:
    """A lower bound of the tie-break of every allocation equal to ``reached`` on every term
    that splits at most one holding (else None), the larger of two:

    * uses outside overlays take whole holdings but the one split's: distinct holdings summing
      to the credit applied (at least, with a split), costing at least the cheapest such; the
      overlays cost at least their cheapest readings (:func:`_overlay_floor`);
    * when ``named``'s tie-break is proven least, the named part spends at least as much: it
      is an allocation of the relaxation equal to ``named`` on every term (``reached`` splits
      as many holdings as ``named``, or one more no named requirement may take), and the
      electives take holdings it left, summing to the elective credit (at least, with a split).

    Each holding a named requirement met in every such allocation must take (:func:`_held`) is
    spent by the named part in either bound, and none exclusive with it counts as free."""
    if reached[4] not in (0, -1):
        return None
    reach: Reach = "exactly" if reached[4] == 0 else "at_least"
    mates = _mates(problem)
    sure = _surely_met(problem, _never_met(problem), reached[0] == 1, reached[1])
    held = _held(problem, sure, mates)
    held_units = sum(item.units for item in held.values())
    held_cost = sum(1 + item.rank for item in held.values() if item.units > 0)
    gone = set(held).union(*(mates[key] for key in held))

    def cheapest(keys: set[str], target: int) -> int | None:
        free = [item for item in problem.items if item.key in keys and item.key not in gone]
        found = cheapest_of(problem, free, target, reach)
        return None if found is None else found[0]

    floors = []
    spent = cheapest(_usable(problem), reached[2] + reached[3] - held_units)
    if spent is not None:
        floors.append(spent + held_cost + _overlay_floor(problem))
    if named.tie_break_proven:
        electives = (i for i, node in enumerate(problem.nodes) if node.elective_of is not None)
        spent = cheapest(_takeable(problem, electives), reached[3])
        if spent is not None:
            floors.append(tie_break(relaxed, named.uses) + spent)
    return max(floors, default=None)


def _held(
    problem: Problem, sure: Sequence[bool], mates: defaultdict[str, set[str]]
) -> dict[str, Item]:
    """The holdings every allocation meeting each node ``sure`` marks (:func:`_surely_met`)
    uses whole in a named requirement: those such a requirement, not waived, cannot be met
    without, of the options still free for it (:func:`_required`). A holding held elsewhere,
    or exclusive (``mates``: :func:`_mates`) with a held one, is not free; the search repeats
    until it finds no more."""
    nodes = problem.nodes
    items = {item.key: item for item in problem.items}
    leaves = [
        index
        for index, node in enumerate(nodes)
        if sure[index] and node.kind in LEAF_KINDS and not node.overlay and not node.waived
        if not (node.kind == "credits" and takes_parts(node))
    ]
    owner: dict[str, int] = {}  # holding → the requirement it is held for
    found = True
    while found:
        found = False
        for index in leaves:
            node = nodes[index]
            free = [
                option
                for option in node.options
                if all(owner.get(k, index) == index and mates[k].isdisjoint(owner) for k in option)
            ]
            new = [key for key in _required(node, free, items) if key not in owner]
            if new:
                owner.update((key, index) for key in new)
                found = True
    return {key: items[key] for key in owner}


def _required(node: Node, free: list[tuple[str, ...]], items: dict[str, Item]) -> list[str]:
    """The holdings leaf ``node``, met with only ``free`` of its options, must use: a ``has``'s
    in every option, a ``count``'s all when just ``need`` are left, a whole-holding
    ``credits``'s each without which the others fall short of its need."""
    if node.kind == "has":
        return [key for key in free[0] if all(key in option for option in free)] if free else []
    if node.kind == "count":
        return [key for (key,) in free] if len(free) == node.need else []
    left = sum(items[key].units for (key,) in free)
    return [key for (key,) in free if left - items[key].units < node.need]


def _mates(problem: Problem) -> defaultdict[str, set[str]]:
    """For every holding, the holdings it may not be applied beside (its exclusive groups')."""
    mates: defaultdict[str, set[str]] = defaultdict(set)
    for group in problem.exclusive:
        for key in group:
            mates[key].update(other for other in group if other != key)
    return mates


def _never_met(problem: Problem) -> list[bool]:
    """For every node, whether no allocation can meet it (a leaf nothing can fill, or a
    group whose met children are never enough)."""
    nodes = problem.nodes
    units = {item.key: item.units for item in problem.items}
    never = [False] * len(nodes)
    for index in reversed(range(len(nodes))):
        node = nodes[index]
        named = [c for c in node.children if nodes[c].elective_of is None]
        if node.waived or node.elective_of is not None:
            continue
        if node.kind == "has":
            never[index] = not node.options
        elif node.kind == "count":
            never[index] = len(node.options) < node.need
        elif node.kind == "credits":
            never[index] = sum(units[option[0]] for option in node.options) < node.need
        elif node.kind == "all":
            never[index] = any(never[c] for c in named)
        else:
            need = 1 if node.kind == "any" else node.need
            never[index] = sum(not never[c] for c in named) < need
    return never


def _fill(
    problem: Problem, relaxed: Relaxed, named: Solution, *, whole: bool
) -> tuple[dict[tuple[int, str], int], list[bool]]:
    """``R``'s answer in the problem's numbering, then every elective leaf filled in catalog
    order (a composite's own electives are listed after the composites inside it)."""
    nodes = problem.nodes
    kept = relaxed.kept
    uses = {(kept[leaf], key): units for (leaf, key), units in named.uses.items()}
    active = [False] * len(nodes)
    for position, old in enumerate(kept):
        active[old] = named.active[position]
    electives = [i for i, node in enumerate(nodes) if node.elective_of is not None]
    for leaf in electives:
        active[leaf] = active[nodes[leaf].elective_of or 0]
    room = _Room(problem, uses, whole=whole)
    for leaf in electives:
        if active[leaf]:
            room.fill(leaf, uses, active)
    return uses, active


def settle_electives(problem: Problem, solution: Solution) -> Solution:
    """The canonical form of an optimal allocation. The objective does not say which elective
    leaf holds a unit of elective credit, nor which of the holdings in free electives is the
    one taken in part; this rule does, so every solver reports the same credit in each
    requirement. With the same named allocation, the same holdings in free electives and the
    same elective credit in all, the elective leaves are filled in catalog order (a
    composite's own electives are listed after the composites inside it, so they fill before
    the enclosing composite's), each up to its room: first every holding whole (what the
    named requirements leave of it), by rank, in the earliest leaf with room for it; then the
    credit still to place, from the one holding left, in the earliest leaf with room for it.
    ``solution`` comes back unchanged when it has fewer than two active elective leaves, or
    when the settled arrangement cannot be built or is not equal to it on every term and on
    the tie-break."""
    nodes = problem.nodes
    electives = [
        i for i, node in enumerate(nodes) if node.elective_of is not None and solution.active[i]
    ]
    if len(electives) < 2:
        return solution
    uses = _Placement(problem, solution).place(electives)
    if uses is None:
        return solution
    met = allocation_met(problem, frozenset(_indices(solution.active)), uses)
    if met is None or ranking(problem, met, uses) != ranking(problem, solution.met, solution.uses):
        return solution
    return replace(solution, met=met, uses=uses)


def _indices(flags: Iterable[bool]) -> Iterable[int]:
    return (i for i, flag in enumerate(flags) if flag)


def _elective_room(
    problem: Problem,
    below: list[list[int]],
    active: frozenset[int],
    uses: dict[tuple[int, str], int],
    leaf: int,
) -> int:
    """What elective ``leaf`` may still take under ``uses``: its composite's total less what
    the composite applies, and, while a named part of the composite is unmet, its total less
    its reserve less what the leaf already holds."""
    nodes = problem.nodes
    owner = nodes[leaf].elective_of or 0
    composite = nodes[owner]
    inside = set(below[owner])
    room = composite.total - sum(
        units for (other, _), units in uses.items() if other in inside and not nodes[other].overlay
    )
    if composite.reserve > 0:
        held = sum(units for (other, _), units in uses.items() if other == leaf)
        capped = composite.total - composite.reserve - held
        # The reserve binds only below the room, so only then is "met" worth evaluating.
        if capped < room:
            met = allocation_met(problem, active, uses, below)
            if met is None or not all(met[c] for c in composite.children if c != leaf):
                room = capped
    return room


class _Placement:
    """:func:`settle_electives`' arrangement of one solution's elective credit."""

    def __init__(self, problem: Problem, solution: Solution) -> None:
        self.problem = problem
        nodes = problem.nodes
        self.uses = {
            (leaf, key): units
            for (leaf, key), units in solution.uses.items()
            if nodes[leaf].elective_of is None
        }
        rank = {item.key: item.rank for item in problem.items}
        self.chosen = sorted(
            {key for (leaf, key) in solution.uses if nodes[leaf].elective_of is not None},
            key=lambda key: (rank[key], key),
        )
        self.credit = sum(
            units
            for (leaf, _), units in solution.uses.items()
            if nodes[leaf].elective_of is not None
        )
        named = {key: 0 for key in self.chosen}
        for (leaf, key), units in self.uses.items():
            if key in named and not nodes[leaf].overlay:
                named[key] += units
        whole = {item.key: item.units for item in problem.items}
        self.left = {key: whole[key] - named[key] for key in self.chosen}
        self.below = subtree_leaves(problem)
        self.active = frozenset(_indices(solution.active))

    def room(self, leaf: int) -> int:
        """What elective ``leaf`` may still take (:func:`_elective_room`)."""
        return _elective_room(self.problem, self.below, self.active, self.uses, leaf)

    def place(self, electives: list[int]) -> dict[tuple[int, str], int] | None:
        """The named uses and the settled elective uses; None when the credit finds no room
        as the rule places it."""
        nodes = self.problem.nodes
        eligible = {leaf: {option[0] for option in nodes[leaf].options} for leaf in electives}
        placed: set[str] = set()
        for leaf in electives:
            room = self.room(leaf)
            for key in self.chosen:
                amount = self.left[key]
                if key in eligible[leaf] and key not in placed and amount <= min(room, self.credit):
                    self.uses[(leaf, key)] = amount
                    placed.add(key)
                    room -= amount
                    self.credit -= amount
        rest = [key for key in self.chosen if key not in placed]
        if not rest and self.credit == 0:
            return self.uses
        if len(rest) != 1 or not 0 < self.credit <= self.left[rest[0]]:
            return None
        for leaf in electives:
            if rest[0] in eligible[leaf] and self.room(leaf) >= self.credit:
                self.uses[(leaf, rest[0])] = self.credit
                return self.uses
        return None


class _Room:
    """What is left for free electives while they are filled: units of each holding, the
    holdings an exclusive pair already rules out, and each maximum-credit limit's slack.
    ``whole``: where no whole holdings fill a leaf's room exactly, leave it short rather than
    take a holding in part (what is left may still fill a later leaf)."""

    def __init__(self, problem: Problem, uses: dict[tuple[int, str], int], *, whole: bool) -> None:
        self.problem = problem
        self.whole = whole
        self.below = subtree_leaves(problem)
        self.items = {item.key: item for item in problem.items}
        self.left = {item.key: item.units for item in problem.items}
        self.mates = _mates(problem)
        self.excluded: set[str] = set()
        self.limit_left = [
            limit.max_units if limit.max_units is not None else -1 for limit in problem.limits
        ]
        for (leaf, key), units in uses.items():
            if not problem.nodes[leaf].overlay:
                self.take(leaf, key, units)

    def take(self, leaf: int, key: str, units: int) -> None:
        self.left[key] -= units
        self.excluded.update(self.mates[key])
        for position, limit in enumerate(self.problem.limits):
            counted = limit.max_units is not None and key in limit.items
            if counted and leaf in self.below[limit.scope]:
                self.limit_left[position] -= units

    def limit_room(self, leaf: int, key: str) -> int | None:
        bounds = [
            self.limit_left[position]
            for position, limit in enumerate(self.problem.limits)
            if limit.max_units is not None
            and key in limit.items
            and leaf in self.below[limit.scope]
        ]
        return min(bounds) if bounds else None

    def fill(self, leaf: int, uses: dict[tuple[int, str], int], active: list[bool]) -> None:
        """Fill elective ``leaf`` by rank up to its composite's room (its total less what the
        rest of the composite applies; its total less its reserve while a named part of it
        is unmet)."""
        nodes = self.problem.nodes
        room = _elective_room(self.problem, self.below, frozenset(_indices(active)), uses, leaf)
        keys = sorted((option[0] for option in nodes[leaf].options), key=self._rank)
        keys = [key for key in keys if self.left[key] > 0 and key not in self.excluded]
        short = 0 < room < sum(self.left[key] for key in keys)
        if short or (room > 0 and exclusive_pairs(self.problem, set(keys))):
            # Too little room for all, or exclusive holdings among them: the cheapest whole
            # holdings that fill it (with room for all, the heaviest choice of each group).
            free = [key for key in keys if self.unlimited(leaf, key, keys)]
            chosen = self.cheapest(free, room, "exactly") or self.cheapest(
                free, room, "at_least" if short and not self.whole else "at_most"
            )
            if chosen is not None:
                keys = chosen
        for key in keys:
            if room <= 0:
                break
            take = min(self.left[key], room)
            bound = self.limit_room(leaf, key)
            if bound is not None:
                take = min(take, bound)
            if take <= 0 or key in self.excluded:
                continue
            uses[(leaf, key)] = take
            self.take(leaf, key, take)
            room -= take

    def unlimited(self, leaf: int, key: str, keys: list[str]) -> bool:
        """Whether ``leaf`` may take ``key`` whole whatever else of ``keys`` it takes: every
        maximum-credit limit over it has room for all of them."""
        return all(
            self.limit_left[position] >= sum(self.left[k] for k in keys if k in limit.items)
            for position, limit in enumerate(self.problem.limits)
            if limit.max_units is not None
            and key in limit.items
            and leaf in self.below[limit.scope]
        )

    def cheapest(self, keys: list[str], room: int, reach: Reach) -> list[str] | None:
        """The cheapest (tie-break) whole holdings among ``keys`` that fill ``room`` units as
        ``reach`` says (see :func:`cheapest_sum`; with ``at_least`` the last by rank is then
        taken in part), no exclusive pair together, by rank; None when there are none. A
        holding counts with what is left of it (an earlier leaf may have taken part)."""
        items = [replace(self.items[key], units=self.left[key]) for key in keys]
        found = cheapest_of(self.problem, items, room, reach)
        return None if found is None else sorted(found[1], key=self._rank)

    def _rank(self, key: str) -> tuple[int, str]:
        return self.items[key].rank, key


def _proven(
    problem: Problem,
    relaxed: Problem,
    named: Solution,
    bound: Sequence[int],
    most: int | None,
    joined: Solution,
) -> bool:
    """Whether ``joined`` meets every bound of the certificate (module docstring, step 3):
    ``bound``, the relaxation's optimum (``named``'s terms), and ``most``, the elective credit
    no allocation equal to it passes (:func:`_elective_bound`)."""
    reached = objective(problem, joined.met, joined.uses)
    if reached[:3] != bound[:3] or reached[5] != bound[5]:
        return False
    choices = _usable_choices(problem)
    if choices is None:
        return False
    most_units, least_spent = heaviest(choices)
    spending = tie_break(problem, joined.uses)
    applied = joined.applied_units(problem)
    if applied == most_units:
        return reached[4] == bound[4] and spending - _overlay_floor(problem) == least_spent
    # Short of every unit: electives at their bound, nothing split by the named part, and one
    # split only where no whole holdings sum to the units; :func:`_tie_break_floor` bounds the rest.
    if bound[4] != 0 or reached[3] != most:
        return False
    if reached[4] != 0 and not (
        reached[4] == -1 and not _named_parts(problem) and _split_unavoidable(choices, applied)
    ):
        return False
    return spending == _tie_break_floor(problem, relaxed, named, reached)


def _split_unavoidable(choices: Choices | None, credit: int) -> bool:
    """Whether no whole holdings of ``choices`` (:func:`_usable_choices`) sum to ``credit``."""
    return choices is not None and cheapest_sum(choices, credit) is None


def _named_parts(problem: Problem) -> bool:
    """Whether a named requirement may take part of a holding (a ``split`` credits leaf)."""
    return any(node.split and node.elective_of is None for node in problem.nodes)


def _elective_bound(problem: Problem, bound: Sequence[int]) -> int | None:
    """The most elective credit an allocation equal to ``bound`` (the relaxation's optimum)
    on goal met, requirements met and named credit can have, when the root has free
    electives: they fill only below the root's total, so either the total less the named
    credit, or (the root's electives empty) what the composites inside can hold; each inner
    composite holds at most its total less the named credit it must hold — what its named
    leaves that every such allocation meets apply at least (:func:`_surely_met`,
    :func:`_least_named`), and the named credit less the most the named leaves outside it
    can apply (:func:`_most_named`) — or what the composites inside it hold. None when the
    root has no free electives of its own."""
    goal_met, named_met, named = bound[0] == 1, bound[1], bound[2]
    nodes = problem.nodes
    owners = sorted({node.elective_of for node in nodes if node.elective_of is not None})
    if not owners or owners[0] != 0:
        return None
    parent = {child: index for index, node in enumerate(nodes) for child in node.children}
    never = _never_met(problem)
    least = _least_named(problem, _surely_met(problem, never, goal_met, named_met))
    most_named = _most_named(problem)
    holds = {owner: 0 for owner in owners}  # what the owners inside each owner can hold

    def reserved(owner: int, most: int) -> int:
        """``most``, or less while the reserve stays: a named part that is never met keeps
        the composite's own electives within its total less its reserve."""
        node = nodes[owner]
        if node.reserve > 0 and any(
            never[c] for c in node.children if nodes[c].elective_of is None
        ):
            return min(most, holds[owner] + max(0, node.total - node.reserve))
        return most

    for owner in reversed(owners[1:]):
        outer = parent[owner]
        while outer not in holds:
            outer = parent[outer]
        inside = max(least[owner], named - (most_named[0] - most_named[owner]))
        own = max(0, nodes[owner].total - inside)
        holds[outer] += reserved(owner, max(own, holds[owner]))
    return reserved(0, max(nodes[0].total - named, holds[0]))


def _most_named(problem: Problem) -> list[int]:
    """For every node, the most units the named leaves below it (not overlays) can apply: a
    ``credits`` leaf its need when it takes parts (never more than its options hold), else
    the most of :func:`_most_whole`; a ``has`` leaf its heaviest option, a ``count`` leaf its
    ``need`` heaviest options."""
    nodes = problem.nodes
    units = {item.key: item.units for item in problem.items}
    most = [0] * len(nodes)
    for index in reversed(range(len(nodes))):
        node = nodes[index]
        if node.kind not in LEAF_KINDS:
            most[index] = sum(most[child] for child in node.children)
            continue
        if node.overlay or node.elective_of is not None:
            continue
        weights = sorted(
            (sum(units[key] for key in option) for option in node.options), reverse=True
        )
        if node.kind == "credits":
            most[index] = (
                min(sum(weights), node.need) if node.split else _most_whole(weights, node.need)
            )
        elif node.kind == "has":
            most[index] = max(weights, default=0)
        else:
            most[index] = sum(weights[: node.need])
    return most


def _most_whole(weights: list[int], need: int) -> int:
    """The largest sum of some of ``weights`` (each at most once) that a ``credits`` leaf
    taking whole holdings only while short may apply: a choice whose sum less its lightest
    weight stays below ``need``. Taken heaviest first, each weight is the lightest of a
    choice whose other weights sum to at most ``need - 1`` among those before it (a subset
    sum, as a bit set of the sums reached)."""
    if need <= 0:
        return 0  # met with nothing: the leaf takes nothing
    best = 0
    reached = 1  # bit s: some choice of the weights so far sums to s
    below = (1 << need) - 1
    for weight in sorted(weights, reverse=True):
        if weight <= 0:
            continue
        best = max(best, (reached & below).bit_length() - 1 + weight)
        reached |= reached << weight
    return best


def _least_reaching(weights: list[int], need: int) -> int:
    """The smallest sum of some of ``weights`` (each at most once) that reaches ``need``:
    what a met ``credits`` leaf taking whole holdings applies at least (``need`` itself when
    no choice reaches it: such a leaf is never met)."""
    reached = 1  # bit s: some choice sums to s
    for weight in weights:
        reached |= reached << weight
    above = reached >> need
    return need + (above & -above).bit_length() - 1 if above else need


def _least_named(problem: Problem, sure: list[bool]) -> list[int]:
    """For every node, the fewest units the named leaves below it (not overlays) apply in any
    allocation that meets every node ``sure`` marks (:func:`_surely_met`): such a leaf, unless
    waived, applies at least its need (a ``credits`` leaf taking parts), the lightest choice of
    its options reaching its need (one taking holdings whole), its lightest option (``has``)
    or its ``need`` lightest options (``count``)."""
    nodes = problem.nodes
    units = {item.key: item.units for item in problem.items}
    least = [0] * len(nodes)
    for index, node in enumerate(nodes):
        if not sure[index] or node.kind not in LEAF_KINDS or node.overlay or node.waived:
            continue
        weights = sorted(sum(units[key] for key in option) for option in node.options)
        if node.kind == "credits":
            least[index] = node.need if node.split else _least_reaching(weights, node.need)
        elif node.kind == "has":
            least[index] = weights[0] if weights else 0
        elif node.kind == "count":
            least[index] = sum(weights[: node.need])
    for index in reversed(range(len(nodes))):
        least[index] += sum(least[child] for child in nodes[index].children)
    return least


def _surely_met(
    problem: Problem, never: Sequence[bool], goal_met: bool, named_met: int
) -> list[bool]:
    """For every node, whether every allocation that meets ``named_met`` named requirements
    (and, with ``goal_met``, the goal) meets it: when no more than that many named
    requirements can be met at all (``never``, from :func:`_never_met`, rules out the rest),
    each of them; with the goal met, the goal; and every named child, not waived, of such an
    ``all`` that is not waived itself."""
    nodes = problem.nodes
    candidates = [i for i, node in enumerate(nodes) if node.elective_of is None and not never[i]]
    met = [False] * len(nodes)
    if len(candidates) == named_met:
        for index in candidates:
            met[index] = True
    met[0] = met[0] or (goal_met and not nodes[0].waived)
    for index, node in enumerate(nodes):  # parents come before their children
        if met[index] and node.kind == "all" and not node.waived:
            for child in node.children:
                met[child] = met[child] or (
                    nodes[child].elective_of is None and not nodes[child].waived
                )
    return met


def _takeable(problem: Problem, leaves: Iterable[int]) -> set[str]:
    """The holdings some of ``leaves`` may take."""
    nodes = problem.nodes
    return {key for leaf in leaves for option in nodes[leaf].options for key in option}


def _usable(problem: Problem) -> set[str]:
    """The holdings some non-overlay leaf may take."""
    nodes = problem.nodes
    return _takeable(
        problem, (i for i, node in enumerate(nodes) if node.kind in LEAF_KINDS and not node.overlay)
    )


def _usable_choices(problem: Problem) -> Choices | None:
    """The holdings some non-overlay leaf may take, as :func:`alternatives`."""
    usable = _usable(problem)
    return alternatives(problem, [item for item in problem.items if item.key in usable])


def _overlay_floor(problem: Problem) -> int:
    """A lower bound of the tie-break every optimal allocation spends on overlays: an overlay
    leaf that is always active (every ancestor an ``all``) and can be met is met by every
    optimal allocation (reading costs nothing else), so it spends at least its cheapest
    reading; any other overlay may spend nothing."""
    nodes = problem.nodes
    items = {item.key: item for item in problem.items}
    parent = {child: index for index, node in enumerate(nodes) for child in node.children}
    floor = 0
    for index, node in enumerate(nodes):
        if node.overlay and node.kind in LEAF_KINDS and _always_active(index, parent, nodes):
            floor += _cheapest_reading(node, items)
    return floor


def _always_active(index: int, parent: dict[int, int], nodes: tuple[Node, ...]) -> bool:
    return all(nodes[above].kind == "all" for above in _ancestors(index, parent))


def _ancestors(index: int, parent: dict[int, int]) -> Iterator[int]:
    """The nodes above ``index`` (``parent``: each node's parent), nearest first."""
    while index in parent:
        index = parent[index]
        yield index


def _cheapest_reading(node: Node, items: dict[str, Item]) -> int:
    """The least tie-break that meets overlay ``node`` on its own; 0 when it may stay unmet
    at no cost to the objective (waived, blocked, a ``distinct`` rule, or nothing meets it)."""
    if node.waived or node.blocked or node.distinct is not None:
        return 0
    costs = sorted(sum(1 + items[key].rank for key in option) for option in node.options)
    if node.kind == "has":
        return costs[0] if costs else 0
    if node.kind == "count":
        return sum(costs[: node.need]) if len(costs) >= node.need else 0
    reachable = sum(items[option[0]].units for option in node.options)
    positive = [1 + items[o[0]].rank for o in node.options if items[o[0]].units > 0]
    return min(positive) if node.need > 0 and reachable >= node.need and positive else 0
