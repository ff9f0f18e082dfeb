"""Views of the compiled credential graph: what stacks into what, and pictures of it.

* :func:`stacks` — every composite a credential counts toward, with one shortest route;
* :func:`subgraph` — everything that can count toward a goal;
* :func:`to_dot`, :func:`to_mermaid`, :func:`to_svg` — renderings of such a subgraph. The SVG
  is laid out here, in pure Python (longest-path layering, barycentre ordering), so no system
  binary is needed; nodes are styled by kind and, given ``states``, coloured by state
  (earned, granted, in_progress, planned, missing) with a legend. Every node is focusable and
  carries a ``<title>`` for hover and screen readers, and ``data-id`` for scripts.

Credit flows left to right in every rendering: components before the composites they make up.
"""

from __future__ import annotations

import html
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, TypedDict

import networkx as nx

from pathways.catalog.compile import CompiledCatalog
from pathways.errors import UnknownIdError

__all__ = ["STATE_STYLES", "Stack", "stacks", "subgraph", "to_dot", "to_mermaid", "to_svg"]

_FLOW = frozenset({"requires", "member", "when", "grants"})
"""Edge relations along which credit flows (``prerequisite`` is not one)."""


class Stack(TypedDict):
    """One goal a credential counts toward: ``via`` runs from the credential to the goal."""

    goal: str
    title: str
    via: list[str]


def _check_id(catalog: CompiledCatalog, ident: str) -> None:
    if ident not in catalog.versions and ident not in catalog.equivalences:
        raise UnknownIdError("credential", ident, [*catalog.versions, *catalog.equivalences])


def stacks(catalog: CompiledCatalog, credential_id: str) -> list[Stack]:
    """Every composite credential that ``credential_id`` counts toward, and by which route.

    Routes follow stacking (component → composite), equivalences in both directions (a member
    counts as its equivalence, and as the equivalence's other members — one step, not
    transitively) and transfer rules (source → rule → granted credential). Each goal comes
    with one shortest route (ties broken by id), a list of ids from ``credential_id`` to the
    goal. Requirements that select credit by filter (``credits: 9 from: {subject: ITNT}``)
    name no ids and are not followed. Sorted by route length, then goal id. Raises
    :class:`~pathways.errors.UnknownIdError` for an id that is neither a credential nor an
    equivalence.
    """
    _check_id(catalog, credential_id)
    graph = catalog.graph
    # A state is (node, reached through an equivalence from a sibling member): such a node
    # may not step into its own equivalences again.
    start = (credential_id, False)
    parent: dict[tuple[str, bool], tuple[str, bool] | None] = {start: None}
    queue = deque([start])
    found: dict[str, tuple[str, bool]] = {}
    while queue:
        state = queue.popleft()
        node, sideways = state
        steps: list[tuple[str, bool]] = []
        for succ in sorted(graph.successors(node)):
            rel = graph.edges[node, succ]["rel"]
            if rel in _FLOW and not (rel == "member" and sideways):
                steps.append((succ, False))
        if graph.nodes[node]["kind"] == "equivalence":
            for pred in sorted(graph.predecessors(node)):
                if graph.edges[pred, node]["rel"] == "member":
                    steps.append((pred, True))
        for nxt in steps:
            if nxt in parent:
                continue
            parent[nxt] = state
            queue.append(nxt)
            ident = nxt[0]
            attrs = graph.nodes[ident]
            if attrs.get("composite") and ident != credential_id and ident not in found:
                found[ident] = nxt
    result: list[Stack] = []
    for goal, state in found.items():
        path: list[str] = []
        cursor: tuple[str, bool] | None = state
        while cursor is not None:
            path.append(cursor[0])
            cursor = parent[cursor]
        path.reverse()
        result.append({"goal": goal, "title": graph.nodes[goal]["title"], "via": path})
    result.sort(key=lambda s: (len(s["via"]), s["goal"]))
    return result


