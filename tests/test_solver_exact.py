"""The CP-SAT solver agrees with exhaustive enumeration on random small problems."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from pathways.ortools_import import load_cp_model
from pathways.solver import (
    Item,
    Limit,
    NoAllocation,
    Node,
    NodeKind,
    Problem,
    Solution,
    cpsat,
    objective,
    solve,
    solve_cpsat,
    solve_exhaustive,
    takes_parts,
    tie_break,
)


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    n_items = draw(st.integers(1, 5))
    items = tuple(
        Item(
            key=f"h{i}",
            units=draw(st.integers(0, 3)),
            rank=i,
            attrs={"subject": draw(st.sampled_from(["A", "B", "C"]))},
        )
        for i in range(n_items)
    )
    keys = [item.key for item in items]
    nodes: list[Node] = []
    budget = [draw(st.integers(1, 4))]  # leaves left to place

    def build(depth: int) -> int:
        index = len(nodes)
        nodes.append(Node(kind="all"))  # placeholder
        leaf = depth >= 2 or budget[0] <= 1 or draw(st.booleans())
        if leaf:
            budget[0] -= 1
            kind: NodeKind = draw(st.sampled_from(["has", "credits", "count"]))
            eligible = draw(st.lists(st.sampled_from(keys), unique=True, max_size=3))
            if kind == "has":
                options: list[tuple[str, ...]] = [(k,) for k in eligible]
                if len(eligible) >= 2 and draw(st.booleans()):
                    options.append(tuple(eligible[:2]))  # a sequence
                node = Node(kind="has", need=1, options=tuple(options))
            elif kind == "credits":
                node = Node(
                    kind="credits",
                    need=draw(st.integers(1, 4)),
                    options=tuple((k,) for k in eligible),
                    split=draw(st.booleans()),
                )
            else:
                node = Node(
                    kind="count",
                    need=draw(st.integers(1, 2)),
                    options=tuple((k,) for k in eligible),
                    distinct=("subject", 2) if draw(st.booleans()) else None,
                )
            node = Node(
                **{
                    **{f: getattr(node, f) for f in Node.__slots__},
                    "overlay": draw(st.booleans()) and draw(st.booleans()),
                    "waived": draw(st.integers(0, 9)) == 0,
                }
            )
            if node.options and draw(st.integers(0, 5)) == 0:
                # A registrar's apply_here: this leaf must use that item.
                node = replace(node, forced=(node.options[0][0],))
            nodes[index] = node
            return index
        kind = draw(st.sampled_from(["all", "any", "at_least"]))
        n_children = draw(st.integers(1, 3))
        children = []
        for _ in range(n_children):
            if budget[0] <= 0:
                break
            children.append(build(depth + 1))
        need = draw(st.integers(1, len(children))) if kind == "at_least" else 0
        nodes[index] = Node(
            kind=kind,
            need=need,
            children=tuple(children),
            total=draw(st.sampled_from([0, 0, 2, 4])) if depth == 0 else 0,
        )
        return index

    build(0)
    root = nodes[0]
    if root.kind == "all" and root.total > 0 and draw(st.booleans()):
        # A composite's free electives: fill only to the total, and leave the named
        # requirements their reserve while any of them is unmet.
        nodes.append(
            Node(kind="credits", need=root.total, options=tuple((k,) for k in keys), elective_of=0)
        )
        nodes[0] = replace(
            root,
            children=(*root.children, len(nodes) - 1),
            reserve=draw(st.integers(0, root.total)),
        )
    limits = []
    if draw(st.booleans()):
        chosen = frozenset(draw(st.lists(st.sampled_from(keys), unique=True, min_size=1)))
        if draw(st.booleans()):
            limits.append(Limit(scope=0, items=chosen, max_units=draw(st.integers(0, 3))))
        else:
            limits.append(Limit(scope=0, items=chosen, min_units=draw(st.integers(1, 3))))
    exclusive: tuple[tuple[str, ...], ...] = ()
    if len(keys) >= 2 and draw(st.booleans()):
        exclusive = ((keys[0], keys[1]),)
    return Problem(items=items, nodes=tuple(nodes), limits=tuple(limits), exclusive=exclusive)


def recount(problem: Problem, solution: Solution) -> None:
    """Independent check that no item is used beyond its capacity."""
    units = {item.key: item.units for item in problem.items}
    used: dict[str, int] = {}
    whole: dict[str, int] = {}
    for (leaf, key), amount in solution.uses.items():
        node = problem.nodes[leaf]
        assert solution.active[leaf], "an inactive leaf uses an item"
        if node.overlay:
            continue
        used[key] = used.get(key, 0) + amount
        if node.kind in ("has", "count"):
            whole[key] = whole.get(key, 0) + 1
        elif not takes_parts(node):
            # A whole-holding credits leaf: every item whole, and none beyond the need.
            assert amount == units[key], f"{key} split by a leaf without split"
            whole[key] = whole.get(key, 0) + 1
    for (leaf, key), amount in solution.uses.items():
        node = problem.nodes[leaf]
        if node.kind == "credits" and not takes_parts(node):
            taken = sum(a for (other, _), a in solution.uses.items() if other == leaf)
            assert taken - amount < node.need, f"leaf {leaf} holds {key} beyond its need"
    for key, amount in used.items():
        assert amount <= units[key], f"{key} over-used: {amount} > {units[key]}"
    assert all(n <= 1 for n in whole.values())


@settings(max_examples=2000, deadline=None)
@given(problems())
def test_cpsat_matches_exhaustive_on_small_problems(problem: Problem) -> None:
    note(repr(problem))
    try:
        exact = solve_exhaustive(problem)
    except NoAllocation:
        with pytest.raises(NoAllocation):
            solve_cpsat(problem)
        return
    fast = solve_cpsat(problem)
    recount(problem, exact)
    recount(problem, fast)
    assert fast.optimal
    # Every term of the lexicographic objective agrees, not only the first.
    assert objective(problem, fast.met, fast.uses) == objective(problem, exact.met, exact.uses)


def test_greedy_trap_any_takes_the_spare_course() -> None:
    # A = any(101, 102), B = all(101, 103): A must take 102 for both to be met.
    items = tuple(Item(k, 3, rank=i) for i, k in enumerate(["c101", "c102", "c103"]))
    nodes = (
        Node(kind="all", children=(1, 4)),
        Node(kind="any", children=(2, 3)),
        Node(kind="has", need=1, options=(("c101",),)),
        Node(kind="has", need=1, options=(("c102",),)),
        Node(kind="all", children=(5, 6)),
        Node(kind="has", need=1, options=(("c101",),)),
        Node(kind="has", need=1, options=(("c103",),)),
    )
    problem = Problem(items=items, nodes=nodes)
    for solution in (solve_cpsat(problem), solve_exhaustive(problem)):
        assert solution.met[0]
        assert solution.uses[(3, "c102")] == 3
        assert (2, "c101") not in solution.uses


def test_hard_instance_thirty_overlapping_any_over_sixty_holdings() -> None:
    # 30 `any` requirements, each satisfiable by 3 of 60 holdings in a ring of overlaps:
    # first-fit fails on the ring and exhaustive search has 4^30 branches.
    items = tuple(Item(f"h{i:02d}", 3, rank=i) for i in range(60))
    nodes: list[Node] = [Node(kind="all")]
    children = []
    for r in range(30):
        options = tuple((f"h{(2 * r + d) % 60:02d}",) for d in (0, 1, 2))
        children.append(len(nodes))
        nodes.append(Node(kind="has", need=1, options=options))
    nodes[0] = Node(kind="all", children=tuple(children))
    problem = Problem(items=items, nodes=tuple(nodes))
    solution = solve(problem)
    assert solution.met[0]
    assert solution.applied_units(problem) == 90
    recount(problem, solution)


@settings(max_examples=300, deadline=None)
@given(problems(), st.integers(1, 3), st.data())
def test_a_new_holding_never_makes_the_answer_worse(
    problem: Problem, units: int, data: st.DataObject
) -> None:
    # Monotone in the registrar's order: every allocation without the new holding is still
    # possible, so the best objective vector can only grow. (Without forced placements,
    # which may leave no allocation at all.)
    problem = replace(problem, nodes=tuple(replace(n, forced=()) for n in problem.nodes))
    leaves = [i for i, n in enumerate(problem.nodes) if n.kind in ("credits", "count", "has")]
    chosen = data.draw(st.lists(st.sampled_from(leaves), unique=True, min_size=1))
    nodes = tuple(
        replace(n, options=(*n.options, ("new",))) if i in chosen else n
        for i, n in enumerate(problem.nodes)
    )
    bigger = Problem(
        items=(*problem.items, Item("new", units, rank=99)),
        nodes=nodes,
        limits=problem.limits,
        exclusive=problem.exclusive,
    )
    before = solve_exhaustive(problem)
    after = solve_exhaustive(bigger)
    assert objective(bigger, after.met, after.uses) >= objective(problem, before.met, before.uses)


def _degree(*, split: bool = False) -> Problem:
    """Mathematics (3 credits), Social Sciences (6), free electives up to 14 in all."""
    items = (
        Item("math-1150", 5, rank=0, attrs={"subject": "MATH"}),
        Item("polisci-1100", 3, rank=1, attrs={"subject": "POLITSC"}),
        Item("hist-1151", 3, rank=2, attrs={"subject": "HIST"}),
        Item("art-1000", 3, rank=3, attrs={"subject": "ART"}),
    )
    nodes = (
        Node(kind="all", children=(1, 2, 3), total=14, reserve=9),
        Node(kind="credits", need=3, options=(("math-1150",),), split=split),
        Node(kind="credits", need=6, options=(("polisci-1100",), ("hist-1151",))),
        Node(
            kind="credits",
            need=14,
            options=tuple((i.key,) for i in items),
            elective_of=0,
        ),
    )
    return Problem(items=items, nodes=nodes)


def test_a_course_that_meets_a_requirement_never_sits_in_electives() -> None:
    # The veteran's MATH 1150 (5 credits) goes whole to Mathematics (3 needed); its surplus
    # counts toward the total (5 + 6 + 3 of Art = 14), so no holding is split.
    problem = _degree()
    for solution in (solve_cpsat(problem), solve_exhaustive(problem)):
        assert solution.met == (True, True, True, True)
        assert solution.uses[(1, "math-1150")] == 5
        assert solution.uses[(2, "polisci-1100")] == 3
        assert solution.uses[(3, "art-1000")] == 3
        assert objective(problem, solution.met, solution.uses)[4] == 0  # no split holding


def test_split_true_takes_only_what_the_requirement_needs() -> None:
    problem = _degree(split=True)
    for solution in (solve_cpsat(problem), solve_exhaustive(problem)):
        assert solution.met[0]
        assert solution.uses[(1, "math-1150")] == 3
        assert solution.uses.get((3, "math-1150"), 0) <= 2


def one_split_needed() -> Problem:
    """Two requirements taking parts, 5 and 4 credits, over holdings of 3, 3 and 3: nine
    units fill both exactly, but only by dividing one holding (5 = 3 + 2, 4 = 1 + 3)."""
    items = tuple(Item(f"h{i}", 3, rank=i) for i in range(3))
    options = tuple((item.key,) for item in items)
    nodes = (
        Node(kind="all", children=(1, 2)),
        Node(kind="credits", need=5, options=options, split=True),
        Node(kind="credits", need=4, options=options, split=True),
    )
    return Problem(items=items, nodes=nodes)


def test_the_fewest_splits_are_probed_until_one_count_holds() -> None:
    # One split is needed (one_split_needed), so the probe for no split is proven infeasible
    # and the probe for one finds the allocation.
    problem = one_split_needed()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cpsat, "WHOLE_ITEMS", -1)
        patch.setattr(cpsat, "WHOLE_ITEMS_NAMED", -1)
        staged = solve_cpsat(problem)
    exact = solve_exhaustive(problem)
    assert objective(problem, staged.met, staged.uses) == objective(problem, exact.met, exact.uses)
    assert objective(problem, staged.met, staged.uses)[4] == -1
    assert staged.optimal and staged.preferences_proven


def test_a_probe_out_of_budget_passes_to_the_next_count_unproven() -> None:
    # The same problem, with the probe for no split made to run out of its budget: the probe
    # for one split still finds the best allocation, but nothing ruled out the count above
    # it, so the split count comes back unproven.
    problem = one_split_needed()
    real = cpsat._runner
    probes: list[float] = []

    def runner(model: Any, time_limit: float) -> Callable[..., tuple[Any, Any]]:
        run = real(model, time_limit)

        def budgeted(budget: float | None, threads: int, **options: Any) -> tuple[Any, Any]:
            engine, status = run(budget, threads, **options)
            if budget == cpsat.PREFERENCE_BUDGET:
                probes.append(budget)
                if len(probes) == 1:
                    return engine, load_cp_model().UNKNOWN
            return engine, status

        return budgeted

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cpsat, "WHOLE_ITEMS", -1)
        patch.setattr(cpsat, "WHOLE_ITEMS_NAMED", -1)
        patch.setattr(cpsat, "_runner", runner)
        staged = solve_cpsat(problem)
    exact = solve_exhaustive(problem)
    assert len(probes) == 2
    assert objective(problem, staged.met, staged.uses) == objective(problem, exact.met, exact.uses)
    assert staged.optimal and not staged.preferences_proven


def test_the_probes_stop_at_their_limit_and_keep_the_report_unproven() -> None:
    # The same problem, with room for one probe only: no split is ruled out, and the count
    # of one is never asked, so the report's own allocation is kept, proven on the report's
    # terms and unproven on the later ones.
    problem = one_split_needed()
    probes: list[int] = []
    real = cpsat._probe

    def counted(model: Any, split: Any, count: int, run: Callable[[], Any]) -> tuple[Any, Any]:
        probes.append(count)
        return real(model, split, count, run)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cpsat, "WHOLE_ITEMS", -1)
        patch.setattr(cpsat, "WHOLE_ITEMS_NAMED", -1)
        patch.setattr(cpsat, "PROBE_LIMIT", 1)
        patch.setattr(cpsat, "_probe", counted)
        staged = solve_cpsat(problem)
    exact = solve_exhaustive(problem)
    assert probes == [0]
    report = objective(problem, staged.met, staged.uses)[:4]
    assert report == objective(problem, exact.met, exact.uses)[:4]
    assert staged.optimal and not staged.preferences_proven


def test_named_requirements_met_before_more_credit() -> None:
    # A 4-credit course could fill 4 of "Electives-like" Science (8 needed, unmeetable) or
    # meet Mathematics (3): the registrar's answer meets Mathematics.
    items = (Item("c4", 4, rank=0),)
    nodes = (
        Node(kind="all", children=(1, 2)),
        Node(kind="credits", need=8, options=(("c4",),)),
        Node(kind="credits", need=3, options=(("c4",),)),
    )
    problem = Problem(items=items, nodes=nodes)
    for solution in (solve_cpsat(problem), solve_exhaustive(problem)):
        assert solution.met == (False, False, True)
        assert (2, "c4") in solution.uses


def test_earlier_requirement_filled_first() -> None:
    # General education (15) before non-technical studies (15): with 12 credits that could
    # go to either, they sit in general education, the requirement listed first.
    items = tuple(Item(f"g{i}", 3, rank=i) for i in range(4))
    options = tuple((i.key,) for i in items)
    nodes = (
        Node(kind="all", children=(1, 2)),
        Node(kind="credits", need=15, options=options),
        Node(kind="credits", need=15, options=options),
    )
    problem = Problem(items=items, nodes=nodes)
    for solution in (solve_cpsat(problem), solve_exhaustive(problem)):
        assert {key for (leaf, key) in solution.uses if leaf == 1} == {"g0", "g1", "g2", "g3"}


@settings(max_examples=300, deadline=None)
@given(problems())
def test_solving_whole_first_gives_what_the_stages_give(problem: Problem) -> None:
    # A small problem is first solved whole (every term and the tie-break in one sum, kept
    # only when proven); forced through the stages instead, CP-SAT reaches the same objective
    # and tie-break, proven alike.
    note(repr(problem))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cpsat, "WHOLE_ITEMS", -1)
        patch.setattr(cpsat, "WHOLE_ITEMS_NAMED", -1)
        try:
            staged = solve_cpsat(problem)
        except NoAllocation:
            with pytest.raises(NoAllocation):
                solve_cpsat(problem)
            return
    whole = solve_cpsat(problem)
    assert objective(problem, whole.met, whole.uses) == objective(problem, staged.met, staged.uses)
    assert tie_break(problem, whole.uses) == tie_break(problem, staged.uses)
    assert whole.optimal and staged.optimal and staged.preferences_proven
