"""Free electives by certificate (issue 15): the named requirements solved alone, the
electives filled after, kept only when the bounds prove the joined answer optimal.

On random composites with declared totals, reserves, nested composites, overlays, limits,
exclusive pairs and forced placements, whatever the certificate proves is CP-SAT's optimum on
every term and on the tie-break, and :func:`pathways.solver.solve` (certificate, then the
general solver, whose later stages the certificate may settle) agrees with CP-SAT. The
generator reaches problems the certificate proves, problems it declines (often settling the
later terms once CP-SAT has proven the report's) and problems it does not try; the named
cases below pin proven and declined ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from test_solver_exact import recount
from test_solver_fastpath import assert_agree

from pathways.solver import (
    CpAllocation,
    Item,
    Limit,
    NoAllocation,
    Node,
    NodeKind,
    Problem,
    Solution,
    build_cpsat,
    cpsat,
    objective,
    pooled_uses,
    solve,
    solve_cpsat,
    solve_electives,
    tie_break,
)
from pathways.solver.cpmodel import pooled_electives
from pathways.solver.electives import (
    _fill,
    _least_named,
    _most_whole,
    _never_met,
    _surely_met,
    least_filled,
    relax,
)
from pathways.solver.exhaustive import _leaf_choices


def named_solver(relaxed: Problem) -> Solution:
    return solve(relaxed)


@st.composite
def composites(draw: st.DrawFn) -> Problem:
    """A composite with a declared total (usually with free electives and a reserve), its
    named requirements, sometimes a nested composite of its own, and the constructs that
    couple holdings: limits, an exclusive pair, overlays, forced placements."""
    n_items = draw(st.integers(1, 6))
    items = tuple(
        Item(
            f"h{i}",
            draw(st.integers(0, 4)),
            rank=i,
            attrs={"subject": draw(st.sampled_from(["A", "B"]))},
        )
        for i in range(n_items)
    )
    keys = [item.key for item in items]
    nodes: list[Node] = []

    def leaf() -> int:
        eligible = draw(st.lists(st.sampled_from(keys), unique=True, max_size=3))
        kind: NodeKind = draw(st.sampled_from(["has", "credits", "count"]))
        overlay = draw(st.integers(0, 7)) == 0
        node = Node(
            kind=kind,
            need=draw(st.integers(1, 5)) if kind == "credits" else 1,
            options=tuple((key,) for key in eligible),
            overlay=overlay,
            split=kind == "credits" and draw(st.integers(0, 3)) == 0,
            waived=draw(st.integers(0, 11)) == 0,
            forced=(eligible[0],)
            if eligible and not overlay and draw(st.integers(0, 9)) == 0
            else (),
        )
        nodes.append(node)
        return len(nodes) - 1

    def composite(depth: int) -> int:
        index = len(nodes)
        nodes.append(Node(kind="all"))
        # Nodes are numbered in pre-order: children in the order they are listed.
        n_leaves = draw(st.integers(1, 3))
        nested = draw(st.integers(0, n_leaves)) if depth == 0 and draw(st.booleans()) else -1
        children = []
        for position in range(n_leaves + 1):
            if position == nested:
                children.append(composite(1))
            if position < n_leaves:
                children.append(leaf())
        total = draw(st.sampled_from([0, 3, 5, 8, 12]))
        reserve = 0
        if total and draw(st.integers(0, 4)) > 0:
            eligible = (
                keys if draw(st.booleans()) else draw(st.lists(st.sampled_from(keys), unique=True))
            )
            forced = (eligible[0],) if eligible and draw(st.integers(0, 9)) == 0 else ()
            options = tuple((k,) for k in eligible)
            nodes.append(
                Node(kind="credits", need=total, options=options, elective_of=index, forced=forced)
            )
            children.append(len(nodes) - 1)
            reserve = draw(st.integers(0, total + 2))
        nodes[index] = Node(kind="all", children=tuple(children), total=total, reserve=reserve)
        return index

    composite(0)
    limits = []
    if draw(st.booleans()):
        chosen = frozenset(draw(st.lists(st.sampled_from(keys), unique=True, min_size=1)))
        scope = draw(st.sampled_from([i for i, n in enumerate(nodes) if n.kind == "all"]))
        if draw(st.booleans()):
            limits.append(Limit(scope=scope, items=chosen, max_units=draw(st.integers(0, 6))))
        else:
            limits.append(Limit(scope=scope, items=chosen, min_units=draw(st.integers(1, 6))))
    exclusive: tuple[tuple[str, ...], ...] = ()
    if len(keys) >= 2 and draw(st.booleans()):
        exclusive = ((keys[0], keys[1]),)
    return Problem(items=items, nodes=tuple(nodes), limits=tuple(limits), exclusive=exclusive)


def proven(problem: Problem) -> Solution:
    """The certificate's answer to ``problem``, which must be proven and CP-SAT's optimum."""
    answer = solve_electives(problem, named_solver).answer
    assert answer is not None, "the certificate declined"
    assert_proven_optimal(problem, answer)
    return answer


def assert_proven_optimal(problem: Problem, answer: Solution) -> None:
    """A proven answer is CP-SAT's optimum on every term and on the tie-break."""
    general = solve_cpsat(problem)
    recount(problem, answer)
    assert objective(problem, answer.met, answer.uses) == objective(
        problem, general.met, general.uses
    ), f"certificate={answer}\ncpsat={general}"
    assert tie_break(problem, answer.uses) == tie_break(problem, general.uses)


