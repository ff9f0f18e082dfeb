"""The allocation as an OR-Tools CP-SAT model: every variable and constraint of the semantics
in :mod:`pathways.solver`, and no objective. :mod:`pathways.solver.cpsat` solves it; the
planner extends it with candidate holdings and costs of its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from pathways.solver.problem import (
    LEAF_KINDS,
    NoAllocation,
    Node,
    Problem,
    check_order,
    order_weights,
    subtree_leaves,
    takes_parts,
)

__all__ = ["CpAllocation", "build_cpsat", "pooled_electives", "pooled_uses"]


def _enforce_at_least(model: Any, terms: list[Any], bound: int, flag: Any) -> None:
    """Add ``sum(terms) >= bound`` when ``flag`` holds (``flag`` false if terms are empty)."""
    if bound <= 0:
        return
    if not terms:
        model.add(flag == 0)
        return
    model.add(sum(terms) >= bound).only_enforce_if(flag)


@dataclass
class CpAllocation:
    """The CP-SAT model of a :class:`Problem`'s allocation, for callers that extend it.

    :func:`build_cpsat` adds every constraint of the allocation (the semantics in the module
    docstring) and no objective. A caller may add its own variables, constraints and
    objective to ``model`` (the planner does: candidate holdings, a forced root, costs).

    * ``met[i]`` / ``active[i]``: node ``i`` is met / on the path the allocation follows;
    * ``uses[(leaf, key)]``: ``(used, units)`` pairs, one per way the leaf can use the item
      (an option of a ``has``/``count`` leaf holding it, or the part a ``credits`` leaf
      takes); ``used`` is a boolean variable, ``units`` the units it applies — overlay leaves
      included;
    * ``applied[leaf]``: the units the leaf applies;
    * ``pooled``: groups of free-elective leaves each built as one pool
      (:func:`pooled_electives`; only without ``terms``), whose uses all sit under the
      group's first leaf: read them with :func:`pooled_uses`;
    * ``terms``: the audit's lexicographic objective, one expression per term of
      :data:`~pathways.solver.problem.OBJECTIVE` (each to maximise, most important first;
      empty when built without it); ``penalty``: the terms of
      :func:`~pathways.solver.problem.tie_break`, to minimise.
    """

    model: Any
    met: list[Any]
    active: list[Any]
    uses: dict[tuple[int, str], list[tuple[Any, Any]]]
    applied: dict[int, Any]
    pooled: tuple[tuple[int, ...], ...]
    terms: list[Any]
    penalty: list[Any]


def build_cpsat(problem: Problem, *, terms: bool = True) -> CpAllocation:
    """The CP-SAT model of ``problem``'s allocation, without an objective (see
    :class:`CpAllocation`). With ``terms`` false the model leaves out what only the
    objective's terms read (a flag per holding taken in part, for the fewest split holdings)
    and ``terms`` comes back empty, and free-elective leaves that read the same holdings are
    pooled (:func:`pooled_electives`): the planner, whose objectives are its own, builds it
    so. Measured 2026-12-05: leaving the split flags out, Wright State's BSB from an empty
    record presolves 544 fewer variables in each solve and plans 15 % faster, the same plan;
    of the bench's 40 generated plans two change, each to steps earlier in id order (the
    planner's tie-break), which its budgeted stage now reaches (one of them proven). Pooling
    then took that BSB plan from 0.29 to 0.22 s (1,893 variables to 1,220, the same plan),
    and the 40 generated plans from 18.4 to 14.0 s, every plan the same."""
    check_order(problem)
    build = _CpBuilder(problem, terms=terms)
    for index, node in enumerate(problem.nodes):
        build.node(index, node)
    build.pool_electives()
    build.capacities()
    build.totals_and_electives()
    build.subtree_bounds()
    build.limits()
    build.exclusive()
    return CpAllocation(
        model=build.model,
        met=build.met,
        active=build.active,
        uses=build.use_vars,
        applied=build.applied,
        pooled=build.pooled,
        terms=build.terms() if terms else [],
        penalty=build.penalty,
    )


class _CpBuilder:
    """The variables and constraints of :func:`build_cpsat`, added in a fixed order."""

    def __init__(self, problem: Problem, *, terms: bool) -> None:
        from pathways.ortools_import import new_cp_model

        self.problem = problem
        self.with_terms = terms
        self.nodes = problem.nodes
        self.items = {item.key: item for item in problem.items}
        self.below = subtree_leaves(problem)
        self.model = model = new_cp_model()  # without pandas, without camelCase aliases
        self.met = [model.new_bool_var(f"m{i}") for i in range(len(self.nodes))]
        self.active = [model.new_bool_var(f"a{i}") for i in range(len(self.nodes))]
        model.add(self.active[0] == 1)
        self.applied: dict[int, Any] = {}  # leaf → linear expression of the units it applies
        # use_vars[(leaf, key)] = [(bool var "used", units expression)]
        self.use_vars: dict[tuple[int, str], list[tuple[Any, Any]]] = {}
        self.whole_uses: dict[str, list[Any]] = {k: [] for k in self.items}
        self.part_uses: dict[str, list[Any]] = {k: [] for k in self.items}
        self.any_use: dict[str, list[Any]] = {k: [] for k in self.items}
        self.split_flags: dict[str, list[Any]] = {k: [] for k in self.items}
        self.penalty: list[Any] = []
        self.pooled = () if terms else pooled_electives(problem)
        self.in_pool = {index for pool in self.pooled for index in pool}

    def node(self, index: int, node: Node) -> None:
        model, met, active = self.model, self.met, self.active
        if node.elective_of is not None:
            node = replace(node, waived=True)
        model.add_implication(met[index], active[index])
        if node.blocked:
            model.add(met[index] == 0)
        if node.kind == "all":
            for child in node.children:
                model.add(active[child] == active[index])
            if not node.waived:
                for child in node.children:
                    model.add_implication(met[index], met[child])
        elif node.kind in ("any", "at_least"):
            width = 1 if node.kind == "any" else node.need
            for child in node.children:
                model.add_implication(active[child], active[index])
            model.add(sum(active[c] for c in node.children) <= width)
            if not node.waived:
                need = 1 if node.kind == "any" else node.need
                model.add(sum(met[c] for c in node.children) >= need).only_enforce_if(met[index])
        elif index not in self.in_pool:  # a pooled elective leaf: pool_electives builds it
            if node.kind in ("has", "count"):
                terms = self.option_leaf(index, node)
            else:
                terms = self.credits_leaf(index, node)
            for key in node.forced:
                pairs = self.use_vars.get((index, key), [])
                if not pairs:
                    raise NoAllocation(f"{key} cannot be placed where an exception puts it")
                model.add(sum(var for var, _ in pairs) >= 1)
            if node.distinct is not None and not node.waived:
                self.distinct(index, node.distinct)
            self.applied[index] = sum(terms) if terms else 0

    def option_leaf(self, index: int, node: Node) -> list[Any]:
        """A ``has`` or ``count`` leaf: one boolean per option, at most ``need`` chosen."""
        model, items = self.model, self.items
        terms: list[Any] = []
        chosen = []
        for o, option in enumerate(node.options):
            var = model.new_bool_var(f"y{index}_{o}")
            model.add_implication(var, self.active[index])
            units = sum(items[k].units for k in option)
            terms.append(units * var)
            chosen.append(var)
            for key in option:
                self.use_vars.setdefault((index, key), []).append((var, items[key].units * var))
                if not node.overlay:
                    self.whole_uses[key].append(var)
                    self.any_use[key].append(var)
                self.penalty.append((1 + items[key].rank) * var)
        bound = 1 if node.kind == "has" else node.need
        if len(chosen) > bound:
            model.add(sum(chosen) <= bound)
        if not node.waived:
            _enforce_at_least(model, chosen, bound, self.met[index])
        return terms

    def credits_leaf(self, index: int, node: Node) -> list[Any]:
        """A ``credits`` leaf: whole items while it is short of ``need`` or, when it takes
        parts (:func:`takes_parts`), an integer number of units of each, ``need`` in all."""
        model, items = self.model, self.items
        terms: list[Any] = []
        flags = []
        parts = takes_parts(node)
        for option in node.options:
            (key,) = option
            units = items[key].units
            cap = min(units, node.need) if parts else units
            if cap <= 0:
                continue
            w = model.new_bool_var(f"w{index}_{key}")
            model.add_implication(w, self.active[index])
            x: Any
            if parts:
                x = model.new_int_var(0, cap, f"x{index}_{key}")
                model.add(x >= 1).only_enforce_if(w)
                model.add(x == 0).only_enforce_if(w.negated())
                if not node.overlay:
                    self.part_uses[key].append(x)
                    if self.with_terms and cap < units:
                        self.split_flags[key].append(w)
                    elif self.with_terms:
                        short = model.new_bool_var(f"s{index}_{key}")
                        model.add(units * short >= units * w - x)
                        self.split_flags[key].append(short)
            else:
                x = units * w
                if not node.overlay:
                    self.whole_uses[key].append(w)
            self.use_vars[(index, key)] = [(w, x)]
            if not node.overlay:
                self.any_use[key].append(w)
            terms.append(x)
            flags.append((w, units))
            self.penalty.append((1 + items[key].rank) * w)
        if parts and terms:
            model.add(sum(terms) <= node.need)
        elif terms:
            # Whole items only while short: dropping any used item leaves the leaf below need.
            taken = model.new_int_var(0, sum(units for _, units in flags), f"t{index}")
            model.add(taken == sum(terms))
            for w, units in flags:
                model.add(taken <= node.need - 1 + units).only_enforce_if(w)
        if not node.waived:
            _enforce_at_least(model, terms, node.need, self.met[index])
        return terms

    def distinct(self, index: int, distinct: tuple[str, int]) -> None:
        attr, at_least = distinct
        by_value: dict[str, list[Any]] = {}
        for (leaf, key), pairs in self.use_vars.items():
            value = self.items[key].attrs.get(attr)
            if leaf == index and value is not None:
                by_value.setdefault(value, []).extend(var for var, _ in pairs)
        zs = []
        for value, vars_ in sorted(by_value.items()):
            z = self.model.new_bool_var(f"z{index}_{value}")
            self.model.add(z <= sum(vars_))
            zs.append(z)
        _enforce_at_least(self.model, zs, at_least, self.met[index])

    def pool_electives(self) -> None:
        """Each pool of free-elective leaves (:attr:`pooled`) as one: the units it takes of
        each holding, and the units each of its leaves applies (at most its need, none unless
        it is active), equal in sum. A use of a holding there is one flag and one amount,
        listed under the pool's first leaf; :func:`pooled_uses` divides the amounts."""
        model, items = self.model, self.items
        for pool in self.pooled:
            takes = []
            for (key,) in self.nodes[pool[0]].options:
                units = items[key].units
                if units <= 0:
                    continue
                w = model.new_bool_var(f"e{pool[0]}_{key}")
                x = model.new_int_var(0, units, f"E{pool[0]}_{key}")
                model.add(x >= 1).only_enforce_if(w)
                model.add(x == 0).only_enforce_if(w.negated())
                self.part_uses[key].append(x)
                self.any_use[key].append(w)
                self.use_vars[(pool[0], key)] = [(w, x)]
                self.penalty.append((1 + items[key].rank) * w)
                takes.append(x)
            amounts = []
            for index in pool:
                amount = model.new_int_var(0, self.nodes[index].need, f"A{index}")
                model.add(amount == 0).only_enforce_if(self.active[index].negated())
                self.applied[index] = amount
                amounts.append(amount)
            model.add(sum(amounts) == sum(takes))

    def capacities(self) -> None:
        """Capacity of every item over non-overlay leaves."""
        for key, item in self.items.items():
            wholes, parts = self.whole_uses[key], self.part_uses[key]
            if len(wholes) > 1:
                self.model.add(sum(wholes) <= 1)
            if parts and (wholes or len(parts) > 1):
                self.model.add(item.units * sum(wholes) + sum(parts) <= item.units)

    def subtree_applied(self, index: int, *, skip: int | None = None) -> Any:
        return sum(
            self.applied[leaf]
            for leaf in self.below[index]
            if leaf != skip and not self.nodes[leaf].overlay
        )

    def totals_and_electives(self) -> None:
        model, nodes, met = self.model, self.nodes, self.met
        for index, node in enumerate(nodes):
            if node.total > 0 and not node.waived:
                _enforce_at_least(model, [self.subtree_applied(index)], node.total, met[index])
            if node.elective_of is not None:
                total = nodes[node.elective_of].total
                rest = self.subtree_applied(node.elective_of, skip=index)
                slack = model.new_int_var(-(10**9), total, f"slack{index}")
                model.add(slack == total - rest)
                room = model.new_int_var(0, total, f"room{index}")
                model.add_max_equality(room, [slack, 0])
                model.add(self.applied[index] <= room)
                owner = nodes[node.elective_of]
                if owner.reserve > 0:
                    named = model.new_bool_var(f"named{index}")
                    for child in owner.children:
                        if child != index:
                            model.add_implication(named, met[child])
                    model.add(self.applied[index] <= max(0, total - owner.reserve)).only_enforce_if(
                        named.negated()
                    )

    def subtree_bounds(self) -> None:
        """Redundant upper bounds on what each subtree can apply: they cost nothing and let
        the LP relaxation prove the optimum instead of searching for it."""
        bounds = _applied_bounds(self.problem)
        for index, node in enumerate(self.nodes):
            if node.kind not in LEAF_KINDS and not node.overlay:
                self.model.add(self.subtree_applied(index) <= bounds[index])

    def limits(self) -> None:
        for limit in self.problem.limits:
            expr = sum(
                units
                for (leaf, key), pairs in self.use_vars.items()
                if key in limit.items
                and leaf in self.below[limit.scope]
                and not self.nodes[leaf].overlay
                for _, units in pairs
            )
            if limit.max_units is not None:
                self.model.add(expr <= limit.max_units)
            if limit.min_units is not None:
                _enforce_at_least(self.model, [expr], limit.min_units, self.met[limit.scope])

    def exclusive(self) -> None:
        for group in self.problem.exclusive:
            used = []
            for key in group:
                if self.any_use.get(key):
                    u = self.model.new_bool_var(f"u_{key}")
                    for var in self.any_use[key]:
                        self.model.add_implication(var, u)
                    used.append(u)
            if len(used) > 1:
                self.model.add(sum(used) <= 1)

    def terms(self) -> list[Any]:
        """The :data:`~pathways.solver.problem.OBJECTIVE` terms as linear expressions, each
        to maximise, in order."""
        model, nodes, applied = self.model, self.nodes, self.applied
        weights = order_weights(self.problem)
        named = [leaf for leaf in applied if not nodes[leaf].overlay]
        split = []
        for key, flags in self.split_flags.items():
            if flags:
                any_split = model.new_bool_var(f"split_{key}")
                for flag in flags:
                    model.add_implication(flag, any_split)
                split.append(any_split)
        return [
            self.met[0],
            sum(self.met[i] for i, node in enumerate(nodes) if node.elective_of is None),
            sum(applied[leaf] for leaf in named if nodes[leaf].elective_of is None),
            sum(applied[leaf] for leaf in named if nodes[leaf].elective_of is not None),
            -sum(split),
            sum(weights[leaf] * applied[leaf] for leaf in named if leaf in weights),
        ]


