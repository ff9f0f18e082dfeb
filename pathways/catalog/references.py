"""References between catalog entries: the ids an entry names, where, and cycles among them.

The compiler checks references in two speeds: :func:`scan_requirement` and :func:`scan_filter`
collect ids quickly; only when one is unknown do the ``*_refs`` generators walk an entry
again to give every reference its field path for a located error.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING

from pathways.catalog.grammar import Visitor, walk_located
from pathways.catalog.model import (
    Credential,
    Effective,
    Equivalence,
    Filter,
    Funding,
    Requirement,
    TransferRule,
)
from pathways.errors import UnknownIdError

if TYPE_CHECKING:
    import networkx as nx

Path_ = tuple[str | int, ...]


HOLDABLE = "credential or equivalence"
Ref = tuple[str, str]
"""(what, id): what kind of entry an id must name, and the id."""


def scan_requirement(req: Requirement, refs: list[Ref], leaves: list[str], units: set[int]) -> None:
    """Collect a requirement tree's ``has:``/filter ids (``leaves``), its other references
    (``refs``: issuers, policies, institutions) and its credit denominators.

    The fast path of compiling: no field paths (see :func:`requirement_refs` for those).
    """
    _Scan(refs, leaves, units).visit(req, None)


class _Scan(Visitor[None, None]):
    """:func:`scan_requirement`, one method per requirement form."""

    def __init__(self, refs: list[Ref], leaves: list[str], units: set[int]) -> None:
        self.refs, self.leaves, self.units = refs, leaves, units

    def has(self, req: Requirement, target: str, context: None) -> None:
        self.leaves.append(target)

    def group(self, req: Requirement, context: None) -> None:
        # Right to left: the order the compiler has always linked ids in (edge order).
        for child in reversed(req.children):
            self.visit(child, None)

    def filtered(self, req: Requirement, context: None) -> None:
        if req.credits is not None:
            self.units.add(req.credits.denominator)
        flt = req.from_
        if flt is not None:
            if flt.ids:
                self.leaves.extend(flt.ids)
            scan_filter(flt, self.refs)


def scan_filter(flt: Filter, refs: list[Ref]) -> None:
    """The non-id references of a filter (issuer, via, earned_at)."""
    if flt.issuer:
        refs.extend(("institution", i) for i in flt.issuer)
    if flt.via:
        refs.extend(("policy", i) for i in flt.via)
    if flt.earned_at:
        refs.extend(("institution", i) for i in flt.earned_at if i not in ("self", "other"))


def requirement_refs(req: Requirement, path: Path_) -> Iterator[tuple[Path_, str, str]]:
    """Yield ``(path, what, id)`` for every id a requirement tree names (the slow path)."""
    for where, node in walk_located(req, path):
        if node.has is not None:
            yield (*where, "has"), HOLDABLE, node.has
        elif node.from_ is not None:
            yield from filter_refs(node.from_, (*where, "from"))


def filter_refs(flt: Filter, path: Path_) -> Iterator[tuple[Path_, str, str]]:
    for i, ident in enumerate(flt.ids or ()):
        yield (*path, "ids", i), HOLDABLE, ident
    for i, ident in enumerate(flt.issuer or ()):
        yield (*path, "issuer", i), "institution", ident
    for i, ident in enumerate(flt.via or ()):
        yield (*path, "via", i), "policy", ident
    for i, ident in enumerate(flt.earned_at or ()):
        if ident not in ("self", "other"):
            yield (*path, "earned_at", i), "institution", ident


def credential_refs(cred: Credential) -> Iterator[tuple[Path_, str, str]]:
    if cred.issuer is not None:
        yield ("issuer",), "institution", cred.issuer
    if cred.requires is not None:
        yield from requirement_refs(cred.requires, ("requires",))
    if cred.prerequisites is not None:
        yield from requirement_refs(cred.prerequisites, ("prerequisites",))
    for i, limit in enumerate(cred.limits):
        yield from filter_refs(limit.from_, ("limits", i, "from"))


def equivalence_refs(eq: Equivalence) -> Iterator[tuple[Path_, str, str]]:
    if eq.policy is not None:
        yield ("policy",), "policy", eq.policy
    for i, member in enumerate(eq.members):
        if len(member.all) == 1 and member.effective is None:
            yield ("members", i), "credential", member.all[0]
        else:
            for j, ident in enumerate(member.all):
                yield ("members", i, "all", j), "credential", ident


def rule_refs(rule: TransferRule) -> Iterator[tuple[Path_, str, str]]:
    yield ("policy",), "policy", rule.policy
    yield from requirement_refs(rule.when, ("when",))
    for i, grant in enumerate(rule.grants):
        if grant.credential is not None:
            yield ("grants", i, "credential"), HOLDABLE, grant.credential
    for i, ident in enumerate(rule.at or ()):
        yield ("at", i), "institution", ident
    for i, ident in enumerate(rule.counts_toward or ()):
        yield ("counts_toward", i), "credential", ident
    for i, ident in enumerate(rule.supersedes):
        yield ("supersedes", i), "transfer rule", ident


def funding_refs(program: Funding) -> Iterator[tuple[Path_, str, str]]:
    for i, ident in enumerate(program.credentials.ids or ()):
        yield ("credentials", "ids", i), "credential", ident


def effective_start(effective: Effective | None) -> date:
    return effective.from_ if effective is not None and effective.from_ is not None else date.min


class Suggester:
    """ "Did you mean" for unknown ids, affordable on catalogs of tens of thousands of ids."""

    def __init__(self, choices: Iterable[str]) -> None:
        self.choices = sorted(set(choices))
        self.cache: dict[str, str] = {}

    def message(self, what: str, ident: str) -> str:
        if ident not in self.cache:
            choices = self.choices
            if len(choices) > 2000:
                # Typos rarely hit the institution prefix; narrowing keeps difflib fast.
                prefix = ident.split(".", 1)[0]
                choices = [c for c in choices if c.startswith(prefix)] or choices[:2000]
            self.cache[ident] = str(UnknownIdError(what, ident, choices))
        return self.cache[ident]


def topological_order(nodes: Iterable[str], edges: list[tuple[str, str]]) -> tuple[str, ...] | None:
    """Kahn's algorithm, sources in the order given; ``None`` when there is a cycle."""
    successors: dict[str, list[str]] = defaultdict(list)
    indegree: dict[str, int] = dict.fromkeys(nodes, 0)
    for a, b in edges:
        successors[a].append(b)
        indegree[b] += 1
    ready = deque(n for n, d in indegree.items() if d == 0)
    order: list[str] = []
    while ready:
        node = ready.popleft()
        order.append(node)
        for succ in successors.get(node, ()):
            indegree[succ] -= 1
            if indegree[succ] == 0:
                ready.append(succ)
    return tuple(order) if len(order) == len(indegree) else None


def is_cyclic(graph: nx.DiGraph, component: set[str]) -> bool:
    if len(component) > 1:
        return True
    (node,) = component
    return bool(graph.has_edge(node, node))


def cycle_path(graph: nx.DiGraph, component: set[str]) -> list[str]:
    """One shortest cycle through the component's smallest id, as a closed path of ids."""
    start = min(component)
    parents: dict[str, str] = {}
    frontier = [start]
    last: str | None = None
    while frontier and last is None:
        following: list[str] = []
        for node in frontier:
            for succ in sorted(s for s in graph.successors(node) if s in component):
                if succ == start:
                    last = node
                    break
                if succ not in parents:
                    parents[succ] = node
                    following.append(succ)
            if last is not None:
                break
        frontier = following
    back: list[str] = []
    node = last if last is not None else start
    while node != start:
        back.append(node)
        node = parents[node]
    return [start, *reversed(back), start]
