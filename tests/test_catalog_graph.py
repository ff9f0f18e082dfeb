"""stacks(), subgraph() and the DOT / Mermaid / SVG renderings."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.graph import stacks, subgraph, to_dot, to_mermaid, to_svg
from pathways.catalog.load import load_catalog
from pathways.errors import UnknownIdError

CatalogWriter = Callable[[Mapping[str, Any]], Path]
"""The ``write_catalog`` fixture of conftest.py."""

LADDER = """\
institutions:
  - {id: cc, name: Community College, kind: community-college, state: OH, control: public}
  - {id: uni, name: University, kind: university, state: OH, control: public}
  - {id: comptia, name: CompTIA, kind: provider}
policies:
  - {id: itag, title: ITAG, guarantee: guaranteed, scope: {state: OH, control: public}}
credentials:
  - {id: comptia.secplus, title: Security+, kind: industry-certification}
  - {id: cc.badge, title: Networking badge, kind: badge, requires: {has: cc.net-101}}
  - {id: cc.net-101, title: Networking, kind: course, credits: 3}
  - {id: cc.sec-201, title: Security, kind: course, credits: 3, prerequisites: {has: cc.net-101}}
  - {id: cc.eng-101, title: Composition, kind: course, credits: 3}
  - {id: uni.eng-110, title: Writing, kind: course, credits: 3}
  - id: cc.cert
    title: Cyber Certificate
    kind: certificate
    requires: {all: [{has: cc.badge}, {has: cc.sec-201}]}
  - id: cc.aas
    title: Associate of Applied Science
    kind: associate
    requires: {all: [{has: cc.cert}, {has: oan.writing}]}
  - id: uni.bs
    title: Bachelor of Science
    kind: bachelor
    requires: {all: [{has: cc.aas}, {has: uni.eng-110}]}
  - {id: uni.minor, title: Writing minor, kind: certificate, requires: {has: uni.eng-110}}
  - {id: lonely, title: Counts toward nothing, kind: course}
equivalences:
  - {id: oan.writing, title: First writing course, members: [cc.eng-101, uni.eng-110]}
transfer_rules:
  - {id: itag.secplus, policy: itag, when: {has: comptia.secplus},
     grants: [{credential: cc.sec-201}]}
