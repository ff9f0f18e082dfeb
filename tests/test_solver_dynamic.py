"""The memoised walk (:mod:`pathways.solver.dynamic`) agrees with the exhaustive reference.

On random problems of every shape the exact tests generate (sequences, splits, counts with
``distinct``, overlays, waivers, blocks, forced placements, ``any``/``at_least``, totals,
free electives, limits, exclusive groups), the walk either declines (outside its shape, or
past its work limit) or gives an allocation equal to the reference's on every objective term
and the tie-break, feasible and read the way the reference reads it.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import event, given, note, settings
from hypothesis import strategies as st
from test_solver_exact import problems, recount

from pathways.solver import (
    Item,
    Limit,
    NoAllocation,
    Node,
    Problem,
    dynamic,
    objective,
    solve_cpsat,
    solve_dynamic,
    solve_exhaustive,
    tie_break,
)
from pathways.solver.exhaustive import allocation_met


@st.composite
def blocked_problems(draw: st.DrawFn) -> Problem:
    """The exact tests' problems, with one node blocked now and then (a requirement nothing
    can meet, as the evaluator marks it)."""
    problem = draw(problems())
    index = draw(st.integers(-len(problem.nodes), len(problem.nodes) - 1))
    if index < 0:
        return problem
    nodes = list(problem.nodes)
    nodes[index] = replace(nodes[index], blocked=True)
    return replace(problem, nodes=tuple(nodes))


def _check_walk(problem: Problem) -> None:
    note(repr(problem))
    try:
        exact = solve_exhaustive(problem)
    except NoAllocation:
        if dynamic.fits(problem):
            with pytest.raises(NoAllocation):
                solve_dynamic(problem)
        return
    walked = solve_dynamic(problem)
    event("walked" if walked is not None else "declined")
    if walked is None:
        assert not dynamic.fits(problem)  # every generated problem of the shape is small
        return
    recount(problem, walked)
    active = frozenset(i for i, flag in enumerate(walked.active) if flag)
    assert allocation_met(problem, active, walked.uses) == walked.met
    assert objective(problem, walked.met, walked.uses) == objective(problem, exact.met, exact.uses)
    assert tie_break(problem, walked.uses) == tie_break(problem, exact.uses)
    assert walked.optimal and walked.preferences_proven and walked.tie_break_proven


@settings(max_examples=2000, deadline=None)
@given(blocked_problems())
def test_the_walk_agrees_with_the_reference(problem: Problem) -> None:
    _check_walk(problem)


@settings(max_examples=1500, deadline=None)
@given(blocked_problems())
def test_the_walk_agrees_with_every_tail_answered_by_knapsack(problem: Problem) -> None:
    """The same with every eligible tail (any number of options) answered by
    :meth:`_Table.respond` rather than by enumeration."""
    saved = dynamic.TAIL_OPTIONS
    dynamic.TAIL_OPTIONS = 1
    try:
        _check_walk(problem)
    finally:
        dynamic.TAIL_OPTIONS = saved


def _pools(n: int) -> Problem:
    """Two ``credits`` requirements (need 9 and 11) over ``n`` shared 3-credit holdings, after
    two ``has`` requirements for the first two: the bundled certificate's shape."""
    items = tuple(Item(f"h{i}", 3, rank=i) for i in range(n))
    pool = tuple((item.key,) for item in items)
    nodes = (
        Node(kind="all", children=(1, 2, 3, 4)),
        Node(kind="has", need=1, options=(("h0",),)),
        Node(kind="has", need=1, options=(("h1",),)),
        Node(kind="credits", need=9, options=pool),
        Node(kind="credits", need=11, options=pool),
    )
    return Problem(items=items, nodes=nodes)


def test_the_walk_gives_up_past_its_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = _pools(5)
    answer = solve_dynamic(problem)
    assert answer is not None and answer.met[3] and not answer.met[4]
    assert answer.uses[(1, "h0")] == 3 and answer.uses[(2, "h1")] == 3
    monkeypatch.setattr(dynamic, "WORK_LIMIT", 10)
    assert solve_dynamic(problem) is None
    monkeypatch.undo()
    monkeypatch.setattr(dynamic, "CHOICE_LIMIT", 10)
    assert solve_dynamic(problem) is None


def test_the_walk_declines_what_takes_parts_or_counts_units() -> None:
    problem = _pools(4)
    assert dynamic.fits(problem)
    split = replace(
        problem, nodes=(*problem.nodes[:3], replace(problem.nodes[3], split=True), problem.nodes[4])
    )
    capped = replace(problem, limits=(Limit(0, frozenset({"h2"}), max_units=0),))
    totalled = replace(problem, nodes=(replace(problem.nodes[0], total=6), *problem.nodes[1:]))
    for other in (split, capped, totalled):
        assert not dynamic.fits(other) and solve_dynamic(other) is None


@st.composite
def programs(draw: st.DrawFn) -> Problem:
    """A program's shape: ``has`` requirements, then two ``credits`` pools over one list of
    six to nine holdings (the last pool a tail the knapsack answers), sometimes under a
    blocked or waived goal, sometimes with an exclusive pair."""
    n = draw(st.integers(6, 9))
    items = tuple(
        Item(f"h{i}", draw(st.integers(0, 5)), rank=draw(st.integers(0, 20))) for i in range(n)
    )
    keys = [item.key for item in items]
    pool = tuple((key,) for key in draw(st.permutations(keys)))
    named = draw(st.lists(st.sampled_from(keys), unique=True, max_size=3))
    leaves = [Node(kind="has", need=1, options=((key,),)) for key in named]
    leaves += [
        Node(
            kind="credits", need=draw(st.integers(1, 15)), options=pool[: draw(st.integers(1, n))]
        ),
        Node(kind="credits", need=draw(st.integers(1, 15)), options=pool),
    ]
    state = draw(st.sampled_from(("plain", "blocked", "waived")))
    root = Node(
        kind="all",
        children=tuple(range(1, len(leaves) + 1)),
        blocked=state == "blocked",
        waived=state == "waived",
    )
    exclusive = ((keys[0], keys[1]),) if draw(st.booleans()) else ()
    return Problem(items=items, nodes=(root, *leaves), exclusive=exclusive)


@settings(max_examples=300, deadline=None)
@given(programs())
def test_a_tail_pool_answered_by_knapsack_agrees_with_cpsat(problem: Problem) -> None:
    note(repr(problem))
    walked = solve_dynamic(problem)
    if walked is None:
        event("declined: past the walk's limits")
        return
    event("walked")
    general = solve_cpsat(problem)
    recount(problem, walked)
    assert general.optimal and general.tie_break_proven
    assert objective(problem, walked.met, walked.uses) == objective(
        problem, general.met, general.uses
    )
    assert tie_break(problem, walked.uses) == tie_break(problem, general.uses)