def tie_break_unproven(relaxed: Problem) -> Solution:
    """The relaxation's exact answer with its tie-break not claimed least: the floor may not
    count on the named part's tie-break."""
    return replace(solve(relaxed), tie_break_proven=False)


def proven_unaided(problem: Problem) -> Solution:
    """The certificate's answer to ``problem`` from a relaxation whose tie-break is not known
    to be least, which must be proven and CP-SAT's optimum."""
    answer = solve_electives(problem, tie_break_unproven).answer
    assert answer is not None, "the certificate declined"
    assert_proven_optimal(problem, answer)
    return answer


def electives_in_two_places(
    items: tuple[Item, ...],
    named: Node,
    totals: tuple[int, int],
    options: tuple[tuple[tuple[str, ...], ...], ...] = (),
) -> Problem:
    """All of, to ``totals[1]`` credits: an inner composite of ``totals[0]`` credits holding
    the ``named`` requirement and free electives, then the goal's own free electives; the
    two elective leaves take ``options`` (default: every holding)."""
    inner, outer = options or (tuple((item.key,) for item in items),) * 2
    return Problem(
        items=items,
        nodes=(
            Node(kind="all", children=(1, 4), total=totals[1]),
            Node(kind="all", children=(2, 3), total=totals[0]),
            named,
            Node(kind="credits", need=totals[0], options=inner, elective_of=1),
            Node(kind="credits", need=totals[1], options=outer, elective_of=0),
        ),
    )


@st.composite
def nested_electives(draw: st.DrawFn) -> Problem:
    """Free electives in two places, a nested composite's (beside its one named requirement,
    h0) and the goal's, each with a total that whole holdings make: h1 fills the inner
    electives, h2 and some others the goal's, and h3 with h2 could fill the inner ones too.
    Filling the leaves one after the other, the inner electives take h2 and h3 when they
    are the cheaper, and the goal's may then be left only a holding in part. Other holdings
    and the ranks are random."""
    inside = draw(st.integers(2, 4))
    part = draw(st.integers(1, inside - 1))
    units = [draw(st.integers(1, 4)), inside, part, inside - part]
    units += draw(st.lists(st.integers(1, 4), max_size=4))
    ranks = draw(st.permutations(range(len(units))))
    items = tuple(Item(f"h{i}", units[i], rank=ranks[i]) for i in range(len(units)))
    keys = tuple((item.key,) for item in items)
    extra = range(4, len(units))
    outside = [2, *(draw(st.lists(st.sampled_from(extra), unique=True)) if extra else [])]
    inner = units[0] + inside
    outer = inner + sum(units[i] for i in outside)

    def some() -> tuple[tuple[str, ...], ...]:
        if draw(st.integers(0, 3)) > 0:
            return keys
        return tuple(draw(st.lists(st.sampled_from(keys), unique=True, min_size=1)))

    named = Node(kind="has", need=1, options=(("h0",),))
    return electives_in_two_places(items, named, (inner, outer), (some(), some()))


@settings(max_examples=700, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(composites())
def test_what_the_certificate_proves_is_optimal_and_solve_agrees(problem: Problem) -> None:
    check_certificate(problem)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nested_electives())
def test_electives_in_two_places_are_proven_only_when_optimal(problem: Problem) -> None:
    check_certificate(problem)


