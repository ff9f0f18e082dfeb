"""The cheapest holdings that make a number of credit units (:func:`cheapest_sum`), against
every selection: at most one alternative from each group, the units summing to exactly the
target, to at least it, or to as many as can be had without passing it, at the least
tie-break."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.solver.knapsack import Choices, Reach, cheapest_sum


@st.composite
def knapsacks(draw: st.DrawFn) -> tuple[Choices, int, Reach]:
    """Up to five groups of up to three alternatives (a holding, or a set of holdings no two
    of which are exclusive), each with units (some zero) and a tie-break cost; a target from
    below zero to past every sum; a reach."""
    groups: Choices = []
    for g in range(draw(st.integers(0, 5))):
        group: list[tuple[int, int, tuple[str, ...]]] = [(0, 0, ())]
        for a in range(draw(st.integers(1, 3))):
            units = draw(st.integers(0, 9))
            group.append((units, draw(st.integers(1, 9)), (f"h{g}_{a}",)))
        groups.append(group)
    reach: Reach = draw(st.sampled_from(["exactly", "at_least", "at_most"]))
    return groups, draw(st.integers(-3, 40)), reach


def brute(groups: Choices, target: int, reach: Reach) -> tuple[int, int] | None:
    """(units, tie-break) of the best selection, trying every one; None when none reaches."""
    found: list[tuple[int, int]] = []
    for picks in itertools.product(*groups):
        taken = [pick for pick in picks if pick[0] > 0]
        units, cost = sum(p[0] for p in taken), sum(p[1] for p in taken)
        reaches = {"exactly": units == target, "at_least": units >= target}
        if reaches.get(reach, units <= target):
            found.append((units, cost))
    if not found:
        return None
    if reach == "at_most":
        most = max(units for units, _ in found)
        return most, min(cost for units, cost in found if units == most)
    return min(found, key=lambda pair: pair[1])


@settings(max_examples=400, deadline=None)
@given(knapsacks())
def test_the_cheapest_sum_is_the_best_selection(case: tuple[Choices, int, Reach]) -> None:
    groups, target, reach = case
    answer = cheapest_sum(groups, target, reach)
    best = brute(groups, target, reach)
    if best is None:
        assert answer is None
        return
    assert answer is not None
    cost, keys = answer
    assert cost == best[1]
    # The keys name one alternative of a group at most, and make what the cost says.
    chosen = [a for group in groups for a in group if a[2] and a[2][0] in keys]
    assert len(keys) == len(chosen)
    assert sum(a[1] for a in chosen) == cost
    units = sum(a[0] for a in chosen)
    if reach == "exactly":
        assert units == target
    elif reach == "at_least":
        assert units >= target
    else:
        assert units == best[0]
