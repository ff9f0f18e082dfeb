"""Properties of loading and compiling: random acyclic catalogs compile, cycles are named,
file order does not matter, pickling gives back an equal catalog (the disk cache is tested in
test_catalog_cache.py)."""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.load import load_catalog, load_sources
from pathways.errors import CatalogError

CatalogWriter = Callable[[Mapping[str, Any]], Path]
"""The ``write_catalog`` fixture of conftest.py."""

HEAD: dict[str, Any] = {
    "institutions": [
        {"id": "cc", "name": "College", "kind": "community-college", "state": "OH"},
        {"id": "uni", "name": "University", "kind": "university", "state": "OH"},
    ],
    "policies": [{"id": "pol", "title": "Policy", "guarantee": "guaranteed"}],
}


@dataclass
class Spec:
    """A random acyclic catalog: entries in rank order, and the edges they must make."""

    credentials: list[dict[str, Any]] = field(default_factory=list)
    equivalences: list[dict[str, Any]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    edges: set[tuple[str, str, str]] = field(default_factory=set)

    def data(self) -> dict[str, Any]:
        return {
            **HEAD,
            "credentials": self.credentials,
            "equivalences": self.equivalences,
            "transfer_rules": self.rules,
        }

    def holdable(self) -> list[str]:
        return [c["id"] for c in self.credentials] + [e["id"] for e in self.equivalences]


def _requirement(draw: st.DrawFn, ids: list[str]) -> dict[str, Any]:
    """A random requirement tree over ``ids`` (every id appears as a has: or a filter id)."""
    leaves: list[dict[str, Any]] = [{"has": i} for i in ids]
    form = draw(st.sampled_from(["all", "any", "at_least", "filter", "mixed"]))
    if form == "filter" or len(leaves) == 1:
        return (
            {
                "credits": draw(st.sampled_from([3, 1.5, {"value": 4, "unit": "quarter"}])),
                "from": {"ids": ids},
            }
            if form == "filter"
            else leaves[0]
        )
    if form == "at_least":
        return {"at_least": draw(st.integers(1, len(leaves))), "of": leaves}
    if form == "mixed":
        half = len(leaves) // 2
        return {
            "all": [{"any": leaves[:half] or leaves}, {"count": 1, "from": {"ids": ids[half:]}}]
        }
    return {form: leaves}


@st.composite
def acyclic_catalogs(draw: st.DrawFn) -> Spec:
    spec = Spec()
    size = draw(st.integers(2, 14))
    pending_rules: list[tuple[str, int]] = []
    for rank in range(size):
        kind = draw(st.sampled_from(["simple", "simple", "composite", "equivalence", "rule"]))
        earlier = spec.holdable()
        earlier_credentials = [c["id"] for c in spec.credentials]
        if kind == "composite" and earlier:
            ident = f"c{rank}"
            refs = draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=4, unique=True))
            spec.credentials.append(
                {
                    "id": ident,
                    "title": f"Composite {rank}",
                    "kind": "certificate",
                    "requires": _requirement(draw, refs),
                }
            )
            spec.edges |= {(r, ident, "requires") for r in refs}
        elif kind == "equivalence" and earlier_credentials:
            ident = f"e{rank}"
            members = draw(
                st.lists(st.sampled_from(earlier_credentials), min_size=1, max_size=3, unique=True)
            )
            shaped: list[Any] = [members[0]] if len(members) == 1 else [{"all": members}]
            spec.equivalences.append({"id": ident, "title": f"Code {rank}", "members": shaped})
            spec.edges |= {(m, ident, "member") for m in members}
        elif kind == "rule" and earlier:
            ident = f"r{rank}"
            sources = draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=2, unique=True))
            spec.rules.append(
                {
                    "id": ident,
                    "policy": "pol",
                    "when": _requirement(draw, sources),
                    "grants": [{"credits": 3}],
                }
            )
            spec.edges |= {(s, ident, "when") for s in sources}
            pending_rules.append((ident, rank))
        else:
            credits = draw(st.sampled_from([3, 4, 1.5, {"value": 5, "unit": "quarter"}]))
            spec.credentials.append(
                {"id": f"c{rank}", "title": f"Course {rank}", "kind": "course", "credits": credits}
            )
    # A rule may grant any credential of a later rank.
    for ident, rank in pending_rules:
        later = [c["id"] for c in spec.credentials if int(c["id"][1:]) > rank]
        # bool(): mypy would type the draw after `and` as the list's type.
        if bool(later) and draw(st.booleans()):
            granted = draw(st.sampled_from(later))
            rule = next(r for r in spec.rules if r["id"] == ident)
            rule["grants"] = [{"credential": granted}]
            spec.edges.add((ident, granted, "grants"))
    return spec