def subgraph(catalog: CompiledCatalog, goal_id: str, *, equivalents: bool = True) -> nx.DiGraph:
    """The part of the graph that can count toward ``goal_id``.

    That is the goal's ancestors along credit-flow edges (its components, theirs, equivalence
    members, transfer rules and their sources), plus — with ``equivalents`` — the
    equivalences those credentials are members of, with their other members and what grants
    them (a member counts for a sibling). Prerequisite edges between included nodes are
    kept. The result is a copy with the catalog's node and edge attributes;
    ``result.graph["goal"]`` is ``goal_id``. Raises
    :class:`~pathways.errors.UnknownIdError` for an unknown id.
    """
    _check_id(catalog, goal_id)
    graph = catalog.graph
    included = _ancestors(graph, [goal_id])
    if equivalents:
        extra = [
            eq for node in included for eq in catalog.member_of.get(node, ()) if eq not in included
        ]
        included |= _ancestors(graph, extra)
    result: nx.DiGraph = graph.subgraph(included).copy()
    result.graph["goal"] = goal_id
    return result


def _ancestors(graph: nx.DiGraph, roots: Iterable[str]) -> set[str]:
    seen = set(roots)
    stack = list(seen)
    while stack:
        node = stack.pop()
        for pred in graph.predecessors(node):
            if pred not in seen and graph.edges[pred, node]["rel"] in _FLOW:
                seen.add(pred)
                stack.append(pred)
    return seen


# --------------------------------------------------------------------------- styles


@dataclass(frozen=True)
class _Style:
    fill: str
    stroke: str
    label: str


STATE_STYLES: dict[str, tuple[str, str]] = {
    "earned": ("#d9f2df", "#2e7d32"),
    "granted": ("#dbeafe", "#1d4ed8"),
    "in_progress": ("#fef3c7", "#b45309"),
    "planned": ("#f3e8ff", "#7e22ce"),
    "missing": ("#ffffff", "#b91c1c"),
}
"""State → (fill, stroke) colours; other state names get a neutral grey."""

_KIND_STYLES: dict[str, _Style] = {
    "credential": _Style("#f8fafc", "#64748b", "credential"),
    "composite": _Style("#eef2ff", "#4338ca", "composite (stackable)"),
    "equivalence": _Style("#ecfdf5", "#0f766e", "equivalence"),
    "rule": _Style("#fff7ed", "#c2410c", "transfer rule"),
}

_EDGE_STYLES: dict[str, tuple[str, str, str]] = {
    # rel: (colour, SVG dash pattern, legend)
    "requires": ("#475569", "", "counts toward"),
    "member": ("#0f766e", "6 4", "member of"),
    "when": ("#c2410c", "", "source of rule"),
    "grants": ("#1d4ed8", "", "rule grants"),
    "prerequisite": ("#94a3b8", "2 4", "prerequisite"),
}


def _kind(attrs: Mapping[str, Any]) -> str:
    kind = str(attrs.get("kind", "credential"))
    if kind == "credential" and attrs.get("composite"):
        return "composite"
    return kind


def _tooltip(ident: str, attrs: Mapping[str, Any], state: str | None, extra: str | None) -> str:
    kind = attrs.get("credential_kind") or attrs.get("kind", "")
    lines = [f"{attrs.get('title', ident)} ({kind})", ident]
    if state:
        lines.append(f"state: {state}")
    if extra:
        lines.append(extra)
    return "\n".join(lines)


def _ordered_nodes(graph: nx.DiGraph) -> list[str]:
    return sorted(graph.nodes)