def check_certificate(problem: Problem) -> None:
    """What the certificate proves is CP-SAT's optimum, what it hands CP-SAT as known or
    settled agrees with CP-SAT's own proof, and :func:`solve` agrees with CP-SAT."""
    note(repr(problem))
    try:
        solve_cpsat(problem)
    except NoAllocation:
        with pytest.raises(NoAllocation):
            solve(problem)
        return
    attempt = solve_electives(problem, named_solver)
    answer = attempt.answer
    if answer is not None:
        event("proved by the certificate")
        assert attempt.settled is None
        assert_proven_optimal(problem, answer)
    elif relax(problem) is None:
        event("not tried")
    else:
        event("declined")
        if attempt.known:
            # What the certificate hands CP-SAT as proven must be the optimum's first terms.
            event("first terms known")
            general = solve_cpsat(problem)
            known = attempt.known
            assert known == objective(problem, general.met, general.uses)[: len(known)]
        if attempt.settled is not None:
            # Told the report's terms CP-SAT proved (and, when its proven optimum splits a
            # holding, that every allocation reaching them does), the certificate may settle
            # the rest.
            general = solve_cpsat(problem)
            best = objective(problem, general.met, general.uses)
            split_needed = best[4] < 0 and general.preferences_proven
            found = attempt.settled(best[:4], split_needed)
            if found is not None:
                event("later terms settled once CP-SAT proved the report's")
                if split_needed:
                    event("settled once a split was known to be needed")
                recount(problem, found)
                assert objective(problem, found.met, found.uses) == best
                if found.tie_break_proven and general.tie_break_proven:
                    event("tie-break settled too")
                    assert tie_break(problem, found.uses) == tie_break(problem, general.uses)
    assert_agree(problem, solve(problem), ties_open=True)
    with pytest.MonkeyPatch.context() as patch:
        # Through CP-SAT's stages, which the certificate's known terms and fill may spare.
        patch.setattr(cpsat, "WHOLE_ITEMS", -1)
        patch.setattr(cpsat, "WHOLE_ITEMS_NAMED", -1)
        staged = solve(problem)
    assert_agree(problem, staged, ties_open=True)


def short_of_the_total() -> Problem:
    """All of (has h0, 3 credits of h1/h2), total 12 with a reserve of 6, free electives
    over all four 3-credit holdings: everything the learner holds fits."""
    items = tuple(Item(f"h{i}", 3, rank=i) for i in range(4))
    return Problem(
        items=items,
        nodes=(
            Node(kind="all", children=(1, 2, 3), total=12, reserve=6),
            Node(kind="has", need=1, options=(("h0",),)),
            Node(kind="credits", need=3, options=(("h1",), ("h2",))),
            Node(kind="credits", need=12, options=tuple((i.key,) for i in items), elective_of=0),
        ),
    )


def test_a_learner_short_of_the_total_is_proven() -> None:
    problem = short_of_the_total()
    answer = proven(problem)
    assert answer.uses == {(1, "h0"): 3, (2, "h1"): 3, (3, "h2"): 3, (3, "h3"): 3}


def one_requirement(total: int, named: Node, items: tuple[Item, ...], electives: str) -> Problem:
    """A composite of ``total`` credits: the ``named`` requirement and free electives over
    the holdings whose keys are in ``electives``."""
    options = tuple((item.key,) for item in items if item.key in electives.split())
    return Problem(
        items=items,
        nodes=(
            Node(kind="all", children=(1, 2), total=total),
            named,
            Node(kind="credits", need=total, options=options, elective_of=0),
        ),
    )


def test_a_complete_learner_fills_the_total_with_whole_holdings() -> None:
    # Total 9: the named 3 credits take h0; of h1 (4), h2 (3), h3 (3) the electives need 6,
    # which h2 and h3 fill exactly: no holding is split and h1 (4) is left unused.
    items = (Item("h0", 3, 0), Item("h1", 4, 1), Item("h2", 3, 2), Item("h3", 3, 3))
    named = Node(kind="credits", need=3, options=(("h0",),))
    problem = one_requirement(9, named, items, "h0 h1 h2 h3")
    answer = proven(problem)
    assert answer.met[0]
    assert answer.uses == {(1, "h0"): 3, (2, "h2"): 3, (2, "h3"): 3}


def test_an_unavoidable_split_is_proven_by_the_cover() -> None:
    # Total 6: the named leaf takes h1 whole (4 credits beat 3), leaving 2 of room that only
    # part of h0 can fill. No whole holdings sum to 6, so every allocation splits one, and
    # h0 and h1 are the cheapest holdings covering 6.
    items = (Item("h0", 3, 0), Item("h1", 4, 1))
    named = Node(kind="credits", need=3, options=(("h0",), ("h1",)))
    problem = one_requirement(6, named, items, "h0 h1")
    answer = proven(problem)
    assert answer.uses == {(1, "h1"): 4, (2, "h0"): 2}