def pooled_electives(problem: Problem) -> tuple[tuple[int, ...], ...]:
    """The free-elective leaves a model without the objective's terms builds as pools
    (:class:`CpAllocation` ``pooled``): leaves without a forced placement or a ``distinct``
    rule that read the same holdings and lie inside the same limits on those holdings, in
    groups of two or more. Whatever units a pool takes of each holding can then be divided
    among its leaves as each applies (every leaf of it may take part of every holding), and
    each limit reads the same total either way."""
    nodes = problem.nodes
    below = subtree_leaves(problem)
    groups: dict[tuple[frozenset[tuple[str, ...]], tuple[int, ...]], list[int]] = {}
    for index, node in enumerate(nodes):
        if node.elective_of is None or node.forced or node.distinct is not None:
            continue
        keys = {key for option in node.options for key in option}
        inside = tuple(
            number
            for number, limit in enumerate(problem.limits)
            if index in below[limit.scope] and limit.items & keys
        )
        groups.setdefault((frozenset(node.options), inside), []).append(index)
    return tuple(tuple(group) for group in groups.values() if len(group) > 1)


def pooled_uses(cp: CpAllocation, value: Callable[[Any], int]) -> set[tuple[int, str]]:
    """The (leaf, key) pairs of the pooled elective leaves that take part of a holding, each
    pool's amounts (``value`` reads a variable of a solved model) divided in order: holdings
    in the order the leaves list them, each leaf filled in turn up to what it applies."""
    found: set[tuple[int, str]] = set()
    for pool in cp.pooled:
        room = [[leaf, value(cp.applied[leaf])] for leaf in pool]
        position = 0
        for (leaf, key), pairs in cp.uses.items():
            if leaf != pool[0]:
                continue
            left = sum(value(units) for _, units in pairs)
            while left > 0 and position < len(room):
                used = min(left, room[position][1])
                if used:
                    found.add((room[position][0], key))
                left -= used
                room[position][1] -= used
                if room[position][1] == 0:
                    position += 1
    return found