# --------------------------------------------------------------------------- dot


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(
    graph: nx.DiGraph,
    *,
    states: Mapping[str, str] | None = None,
    titles: Mapping[str, str] | None = None,
) -> str:
    """Graphviz DOT text of ``graph`` (e.g. from :func:`subgraph`), credit flowing left to right.

    ``states`` colours nodes by state; ``titles`` adds a line to a node's tooltip.
    """
    states = states or {}
    titles = titles or {}
    goal = graph.graph.get("goal")
    lines = [
        "digraph pathways {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=10, style="filled,rounded", shape=box];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    shapes = {"credential": "box", "composite": "box", "equivalence": "hexagon", "rule": "cds"}
    for ident in _ordered_nodes(graph):
        attrs = graph.nodes[ident]
        kind = _kind(attrs)
        style = _KIND_STYLES.get(kind, _KIND_STYLES["credential"])
        fill, stroke = style.fill, style.stroke
        state = states.get(ident)
        if state is not None:
            fill, stroke = STATE_STYLES.get(state, ("#e5e7eb", "#6b7280"))
        label = f"{attrs.get('title', ident)}\n{ident}"
        extras = [
            f"shape={shapes.get(kind, 'box')}",
            f"fillcolor={_dot_quote(fill)}",
            f"color={_dot_quote(stroke)}",
            f"label={_dot_quote(label)}",
            f"tooltip={_dot_quote(_tooltip(ident, attrs, state, titles.get(ident)))}",
        ]
        if kind == "composite" or ident == goal:
            extras.append("penwidth=2")
        if ident == goal:
            extras.append("peripheries=2")
        lines.append(f"  {_dot_quote(ident)} [{', '.join(extras)}];")
    for source, target, rel in sorted(graph.edges(data="rel")):
        colour, dash, legend = _EDGE_STYLES.get(rel, ("#475569", "", rel))
        extras = [f"color={_dot_quote(colour)}", f"tooltip={_dot_quote(legend)}"]
        if dash:
            extras.append('style="dashed"' if rel == "member" else 'style="dotted"')
        if rel == "prerequisite":
            extras.append("constraint=false")
        lines.append(f"  {_dot_quote(source)} -> {_dot_quote(target)} [{', '.join(extras)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- mermaid


def _mermaid_text(text: str) -> str:
    return html.escape(text, quote=True).replace("\n", "<br/>")


def to_mermaid(
    graph: nx.DiGraph,
    *,
    states: Mapping[str, str] | None = None,
    titles: Mapping[str, str] | None = None,
) -> str:
    """Mermaid ``flowchart LR`` text of ``graph``; ``states`` colours nodes by state.

    Node ids are ``n0``, ``n1`` … (catalog ids are shown in labels, since Mermaid ids cannot
    hold every character catalog ids may); ``titles`` become Mermaid tooltips.
    """
    states = states or {}
    titles = titles or {}
    goal = graph.graph.get("goal")
    names = {ident: f"n{i}" for i, ident in enumerate(_ordered_nodes(graph))}
    lines = ["flowchart LR"]
    brackets = {
        "credential": ('["', '"]'),
        "composite": ('[["', '"]]'),
        "equivalence": ('{{"', '"}}'),
        "rule": ('>"', '"]'),
    }
    for ident, name in names.items():
        attrs = graph.nodes[ident]
        kind = _kind(attrs)
        left, right = brackets.get(kind, brackets["credential"])
        label = _mermaid_text(f"{attrs.get('title', ident)}\n{ident}")
        lines.append(f"  {name}{left}{label}{right}")
    for source, target, rel in sorted(graph.edges(data="rel")):
        arrow = {"member": "-.->", "prerequisite": "-.-o", "grants": "==>"}.get(rel, "-->")
        lines.append(f"  {names[source]} {arrow}|{rel}| {names[target]}")
    for kind, style in _KIND_STYLES.items():
        lines.append(f"  classDef {kind} fill:{style.fill},stroke:{style.stroke}")
    for name, (fill, stroke) in STATE_STYLES.items():
        lines.append(f"  classDef state_{name} fill:{fill},stroke:{stroke},stroke-width:2px")
    lines.append("  classDef goal stroke-width:3px")
    for ident, name in names.items():
        attrs = graph.nodes[ident]
        state = states.get(ident)
        cls = f"state_{state}" if state in STATE_STYLES else _kind(attrs)
        lines.append(f"  class {name} {cls}")
        if ident == goal:
            lines.append(f"  class {name} goal")
        tip = _tooltip(ident, attrs, state, titles.get(ident)).replace('"', "'")
        lines.append(f'  click {name} href "#{ident}" "{tip.replace(chr(10), " · ")}"')
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- svg layout


_NODE_W = 230
_NODE_H = 42
_DUMMY_H = 8
_COL_GAP = 110
_ROW_GAP = 14
_MARGIN = 20
_TITLE_CHARS = 34
_ID_CHARS = 38


@dataclass
class _Layout:
    layers: list[list[str]]
    """Node keys per column (dummy nodes are ``("~", source, target, k)`` strings)."""
    x: dict[str, float]
    y: dict[str, float]
    height: dict[str, float]
    routes: dict[tuple[str, str], list[str]]
    """Each long edge's chain of keys, from source through dummies to target."""


def _layer(flow: nx.DiGraph) -> dict[str, int]:
    """Longest-path layering: each node one column right of its furthest predecessor."""
    layer: dict[str, int] = {}
    for node in nx.lexicographical_topological_sort(flow):
        preds = [layer[p] + 1 for p in flow.predecessors(node)]
        layer[node] = max(preds, default=0)
    # Pull sources right, next to their earliest successor, so they sit beside what they feed.
    for node in sorted(flow, key=lambda n: -layer[n]):
        succs = [layer[s] - 1 for s in flow.successors(node)]
        if succs and not list(flow.predecessors(node)):
            layer[node] = min(succs)
    return layer


def _crossings(upper: list[str], lower: list[str], edges: list[tuple[str, str]]) -> int:
    pos_u = {n: i for i, n in enumerate(upper)}
    pos_l = {n: i for i, n in enumerate(lower)}
    pairs = sorted((pos_u[a], pos_l[b]) for a, b in edges if a in pos_u and b in pos_l)
    count = 0
    for i in range(len(pairs)):
        for j in range(i + 1, len(pairs)):
            if pairs[i][0] != pairs[j][0] and pairs[j][1] < pairs[i][1]:
                count += 1
    return count


def _layout(graph: nx.DiGraph) -> _Layout:
    flow = nx.DiGraph()
    flow.add_nodes_from(graph)
    flow.add_edges_from((a, b) for a, b, rel in graph.edges(data="rel") if rel != "prerequisite")
    layer = _layer(flow)
    depth = max(layer.values(), default=0) + 1
    layers: list[list[str]] = [[] for _ in range(depth)]
    routes: dict[tuple[str, str], list[str]] = {}
    edges: list[tuple[str, str]] = []  # between adjacent columns, dummies included
    for node in sorted(flow, key=lambda n: (layer[n], n)):
        layers[layer[node]].append(node)
    for source, target in sorted(flow.edges):
        chain = [source]
        for k in range(layer[source] + 1, layer[target]):
            dummy = f"~{source}\0{target}\0{k}"
            layers[k].append(dummy)
            chain.append(dummy)
        chain.append(target)
        routes[(source, target)] = chain
        edges.extend(pairwise(chain))
    preds: dict[str, list[str]] = {}
    succs: dict[str, list[str]] = {}
    for a, b in edges:
        succs.setdefault(a, []).append(b)
        preds.setdefault(b, []).append(a)

    def sweep(order: list[list[str]], forward: bool) -> list[list[str]]:
        result = [list(col) for col in order]
        links = preds if forward else succs
        for i in range(1, depth) if forward else range(depth - 2, -1, -1):
            ref = {n: j for j, n in enumerate(result[i - 1] if forward else result[i + 1])}
            keys: dict[str, tuple[float, int]] = {}
            for j, node in enumerate(result[i]):
                near = [ref[m] for m in links.get(node, ()) if m in ref]
                keys[node] = (sum(near) / len(near) if near else float(j), j)
            result[i].sort(key=keys.__getitem__)
        return result

    def total(order: list[list[str]]) -> int:
        return sum(_crossings(order[i], order[i + 1], edges) for i in range(depth - 1))

    best = layers
    best_score = total(best) if len(edges) <= 2000 else 0
    current_order = layers
    for round_ in range(8 if len(edges) <= 2000 else 1):
        current_order = sweep(current_order, forward=round_ % 2 == 0)
        if len(edges) <= 2000:
            score = total(current_order)
            if score < best_score:
                best, best_score = current_order, score
        else:
            best = current_order

    height: dict[str, float] = {
        n: (_DUMMY_H if n.startswith("~") else _NODE_H) for col in best for n in col
    }
    x: dict[str, float] = {
        n: _MARGIN + i * (_NODE_W + _COL_GAP) for i, col in enumerate(best) for n in col
    }
    y = _place_rows(best, height, preds, succs)
    return _Layout(best, x, y, height, routes)


def _place_rows(
    layers: list[list[str]],
    height: Mapping[str, float],
    preds: Mapping[str, list[str]],
    succs: Mapping[str, list[str]],
) -> dict[str, float]:
    """Vertical centres: stacked in order, then pulled toward neighbours without overlap."""
    y: dict[str, float] = {}
    for col in layers:
        cursor = 0.0
        for node in col:
            y[node] = cursor + height[node] / 2
            cursor += height[node] + _ROW_GAP
    for round_ in range(4):
        forward = round_ % 2 == 0
        links = preds if forward else succs
        for col in layers if forward else reversed(layers):
            placed = []
            for node in col:
                near = [y[n] for n in links.get(node, [])]
                placed.append(sum(near) / len(near) if near else y[node])
            gaps = [
                (height[col[i]] + height[col[i + 1]]) / 2 + _ROW_GAP for i in range(len(col) - 1)
            ]
            # Keep the order and leave no overlap: push down, pull up, push down again.
            for i in range(1, len(col)):
                placed[i] = max(placed[i], placed[i - 1] + gaps[i - 1])
            for i in range(len(col) - 2, -1, -1):
                placed[i] = min(placed[i], placed[i + 1] - gaps[i])
            for i in range(1, len(col)):
                placed[i] = max(placed[i], placed[i - 1] + gaps[i - 1])
            y.update(zip(col, placed, strict=True))
    top = min((y[n] - height[n] / 2 for col in layers for n in col), default=0.0)
    return {n: v - top for n, v in y.items()}


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def to_svg(
    graph: nx.DiGraph,
    *,
    states: Mapping[str, str] | None = None,
    titles: Mapping[str, str] | None = None,
) -> str:
    """A standalone SVG picture of ``graph``, laid out in columns, credit flowing right.

    Nodes are styled by kind (credential, composite, equivalence, rule); ``states`` colours
    them by state and adds those states to the legend; ``titles`` adds a line to a node's
    tooltip. Each node is a ``<g class="node" data-id=… tabindex="0">`` with a ``<title>``.
    The output is deterministic for a given graph.
    """
    states = states or {}
    titles = titles or {}
    goal = graph.graph.get("goal")
    layout = _layout(graph)
    legend, legend_h = _legend(graph, states)
    top = _MARGIN + legend_h
    content_h = max(
        (layout.y[n] + layout.height[n] / 2 for col in layout.layers for n in col), default=0
    )
    width = _MARGIN * 2 + max(len(layout.layers), 1) * (_NODE_W + _COL_GAP) - _COL_GAP
    width = max(width, 560)
    height = top + content_h + _MARGIN
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="{html.escape(_graph_label(graph), quote=True)}" '
        'font-family="Helvetica, Arial, sans-serif">',
        "<defs>",
    ]
    for rel, (colour, _, _) in _EDGE_STYLES.items():
        out.append(
            f'<marker id="arrow-{rel}" viewBox="0 0 10 10" refX="10" refY="5" '
            'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            f'<path d="M 0 0 L 10 5 L 0 10 z" fill="{colour}"/></marker>'
        )
    out.append("</defs>")
    out.append(
        "<style>.node:focus{outline:none}.node:focus rect,.node:focus polygon,"
        ".node:hover rect,.node:hover polygon{stroke-width:3}"
        ".id{font-family:ui-monospace,Menlo,monospace}</style>"
    )
    out.extend(legend)
    out.append(f'<g transform="translate(0,{top:.0f})">')
    out.append('<g class="edges" fill="none">')
    for source, target, rel in sorted(graph.edges(data="rel")):
        out.append(_svg_edge(layout, source, target, rel))
    out.append("</g>")
    out.append('<g class="nodes">')
    for col in layout.layers:
        for node in col:
            if not node.startswith("~"):
                out.append(_svg_node(layout, graph, node, states, titles, goal))
    out.append("</g></g></svg>")
    return "\n".join(out) + "\n"


def _graph_label(graph: nx.DiGraph) -> str:
    goal = graph.graph.get("goal")
    if goal and goal in graph:
        title = graph.nodes[goal].get("title", goal)
        return f"What counts toward {title} ({goal}): {graph.number_of_nodes()} nodes"
    return f"Credential graph: {graph.number_of_nodes()} nodes"


def _svg_edge(layout: _Layout, source: str, target: str, rel: str) -> str:
    colour, dash, legend = _EDGE_STYLES.get(rel, ("#475569", "", rel))
    chain = layout.routes.get((source, target), [source, target])
    points = []
    for i, key in enumerate(chain):
        x, y = layout.x[key], layout.y[key]
        if i == 0:
            points.append((x + _NODE_W, y))
        elif i == len(chain) - 1:
            points.append((x, y))
        else:  # a dummy: pass through its column
            points.append((x, y))
            points.append((x + _NODE_W, y))
    if layout.x[source] >= layout.x[target]:
        # A prerequisite within a column (or pointing back): an arc out to the right.
        sx, sy = layout.x[source] + _NODE_W, layout.y[source]
        tx, ty = layout.x[target] + _NODE_W, layout.y[target]
        bulge = max(sx, tx) + 24 + min(abs(ty - sy), 120) / 6
        d = f"M {sx:.1f} {sy:.1f} C {bulge:.1f} {sy:.1f}, {bulge:.1f} {ty:.1f}, {tx:.1f} {ty:.1f}"
    else:
        d = f"M {points[0][0]:.1f} {points[0][1]:.1f}"
        for (x0, y0), (x1, y1) in pairwise(points):
            if y0 == y1 or x1 - x0 < 1:
                d += f" L {x1:.1f} {y1:.1f}"
            else:
                mid = (x0 + x1) / 2
                d += f" C {mid:.1f} {y0:.1f}, {mid:.1f} {y1:.1f}, {x1:.1f} {y1:.1f}"
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<path class="edge {rel}" d="{d}" stroke="{colour}" stroke-width="1.4"{dash_attr} '
        f'marker-end="url(#arrow-{rel})"><title>{html.escape(source)} {legend} '
        f"{html.escape(target)}</title></path>"
    )