def test_a_split_proven_unavoidable_spares_the_report_stages() -> None:
    # A composite of 5 credits with a reserve of 3 and a requirement no holding meets, so its
    # electives may hold only 2 credits. A waived requirement may take one of two 0-credit
    # orientations or the 1-credit seminar h2; credit in a named requirement comes first, so
    # h2 goes there, and the electives' 2 credits are made only by dividing h3 or h4. The
    # certificate knows every term of the report but offers its fill only once CP-SAT proves
    # the split unavoidable. With the whole attempt off, CP-SAT then solves none of the
    # report's stages, and the answer is the general solver's on every term and the
    # tie-break.
    holdings = (("o1", 0), ("o2", 0), ("h2", 1), ("h3", 3), ("h4", 4))
    items = tuple(Item(key, units, rank) for rank, (key, units) in enumerate(holdings))
    nodes = (
        Node(kind="all", children=(1, 2, 3), total=5, reserve=3),
        Node(kind="has", need=1, options=(("o1",), ("o2",), ("h2",)), waived=True),
        Node(kind="has", need=1, options=(), overlay=True),
        Node(kind="credits", need=5, options=tuple((i.key,) for i in items), elective_of=0),
    )
    problem = Problem(items=items, nodes=nodes)

    def no_report(*args: Any) -> Any:
        raise AssertionError("the report's stages were solved")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cpsat, "WHOLE_ITEMS", -1)
        patch.setattr(cpsat, "WHOLE_ITEMS_NAMED", -1)
        patch.setattr(cpsat, "_report", no_report)
        answer = solve(problem)
    assert answer.uses == {(1, "h2"): 1, (3, "h3"): 2}
    assert answer.optimal and answer.preferences_proven
    assert_proven_optimal(problem, answer)


def test_an_inner_composite_holds_its_total_less_the_named_credit_it_must_hold() -> None:
    # A goal of 10 with an inner composite of 8 whose named requirement needs h0 (6): with
    # the goal met the inner electives hold at most 2, so the electives hold at most 4 in
    # all (h1 and h2), h3 is left over, and the certificate proves the fill.
    items = (Item("h0", 6, 0), Item("h1", 2, 1), Item("h2", 2, 2), Item("h3", 2, 3))
    named = Node(kind="credits", need=6, options=(("h0",),))
    answer = proven(electives_in_two_places(items, named, (8, 10)))
    assert answer.met[0]
    assert answer.uses == {(2, "h0"): 6, (3, "h1"): 2, (4, "h2"): 2}


def test_a_met_requirement_takes_its_need_in_part_or_its_lightest_whole_choice() -> None:
    # With the goal met, the requirement taking parts applies exactly its 3 of h0 (5); the
    # one taking holdings whole cannot stop short of a whole h1 (5).
    items = (Item("h0", 5, 0), Item("h1", 5, 1))
    problem = Problem(
        items=items,
        nodes=(
            Node(kind="all", children=(1, 2)),
            Node(kind="credits", need=3, options=(("h0",),), split=True),
            Node(kind="credits", need=3, options=(("h1",),)),
        ),
    )
    assert _least_named(problem, _surely_met(problem, _never_met(problem), True, 0)) == [8, 3, 5]


def test_a_requirement_every_best_allocation_meets_holds_its_least_credit() -> None:
    # The goal can never be met (a required holding is missing) and keeps its whole total in
    # reserve, so only the inner composite (total 6) holds electives. Its named 3 credits
    # could lie mostly outside it (the outer requirement may take up to 5), but every
    # requirement that can be met is met by the best allocations, the inner one included,
    # so it holds at least 3: its electives hold at most 3, which e1 fills.
    items = (Item("h0", 3, 0), Item("h1", 3, 1), Item("e1", 3, 2), Item("e2", 3, 3))
    every = tuple((item.key,) for item in items)
    problem = Problem(
        items=items,
        nodes=(
            Node(kind="all", children=(1, 4, 5, 6), total=20, reserve=20),
            Node(kind="all", children=(2, 3), total=6),
            Node(kind="credits", need=3, options=(("h0",), ("h1",))),
            Node(kind="credits", need=6, options=every, elective_of=1),
            Node(kind="has", need=1),
            Node(kind="credits", need=3, options=(("h0",), ("h1",), ("e2",))),
            Node(kind="credits", need=20, options=every, elective_of=0),
        ),
    )
    assert _surely_met(problem, _never_met(problem), False, 3) == [
        False,
        True,
        True,
        False,
        False,
        True,
        False,
    ]
    answer = proven(problem)
    assert not answer.met[0]
    assert answer.uses == {(2, "h0"): 3, (3, "e1"): 3, (5, "h1"): 3}


def test_electives_take_the_heaviest_of_two_exclusive_holdings() -> None:
    # A source (s, 1 credit, listed first) and the grant it earned (g, 4 credits) may not
    # both apply. With room for everything, the electives take the grant: taking the source
    # first, as the order of the holdings would, loses 3 credits.
    items = (Item("h0", 3, 0), Item("s", 1, 1), Item("g", 4, 2))
    named = Node(kind="has", need=1, options=(("h0",),))
    problem = replace(one_requirement(12, named, items, "s g"), exclusive=(("s", "g"),))
    answer = proven(problem)
    assert answer.uses == {(1, "h0"): 3, (2, "g"): 4}