def _compile(data: Mapping[str, Any]) -> CompiledCatalog:
    return load_sources({"catalog.yaml": yaml.safe_dump(dict(data), sort_keys=False)})


def _shape(compiled: CompiledCatalog) -> tuple[Any, ...]:
    """Everything derived from the catalog, comparable with ==."""
    return (
        compiled.catalog,
        compiled.unit,
        compiled.topo_order,
        sorted(compiled.graph.edges(data="rel")),
        sorted((n, sorted(a.items())) for n, a in compiled.graph.nodes(data=True)),
        compiled.member_of,
        {k: [r.id for r in v] for k, v in compiled.rules_by_source.items()},
        {k: [r.id for r in v] for k, v in compiled.rules_granting.items()},
        {i: [r.id for r in compiled.rules_at(i)] for i in compiled.institutions},
        compiled.versions,
        compiled.badge_classes,
        compiled.ctids,
    )


@given(acyclic_catalogs())
def test_random_acyclic_catalogs_compile(spec: Spec) -> None:
    compiled = _compile(spec.data())
    assert set(compiled.graph.edges(data="rel")) == spec.edges
    position = {node: i for i, node in enumerate(compiled.topo_order)}
    assert all(position[a] < position[b] for a, b, _ in spec.edges)
    # Every credit value is a whole number of units.
    for versions in compiled.versions.values():
        for version in versions:
            assert (version.credits * compiled.unit).denominator == 1


@given(acyclic_catalogs(), st.data())
def test_closing_a_cycle_is_rejected_and_named(spec: Spec, data: st.DataObject) -> None:
    compiled = _compile(spec.data())
    graph = compiled.graph
    # Pick a credential u and a descendant v that a requirement can name (a path u -> … -> v,
    # or u itself); adding `has: v` to u's requirements closes the cycle u -> … -> v -> u.
    candidates = [
        (u, v)
        for u in sorted(compiled.versions)
        for v in sorted(nx.descendants(graph, u) | {u})
        if v in compiled.versions or v in compiled.equivalences
    ]
    u, v = data.draw(st.sampled_from(candidates))
    entry = next(c for c in spec.credentials if c["id"] == u)
    required = {"has": v}
    entry["requires"] = {"all": [entry["requires"], required]} if "requires" in entry else required
    edges = {(a, b) for a, b, _ in spec.edges} | {(v, u)}
    with pytest.raises(CatalogError) as caught:
        _compile(spec.data())
    messages = [e.message for e in caught.value.errors]
    cycles = [m.removeprefix("cycle: ").split(" -> ") for m in messages if m.startswith("cycle: ")]
    assert len(cycles) == 1, messages
    (cycle,) = cycles
    assert cycle[0] == cycle[-1]
    assert all((a, b) in edges for a, b in pairwise(cycle))
    assert (v, u) in set(pairwise(cycle))


@given(acyclic_catalogs(), st.data())
def test_loading_is_independent_of_file_order(spec: Spec, data: st.DataObject) -> None:
    reference = _compile(spec.data())
    entries = [
        (section, item)
        for section in ("institutions", "policies", "credentials", "equivalences", "transfer_rules")
        for item in spec.data()[section]
    ]
    shuffled = data.draw(st.permutations(entries))
    count = data.draw(st.integers(1, 4))
    names = data.draw(
        st.lists(
            st.from_regex(r"[a-z]{1,6}", fullmatch=True),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    files: dict[str, dict[str, list[Any]]] = {f"{n}.yaml": {} for n in names}
    for i, (section, item) in enumerate(shuffled):
        target = files[f"{names[i % count]}.yaml"]
        target.setdefault(section, []).append(item)
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in files.items():
            (Path(tmp) / name).write_text(yaml.safe_dump(content))
        loaded = load_catalog(tmp, cache=False)
    assert _shape(loaded) == _shape(reference)


@given(acyclic_catalogs())
def test_pickle_round_trip_gives_an_equal_catalog(spec: Spec) -> None:
    compiled = _compile(spec.data())
    copy = pickle.loads(pickle.dumps(compiled))
    assert copy == compiled
    assert copy.version == compiled.version
    assert _shape(copy) == _shape(compiled)