def _applied_bounds(problem: Problem) -> list[int]:
    """For every node, an upper bound of the units its subtree can apply (non-overlay)."""
    nodes = problem.nodes
    units = {item.key: item.units for item in problem.items}
    total_units = sum(units.values())
    bound = [0] * len(nodes)
    electives: dict[int, int] = {}
    for index in reversed(range(len(nodes))):
        node = nodes[index]
        if node.overlay:
            continue
        if node.kind == "has":
            value = max((sum(units[k] for k in o) for o in node.options), default=0)
        elif node.kind == "count":
            best = sorted((units[o[0]] for o in node.options), reverse=True)
            value = sum(best[: node.need])
        elif node.kind == "credits" and takes_parts(node):
            value = min(node.need, sum(min(units[o[0]], node.need) for o in node.options))
        elif node.kind == "credits":
            sizes = [units[o[0]] for o in node.options]
            value = min(sum(sizes), node.need - 1 + max(sizes, default=0))
        else:
            child = [bound[c] for c in node.children if not nodes[c].overlay]
            if node.kind == "all":
                rest = [
                    bound[c]
                    for c in node.children
                    if not nodes[c].overlay and nodes[c].elective_of != index
                ]
                value = sum(child)
                if node.total > 0 and index in electives:
                    # Free electives fill only up to the composite's total.
                    value = max(sum(rest), min(node.total, sum(child)))
            elif node.kind == "any":
                value = max(child, default=0)
            else:
                value = sum(sorted(child, reverse=True)[: node.need])
        if node.elective_of is not None:
            electives[node.elective_of] = index
        bound[index] = min(value, total_units)
    return bound