def _svg_node(
    layout: _Layout,
    graph: nx.DiGraph,
    node: str,
    states: Mapping[str, str],
    titles: Mapping[str, str],
    goal: str | None,
) -> str:
    attrs = graph.nodes[node]
    kind = _kind(attrs)
    style = _KIND_STYLES.get(kind, _KIND_STYLES["credential"])
    fill, stroke = style.fill, style.stroke
    state = states.get(node)
    if state is not None:
        fill, stroke = STATE_STYLES.get(state, ("#e5e7eb", "#6b7280"))
    x, y = layout.x[node], layout.y[node] - _NODE_H / 2
    width = 3 if node == goal else 2 if kind == "composite" else 1.2
    dash = ' stroke-dasharray="5 3"' if state == "missing" else ""
    if kind == "rule":
        cut = 10
        shape = (
            f'<polygon points="{x + cut:.1f},{y:.1f} {x + _NODE_W - cut:.1f},{y:.1f} '
            f"{x + _NODE_W:.1f},{y + _NODE_H / 2:.1f} {x + _NODE_W - cut:.1f},{y + _NODE_H:.1f} "
            f'{x + cut:.1f},{y + _NODE_H:.1f} {x:.1f},{y + _NODE_H / 2:.1f}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"{dash}/>'
        )
    else:
        radius = 20 if kind == "equivalence" else 6
        shape = (
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{_NODE_W}" height="{_NODE_H}" rx="{radius}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"{dash}/>'
        )
    title = str(attrs.get("title", node))
    tooltip = html.escape(_tooltip(node, attrs, state, titles.get(node)))
    state_attr = f' data-state="{html.escape(state, quote=True)}"' if state else ""
    cx = x + _NODE_W / 2
    return (
        f'<g class="node {kind}" data-id="{html.escape(node, quote=True)}"{state_attr} '
        f'tabindex="0" aria-label="{tooltip.replace(chr(10), ". ")}">'
        f"<title>{tooltip}</title>{shape}"
        f'<text x="{cx:.1f}" y="{y + 17:.1f}" text-anchor="middle" font-size="12" '
        f'font-weight="{"bold" if kind == "composite" or node == goal else "normal"}" '
        f'fill="#0f172a">{html.escape(_truncate(title, _TITLE_CHARS))}</text>'
        f'<text class="id" x="{cx:.1f}" y="{y + 32:.1f}" text-anchor="middle" font-size="9.5" '
        f'fill="#475569">{html.escape(_truncate(node, _ID_CHARS))}</text></g>'
    )