"""


@pytest.fixture
def ladder(write_catalog: CatalogWriter) -> CompiledCatalog:
    return load_catalog(write_catalog({"ladder.yaml": LADDER}), cache=False)


def test_stacks_follows_the_ladder(ladder: CompiledCatalog) -> None:
    assert stacks(ladder, "cc.net-101") == [
        {"goal": "cc.badge", "title": "Networking badge", "via": ["cc.net-101", "cc.badge"]},
        {
            "goal": "cc.cert",
            "title": "Cyber Certificate",
            "via": ["cc.net-101", "cc.badge", "cc.cert"],
        },
        {
            "goal": "cc.aas",
            "title": "Associate of Applied Science",
            "via": ["cc.net-101", "cc.badge", "cc.cert", "cc.aas"],
        },
        {
            "goal": "uni.bs",
            "title": "Bachelor of Science",
            "via": ["cc.net-101", "cc.badge", "cc.cert", "cc.aas", "uni.bs"],
        },
    ]


def test_stacks_follows_transfer_rules(ladder: CompiledCatalog) -> None:
    routes = {s["goal"]: s["via"] for s in stacks(ladder, "comptia.secplus")}
    assert routes["cc.cert"] == ["comptia.secplus", "itag.secplus", "cc.sec-201", "cc.cert"]
    assert set(routes) == {"cc.cert", "cc.aas", "uni.bs"}


def test_stacks_follows_equivalences_both_ways(ladder: CompiledCatalog) -> None:
    routes = {s["goal"]: s["via"] for s in stacks(ladder, "cc.eng-101")}
    # Through the equivalence to the associate, and to a sibling member's goals.
    assert routes["cc.aas"] == ["cc.eng-101", "oan.writing", "cc.aas"]
    assert routes["uni.minor"] == ["cc.eng-101", "oan.writing", "uni.eng-110", "uni.minor"]
    # Two routes of the same length: the first in id order wins (cc.aas before uni.eng-110).
    assert routes["uni.bs"] == ["cc.eng-101", "oan.writing", "cc.aas", "uni.bs"]


def test_stacks_ignores_prerequisites(ladder: CompiledCatalog) -> None:
    # cc.net-101 is a prerequisite of cc.sec-201; that does not make it count toward it.
    assert "cc.sec-201" not in {s["goal"] for s in stacks(ladder, "cc.net-101")}


def test_stacks_empty_for_an_isolated_credential(ladder: CompiledCatalog) -> None:
    assert stacks(ladder, "lonely") == []


def test_stacks_unknown_id_suggests(ladder: CompiledCatalog) -> None:
    with pytest.raises(UnknownIdError, match=r"did you mean cc\.net-101"):
        stacks(ladder, "cc.net-10")


def test_subgraph_holds_everything_that_counts(ladder: CompiledCatalog) -> None:
    graph = subgraph(ladder, "cc.aas")
    assert set(graph) == {
        "cc.aas",
        "cc.cert",
        "cc.badge",
        "cc.net-101",
        "cc.sec-201",
        "itag.secplus",
        "comptia.secplus",
        "oan.writing",
        "cc.eng-101",
        "uni.eng-110",
    }
    assert graph.graph["goal"] == "cc.aas"
    assert graph.edges["cc.net-101", "cc.sec-201"]["rel"] == "prerequisite"
    assert graph.nodes["itag.secplus"]["kind"] == "rule"


def test_subgraph_adds_equivalents_of_direct_requirements(ladder: CompiledCatalog) -> None:
    with_eq = subgraph(ladder, "uni.minor")
    assert set(with_eq) == {"uni.minor", "uni.eng-110", "oan.writing", "cc.eng-101"}
    assert set(subgraph(ladder, "uni.minor", equivalents=False)) == {"uni.minor", "uni.eng-110"}


def test_subgraph_is_a_copy(ladder: CompiledCatalog) -> None:
    graph = subgraph(ladder, "cc.cert")
    graph.add_node("scribble")
    assert "scribble" not in ladder.graph


def test_dot_lists_every_node_and_edge(ladder: CompiledCatalog) -> None:
    graph = subgraph(ladder, "cc.aas")
    dot = to_dot(graph, states={"cc.net-101": "earned"})
    assert dot.startswith("digraph pathways {")
    for node in graph:
        assert f'"{node}" [' in dot
    for source, target in graph.edges:
        assert f'"{source}" -> "{target}"' in dot
    assert 'fillcolor="#d9f2df"' in dot  # earned


def test_mermaid_lists_every_node_and_edge(ladder: CompiledCatalog) -> None:
    graph = subgraph(ladder, "cc.aas")
    text = to_mermaid(graph, states={"cc.aas": "missing"})
    assert text.startswith("flowchart LR")
    assert (
        text.count("|requires|")
        + text.count("|member|")
        + text.count("|when|")
        + text.count("|grants|")
        + text.count("|prerequisite|")
        == graph.number_of_edges()
    )
    for node in graph:
        assert node in text
    assert "state_missing" in text


def _svg(text: str) -> ET.Element:
    return ET.fromstring(text)


SVG = "{http://www.w3.org/2000/svg}"


def test_svg_is_well_formed_with_a_focusable_node_each(ladder: CompiledCatalog) -> None:
    graph = subgraph(ladder, "uni.bs")
    root = _svg(to_svg(graph))
    nodes = [g for g in root.iter(f"{SVG}g") if "node" in g.get("class", "").split()]
    assert sorted(g.get("data-id", "") for g in nodes) == sorted(graph)
    for g in nodes:
        assert g.get("tabindex") == "0"
        assert g.find(f"{SVG}title") is not None
    edges = [p for p in root.iter(f"{SVG}path") if "edge" in p.get("class", "")]
    assert len(edges) == graph.number_of_edges()


def test_svg_layers_credit_left_to_right(ladder: CompiledCatalog) -> None:
    graph = subgraph(ladder, "uni.bs")
    root = _svg(to_svg(graph))
    x = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("data-id"):
            shape = g.find(f"{SVG}rect")
            if shape is None:
                shape = g.find(f"{SVG}polygon")
                assert shape is not None
                x[g.get("data-id")] = min(
                    float(p.split(",")[0]) for p in shape.get("points", "").split()
                )
            else:
                x[g.get("data-id")] = float(shape.get("x", "0"))
    for source, target, rel in graph.edges(data="rel"):
        if rel != "prerequisite":
            assert x[source] < x[target], (source, target)


def test_svg_nodes_do_not_overlap(ladder: CompiledCatalog) -> None:
    root = _svg(to_svg(subgraph(ladder, "uni.bs")))
    boxes = []
    for g in root.iter(f"{SVG}g"):
        rect = g.find(f"{SVG}rect")
        if g.get("data-id") and rect is not None:
            boxes.append(
                (float(rect.get("x", 0)), float(rect.get("y", 0)), float(rect.get("width", 0)))
            )
    for i, (x1, y1, _) in enumerate(boxes):
        for x2, y2, _ in boxes[i + 1 :]:
            assert x1 != x2 or abs(y1 - y2) >= 42


def test_svg_states_coloured_with_a_legend(ladder: CompiledCatalog) -> None:
    text = to_svg(
        subgraph(ladder, "cc.cert"),
        states={"cc.net-101": "earned", "cc.sec-201": "granted", "cc.badge": "missing"},
        titles={"cc.badge": "needs cc.net-101"},
    )
    root = _svg(text)
    states = {
        g.get("data-id"): g.get("data-state") for g in root.iter(f"{SVG}g") if g.get("data-id")
    }
    assert states["cc.net-101"] == "earned" and states["cc.cert"] is None
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    labels = {t.text for t in legend.iter(f"{SVG}text")}
    assert {"earned", "granted", "missing"} <= labels
    assert "planned" not in labels
    assert "needs cc.net-101" in text


def test_svg_is_deterministic(ladder: CompiledCatalog) -> None:
    graph = subgraph(ladder, "uni.bs")
    assert to_svg(graph) == to_svg(graph)


def test_svg_escapes_text(write_catalog: CatalogWriter) -> None:
    text = 'credentials:\n  - {id: a, title: "Fish & <Chips> \\"deluxe\\"", kind: course}\n'
    compiled = load_catalog(write_catalog({"a.yaml": text}), cache=False)
    svg = to_svg(subgraph(compiled, "a"))
    _svg(svg)
    assert "Fish &amp; &lt;Chips&gt;" in svg


def test_svg_renders_an_associate_sized_graph(write_catalog: CatalogWriter) -> None:
    courses = "".join(
        f"  - {{id: c.{i:02d}, title: Course number {i}, kind: course, credits: 3}}\n"
        for i in range(40)
    )
    groups = "".join(
        f"  - {{id: g.{g}, title: Group {g}, kind: certificate, requires: "
        f"{{at_least: 3, of: [{', '.join(f'c.{i:02d}' for i in range(g * 5, g * 5 + 5))}]}}}}\n"
        for g in range(8)
    )
    degree = (
        "  - {id: deg, title: Associate, kind: associate, requires: {all: ["
        + ", ".join(f"g.{g}" for g in range(8))
        + "]}}\n"
    )
    compiled = load_catalog(
        write_catalog({"a.yaml": "credentials:\n" + courses + groups + degree}), cache=False
    )
    graph = subgraph(compiled, "deg")
    assert graph.number_of_nodes() == 49
    root = _svg(to_svg(graph))
    width, height = float(root.get("width", 0)), float(root.get("height", 0))
    # Three columns: courses, groups, degree; tall rather than impossibly wide.
    assert width < 1200
    assert height > width