def test_a_later_elective_counts_what_an_earlier_one_left_of_a_holding() -> None:
    # The inner electives (total 2) take 2 of x (5). The goal's electives then have 6 of room:
    # what is left of x (3) and y (3) fill it exactly at the least tie-break; counting x
    # whole (5) instead, the fill would take y and u, spending more.
    items = (Item("x", 5, 0), Item("y", 3, 2), Item("u", 3, 3), Item("v", 1, 9))
    every = tuple((item.key,) for item in items)
    problem = Problem(
        items=items,
        nodes=(
            Node(kind="all", children=(1, 3), total=8),
            Node(kind="all", children=(2,), total=2),
            Node(kind="credits", need=2, options=every, elective_of=1),
            Node(kind="credits", need=8, options=every, elective_of=0),
        ),
    )
    relaxed = relax(problem)
    assert relaxed is not None
    uses, _ = _fill(problem, relaxed, solve(relaxed.problem), whole=False)
    assert uses == {(2, "x"): 2, (3, "x"): 3, (3, "y"): 3}
    assert_agree(problem, solve(problem))
    assert tie_break(problem, uses) == tie_break(problem, solve_cpsat(problem).uses)


def test_an_inner_composite_holds_the_named_credit_nothing_outside_it_can_take() -> None:
    # The goal can never be met (a required holding is missing) and keeps its whole total in
    # reserve, so only the inner composite (total 6) holds electives. The named 3 credits
    # all lie inside it, as nothing outside can take credit: its electives hold at most 3,
    # which h1 fills, and the certificate proves the fill without knowing what is met.
    items = (
        Item("h0", 3, 0), Item("h1", 3, 1), Item("e1", 2, 2), Item("e2", 2, 3), Item("e3", 2, 4),
    )  # fmt: skip
    every = tuple((item.key,) for item in items)
    problem = Problem(
        items=items,
        nodes=(
            Node(kind="all", children=(1, 4, 5), total=10, reserve=10),
            Node(kind="all", children=(2, 3), total=6),
            Node(kind="credits", need=3, options=(("h0",), ("h1",))),
            Node(kind="credits", need=6, options=every, elective_of=1),
            Node(kind="has", need=1),
            Node(kind="credits", need=10, options=every, elective_of=0),
        ),
    )
    answer = proven(problem)
    assert not answer.met[0]
    assert answer.uses == {(2, "h0"): 3, (3, "h1"): 3}


def test_the_tie_break_is_bounded_by_the_named_part_plus_the_cheapest_electives() -> None:
    # Total 6: the named requirement takes h2 (or the dearer h4), the electives (h0, h1, h3)
    # need 3 and take h0. Whole holdings summing to 6 could cost less (h0 and h1), but not
    # with a named holding: the named part's least tie-break plus the cheapest electives
    # proves the fill.
    items = (*(Item(f"h{i}", 3, i) for i in range(5)),)
    named = Node(kind="has", need=1, options=(("h2",), ("h4",)))
    problem = one_requirement(6, named, items, "h0 h1 h3")
    answer = proven(problem)
    assert answer.uses == {(1, "h2"): 3, (2, "h0"): 3}

    # A named part whose tie-break was not proven least bounds nothing.
    assert solve_electives(problem, tie_break_unproven).answer is None


def test_a_holding_the_goal_cannot_be_met_without_is_spent_in_its_requirement() -> None:
    # The named requirement's one option is h2, so every allocation that meets the goal
    # spends h2 there: the electives' 3 credits cost at least h0's, whatever is known of the
    # named part's tie-break.
    items = (Item("h0", 3, 0), Item("h1", 3, 1), Item("h2", 3, 2), Item("h3", 3, 3))
    named = Node(kind="has", need=1, options=(("h2",),))
    problem = one_requirement(6, named, items, "h0 h1 h3")

    answer = proven_unaided(problem)
    assert answer.uses == {(1, "h2"): 3, (2, "h0"): 3}


def one_held_then_dear(h2_units: int, total: int) -> Problem:
    """All of, to ``total`` credits: has h0 (3 credits); 6 credits of h0, h1 (3) or h2
    (``h2_units``), the dearest holdings; free electives over all six holdings (h3 to h5,
    3 credits each, the cheapest after h0)."""
    items: tuple[Item, ...] = (Item("h0", 3, 0), Item("h1", 3, 5), Item("h2", h2_units, 6))
    items += (Item("h3", 3, 1), Item("h4", 3, 2), Item("h5", 3, 3))
    keys = tuple((item.key,) for item in items)
    return Problem(
        items=items,
        nodes=(
            Node(kind="all", children=(1, 2, 3), total=total),
            Node(kind="has", need=1, options=(("h0",),)),
            Node(kind="credits", need=6, options=(("h0",), ("h1",), ("h2",))),
            Node(kind="credits", need=total, options=keys, elective_of=0),
        ),
    )