def _legend(graph: nx.DiGraph, states: Mapping[str, str]) -> tuple[list[str], float]:
    """Legend entries for the node kinds, edge kinds and states present in the picture."""
    kinds = [k for k in _KIND_STYLES if any(_kind(a) == k for _, a in graph.nodes(data=True))]
    rels = [r for r in _EDGE_STYLES if any(rel == r for _, _, rel in graph.edges(data="rel"))]
    present = [s for s in STATE_STYLES if s in set(states.values())]
    present += sorted(set(states.values()) - set(STATE_STYLES))
    items: list[tuple[str, str]] = []
    out = ['<g class="legend" font-size="11" fill="#0f172a">']
    x, y = float(_MARGIN), float(_MARGIN)
    row_h = 18.0

    def item(swatch: str, label: str, w: float) -> None:
        nonlocal x, y
        if x + w > _MARGIN + 5 * 170:
            x = float(_MARGIN)
            y += row_h
        out.append(f'<g transform="translate({x:.0f},{y:.0f})">{swatch}')
        out.append(f'<text x="22" y="10">{html.escape(label)}</text></g>')
        items.append((swatch, label))
        x += w

    for kind in kinds:
        style = _KIND_STYLES[kind]
        rx = 6 if kind == "equivalence" else 2
        item(
            f'<rect width="16" height="12" rx="{rx}" fill="{style.fill}" stroke="{style.stroke}"/>',
            style.label,
            170,
        )
    for rel in rels:
        colour, dash, label = _EDGE_STYLES[rel]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        item(
            f'<line x1="0" y1="6" x2="16" y2="6" stroke="{colour}" stroke-width="2"{dash_attr}/>',
            label,
            170,
        )
    for state in present:
        fill, stroke = STATE_STYLES.get(state, ("#e5e7eb", "#6b7280"))
        item(
            f'<rect width="16" height="12" rx="2" fill="{fill}" stroke="{stroke}" '
            'stroke-width="2"/>',
            state.replace("_", " "),
            170,
        )
    out.append("</g>")
    height = (y - _MARGIN + row_h + 10) if items else 0.0
    return out, height
