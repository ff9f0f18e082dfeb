"""The cheapest holdings that make a number of credit units: a knapsack over holdings, some
of which exclude each other (a transfer grant and its source).

A holding is an :class:`~pathways.solver.problem.Item`; taking it costs ``1 + rank`` of the
tie-break (nothing when it has no units). Nothing here knows what a requirement is:
:mod:`pathways.solver.electives` uses these to fill free electives and to bound what every
allocation must spend.
"""

from __future__ import annotations

import itertools
from typing import Literal

from pathways.solver.problem import Item, Problem

__all__ = [
    "EXCLUSIVE_COMPONENT_LIMIT",
    "Choices",
    "Reach",
    "alternatives",
    "cheapest_of",
    "cheapest_sum",
    "exclusive_pairs",
    "heaviest",
]

EXCLUSIVE_COMPONENT_LIMIT = 12
"""The most holdings one connected group of exclusive pairs may have (:func:`alternatives`
lists every subset of it)."""

Choices = list[list[tuple[int, int, tuple[str, ...]]]]
"""Groups of alternatives ``(units, tie-break, keys)``: at most one taken from each group."""

Reach = Literal["exactly", "at_least", "at_most"]


def heaviest(choices: Choices) -> tuple[int, int]:
    """The most units ``choices`` can make, each holding taken once, and the least tie-break of
    making them: of each group its heaviest alternative, the cheapest among equals."""
    best = [max(group, key=lambda choice: (choice[0], -choice[1])) for group in choices]
    return sum(choice[0] for choice in best), sum(choice[1] for choice in best)


def alternatives(problem: Problem, items: list[Item]) -> Choices | None:
    """``items`` as groups of alternatives for :func:`cheapest_sum`: each connected group of
    exclusive pairs offers its subsets holding no pair (a lone item: itself or nothing). None
    when a group is too large to try every subset (:data:`EXCLUSIVE_COMPONENT_LIMIT`)."""
    pairs = exclusive_pairs(problem, {item.key for item in items})
    groups = _connected(items, pairs)
    if any(len(group) > EXCLUSIVE_COMPONENT_LIMIT for group in groups):
        return None
    return [_choices(group, pairs) for group in groups]


def cheapest_of(
    problem: Problem, items: list[Item], target: int, reach: Reach = "exactly"
) -> tuple[int, list[str]] | None:
    """:func:`cheapest_sum` over ``items`` as :func:`alternatives` groups them, no two
    exclusive: ``(tie-break, keys)``, or None when no choice reaches ``target`` or a group is
    too large to try."""
    choices = alternatives(problem, items)
    return None if choices is None else cheapest_sum(choices, target, reach)


def exclusive_pairs(problem: Problem, keys: set[str]) -> list[tuple[str, str]]:
    """The exclusive pairs among ``keys``."""
    return [
        (a, b)
        for group in problem.exclusive
        for a, b in itertools.combinations(group, 2)
        if a in keys and b in keys
    ]


def cheapest_sum(
    groups: Choices, target: int, reach: Reach = "exactly"
) -> tuple[int, list[str]] | None:
    """At most one choice ``(units, tie-break, keys)`` from each group, the units summing to
    exactly ``target`` (``at_least``: to ``target`` or more; ``at_most``: as many units as
    can be had without passing ``target``) at the least tie-break: ``(tie-break, keys)``, or
    None when no choice reaches it. A knapsack by dynamic programming over the sums reached
    (for ``at_least`` a sum past ``target`` counts as ``target``). Units are never below zero,
    so taking nothing reaches a target below zero at least, and nothing reaches one otherwise.
    """
    if target < 0:
        return (0, []) if reach == "at_least" else None
    best: dict[int, int] = {0: 0}
    layers: list[dict[int, tuple[int, int]]] = []
    for group in groups:
        reached = dict(best)
        took: dict[int, tuple[int, int]] = {}
        for position, (units, cost, _) in enumerate(group):
            if units <= 0:
                continue
            for total, spent in best.items():
                after = min(total + units, target) if reach == "at_least" else total + units
                if after <= target and spent + cost < reached.get(after, spent + cost + 1):
                    reached[after] = spent + cost
                    took[after] = (total, position)
        layers.append(took)
        best = reached
    total = max(best) if reach == "at_most" else target
    if total not in best:
        return None
    found = best[total]
    keys: list[str] = []
    for group, took in zip(reversed(groups), reversed(layers), strict=True):
        if total in took:
            total, position = took[total]
            keys.extend(group[position][2])
    return found, keys


def _connected(items: list[Item], pairs: list[tuple[str, str]]) -> list[list[Item]]:
    """The items grouped by the exclusive pairs that join them (a single item alone)."""
    group = {item.key: [item] for item in items}
    for a, b in pairs:
        if group[a] is not group[b]:
            merged = group[a] + group[b]
            for item in merged:
                group[item.key] = merged
    seen: set[int] = set()
    found = []
    for item in items:
        if id(group[item.key]) not in seen:
            seen.add(id(group[item.key]))
            found.append(group[item.key])
    return found


def _choices(
    group: list[Item], pairs: list[tuple[str, str]]
) -> list[tuple[int, int, tuple[str, ...]]]:
    """``(units, tie-break, keys)`` of every subset of ``group`` holding no exclusive pair,
    smallest subsets first."""
    if len(group) == 1:  # most holdings are in no exclusive pair: nothing, or the holding
        (item,) = group
        return [(0, 0, ()), (item.units, 1 + item.rank if item.units > 0 else 0, (item.key,))]
    keys = {item.key for item in group}
    inside = [(a, b) for a, b in pairs if a in keys]
    found = []
    for size in range(len(group) + 1):
        for chosen in itertools.combinations(group, size):
            names = {item.key for item in chosen}
            if any(a in names and b in names for a, b in inside):
                continue
            found.append(
                (
                    sum(item.units for item in chosen),
                    sum(1 + item.rank for item in chosen if item.units > 0),
                    tuple(item.key for item in chosen),
                )
            )
    return found