def test_a_requirement_left_only_its_need_spends_every_holding_it_has_left() -> None:
    # The goal is met, so h0 is spent in its one-option requirement; that leaves the 6-credit
    # requirement h1 and h2 and nothing else, so it spends both, dear as they are. The
    # electives' 3 credits then cost at least the cheapest holding left (h3), which proves
    # the fill without knowing anything of the named part's tie-break.
    problem = one_held_then_dear(3, 12)

    answer = proven_unaided(problem)
    assert answer.uses == {(1, "h0"): 3, (2, "h1"): 3, (2, "h2"): 3, (3, "h3"): 3}

    # With h3 exclusive with h0 (a source and its grant), spending h0 rules h3 out too: the
    # electives cost at least h4's, as the fill spends.
    exclusive = replace(problem, exclusive=(("h0", "h3"),))
    answer = proven_unaided(exclusive)
    assert answer.uses == {(1, "h0"): 3, (2, "h1"): 3, (2, "h2"): 3, (3, "h4"): 3}


def test_a_requirement_spends_each_holding_it_cannot_be_met_without() -> None:
    # The goal is met, so h0 is spent in its one-option requirement. The 6-credit requirement
    # then has h1 and h2 left (7 credits, more than it needs), but neither alone is enough, so
    # it spends both. The electives' 3 credits cost at least h3's, which proves the fill.
    answer = proven_unaided(one_held_then_dear(4, 13))
    assert answer.uses == {(1, "h0"): 3, (2, "h1"): 3, (2, "h2"): 4, (3, "h3"): 3}


def test_a_holding_every_option_of_a_requirement_names_is_spent() -> None:
    # Either sequence meets the requirement, and both begin with the dear h0, so it is spent
    # whichever is taken: with it counted, the fill (h0 and h1, then h3) is proven.
    items: tuple[Item, ...] = (Item("h0", 3, 5), Item("h1", 3, 0), Item("h2", 3, 6))
    items += (Item("h3", 3, 1), Item("h4", 3, 2))
    problem = Problem(
        items=items,
        nodes=(
            Node(kind="all", children=(1, 2), total=9),
            Node(kind="has", need=1, options=(("h0", "h1"), ("h0", "h2"))),
            Node(kind="credits", need=9, options=tuple((i.key,) for i in items), elective_of=0),
        ),
    )

    answer = proven_unaided(problem)
    assert answer.uses == {(1, "h0"): 3, (1, "h1"): 3, (2, "h3"): 3}


def test_electives_filled_leaf_by_leaf_in_part_are_refilled_whole_together() -> None:
    # The inner electives (room 3) take p and q, the cheapest 3 units; the outer ones (room 4)
    # are then left s and t, which make 3 or 5, so the fill takes t in part, or leaves them a
    # unit short. Whole holdings make the 7 units together only as q, s and t, and s alone
    # then fills the inner room: that allocation splits nothing, and the certificate proves
    # it without the general solver.
    items = (Item("h0", 3, 0), Item("p", 1, 1), Item("q", 2, 2), Item("t", 2, 3), Item("s", 3, 9))
    named = Node(kind="has", need=1, options=(("h0",),))
    answer = proven_unaided(electives_in_two_places(items, named, (6, 10)))
    assert answer.uses == {(2, "h0"): 3, (3, "s"): 3, (4, "q"): 2, (4, "t"): 2}


def test_requirements_every_best_allocation_meets_spend_their_holdings_goal_unmet() -> None:
    # The goal cannot be met (its requirement r2 has nothing to take), but r1 is the only other
    # requirement any allocation can meet, so every allocation meeting as many as the best
    # meets r1 with the dear h0. The two cheapest holdings (h1 and h2) cannot both be used,
    # and the fill (h0, then h1 in the electives) is proven.
    items = (Item("h0", 3, 5), Item("h1", 3, 0), Item("h2", 3, 1))
    problem = Problem(
        items=items,
        nodes=(
            Node(kind="all", children=(1, 2, 3), total=6),
            Node(kind="has", need=1, options=(("h0",),)),
            Node(kind="has", need=1, options=()),
            Node(kind="credits", need=6, options=tuple((i.key,) for i in items), elective_of=0),
        ),
    )

    answer = proven_unaided(problem)
    assert not answer.met[0]
    assert answer.uses == {(1, "h0"): 3, (3, "h1"): 3}


def test_a_total_past_every_holding_is_unmet_in_the_relaxation_too() -> None:
    # Total 10 with 6 credits held: no allocation meets the composite, so the relaxation
    # leaves it unmet too, and the learner's whole record applied is proven best.
    items = (Item("h0", 3, 0), Item("h1", 3, 1))
    named = Node(kind="has", need=1, options=(("h0",),))
    problem = one_requirement(10, named, items, "h1")
    answer = proven(problem)
    assert answer.uses == {(1, "h0"): 3, (2, "h1"): 3}
    assert not answer.met[0]


def test_a_total_out_of_reach_is_declined_and_left_to_the_general_solver() -> None:
    # Total 6 and 6 credits held, but the named 3 credits take h0 or h1 whole only while
    # short, and no elective takes the other: the relaxation meets the composite (it has no
    # total), the goal cannot, so the bound on goal met is not reached and CP-SAT decides.
    items = (Item("h0", 3, 0), Item("h1", 3, 1))
    named = Node(kind="credits", need=3, options=(("h0",), ("h1",)))
    problem = one_requirement(6, named, items, "")
    attempt = solve_electives(problem, named_solver)
    assert attempt.answer is None and attempt.settled is None
    general = solve(problem)
    assert general.uses == {(1, "h0"): 3}
    assert not general.met[0]
    assert_agree(problem, general)


def test_a_relaxation_whose_later_terms_are_unproven_bounds_nothing() -> None:
    # The same learner as the first case, short of the total, but the relaxation's split and
    # order terms come back unproven (CP-SAT's budget ran out): they bound nothing, so the
    # certificate declines instead of calling its answer proven.
    problem = short_of_the_total()
    assert solve_electives(problem, named_solver).answer is not None

    def unproven(relaxed: Problem) -> Solution:
        return replace(solve(relaxed), preferences_proven=False)

    attempt = solve_electives(problem, unproven)
    assert attempt.answer is None and attempt.settled is None
    assert_agree(problem, solve(problem))


def test_an_unproven_tie_break_gives_way_to_a_cheaper_fill_equal_on_every_term() -> None:
    # Short of the total, with a fifth holding h4 the electives may also take. Suppose the
    # general solver's budgeted tie-break stopped at electives h2 + h4: equal to the fill
    # (h2 + h3) on every term, one rank dearer. The fill is then the answer, with the
    # general solver's flags; a proven tie-break, or a fill short on a term, changes nothing.
    base = short_of_the_total()
    items = (*base.items, Item("h4", 3, rank=4))
    electives = replace(base.nodes[3], options=tuple((i.key,) for i in items))
    problem = replace(base, items=items, nodes=(*base.nodes[:3], electives))
    fill = proven(problem)
    assert fill.uses == {(1, "h0"): 3, (2, "h1"): 3, (3, "h2"): 3, (3, "h3"): 3}
    dearer_uses = {**{k: v for k, v in fill.uses.items() if k != (3, "h3")}, (3, "h4"): 3}
    dearer = replace(fill, uses=dearer_uses, tie_break_proven=False, preferences_proven=False)
    assert objective(problem, dearer.met, dearer.uses) == objective(problem, fill.met, fill.uses)
    chosen = least_filled(problem, dearer, [fill])
    assert chosen.uses == fill.uses
    assert (chosen.optimal, chosen.preferences_proven, chosen.tie_break_proven) == (
        True,
        False,
        False,
    )
    settled = replace(dearer, tie_break_proven=True)
    assert least_filled(problem, settled, [fill]) is settled
    short = replace(fill, uses={k: v for k, v in fill.uses.items() if k != (3, "h3")})
    assert least_filled(problem, dearer, [short]).uses == dearer.uses


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 9), max_size=7), st.integers(0, 30))
def test_the_most_a_whole_holding_credits_leaf_applies_is_the_references(
    weights: list[int], need: int
) -> None:
    # What the elective bound takes as the most a named `credits` leaf (whole holdings, only
    # while short) can apply is the largest of the choices the exhaustive reference
    # enumerates for it.
    items = tuple(Item(f"h{i}", units, i) for i, units in enumerate(weights))
    leaf = Node(kind="credits", need=need, options=tuple((item.key,) for item in items))
    problem = Problem(items=items, nodes=(Node(kind="all", children=(1,)), leaf))
    choices = _leaf_choices(problem, 1)
    assert _most_whole(weights, need) == max(sum(taken.values()) for taken in choices)


def _best(cp: CpAllocation, weigh: Callable[[CpAllocation], Any]) -> tuple[str, int | None]:
    """CP-SAT's optimum of ``weigh(cp)`` over the model ``cp``: its status, and its value
    (an integer, read back from CP-SAT's floating point)."""
    from ortools.sat.python import cp_model

    cp.model.maximize(weigh(cp))
    engine = cp_model.CpSolver()
    engine.parameters.num_workers = 1
    status = engine.solve(cp.model)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return engine.status_name(status), round(engine.objective_value) if found else None


def _under_any(problem: Problem) -> Problem:
    """``problem`` under a new root ``any``, beside an overlay ``has`` of its first holding
    (met at no cost to what the composite could apply, were it active)."""

    def moved(node: Node) -> Node:
        return replace(
            node,
            children=tuple(child + 1 for child in node.children),
            elective_of=None if node.elective_of is None else node.elective_of + 1,
        )

    return replace(
        problem,
        nodes=(
            Node(kind="any", children=(1, len(problem.nodes) + 1)),
            *map(moved, problem.nodes),
            Node(kind="has", need=1, options=((problem.items[0].key,),), overlay=True),
        ),
        limits=tuple(replace(limit, scope=limit.scope + 1) for limit in problem.limits),
    )


def _electives(problem: Problem) -> int:
    return sum(node.elective_of is not None for node in problem.nodes)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(st.one_of(composites(), composites().filter(lambda p: _electives(p) > 1)), st.data())
def test_pooled_electives_allow_what_the_leaves_allow(
    problem: Problem, data: st.DataObject
) -> None:
    """The planner's model pools free-elective leaves that read the same holdings inside the
    same limits (:func:`pooled_electives`). What it allows, read as nodes met, units applied
    per leaf and units used of each holding, is what the model of one leaf at a time allows:
    a random weighting of those has the same optimum in both. :func:`pooled_uses` then puts
    each pool's units on its own leaves, as many as each applies."""
    if data.draw(st.booleans()):  # every elective leaf reads every holding: pools form
        every = tuple((item.key,) for item in problem.items)
        problem = replace(
            problem,
            nodes=tuple(
                replace(node, options=every, forced=()) if node.elective_of is not None else node
                for node in problem.nodes
            ),
        )
    if data.draw(st.booleans()):  # under an `any`, the composite and its electives may idle
        problem = _under_any(problem)
    try:
        plain = build_cpsat(problem)
    except NoAllocation:
        with pytest.raises(NoAllocation):
            build_cpsat(problem, terms=False)
        return
    pooled = build_cpsat(problem, terms=False)
    assert plain.pooled == ()
    assert pooled.pooled == pooled_electives(problem)
    event(f"pools: {len(pooled.pooled)}")
    nodes = problem.nodes
    on_met = data.draw(st.lists(st.integers(-3, 3), min_size=len(nodes), max_size=len(nodes)))
    on_applied = data.draw(st.lists(st.integers(-3, 3), min_size=len(nodes), max_size=len(nodes)))
    on_item = {item.key: data.draw(st.integers(-3, 3)) for item in problem.items}

    def weigh(cp: CpAllocation) -> Any:
        used = [
            on_item[key] * units
            for (leaf, key), pairs in cp.uses.items()
            if not nodes[leaf].overlay
            for _, units in pairs
        ]
        return (
            sum(w * met for w, met in zip(on_met, cp.met, strict=True))
            + sum(on_applied[leaf] * applied for leaf, applied in cp.applied.items())
            + sum(used)
        )

    note(f"pools {pooled.pooled}")
    status, value = _best(pooled, weigh)
    assert (status, value) == _best(plain, weigh)
    if not pooled.pooled or value is None:
        return
    from ortools.sat.python import cp_model

    engine = cp_model.CpSolver()
    engine.parameters.num_workers = 1
    assert engine.solve(pooled.model) == cp_model.OPTIMAL
    pairs = pooled_uses(pooled, engine.value)
    for pool in pooled.pooled:
        taken = sum(
            engine.value(units)
            for key in pooled.uses
            if key[0] == pool[0]
            for _, units in pooled.uses[key]
        )
        assert taken == sum(engine.value(pooled.applied[leaf]) for leaf in pool)
        given_units = {leaf: engine.value(pooled.applied[leaf]) for leaf in pool}
        assert {leaf for leaf, _ in pairs if leaf in pool} == {
            leaf for leaf, units in given_units.items() if units > 0
        }


def test_an_idle_composite_pools_no_electives() -> None:
    """Two composites' free electives read the same holdings and are pooled; under an
    ``any`` whose other branch is a free overlay, the composites idle, and then their
    electives take nothing, as when built leaf by leaf."""
    items = (Item("h0", 2, rank=0), Item("h1", 2, rank=1))
    every = (("h0",), ("h1",))
    problem = Problem(
        items=items,
        nodes=(
            Node(kind="any", children=(1, 6)),
            Node(kind="all", children=(2, 5), total=4),
            Node(kind="all", children=(3, 4), total=2),
            Node(kind="has", need=1, options=(("h0",),)),
            Node(kind="credits", need=2, options=every, elective_of=2),
            Node(kind="credits", need=4, options=every, elective_of=1),
            Node(kind="has", need=1, options=(("h0",),), overlay=True),
        ),
    )

    def weigh(cp: CpAllocation) -> Any:
        used = [u for (leaf, _), pairs in cp.uses.items() if leaf != 6 for _, u in pairs]
        return 5 * cp.met[6] + sum(used)

    pooled = build_cpsat(problem, terms=False)
    assert pooled.pooled == ((4, 5),)
    assert _best(pooled, weigh) == _best(build_cpsat(problem), weigh) == ("OPTIMAL", 5)
